//! Sites built with JavaScript, audited without a browser: the audit says what it could not see, the rules whose
//! evidence scripts would write are not applicable with that reason, and the grade is never a confident E. An
//! ordinary static shop that merely loads analytics, a carousel and a consent banner is not flagged.

mod common;

use cxaudit::report::{render, render_markdown, Branding, ReportOptions};
use cxaudit::result::{AuditResult, CheckResult, CheckStatus};

fn check<'a>(result: &'a AuditResult, id: &str) -> &'a CheckResult {
    result
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// Not applicable because of what scripts write, with the reason said and what it said before kept.
fn unseen(check: &CheckResult) -> bool {
    check.status == CheckStatus::NotApplicable
        && check
            .message
            .as_ref()
            .is_some_and(|m| m.key.starts_with("common.unseen"))
        && check.details.get("unseen").is_some()
}

fn report(result: &AuditResult, lang: &str) -> String {
    render(
        result,
        &ReportOptions {
            lang,
            templates: None,
            branding: Branding::default(),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn a_single_page_application_shell_is_said_to_be_unseen_and_gets_no_grade() {
    let result = common::audit_site("spa-shell", Some("BE")).await;
    let built = result.site.script_built.as_ref().expect("flagged");
    assert!(built.home_reaches_nothing, "{built:?}");
    let home = &built.pages[0];
    for sign in [
        "empty-mount:root",
        "noscript-asks-javascript",
        "links-to-pages:0",
    ] {
        assert!(home.signs.iter().any(|s| s == sign), "{sign}: {home:?}");
    }
    for id in [
        "channel-phone",
        "legal-notice",
        "contact-link-every-page",
        "channels",
    ] {
        let c = check(&result, id);
        assert!(unseen(c), "{id}: {c:?}");
        assert_eq!(c.message.as_ref().unwrap().key, "common.unseen-home");
    }
    let coverage = result.coverage.as_ref().expect("coverage");
    assert!(
        coverage.grade_provisional && coverage.score_withheld,
        "{coverage:?}"
    );
    assert!(coverage
        .unjudged_rules
        .contains(&"legal-notice".to_string()));
    assert_eq!(result.scores.grade, None, "{:?}", result.scores);
    assert_eq!(result.scores.overall, None);

    let html = report(&result, "fr");
    assert!(
        html.contains("Sa page d&#x27;accueil ne mène à aucune autre page sans JavaScript."),
        "{html}"
    );
    // The verdict says why there is no score, not that the site could not be read.
    assert!(!html.contains("le site n&#x27;a pas pu être lu"));
}

#[tokio::test]
async fn a_shop_whose_navigation_and_footer_are_written_by_script_is_judged_on_what_was_seen() {
    let result = common::audit_site("script-nav", Some("FR")).await;
    let built = result.site.script_built.as_ref().expect("flagged");
    // Its home page links to the shop in HTML: reached, but every page leaves its header and footer to a script.
    assert!(!built.home_reaches_nothing, "{built:?}");
    assert_eq!(
        (built.script_built_pages, built.html_pages),
        (2, 2),
        "{built:?}"
    );
    let home = built
        .pages
        .iter()
        .find(|p| !p.url.contains("boutique"))
        .unwrap();
    for sign in ["empty:site-header", "empty:site-footer", "empty:email"] {
        assert!(home.signs.iter().any(|s| s == sign), "{sign}: {home:?}");
    }
    assert!(
        home.signs.iter().any(|s| s.starts_with("script-links:")),
        "{home:?}"
    );
    let facts = result
        .crawl
        .pages
        .iter()
        .find(|p| p.depth == Some(0))
        .and_then(|p| p.facts.as_ref())
        .unwrap();
    let scripting = facts.scripting.as_ref().expect("signs on the home page");
    assert_eq!(scripting.script_links, 3, "{scripting:?}");
    assert!(scripting.script_link_targets[0].starts_with("produit.html?ref="));

    // The legal notice, the terms and the footer's links are in what the script writes: not judged.
    for id in [
        "legal-notice",
        "terms-of-sale",
        "contact-link-every-page",
        "phone-every-page",
    ] {
        let c = check(&result, id);
        assert!(unseen(c), "{id}: {c:?}");
        assert_eq!(c.message.as_ref().unwrap().key, "common.unseen");
        assert!(c
            .evidence
            .iter()
            .any(|e| e.text.contains("empty:site-footer")));
    }
    // A failure on what was seen stands (a premium-rate number), and a pass stays a pass.
    assert_eq!(
        check(&result, "phone-not-premium").status,
        CheckStatus::Fail
    );
    assert_eq!(check(&result, "channel-phone").status, CheckStatus::Pass);

    // The channels aggregate, short of the channels it could not count, is not judged either.
    assert!(unseen(check(&result, "channels")));
    let coverage = result.coverage.as_ref().expect("coverage");
    assert!(
        coverage.grade_provisional && coverage.score_withheld,
        "{coverage:?}"
    );
    assert!(coverage.judged_rules < coverage.total_rules);
    assert_ne!(
        result.scores.grade.as_deref(),
        Some("E"),
        "{:?}",
        result.scores
    );
    let unjudged = coverage.unjudged_rules.len();
    assert!(unjudged >= 10, "{coverage:?}");

    let sentence = format!(
        "Ce site construit ses pages en JavaScript : {unjudged} règles n&#x27;ont pas pu être jugées."
    );
    assert!(report(&result, "fr").contains(&sentence), "{sentence}");
    let english = format!(
        "This site builds its pages with JavaScript: {unjudged} rules could not be judged."
    );
    assert!(report(&result, "en").contains(&english), "{english}");
    let markdown = render_markdown(
        &result,
        &ReportOptions {
            lang: "fr",
            templates: None,
            branding: Branding::default(),
        },
    )
    .unwrap();
    assert!(
        markdown.contains(&sentence.replace("&#x27;", "'")),
        "{markdown}"
    );
    let summary = cxaudit::summary::render(&result, "audit.json");
    assert!(
        summary.contains(&format!(
            "this site builds its pages with JavaScript: {unjudged} rules could not be judged"
        )),
        "{summary}"
    );

    // Judged again from the stored page facts, the same verdict.
    let mut again = common::audit_site("script-nav", Some("FR")).await;
    cxaudit::audit::rejudge(&mut again, None, &cxaudit::rules::pack::Checks::bundled()).unwrap();
    assert_eq!(again.coverage, result.coverage);
    let (a, b) = (
        again.site.script_built.as_ref().unwrap(),
        result.site.script_built.as_ref().unwrap(),
    );
    assert_eq!(
        (a.script_built_pages, a.html_pages, a.pages.len()),
        (b.script_built_pages, b.html_pages, b.pages.len())
    );
}

#[tokio::test]
async fn a_static_shop_with_analytics_a_carousel_and_a_consent_banner_is_not_flagged() {
    let result = common::audit_site("static-analytics", Some("GB")).await;
    assert!(result.site.html_pages >= 5, "{}", result.site.html_pages);
    assert_eq!(result.site.script_built, None);
    assert_eq!(result.coverage, None);
    assert!(result
        .checks
        .iter()
        .all(|c| c.details.get("unseen").is_none()));
    assert!(!cxaudit::summary::render(&result, "audit.json").contains("JavaScript"));
    assert!(!report(&result, "en").contains("report-coverage"));
}
