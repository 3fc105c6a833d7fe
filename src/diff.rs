//! What changed on a shop between two audits: rules fixed, regressed, new and still failing, scores per category,
//! the pages that gained or lost what every page should show, and the channels, key pages, payment and delivery
//! options and response promise added or gone. Pure, over two results judged with one rule pack (the caller
//! re-judges both first, so that a changed rule never passes for a change on the shop).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::result::{AuditResult, CheckStatus};

/// The rules of the key pages compared, as `key-pages.toml` names them.
const KEY_PAGE_KINDS: [&str; 9] = [
    "contact",
    "faq",
    "legal-notice",
    "terms",
    "delivery",
    "returns",
    "privacy",
    "order-tracking",
    "payment",
];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditDiff {
    pub before: Side,
    pub after: Side,
    /// Failed or partial before, passed now.
    pub fixed: Vec<RuleChange>,
    /// Passed before, failed or partial now.
    pub regressed: Vec<RuleChange>,
    /// Partial before and failed now, or the reverse.
    pub changed: Vec<RuleChange>,
    /// Failed or partial both times.
    pub still_failing: Vec<RuleChange>,
    /// Rules judged now that were not judged before (not applicable then, or absent).
    pub newly_judged: Vec<RuleChange>,
    pub overall: ScoreChange,
    pub categories: Vec<CategoryChange>,
    /// Per every-page rule (`phone-every-page`, `contact-link-every-page`): pages (paths) that now show what they
    /// lacked, and pages that lack it now.
    pub pages: Vec<PagesChange>,
    pub channels: Added,
    pub key_pages: Added,
    pub payment_methods: Added,
    pub delivery_options: Added,
    pub response_promise: Then,
    /// The mystery-shopper campaign of each audit, in figures (none: no campaign reported into it).
    pub replies: RepliesThen,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RepliesThen {
    pub before: Option<crate::result::CampaignSummary>,
    pub after: Option<crate::result::CampaignSummary>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Side {
    pub finished_at: String,
    pub pages: u64,
    pub score: Option<f64>,
    pub grade: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleChange {
    pub id: String,
    pub before: Option<CheckStatus>,
    pub after: CheckStatus,
    pub score_before: Option<f64>,
    pub score_after: Option<f64>,
    /// The finding then and now, in English.
    pub finding_before: String,
    pub finding_after: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScoreChange {
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub change: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryChange {
    pub id: String,
    #[serde(flatten)]
    pub score: ScoreChange,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PagesChange {
    pub rule: String,
    /// Pages of both audits that now meet the rule.
    pub gained: Vec<String>,
    /// Pages of both audits that no longer do.
    pub lost: Vec<String>,
    /// Pages new since the first audit that do not.
    pub new_without: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Added {
    pub added: Vec<String>,
    pub gone: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Then {
    pub before: Option<String>,
    pub after: Option<String>,
}

fn side(result: &AuditResult) -> Side {
    Side {
        finished_at: result.finished_at.clone(),
        pages: result.crawl.counts.html_pages,
        score: result.scores.overall,
        grade: result.scores.grade.clone(),
    }
}

fn change(before: Option<f64>, after: Option<f64>) -> ScoreChange {
    ScoreChange {
        before,
        after,
        change: before
            .zip(after)
            .map(|(b, a)| ((a - b) * 10.0).round() / 10.0),
    }
}

fn added(before: BTreeSet<String>, after: BTreeSet<String>) -> Added {
    Added {
        added: after.difference(&before).cloned().collect(),
        gone: before.difference(&after).cloned().collect(),
    }
}

/// A page by its path and query: the same shop audited from another address (a staging host, a port) compares.
fn path_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => url.to_string(),
    }
}

fn failing(status: CheckStatus) -> bool {
    matches!(status, CheckStatus::Fail | CheckStatus::Partial)
}

pub fn diff(before: &AuditResult, after: &AuditResult) -> AuditDiff {
    let then: BTreeMap<&str, _> = before.checks.iter().map(|c| (c.id.as_str(), c)).collect();
    let html_paths = |r: &AuditResult| -> BTreeSet<String> {
        r.crawl
            .pages
            .iter()
            .filter(|p| p.has_facts())
            .map(|p| path_of(&p.final_url))
            .collect()
    };
    let (pages_then, pages_now) = (html_paths(before), html_paths(after));
    let mut out = AuditDiff {
        before: side(before),
        after: side(after),
        fixed: Vec::new(),
        regressed: Vec::new(),
        changed: Vec::new(),
        still_failing: Vec::new(),
        newly_judged: Vec::new(),
        overall: change(before.scores.overall, after.scores.overall),
        categories: Vec::new(),
        pages: Vec::new(),
        channels: Added::default(),
        key_pages: Added::default(),
        payment_methods: Added::default(),
        delivery_options: Added::default(),
        replies: RepliesThen {
            before: before
                .campaign
                .as_ref()
                .map(crate::figures::campaign_summary),
            after: after
                .campaign
                .as_ref()
                .map(crate::figures::campaign_summary),
        },
        response_promise: Then {
            before: before
                .site
                .response_time_promise
                .as_ref()
                .map(|p| p.text.clone()),
            after: after
                .site
                .response_time_promise
                .as_ref()
                .map(|p| p.text.clone()),
        },
    };
    for now in &after.checks {
        let was = then.get(now.id.as_str());
        let record = RuleChange {
            id: now.id.clone(),
            before: was.map(|c| c.status),
            after: now.status,
            score_before: was.and_then(|c| c.score),
            score_after: now.score,
            finding_before: was
                .map(|c| c.finding.get("en").to_string())
                .unwrap_or_default(),
            finding_after: now.finding.get("en").to_string(),
        };
        match (was.map(|c| c.status), now.status) {
            (_, CheckStatus::NotApplicable) => {}
            (None | Some(CheckStatus::NotApplicable), _) => out.newly_judged.push(record),
            (Some(b), a) if failing(b) && a == CheckStatus::Pass => out.fixed.push(record),
            (Some(CheckStatus::Pass), a) if failing(a) => out.regressed.push(record),
            (Some(b), a) if failing(b) && failing(a) && b != a => out.changed.push(record),
            (Some(b), a) if failing(b) && failing(a) => out.still_failing.push(record),
            _ => {}
        }
        // Every-page rules list the pages that lack what they ask.
        let pages_of = |c: &crate::result::CheckResult| -> BTreeSet<String> {
            c.details
                .get("pages_without")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|u| u.as_str()).map(path_of).collect())
                .unwrap_or_default()
        };
        if let Some(was) = was {
            if now.details.get("pages_without").is_some()
                || was.details.get("pages_without").is_some()
            {
                let (lacking_then, lacking_now) = (pages_of(was), pages_of(now));
                let gained: Vec<String> = lacking_then
                    .difference(&lacking_now)
                    .filter(|p| pages_now.contains(*p))
                    .cloned()
                    .collect();
                let (lost, new_without): (Vec<String>, Vec<String>) = lacking_now
                    .difference(&lacking_then)
                    .cloned()
                    .partition(|p| pages_then.contains(p));
                if !gained.is_empty() || !lost.is_empty() || !new_without.is_empty() {
                    out.pages.push(PagesChange {
                        rule: now.id.clone(),
                        gained,
                        lost,
                        new_without,
                    });
                }
            }
        }
    }
    let categories_then: BTreeMap<&str, Option<f64>> = before
        .scores
        .categories
        .iter()
        .map(|c| (c.id.as_str(), c.score))
        .collect();
    out.categories = after
        .scores
        .categories
        .iter()
        .map(|c| CategoryChange {
            id: c.id.clone(),
            score: change(
                categories_then.get(c.id.as_str()).copied().flatten(),
                c.score,
            ),
        })
        .collect();
    let channels = |r: &AuditResult| -> BTreeSet<String> {
        r.checks
            .iter()
            .filter(|c| c.kind == crate::result::RuleKind::Channel && c.status == CheckStatus::Pass)
            .map(|c| c.id.trim_start_matches("channel-").to_string())
            .collect()
    };
    out.channels = added(channels(before), channels(after));
    let key_pages = |r: &AuditResult| -> BTreeSet<String> {
        KEY_PAGE_KINDS
            .iter()
            .filter(|k| r.site.key_pages.get(k).is_some())
            .map(|k| k.to_string())
            .collect()
    };
    out.key_pages = added(key_pages(before), key_pages(after));
    let names = |list: &[crate::result::NamedSignal]| list.iter().map(|s| s.name.clone()).collect();
    out.payment_methods = added(
        names(&before.site.payment_methods),
        names(&after.site.payment_methods),
    );
    out.delivery_options = added(
        names(&before.site.delivery_options),
        names(&after.site.delivery_options),
    );
    out
}

/// The diff as a consultant reads it in a terminal.
pub fn render(diff: &AuditDiff, pack: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let score = |s: Option<f64>| s.map(|s| format!("{s:.0}")).unwrap_or_else(|| "–".into());
    let _ = writeln!(
        out,
        "{} ({} pages, score {}) → {} ({} pages, score {}); judged with {pack}",
        diff.before
            .finished_at
            .get(..10)
            .unwrap_or(&diff.before.finished_at),
        diff.before.pages,
        score(diff.before.score),
        diff.after
            .finished_at
            .get(..10)
            .unwrap_or(&diff.after.finished_at),
        diff.after.pages,
        score(diff.after.score),
    );
    if let Some(change) = diff.overall.change {
        let _ = writeln!(out, "  overall {change:+.0}");
    }
    let moved: Vec<String> = diff
        .categories
        .iter()
        .filter_map(|c| {
            c.score
                .change
                .filter(|d| d.abs() >= 0.5)
                .map(|d| format!("{} {d:+.0}", c.id))
        })
        .collect();
    if !moved.is_empty() {
        let _ = writeln!(out, "  categories: {}", moved.join(", "));
    }
    for (title, list) in [
        ("fixed", &diff.fixed),
        ("regressed", &diff.regressed),
        ("changed", &diff.changed),
        ("newly judged", &diff.newly_judged),
        ("still failing", &diff.still_failing),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {title} ({}):", list.len());
        for rule in list {
            let _ = writeln!(out, "    {:<26} {}", rule.id, rule.finding_after);
        }
    }
    for pages in &diff.pages {
        if !pages.gained.is_empty() {
            let _ = writeln!(
                out,
                "  {}: now met on {}",
                pages.rule,
                pages.gained.join(", ")
            );
        }
        if !pages.lost.is_empty() {
            let _ = writeln!(
                out,
                "  {}: no longer met on {}",
                pages.rule,
                pages.lost.join(", ")
            );
        }
        if !pages.new_without.is_empty() {
            let _ = writeln!(
                out,
                "  {}: not met on new pages {}",
                pages.rule,
                pages.new_without.join(", ")
            );
        }
    }
    for (title, change) in [
        ("channels", &diff.channels),
        ("key pages", &diff.key_pages),
        ("payment", &diff.payment_methods),
        ("delivery", &diff.delivery_options),
    ] {
        if !change.added.is_empty() {
            let _ = writeln!(out, "  {title} added: {}", change.added.join(", "));
        }
        if !change.gone.is_empty() {
            let _ = writeln!(out, "  {title} gone: {}", change.gone.join(", "));
        }
    }
    if diff.response_promise.before != diff.response_promise.after {
        let say = |p: &Option<String>| p.clone().unwrap_or_else(|| "none".into());
        let _ = writeln!(
            out,
            "  response promise: {} → {}",
            say(&diff.response_promise.before),
            say(&diff.response_promise.after)
        );
    }
    let (then, now) = (&diff.replies.before, &diff.replies.after);
    if then.is_some() || now.is_some() {
        let _ = writeln!(
            out,
            "  e-mail replies: {} → {}",
            replies_line(then.as_ref()),
            replies_line(now.as_ref())
        );
    }
    out
}

/// "4/5 answered by a person, median 26 h, slowest 51 h" (or "no campaign").
pub fn replies_line(summary: Option<&crate::result::CampaignSummary>) -> String {
    let Some(s) = summary else {
        return "no campaign".into();
    };
    let hours = |h: Option<f64>| crate::words::hours_text(h, "en");
    let mut line = format!("{}/{} answered by a person", s.answered, s.sent);
    if s.answered > 0 {
        line.push_str(&format!(
            ", median {}, slowest {}",
            hours(s.median_human_delay_hours),
            hours(s.slowest_human_delay_hours)
        ));
    }
    line
}
