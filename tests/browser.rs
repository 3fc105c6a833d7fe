//! The report in a real browser: headless Chromium opens it from a loopback server at desktop and phone widths and
//! prints it to PDF. Nothing but the report itself may be requested, and the console must stay clean. Screenshots
//! and the PDF are kept in `target/tmp/report-artefacts/` to look at.
//!
//! Chromium comes from Debian's `chromium` package, which `tests/run-all.sh` installs; without it these tests say so
//! and pass, unless `CXAUDIT_REQUIRE_BROWSER=1` (set by `tests/run-all.sh`) makes its absence a failure.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use bytes::Bytes;
use common::{artefacts, chromium, run_chromium};
use cxaudit::report::{render, Branding, ReportOptions};
use cxaudit::serve::{self, Reply, Responder};

/// URLs a page served from `base` asked for elsewhere, from Chromium's net log.
fn requests_to_elsewhere(net_log: &Path, base: &str) -> Vec<String> {
    let text = std::fs::read_to_string(net_log).unwrap();
    let log: serde_json::Value = serde_json::from_str(&text).expect("chromium's net log is JSON");
    let origin = base.trim_end_matches('/');
    log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["params"]["initiator"].as_str() == Some(origin))
        .filter_map(|e| e["params"]["url"].as_str())
        .filter(|url| !url.starts_with(base))
        .map(str::to_string)
        .collect()
}

/// The net-log check itself catches a page that loads something from elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_check_catches_a_page_that_loads_from_elsewhere() {
    let Some(browser) = chromium() else {
        return;
    };
    let server = serve::start(0, |_| {
        let responder: Responder = Arc::new(|path: &str| match path {
            "/leaky.html" => {
                Reply::html("<!doctype html><p>hi</p><img src='http://tracker.invalid/pixel.png'>")
            }
            _ => Reply::NotFound,
        });
        responder
    })
    .await
    .unwrap();
    let base = server.url();
    let net_log = artefacts().join("net-leaky.json");
    let url = format!("{base}leaky.html");
    let args = vec![
        "--dump-dom".to_string(),
        format!("--log-net-log={}", net_log.display()),
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_string(),
    ];
    tokio::task::spawn_blocking(move || run_chromium(&browser, &url, &args))
        .await
        .unwrap();
    let foreign = requests_to_elsewhere(&net_log, &base);
    assert!(
        foreign.iter().any(|u| u.contains("tracker.invalid")),
        "{foreign:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_renders_cleanly_in_chromium_at_desktop_and_phone_widths_and_prints() {
    let Some(browser) = chromium() else {
        return;
    };
    // A real audit of a small shop, rendered in French.
    let pages: Vec<(String, String)> = vec![
        (
            "/".into(),
            "<header><p>Tél. 04 72 00 11 22</p></header><main><p>Réponse sous 24h. Du lundi au samedi de 9h à 19h.</p>\
             <a href='/contact/'>Contact</a> <a href='/mentions-legales/'>Mentions légales</a></main>\
             <footer><a href='mailto:sav@maison.test'>sav@maison.test</a></footer>"
                .into(),
        ),
        ("/contact/".into(), "<p>Écrivez-nous</p><form method=post><textarea name=message></textarea></form>".into()),
        ("/mentions-legales/".into(), "<h1>Mentions légales</h1><p>Maison SAS</p>".into()),
    ];
    let mut result = common::audit_pages(&pages, Some("FR"), None).await;
    // With a campaign, so its timeline and table are rendered too.
    let probe = |id: i64, outcome: &str, ack: Option<f64>, human: Option<f64>| {
        cxaudit::campaign::ProbeStatus {
            id,
            to: "sav@maison.test".into(),
            scenario: "delivery-question".into(),
            scenario_title: [("fr".to_string(), "Question sur la livraison".to_string())].into(),
            state: cxaudit::campaign::ProbeState::Sent,
            send_after: "2026-11-13T16:00:00Z".into(),
            sent_at: Some("2026-11-13T16:00:00Z".into()),
            attempts: 1,
            failure: None,
            bounced: outcome == "bounced",
            first_ack_at: None,
            first_human_at: None,
            ack_delay_hours: ack,
            human_delay_hours: human,
            business_hours_delay: human.map(|h| h / 2.0),
            ack_business_hours_delay: None,
            outcome: outcome.parse().unwrap(),
            replies: Vec::new(),
        }
    };
    let campaign = cxaudit::campaign::CampaignStatus {
        id: 1,
        shop: "maison.test".into(),
        created_at: "2026-11-13T15:55:00Z".into(),
        deadline_hours: 168.0,
        promise_hours: Some(24.0),
        promise_business_hours: false,
        probes: vec![
            probe(1, "answered", Some(0.1), Some(30.0)),
            probe(2, "no-answer", Some(0.2), None),
            probe(3, "bounced", None, None),
        ],
        waiting_until: None,
    };
    let checks = cxaudit::rules::pack::Checks::bundled();
    result.campaign = Some(campaign);
    cxaudit::audit::rejudge(&mut result, None, &checks).unwrap();
    let html = render(
        &result,
        &ReportOptions {
            lang: "fr",
            templates: None,
            branding: Branding::default(),
        },
    )
    .unwrap();
    // Kept beside the screenshots and the PDF, to open or print again.
    std::fs::write(artefacts().join("report.html"), &html).unwrap();
    let body = Bytes::from(html);
    let server = serve::start(0, move |_| {
        let responder: Responder = Arc::new(move |path: &str| {
            if path == "/report.html" {
                Reply::html(body.clone())
            } else {
                Reply::NotFound
            }
        });
        responder
    })
    .await
    .unwrap();
    let url = format!("{}report.html", server.url());
    let dir = artefacts();

    let browser_for_run = browser.clone();
    let runs = tokio::task::spawn_blocking(move || {
        let mut logs = Vec::new();
        for (name, size) in [("desktop", "1280,2400"), ("phone", "390,2400")] {
            let shot = dir.join(format!("report-{name}.png"));
            let net_log = dir.join(format!("net-{name}.json"));
            let log = run_chromium(
                &browser_for_run,
                &url,
                &[
                    format!("--window-size={size}"),
                    format!("--screenshot={}", shot.display()),
                    format!("--log-net-log={}", net_log.display()),
                    // Nothing beyond loopback, even if the report asked for it.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".into(),
                ],
            );
            logs.push((shot, log));
        }
        let pdf = dir.join("report.pdf");
        let log = run_chromium(
            &browser_for_run,
            &url,
            &[
                format!("--print-to-pdf={}", pdf.display()),
                "--no-pdf-header-footer".into(),
            ],
        );
        (logs, pdf, log)
    })
    .await
    .unwrap();

    let (shots, pdf, pdf_log) = runs;
    for (shot, log) in shots
        .iter()
        .map(|(s, l)| (s, l))
        .chain(std::iter::once((&pdf, &pdf_log)))
    {
        assert!(
            !log.contains("CONSOLE") && !log.contains("Uncaught"),
            "console messages while rendering {}:\n{log}",
            shot.display()
        );
    }
    for (shot, _) in &shots {
        let bytes = std::fs::read(shot).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
            "{} looks empty",
            shot.display()
        );
    }
    let pdf_bytes = std::fs::read(&pdf).unwrap();
    assert!(
        pdf_bytes.starts_with(b"%PDF") && pdf_bytes.len() > 10_000,
        "the PDF looks empty"
    );
    printed_pages_read_like_a_document(&pdf, &result);
    // The report asked for nothing: the browser's network log names no other URL than the report's server, and every
    // request that server saw is the report itself (or the browser's own favicon probe).
    // (Chromium's own background requests — updates, time — carry no page initiator and are not the report's.)
    let base = server.url();
    for name in ["desktop", "phone"] {
        let foreign = requests_to_elsewhere(&artefacts().join(format!("net-{name}.json")), &base);
        assert!(foreign.is_empty(), "the report requested {foreign:?}");
    }
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.ends_with("/report.html") || r.ends_with("/favicon.ico")),
        "{requests:?}"
    );
}

/// The text of each page of `pdf`, by poppler's `pdftotext` (pages end with a form feed); None without it, unless the
/// browser tests are required.
fn pdf_pages(pdf: &Path) -> Option<Vec<String>> {
    match Command::new("pdftotext").arg(pdf).arg("-").output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
            if pages.last().is_some_and(|p| p.trim().is_empty()) {
                pages.pop();
            }
            Some(pages)
        }
        _ if std::env::var("CXAUDIT_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("pdftotext (poppler-utils) is required to read the printed report (CXAUDIT_REQUIRE_BROWSER=1)")
        }
        _ => {
            eprintln!("pdftotext is not installed: the printed pages are not read (tests/run-all.sh installs poppler-utils)");
            None
        }
    }
}

/// The printed report: several pages, each numbered "n / total", none but the last holding a sentence or two, and
/// every rule that passed printed in full although the screen shows it collapsed.
fn printed_pages_read_like_a_document(pdf: &Path, result: &cxaudit::result::AuditResult) {
    let Some(pages) = pdf_pages(pdf) else {
        return;
    };
    let total = pages.len();
    assert!(total > 1, "one page only");
    let words = |page: &str| page.split_whitespace().count();
    for (i, page) in pages.iter().enumerate() {
        let number = format!("{} / {total}", i + 1);
        assert!(
            page.contains(&number),
            "page {} has no number {number:?}:\n{page}",
            i + 1
        );
        if i + 1 < total {
            assert!(
                words(page) > 40,
                "page {} holds {} words:\n{page}",
                i + 1,
                words(page)
            );
        }
    }
    // The running header names the shop from the second page on.
    assert!(pages[1].contains(&result.target.host), "{}", pages[1]);
    let flat = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let printed = flat(&pages.join(" "));
    let passed: Vec<_> = result
        .checks
        .iter()
        .filter(|c| c.status == cxaudit::result::CheckStatus::Pass)
        .collect();
    assert!(!passed.is_empty());
    for check in passed {
        let finding = flat(check.finding.get("fr"));
        assert!(
            printed.contains(&finding),
            "{} not printed: {finding:?}",
            check.id
        );
    }
}
