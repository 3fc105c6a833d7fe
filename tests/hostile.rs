//! Hostile and broken shops, served by a raw HTTP server started here on 127.0.0.1 (every byte of every answer is
//! the test's: lying lengths, encodings never asked for, bombs, traps). Each case ends with a recorded reason, no
//! panic and no hang; the rest of the site is audited; nothing outside the audit's scope is requested. Memory is
//! measured by `benches/hostile.sh`, not here.

mod common;

use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cxaudit::audit::{self, AuditOptions};
use cxaudit::crawl::frontier::Limits;
use cxaudit::crawl::CrawlSettings;
use cxaudit::result::{AuditResult, CheckStatus, FetchErrorKind, PageRecord};
use cxaudit::rules::pack::Checks;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the raw server sends for one request.
enum Answer {
    /// These bytes, then the connection is closed.
    Raw(Vec<u8>),
    /// A head, then `chunk` `repeat` times (a body never held whole).
    Stream {
        head: String,
        chunk: Vec<u8>,
        repeat: usize,
    },
}

type Route = Arc<dyn Fn(&str) -> Answer + Send + Sync>;

/// A server on 127.0.0.1 that answers each request with what `route` gives for its path, logging every path.
struct Raw {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Raw {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Raw {
    async fn start(make: impl FnOnce(u16) -> Route) -> Raw {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let route = make(port);
        let log = Arc::new(Mutex::new(Vec::new()));
        let task_log = log.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    continue;
                };
                let route = route.clone();
                let log = task_log.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let text = String::from_utf8_lossy(&head);
                    let path = text.split(' ').nth(1).unwrap_or("/").to_string();
                    log.lock().unwrap().push(path.clone());
                    // A client that hangs up mid-body is what some cases test.
                    match route(&path) {
                        Answer::Raw(bytes) => {
                            let _ = stream.write_all(&bytes).await;
                        }
                        Answer::Stream {
                            head,
                            chunk,
                            repeat,
                        } => {
                            if stream.write_all(head.as_bytes()).await.is_err() {
                                return;
                            }
                            for _ in 0..repeat {
                                if stream.write_all(&chunk).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    let _ = stream.shutdown().await;
                });
            }
        });
        Raw { port, log, task }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// A whole response: status, headers, body (its true length unless `headers` says otherwise).
fn http(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Answer {
    let body = body.into();
    let mut out = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&body);
    Answer::Raw(bytes)
}

fn html(body: &str) -> Answer {
    http(200, &[("Content-Type", "text/html; charset=utf-8")], body)
}

fn page(title: &str, body: &str) -> String {
    format!("<!doctype html><html lang=fr><head><title>{title}</title></head><body><header>Service client : 04 72 00 11 22 <a href=/contact/>Contact</a></header><main>{body}</main></body></html>")
}

fn not_found() -> Answer {
    http(404, &[("Content-Type", "text/plain")], "not found")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn settings(max_pages: usize) -> CrawlSettings {
    CrawlSettings {
        limits: Limits {
            max_pages,
            ..Limits::default()
        },
        timeout: Duration::from_secs(5),
        ..CrawlSettings::default()
    }
}

async fn audit_with(start: &str, settings: CrawlSettings) -> Result<AuditResult, String> {
    let out = tempfile::tempdir().unwrap();
    let options = AuditOptions {
        start: url::Url::parse(start).unwrap(),
        crawl: settings,
        country: Some("FR".into()),
        lang: None,
        checks: Arc::new(Checks::bundled()),
        out_dir: out.path().to_path_buf(),
        render: cxaudit::render::RenderMode::Never,
        renderer: None,
    };
    // Whatever the server does, the audit ends: a hang fails here rather than stalling the suite (the bound is
    // loose: a machine busy with other builds is slow, not hung).
    let run = tokio::time::timeout(Duration::from_secs(600), audit::run(options, &()))
        .await
        .expect("the audit ended in bounded time");
    match run {
        Ok(output) => Ok(audit::read_result_with_facts(&output.json_path).unwrap()),
        Err(e) => Err(e.to_string()),
    }
}

fn french_report(result: &AuditResult) -> String {
    let options = cxaudit::report::ReportOptions {
        lang: "fr",
        templates: None,
        branding: Default::default(),
    };
    cxaudit::report::render(result, &options).unwrap()
}

fn by_path<'a>(result: &'a AuditResult, path: &str) -> &'a PageRecord {
    result
        .crawl
        .pages
        .iter()
        .find(|p| url::Url::parse(&p.url).unwrap().path() == path)
        .unwrap_or_else(|| panic!("{path} not fetched"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_delays_that_crashed_or_hung_the_crawl_are_capped_and_said() {
    for asked in ["inf", "1e30", "86400"] {
        let robots = format!("User-agent: *\nCrawl-delay: {asked}\n");
        let server = Raw::start(move |_| {
            Arc::new(move |path: &str| match path {
                "/robots.txt" => http(200, &[("Content-Type", "text/plain")], robots.clone()),
                "/" => html(&page("Accueil", "<p>Miels</p>")),
                _ => not_found(),
            })
        })
        .await;
        // One page and no sitemap: a single request after robots.txt, so the 30 s pause is never waited.
        let settings = CrawlSettings {
            use_sitemaps: false,
            ..settings(1)
        };
        let result = audit_with(&server.url(), settings).await.unwrap();
        let robots = &result.crawl.robots;
        assert_eq!(robots.crawl_delay_secs, Some(30.0), "{asked}");
        assert!(robots.crawl_delay_asked.is_some(), "{asked}");
        assert_eq!(result.crawl.settings.effective_delay_ms, 30_000);
        assert_eq!(result.crawl.counts.html_pages, 1);
        // The report says it among its limits.
        let report = french_report(&result);
        assert!(report.contains("a attendu 30 s"), "{asked}");
    }
}

#[test]
fn flag_values_out_of_range_are_refused_before_any_request() {
    for (flag, value) in [
        ("--delay-ms", "18446744073709551615"),
        ("--delay-ms", "30001"),
        ("--max-body-mib", "17592186044416"),
        ("--max-body-mib", "0"),
        ("--timeout", "0"),
        ("--timeout", "99999999999999999999"),
        ("--concurrency", "0"),
        ("--max-pages", "0"),
        ("--max-depth", "4294967295"),
    ] {
        let output = common::cxaudit()
            .args(["audit", "http://127.0.0.1:9/", flag, value, "-q"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flag} {value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
    }
    let output = common::cxaudit()
        .args([
            "audit",
            "http://127.0.0.1:9/",
            "--allow-host",
            "https://x.example/",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// The hostile shop: every case one link from the home page.
fn hostile_site(port: u16, other_port: u16) -> Route {
    let nul = vec![0u8; 5 * 1024 * 1024];
    let bomb = gzip(&vec![0u8; 40 * 1024 * 1024]);
    let deep = format!("<html><body>{}", "<div>".repeat(200_000));
    let phone_page = page("Compressée", "<p>Écrivez-nous</p>");
    let br = {
        let mut out = Vec::new();
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        writer.write_all(phone_page.as_bytes()).unwrap();
        drop(writer);
        out
    };
    let zstd = zstd::encode_all(phone_page.as_bytes(), 3).unwrap();
    let mut big = String::from("<urlset>");
    for i in 0..60_000 {
        big.push_str(&format!(
            "<url><loc>http://127.0.0.1:{port}/p/{i}</loc></url>"
        ));
    }
    big.push_str("</urlset>");
    let mut index = format!(
        "<sitemapindex><sitemap><loc>/big.xml</loc></sitemap><sitemap><loc>http://localhost:{other_port}/s.xml</loc></sitemap>"
    );
    for i in 0..100 {
        index.push_str(&format!("<sitemap><loc>/many/{i}.xml</loc></sitemap>"));
    }
    index.push_str("</sitemapindex>");
    let home = page(
        "Accueil",
        "<a href=/nul.html>a</a> <a href=/bomb.html>b</a> <a href=/deep.html>c</a> <a href=/br.html>d</a> \
         <a href=/zstd.html>e</a> <a href=/compress.html>f</a> <a href=/cut.html>g</a> <a href=/trap/0>h</a> <a href=/endless.html>i</a> \
         <a href=/contact/>Contact</a>",
    );
    Arc::new(move |path: &str| {
        match path {
        "/robots.txt" => http(
            200,
            &[("Content-Type", "text/plain")],
            format!("User-agent: *\nAllow: /\nSitemap: http://localhost:{other_port}/offsite.xml\nSitemap: /sitemap_index.xml\n"),
        ),
        "/" => html(&home),
        "/contact/" => html(&page("Contact", "<p>Nous écrire</p>")),
        "/sitemap_index.xml" => http(200, &[("Content-Type", "application/xml")], index.clone()),
        "/big.xml" => http(200, &[("Content-Type", "application/xml")], big.clone()),
        p if p.starts_with("/many/") => http(
            200,
            &[("Content-Type", "application/xml")],
            format!("<urlset><url><loc>http://127.0.0.1:{port}/from{}</loc></url></urlset>", p.replace('/', "-")),
        ),
        "/nul.html" => http(200, &[("Content-Type", "text/html")], nul.clone()),
        "/bomb.html" => http(
            200,
            &[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            bomb.clone(),
        ),
        "/deep.html" => html(&deep),
        // 50 MB of markup with no length: reading stops at the limit.
        "/endless.html" => Answer::Stream {
            head: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><body>".into(),
            chunk: "<p>Miel de lavande, récolte 2026.</p>".repeat(1800).into_bytes(),
            repeat: 800,
        },
        "/br.html" => http(
            200,
            &[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "br")],
            br.clone(),
        ),
        "/zstd.html" => http(
            200,
            &[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "zstd")],
            zstd.clone(),
        ),
        "/compress.html" => http(
            200,
            &[("Content-Type", "text/html"), ("Content-Encoding", "compress")],
            vec![0x1f, 0x9d, 0x90, 0x3c, 0x68, 0x74, 0x6d, 0x6c],
        ),
        // Says 100,000 bytes, sends the start of a page and hangs up.
        "/cut.html" => http(
            200,
            &[("Content-Type", "text/html"), ("Content-Length", "100000")],
            "<!doctype html><html><body><main><p>Début de la page",
        ),
        // A page family that never ends: each page links 2,000 new ones.
        p if p.starts_with("/trap/") => {
            let n = &p[6..];
            let links: String = (0..2000)
                .map(|i| format!("<a href=/trap/{n}x{i}>{i}</a>"))
                .collect();
            html(&page("Piège", &links))
        }
        _ => not_found(),
    }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_site_is_audited_to_the_end_with_a_reason_for_each_case() {
    let other = Raw::start(|_| Arc::new(|_: &str| not_found())).await;
    let other_port = other.port;
    let server = Raw::start(move |port| hostile_site(port, other_port)).await;
    let result = audit_with(&server.url(), settings(60)).await.unwrap();

    let kind = |path: &str| by_path(&result, path).error.as_ref().map(|e| e.kind);
    // 5 MiB of NUL bytes, and a gzip bomb: not text, not parsed, not counted against the shop.
    assert_eq!(kind("/nul.html"), Some(FetchErrorKind::Unreadable));
    assert_eq!(kind("/bomb.html"), Some(FetchErrorKind::Unreadable));
    assert!(by_path(&result, "/bomb.html").bytes <= 5 * 1024 * 1024);
    assert_eq!(kind("/compress.html"), Some(FetchErrorKind::Unreadable));
    // 200,000 unclosed <div>: parsing stops at its time budget, the part read is kept.
    let deep = by_path(&result, "/deep.html");
    assert_eq!(kind("/deep.html"), Some(FetchErrorKind::TooDeeplyNested));
    assert!(deep.facts.is_some());
    assert!(deep
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("too deeply nested"));
    // Brotli and zstd are decoded like gzip.
    for path in ["/br.html", "/zstd.html"] {
        let facts = by_path(&result, path).facts.as_ref().unwrap();
        assert!(facts.text.header.contains("04 72 00 11 22"), "{path}");
        assert_eq!(kind(path), None, "{path}");
    }
    // Endless: cut at the size limit, read in part.
    let endless = by_path(&result, "/endless.html");
    assert_eq!(kind("/endless.html"), Some(FetchErrorKind::TooLarge));
    assert_eq!(endless.bytes, 5 * 1024 * 1024);
    // Cut short by the server: read in part.
    assert_eq!(kind("/cut.html"), Some(FetchErrorKind::Body));
    let site = &result.site;
    let partly: Vec<String> = site
        .pages_partly_read
        .iter()
        .map(|u| url::Url::parse(u).unwrap().path().to_string())
        .collect();
    assert!(partly.contains(&"/cut.html".to_string()), "{partly:?}");
    assert!(partly.contains(&"/deep.html".to_string()), "{partly:?}");
    assert!(partly.contains(&"/endless.html".to_string()), "{partly:?}");
    for unread in [
        "/nul.html",
        "/bomb.html",
        "/compress.html",
        "/cut.html",
        "/deep.html",
    ] {
        assert!(
            !site.pages_without_phone.iter().any(|u| u.ends_with(unread)),
            "{unread} counted as a page without a phone"
        );
    }

    // The trap: the page budget holds, skipped URLs are counted, and listed a few per reason.
    let counts = &result.crawl.counts;
    assert!(counts.pages <= 60, "{}", counts.pages);
    assert!(counts.skipped_by_reason["max-pages"] >= 2000, "{counts:?}");
    assert!(result.crawl.skipped.len() <= 200 * counts.skipped_by_reason.len());

    // Sitemaps: a file is read up to the protocol's 50,000 URLs; 50 files at most; off-host ones listed only.
    let sitemaps = &result.crawl.sitemaps;
    assert!(sitemaps.len() <= 50, "{}", sitemaps.len());
    let big = sitemaps
        .iter()
        .find(|s| s.url.ends_with("/big.xml"))
        .unwrap();
    assert_eq!(big.urls, 50_000);
    assert!(big.error.as_ref().unwrap().contains("50000"));
    let offsite: Vec<_> = sitemaps
        .iter()
        .filter(|s| s.url.contains("localhost"))
        .collect();
    assert_eq!(offsite.len(), 2, "{sitemaps:?}");
    assert!(offsite
        .iter()
        .all(|s| s.error.as_deref() == Some("on another site: listed, not fetched")));
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    // Sitemap-only pages come after linked ones: the budget was spent before any of the 60,000.
    assert!(!server.requests().iter().any(|p| p.starts_with("/p/")));

    // The report lists them apart, among its limits: unreadable, and read in part.
    let report = french_report(&result);
    assert!(report.contains("3 pages n&#x27;ont pas pu être lues (erreur du serveur ou du réseau, contenu illisible)"), "{report}");
    assert!(report.contains("lues qu&#x27;en partie"));
    // The rest of the site is audited, and judged.
    assert!(by_path(&result, "/contact/").facts.is_some());
    assert!(!result.checks.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_addresses_are_refused_unless_allowed() {
    let server = Raw::start(|port| {
        Arc::new(move |path: &str| match path {
            "/" | "/home" => html(&page("Accueil", "<p>Miels</p>")),
            "/to-name" => http(
                302,
                &[("Location", &format!("http://localhost:{port}/home"))],
                "",
            ),
            "/to-lan" => http(302, &[("Location", "http://10.255.255.1/")], ""),
            _ => not_found(),
        })
    })
    .await;
    let port = server.port;

    // A host name resolving to loopback: refused before any request.
    let refused = audit_with(&format!("http://localhost:{port}/"), settings(5))
        .await
        .unwrap_err();
    assert!(refused.contains("private address"), "{refused}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());

    // The same with --allow-private: a staging site.
    let staging = CrawlSettings {
        allow_private: true,
        ..settings(5)
    };
    let result = audit_with(&format!("http://localhost:{port}/"), staging)
        .await
        .unwrap();
    assert_eq!(result.crawl.counts.html_pages, 1);

    // An IP start URL is consent for that address only: its redirects to a name resolving to loopback, or to
    // another private address, are refused (the LAN address without a connection attempt: the error is the
    // refusal, not a connection timeout).
    for (path, refused_host) in [("to-name", "localhost"), ("to-lan", "10.255.255.1")] {
        let error = audit_with(&format!("http://127.0.0.1:{port}/{path}"), settings(5))
            .await
            .unwrap_err();
        assert!(
            error.contains("private address") && error.contains(refused_host),
            "{error}"
        );
    }
    assert!(!server.requests().contains(&"/home".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_domain_is_in_scope_when_allowed() {
    let other = Raw::start(|port| {
        Arc::new(move |path: &str| match path {
            "/offsite.xml" => http(
                200,
                &[("Content-Type", "application/xml")],
                format!("<urlset><url><loc>http://localhost:{port}/boutique</loc></url></urlset>"),
            ),
            "/boutique" => html(&page("Boutique", "<p>Nos miels</p>")),
            _ => not_found(),
        })
    })
    .await;
    let other_port = other.port;
    let server = Raw::start(move |_| {
        Arc::new(move |path: &str| match path {
            "/robots.txt" => http(
                200,
                &[("Content-Type", "text/plain")],
                format!("Sitemap: http://localhost:{other_port}/offsite.xml\n"),
            ),
            "/" => html(&page("Accueil", "<p>Miels</p>")),
            _ => not_found(),
        })
    })
    .await;
    let result = audit_with(&server.url(), settings(10)).await.unwrap();
    assert!(other.requests().is_empty());
    assert_eq!(result.crawl.counts.html_pages, 1);

    let allowed = CrawlSettings {
        allow_hosts: vec!["localhost".into()],
        // localhost resolves to loopback: this test's "second domain" needs the private-address consent too.
        allow_private: true,
        ..settings(10)
    };
    let result = audit_with(&server.url(), allowed).await.unwrap();
    let requested = other.requests();
    assert_eq!(requested[..2], ["/offsite.xml", "/boutique"]);
    assert!(result.crawl.counts.html_pages >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_read_in_part_count_neither_for_nor_against_the_every_page_rules() {
    let server = Raw::start(|_| {
        Arc::new(move |path: &str| match path {
            "/" => html(&page(
                "Accueil",
                "<a href=/a>A</a> <a href=/cut>Coupée</a> <a href=/contact/>Contact</a>",
            )),
            "/a" | "/contact/" => html(&page("Page", "<p>Nos miels</p>")),
            "/cut" => http(
                200,
                &[("Content-Type", "text/html"), ("Content-Length", "90000")],
                "<!doctype html><html><body><main><p>Début",
            ),
            _ => not_found(),
        })
    })
    .await;
    let result = audit_with(&server.url(), settings(10)).await.unwrap();
    assert_eq!(result.site.pages_partly_read.len(), 1);
    assert!(result.site.pages_without_phone.is_empty());
    for rule in ["phone-every-page", "contact-link-every-page"] {
        let check = result.checks.iter().find(|c| c.id == rule).unwrap();
        assert_eq!(
            check.status,
            CheckStatus::Pass,
            "{rule}: {:?}",
            check.finding
        );
    }
    let report = french_report(&result);
    assert!(report.contains("lue qu&#x27;en partie"), "{report}");
}

/// Markup shapes that make parsers slow or deep, mixed at random: whatever the bytes, the page reader returns within
/// its time bound.
#[test]
fn the_page_reader_returns_in_bounded_time_on_any_bytes() {
    const PIECES: &[&str] = &[
        "<div>",
        "<span>",
        "<b><i>",
        "</div>",
        "<table><tr><td>",
        "<a href=x>",
        "<svg><g>",
        "<math><mi>",
        "<template>",
        "<!--",
        "<![CDATA[",
        "<script>",
        "\u{0}",
        "&#x",
        "<p>",
        "<select><option>",
        "<li>",
        "<font>",
        "</b>",
        "<form>",
        "<frameset>",
        "\u{feff}",
        "é",
        "<table>",
        "<caption>",
        "<nobr>",
    ];
    let base = url::Url::parse("http://s.example/").unwrap();
    let budget = Duration::from_millis(500);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..24 {
        let mut html = String::new();
        while html.len() < 400_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let piece = PIECES[(seed % PIECES.len() as u64) as usize];
            // Runs of the same piece: what makes nesting deep.
            let run = 1 + (seed >> 40) % 64;
            for _ in 0..run {
                html.push_str(piece);
            }
        }
        let began = Instant::now();
        let _ = cxaudit::facts::page::extract_bounded(&html, &base, budget);
        let took = began.elapsed();
        // The budget is CPU time; the wall clock is bounded at ten times it, for a starved thread.
        assert!(
            took < budget * 10 + Duration::from_secs(1),
            "round {round}: {took:?}"
        );
    }
}

/// Another program's SQLite file given as the store: refused, and left exactly as it was (no WAL mode, no tables).
#[test]
fn a_foreign_sqlite_file_is_not_taken_for_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('x');")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let output = common::cxaudit()
        .args(["campaign", "status", "--db"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("other.sqlite"), "{stderr}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file was changed"
    );
    assert!(!dir.path().join("other.sqlite-wal").exists());
}
