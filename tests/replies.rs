//! Reply classification measured on labelled messages (`tests/replies/labelled.toml`): precision and recall per
//! class, with a gate. The figures are printed (`cargo test --test replies -- --nocapture`) and quoted in the README.

use std::collections::BTreeMap;

use cxaudit::campaign::collect::{classify_raw, ReplyClass, ReplyLexicon};
use cxaudit::campaign::scenario;
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    messages: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    name: String,
    scenario: String,
    lang: String,
    expect: ReplyClass,
    raw: String,
}

#[test]
fn replies_are_classified_with_high_precision_and_recall() {
    measure("labelled (training)", include_str!("replies/labelled.toml"));
    measure("held out", include_str!("replies/heldout.toml"));
}

fn measure(set: &str, file: &str) {
    let labelled: Labelled = toml::from_str(file).expect("valid fixture file");
    let scenarios = scenario::load(None).unwrap();
    let lexicon = ReplyLexicon::bundled();
    let mut counts: BTreeMap<&str, (u32, u32, u32)> = BTreeMap::new(); // (true pos, false pos, missed)
    let mut wrong = Vec::new();
    for m in &labelled.messages {
        let raw = m.raw.trim_start().replace('\n', "\r\n");
        let scenario = scenarios.iter().find(|s| s.id == m.scenario);
        assert!(scenario.is_some(), "{}: unknown scenario", m.name);
        let got = classify_raw(raw.as_bytes(), scenario, &m.lang, &lexicon).expect("parses");
        if got == m.expect {
            counts.entry(got.as_str()).or_default().0 += 1;
        } else {
            counts.entry(got.as_str()).or_default().1 += 1;
            counts.entry(m.expect.as_str()).or_default().2 += 1;
            wrong.push(format!(
                "{}: expected {:?}, got {:?}",
                m.name, m.expect, got
            ));
        }
    }
    println!("\n{set}:");
    println!("| class | true pos. | false pos. | missed | precision | recall |\n|---|---|---|---|---|---|");
    let mut gate = Vec::new();
    for (class, (tp, fp, missed)) in &counts {
        let precision = f64::from(*tp) / f64::from((tp + fp).max(1));
        let recall = f64::from(*tp) / f64::from((tp + missed).max(1));
        println!("| {class} | {tp} | {fp} | {missed} | {precision:.3} | {recall:.3} |");
        if precision < 0.95 || recall < 0.90 {
            gate.push(format!(
                "{class}: precision {precision:.3}, recall {recall:.3}"
            ));
        }
    }
    assert!(gate.is_empty(), "{set}: {gate:?}\n{}", wrong.join("\n"));
}
