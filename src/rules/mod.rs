//! Stage 4 and 5, rules and scores. The rules are data (`checks/`, see [`pack`]); each names a detector, a small
//! function in [`detectors`] that judges the site from its facts and from what [`observe`] saw on each page. The
//! verdicts become `checks[]` and `scores` in `audit.json`; the payment methods, delivery options, chat widgets,
//! opening hours and response-time promise the rules found are written back into `site`.

pub mod detectors;
pub mod observe;
pub mod pack;

use std::collections::{BTreeMap, HashMap};

use crate::facts::hours::WeeklyHours;
use crate::facts::legal::LegalFacts;
use crate::facts::promise::Promise;
use crate::facts::spelling::SpellingSample;
use crate::result::{
    CategoryScore, CheckResult, CheckStatus, Evidence, FormFact, NamedSignal, OpeningHours,
    ResponsePromise, Scores, SiteFacts, Target,
};
use observe::{PageObservation, TermHit};
use pack::Checks;

/// Pages kept per kind of observation: enough to judge and to show, bounded for any crawl size.
const PAGES_KEPT: usize = 60;
/// Evidence items kept per term.
const TERM_EVIDENCE: usize = 5;

/// Where a term was seen: every page (by id) and the first few hits as evidence.
#[derive(Debug, Default, Clone)]
pub struct TermPages {
    pub pages: Vec<u32>,
    pub evidence: Vec<(u32, TermHit)>,
}

/// The page observations of a whole site, merged.
#[derive(Debug, Default)]
pub struct SiteObservations {
    pub urls: Vec<String>,
    pub depths: Vec<Option<u32>>,
    pub by_url: HashMap<String, u32>,
    pub home: Option<u32>,
    pub terms: Vec<TermPages>,
    /// (page, questions in the main text, questions in FAQPage JSON-LD), pages with any.
    pub questions: Vec<(u32, u32, u32)>,
    pub hours: Vec<(u32, WeeklyHours, String)>,
    pub promises: Vec<(u32, Promise)>,
    pub legal: Vec<(u32, LegalFacts)>,
    pub forms: Vec<(u32, FormFact)>,
    pub without_contact_link: Vec<u32>,
    /// (kind, value) of schema.org contact data → pages.
    pub schema_contacts: BTreeMap<(String, String), Vec<u32>>,
    pub link_mismatches: Vec<(u32, String, String)>,
    pub spelling: Vec<(u32, SpellingSample)>,
}

impl SiteObservations {
    pub fn new(checks: &Checks) -> SiteObservations {
        SiteObservations {
            terms: vec![TermPages::default(); checks.terms.len()],
            ..Default::default()
        }
    }

    pub fn add(&mut self, url: &str, depth: Option<u32>, is_home: bool, obs: PageObservation) {
        let page = self.urls.len() as u32;
        self.urls.push(url.to_string());
        self.depths.push(depth);
        self.by_url.insert(url.to_string(), page);
        if is_home {
            self.home = Some(page);
        }
        for hit in obs.term_hits {
            let term = &mut self.terms[hit.term];
            term.pages.push(page);
            if term.evidence.len() < TERM_EVIDENCE {
                term.evidence.push((page, hit));
            }
        }
        if (obs.questions > 0 || obs.schema_questions > 0) && self.questions.len() < 10 * PAGES_KEPT
        {
            self.questions
                .push((page, obs.questions, obs.schema_questions));
        }
        if let Some((week, text)) = obs.hours {
            if self.hours.len() < PAGES_KEPT {
                self.hours.push((page, week, text));
            }
        }
        for promise in obs.promises {
            if self.promises.len() < PAGES_KEPT {
                self.promises.push((page, promise));
            }
        }
        if !obs.legal.is_empty() && self.legal.len() < PAGES_KEPT {
            self.legal.push((page, obs.legal));
        }
        for form in obs.contact_forms {
            if self.forms.len() < PAGES_KEPT {
                self.forms.push((page, form));
            }
        }
        if !obs.contact_link {
            self.without_contact_link.push(page);
        }
        for pair in obs.schema_contacts {
            let pages = self.schema_contacts.entry(pair).or_default();
            if pages.len() < PAGES_KEPT {
                pages.push(page);
            }
        }
        for (href, text) in obs.link_mismatches {
            if self.link_mismatches.len() < PAGES_KEPT {
                self.link_mismatches.push((page, href, text));
            }
        }
        if let Some(sample) = obs.spelling {
            if self.spelling.len() < PAGES_KEPT {
                self.spelling.push((page, sample));
            }
        }
    }

    pub fn url(&self, page: u32) -> &str {
        &self.urls[page as usize]
    }

    pub fn page_of(&self, url: &str) -> Option<u32> {
        self.by_url.get(url).copied()
    }

    pub fn html_pages(&self) -> usize {
        self.urls.len()
    }
}

/// The outcome of the rules: results, scores, and the facts they found for `site`.
pub struct Evaluation {
    pub checks: Vec<CheckResult>,
    pub scores: Scores,
}

/// A score is a pass from this value up.
const PASS: f64 = 0.999;

/// Runs every enabled rule (aggregates such as `channels` last, so they read the others' results), fills the
/// rule-found facts into `site`, and scores.
pub fn evaluate(
    checks: &Checks,
    site: &mut SiteFacts,
    target: &Target,
    obs: &SiteObservations,
) -> Evaluation {
    detectors::fill_site_facts(checks, site, obs);
    let mut results: Vec<CheckResult> = Vec::new();
    // Rules on the replies come out not applicable here; `campaign report` judges them again with the campaign.
    let enabled: Vec<&pack::Rule> = checks.rules.iter().filter(|r| r.enabled).collect();
    let (aggregates, plain): (Vec<&pack::Rule>, Vec<&pack::Rule>) = enabled
        .iter()
        .partition(|r| detectors::is_aggregate(&r.detector));
    for rule in plain.into_iter().chain(aggregates) {
        let detector = detectors::find(&rule.detector).expect("validated when loaded");
        let context = detectors::Context {
            checks,
            site,
            target,
            obs,
            earlier: &results,
            campaign: None,
        };
        let verdict = (detector.run)(&context, rule);
        results.push(verdict.into_result(rule));
    }
    // Back to the pack's order (category, then id).
    let order: HashMap<&str, usize> = checks
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    results.sort_by_key(|r| order[r.id.as_str()]);
    let scores = score(checks, &results);
    Evaluation {
        checks: results,
        scores,
    }
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

/// Evidence from a term hit.
pub fn hit_evidence(obs: &SiteObservations, page: u32, hit: &TermHit) -> Evidence {
    Evidence {
        url: Some(obs.url(page).to_string()),
        region: hit.region,
        note: None,
        text: hit.snippet.clone(),
    }
}

/// Terms of a rule that were seen, as site-fact signals.
pub fn signals(checks: &Checks, obs: &SiteObservations, rule_id: &str) -> Vec<NamedSignal> {
    let mut out: Vec<NamedSignal> = Vec::new();
    for (name, seen) in merged_terms(checks, obs, rule_id) {
        let Some((page, hit)) = seen.evidence.first() else {
            continue;
        };
        out.push(NamedSignal {
            label: checks
                .terms_of(rule_id)
                .find(|(_, t)| t.name == name)
                .map(|(_, t)| t.label.en.clone())
                .unwrap_or_else(|| name.clone()),
            name,
            page_count: seen.pages.len() as u64,
            evidence: hit_evidence(obs, *page, hit),
        });
    }
    out
}

/// The pages where each term name of a rule was seen, alternatives of one name merged, in the rule file's order.
pub fn merged_terms(
    checks: &Checks,
    obs: &SiteObservations,
    rule_id: &str,
) -> Vec<(String, TermPages)> {
    let mut out: Vec<(String, TermPages)> = Vec::new();
    for (index, term) in checks.terms_of(rule_id) {
        let seen = &obs.terms[index];
        let at = match out.iter().position(|(n, _)| *n == term.name) {
            Some(at) => at,
            None => {
                out.push((term.name.clone(), TermPages::default()));
                out.len() - 1
            }
        };
        let merged = &mut out[at].1;
        merged.pages.extend(seen.pages.iter().copied());
        merged.pages.sort_unstable();
        merged.pages.dedup();
        for hit in &seen.evidence {
            if merged.evidence.len() < TERM_EVIDENCE {
                merged.evidence.push(hit.clone());
            }
        }
    }
    out
}

pub fn opening_hours(site: &SiteFacts, obs: &SiteObservations) -> Option<OpeningHours> {
    let contact = site
        .key_pages
        .contact
        .as_deref()
        .and_then(|u| obs.page_of(u));
    obs.hours
        .iter()
        .max_by_key(|(page, week, _)| {
            (
                Some(*page) == contact,
                week.days_open(),
                std::cmp::Reverse(*page),
            )
        })
        .map(|(page, week, text)| OpeningHours {
            week: week.table(),
            text: text.clone(),
            url: obs.url(*page).to_string(),
        })
}

pub fn response_promise(site: &SiteFacts, obs: &SiteObservations) -> Option<ResponsePromise> {
    let preferred: Vec<u32> = [
        site.key_pages.contact.as_deref(),
        site.key_pages.faq.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|u| obs.page_of(u))
    .collect();
    let mut counts: BTreeMap<String, (usize, f64, bool, u32, String)> = BTreeMap::new();
    for (page, promise) in &obs.promises {
        let key = format!("{}:{}", promise.hours, promise.business_hours);
        let entry = counts.entry(key).or_insert((
            0,
            promise.hours,
            promise.business_hours,
            *page,
            promise.text.clone(),
        ));
        entry.0 += 1;
        if preferred.contains(page) {
            entry.0 += 1000;
            entry.3 = *page;
            entry.4 = promise.text.clone();
        }
    }
    counts
        .into_values()
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, hours, business_hours, page, text)| ResponsePromise {
            text,
            hours,
            business_hours,
            url: obs.url(page).to_string(),
        })
}

/// Judges the rules on e-mail replies against a campaign, puts the campaign and those verdicts into `result` (in
/// place of earlier ones) and recomputes the scores.
pub fn apply_campaign(
    checks: &Checks,
    result: &mut crate::result::AuditResult,
    campaign: crate::result::campaign::CampaignStatus,
) {
    let obs = SiteObservations::default();
    let mut verdicts = Vec::new();
    for rule in checks
        .rules
        .iter()
        .filter(|r| r.enabled && detectors::is_campaign(&r.detector))
    {
        let detector = detectors::find(&rule.detector).expect("validated when loaded");
        let context = detectors::Context {
            checks,
            site: &result.site,
            target: &result.target,
            obs: &obs,
            earlier: &[],
            campaign: Some(&campaign),
        };
        verdicts.push((detector.run)(&context, rule).into_result(rule));
    }
    let ids: Vec<String> = verdicts.iter().map(|v| v.id.clone()).collect();
    result.checks.retain(|c| !ids.contains(&c.id));
    result.checks.extend(verdicts);
    let order: HashMap<&str, usize> = checks
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    result
        .checks
        .sort_by_key(|c| order.get(c.id.as_str()).copied().unwrap_or(usize::MAX));
    result.scores = score(checks, &result.checks);
    result.campaign = Some(campaign);
}
