//! Pages as a customer's browser shows them: rendered in headless Chromium when the static HTML is not the page
//! (a footer, phone numbers, navigation or a chat written by scripts).
//!
//! No driver crate: Debian's `chromium` is run once per page, as the report's browser tests run it, with
//! `--dump-dom` (the document once its scripts ran, within a virtual-time budget), `--log-net-log` (every request
//! the page made: the chat vendors it loaded) and `--host-resolver-rules` (host names other than the shop's and the
//! chat vendors' resolve to nothing, so a rendered page reaches no third party). A page is rendered by one browser
//! at a time, killed past its time limit; nothing is clicked or submitted. Chromium's own CDP would tell more (the
//! instant a widget appeared, whether it shows "online"), at the cost of a driver and a websocket stack; the
//! command line gives what the page facts need, with no dependency.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

/// When pages are rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RenderMode {
    /// The pages the static read shows incomplete, and the home and contact pages (widgets), once.
    #[default]
    Auto,
    /// Every page.
    Always,
    /// None: the static HTML only, no browser needed.
    Never,
}

impl std::str::FromStr for RenderMode {
    type Err = String;

    fn from_str(s: &str) -> Result<RenderMode, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(RenderMode::Auto),
            "always" => Ok(RenderMode::Always),
            "never" => Ok(RenderMode::Never),
            other => Err(format!("{other:?}: auto, always or never")),
        }
    }
}

/// The hosts a rendered page may reach beyond the shop's: where chat widgets load from.
pub const WIDGET_HOSTS: &[&str] = &[
    "*.iadvize.com",
    "*.zdassets.com",
    "*.zopim.com",
    "*.zendesk.com",
    "client.crisp.chat",
    "*.crisp.chat",
    "widget.intercom.io",
    "*.intercomcdn.com",
    "*.intercom.io",
    "embed.tawk.to",
    "*.tawk.to",
    "cdn.livechatinc.com",
    "*.livechatinc.com",
    "*.tidio.co",
    "*.tidiochat.com",
    "js.hs-scripts.com",
    "*.hubspot.com",
    "*.usemessenger.com",
    "*.gorgias.chat",
    "config.gorgias.chat",
];

/// What rendering a page gave.
pub struct Rendered {
    /// The document after its scripts ran.
    pub html: String,
    /// The URLs of what the page loaded (scripts, frames, data), the page itself left out.
    pub requests: Vec<String>,
}

/// Screenshots above this size are not embedded in the report (it is e-mailed).
const MAX_SCREENSHOT_BYTES: usize = 768 * 1024;

/// One browser, one page at a time, each bounded in time; counts what it did for the audit's report.
pub struct Renderer {
    pub mode: RenderMode,
    browser: PathBuf,
    user_agent: String,
    /// The page's time to run its scripts (virtual time: timers fire at once).
    budget: Duration,
    /// The whole browser run, killed after.
    limit: Duration,
    /// Pages rendered at most; past it the static read stands, said.
    pub max_pages: u64,
    /// More host-resolver rules (a test maps a vendor's host name to a loopback server).
    extra_rules: Option<String>,
    one_at_a_time: Mutex<()>,
    /// Where the screenshots go (the audit's folder), and those taken, by kind (`home`, `contact`).
    screenshot_dir: Option<PathBuf>,
    screenshots: Mutex<Vec<(String, crate::result::Screenshot)>>,
    pages: Mutex<Vec<String>>,
    pub rendered: AtomicU64,
    pub failed: AtomicU64,
    pub capped: AtomicU64,
}

/// `chromium`, `chromium-browser` or `google-chrome` on the PATH (`CXAUDIT_CHROMIUM` names another).
pub fn find_browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CXAUDIT_CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

impl Renderer {
    pub fn new(
        mode: RenderMode,
        browser: PathBuf,
        user_agent: &str,
        timeout: Duration,
    ) -> Renderer {
        Renderer {
            mode,
            browser,
            user_agent: user_agent.to_string(),
            budget: Duration::from_secs(5),
            limit: timeout.max(Duration::from_secs(10)) + Duration::from_secs(10),
            max_pages: 50,
            extra_rules: std::env::var("CXAUDIT_RENDER_RESOLVER_RULES").ok(),
            one_at_a_time: Mutex::new(()),
            screenshot_dir: None,
            screenshots: Mutex::new(Vec::new()),
            pages: Mutex::new(Vec::new()),
            rendered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            capped: AtomicU64::new(0),
        }
    }

    pub fn browser(&self) -> &Path {
        &self.browser
    }

    /// Screenshots of the home and contact pages go to `dir` (the audit's folder).
    pub fn with_screenshots(mut self, dir: &Path) -> Renderer {
        self.screenshot_dir = Some(dir.to_path_buf());
        self
    }

    /// The screenshots taken, home first.
    pub fn screenshots(&self) -> Vec<crate::result::Screenshot> {
        let mut shots = self
            .screenshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        shots.sort_by_key(|(kind, _)| kind != "home");
        shots.into_iter().map(|(_, shot)| shot).collect()
    }

    /// Whether a page of this kind still wants its screenshot (one per kind).
    fn wants_screenshot(&self, kind: Option<&str>) -> bool {
        let Some(kind) = kind else {
            return false;
        };
        self.screenshot_dir.is_some()
            && !self
                .screenshots
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|(k, _)| k == kind)
    }

    /// Takes a slot among the pages rendered at most; false (counted) past the cap.
    pub fn take_slot(&self) -> bool {
        if self.rendered.load(Ordering::Relaxed) + self.failed.load(Ordering::Relaxed)
            >= self.max_pages
        {
            self.capped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Renders `url` (a `home` or `contact` page is also photographed, once per kind). Blocking: call it from
    /// the analysis pool.
    pub fn render(&self, url: &Url, kind: Option<&str>) -> Result<Rendered, String> {
        let _one = self.one_at_a_time.lock().unwrap_or_else(|e| e.into_inner());
        let shot = self.wants_screenshot(kind).then_some(kind).flatten();
        let outcome = self.run(url, shot);
        match &outcome {
            Ok(_) => {
                self.rendered.fetch_add(1, Ordering::Relaxed);
                self.pages
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(url.to_string());
            }
            Err(_) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        outcome
    }

    /// The pages rendered, in the order they were.
    pub fn pages(&self) -> Vec<String> {
        self.pages.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn run(&self, url: &Url, shot: Option<&str>) -> Result<Rendered, String> {
        let profile = Profile::new()?;
        let net_log = profile.0.join("net-log.json");
        let png = profile.0.join("screenshot.png");
        let mut shot_args: Vec<String> = Vec::new();
        if shot.is_some() {
            shot_args.push(format!("--screenshot={}", png.display()));
            shot_args.push("--window-size=1280,1000".into());
        }
        let mut rules = String::from("MAP * ~NOTFOUND");
        if let Some(host) = url.host_str() {
            rules.push_str(&format!(", EXCLUDE {host}"));
        }
        for host in WIDGET_HOSTS {
            rules.push_str(&format!(", EXCLUDE {host}"));
        }
        if let Some(extra) = &self.extra_rules {
            rules = format!("{extra}, {rules}");
        }
        // A name resolving to nothing does not stop an address written as digits: everything but the shop and the
        // vendors goes through a proxy that refuses (port 9, discard; loopback is never proxied).
        let mut bypass: Vec<String> = url.host_str().map(str::to_string).into_iter().collect();
        bypass.extend(WIDGET_HOSTS.iter().map(|h| h.to_string()));
        let output = Command::new("timeout")
            .arg("--kill-after=5")
            .arg(self.limit.as_secs().to_string())
            .arg(&self.browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--mute-audio",
                "--dump-dom",
            ])
            .arg(format!("--virtual-time-budget={}", self.budget.as_millis()))
            .arg(format!("--user-agent={}", self.user_agent))
            .arg(format!("--host-resolver-rules={rules}"))
            .arg("--proxy-server=http://127.0.0.1:9")
            .arg(format!("--proxy-bypass-list={}", bypass.join(";")))
            .arg(format!("--log-net-log={}", net_log.display()))
            .arg(format!("--user-data-dir={}", profile.0.display()))
            .args(&shot_args)
            .arg(url.as_str())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.browser.display()))?;
        if !output.status.success() {
            return Err(match output.status.code() {
                Some(124) | Some(137) => {
                    format!("Chromium took more than {} s", self.limit.as_secs())
                }
                _ => format!(
                    "Chromium failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                        .lines()
                        .last()
                        .unwrap_or_default()
                ),
            });
        }
        let html = String::from_utf8_lossy(&output.stdout).into_owned();
        if html.trim().is_empty() {
            return Err("Chromium gave an empty document".into());
        }
        if let (Some(kind), Some(dir)) = (shot, &self.screenshot_dir) {
            self.keep_screenshot(kind, url, &png, dir);
        }
        Ok(Rendered {
            html,
            requests: requests_in(&net_log, url),
        })
    }

    fn keep_screenshot(&self, kind: &str, url: &Url, png: &Path, dir: &Path) {
        use base64::Engine;
        let Ok(bytes) = std::fs::read(png) else {
            return;
        };
        if bytes.len() > MAX_SCREENSHOT_BYTES || !bytes.starts_with(b"\x89PNG") {
            return;
        }
        let file = format!("screenshot-{kind}.png");
        if std::fs::write(dir.join(&file), &bytes).is_err() {
            return;
        }
        let shot = crate::result::Screenshot {
            url: url.to_string(),
            file,
            data_uri: format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&bytes)
            ),
        };
        self.screenshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((kind.to_string(), shot));
    }
}

/// A fresh browser profile for one page, deleted after.
struct Profile(PathBuf);

impl Profile {
    fn new() -> Result<Profile, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cxaudit-render-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Profile(dir))
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The URLs a page asked for, from Chromium's net log (JSON), the page itself and browser internals left out.
/// A log that cannot be read gives none: the DOM still holds what the scripts wrote.
fn requests_in(net_log: &Path, page: &Url) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(net_log) else {
        return Vec::new();
    };
    // Chromium may be killed before it closes the log's JSON: an unreadable log lists nothing.
    let Ok(log) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let mut urls: Vec<String> = Vec::new();
    for event in log["events"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let Some(url) = event["params"]["url"].as_str() else {
            continue;
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) || url == page.as_str() {
            continue;
        }
        if !urls.iter().any(|u| u == url) {
            urls.push(url.to_string());
        }
        if urls.len() >= 200 {
            break;
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_written() {
        assert_eq!("auto".parse::<RenderMode>(), Ok(RenderMode::Auto));
        assert_eq!(" Never ".parse::<RenderMode>(), Ok(RenderMode::Never));
        assert!("sometimes".parse::<RenderMode>().is_err());
    }
}
