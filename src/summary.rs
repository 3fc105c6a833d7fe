//! The one-screen terminal summary of an audit result. Reads the result only.

use std::fmt::Write;

use crate::result::AuditResult;

/// Key pages shown in the summary, in this order.
const SUMMARY_KEY_PAGES: &[(&str, &str)] = &[
    ("contact", "Contact"),
    ("faq", "FAQ / help"),
    ("legal-notice", "Legal notice"),
    ("terms", "Terms of sale"),
    ("delivery", "Delivery"),
    ("returns", "Returns"),
    ("privacy", "Privacy"),
];

/// "1 error", "2 errors".
fn counted(n: u64, one: &str, other: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { other })
}

pub fn render(result: &AuditResult, json_path: &str) -> String {
    let mut out = String::new();
    let t = &result.target;
    let c = &result.crawl.counts;
    let s = &result.site;
    let guess = |g: &Option<crate::result::Guess>| {
        g.as_ref()
            .map(|g| format!("{} ({})", g.value, g.source))
            .unwrap_or_else(|| "unknown".into())
    };
    let _ = writeln!(out, "cxaudit {} — {}", result.tool.version, t.final_url);
    let open_question = if t.country_candidates.is_empty() {
        String::new()
    } else {
        format!(
            " — uncertain: the numbers are valid for {} (set --country)",
            t.country_candidates.join(", ")
        )
    };
    let _ = writeln!(
        out,
        "  country {}{open_question}, language {}",
        guess(&t.country),
        guess(&t.lang)
    );
    // The start page failing leaves an audit of whatever the sitemap listed: say so before any figure.
    let start_failure = result
        .crawl
        .broken_links
        .iter()
        .find(|b| b.url == t.start_url || b.url == t.final_url);
    if let Some(failure) = start_failure {
        let _ = writeln!(
            out,
            "  warning: the start page failed ({}): only pages listed in a sitemap were audited",
            failure.error.message
        );
    }
    if c.html_pages == 0 {
        let _ = writeln!(
            out,
            "  warning: no HTML page could be read: the site facts below are empty"
        );
    }
    let seconds = c.duration_ms as f64 / 1000.0;
    let _ = writeln!(
        out,
        "  crawled {} ({}) in {:.1} s: {}, {}, {} not HTML, {} skipped",
        counted(c.pages, "URL", "URLs"),
        counted(c.html_pages, "HTML page", "HTML pages"),
        seconds,
        counted(c.errors, "error", "errors"),
        counted(c.redirects, "redirect", "redirects"),
        c.not_html,
        c.skipped
    );
    if !c.skipped_by_reason.is_empty() {
        let reasons: Vec<String> = c
            .skipped_by_reason
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        let _ = writeln!(out, "    skipped: {}", reasons.join(", "));
    }
    let share = if s.html_pages > 0 {
        100.0 * s.pages_showing_phone as f64 / s.html_pages as f64
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "  phone shown on {} of {} pages ({share:.0} %)",
        s.pages_showing_phone, s.html_pages
    );
    for phone in s.phones.iter().filter(|p| p.valid).take(3) {
        let _ = writeln!(
            out,
            "    {} {} — {} pages, written {}",
            phone.e164,
            phone.number_type.as_deref().unwrap_or(""),
            phone.page_count,
            phone
                .written
                .first()
                .map(String::as_str)
                .unwrap_or("(tel: link only)")
        );
    }
    let emails: Vec<&str> = s
        .emails
        .iter()
        .take(4)
        .map(|e| e.address.as_str())
        .collect();
    let _ = writeln!(
        out,
        "  e-mail: {}",
        if emails.is_empty() {
            "none found".into()
        } else {
            emails.join(", ")
        }
    );
    let _ = writeln!(out, "  key pages:");
    for (kind, label) in SUMMARY_KEY_PAGES {
        let chosen = s.key_pages.get(kind).and_then(|url| {
            s.key_page_candidates
                .get(*kind)
                .and_then(|list| list.iter().find(|c| c.url == url))
        });
        match chosen {
            Some(page) => {
                let depth = page
                    .depth
                    .map(|d| format!("depth {d}"))
                    .unwrap_or_else(|| "not crawled".into());
                let _ = writeln!(out, "    {label:<14} {} ({depth})", page.url);
            }
            None => {
                let _ = writeln!(out, "    {label:<14} not found");
            }
        }
    }
    if !s.social.is_empty() || !s.messaging.is_empty() {
        let mut networks: Vec<&str> = s
            .social
            .iter()
            .chain(&s.messaging)
            .map(|p| p.network.as_str())
            .collect();
        networks.dedup();
        let _ = writeln!(out, "  social and messaging: {}", networks.join(", "));
    }
    if !result.crawl.broken_links.is_empty() {
        let broken = result.crawl.broken_links.len();
        let _ = writeln!(
            out,
            "  broken links: {broken}{}",
            if broken > 5 {
                " (the first 5; all in audit.json)"
            } else {
                ""
            }
        );
        for link in result.crawl.broken_links.iter().take(5) {
            let _ = writeln!(
                out,
                "    {} — {} (linked from {})",
                link.url,
                link.error.message,
                counted(link.linked_from.len() as u64, "page", "pages")
            );
        }
    }
    // The tool's own limits are the consultant's business, not the client's: said here, not in the report.
    let no_dictionary = result.checks.iter().any(|c| {
        c.message
            .as_ref()
            .is_some_and(|m| m.key == "spelling.no-dictionary")
    });
    if no_dictionary {
        let _ = writeln!(
            out,
            "  note: no spelling dictionary for the pages' language is installed (Debian: hunspell-fr, hunspell-en-us): the spelling rule was not judged"
        );
    }
    render_coverage(&mut out, result);
    render_scores(&mut out, result);
    let _ = writeln!(out, "  result: {json_path}");
    out
}

/// A site built with JavaScript: what could not be judged, said before any score.
fn render_coverage(out: &mut String, result: &AuditResult) {
    let (Some(coverage), Some(built)) = (&result.coverage, &result.site.script_built) else {
        return;
    };
    let unjudged = coverage.unjudged_rules.len();
    let _ = writeln!(
        out,
        "  this site builds its pages with JavaScript: {unjudged} {} could not be judged",
        if unjudged == 1 { "rule" } else { "rules" }
    );
    if built.home_reaches_nothing {
        let _ = writeln!(
            out,
            "    the home page reaches no other page without JavaScript"
        );
    }
    let _ = writeln!(
        out,
        "    {} of {} pages written by scripts{}",
        built.script_built_pages,
        built.html_pages,
        built
            .pages
            .first()
            .map(|p| format!(" ({}: {})", p.url, p.signs.join(", ")))
            .unwrap_or_default()
    );
    if coverage.score_withheld {
        let _ = writeln!(
            out,
            "  no score: the {} rules judged of {} weigh too little for a grade",
            coverage.judged_rules, coverage.total_rules
        );
    }
}

/// Overall and category scores, then the failed rules that weigh most: what to fix first.
fn render_scores(out: &mut String, result: &AuditResult) {
    let scores = &result.scores;
    let Some(overall) = scores.overall else {
        return;
    };
    let categories: Vec<String> = scores
        .categories
        .iter()
        .map(|c| match c.score {
            Some(score) => format!("{} {score:.0}", c.id),
            None => format!("{} n/a", c.id),
        })
        .collect();
    let provisional = result
        .coverage
        .as_ref()
        .filter(|c| c.grade_provisional)
        .map(|c| {
            format!(
                " (provisional: {} of {} rules judged)",
                c.judged_rules, c.total_rules
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  score {overall:.0}/100, grade {}{provisional} — {}",
        scores.grade.as_deref().unwrap_or("?"),
        categories.join(", ")
    );
    // The report's priorities, the same five.
    let failed = crate::result::priorities(
        &result.checks,
        crate::result::ShopProfile::of(&result.site),
        &crate::result::ConsultantNotes::default(),
        5,
    );
    if !failed.is_empty() {
        let _ = writeln!(out, "  to fix first:");
        for check in &failed {
            let _ = writeln!(out, "    {:<24} {}", check.id, check.finding.get("en"));
        }
    }
}
