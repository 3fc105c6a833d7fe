//! The client's report, as a client's browser would receive it: rendered from a real audit of a hostile fixture shop
//! served on 127.0.0.1. Scraped text must come out inert; the file must be self-contained.

mod common;

use cxaudit::report::{render, render_csv, render_markdown, Branding, ReportOptions};
use cxaudit::result::CheckStatus;
use cxaudit::rules::pack::Checks;
use cxaudit::rules::score;
use scraper::{Html, Selector};

/// Every scraped field a report shows carries a payload: link texts, visible text beside the phone, the promise,
/// opening hours, the e-mail.
fn hostile_shop() -> Vec<(String, String)> {
    let payload = r#"<script>alert(1)</script> "><img src=x onerror=alert(2)> {{7*7}} {{> cover}}"#;
    let escaped = payload
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    vec![
        (
            "/".into(),
            format!(
                r#"<!doctype html><html lang="fr"><head><title>{escaped}</title></head><body>
<header><p>Tél. {escaped} 04 72 00 11 22</p></header>
<main><p>Réponse sous 24h {escaped}</p><p>Du lundi au vendredi de 9h à 18h {escaped}</p>
<a href="/contact/">Contact {escaped}</a> <a href="/mentions-legales/">Mentions légales</a></main>
<footer><a href="mailto:sav@maison.test">sav@maison.test</a> {escaped}</footer></body></html>"#
            ),
        ),
        (
            "/contact/".into(),
            format!("<p>Écrivez-nous {escaped}</p><form method=post><textarea name=message></textarea></form>"),
        ),
        ("/mentions-legales/".into(), format!("<h1>Mentions légales</h1><p>{escaped}</p>")),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scraped_text_comes_out_inert() {
    let result = common::audit_pages(&hostile_shop(), Some("FR"), None).await;
    for lang in ["fr", "en"] {
        let html = render(
            &result,
            &ReportOptions {
                lang,
                templates: None,
                branding: Branding::default(),
            },
        )
        .unwrap();
        let doc = Html::parse_document(&html);
        let count = |css: &str| doc.select(&Selector::parse(css).unwrap()).count();
        assert_eq!(count("script"), 0, "no script element at all");
        assert_eq!(count("[onerror], [onload], [onclick]"), 0);
        assert_eq!(
            count("img:not([src^='data:'])"),
            0,
            "no image from anywhere but the file itself"
        );
        assert_eq!(count("iframe, object, embed, link[rel=stylesheet]"), 0);
        // The payload is shown as text, exactly as the page showed it, and never interpreted by the templates.
        let text: String = doc.root_element().text().collect();
        assert!(
            text.contains("<script>alert(1)</script>"),
            "payload shown as text"
        );
        assert!(
            text.contains("{{7*7}}") && !text.contains(" 49 "),
            "data is not a template"
        );
        // The report shows the payload where the findings put it: the promise and the evidence.
        assert!(
            html.contains("&lt;img src") && !html.contains("<img src=x"),
            "escaped in the markup"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rule_has_its_anchor_and_the_sections_are_there() {
    let result = common::audit_pages(&hostile_shop(), Some("FR"), None).await;
    let html = render(
        &result,
        &ReportOptions {
            lang: "en",
            templates: None,
            branding: Branding {
                consultancy: Some("Conseil <b>& Co</b>".into()),
                logo_data_uri: Some("https://evil.example/logo.png".into()),
                accent: Some("red;}body{display:none".into()),
            },
        },
    )
    .unwrap();
    let doc = Html::parse_document(&html);
    for check in &result.checks {
        let anchor = Selector::parse(&format!("#{}", check.id)).unwrap();
        assert_eq!(doc.select(&anchor).count(), 1, "anchor for {}", check.id);
    }
    // No campaign ran: its rules are named in one sentence, never as cards of fix advice.
    let not_run = Selector::parse("#category-replies p.not-run").unwrap();
    let sentence: String = doc.select(&not_run).flat_map(|p| p.text()).collect();
    assert!(
        sentence
            .starts_with("No mystery-shopper campaign was run: 4 rules are therefore not judged"),
        "{sentence}"
    );
    assert_eq!(
        doc.select(&Selector::parse("#category-replies article.rule").unwrap())
            .count(),
        0,
        "no card for a rule never run"
    );
    // Sections and categories have prefixed ids: rule ids ("channels") are the report's anchors.
    for section in [
        "#report-cover",
        "#report-priorities",
        "#report-channels",
        "#report-campaign",
        "#report-history",
        "#report-appendix",
        "#category-contact",
    ] {
        assert_eq!(
            doc.select(&Selector::parse(section).unwrap()).count(),
            1,
            "{section}"
        );
    }
    // Each category shows its score, 0 included (a 0 is not "N/A"), and N/A only when nothing applied.
    for category in &result.scores.categories {
        let pill =
            Selector::parse(&format!("#category-{} h2 .gauge .number", category.id)).unwrap();
        let shown: String = doc.select(&pill).next().unwrap().text().collect();
        let expected = category
            .score
            .map(|s| format!("{:.0}", s.round()))
            .unwrap_or_else(|| "N/A".into());
        assert_eq!(shown, expected, "{}", category.id);
    }
    // Branding is data too: a logo must be embedded, a colour must be a colour.
    assert_eq!(doc.select(&Selector::parse("img").unwrap()).count(), 0);
    assert!(html.contains("Conseil &lt;b&gt;&amp; Co&lt;/b&gt;"));
    assert!(!html.contains("display:none"));
}

/// The report speaks one language: the tool's own words about the evidence (term names, key pages, legal items)
/// come from the rule files in the report's language, never an English label in a French report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn term_and_page_names_follow_the_report_language() {
    let pages: Vec<(String, String)> = vec![
        (
            "/".into(),
            r#"<!doctype html><html lang="fr"><head><title>Boutique</title></head><body>
<header><a href="/contact/">Contact</a> <a href="/faq/">FAQ</a> <a href="/mentions-legales/">Mentions légales</a></header>
<main><p>Paiement par virement bancaire ou par chèque. Livraison à domicile en 48h.</p></main></body></html>"#
                .into(),
        ),
        ("/contact/".into(), "<h1>Contact</h1><p>Écrivez-nous.</p>".into()),
        ("/faq/".into(), "<h1>FAQ</h1><p>Questions fréquentes</p>".into()),
        (
            "/mentions-legales/".into(),
            "<h1>Mentions légales</h1><p>Directeur de la publication : Jean Martin</p>".into(),
        ),
    ];
    let result = common::audit_pages(&pages, Some("FR"), None).await;
    let text_in = |lang: &str| {
        let html = render(
            &result,
            &ReportOptions {
                lang,
                templates: None,
                branding: Branding::default(),
            },
        )
        .unwrap();
        Html::parse_document(&html)
            .root_element()
            .text()
            .collect::<String>()
    };
    let (fr, en) = (text_in("fr"), text_in("en"));
    for (french, english) in [
        ("Virement bancaire", "Bank transfer"),
        ("Chèque", "Cheque"),
        ("page contact", "contact page"),
        ("directeur de la publication", "publication director"),
        ("requêtes simultanées", "requests at a time"),
    ] {
        assert!(fr.contains(french), "French report lacks {french:?}");
        assert!(!fr.contains(english), "French report shows {english:?}");
        assert!(en.contains(english), "English report lacks {english:?}");
    }
}

/// The CSV and the Markdown summary carry scraped text too: a spreadsheet must not run it as a formula, Markdown must
/// not turn it into a link, an image, markup or a new table row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scraped_text_is_inert_in_csv_and_markdown() {
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let pages: Vec<(String, String)> = vec![
        (
            "/".into(),
            format!(
                r#"<!doctype html><html lang="fr"><head><title>T</title></head><body>
<header><a href="/contact/">Contact</a></header>
<main><p>Paiement PayPal {formula} | col ![img](http://evil.example/x.png) [lien](http://evil.example) &lt;b&gt;gras&lt;/b&gt;</p></main>
<footer><a href="mailto:sav@maison.test">sav@maison.test</a></footer></body></html>"#
            ),
        ),
        (
            "/contact/".into(),
            format!("<p>{formula}</p><a href=\"tel:+33472001122\">{formula}</a>"),
        ),
    ];
    let result = common::audit_pages(&pages, Some("FR"), None).await;

    let csv_text = render_csv(&result, "fr");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), result.checks.len());
    let mut cells_with_payload = 0;
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a spreadsheet would run {cell:?}"
            );
            cells_with_payload += usize::from(cell.contains("HYPERLINK"));
        }
    }
    assert!(
        cells_with_payload > 0,
        "the payload reached the CSV:\n{csv_text}"
    );

    let md = render_markdown(
        &result,
        &ReportOptions {
            lang: "fr",
            templates: None,
            branding: Branding {
                consultancy: Some("[x](http://evil.example) | # <b>".into()),
                ..Branding::default()
            },
        },
    )
    .unwrap();
    assert!(!md.replace("\\]", "").contains("]("), "no link:\n{md}");
    assert!(!md.contains("<b>"), "no markup:\n{md}");
    assert!(md.contains("\\[x\\]"), "shown as text:\n{md}");
    // Every table row has the header's three cells: nothing scraped adds a column.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 4, "{line}");
    }
}

/// The report reads like a document: a contents whose every link lands on one element of the report, the rules to
/// act on shown, the ones that passed or did not apply grouped in a collapsed `<details>`, each failed rule with the
/// gain fixing it would bring, the same gain `rules::score` gives when the rule passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contents_collapsed_passes_and_estimated_gains() {
    let mut result = common::audit_pages(&hostile_shop(), Some("FR"), None).await;
    // A reference that is a web address is a link; one that is not stays text, a `javascript:` one included.
    let linked = "https://eur-lex.europa.eu/eli/dir/2011/83/oj";
    let mut references = result.checks.iter_mut();
    references.next().unwrap().rule.reference = Some(linked.into());
    references.next().unwrap().rule.reference = Some("javascript:alert(1)".into());
    let html = render(
        &result,
        &ReportOptions {
            lang: "en",
            templates: None,
            branding: Branding::default(),
        },
    )
    .unwrap();
    let doc = Html::parse_document(&html);
    let select = |css: &str| {
        doc.select(&Selector::parse(css).unwrap())
            .collect::<Vec<_>>()
    };

    // The contents name the priorities as their section's heading does.
    let toc_title: String = select("nav.toc a[href='#report-priorities'] .toc-title")[0]
        .text()
        .collect();
    let heading: String = select("#report-priorities h2")[0].text().collect();
    assert!(heading.contains(&toc_title), "{toc_title:?} / {heading:?}");

    let links = select("nav.toc a");
    assert_eq!(
        links.len(),
        result.scores.categories.len() + 5,
        "priorities, each category, channels, campaign, history, appendix"
    );
    for link in &links {
        let target = link
            .value()
            .attr("href")
            .unwrap()
            .strip_prefix('#')
            .unwrap();
        let by_id = Selector::parse(&format!("[id='{target}']")).unwrap();
        assert_eq!(doc.select(&by_id).count(), 1, "contents link to #{target}");
    }
    for category in &result.scores.categories {
        assert!(
            links
                .iter()
                .any(|l| l.value().attr("href") == Some(&format!("#category-{}", category.id))),
            "{} in the contents",
            category.id
        );
    }

    assert!(
        select("details.closed-rules[open]").is_empty(),
        "collapsed on screen"
    );
    let mut passed = 0;
    for check in &result.checks {
        // Reply rules of a campaign never run are named in one sentence, not carded; so are the tests a person
        // makes, until made.
        let untested = check.kind == cxaudit::result::RuleKind::Manual
            && check
                .message
                .as_ref()
                .is_some_and(|m| m.key == "manual.untested");
        if (check.kind == cxaudit::result::RuleKind::Campaign || untested)
            && check.status == CheckStatus::NotApplicable
        {
            assert_eq!(
                select(&format!("p.not-run span[id='{}']", check.id)).len(),
                1,
                "{}",
                check.id
            );
            continue;
        }
        let grouped = !select(&format!(
            "details.closed-rules > article[id='{}']",
            check.id
        ))
        .is_empty();
        let done = matches!(check.status, CheckStatus::Pass | CheckStatus::NotApplicable);
        assert_eq!(grouped, done, "{} ({:?})", check.id, check.status);
        passed += usize::from(check.status == CheckStatus::Pass);
    }
    assert!(passed > 0, "the shop passes some rules");

    let checks = Checks::bundled();
    let now = score(&checks, &result.checks).overall.unwrap();
    let mut stated = 0;
    for check in result.checks.iter().filter(|c| {
        matches!(c.status, CheckStatus::Fail | CheckStatus::Partial) && c.score.is_some()
    }) {
        let impact: String = select(&format!("article[id='{}'] .impact", check.id))[0]
            .text()
            .collect();
        let mut fixed = result.checks.clone();
        let rule = fixed.iter_mut().find(|c| c.id == check.id).unwrap();
        rule.score = Some(1.0);
        rule.status = CheckStatus::Pass;
        let gain = score(&checks, &fixed).overall.unwrap() - now;
        if gain >= 1.0 {
            assert!(
                impact.contains(&format!("+{gain} point")) && impact.ends_with("overall."),
                "{}: {impact} (gain {gain})",
                check.id
            );
            stated += 1;
        }
    }
    assert!(stated > 0, "some fix is worth a point");

    let first = &result.checks[0];
    let link = select(&format!("article[id='{}'] .reference a", first.id));
    assert_eq!(link[0].value().attr("href"), Some(linked));
    let second = &result.checks[1];
    assert!(select(&format!("article[id='{}'] .reference a", second.id)).is_empty());
    assert!(
        select(&format!("article[id='{}'] .reference", second.id))[0]
            .text()
            .collect::<String>()
            .contains("javascript:alert(1)")
    );
}

/// The running header printed on each page carries the shop's host inside the `<style>` element: written as CSS
/// escapes, a hostile host can end neither the CSS string nor the element.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_header_cannot_break_out_of_the_stylesheet() {
    let mut result = common::audit_pages(&hostile_shop(), Some("FR"), None).await;
    result.target.host = r#"x"} body{display:none} </style><script>alert(1)</script>"#.into();
    let html = render(
        &result,
        &ReportOptions {
            lang: "fr",
            templates: None,
            branding: Branding::default(),
        },
    )
    .unwrap();
    let doc = Html::parse_document(&html);
    assert_eq!(doc.select(&Selector::parse("script").unwrap()).count(), 0);
    let style: String = doc
        .select(&Selector::parse("style").unwrap())
        .next()
        .unwrap()
        .text()
        .collect();
    assert!(
        style.contains("@top-left"),
        "the header is in the stylesheet"
    );
    assert!(!style.contains("display:none") && !style.contains("</"));
    assert!(style.contains(".rule"), "the stylesheet is whole");
}
