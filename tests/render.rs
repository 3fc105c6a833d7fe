//! Pages written by scripts, rendered in headless Chromium (`--render auto`) and read as served (`--render never`).
//! A shop on loopback whose navigation, phone number and footer are written by its scripts (the footer from a JSON
//! file), and a chat widget injected by a tag-manager-like loader from a second loopback server standing for the
//! vendor: Chromium's host resolver maps the vendor's host name there, and resolves every other name to nothing.
//!
//! Chromium comes from Debian's `chromium` package (`tests/run-all.sh` installs it); without it these tests say so
//! and pass, unless `CXAUDIT_REQUIRE_BROWSER=1`.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use cxaudit::serve::{self, Reply, Responder};
use serde_json::Value;

/// The shop's pages: every one waits for `/app.js` to write its menu, phone number and footer.
fn shell(title: &str, own: &str) -> String {
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <header><nav id=\"menu\"></nav><p><span id=\"phone\"></span></p></header>\
         <main><h1>{title}</h1>{own}</main><footer id=\"footer\"></footer>\
         <script src=\"/app.js\"></script></body></html>"
    )
}

const APP: &str = r#"
document.getElementById('menu').innerHTML =
  "<a href='/contact/'>Contact</a> <a href='/mentions-legales/'>Mentions légales</a>";
document.getElementById('phone').textContent = 'Service client : 05 56 00 12 34';
fetch('/footer.json').then(r => r.json()).then(f => {
  document.getElementById('footer').innerHTML = f.html;
});
// Stock data under a path robots.txt disallows, and a tracker on another host: neither may be reached.
fetch('/private/stock.json').then(r => r.json()).then(d => {
  document.getElementById('phone').textContent += ' ' + d.phone;
}).catch(() => {});
new Image().src = 'http://tracker.example/pixel.gif';
// The tag manager: it loads the chat vendor's script, which nothing in the HTML names.
var loader = document.createElement('script');
loader.src = '/tag-manager.js';
document.body.appendChild(loader);
"#;

const TAG_MANAGER: &str = r#"
var chat = document.createElement('script');
chat.src = 'http://code.tidio.co/ab12cd34.js';
document.body.appendChild(chat);
"#;

async fn shop() -> serve::Server {
    let footer = serde_json::json!({
        "html": "<p>Bougies Lumière SARL, 12 rue Sainte-Catherine, 33000 Bordeaux. \
                 <a href='/contact/'>Nous contacter</a></p>"
    })
    .to_string();
    let legal = "<h1>Mentions légales</h1><p>Bougies Lumière SARL au capital de 8 000 €, 12 rue Sainte-Catherine, \
                 33000 Bordeaux. RCS Bordeaux 732 829 320. Directrice de la publication : Anne Roux. Hébergeur : \
                 OVH SAS, 2 rue Kellermann, 59100 Roubaix.</p>";
    let files: Vec<(String, String, Bytes)> = vec![
        (
            "/index.html".into(),
            "text/html; charset=utf-8".into(),
            Bytes::from(shell(
                "Bougies Lumière",
                "<p>Bougies coulées à la main.</p>",
            )),
        ),
        (
            "/contact/index.html".into(),
            "text/html; charset=utf-8".into(),
            Bytes::from(shell(
                "Contact",
                "<p>Écrivez-nous : bonjour@bougies.test</p>\
                 <p>Horaires : du lundi au vendredi, de 9h00 à 18h00.</p>",
            )),
        ),
        (
            "/mentions-legales/index.html".into(),
            "text/html; charset=utf-8".into(),
            Bytes::from(shell("Mentions légales", legal)),
        ),
        ("/app.js".into(), "text/javascript".into(), Bytes::from(APP)),
        (
            "/tag-manager.js".into(),
            "text/javascript".into(),
            Bytes::from(TAG_MANAGER),
        ),
        (
            "/robots.txt".into(),
            "text/plain".into(),
            Bytes::from_static(b"User-agent: *\nDisallow: /private/\n"),
        ),
        (
            "/private/stock.json".into(),
            "application/json".into(),
            Bytes::from_static(b"{\"phone\": \"Ligne stock : 05 56 99 99 99\"}"),
        ),
        (
            "/footer.json".into(),
            "application/json".into(),
            Bytes::from(footer),
        ),
    ];
    serve::start(0, move |_| serve::static_site(files))
        .await
        .unwrap()
}

/// The chat's script: its launcher shows a moment after it loads, saying the shop is online.
const VENDOR_SCRIPT: &str = r#"
window.tidioChatApi = { on: function () {} };
setTimeout(function () {
  var launcher = document.createElement('div');
  launcher.id = 'tidio-chat';
  launcher.setAttribute('aria-label', 'Chat with us, we are online');
  launcher.style.cssText = 'position:fixed;right:20px;bottom:20px;width:60px;height:60px;background:#06c';
  launcher.textContent = 'En ligne';
  document.body.appendChild(launcher);
}, 300);
"#;

/// A Sunday evening in Bordeaux (22:30 in Paris): the shop's stated hours say it is closed.
const SUNDAY_EVENING: &str = "2026-11-29T21:30:00Z";

/// The chat vendor: answers any script it is asked for.
async fn vendor() -> serve::Server {
    serve::start(0, |_| {
        let responder: Responder = Arc::new(|_path: &str| Reply::Content {
            status: 200,
            content_type: "text/javascript".into(),
            body: Bytes::from_static(VENDOR_SCRIPT.as_bytes()),
        });
        responder
    })
    .await
    .unwrap()
}

fn check(audit: &Value, id: &str) -> Value {
    audit["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
        .clone()
}

/// The shop audited by the CLI with `--render mode`, the browser's resolver set by `rules` (or the browser
/// named by `chromium`): its audit.json, report and folder.
async fn audited(
    url: String,
    mode: &'static str,
    env: Vec<(&'static str, String)>,
) -> (Value, String, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        common::run_ok(
            common::cxaudit()
                .args([
                    "audit",
                    &url,
                    "--country",
                    "FR",
                    "--report-lang",
                    "en",
                    "--quiet",
                    "--no-history",
                ])
                .args(["--render", mode, "-o"])
                .arg(&folder)
                .envs(env),
        );
    })
    .await
    .unwrap();
    let audit: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("audit.json")).unwrap())
            .unwrap();
    let report = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    (audit, report, out)
}

/// Only the vendor's name resolves, to its loopback server; every other name to nothing.
fn vendor_only(vendor: &serve::Server) -> Vec<(&'static str, String)> {
    let address = vendor
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    vec![
        (
            "CXAUDIT_RENDER_RESOLVER_RULES",
            format!("MAP code.tidio.co {address}, MAP * ~NOTFOUND"),
        ),
        ("CXAUDIT_TEST_NOW", SUNDAY_EVENING.to_string()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_scripts_write_is_read_after_rendering_and_said_unseen_without() {
    if common::chromium().is_none() {
        return;
    }
    let (shop, vendor) = (shop().await, vendor().await);

    let (rendered, report, folder) = audited(shop.url(), "auto", vendor_only(&vendor)).await;
    // The home and contact pages as Chromium showed them: files beside the report, covered by the manifest, and
    // embedded in the report.
    let shots = rendered["crawl"]["rendering"]["screenshots"]
        .as_array()
        .unwrap()
        .clone();
    let files: Vec<&str> = shots.iter().map(|s| s["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        ["screenshot-home.png", "screenshot-contact.png"],
        "{shots:#?}"
    );
    let manifest = std::fs::read_to_string(folder.path().join("manifest.sha256")).unwrap();
    for file in &files {
        let png = std::fs::read(folder.path().join(file)).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{file} is a PNG");
        assert!(manifest.contains(file), "{file} in the manifest");
    }
    assert_eq!(
        report.matches("<img src=\"data:image/png;base64,").count(),
        2
    );
    // Evidence found on a rendered page says so.
    assert!(
        report.contains("(seen once the page"),
        "rendered evidence is marked"
    );
    assert_eq!(rendered["crawl"]["rendering"]["mode"], "auto");
    assert!(
        rendered["crawl"]["rendering"]["rendered_pages"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // The navigation was written by a script: the contact page and the legal notice are reached and read.
    assert_eq!(
        rendered["crawl"]["counts"]["html_pages"], 3,
        "{:#}",
        rendered["crawl"]["counts"]
    );
    for (id, status) in [
        ("channel-phone", "pass"),
        ("phone-every-page", "pass"),
        ("contact-link-every-page", "pass"),
        ("legal-notice", "pass"),
        ("channel-postal-address", "pass"),
        ("channel-live-chat", "pass"),
    ] {
        let rule = check(&rendered, id);
        assert_eq!(rule["status"], status, "{id} after rendering: {rule:#}");
    }
    let chat = check(&rendered, "channel-live-chat");
    assert!(
        chat["finding"]["en"].as_str().unwrap().contains("Tidio"),
        "{chat:#}"
    );
    let pages = common::page_facts_lines(folder.path());
    assert!(pages.iter().any(|p| p["facts"]["rendered"] == true));
    // The chat's launcher: when it loaded and showed, what it said, and that it said so while the shop is closed.
    let home = pages
        .iter()
        .find(|p| p["url"] == shop.url().as_str())
        .expect("the home page");
    let widget = &home["facts"]["widget"];
    assert_eq!(widget["vendor_host"], "code.tidio.co", "{widget:#}");
    assert_eq!(widget["element"], "div#tidio-chat", "{widget:#}");
    assert!(
        widget["shown_ms"].as_u64().unwrap() >= 300
            && widget["shown_ms"].as_u64() >= widget["vendor_loaded_ms"].as_u64(),
        "shown after its script loaded and its 300 ms timer: {widget:#}"
    );
    assert!(widget["text"].as_str().unwrap().contains("we are online"));
    assert_eq!(chat["details"]["widget"]["state"], "online", "{chat:#}");
    assert_eq!(chat["details"]["widget"]["shop_open"], false, "{chat:#}");
    assert_eq!(chat["reservations"], true, "{chat:#}");
    assert!(
        chat["finding"]["en"]
            .as_str()
            .unwrap()
            .contains("said it was online on Sunday at 22:30"),
        "{chat:#}"
    );
    // What the rendered pages asked for beyond the shop's rules was refused, and counted.
    let refused = &rendered["crawl"]["rendering"]["refused"];
    assert!(refused["robots"].as_u64().unwrap() >= 1, "{refused:#}");
    assert!(refused["other_host"].as_u64().unwrap() >= 1, "{refused:#}");
    assert!(
        !serde_json::to_string(&pages).unwrap().contains("99 99 99"),
        "nothing from a path robots.txt disallows"
    );
    // And the report says what was not loaded, so the client knows what was not read.
    assert!(
        report.contains("of rendered pages to URLs robots.txt excludes"),
        "the robots.txt refusals are a limit"
    );
    assert!(
        report.contains("Rendered pages loaded nothing from sites other than the shop"),
        "the other hosts' refusals are a limit"
    );
    assert!(
        rendered["coverage"].is_null(),
        "nothing left unseen: {:#}",
        rendered["coverage"]
    );

    // As served: the same shop is an empty shell, its rules unseen and the report says why.
    let (served, report, _) = audited(shop.url(), "never", vendor_only(&vendor)).await;
    assert!(served["crawl"]["rendering"].is_null());
    assert_eq!(served["crawl"]["counts"]["html_pages"], 1);
    for id in [
        "channel-phone",
        "phone-every-page",
        "legal-notice",
        "channel-live-chat",
    ] {
        let rule = check(&served, id);
        assert_eq!(rule["status"], "not_applicable", "{id} as served: {rule:#}");
        assert!(
            rule["details"]["unseen"].is_object(),
            "{id}: said unseen, {rule:#}"
        );
    }
    assert!(
        served["coverage"]["reason"] == "script-built",
        "{:#}",
        served["coverage"]
    );
    assert!(
        report.contains("JavaScript"),
        "the report says the site needs JavaScript"
    );
}

/// Without a browser, `auto` reads the pages as served and the report says so; nothing fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_chromium_auto_reads_as_served_and_says_so() {
    let shop = shop().await;
    let missing = vec![("CXAUDIT_CHROMIUM", "/nonexistent/chromium".to_string())];
    let (audit, report, _) = audited(shop.url(), "auto", missing).await;
    assert_eq!(audit["crawl"]["rendering"]["mode"], "auto");
    assert!(audit["crawl"]["rendering"]["browser"].is_null());
    assert_eq!(audit["crawl"]["rendering"]["rendered_pages"], 0);
    assert!(
        report.contains(
            "Chromium was not installed: pages whose content scripts write were read without them"
        ),
        "the limit is said"
    );
}

/// A page whose script never ends (after an alert nobody closes) cannot be rendered: it is read as served, counted
/// and said in the report's limits, the other pages are rendered, and the audit ends within its bounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_script_never_ends_is_read_as_served_and_said() {
    if common::chromium().is_none() {
        return;
    }
    let page = |title: &str, own: &str, script: &str| {
        format!(
            "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
             <header><a href=\"/contact/\">Contact</a></header><main><h1>{title}</h1>{own}</main>\
             <script>{script}</script></body></html>"
        )
    };
    let files: Vec<(String, String, Bytes)> = vec![
        (
            "/index.html".into(),
            "text/html; charset=utf-8".into(),
            Bytes::from(page(
                "Atelier Vélo",
                "<p>Réparations et pièces.</p>",
                "document.querySelector('main').insertAdjacentHTML('beforeend', \
                 '<p>Appelez-nous : 04 78 00 12 34</p>');",
            )),
        ),
        (
            "/contact/index.html".into(),
            "text/html; charset=utf-8".into(),
            Bytes::from(page(
                "Contact",
                "<p>Écrivez-nous : atelier@velo.test</p>",
                "alert('Bienvenue'); for (;;) {}",
            )),
        ),
    ];
    let shop = serve::start(0, move |_| serve::static_site(files))
        .await
        .unwrap();
    // The browser's profile goes under a folder of this test's own, to look for its processes after.
    let scratch = tempfile::tempdir().unwrap();
    let scratch_path = scratch.path().to_string_lossy().into_owned();
    let env = vec![("TMPDIR", scratch_path.clone())];
    let (audit, report, _) = audited(shop.url(), "auto", env).await;
    let rendering = &audit["crawl"]["rendering"];
    assert_eq!(rendering["rendered_pages"], 1, "{rendering:#}");
    assert_eq!(rendering["failed_pages"], 1, "{rendering:#}");
    // The home page as rendered (the phone its script wrote), the contact page as served (its e-mail).
    assert_eq!(check(&audit, "channel-phone")["status"], "pass");
    assert_eq!(check(&audit, "channel-email")["status"], "pass");
    assert!(
        report.contains("1 page could not be rendered in Chromium: read as served."),
        "the failure is a limit of the audit"
    );
    // And no browser is left running the endless script.
    let left = std::process::Command::new("pgrep")
        .args(["-f", &scratch_path])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "browsers left: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}
