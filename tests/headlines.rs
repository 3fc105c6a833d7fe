//! What a client reads first: every rule's headline in each of its states (pass, pass with reservations, partial,
//! fail, not applicable), in both languages, rendered in the real report, never contradicts its status; and every
//! counted word of the findings and the report takes its singular or plural form for 0, 1 and 2.

mod common;

use std::collections::BTreeMap;

use cxaudit::report::{render, ReportOptions};
use cxaudit::result::{AuditResult, CheckStatus, Message};
use cxaudit::rules::pack::Checks;
use scraper::{Html, Selector};

/// A real audit of a small shop: the rules' texts as the pack copies them into the result.
async fn audited() -> AuditResult {
    let pages = vec![(
        "/".to_string(),
        "<main><h1>Boutique</h1><p>Tél. 04 72 00 11 22</p><a href='/contact/'>Contact</a></main>"
            .to_string(),
    )];
    common::audit_pages(&pages, Some("FR"), None).await
}

/// Every rule set to one state, rendered; the headline (`h3`) of each rule's card by rule id.
fn headlines(
    result: &AuditResult,
    status: CheckStatus,
    reservations: bool,
    lang: &str,
) -> BTreeMap<String, String> {
    // A copy through its JSON, as a stored audit is read back.
    let mut result: AuditResult =
        serde_json::from_value(serde_json::to_value(result).unwrap()).unwrap();
    for check in &mut result.checks {
        check.status = status;
        check.score = match status {
            CheckStatus::Pass => Some(1.0),
            CheckStatus::Partial => Some(0.5),
            CheckStatus::Fail => Some(0.0),
            CheckStatus::NotApplicable => None,
        };
        check.reservations = reservations;
    }
    let html = render(
        &result,
        &ReportOptions {
            lang,
            templates: None,
            branding: Default::default(),
        },
    )
    .unwrap();
    let doc = Html::parse_document(&html);
    let article = Selector::parse("article.rule").unwrap();
    let h3 = Selector::parse("h3").unwrap();
    doc.select(&article)
        .filter_map(|a| {
            let id = a.value().attr("id")?.to_string();
            let title = a.select(&h3).next()?.text().collect::<String>();
            Some((id, title.trim().to_string()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_headline_contradicts_its_status() {
    let result = audited().await;
    assert!(result.checks.len() >= 39);
    for lang in ["fr", "en"] {
        let texts = |id: &str| {
            let rule = &result.checks.iter().find(|c| c.id == id).unwrap().rule;
            let get = |m: &BTreeMap<String, String>| m.get(lang).cloned().unwrap_or_default();
            (
                get(&rule.title),
                get(&rule.failure_title),
                get(&rule.partial_title),
            )
        };
        let states = [
            (CheckStatus::Pass, false),
            (CheckStatus::Pass, true),
            (CheckStatus::Partial, false),
            (CheckStatus::Fail, false),
            (CheckStatus::NotApplicable, false),
        ];
        for (status, reservations) in states {
            let shown = headlines(&result, status, reservations, lang);
            // Without a campaign, its reply rules are named in one sentence rather than carded; so are the tests
            // a person makes, until made.
            let untested = |c: &cxaudit::result::CheckResult| {
                c.kind == cxaudit::result::RuleKind::Manual
                    && c.message
                        .as_ref()
                        .is_some_and(|m| m.key == "manual.untested")
            };
            let carded = result
                .checks
                .iter()
                .filter(|c| {
                    !(status == CheckStatus::NotApplicable
                        && (c.kind == cxaudit::result::RuleKind::Campaign || untested(c)))
                })
                .count();
            assert_eq!(shown.len(), carded, "{lang} {status:?}: a card per rule");
            for (id, headline) in &shown {
                let (title, failure, partial) = texts(id);
                let at =
                    format!("{lang} {id} {status:?} reservations={reservations}: {headline:?}");
                match (status, reservations) {
                    (CheckStatus::Fail, _) => assert_eq!(headline, &failure, "{at}"),
                    (CheckStatus::Partial, _) => {
                        // What is there and what is missing: never the failure's words, never a clean pass.
                        assert_ne!(headline, &failure, "{at}");
                        assert_ne!(headline, &title, "{at}");
                        if partial.is_empty() {
                            assert!(headline.contains(&title), "{at}");
                        } else {
                            assert_eq!(headline, &partial, "{at}");
                        }
                    }
                    (CheckStatus::Pass, true) => {
                        assert!(headline.contains(&title) && headline != &title, "{at}")
                    }
                    _ => assert_eq!(headline, &title, "{at}"),
                }
                if status != CheckStatus::Fail {
                    assert_ne!(headline, &failure, "{at}");
                }
            }
        }
    }
}

/// Every `{n|one|other}` of the findings' catalogues and of the report's strings, with 0, 1 and 2: the language's
/// singular counts take the first form, the others the second, and no "(s)" is left anywhere.
#[test]
fn every_counted_word_takes_its_form_for_0_1_and_2() {
    let checks = Checks::bundled();
    let plural = regex::Regex::new(r"\{([a-z_]+)\|([^|}]*)\|([^}]*)\}").unwrap();
    let placeholder = regex::Regex::new(r"\{([a-z_]+)\}").unwrap();
    let mut counted = 0;
    for (lang, catalogue) in &checks.messages.by_lang {
        for (key, text) in &catalogue.messages {
            assert!(
                !text.contains("(s)") && !text.contains("(aux)") && !text.contains("(es)"),
                "{lang} {key}: {text:?}"
            );
            for c in plural.captures_iter(text) {
                let (name, one, other) = (&c[1], &c[2], &c[3]);
                for n in [0, 1, 2] {
                    let mut args = BTreeMap::new();
                    for p in placeholder
                        .captures_iter(text)
                        .chain(plural.captures_iter(text))
                    {
                        args.insert(p[1].to_string(), serde_json::json!("x"));
                    }
                    args.insert(name.to_string(), serde_json::json!(n));
                    let message = Message {
                        key: key.clone(),
                        args,
                    };
                    let worded = checks
                        .messages
                        .localize(&message, std::slice::from_ref(lang));
                    let worded = worded.get(lang);
                    let singular = catalogue.plural.one.contains(&n);
                    let (wanted, unwanted) = if singular { (one, other) } else { (other, one) };
                    assert!(
                        worded.contains(wanted),
                        "{lang} {key} n={n}: {worded:?} lacks {wanted:?}"
                    );
                    if !unwanted.is_empty()
                        && !wanted.contains(unwanted)
                        && !worded.contains(&format!("{unwanted}{wanted}"))
                    {
                        // The other form may still appear as part of another word; only the exact form beside the
                        // count is a mistake.
                        assert!(
                            !worded.contains(&format!("{n} {unwanted} "))
                                && !worded.ends_with(&format!("{n} {unwanted}")),
                            "{lang} {key} n={n}: {worded:?} uses {unwanted:?}"
                        );
                    }
                    counted += 1;
                }
            }
        }
    }
    assert!(counted > 100, "only {counted} counted forms checked");
    // The report's own words and templates.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/report-templates");
    for entry in walk(std::path::Path::new(root)) {
        let text = std::fs::read_to_string(&entry).unwrap();
        for line in text.lines() {
            assert!(
                !line.contains("(s)") && !line.contains("(aux)"),
                "{}: {line}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Decimals in each language's way: "0,8" in French, "0.8" in English; whole hours without a decimal.
#[test]
fn numbers_are_written_as_each_language_writes_them() {
    let checks = Checks::bundled();
    let message = Message {
        key: "spelling.mistakes".into(),
        args: [
            ("mistakes".to_string(), serde_json::json!(3)),
            ("words".to_string(), serde_json::json!(3750)),
            ("rate".to_string(), serde_json::json!(0.8)),
        ]
        .into(),
    };
    let langs = ["fr".to_string(), "en".to_string()];
    let worded = checks.messages.localize(&message, &langs);
    assert!(
        worded.get("fr").contains("(0,8 pour 1 000)"),
        "{}",
        worded.get("fr")
    );
    assert!(
        worded.get("en").contains("(0.8 per 1,000)"),
        "{}",
        worded.get("en")
    );
    assert_eq!(cxaudit::words::hours_text(Some(24.0), "fr"), "24 h");
}

/// Priorities weigh what the shop is: a small site that sells nothing online is first asked for what it lacks to
/// be reached, not for instalments or a live chat; the same failures on an online shop put payment first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priorities_fit_the_shop() {
    use cxaudit::result::{priorities, ConsultantNotes, ShopProfile};
    let mut result = audited().await;
    let failing = [
        "payment-options",
        "payment-instalments",
        "channel-live-chat",
        "faq",
        "legal-notice",
        "service-hours",
    ];
    for check in &mut result.checks {
        let fails = failing.contains(&check.id.as_str());
        check.status = if fails {
            CheckStatus::Fail
        } else {
            CheckStatus::Pass
        };
        check.score = Some(if fails { 0.0 } else { 1.0 });
    }
    let order = |profile: ShopProfile| -> Vec<String> {
        priorities(&result.checks, profile, &ConsultantNotes::default(), 5)
            .into_iter()
            .map(|c| c.id.clone())
            .collect()
    };
    let at = |list: &[String], id: &str| list.iter().position(|x| x == id).unwrap();
    let workshop = order(ShopProfile {
        sells_online: false,
        small: true,
    });
    assert!(
        at(&workshop, "faq") < at(&workshop, "payment-options"),
        "{workshop:?}"
    );
    assert!(
        at(&workshop, "legal-notice") < at(&workshop, "channel-live-chat"),
        "{workshop:?}"
    );
    assert!(
        !workshop.iter().any(|id| id == "payment-instalments"),
        "{workshop:?}"
    );
    assert!(
        at(&workshop, "service-hours") < at(&workshop, "payment-options"),
        "{workshop:?}"
    );
    let shop = order(ShopProfile {
        sells_online: true,
        small: false,
    });
    assert!(
        at(&shop, "payment-options") < at(&shop, "service-hours"),
        "{shop:?}"
    );
    assert!(
        at(&shop, "payment-options") < at(&shop, "channel-live-chat"),
        "{shop:?}"
    );
    assert!(at(&shop, "payment-options") <= 2, "{shop:?}");
}
