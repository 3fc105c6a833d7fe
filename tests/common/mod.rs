//! Test helpers: fixture sites under `tests/sites/` served by cxaudit's own loopback server, and audits run
//! through the library exactly as the CLI runs them.
#![allow(dead_code, reason = "each test binary uses a different part")]

pub mod pg;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use cxaudit::serve::{self, Reply, Responder};

/// Every file of `tests/sites/<name>/`, as `(url path, content type, body)`; `{BASE}` is replaced by `base`.
pub fn site_files(name: &str, base: &str) -> Vec<(String, String, Bytes)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sites")
        .join(name);
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = format!(
                "/{}",
                path.strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            );
            let mut body = std::fs::read(&path).unwrap();
            if rel.ends_with(".xml") || rel.ends_with(".txt") {
                body = String::from_utf8(body)
                    .unwrap()
                    .replace("{BASE}", base)
                    .into_bytes();
            }
            let content_type = serve::content_type_for(&rel).to_string();
            (rel, content_type, Bytes::from(body))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Serves a fixture site; `special` answers first, for the paths it knows.
pub async fn serve_site(
    name: &'static str,
    special: impl Fn(&str) -> Option<Reply> + Send + Sync + 'static,
) -> serve::Server {
    serve::start(0, move |base| {
        let site = serve::static_site(site_files(name, base));
        let responder: Responder =
            Arc::new(move |path: &str| special(path).unwrap_or_else(|| site(path)));
        responder
    })
    .await
    .unwrap()
}

/// A small shop given as (URL path, HTML) pairs: bodies without `<html` are wrapped in a page titled by its
/// path. Served on 127.0.0.1, audited with the bundled rules (or `checks`), and the result read back.
pub async fn audit_pages(
    pages: &[(String, String)],
    country: Option<&str>,
    checks: Option<Arc<cxaudit::rules::pack::Checks>>,
) -> cxaudit::result::AuditResult {
    let server = serve_pages(pages).await;
    audit_url(&server.url(), country, checks).await
}

/// `pages` (path, HTML or a body fragment) as a site answers them.
pub fn site_of(pages: &[(String, String)]) -> serve::Responder {
    let files: Vec<(String, String, Bytes)> = pages
        .iter()
        .map(|(path, html)| {
            let file = if path.ends_with('/') {
                format!("{path}index.html")
            } else {
                path.clone()
            };
            let body = if html.contains("<html") {
                html.clone()
            } else {
                format!(
                    "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>{html}</body></html>",
                    path.trim_matches('/')
                )
            };
            let last_segment = file.rsplit('/').next().unwrap_or_default();
            let content_type = if file.ends_with(".html") || !last_segment.contains('.') {
                "text/html; charset=utf-8"
            } else {
                serve::content_type_for(&file)
            };
            (file, content_type.to_string(), Bytes::from(body))
        })
        .collect();
    serve::static_site(files)
}

/// Serves `pages` on 127.0.0.1 until the server is dropped.
#[allow(dead_code)]
pub async fn serve_pages(pages: &[(String, String)]) -> serve::Server {
    let site = site_of(pages);
    serve::start(0, move |_| site).await.unwrap()
}

/// A shop that changes between two audits at one address (the history knows a shop by its host and port).
pub struct ChangingShop {
    pub server: serve::Server,
    current: Arc<std::sync::RwLock<serve::Responder>>,
}

impl ChangingShop {
    pub async fn serve(pages: &[(String, String)]) -> ChangingShop {
        let current = Arc::new(std::sync::RwLock::new(site_of(pages)));
        let reader = current.clone();
        let server = serve::start(0, move |_| {
            let responder: serve::Responder = Arc::new(move |path: &str| {
                let site = reader.read().unwrap().clone();
                site(path)
            });
            responder
        })
        .await
        .unwrap();
        ChangingShop { server, current }
    }

    /// From now on the shop shows these pages.
    pub fn show(&self, pages: &[(String, String)]) {
        *self.current.write().unwrap() = site_of(pages);
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// `127.0.0.1:PORT`, as the history names the shop.
    pub fn key(&self) -> String {
        self.server
            .url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }
}

/// A fixture site of `tests/sites/<name>/`, served on 127.0.0.1 and audited with the bundled rules.
pub async fn audit_site(name: &'static str, country: Option<&str>) -> cxaudit::result::AuditResult {
    let server = serve_site(name, |_| None).await;
    audit_url(&server.url(), country, None).await
}

/// Audits `start` as the CLI does, into a temporary directory, and reads the result back.
async fn audit_url(
    start: &str,
    country: Option<&str>,
    checks: Option<Arc<cxaudit::rules::pack::Checks>>,
) -> cxaudit::result::AuditResult {
    let out = tempfile::tempdir().unwrap();
    let options = cxaudit::audit::AuditOptions {
        start: url::Url::parse(start).unwrap(),
        crawl: cxaudit::crawl::CrawlSettings {
            timeout: std::time::Duration::from_secs(2),
            ..cxaudit::crawl::CrawlSettings::default()
        },
        country: country.map(str::to_string),
        lang: None,
        checks: checks.unwrap_or_else(|| Arc::new(cxaudit::rules::pack::Checks::bundled())),
        out_dir: out.path().to_path_buf(),
        render: cxaudit::render::RenderMode::Never,
        renderer: None,
    };
    let output = cxaudit::audit::run(options, &()).await.unwrap();
    cxaudit::audit::read_result_with_facts(&output.json_path).unwrap()
}

/// The binary, blind to the developer's own settings: no config file, no branding from the environment.
pub fn cxaudit() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cxaudit"));
    // Audits are recorded in a history store: the tests' own, never the user's.
    static STORE: std::sync::LazyLock<tempfile::TempDir> =
        std::sync::LazyLock::new(|| tempfile::tempdir().unwrap());
    command
        .env_remove("CXAUDIT_CONFIG")
        .env_remove("CXAUDIT_CONSULTANCY")
        .env("XDG_CONFIG_HOME", "/nonexistent/cxaudit-tests")
        .env("CXAUDIT_DB", STORE.path().join("history.sqlite"))
        // The HTML as served, as the library's audits in these tests read it; the rendering tests ask for it.
        .env("CXAUDIT_RENDER", "never");
    command
}

/// A copy of the bundled rule pack (`checks/`, every folder), for a test to edit.
pub fn copy_of_bundled_checks() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("checks"),
        dir.path(),
    );
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Runs `command` and returns its output, failing the test with its stderr when it does not succeed.
pub fn run_ok(command: &mut std::process::Command) -> std::process::Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Replaces `from` by `to` in a file of a test's rule pack, failing when `from` is not there: an edit that does
/// nothing would let a test pass for the wrong reason.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// Headless Chromium, from Debian's `chromium` package (`tests/run-all.sh` installs it). Missing: `None`, and the
/// browser tests pass saying so, unless `CXAUDIT_REQUIRE_BROWSER=1` makes its absence a failure.
pub fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {name}"))
            .output()
        {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !path.is_empty() {
                return Some(PathBuf::from(path));
            }
        }
    }
    if std::env::var("CXAUDIT_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("chromium is required (CXAUDIT_REQUIRE_BROWSER=1) but not installed");
    }
    eprintln!(
        "chromium is not installed: the browser tests are skipped (tests/run-all.sh installs it)"
    );
    None
}

pub fn artefacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium on `url` with `args`; returns its stderr (console messages are logged there).
pub fn run_chromium(browser: &Path, url: &str, args: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    // A headless Chromium that waits on something never ends by itself: a minute is plenty.
    let output = std::process::Command::new("timeout")
        .arg("60")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            // Containers often give /dev/shm a few MB: Chromium then crashes on large pages.
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// The lines of an audit folder's page facts file (`pages.jsonl.gz`), as JSON, in the order of `crawl.pages`: read
/// with a plain gzip reader, as any tool would.
pub fn page_facts_lines(folder: &Path) -> Vec<serde_json::Value> {
    use std::io::BufRead;
    let file = std::fs::File::open(folder.join(cxaudit::result::PAGE_FACTS_FILE)).unwrap();
    std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file))
        .lines()
        .map(|line| serde_json::from_str(&line.unwrap()).unwrap())
        .collect()
}

/// The facts of the page at `url` (its requested URL), from the folder's page facts file.
pub fn page_facts_of(folder: &Path, url_ends_with: &str) -> serde_json::Value {
    page_facts_lines(folder)
        .into_iter()
        .find(|l| l["url"].as_str().unwrap().ends_with(url_ends_with))
        .unwrap_or_else(|| panic!("no facts for {url_ends_with}"))["facts"]
        .clone()
}
