//! Reply classification measured on labelled messages (`tests/replies/labelled.toml`): precision and recall per
//! class, with a gate. The figures are printed (`cargo test --test replies -- --nocapture`) and quoted in the README.

use std::collections::BTreeMap;

use cxaudit::campaign::collect::{classify_raw, match_probe, ProbeKey, ReplyClass, ReplyLexicon};
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

#[derive(Deserialize)]
struct MatchingFile {
    probes: Vec<ProbeCase>,
    messages: Vec<MatchCase>,
}

#[derive(Deserialize)]
struct ProbeCase {
    id: i64,
    token: String,
    message_id: String,
    to: String,
    subject: String,
    body: String,
}

#[derive(Deserialize)]
struct MatchCase {
    name: String,
    /// A probe id, or "none".
    expect: toml::Value,
    raw: String,
}

/// Tying replies to probes, measured: precision (a reply tied to a probe is tied to the right one; a wrong tie
/// would time the wrong e-mail) and recall (answers found).
#[test]
fn replies_are_tied_to_the_right_probe() {
    let file: MatchingFile = toml::from_str(include_str!("replies/matching.toml")).unwrap();
    let probes: Vec<ProbeKey> = file
        .probes
        .iter()
        .map(|p| ProbeKey {
            id: p.id,
            token: p.token.clone(),
            message_id: p.message_id.clone(),
            to_addr: p.to.clone(),
            subject: p.subject.clone(),
            body: p.body.clone(),
            scenario: "delivery-question".into(),
            lang: "fr".into(),
            persona: "Marie Dupont".into(),
            sent_at: Some("2026-11-23T09:00:00Z".into()),
            reply_to: None,
        })
        .collect();
    let lexicon = ReplyLexicon::bundled();
    let (mut right, mut wrong, mut missed, mut expected_ties) = (0, 0, 0, 0);
    let mut errors = Vec::new();
    for m in &file.messages {
        let raw = m.raw.trim_start().replace('\n', "\r\n");
        let message = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap();
        let got = match_probe(&message, raw.as_bytes(), &probes, &lexicon).map(|(p, _)| p.id);
        let expected = m.expect.as_integer();
        expected_ties += usize::from(expected.is_some());
        match (expected, got) {
            (Some(e), Some(g)) if e == g => right += 1,
            (_, Some(g)) => {
                wrong += 1;
                errors.push(format!("{}: tied to {g}, expected {:?}", m.name, expected));
            }
            (Some(e), None) => {
                missed += 1;
                errors.push(format!("{}: not tied, expected {e}", m.name));
            }
            (None, None) => {}
        }
    }
    let precision = right as f64 / (right + wrong).max(1) as f64;
    let recall = right as f64 / expected_ties.max(1) as f64;
    println!(
        "matching: {} messages, {right} tied right, {wrong} tied wrong, {missed} missed — precision {precision:.3}, recall {recall:.3}",
        file.messages.len()
    );
    assert!(precision >= 0.99 && recall >= 0.90, "{}", errors.join("\n"));
}
