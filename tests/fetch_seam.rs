//! The crawl's fetch seam: `crawl_with` takes any `Fetcher`, and every request of the crawl (robots.txt, sitemaps,
//! pages, each redirect hop) goes through it, with the crawl's limits and under the crawl's politeness. One fetcher
//! wraps the real HTTP one and records; another serves a tiny shop from memory, with no network at all.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cxaudit::crawl::fetch::{FetchFuture, Fetched, Fetcher, Hop, HttpFetcher, Request, Want};
use cxaudit::crawl::{self, Analyzed, CrawlOutcome, CrawlSettings, FetchedPage, PageHandler};
use cxaudit::result::{Discovery, FetchError, FetchErrorKind, PageRecord, SkipReason};
use url::Url;

/// Follows the links the real page extractor finds; nothing else.
struct Links;

impl PageHandler for Links {
    type Output = ();
    fn analyze(&self, page: FetchedPage) -> Analyzed<()> {
        let (_, links) = cxaudit::facts::page::extract(&page.html, &page.base);
        Analyzed { links, output: () }
    }
}

/// Passes every request on to `inner`, and keeps it.
struct Recording<F> {
    inner: F,
    log: Mutex<Vec<Request>>,
}

impl<F: Fetcher> Fetcher for Recording<F> {
    fn fetch(&self, request: Request) -> FetchFuture<'_> {
        self.log.lock().unwrap().push(request.clone());
        self.inner.fetch(request)
    }
}

impl<F> Recording<F> {
    fn log(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

async fn crawl_through(
    fetcher: Option<Arc<dyn Fetcher>>,
    settings: &CrawlSettings,
    start: &Url,
) -> (CrawlOutcome, BTreeMap<String, PageRecord>) {
    let mut pages = BTreeMap::new();
    let sink = |event: crawl::PageEvent<()>| {
        let path = path_of(&Url::parse(&event.record.url).unwrap());
        assert!(
            pages.insert(path, event.record).is_none(),
            "a URL finished twice"
        );
    };
    let outcome = match fetcher {
        Some(fetcher) => {
            crawl::crawl_with(fetcher, settings, start, Arc::new(Links), &(), sink).await
        }
        None => crawl::crawl(settings, start, Arc::new(Links), &(), sink).await,
    };
    (outcome.unwrap(), pages)
}

fn path_of(url: &Url) -> String {
    url[url::Position::BeforePath..].to_string()
}

/// What a crawl made of a page, without its timing.
fn summary(
    record: &PageRecord,
) -> (
    String,
    Option<u16>,
    Option<u32>,
    Discovery,
    Option<FetchErrorKind>,
    u64,
) {
    (
        record.final_url.clone(),
        record.status,
        record.depth,
        record.discovered_by,
        record.error.as_ref().map(|e| e.kind),
        record.bytes,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_of_an_http_crawl_goes_through_the_given_fetcher() {
    let server = common::serve_site("maison-miel", |_| None).await;
    let start = Url::parse(&server.url()).unwrap();
    let settings = CrawlSettings {
        timeout: Duration::from_secs(3),
        max_body_bytes: 256 * 1024,
        ..CrawlSettings::default()
    };
    let http = HttpFetcher::new(
        &settings.user_agent,
        settings.timeout,
        settings.concurrency,
        cxaudit::crawl::fetch::AddressPolicy::any(),
    )
    .unwrap();
    let recorder = Arc::new(Recording {
        inner: http,
        log: Mutex::new(Vec::new()),
    });
    let (outcome, pages) = crawl_through(Some(recorder.clone()), &settings, &start).await;
    let log = recorder.log();

    // The server saw exactly the requests the fetcher was given, and the crawl counted those.
    let mut through: Vec<String> = log.iter().map(|r| path_of(&r.url)).collect();
    through.sort();
    let mut served = server.requests();
    served.sort();
    assert_eq!(through, served);
    assert_eq!(outcome.counts.requests, log.len() as u64);

    // robots.txt first, then the sitemaps one by one, as plain files with their own size limits; then pages.
    let aux: Vec<(String, Want, u64)> = log[..4]
        .iter()
        .map(|r| (path_of(&r.url), r.want, r.max_body_bytes))
        .collect();
    assert_eq!(
        aux,
        [
            ("/robots.txt".to_string(), Want::Any, 512 * 1024),
            (
                "/sitemap-index.xml".to_string(),
                Want::Any,
                50 * 1024 * 1024
            ),
            ("/sitemap.xml".to_string(), Want::Any, 50 * 1024 * 1024),
            (
                "/sitemap-produits.xml".to_string(),
                Want::Any,
                50 * 1024 * 1024
            ),
        ]
    );
    for request in &log[4..] {
        assert_eq!(
            (request.want, request.max_body_bytes, request.timeout),
            (Want::Html, settings.max_body_bytes, settings.timeout),
            "{}",
            request.url
        );
    }
    assert!(log.iter().all(|r| r.timeout == settings.timeout));
    assert!(!through
        .iter()
        .any(|p| p.starts_with("/panier") || p.starts_with("/compte")));

    // Depths as links give them; the sitemap-only page has none.
    let depth = |p: &str| pages[p].depth;
    assert_eq!(depth("/"), Some(0));
    assert_eq!(depth("/produit/miel-acacia.html"), Some(1));
    assert_eq!(depth("/produit/miel-chataignier.html"), Some(2));
    assert_eq!(
        (
            depth("/produit/orphelin.html"),
            pages["/produit/orphelin.html"].discovered_by
        ),
        (None, Discovery::Sitemap)
    );

    // The wrapped fetcher changes nothing: `crawl` over plain HTTP gives the same pages and counts.
    let (plain, plain_pages) = crawl_through(None, &settings, &start).await;
    let digest = |pages: &BTreeMap<String, PageRecord>| {
        pages
            .iter()
            .map(|(p, r)| (p.clone(), summary(r)))
            .collect::<Vec<_>>()
    };
    assert_eq!(digest(&pages), digest(&plain_pages));
    assert_eq!(
        (
            outcome.counts.requests,
            outcome.counts.bytes,
            outcome.counts.pages
        ),
        (
            plain.counts.requests,
            plain.counts.bytes,
            plain.counts.pages
        )
    );
    assert!(outcome.counts.bytes > 0);
}

/// A shop held in memory at a host that does not exist: only this fetcher can reach it. Page fetches take a while,
/// and the most in flight at once is kept.
struct MemoryShop {
    log: Mutex<Vec<Request>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

const SHOP: &str = "http://boutique.test/";

impl MemoryShop {
    fn answer(path: &str) -> Hop {
        let html = |body: &str| {
            let body = format!(
                "<!doctype html><html><head><title>{path}</title></head><body>{body}</body></html>"
            );
            ok("text/html; charset=utf-8", body.into_bytes())
        };
        match path {
            "/robots.txt" => ok(
                "text/plain",
                format!("User-agent: *\nDisallow: /prive/\nSitemap: {SHOP}plan.xml\n").into_bytes(),
            ),
            "/plan.xml" => ok(
                "application/xml",
                format!("<urlset><url><loc>{SHOP}a.html</loc></url><url><loc>{SHOP}orphelin.html</loc></url></urlset>")
                    .into_bytes(),
            ),
            "/" => html(r#"<a href="/a.html">A</a> <a href="/b.html">B</a> <a href="/ancien">Ancien</a> <a href="/prive/secret.html">Privé</a>"#),
            "/a.html" => html(r#"<a href="/d.html">D</a> <a href="/">Accueil</a>"#),
            "/b.html" | "/c.html" | "/d.html" | "/orphelin.html" => html("<p>Produit</p>"),
            "/ancien" => Hop::Redirect {
                status: 301,
                location: Some("/c.html".into()),
            },
            _ => Hop::Response(Fetched {
                status: 404,
                content_type: Some("text/html".into()),
                body: None,
                error: Some(FetchError {
                    kind: FetchErrorKind::HttpStatus,
                    message: "HTTP 404 Not Found".into(),
                }),
                received: 0,
            }),
        }
    }
}

fn ok(content_type: &str, body: Vec<u8>) -> Hop {
    Hop::Response(Fetched {
        status: 200,
        content_type: Some(content_type.into()),
        received: body.len() as u64,
        body: Some(body),
        error: None,
    })
}

impl Fetcher for MemoryShop {
    fn fetch(&self, request: Request) -> FetchFuture<'_> {
        Box::pin(async move {
            self.log.lock().unwrap().push(request.clone());
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            if request.want == Want::Html {
                tokio::time::sleep(Duration::from_millis(60)).await;
            }
            let hop = MemoryShop::answer(request.url.path());
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            hop
        })
    }
}

/// A page as the memory shop's test compares it: depth, how it was found, status, final URL.
type Seen<'a> = (Option<u32>, Discovery, Option<u16>, &'a str);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_through_another_fetcher_keeps_the_crawls_rules() {
    let shop = Arc::new(MemoryShop {
        log: Mutex::new(Vec::new()),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
    });
    let settings = CrawlSettings {
        concurrency: 2,
        max_body_bytes: 100_000,
        ..CrawlSettings::default()
    };
    let (outcome, pages) =
        crawl_through(Some(shop.clone()), &settings, &Url::parse(SHOP).unwrap()).await;
    let log: Vec<(String, Want)> = shop
        .log
        .lock()
        .unwrap()
        .iter()
        .map(|r| (path_of(&r.url), r.want))
        .collect();

    // robots.txt and both sitemaps came through this fetcher, before any page.
    assert_eq!(
        log[..3],
        [
            ("/robots.txt".to_string(), Want::Any),
            ("/plan.xml".to_string(), Want::Any),
            ("/sitemap.xml".to_string(), Want::Any),
        ]
    );
    assert!(log[3..].iter().all(|(_, want)| *want == Want::Html));
    assert_eq!(outcome.robots.status, Some(200));
    let sitemaps: Vec<(&str, Option<u16>, u64)> = outcome
        .sitemaps
        .iter()
        .map(|s| (s.url.trim_start_matches(SHOP), s.status, s.urls))
        .collect();
    assert_eq!(
        sitemaps,
        [("plan.xml", Some(200), 2), ("sitemap.xml", Some(404), 0)]
    );

    // Pages, depths and redirects as the crawl decides them; the redirect is followed hop by hop.
    let seen: BTreeMap<&str, Seen> = pages
        .iter()
        .map(|(p, r)| {
            (
                p.as_str(),
                (
                    r.depth,
                    r.discovered_by,
                    r.status,
                    r.final_url.trim_start_matches(SHOP),
                ),
            )
        })
        .collect();
    assert_eq!(
        seen,
        BTreeMap::from([
            ("/", (Some(0), Discovery::Start, Some(200), "")),
            ("/a.html", (Some(1), Discovery::Link, Some(200), "a.html")),
            ("/b.html", (Some(1), Discovery::Link, Some(200), "b.html")),
            ("/ancien", (Some(1), Discovery::Link, Some(200), "c.html")),
            ("/d.html", (Some(2), Discovery::Link, Some(200), "d.html")),
            (
                "/orphelin.html",
                (None, Discovery::Sitemap, Some(200), "orphelin.html")
            ),
        ])
    );
    let hops: Vec<(&str, u16, &str)> = pages["/ancien"]
        .redirects
        .iter()
        .map(|h| {
            (
                h.url.trim_start_matches(SHOP),
                h.status,
                h.location.as_str(),
            )
        })
        .collect();
    assert_eq!(hops, [("ancien", 301, "/c.html")]);
    let position = |p: &str| log.iter().position(|(q, _)| q == p).unwrap();
    assert!(position("/ancien") < position("/c.html"));
    assert_eq!(log.iter().filter(|(p, _)| p == "/c.html").count(), 1);

    // robots.txt is the crawl's: the disallowed page is never asked for.
    assert!(!log.iter().any(|(p, _)| p.starts_with("/prive/")));
    assert!(outcome
        .skipped
        .iter()
        .any(|s| s.url == format!("{SHOP}prive/secret.html") && s.reason == SkipReason::RobotsTxt));

    // Politeness is the crawl's too: three pages at depth 1, never more than two fetches at once.
    assert_eq!(shop.max_in_flight.load(Ordering::SeqCst), 2);
    assert_eq!(outcome.counts.requests, log.len() as u64);
    assert_eq!(outcome.counts.html_pages, 6);
}
