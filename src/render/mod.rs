//! Pages as a customer's browser shows them: rendered in headless Chromium when the static HTML is not the page
//! (a footer, phone numbers, navigation or a chat written by scripts).
//!
//! One browser per audit, driven through the DevTools protocol on a pipe ([`cdp`]), at most [`TABS`] pages at once,
//! each in its own browser context (no cookie or storage carried from one page to the next). Every request a page
//! makes is paused and decided here: the shop's own hosts under its robots.txt and crawl delay, the chat vendors'
//! hosts ([`WIDGET_HOSTS`]), nothing else; host names other than those resolve to nothing and addresses written as
//! digits go to a proxy that refuses, so a rendered page reaches no third party even through what the protocol
//! does not pause (a websocket). A script watching the document in a world of its own (the page's scripts cannot
//! see or change it) notes when a chat window or button became visible and what it says; nothing is clicked or
//! submitted, dialogs are dismissed.

pub mod cdp;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use crate::crawl::robots::Robots;
use crate::result::{ChatWidgetFact, RequestsRefused};

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
    "js.usemessages.com",
    "*.usemessages.com",
    "*.hubspot.net",
    "*.gorgias.chat",
    "*.gorgias.io",
    "*.freshchat.com",
    "*.freshworks.com",
    "js.driftt.com",
    "*.drift.com",
    "*.olark.com",
    "salesiq.zoho.com",
    "salesiq.zoho.eu",
    "*.zohopublic.com",
    "*.zohopublic.eu",
    "*.smartsuppchat.com",
    "*.smartsupp.com",
    "*.chatra.io",
    "*.userlike.com",
    "*.userlike-cdn-widgets.com",
    "*.helpscout.net",
    "conversations-widget.brevo.com",
    "conversations-widget.sendinblue.com",
    "app.chatwoot.com",
];

/// Pages rendered at once in the audit's one browser.
pub const TABS: usize = 2;
/// After its load event, a page is read once its requests have been quiet this long…
const QUIET: Duration = Duration::from_millis(1200);
/// …or this long after load at most: a chat a tag manager loads a few seconds after the page still counts.
const AFTER_LOAD: Duration = Duration::from_secs(6);
/// One protocol command's answer (a page's script reading the document included).
const ANSWER: Duration = Duration::from_secs(10);
/// The browser's first answer (a cold start on a loaded machine).
const START: Duration = Duration::from_secs(30);
/// Characters of a rendered document read (the static read's body cap is bytes; a DOM is UTF-16 in the browser).
const MAX_DOM_CHARS: usize = 4 << 20;
/// Characters of a chat widget's words kept.
const WIDGET_TEXT_CHARS: usize = 400;
/// Requests a rendered page made that are listed (its scripts, frames, data).
const REQUESTS_LISTED: usize = 200;
/// The isolated world the watching script runs in.
const WORLD: &str = "cxaudit";

/// What rendering a page gave.
pub struct Rendered {
    /// The document after its scripts ran.
    pub html: String,
    /// The URLs of what the page asked for (scripts, frames, data), the page itself left out, refused ones kept:
    /// a chat vendor the page tried to load is named by its script's address.
    pub requests: Vec<String>,
    /// The chat window or button it showed, if any.
    pub widget: Option<ChatWidgetFact>,
}

/// What the crawl decided for the shop, applied to what rendered pages load: its robots.txt, the delay between
/// two requests, the hosts in scope.
pub struct Politeness {
    pub robots: Arc<Robots>,
    pub delay: Duration,
    pub hosts: Vec<String>,
}

/// Screenshots above this size are not embedded in the report (it is e-mailed).
const MAX_SCREENSHOT_BYTES: usize = 768 * 1024;

/// One browser, a bounded number of pages at once, each bounded in time; counts what it did for the report.
pub struct Renderer {
    pub mode: RenderMode,
    browser: PathBuf,
    user_agent: String,
    /// One page, from its navigation to its screenshot.
    limit: Duration,
    /// Pages rendered at most; past it the static read stands, said.
    pub max_pages: u64,
    /// Host-resolver rules instead of the shop's (a test maps a vendor's host name to a loopback server).
    extra_rules: Option<String>,
    tabs: (Mutex<usize>, Condvar),
    running: Mutex<Option<Arc<Running>>>,
    politeness: Mutex<Option<Arc<Politeness>>>,
    /// When the next request to the shop may leave, across pages (the crawl delay).
    next_shop_request: Mutex<Instant>,
    /// Where the screenshots go (the audit's folder), and those taken, by kind (`home`, `contact`).
    screenshot_dir: Option<PathBuf>,
    screenshots: Mutex<Vec<(String, crate::result::Screenshot)>>,
    pages: Mutex<Vec<String>>,
    /// The kinds of page rendered once with `auto` (`home`, `contact`, `cart`, `checkout`).
    kinds_claimed: Mutex<Vec<&'static str>>,
    pub rendered: AtomicU64,
    pub failed: AtomicU64,
    pub capped: AtomicU64,
    refused_other_host: AtomicU64,
    refused_robots: AtomicU64,
    refused_out_of_time: AtomicU64,
}

/// The browser running, its profile (deleted once it is gone) and the shop hosts its resolver knows.
struct Running {
    browser: cdp::Browser,
    _profile: Profile,
    hosts: Vec<String>,
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

/// Whether `host` is a chat vendor's (`*.crisp.chat` covers `client.crisp.chat`).
pub fn is_widget_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    WIDGET_HOSTS
        .iter()
        .any(|pattern| match pattern.strip_prefix("*.") {
            Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
            None => host == *pattern,
        })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
            limit: timeout.max(Duration::from_secs(10)) + AFTER_LOAD + Duration::from_secs(10),
            max_pages: 50,
            extra_rules: std::env::var("CXAUDIT_RENDER_RESOLVER_RULES").ok(),
            tabs: (Mutex::new(0), Condvar::new()),
            running: Mutex::new(None),
            politeness: Mutex::new(None),
            next_shop_request: Mutex::new(Instant::now()),
            screenshot_dir: None,
            screenshots: Mutex::new(Vec::new()),
            pages: Mutex::new(Vec::new()),
            kinds_claimed: Mutex::new(Vec::new()),
            rendered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            capped: AtomicU64::new(0),
            refused_other_host: AtomicU64::new(0),
            refused_robots: AtomicU64::new(0),
            refused_out_of_time: AtomicU64::new(0),
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

    /// The crawl's robots.txt, delay and scope, once it knows them: rendered pages' requests follow them.
    pub fn set_politeness(&self, politeness: Politeness) {
        *lock(&self.politeness) = Some(Arc::new(politeness));
    }

    /// Stops the browser (also stopped when the renderer is dropped, and when this process dies: the pipe closes).
    pub fn close(&self) {
        lock(&self.running).take();
    }

    /// The screenshots taken, home first.
    pub fn screenshots(&self) -> Vec<crate::result::Screenshot> {
        let mut shots = lock(&self.screenshots).clone();
        shots.sort_by_key(|(kind, _)| kind != "home");
        shots.into_iter().map(|(_, shot)| shot).collect()
    }

    /// What rendered pages asked for and were refused.
    pub fn refused(&self) -> RequestsRefused {
        RequestsRefused {
            other_host: self.refused_other_host.load(Ordering::Relaxed),
            robots: self.refused_robots.load(Ordering::Relaxed),
            out_of_time: self.refused_out_of_time.load(Ordering::Relaxed),
        }
    }

    /// Whether a page of this kind still wants its screenshot (one per kind).
    fn wants_screenshot(&self, kind: Option<&str>) -> bool {
        // The report shows the home and contact pages.
        let Some(kind) = kind.filter(|k| matches!(*k, "home" | "contact")) else {
            return false;
        };
        self.screenshot_dir.is_some() && !lock(&self.screenshots).iter().any(|(k, _)| k == kind)
    }

    /// True the first time a page of `kind` asks (the home, the first contact page…): each is rendered once.
    pub fn claim_kind(&self, kind: &'static str) -> bool {
        let mut claimed = lock(&self.kinds_claimed);
        if claimed.contains(&kind) {
            return false;
        }
        claimed.push(kind);
        true
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
    /// the analysis pool; at most [`TABS`] run at once, the others wait their turn.
    pub fn render(&self, url: &Url, kind: Option<&str>) -> Result<Rendered, String> {
        let _tab = self.take_tab();
        let shot = self.wants_screenshot(kind).then_some(kind).flatten();
        let outcome = self.running(url).and_then(|running| {
            let outcome = self.run(&running.browser, url, shot);
            if outcome.is_err() && !responds(&running.browser) {
                // A browser that stopped answering is replaced for the next page; this one dies with its last page.
                let mut slot = lock(&self.running);
                if slot.as_ref().is_some_and(|r| Arc::ptr_eq(r, &running)) {
                    *slot = None;
                }
            }
            outcome
        });
        match &outcome {
            Ok(_) => {
                self.rendered.fetch_add(1, Ordering::Relaxed);
                lock(&self.pages).push(url.to_string());
            }
            Err(_) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
        outcome
    }

    /// The pages rendered, in the order they were.
    pub fn pages(&self) -> Vec<String> {
        lock(&self.pages).clone()
    }

    fn take_tab(&self) -> TabPermit<'_> {
        let (count, freed) = &self.tabs;
        let mut open = lock(count);
        while *open >= TABS {
            open = freed.wait(open).unwrap_or_else(|e| e.into_inner());
        }
        *open += 1;
        TabPermit(self)
    }

    /// The browser, started on first use, or again when the one running stopped or does not know `url`'s host.
    fn running(&self, url: &Url) -> Result<Arc<Running>, String> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let mut slot = lock(&self.running);
        if let Some(running) = slot.as_ref() {
            if running.browser.is_alive() && running.hosts.contains(&host) {
                return Ok(running.clone());
            }
        }
        *slot = None;
        let mut hosts: Vec<String> = lock(&self.politeness)
            .as_ref()
            .map(|p| p.hosts.iter().map(|h| h.to_ascii_lowercase()).collect())
            .unwrap_or_default();
        if !hosts.contains(&host) {
            hosts.push(host);
        }
        let profile = Profile::new()?;
        let browser = cdp::Browser::launch(&self.browser, &self.browser_args(&hosts, &profile.0))?;
        browser
            .call(None, "Browser.getVersion", json!({}), START)
            .map_err(|e| format!("Chromium did not start: {e}"))?;
        let running = Arc::new(Running {
            browser,
            _profile: profile,
            hosts,
        });
        *slot = Some(running.clone());
        Ok(running)
    }

    fn browser_args(&self, hosts: &[String], profile: &Path) -> Vec<String> {
        // An EXCLUDE wins over every MAP: a test's rules (a vendor's name mapped to a loopback server) replace the
        // vendors' exclusions, else that name would be resolved for real.
        let mut rules = match &self.extra_rules {
            Some(test_rules) => test_rules.clone(),
            None => String::from("MAP * ~NOTFOUND"),
        };
        for host in hosts {
            rules.push_str(&format!(", EXCLUDE {host}"));
        }
        if self.extra_rules.is_none() {
            for host in WIDGET_HOSTS {
                rules.push_str(&format!(", EXCLUDE {host}"));
            }
        }
        // A name resolving to nothing does not stop an address written as digits: everything but the shop and the
        // vendors goes through a proxy that refuses (port 9, discard; loopback is never proxied).
        let mut bypass: Vec<String> = hosts.to_vec();
        bypass.extend(WIDGET_HOSTS.iter().map(|h| h.to_string()));
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--mute-audio",
            // Frames of other sites in the page's own process: a chat vendor's frame can then be read through the
            // page's session (what its window says) without attaching to each frame.
            "--disable-site-isolation-trials",
            "--disable-features=IsolateOrigins,site-per-process",
            "--window-size=1280,1000",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        args.push(format!("--user-agent={}", self.user_agent));
        args.push(format!("--host-resolver-rules={rules}"));
        args.push("--proxy-server=http://127.0.0.1:9".into());
        args.push(format!("--proxy-bypass-list={}", bypass.join(";")));
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push("about:blank".into());
        args
    }

    fn run(
        &self,
        browser: &cdp::Browser,
        url: &Url,
        shot: Option<&str>,
    ) -> Result<Rendered, String> {
        let context = browser.call(
            None,
            "Target.createBrowserContext",
            json!({ "disposeOnDetach": true }),
            ANSWER,
        )?["browserContextId"]
            .as_str()
            .ok_or("Chromium gave no browser context")?
            .to_string();
        let mut tab = Tab {
            browser,
            context,
            target: None,
            session: None,
        };
        let target = browser.call(
            None,
            "Target.createTarget",
            json!({ "url": "about:blank", "browserContextId": tab.context }),
            ANSWER,
        )?["targetId"]
            .as_str()
            .ok_or("Chromium gave no page")?
            .to_string();
        tab.target = Some(target.clone());
        let session = browser.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
            ANSWER,
        )?["sessionId"]
            .as_str()
            .ok_or("Chromium gave no session")?
            .to_string();
        let events = browser.events(&session);
        tab.session = Some(session.clone());
        let s = Some(session.as_str());
        browser.call(
            s,
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*", "requestStage": "Request" }] }),
            ANSWER,
        )?;
        browser.call(s, "Page.enable", json!({}), ANSWER)?;
        browser.call(s, "Runtime.enable", json!({}), ANSWER)?;
        browser.call(
            s,
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": false }),
            ANSWER,
        )?;
        browser.call(
            s,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": watch_script(), "worldName": WORLD }),
            ANSWER,
        )?;
        let politeness = lock(&self.politeness).clone();
        let mut visit = Visit {
            renderer: self,
            browser,
            session: &session,
            page: url,
            politeness: politeness.as_deref(),
            began: Instant::now(),
            requests: Vec::new(),
            vendor: None,
            frames: HashMap::new(),
            worlds: HashMap::new(),
            main_frame: None,
            held: VecDeque::new(),
            loaded: None,
            last_request: Instant::now(),
        };
        visit.load(&events, self.limit)?;
        let html = visit.evaluate_in_main(&dom_script(MAX_DOM_CHARS))?;
        let html = html.as_str().unwrap_or_default().to_string();
        if html.trim().is_empty() {
            return Err("Chromium gave an empty document".into());
        }
        let widget = visit.widget();
        if let (Some(kind), Some(dir)) = (shot, &self.screenshot_dir) {
            if let Ok(shot) = browser.call(
                s,
                "Page.captureScreenshot",
                json!({ "format": "png" }),
                ANSWER,
            ) {
                self.keep_screenshot(kind, url, shot["data"].as_str().unwrap_or_default(), dir);
            }
        }
        Ok(Rendered {
            html,
            requests: visit.requests,
            widget,
        })
    }

    fn keep_screenshot(&self, kind: &str, url: &Url, base64_png: &str, dir: &Path) {
        use base64::Engine;
        // The encoded size bounds the decoded one: nothing is decoded past the cap.
        if base64_png.len() > MAX_SCREENSHOT_BYTES * 4 / 3 + 4 {
            return;
        }
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(base64_png) else {
            return;
        };
        if bytes.len() > MAX_SCREENSHOT_BYTES || !bytes.starts_with(b"\x89PNG") {
            return;
        }
        let mut shots = lock(&self.screenshots);
        if shots.iter().any(|(k, _)| k == kind) {
            return;
        }
        let file = format!("screenshot-{kind}.png");
        if std::fs::write(dir.join(&file), &bytes).is_err() {
            return;
        }
        shots.push((
            kind.to_string(),
            crate::result::Screenshot {
                url: url.to_string(),
                file,
                data_uri: format!("data:image/png;base64,{base64_png}"),
            },
        ));
    }
}

/// Whether the browser still answers a trivial command.
fn responds(browser: &cdp::Browser) -> bool {
    browser.is_alive()
        && browser
            .call(
                None,
                "Browser.getVersion",
                json!({}),
                Duration::from_secs(5),
            )
            .is_ok()
}

/// A place among the pages rendered at once, given back when dropped.
struct TabPermit<'a>(&'a Renderer);

impl Drop for TabPermit<'_> {
    fn drop(&mut self) {
        let (count, freed) = &self.0.tabs;
        *lock(count) -= 1;
        freed.notify_one();
    }
}

/// A page's browser context and tab, closed when dropped (however the page ended).
struct Tab<'a> {
    browser: &'a cdp::Browser,
    context: String,
    target: Option<String>,
    session: Option<String>,
}

impl Drop for Tab<'_> {
    fn drop(&mut self) {
        if let Some(session) = &self.session {
            self.browser.forget(session);
        }
        if let Some(target) = &self.target {
            let _ = self
                .browser
                .send(None, "Target.closeTarget", json!({ "targetId": target }));
        }
        let _ = self
            .browser
            .send(
                None,
                "Target.disposeBrowserContext",
                json!({ "browserContextId": self.context }),
            )
            .wait(Duration::from_secs(5));
    }
}

/// One page being rendered: what it asked for, its frames and the watching script's worlds.
struct Visit<'a> {
    renderer: &'a Renderer,
    browser: &'a cdp::Browser,
    session: &'a str,
    page: &'a Url,
    politeness: Option<&'a Politeness>,
    began: Instant,
    requests: Vec<String>,
    /// The first chat vendor's host asked for, and when.
    vendor: Option<(String, u64)>,
    /// Frame id → its URL.
    frames: HashMap<String, String>,
    /// Frame id → the watching world's execution context there.
    worlds: HashMap<String, i64>,
    main_frame: Option<String>,
    /// Requests to the shop waiting for their turn under the crawl delay.
    held: VecDeque<String>,
    loaded: Option<Instant>,
    last_request: Instant,
}

enum Decision {
    Continue,
    Hold,
    Refuse(Refusal),
}

enum Refusal {
    OtherHost,
    Robots,
}

impl Visit<'_> {
    /// Navigates and answers the page's requests until it loaded and went quiet (or its time is over).
    fn load(&mut self, events: &Receiver<Value>, limit: Duration) -> Result<(), String> {
        let navigation = self.browser.send(
            Some(self.session),
            "Page.navigate",
            json!({ "url": self.page.as_str() }),
        );
        let deadline = self.began + limit;
        let mut navigated = false;
        loop {
            let now = Instant::now();
            if now >= deadline {
                if self.loaded.is_none() {
                    return Err(format!(
                        "the page did not load in Chromium within {} s",
                        limit.as_secs()
                    ));
                }
                break;
            }
            if !navigated {
                if let Some(answer) = navigation.ready() {
                    let answer = answer?;
                    if let Some(error) = answer["errorText"].as_str().filter(|e| !e.is_empty()) {
                        return Err(format!("Chromium could not load the page: {error}"));
                    }
                    if let Some(frame) = answer["frameId"].as_str() {
                        self.main_frame = Some(frame.to_string());
                    }
                    navigated = true;
                }
            }
            if let Some(loaded) = self.loaded {
                let quiet = self.held.is_empty() && now.duration_since(self.last_request) >= QUIET;
                if (quiet && now.duration_since(loaded) >= QUIET)
                    || now.duration_since(loaded) >= AFTER_LOAD
                {
                    break;
                }
            }
            self.release_held();
            match events.recv_timeout(Duration::from_millis(50)) {
                Ok(event) => self.on_event(&event),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err("Chromium stopped".into()),
            }
        }
        for request in std::mem::take(&mut self.held) {
            self.renderer
                .refused_out_of_time
                .fetch_add(1, Ordering::Relaxed);
            self.refuse(&request);
        }
        Ok(())
    }

    fn on_event(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or_default() {
            "Fetch.requestPaused" => {
                let id = params["requestId"].as_str().unwrap_or_default().to_string();
                let url = params["request"]["url"].as_str().unwrap_or_default();
                self.last_request = Instant::now();
                self.note_request(url);
                match self.decide(url) {
                    Decision::Continue => {
                        let _ = self.browser.send(
                            Some(self.session),
                            "Fetch.continueRequest",
                            json!({ "requestId": id }),
                        );
                    }
                    Decision::Hold => self.held.push_back(id),
                    Decision::Refuse(why) => {
                        let counter = match why {
                            Refusal::OtherHost => &self.renderer.refused_other_host,
                            Refusal::Robots => &self.renderer.refused_robots,
                        };
                        counter.fetch_add(1, Ordering::Relaxed);
                        self.refuse(&id);
                    }
                }
            }
            "Page.loadEventFired" => {
                self.loaded.get_or_insert_with(Instant::now);
            }
            "Page.frameNavigated" => {
                let frame = &params["frame"];
                if let (Some(id), Some(url)) = (frame["id"].as_str(), frame["url"].as_str()) {
                    if frame.get("parentId").is_none() {
                        self.main_frame = Some(id.to_string());
                    }
                    self.frames.insert(id.to_string(), url.to_string());
                }
            }
            "Runtime.executionContextCreated" => {
                let context = &params["context"];
                if context["name"].as_str() == Some(WORLD) {
                    if let (Some(frame), Some(id)) = (
                        context["auxData"]["frameId"].as_str(),
                        context["id"].as_i64(),
                    ) {
                        self.worlds.insert(frame.to_string(), id);
                    }
                }
            }
            "Runtime.executionContextDestroyed" => {
                let gone = params["executionContextId"].as_i64();
                self.worlds.retain(|_, id| Some(*id) != gone);
            }
            "Runtime.executionContextsCleared" => self.worlds.clear(),
            "Page.javascriptDialogOpening" => {
                let _ = self.browser.send(
                    Some(self.session),
                    "Page.handleJavaScriptDialog",
                    json!({ "accept": false }),
                );
            }
            _ => {}
        }
    }

    fn refuse(&self, request: &str) {
        let _ = self.browser.send(
            Some(self.session),
            "Fetch.failRequest",
            json!({ "requestId": request, "errorReason": "BlockedByClient" }),
        );
    }

    fn note_request(&mut self, url: &str) {
        if !(url.starts_with("http://") || url.starts_with("https://")) || url == self.page.as_str()
        {
            return;
        }
        if self.vendor.is_none() {
            if let Some(host) = Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
            {
                if is_widget_host(&host) {
                    self.vendor = Some((host, self.began.elapsed().as_millis() as u64));
                }
            }
        }
        if self.requests.len() < REQUESTS_LISTED && !self.requests.iter().any(|u| u == url) {
            self.requests.push(url.to_string());
        }
    }

    /// The shop's own hosts under its robots.txt and delay, the chat vendors', nothing else.
    fn decide(&self, url: &str) -> Decision {
        let Ok(parsed) = Url::parse(url) else {
            return Decision::Refuse(Refusal::OtherHost);
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            return Decision::Refuse(Refusal::OtherHost);
        }
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        let own = self
            .page
            .host_str()
            .is_some_and(|h| h.eq_ignore_ascii_case(&host))
            || self
                .politeness
                .is_some_and(|p| p.hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)));
        if own {
            return match self.politeness {
                Some(p) if !p.robots.allowed(&parsed) => Decision::Refuse(Refusal::Robots),
                Some(p) if !p.delay.is_zero() => Decision::Hold,
                _ => Decision::Continue,
            };
        }
        if is_widget_host(&host) {
            return Decision::Continue;
        }
        Decision::Refuse(Refusal::OtherHost)
    }

    /// Lets the first held request go when the crawl delay since the last one has passed.
    fn release_held(&mut self) {
        let Some(delay) = self.politeness.map(|p| p.delay) else {
            return;
        };
        if self.held.is_empty() {
            return;
        }
        let mut next = lock(&self.renderer.next_shop_request);
        let now = Instant::now();
        if now < *next {
            return;
        }
        *next = now + delay;
        if let Some(request) = self.held.pop_front() {
            let _ = self.browser.send(
                Some(self.session),
                "Fetch.continueRequest",
                json!({ "requestId": request }),
            );
        }
    }

    /// Evaluates `expression` in the watching world of the top frame (the page's scripts cannot have changed what
    /// it sees of the DOM's methods), in the page's own world if that one is not there.
    fn evaluate_in_main(&self, expression: &str) -> Result<Value, String> {
        let context = self
            .main_frame
            .as_ref()
            .and_then(|f| self.worlds.get(f))
            .copied();
        self.evaluate(expression, context)
    }

    fn evaluate(&self, expression: &str, context: Option<i64>) -> Result<Value, String> {
        let mut params = json!({
            "expression": expression,
            "returnByValue": true,
            "timeout": 5000,
        });
        if let Some(context) = context {
            params["contextId"] = json!(context);
        }
        let answer = self
            .browser
            .call(Some(self.session), "Runtime.evaluate", params, ANSWER)?;
        if answer.get("exceptionDetails").is_some() {
            return Err("reading the rendered page failed".into());
        }
        Ok(answer["result"]["value"].clone())
    }

    /// The chat widget the page showed: the watching script's note, the words in the vendor's frames.
    fn widget(&self) -> Option<ChatWidgetFact> {
        let seen: Value = self
            .evaluate_in_main(
                "JSON.stringify(globalThis.__cxauditRead ? globalThis.__cxauditRead() : null)",
            )
            .ok()
            .and_then(|v| serde_json::from_str(v.as_str()?).ok())
            .unwrap_or(Value::Null);
        let mut words = vec![seen["text"].as_str().unwrap_or_default().to_string()];
        for (frame, url) in &self.frames {
            if Some(frame) == self.main_frame.as_ref() {
                continue;
            }
            let vendor = Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(is_widget_host))
                .unwrap_or(false);
            if let (true, Some(&context)) = (vendor, self.worlds.get(frame)) {
                if let Ok(text) = self.evaluate(
                    "(document.body ? document.body.innerText : '').slice(0, 600)",
                    Some(context),
                ) {
                    words.push(text.as_str().unwrap_or_default().to_string());
                }
            }
        }
        let text: String = words
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(WIDGET_TEXT_CHARS)
            .collect();
        let shown_ms = seen["shown_ms"].as_f64().map(|ms| ms.max(0.0) as u64);
        if self.vendor.is_none() && shown_ms.is_none() {
            return None;
        }
        Some(ChatWidgetFact {
            vendor_host: self.vendor.as_ref().map(|(h, _)| h.clone()),
            vendor_loaded_ms: self.vendor.as_ref().map(|(_, ms)| *ms),
            shown_ms,
            element: seen["element"].as_str().map(str::to_string),
            text,
            seen_at: crate::time::now_text(),
        })
    }
}

/// The rendered document as HTML, cut at `max` characters (read in the page like any body past its cap).
fn dom_script(max: usize) -> String {
    format!(
        "(() => {{ const d = document.doctype ? '<!DOCTYPE ' + document.doctype.name + '>' : ''; \
         const h = document.documentElement ? document.documentElement.outerHTML : ''; \
         return (d + h).slice(0, {max}); }})()"
    )
}

/// The script watching the top document, in its own world, for a chat window or button becoming visible: an
/// element whose id or class names a chat or a vendor (word by word: `btn-achat` is no chat), or a frame from a
/// vendor's host. It notes when (ms since the page began loading), which, and what it says.
fn watch_script() -> String {
    let vendors: Vec<String> = WIDGET_HOSTS
        .iter()
        .map(|h| h.trim_start_matches("*.").to_string())
        .collect();
    WATCH_SCRIPT.replace(
        "__VENDORS__",
        &serde_json::to_string(&vendors).expect("JSON serialises"),
    )
}

const WATCH_SCRIPT: &str = r##"(() => {
  if (window.top !== window) return;
  const vendors = __VENDORS__;
  const names = new Set(["chat", "livechat", "chatbot", "chatbox", "crisp", "tawk", "tidio", "intercom", "zendesk",
    "zopim", "hubspot", "gorgias", "iadvize", "idz", "drift", "olark", "smartsupp", "chatra", "userlike", "beacon",
    "freshchat", "chatwoot", "zsiq", "launcher", "messenger", "brevo"]);
  const seen = { shown_ms: null, element: null, text: "" };
  let kept = null;
  const vendorFrame = (el) => {
    if (el.tagName !== "IFRAME") return false;
    try {
      const host = new URL(el.src || "about:blank", location.href).hostname;
      return vendors.some((v) => host === v || host.endsWith("." + v));
    } catch (e) { return false; }
  };
  const named = (el) => {
    const cls = typeof el.className === "string" ? el.className : "";
    return ((el.id || "") + " " + cls).toLowerCase().split(/[^a-z0-9]+/).some((w) => names.has(w));
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 16 || r.height < 16) return false;
    const s = getComputedStyle(el);
    return s.visibility !== "hidden" && s.display !== "none" && Number(s.opacity || 1) > 0.05;
  };
  const describe = (el) => {
    if (el.tagName === "IFRAME") {
      try { return "iframe " + new URL(el.src, location.href).hostname; } catch (e) { return "iframe"; }
    }
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
  };
  const words = (el) => [el.getAttribute("aria-label"), el.getAttribute("title"), el.innerText,
    el.shadowRoot ? el.shadowRoot.textContent : ""].filter(Boolean).join(" ").slice(0, 600);
  const scan = () => {
    if (kept || !document.body) return;
    for (const el of document.body.querySelectorAll("iframe, [id], [class]")) {
      if (!(vendorFrame(el) || named(el)) || !visible(el)) continue;
      kept = el;
      seen.shown_ms = Math.round(performance.now());
      seen.element = describe(el);
      return;
    }
  };
  let queued = false;
  const later = () => { if (!queued && !kept) { queued = true; setTimeout(() => { queued = false; scan(); }, 50); } };
  new MutationObserver(later).observe(document, { childList: true, subtree: true, attributes: true });
  const timer = setInterval(() => { scan(); if (kept) clearInterval(timer); }, 250);
  globalThis.__cxauditRead = () => {
    scan();
    if (kept) seen.text = words(kept);
    return seen;
  };
})();"##;

/// A fresh browser profile, deleted after.
struct Profile(PathBuf);

impl Profile {
    fn new() -> Result<Profile, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        if NEXT.load(Ordering::Relaxed) == 0 {
            remove_orphaned_profiles();
        }
        let dir = std::env::temp_dir().join(format!(
            "cxaudit-render-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Profile(dir))
    }
}

/// Profiles left by an audit that was killed (its pid no longer runs): a browser profile is tens of megabytes.
fn remove_orphaned_profiles() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("cxaudit-render-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
