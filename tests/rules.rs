//! Every rule against its fixtures: `tests/rules/<rule id>.toml` holds small shops (a few pages each) that must
//! make the rule pass, fail or be not applicable. Each shop is served on 127.0.0.1 and audited for real.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use cxaudit::result::CheckStatus;
use cxaudit::rules::pack::Checks;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    expect: CheckStatus,
    /// The country, when the domain (127.0.0.1) cannot tell.
    #[serde(default)]
    country: Option<String>,
    /// Words the English finding must contain.
    #[serde(default)]
    finding: Option<String>,
    /// The shop's pages (rules judged by the crawl).
    #[serde(default)]
    pages: BTreeMap<String, String>,
    /// A campaign's probes (rules on e-mail replies); the pages are then the demo audit's.
    #[serde(default)]
    campaign: Option<CampaignCase>,
    /// A test the consultant made by hand (`cxaudit manual`), on what the rule saw: its status.
    #[serde(default)]
    manual: Option<CheckStatus>,
}

/// A mystery-shopper campaign in a few lines: what came back for each probe.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignCase {
    #[serde(default)]
    promise_hours: Option<f64>,
    #[serde(default)]
    promise_business_hours: bool,
    /// When the probes still waiting settle (shop's time, RFC 3339 with offset).
    #[serde(default)]
    waiting_until: Option<String>,
    probes: Vec<ProbeCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeCase {
    outcome: String,
    #[serde(default)]
    ack: Option<f64>,
    #[serde(default)]
    human: Option<f64>,
    #[serde(default)]
    business: Option<f64>,
}

impl CampaignCase {
    fn status(&self) -> cxaudit::campaign::CampaignStatus {
        cxaudit::campaign::CampaignStatus {
            id: 1,
            shop: "shop.test".into(),
            created_at: "2026-11-13T16:00:00Z".into(),
            deadline_hours: 168.0,
            promise_hours: self.promise_hours,
            promise_business_hours: self.promise_business_hours,
            probes: self
                .probes
                .iter()
                .enumerate()
                .map(|(i, p)| cxaudit::campaign::ProbeStatus {
                    id: i as i64 + 1,
                    to: "shop@shop.test".into(),
                    scenario: "delivery-question".into(),
                    scenario_title: Default::default(),
                    state: cxaudit::campaign::ProbeState::Sent,
                    send_after: "2026-11-13T16:00:00Z".into(),
                    sent_at: Some("2026-11-13T16:00:00Z".into()),
                    attempts: 1,
                    failure: None,
                    bounced: p.outcome == "bounced",
                    first_ack_at: None,
                    first_human_at: None,
                    ack_delay_hours: p.ack,
                    human_delay_hours: p.human,
                    business_hours_delay: p.business,
                    ack_business_hours_delay: None,
                    outcome: p.outcome.parse().unwrap(),
                    replies: Vec::new(),
                })
                .collect(),
            waiting_until: self.waiting_until.clone(),
        }
    }
}

fn fixtures_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules"))
}

fn load(id: &str) -> Fixture {
    let path = fixtures_dir().join(format!("{id}.toml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_rule_has_fixtures_that_make_it_pass_and_fail() {
    let checks = Checks::bundled();
    for rule in &checks.rules {
        let fixture = load(&rule.id);
        assert!(
            fixture.cases.iter().any(|c| c.expect == CheckStatus::Pass),
            "tests/rules/{}.toml has no passing case",
            rule.id
        );
        assert!(
            fixture
                .cases
                .iter()
                .any(|c| matches!(c.expect, CheckStatus::Fail | CheckStatus::Partial)),
            "tests/rules/{}.toml has no failing case",
            rule.id
        );
    }
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let id = name.trim_end_matches(".toml");
        assert!(
            checks.rule(id).is_some(),
            "tests/rules/{name} names no rule"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_comes_out_as_its_fixtures_say() {
    let checks = std::sync::Arc::new(Checks::bundled());
    let mut failures = Vec::new();
    let mut cases = 0;
    let dictionaries = cxaudit::facts::spelling::available("fr");
    for rule in &checks.rules {
        if rule.detector == "spelling" && !dictionaries {
            eprintln!("hunspell-fr is not installed: the spelling fixtures are skipped (tests/run-all.sh installs it)");
            continue;
        }
        for case in load(&rule.id).cases {
            cases += 1;
            let pages: Vec<(String, String)> = case.pages.into_iter().collect();
            let mut result =
                common::audit_pages(&pages, case.country.as_deref(), Some(checks.clone())).await;
            if let Some(campaign) = &case.campaign {
                result.campaign = Some(campaign.status());
                cxaudit::audit::rejudge(&mut result, None, &checks).unwrap();
            }
            if let Some(status) = case.manual {
                let seen = result.checks.iter().find(|c| c.id == rule.id).unwrap();
                let judgement = cxaudit::audit::Judgement {
                    rule: rule.id.clone(),
                    status,
                    reason: "Called during the stated hours.".into(),
                    by: "Claire Martin".into(),
                    at: "2026-11-03T10:00:00Z".into(),
                    evidence: seen.evidence_fingerprint(),
                    kind: cxaudit::result::JudgementKind::Manual,
                    tested_on: Some("2026-11-03".into()),
                    attachment: None,
                };
                cxaudit::audit::apply_judgements(&mut result, &[judgement], &checks);
            }
            let check = result
                .checks
                .iter()
                .find(|c| c.id == rule.id)
                .expect("every enabled rule is judged");
            let finding_ok = case
                .finding
                .as_ref()
                .is_none_or(|f| check.finding.get("en").contains(f.as_str()));
            if check.status != case.expect || !finding_ok {
                failures.push(format!(
                    "{} / {}: expected {:?}{}, got {:?} ({:?}): {}",
                    rule.id,
                    case.name,
                    case.expect,
                    case.finding
                        .as_ref()
                        .map(|f| format!(" with {f:?}"))
                        .unwrap_or_default(),
                    check.status,
                    check.score,
                    check.finding.get("en")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
