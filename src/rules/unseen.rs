//! Rules on a site built with JavaScript (`site.script_built`): what its scripts write was never seen, so a rule
//! that failed for want of something is not applicable rather than failed, and says why. A rule that passed on
//! what was seen stays passed; a rule that failed on what was seen (a premium number, a spelling mistake) stays
//! failed. The audit then says which rules were not judged and that its grade is provisional ([`settle`]).

use serde_json::json;

use crate::result::{
    CheckResult, CheckStatus, Coverage, Evidence, RuleKind, Scores, ScriptBuilt, SiteFacts,
};
use crate::rules::messages::msg;
use crate::rules::pack::{Checks, Rule, Scope};

/// Detectors that fail on something the pages show (a foreign or premium number, two numbers that disagree, a
/// demanding form, spelling mistakes): their failures stand on what was seen. The others fail for what they did
/// not find, which scripts may write.
const JUDGE_WHAT_IS_SHOWN: [&str; 5] = [
    "phone-local",
    "phone-not-premium",
    "contact-consistency",
    "contact-form-friction",
    "spelling",
];

/// Script-built pages shown as the evidence of a rule not judged.
const EVIDENCE_PAGES: usize = 3;

/// Turns `result` into not applicable when the site is built with JavaScript and the rule failed for want of
/// what its scripts may write: a failure, or a page-scope rule or an aggregate only partly met. A site-scope rule
/// partly met keeps its verdict: it stands on what was seen. What it said before is kept in `details.unseen`.
pub fn withhold(rule: &Rule, result: &mut CheckResult, site: &SiteFacts, checks: &Checks) {
    let Some(built) = &site.script_built else {
        return;
    };
    if matches!(rule.kind, RuleKind::Campaign | RuleKind::Manual)
        || JUDGE_WHAT_IS_SHOWN.contains(&rule.detector.as_str())
    {
        return;
    }
    let unseen = match result.status {
        CheckStatus::Fail => true,
        // A page-scope rule short on some pages, or an aggregate short of rules it could not count.
        CheckStatus::Partial => rule.scope == Scope::EveryPage || rule.kind == RuleKind::Aggregate,
        CheckStatus::Pass | CheckStatus::NotApplicable => false,
    };
    if !unseen {
        return;
    }
    let message = if built.home_reaches_nothing {
        msg("common.unseen-home", [])
    } else {
        msg(
            "common.unseen",
            [
                ("pages", json!(built.script_built_pages)),
                ("html_pages", json!(built.html_pages)),
            ],
        )
    };
    let before = json!({
        "status": result.status,
        "score": result.score,
        "finding": result.message,
        "details": result.details,
    });
    result.details = json!({ "unseen": before });
    result.status = CheckStatus::NotApplicable;
    result.score = None;
    result.finding = checks.messages.localize(&message, &checks.languages);
    result.message = Some(message);
    result.evidence = evidence(built);
}

fn evidence(built: &ScriptBuilt) -> Vec<Evidence> {
    built
        .pages
        .iter()
        .take(EVIDENCE_PAGES)
        .map(|p| Evidence {
            url: Some(p.url.clone()),
            region: None,
            note: None,
            text: p.signs.join(", "),
        })
        .collect()
}

/// Share of the site rules' weight that must be judged for a site built with JavaScript to get a score at all: below
/// it, a score on the few rules left would be a guess worded as a verdict.
const MIN_JUDGED_WEIGHT: f64 = 0.5;

/// What the judgment of a site built with JavaScript rests on: the rules not judged for it, and how many were.
/// The score and grade become provisional, and are withheld (null) when the rules judged weigh less than half.
/// None, and the scores untouched, for a site the crawl could read.
pub fn settle(site: &SiteFacts, results: &[CheckResult], scores: &mut Scores) -> Option<Coverage> {
    let mut coverage = coverage(site, results)?;
    let weight = |judged_only: bool| -> f64 {
        results
            .iter()
            .filter(|r| !matches!(r.kind, RuleKind::Campaign | RuleKind::Manual))
            .filter(|r| !judged_only || r.status != CheckStatus::NotApplicable)
            .map(|r| r.weight)
            .sum()
    };
    let total = weight(false);
    if total > 0.0 && weight(true) / total < MIN_JUDGED_WEIGHT {
        scores.overall = None;
        scores.grade = None;
        coverage.score_withheld = true;
    }
    Some(coverage)
}

fn coverage(site: &SiteFacts, results: &[CheckResult]) -> Option<Coverage> {
    site.script_built.as_ref()?;
    let site_rules: Vec<&CheckResult> = results
        .iter()
        .filter(|r| !matches!(r.kind, RuleKind::Campaign | RuleKind::Manual))
        .collect();
    Some(Coverage {
        reason: "script-built".into(),
        unjudged_rules: site_rules
            .iter()
            .filter(|r| r.status == CheckStatus::NotApplicable && r.details.get("unseen").is_some())
            .map(|r| r.id.clone())
            .collect(),
        judged_rules: site_rules
            .iter()
            .filter(|r| r.status != CheckStatus::NotApplicable)
            .count() as u32,
        total_rules: site_rules.len() as u32,
        grade_provisional: true,
        score_withheld: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Localized, RuleTexts};

    fn result(id: &str, status: CheckStatus, weight: f64) -> CheckResult {
        CheckResult {
            id: id.into(),
            category: "contact".into(),
            status,
            score: match status {
                CheckStatus::Pass => Some(1.0),
                CheckStatus::Fail => Some(0.0),
                CheckStatus::Partial => Some(0.5),
                CheckStatus::NotApplicable => None,
            },
            weight,
            finding: Localized::default(),
            message: None,
            kind: RuleKind::Plain,
            evidence: Vec::new(),
            details: if status == CheckStatus::NotApplicable {
                json!({ "unseen": {} })
            } else {
                serde_json::Value::Null
            },
            rule: RuleTexts::default(),
            reservations: false,
            priority: Default::default(),
            consultant: None,
        }
    }

    fn settled(results: &[CheckResult]) -> (Scores, Option<Coverage>) {
        let site = SiteFacts {
            script_built: Some(ScriptBuilt::default()),
            ..SiteFacts::default()
        };
        let mut scores = Scores {
            overall: Some(40.0),
            grade: Some("E".into()),
            categories: Vec::new(),
        };
        let coverage = settle(&site, results, &mut scores);
        (scores, coverage)
    }

    #[test]
    fn a_grade_on_most_of_the_weight_is_provisional_and_on_little_of_it_withheld() {
        let most = [
            result("a", CheckStatus::Pass, 6.0),
            result("b", CheckStatus::Fail, 4.0),
            result("c", CheckStatus::NotApplicable, 5.0),
        ];
        let (scores, coverage) = settled(&most);
        let coverage = coverage.unwrap();
        assert_eq!(scores.grade.as_deref(), Some("E"));
        assert!(coverage.grade_provisional && !coverage.score_withheld);
        assert_eq!((coverage.judged_rules, coverage.total_rules), (2, 3));
        assert_eq!(coverage.unjudged_rules, ["c"]);

        let little = [
            result("a", CheckStatus::Fail, 2.0),
            result("c", CheckStatus::NotApplicable, 5.0),
        ];
        let (scores, coverage) = settled(&little);
        assert!(coverage.unwrap().score_withheld);
        assert_eq!((scores.overall, scores.grade), (None, None));
    }

    #[test]
    fn a_site_the_crawl_could_read_keeps_its_scores() {
        let mut scores = Scores {
            overall: Some(40.0),
            grade: Some("E".into()),
            categories: Vec::new(),
        };
        let results = [result("a", CheckStatus::Fail, 2.0)];
        assert_eq!(settle(&SiteFacts::default(), &results, &mut scores), None);
        assert_eq!(scores.grade.as_deref(), Some("E"));
    }
}
