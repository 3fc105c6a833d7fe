//! The crawl stage against a real HTTP server on 127.0.0.1: robots, sitemaps, redirects and loops, 4xx/5xx,
//! windows-1252, a calendar trap, a huge body, a non-HTML response, a slow page, and hidden text.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cxaudit::audit::{self, AuditOptions};
use cxaudit::crawl::frontier::Limits;
use cxaudit::crawl::CrawlSettings;
use cxaudit::result::{AuditResult, FetchErrorKind, PageRecord};
use cxaudit::rules::pack::Checks;
use cxaudit::serve::Reply;
use serde_json::Value;

fn special(path: &str) -> Option<Reply> {
    Some(match path {
        "/ancienne-page.html" => Reply::Redirect {
            status: 301,
            location: "/miels/".into(),
        },
        "/boucle-a" => Reply::Redirect {
            status: 302,
            location: "/boucle-b".into(),
        },
        "/boucle-b" => Reply::Redirect {
            status: 302,
            location: "/boucle-a".into(),
        },
        "/erreur-serveur.html" => Reply::Content {
            status: 500,
            content_type: "text/html".into(),
            body: "oops".into(),
        },
        "/enorme.html" => Reply::Endless {
            content_type: "text/html".into(),
            bytes: 3 * 1024 * 1024,
        },
        // A server that labels binary data as HTML, and markup nested far deeper than any page should be.
        "/binaire.html" => Reply::Content {
            status: 200,
            content_type: "text/html".into(),
            body: (0..200_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect::<Vec<u8>>()
                .into(),
        },
        "/imbrique.html" => Reply::html(format!(
            "<html><body>{}<p>Tél. 04 72 00 11 22</p></body></html>",
            "<div><span>".repeat(5_000)
        )),
        "/lent.html" => Reply::Slow {
            delay: Duration::from_secs(5),
            reply: Box::new(Reply::html("<p>enfin</p>")),
        },
        "/cgv/" => {
            // The same file, but declared by the HTTP header as well, as the benchmark shop does.
            let body = std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/sites/maison-miel/cgv/index.html"
            ))
            .unwrap();
            Reply::Content {
                status: 200,
                content_type: "text/html; charset=windows-1252".into(),
                body: body.into(),
            }
        }
        p if p.starts_with("/agenda/") => {
            // An endless calendar: every month links to the next three and to the same month a year on, so the
            // depth limit alone would not stop it.
            let month: String = p
                .trim_start_matches("/agenda/")
                .trim_end_matches('/')
                .to_string();
            let (year, m) = month.split_once('-').unwrap();
            let (year, m): (u32, u32) = (year.parse().unwrap(), m.parse().unwrap());
            let index = year * 12 + m - 1;
            let links: String = [1, 2, 3, 12]
                .iter()
                .map(|step| {
                    let i = index + step;
                    format!(
                        "<a href=\"/agenda/{}-{:02}/\">{}</a> ",
                        i / 12,
                        i % 12 + 1,
                        step
                    )
                })
                .collect();
            Reply::html(format!(
                "<html><body><h1>Agenda {month}</h1>{links}</body></html>"
            ))
        }
        _ => return None,
    })
}

struct Audited {
    result: AuditResult,
    pages: BTreeMap<String, PageRecord>,
    raw: Value,
    requests: Vec<String>,
    base: String,
}

async fn audit_fixture() -> Audited {
    let server = common::serve_site("maison-miel", special).await;
    let out = tempfile::tempdir().unwrap();
    let settings = CrawlSettings {
        limits: Limits {
            max_pages: 200,
            ..Limits::default()
        },
        timeout: Duration::from_secs(1),
        max_body_bytes: 1024 * 1024,
        ..CrawlSettings::default()
    };
    let options = AuditOptions {
        start: url::Url::parse(&server.url()).unwrap(),
        crawl: settings,
        country: None,
        lang: None,
        checks: Arc::new(Checks::bundled()),
        out_dir: out.path().to_path_buf(),
        render: cxaudit::render::RenderMode::Never,
        renderer: None,
    };
    let output = audit::run(options, &()).await.unwrap();
    let raw: Value =
        serde_json::from_str(&std::fs::read_to_string(&output.json_path).unwrap()).unwrap();
    let result = audit::read_result_with_facts(&output.json_path).unwrap();
    let mut pages = BTreeMap::new();
    for p in &result.crawl.pages {
        let path = url::Url::parse(&p.url).unwrap()[url::Position::BeforePath..].to_string();
        pages.insert(path, p.clone());
    }
    // Nothing but the result and its page facts are left in the folder (no partial file).
    let mut files: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(files, ["audit.json", "pages.jsonl.gz"]);
    Audited {
        result,
        pages,
        raw,
        requests: server.requests(),
        base: server.url(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_of_a_fixture_shop() {
    let a = audit_fixture().await;
    let page = |p: &str| {
        a.pages
            .get(p)
            .unwrap_or_else(|| panic!("{p} not crawled; have {:?}", a.pages.keys()))
    };

    // The contract's envelope.
    assert_eq!(a.raw["schema_version"], cxaudit::result::SCHEMA_VERSION);
    assert_eq!(a.raw["tool"]["name"], "cxaudit");
    for key in ["target", "started_at", "finished_at", "crawl", "site"] {
        assert!(a.raw.get(key).is_some(), "{key} missing");
    }
    assert!(a.raw["started_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(a.result.target.country.as_ref().unwrap().value, "FR");

    // robots.txt: /panier and /compte are never requested, a product with "panier" in its slug is.
    assert!(
        !a.requests
            .iter()
            .any(|r| r.starts_with("/panier") || r.starts_with("/compte")),
        "{:?}",
        a.requests
    );
    assert_eq!(page("/produit/panier-garni-miel.html").status, Some(200));
    let robots_skipped: Vec<&str> = a
        .result
        .crawl
        .skipped
        .iter()
        .filter(|s| s.reason.as_str() == "robots-txt")
        .map(|s| s.url.as_str())
        .collect();
    assert_eq!(
        robots_skipped,
        [format!("{}panier/", a.base), format!("{}compte/", a.base)]
    );

    // Sitemap index → sitemap → an orphan page, fetched last, with no click depth; other hosts are not fetched.
    let orphan = page("/produit/orphelin.html");
    assert_eq!(
        (orphan.depth, orphan.discovered_by),
        (None, cxaudit::result::Discovery::Sitemap)
    );
    assert_eq!(a.result.crawl.counts.sitemap_only, 1);
    let kinds: Vec<(&str, Option<&str>)> = a
        .result
        .crawl
        .sitemaps
        .iter()
        .map(|s| (s.url.trim_start_matches(a.base.as_str()), s.kind.as_deref()))
        .collect();
    // robots.txt names the index; /sitemap.xml is tried too and answers 404.
    assert_eq!(
        kinds,
        [
            ("sitemap-index.xml", Some("sitemapindex")),
            ("sitemap.xml", None),
            ("sitemap-produits.xml", Some("urlset"))
        ]
    );
    // Linked with utm_source and a fragment, and listed plainly in the sitemap: one page, at its click depth.
    assert_eq!(page("/produit/miel-acacia.html").depth, Some(1));
    assert_eq!(
        a.requests
            .iter()
            .filter(|r| r.starts_with("/produit/miel-acacia"))
            .count(),
        1
    );
    assert_eq!(page("/produit/miel-chataignier.html").depth, Some(2));

    // Redirects: to a known page, and a loop.
    let old = page("/ancienne-page.html");
    assert_eq!(old.final_url, format!("{}miels/", a.base));
    assert_eq!(old.status, Some(301));
    let looped = page("/boucle-a");
    assert_eq!(
        looped.error.as_ref().unwrap().kind,
        FetchErrorKind::RedirectLoop
    );
    assert!(a
        .result
        .crawl
        .redirects
        .iter()
        .any(|r| r.from.ends_with("/ancienne-page.html") && r.error.is_none()));

    // Errors are recorded and the crawl goes on.
    assert_eq!(page("/erreur-serveur.html").status, Some(500));
    let broken: BTreeMap<&str, &cxaudit::result::BrokenLink> = a
        .result
        .crawl
        .broken_links
        .iter()
        .map(|b| (b.url.trim_start_matches(a.base.as_str()), b))
        .collect();
    assert_eq!(
        broken["erreur-serveur.html"].linked_from,
        std::slice::from_ref(&a.base)
    );
    assert_eq!(broken["produit/miel-disparu.html"].status, Some(404));
    assert_eq!(
        broken["produit/miel-disparu.html"].linked_from,
        [format!("{}miels/", a.base)]
    );
    let huge = page("/enorme.html");
    assert_eq!(huge.error.as_ref().unwrap().kind, FetchErrorKind::TooLarge);
    assert_eq!(huge.bytes, 1024 * 1024);
    let pdf = page("/catalogue.pdf");
    assert_eq!(pdf.error.as_ref().unwrap().kind, FetchErrorKind::NotHtml);
    assert_eq!(pdf.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        page("/lent.html").error.as_ref().unwrap().kind,
        FetchErrorKind::Timeout
    );

    // The calendar trap is bounded.
    let agenda_fetched = a.pages.keys().filter(|p| p.starts_with("/agenda/")).count();
    assert!(
        (2..=24).contains(&agenda_fetched),
        "{agenda_fetched} agenda pages"
    );
    assert!(a
        .result
        .crawl
        .counts
        .skipped_by_reason
        .contains_key("calendar-trap"));

    // windows-1252 declared by the header: the accents and typographic marks come out right.
    let cgv = page("/cgv/");
    assert_eq!(cgv.charset.as_ref().unwrap().name, "windows-1252");
    assert!(cgv
        .facts
        .as_ref()
        .unwrap()
        .text
        .main
        .contains("l’acheteur dispose de quatorze jours. « Œuvre »"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_and_site_facts_of_a_fixture_shop() {
    let a = audit_fixture().await;
    let facts = |p: &str| {
        a.pages[p]
            .facts
            .clone()
            .unwrap_or_else(|| panic!("{p} has no facts"))
    };
    let site = &a.result.site;

    // Hidden text never counts as visible; numbers in scripts and JSON-LD neither.
    let acacia = facts("/produit/miel-acacia.html");
    for hidden in [
        "04 72 99",
        "04 72 88",
        "04 72 77",
        "04 72 66",
        "04 72 55",
        "prestashop",
    ] {
        assert!(
            !acacia.text.main.contains(hidden) && !acacia.text.header.contains(hidden),
            "{hidden} visible"
        );
    }
    // A <template> is not shown as it is, but scripts stamp templates into pages (footers): its number is a
    // candidate, marked as coming from a template; hidden, noscript and script text give none.
    let sources: Vec<_> = acacia
        .candidates
        .phones
        .iter()
        .map(|p| (p.digits.as_str(), p.source))
        .collect();
    assert_eq!(
        sources,
        [("0472555555", cxaudit::result::CandidateSource::Template)]
    );
    assert!(acacia
        .inline_scripts
        .iter()
        .any(|s| s.fingerprint.starts_with("var prestashop")));
    assert_eq!(acacia.json_ld[0]["@type"], "Organization");

    // Regions: a class on <body> does not make the page a header; class names find the footer.
    let home = facts("/");
    assert!(home.text.main.contains("Miels de nos ruches"));
    assert!(home.text.header.contains("Service client : 04 72 00 11 22"));
    assert!(home.text.navigation.contains("Nous contacter"));
    assert!(home.text.footer.contains("69480 Anse"));

    // Phones: the pages without one are exactly those whose header has none (a "Réf." and a fax do not count).
    // (The agenda pages and the truncated huge page have no header at all.)
    let mut without: Vec<&str> = site
        .pages_without_phone
        .iter()
        .map(|u| u.trim_start_matches(a.base.as_str()))
        .filter(|p| !p.starts_with("agenda/") && !matches!(*p, "enorme.html" | "binaire.html"))
        .collect();
    without.sort();
    // The acacia page has no header either, but a <template> holding a number: stamped in by scripts, it shows.
    assert_eq!(without, ["miels/", "produit/miel-chataignier.html"]);
    let main_phone = &site.phones[0];
    assert_eq!(main_phone.e164, "+33472001122");
    assert_eq!(main_phone.number_type.as_deref(), Some("fixed-line"));
    // Seven pages with the header number, and the deeply nested page that writes it in its body.
    assert_eq!(main_phone.page_count, 8, "{:?}", main_phone.pages);
    assert!(main_phone.written.contains(&"04.72.00.11.22".to_string()));
    assert!(
        !site.phones.iter().any(|p| p.e164 == "+33472001123"),
        "the fax is not a phone: {:?}",
        site.phones
    );

    // E-mail: a mailto link, and an obfuscated address.
    let emails: Vec<&str> = site.emails.iter().map(|e| e.address.as_str()).collect();
    assert!(
        emails.contains(&"bonjour@maison-miel.test") && emails.contains(&"sav@maison-miel.test"),
        "{emails:?}"
    );

    // Key pages, found by link text and URL, with their depth.
    let best = |kind: &str| site.key_page_candidates[kind][0].clone();
    assert_eq!(best("contact").url, format!("{}contact/", a.base));
    assert_eq!(best("contact").depth, Some(1));
    assert_eq!(
        best("legal-notice").url,
        format!("{}mentions-legales/", a.base)
    );
    assert_eq!(best("terms").url, format!("{}cgv/", a.base));
    assert_eq!(best("faq").url, format!("{}faq/", a.base));

    // Social profile (not the share button) and messaging.
    assert_eq!(
        site.social
            .iter()
            .map(|p| p.url.as_str())
            .collect::<Vec<_>>(),
        ["https://www.facebook.com/maisonmiel.test"]
    );
    assert_eq!(site.messaging[0].network, "whatsapp");

    // The contact form: fields, labels from <label for>, wrapping labels and aria-label, required flags.
    let contact = facts("/contact/");
    let form = &contact.forms[0];
    let fields: Vec<(Option<&str>, bool)> = form
        .fields
        .iter()
        .map(|f| (f.label.as_deref(), f.required))
        .collect();
    assert_eq!(
        fields,
        [
            (Some("Votre nom"), true),
            (Some("E-mail"), true),
            (Some("Message"), false),
            (Some("Envoyer"), false)
        ]
    );
    assert!(site.json_ld_types.iter().any(|t| t.name == "Organization"));
}

/// A site of `n` product pages all linked from home, each answered after `delay`.
fn slow_catalogue(
    n: usize,
    delay: Duration,
    robots: &'static str,
) -> impl Fn(&str) -> Option<Reply> {
    move |path: &str| {
        Some(match path {
            "/robots.txt" => Reply::Content {
                status: 200,
                content_type: "text/plain".into(),
                body: robots.into(),
            },
            "/" => Reply::html(
                (0..n)
                    .map(|i| format!("<a href=\"/p{i}.html\">Produit {i}</a>"))
                    .collect::<String>(),
            ),
            p if p.starts_with("/p") => Reply::Slow {
                delay,
                reply: Box::new(Reply::html("<h1>Produit</h1>")),
            },
            _ => Reply::NotFound,
        })
    }
}

async fn audit_with(server: &cxaudit::serve::Server, settings: CrawlSettings) -> AuditResult {
    let out = tempfile::tempdir().unwrap();
    let options = AuditOptions {
        start: url::Url::parse(&server.url()).unwrap(),
        crawl: settings,
        country: Some("FR".into()),
        lang: None,
        checks: Arc::new(Checks::bundled()),
        out_dir: out.path().to_path_buf(),
        render: cxaudit::render::RenderMode::Never,
        renderer: None,
    };
    audit::run(options, &()).await.unwrap().result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_more_requests_at_once_than_the_concurrency() {
    let server = common::serve_site(
        "maison-miel",
        slow_catalogue(12, Duration::from_millis(150), ""),
    )
    .await;
    let result = audit_with(
        &server,
        CrawlSettings {
            concurrency: 2,
            use_sitemaps: false,
            ..CrawlSettings::default()
        },
    )
    .await;
    assert_eq!(result.crawl.counts.html_pages, 13);
    assert_eq!(server.max_concurrent_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_crawl_delay_spaces_the_requests() {
    let robots = "User-agent: *\nCrawl-delay: 0.3\n";
    let server = common::serve_site("maison-miel", slow_catalogue(3, Duration::ZERO, robots)).await;
    let result = audit_with(
        &server,
        CrawlSettings {
            use_sitemaps: false,
            ..CrawlSettings::default()
        },
    )
    .await;
    assert_eq!(result.crawl.settings.effective_delay_ms, 300);
    assert_eq!(result.crawl.counts.html_pages, 4);
    // After robots.txt, requests leave the delay apart. The server sees them arrive, and an arrival can lag its
    // departure on a loaded machine, which shortens the gap after it: so the whole run must span the three
    // delays, and no gap may shrink to what no delay at all would give.
    let times: Vec<_> = server
        .timed_requests()
        .into_iter()
        .skip(1)
        .map(|(_, at)| at)
        .collect();
    assert_eq!(times.len(), 4);
    let span = times[3] - times[0];
    assert!(span >= Duration::from_millis(3 * 300 - 150), "{span:?}");
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(150),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_start_page_is_reported_and_the_sitemap_still_audited() {
    let server = cxaudit::serve::start(0, |base| {
        let sitemap = format!("<urlset><url><loc>{base}p1.html</loc></url></urlset>");
        let responder: cxaudit::serve::Responder = Arc::new(move |path: &str| match path {
            "/" => Reply::Content {
                status: 503,
                content_type: "text/html".into(),
                body: "en maintenance".into(),
            },
            "/sitemap.xml" => Reply::Content {
                status: 200,
                content_type: "application/xml".into(),
                body: sitemap.clone().into(),
            },
            "/p1.html" => {
                Reply::html("<html lang=fr><body><p>Tél. 04 72 00 11 22</p></body></html>")
            }
            _ => Reply::NotFound,
        });
        responder
    })
    .await
    .unwrap();
    let result = audit_with(&server, CrawlSettings::default()).await;
    assert_eq!(result.crawl.counts.html_pages, 1);
    assert_eq!(result.site.pages_showing_phone, 1);
    let summary = cxaudit::summary::render(&result, "audit.json");
    assert!(
        summary.contains("warning: the start page failed (HTTP 503 Service Unavailable): only pages listed in a sitemap"),
        "{summary}"
    );
}
