//! Judging: the rules of the pack (`checks/`, see [`pack`]) over the facts gathered. Each rule names a detector,
//! a small function in [`detectors`] that reads the site facts, the page observations ([`crate::facts::observations`])
//! and the campaign, and returns a verdict; the verdicts become `checks[]` and `scores` in `audit.json`. Read-only
//! over the facts: nothing here writes into them, fetches or renders.

pub mod detectors;
pub mod messages;
pub mod pack;
pub mod unseen;

use std::collections::HashMap;

use crate::facts::observations::SiteObservations;
use crate::result::{
    CampaignResult, CategoryScore, CheckResult, CheckStatus, Coverage, RuleKind, Scores, SiteFacts,
    Target,
};
use pack::Checks;

/// What the rules judge: every input, read-only.
#[derive(Clone, Copy)]
pub struct Judged<'a> {
    pub site: &'a SiteFacts,
    pub target: &'a Target,
    pub obs: &'a SiteObservations,
    /// The mystery-shopper campaign, once reported; the campaign rules are not applicable without it.
    pub campaign: Option<&'a CampaignResult>,
}

/// The outcome of the rules: results and scores.
pub struct Evaluation {
    pub checks: Vec<CheckResult>,
    pub scores: Scores,
    /// What the judgment rests on, for a site built with JavaScript.
    pub coverage: Option<Coverage>,
}

/// A score is a pass from this value up.
const PASS: f64 = 0.999;

/// The judge loop: every enabled rule (aggregates last, so they read the others' results), back in the pack's
/// order, then the scores.
pub fn judge(checks: &Checks, judged: Judged<'_>) -> Evaluation {
    let results = judge_rules(checks, judged, |_| true);
    let mut scores = score(checks, &results);
    let coverage = unseen::settle(judged.site, &results, &mut scores);
    Evaluation {
        checks: results,
        scores,
        coverage,
    }
}

/// The enabled rules `pick` chooses, judged in the pack's order (aggregates after the others).
pub fn judge_rules(
    checks: &Checks,
    judged: Judged<'_>,
    pick: impl Fn(&pack::Rule) -> bool,
) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = Vec::new();
    let enabled = checks.rules.iter().filter(|r| r.enabled && pick(r));
    let (aggregates, plain): (Vec<&pack::Rule>, Vec<&pack::Rule>) =
        enabled.partition(|r| matches!(r.kind, RuleKind::Aggregate | RuleKind::Manual));
    for rule in plain.into_iter().chain(aggregates) {
        let detector = detectors::find(&rule.detector).expect("validated when loaded");
        let context = detectors::Context {
            checks,
            site: judged.site,
            target: judged.target,
            obs: judged.obs,
            earlier: &results,
            campaign: judged.campaign,
        };
        let verdict = (detector.run)(&context, rule);
        let mut result = verdict.into_result(rule, checks);
        // Before the aggregates read it: a channel not judged is not counted as missing.
        unseen::withhold(rule, &mut result, judged.site, checks);
        results.push(result);
    }
    sort_as_in_pack(checks, &mut results);
    results
}

/// Back to the pack's order (category, then id); ids the pack does not know go last.
pub fn sort_as_in_pack(checks: &Checks, results: &mut [CheckResult]) {
    let order: HashMap<&str, usize> = checks
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    results.sort_by_key(|r| order.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
}

/// Lighthouse's weighted arithmetic mean: not-applicable and weight-0 rules do not count; a category with nothing
/// that counts has no score (null, shown as N/A), never 0.
pub fn score(checks: &Checks, results: &[CheckResult]) -> Scores {
    let mean = |items: &mut dyn Iterator<Item = &CheckResult>| -> Option<f64> {
        let (mut sum, mut weight) = (0.0, 0.0);
        for r in items {
            if let Some(score) = r.score {
                sum += score * r.weight;
                weight += r.weight;
            }
        }
        (weight > 0.0).then(|| (sum / weight * 100.0).round())
    };
    let categories = checks
        .categories
        .iter()
        .map(|c| {
            let count = |status: CheckStatus| {
                results
                    .iter()
                    .filter(|r| r.category == c.id && r.status == status)
                    .count() as u32
            };
            CategoryScore {
                id: c.id.clone(),
                title: c.title.0.clone(),
                score: mean(&mut results.iter().filter(|r| r.category == c.id)),
                passed: count(CheckStatus::Pass),
                partial: count(CheckStatus::Partial),
                failed: count(CheckStatus::Fail),
                not_applicable: count(CheckStatus::NotApplicable),
            }
        })
        .collect();
    let overall = mean(&mut results.iter());
    Scores {
        overall,
        grade: overall.map(|s| checks.grade(s)),
        categories,
    }
}

/// Status from a score.
pub fn status_of(score: Option<f64>) -> CheckStatus {
    match score {
        None => CheckStatus::NotApplicable,
        Some(s) if s >= PASS => CheckStatus::Pass,
        Some(s) if s <= 0.0 => CheckStatus::Fail,
        Some(_) => CheckStatus::Partial,
    }
}
