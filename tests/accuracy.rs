//! Accuracy of the detectors on labelled fixture shops (`tests/accuracy/*.toml`): each file is a small shop
//! written to hold a trap (a number split across tags, a SIRET beside a phone, a number only in an image's alt
//! text, a footer in a `<template>`, a regulator's number, look-alikes...) and the facts a careful reader finds
//! in it. Precision and recall are computed per fact type over all the shops; the test fails when a detector
//! falls below 0.95 precision or 0.90 recall. `cargo test --test accuracy -- --nocapture` prints the table.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cxaudit::result::{AuditResult, CheckStatus};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    #[serde(default)]
    country: Option<String>,
    labels: Labels,
    pages: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    phones: Vec<String>,
    emails: Vec<String>,
    channels: Vec<String>,
    payment: Vec<String>,
    delivery: Vec<String>,
    hours: Vec<String>,
    #[serde(default)]
    promise_hours: Option<f64>,
    key_pages: BTreeMap<String, String>,
    /// The country the audit must infer (fixtures without `country`, as a `.com` shop is audited).
    #[serde(default)]
    inferred_country: Option<String>,
    /// The shop's postal addresses as the site facts write them on one line (street, box, postcode and town),
    /// with their country: "12 rue des Abeilles, 69002 Lyon (FR)". Judged in the fixtures that label them.
    #[serde(default)]
    addresses: Option<Vec<String>>,
}

const KEY_PAGE_KINDS: [&str; 8] = [
    "contact",
    "faq",
    "legal-notice",
    "terms",
    "delivery",
    "returns",
    "privacy",
    "order-tracking",
];

/// What the audit found, as comparable items per fact type.
fn found(result: &AuditResult) -> BTreeMap<&'static str, BTreeSet<String>> {
    let site = &result.site;
    let path = |url: &str| {
        url::Url::parse(url)
            .map(|u| u.path().to_string())
            .unwrap_or_default()
    };
    let mut out: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    out.insert(
        "phones",
        site.phones
            .iter()
            .filter(|p| p.valid)
            .map(|p| p.e164.clone())
            .collect(),
    );
    out.insert(
        "emails",
        site.emails.iter().map(|e| e.address.clone()).collect(),
    );
    out.insert(
        "channels",
        result
            .checks
            .iter()
            .filter(|c| c.id.starts_with("channel-") && c.status == CheckStatus::Pass)
            .map(|c| c.id.trim_start_matches("channel-").to_string())
            .collect(),
    );
    out.insert(
        "key pages",
        KEY_PAGE_KINDS
            .iter()
            .filter_map(|k| site.key_pages.get(k).map(|u| format!("{k} {}", path(u))))
            .collect(),
    );
    out.insert(
        "payment",
        site.payment_methods
            .iter()
            .map(|s| s.name.clone())
            .collect(),
    );
    out.insert(
        "delivery",
        site.delivery_options
            .iter()
            .map(|s| s.name.clone())
            .collect(),
    );
    out.insert(
        "opening hours",
        site.opening_hours
            .iter()
            .flat_map(|h| h.week.iter())
            .flat_map(|(day, ranges)| ranges.iter().map(move |r| format!("{day} {r}")))
            .collect(),
    );
    out.insert(
        "promise",
        site.response_time_promise
            .iter()
            .map(|p| format!("{} h", p.hours))
            .collect(),
    );
    out
}

fn expected(labels: &Labels) -> BTreeMap<&'static str, BTreeSet<String>> {
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
    let mut out = BTreeMap::new();
    out.insert("phones", set(&labels.phones));
    out.insert("emails", set(&labels.emails));
    out.insert("channels", set(&labels.channels));
    out.insert(
        "key pages",
        labels
            .key_pages
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect(),
    );
    out.insert("payment", set(&labels.payment));
    out.insert("delivery", set(&labels.delivery));
    out.insert("opening hours", set(&labels.hours));
    out.insert(
        "promise",
        labels
            .promise_hours
            .iter()
            .map(|h| format!("{h} h"))
            .collect(),
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detectors_meet_their_precision_and_recall() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/accuracy"));
    let mut counts: BTreeMap<&'static str, (u32, u32, u32)> = BTreeMap::new();
    let mut mistakes = Vec::new();
    let mut flagged: Vec<String> = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let fixture: Fixture = toml::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let pages: Vec<(String, String)> = fixture.pages.into_iter().collect();
        let result = common::audit_pages(&pages, fixture.country.as_deref(), None).await;
        // A number that does not validate is never written as one: E.164 only for valid numbers.
        for phone in result.site.phones.iter().chain(&result.site.other_phones) {
            assert_eq!(
                phone.valid,
                phone.e164.starts_with('+') && phone.e164.len() > 4,
                "{name}: {phone:?}"
            );
            assert!(!phone.digits.is_empty(), "{name}: {phone:?}");
        }
        // Ordinary shops, scripts and all: none is said to be built with JavaScript.
        if let Some(built) = &result.site.script_built {
            flagged.push(format!(
                "{name}: flagged as built with JavaScript: {built:?}"
            ));
        }
        let (mut got, mut want) = (found(&result), expected(&fixture.labels));
        if let Some(addresses) = &fixture.labels.addresses {
            want.insert("addresses", addresses.iter().cloned().collect());
            got.insert(
                "addresses",
                result
                    .site
                    .addresses
                    .iter()
                    .map(|a| format!("{} ({})", a.text, a.country.as_deref().unwrap_or("?")))
                    .collect(),
            );
        }
        if let Some(country) = &fixture.labels.inferred_country {
            want.insert("country inferred", BTreeSet::from([country.clone()]));
            got.insert(
                "country inferred",
                result
                    .target
                    .country
                    .iter()
                    .map(|c| c.value.clone())
                    .collect(),
            );
        }
        for (kind, want) in &want {
            let got = &got[kind];
            let entry = counts.entry(kind).or_default();
            for item in got.union(want) {
                match (got.contains(item), want.contains(item)) {
                    (true, true) => entry.0 += 1,
                    (true, false) => {
                        entry.1 += 1;
                        mistakes.push(format!("{name}: {kind}: found {item:?}, not labelled"));
                    }
                    (false, true) => {
                        entry.2 += 1;
                        mistakes.push(format!("{name}: {kind}: missed {item:?}"));
                    }
                    (false, false) => {}
                }
            }
        }
    }
    println!("| fact type | true pos. | false pos. | missed | precision | recall |");
    println!("|---|---|---|---|---|---|");
    let mut below = flagged;
    for (kind, (tp, fp, fn_)) in &counts {
        let precision = if tp + fp == 0 {
            1.0
        } else {
            f64::from(*tp) / f64::from(tp + fp)
        };
        let recall = if tp + fn_ == 0 {
            1.0
        } else {
            f64::from(*tp) / f64::from(tp + fn_)
        };
        println!("| {kind} | {tp} | {fp} | {fn_} | {precision:.3} | {recall:.3} |");
        if precision < 0.95 || recall < 0.90 {
            below.push(format!(
                "{kind}: precision {precision:.3}, recall {recall:.3}"
            ));
        }
    }
    for m in &mistakes {
        println!("  {m}");
    }
    assert!(
        below.is_empty(),
        "below target:\n{}\nmistakes:\n{}",
        below.join("\n"),
        mistakes.join("\n")
    );
}

/// With no country to read it by (a `.com`, `lang="en"`, no prices) a number in French pairs is also a Moroccan
/// one: it is kept as shown, by its digits, but never written as an E.164 number.
#[tokio::test(flavor = "multi_thread")]
async fn a_number_no_country_validates_keeps_its_digits_only() {
    let pages = vec![(
        "/".to_string(),
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Corner Café</title></head><body><main><h1>Corner Café</h1><p>Call us: 06 12 45 78 90</p></main></body></html>"#.to_string(),
    )];
    let result = common::audit_pages(&pages, None, None).await;
    let phone = result
        .site
        .phones
        .iter()
        .find(|p| p.digits == "0612457890")
        .unwrap_or_else(|| panic!("{:?}", result.site.phones));
    assert!(!phone.valid);
    assert_eq!(phone.e164, "");
    assert_eq!(phone.number(), "0612457890");
    // The open question reaches the client's report rather than a silent guess.
    assert_eq!(result.target.country_candidates, ["FR", "MA"]);
    let html = cxaudit::report::render(
        &result,
        &cxaudit::report::ReportOptions {
            lang: "en",
            templates: None,
            branding: Default::default(),
        },
    )
    .unwrap();
    assert!(
        html.contains("the country could not be established with certainty: the site&#x27;s numbers are valid for FR, MA")
            || html.contains("the country could not be established with certainty: the site's numbers are valid for FR, MA"),
        "{}",
        &html[html.find("report-appendix").unwrap_or(0)..][..1500.min(html.len())]
    );
}
