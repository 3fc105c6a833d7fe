//! The audit result: every type that goes into `audit.json`, the versioned contract between the engine and
//! everything that reads it (report, store, campaign). Serde types only; no logic beyond (de)serialisation.
//!
//! Stability: fields are only ever added. A removal or a change of meaning bumps [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod campaign;

/// Version of the `audit.json` layout. Readers refuse documents with a higher major version. Version 4 moved the
/// page facts out of `audit.json` into [`PAGE_FACTS_FILE`] beside it; versions up to 3 keep them inline.
pub const SCHEMA_VERSION: u32 = 4;

/// The companion of `audit.json` in an audit's folder: one [`PageFactsLine`] per analysed page, in the order of
/// `crawl.pages`, gzip-compressed (one gzip member per page: `zcat` and any gzip reader read it whole). What only
/// the rules and a re-judging read; `audit.json` stays small enough for a person to open.
pub const PAGE_FACTS_FILE: &str = "pages.jsonl.gz";

/// One line of [`PAGE_FACTS_FILE`]: the facts of the page record whose `url` it names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageFactsLine {
    pub url: String,
    pub facts: PageFacts,
}

/// The week's days as `audit.json` names them, Monday first.
pub const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The campaign's results as `audit.json` keeps them.
pub type CampaignResult = campaign::CampaignStatus;

/// The whole `audit.json` document.
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditResult {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub target: Target,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC.
    pub finished_at: String,
    pub crawl: CrawlReport,
    pub site: SiteFacts,
    /// One result per enabled rule, in the rule pack's order.
    #[serde(default)]
    pub checks: Vec<CheckResult>,
    #[serde(default)]
    pub scores: Scores,
    /// The mystery-shopper campaign, once `cxaudit campaign report` has written it here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<CampaignResult>,
    /// What the audit could not judge because the site builds its pages with JavaScript; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    /// The shop's earlier audits and what changed since the last one, from the history store; absent for a first
    /// audit (or one not recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<ShopHistory>,
}

/// The shop's earlier audits, as the report's "what changed" shows them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ShopHistory {
    /// Oldest first; this audit is not among them.
    pub earlier: Vec<PastAudit>,
    /// Rules whose status changed since the last audit, both judged with this audit's rule pack.
    pub changes: Vec<RuleEvolution>,
    /// The rule pack both were judged with.
    pub rule_pack: String,
    /// The last audit's page facts were no longer at hand (its folder gone): it is compared as it was judged then,
    /// with the pack of that day.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub last_as_judged_then: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PastAudit {
    pub id: i64,
    pub finished_at: String,
    pub html_pages: u64,
    pub score: Option<f64>,
    pub grade: Option<String>,
    /// Its mystery-shopper campaign, once reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<CampaignSummary>,
}

/// A campaign in a few figures, as the history lists it and the report's trend shows it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CampaignSummary {
    pub id: i64,
    /// Probes that left (sent, bounced included).
    pub sent: u32,
    /// Probes that got a human answer.
    pub answered: u32,
    /// The median delay of the human answers, in hours (none answered: none).
    pub median_human_delay_hours: Option<f64>,
    /// The slowest human answer, in hours.
    pub slowest_human_delay_hours: Option<f64>,
    /// The response time the shop promised, in hours.
    pub promise_hours: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleEvolution {
    pub id: String,
    /// `fixed` (failed or partial, passed now) or `regressed` (passed, failed or partial now).
    pub change: String,
    pub status_before: CheckStatus,
    /// The finding of the last audit, per language.
    pub finding_before: Localized,
}

/// A rule's verdict on the site.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckResult {
    /// The rule's id: its file name under `checks/rules/`, its anchor in the report.
    pub id: String,
    pub category: String,
    pub status: CheckStatus,
    /// 0..1; null when not applicable.
    pub score: Option<f64>,
    pub weight: f64,
    /// One line, in every language of the rule pack.
    pub finding: Localized,
    /// The finding as a message key and its arguments (absent in version-2 files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// From the rule file: a channel, an aggregate, a campaign rule.
    #[serde(default)]
    pub kind: RuleKind,
    /// What proves it: at most a few items.
    pub evidence: Vec<Evidence>,
    /// Detector-specific measures (counts, lists of pages lacking something, parsed values).
    #[serde(skip_serializing_if = "serde_json::Value::is_null", default)]
    pub details: serde_json::Value,
    /// The rule's own texts per language, copied from its file: the report is a pure function of this result.
    #[serde(default)]
    pub rule: RuleTexts,
    /// A pass whose evidence still lists shortcomings (two spelling mistakes under the threshold): its headline
    /// says "with reservations" rather than a clean pass.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reservations: bool,
    /// How much the rule matters, as a priority, to a shop of a given kind (from its rule file).
    #[serde(default, skip_serializing_if = "PriorityFactors::is_neutral")]
    pub priority: PriorityFactors,
    /// The consultant's judgement in force on this rule (its status above is the consultant's), or one whose
    /// evidence changed since it was given (`stale`: the status is the tool's again, and the report asks to look).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consultant: Option<ConsultantJudgement>,
}

/// A status the consultant set on a rule, with who, why and when; carried over to later audits of the shop while
/// what the rule saw stays the same.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ConsultantJudgement {
    pub status: CheckStatus,
    pub reason: String,
    pub by: String,
    /// RFC 3339.
    pub at: String,
    /// The status the rule gave itself.
    pub tool_status: CheckStatus,
    /// What the rule sees changed since the judgement: the tool's status stands until the consultant looks again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// An override of the tool's verdict, or a test the consultant made by hand (a phone call, a chat).
    #[serde(default)]
    pub kind: JudgementKind,
    /// The day a manual test was made (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tested_on: Option<String>,
    /// The file the consultant attached (a screenshot, a call log), written beside the report under this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JudgementKind {
    #[default]
    Override,
    Manual,
}

/// `https://shop.example:8080/a/b?c` → `/a/b?c`.
fn path_only(url: &str) -> &str {
    match url.find("://") {
        Some(i) => url[i + 3..]
            .find('/')
            .map(|j| &url[i + 3 + j..])
            .unwrap_or("/"),
        None => url,
    }
}

impl CheckResult {
    /// A fingerprint of what the rule saw (its finding's key and arguments, its evidence): a consultant's judgement
    /// holds while it is the same.
    pub fn evidence_fingerprint(&self) -> String {
        let seen = serde_json::json!({
            "message": self.message,
            // By path: the same shop audited from another address (a port, a staging host) saw the same.
            "evidence": self.evidence.iter().map(|e| (e.url.as_deref().map(path_only), &e.text)).collect::<Vec<_>>(),
        });
        let text = seen.to_string();
        // FNV-1a: stable across builds and platforms, enough to tell "the same" from "changed".
        let mut hash: u64 = 0xcbf29ce484222325;
        for byte in text.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x100000001b3);
        }
        format!("{hash:016x}")
    }
}

/// Factors on a failed rule's place among the priorities, by what the shop is: a workshop that takes orders by
/// phone is not first asked for payment in instalments. 1 leaves the rule's weight as it is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PriorityFactors {
    /// For a site that sells nothing online (no cart, no checkout, no payment method, no product data).
    #[serde(default = "one")]
    pub no_online_sales: f64,
    /// For a small site (under [`SMALL_SITE_PAGES`] pages): a one-person business.
    #[serde(default = "one")]
    pub small_site: f64,
}

fn one() -> f64 {
    1.0
}

impl Default for PriorityFactors {
    fn default() -> Self {
        PriorityFactors {
            no_online_sales: 1.0,
            small_site: 1.0,
        }
    }
}

impl PriorityFactors {
    fn is_neutral(&self) -> bool {
        *self == PriorityFactors::default()
    }
}

/// Below this many HTML pages, a site is a small business's.
pub const SMALL_SITE_PAGES: u64 = 30;

/// What the shop is, as far as priorities go, read from its site facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopProfile {
    pub sells_online: bool,
    pub small: bool,
}

impl ShopProfile {
    pub fn of(site: &SiteFacts) -> ShopProfile {
        let product_data = site
            .json_ld_types
            .iter()
            .any(|t| matches!(t.name.as_str(), "Product" | "Offer" | "ProductGroup"));
        ShopProfile {
            sells_online: site.key_pages.cart.is_some()
                || site.key_pages.checkout.is_some()
                || !site.payment_methods.is_empty()
                || product_data,
            small: site.html_pages < SMALL_SITE_PAGES,
        }
    }
}

/// The consultant's hand on the priorities (`notes.toml` beside `audit.json`): a rule put at a rank, dropped, or
/// annotated; the report shows the note with the rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConsultantNotes {
    #[serde(default, rename = "priority")]
    pub priorities: Vec<PriorityNote>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PriorityNote {
    /// The rule's id.
    pub rule: String,
    /// 1 is the first priority; rules given a rank come first, in rank order.
    #[serde(default)]
    pub rank: Option<u32>,
    /// Left out of the priorities (still in its category).
    #[serde(default)]
    pub drop: bool,
    /// Shown with the rule, as the consultant's.
    #[serde(default)]
    pub note: Option<String>,
}

/// A rule's texts, by language (`fr`, `en`...).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RuleTexts {
    /// A short noun for lists and tables ("formulaire de contact"); empty when the rule has none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub name: BTreeMap<String, String>,
    pub title: BTreeMap<String, String>,
    pub failure_title: BTreeMap<String, String>,
    /// The headline of a partial result: what is there and what is missing ("Des horaires, mais pas le samedi").
    /// Empty when the rule file has none: the report then says the title "en partie".
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub partial_title: BTreeMap<String, String>,
    pub why: BTreeMap<String, String>,
    pub fix: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reference: Option<String>,
}

/// A text in every language the rule pack speaks: `{"fr": "…", "en": "…", "de": "…"}`. A version-2 file's
/// `{en, fr}` pairs read as the same map.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    /// A name that reads the same in every language (a brand), under the key `*` until it is spread over the
    /// pack's languages by [`same_in`].
    pub fn same(text: &str) -> Self {
        Localized(BTreeMap::from([("*".to_string(), text.to_string())]))
    }

    /// The text in `lang`, else English, else French, else any.
    pub fn get(&self, lang: &str) -> &str {
        self.0
            .get(lang)
            .or_else(|| self.0.get("*"))
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.get("fr"))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or_default()
    }
}

impl FromIterator<(String, String)> for Localized {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(items: I) -> Self {
        Localized(items.into_iter().collect())
    }
}

/// One text in each of `languages`.
pub fn same_in(languages: &[String], text: &str) -> Localized {
    Localized(
        languages
            .iter()
            .map(|l| (l.clone(), text.to_string()))
            .collect(),
    )
}

/// A message of the rule pack's catalogue (`checks/messages/<lang>.toml`) with its arguments: what a finding says,
/// kept beside its rendered texts so that a report in a language added later can word it again.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub key: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, serde_json::Value>,
}

/// What kind of rule it is, for the code that treats kinds apart (a field of the rule file, never its id).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    #[default]
    Plain,
    /// A way to reach the shop: listed in the report's channels table, counted by the aggregate.
    Channel,
    /// Reads the other rules' results: judged after them.
    Aggregate,
    /// Judges the mystery-shopper campaign's replies: not applicable until a campaign is reported.
    Campaign,
    /// Only a person can judge it (a phone call, a chat): not tested until the consultant records a manual test.
    Manual,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Partial,
    Fail,
    NotApplicable,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<Region>,
    /// What the tool says this item shows ("no phone number on this page"), when the quoted text alone does not.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<Localized>,
    /// The text or attribute that proves it, as found on the site.
    pub text: String,
}

/// Scores 0–100, weighted as the rule files say (Lighthouse's weighted mean; not-applicable rules left out).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Scores {
    /// Null when no weighted rule applied.
    pub overall: Option<f64>,
    pub grade: Option<String>,
    pub categories: Vec<CategoryScore>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CategoryScore {
    pub id: String,
    /// The category's name per language, from `categories.toml`.
    #[serde(default)]
    pub title: BTreeMap<String, String>,
    pub score: Option<f64>,
    pub passed: u32,
    pub partial: u32,
    pub failed: u32,
    pub not_applicable: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
    pub user_agent: String,
}

/// What was audited, and the country / language the rules will judge it by.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub start_url: String,
    /// Where the start URL led after redirects.
    pub final_url: String,
    pub host: String,
    /// ISO 3166-1 alpha-2, upper case (`FR`, `BE`), when known.
    pub country: Option<Guess>,
    /// BCP 47 primary language (`fr`, `en`), when known.
    pub lang: Option<Guess>,
    /// The `lang` attribute of the home page, as written.
    pub html_lang: Option<String>,
    /// The home page's `<title>`, so a report names the shop as its client knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_title: Option<String>,
    /// `<link rel="alternate" hreflang>` of the home page.
    pub hreflang: Vec<Hreflang>,
    /// Calling codes a local number of this country starts with (`+33`, and `+262`... for France's overseas).
    pub phone_prefixes: Vec<String>,
    /// The countries the evidence left open when it could not settle on one (national numbers valid in France and
    /// Morocco, no currency to tell): the report says the country is uncertain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub country_candidates: Vec<String>,
}

/// A guessed value and how it was found, so a reader can tell a flag from a heuristic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Guess {
    pub value: String,
    /// `flag`, `tld`, `html-lang`, `hreflang`, `phone` (the country the site's numbers validate in), `address` (the
    /// shop's postal address), `currency` (a currency of one country in the prices), `country` (a language from the
    /// country).
    pub source: String,
    /// How far the source can be trusted: `stated` (the consultant's flag), `strong` (the domain, a `lang` or
    /// `hreflang` region), `inferred` (what the pages show), `weak` (a bare language). Files without it: `strong`.
    #[serde(default = "strong")]
    pub confidence: String,
}

fn strong() -> String {
    "strong".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Hreflang {
    pub lang: String,
    pub href: String,
}

/// Everything about the crawl itself: how it was run, what it fetched, what it left alone.
#[derive(Debug, Serialize, Deserialize)]
pub struct CrawlReport {
    pub settings: CrawlSettingsReport,
    pub counts: CrawlCounts,
    pub robots: RobotsReport,
    pub sitemaps: Vec<SitemapReport>,
    /// One entry per fetched URL, in the order the fetches finished. `audit.json` writes this array first in
    /// `crawl` (pages are streamed to the file as they are read); readers must not rely on key order.
    pub pages: Vec<PageRecord>,
    /// URLs seen but not fetched, with the reason. Capped per reason; `counts.skipped_by_reason` has the totals.
    pub skipped: Vec<SkippedUrl>,
    /// Internal links that ended in an error (4xx, 5xx, network), with the pages that link to them.
    pub broken_links: Vec<BrokenLink>,
    /// Every redirect chain met, from the first URL to where it ended.
    pub redirects: Vec<RedirectChain>,
    /// Pages rendered in headless Chromium (`--render`); absent in audits before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendering: Option<RenderingReport>,
}

/// What rendering did: the mode asked, the browser found, the pages rendered, failed, or left static past the cap.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RenderingReport {
    /// `auto`, `always` or `never`.
    pub mode: String,
    /// The browser run; none when it is not installed (then nothing was rendered).
    pub browser: Option<String>,
    pub rendered_pages: u64,
    pub failed_pages: u64,
    /// Pages that wanted rendering past the cap, read as served.
    pub capped_pages: u64,
    /// The home and contact pages as Chromium showed them: evidence the report shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screenshots: Vec<Screenshot>,
    /// The pages read from their rendering (at most the cap): evidence found there is said to be.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages: Vec<String>,
    /// What rendered pages asked for and were refused: another host than the shop's or a chat vendor's, a path
    /// robots.txt disallows, or the page's time over before its turn under the crawl delay.
    #[serde(default, skip_serializing_if = "RequestsRefused::is_empty")]
    pub refused: RequestsRefused,
}

/// Requests of rendered pages that were not let through, by reason.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RequestsRefused {
    pub other_host: u64,
    pub robots: u64,
    pub out_of_time: u64,
}

impl RequestsRefused {
    pub fn is_empty(&self) -> bool {
        self.other_host + self.robots + self.out_of_time == 0
    }
}

/// A page as Chromium showed it, written beside the report and kept here for the report to embed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Screenshot {
    pub url: String,
    /// Its file in the audit's folder (`screenshot-home.png`).
    pub file: String,
    /// `data:image/png;base64,…`: the report needs nothing beside it.
    pub data_uri: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrawlSettingsReport {
    pub max_pages: usize,
    pub max_depth: u32,
    pub concurrency: usize,
    pub delay_ms: u64,
    pub effective_delay_ms: u64,
    pub timeout_secs: u64,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub use_sitemaps: bool,
    pub scope_hosts: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CrawlCounts {
    /// Requests sent, redirect hops, robots.txt and sitemaps included.
    pub requests: u64,
    /// Entries in `pages[]`.
    pub pages: u64,
    /// Pages that answered 2xx with HTML and were analysed.
    pub html_pages: u64,
    pub errors: u64,
    pub redirects: u64,
    pub not_html: u64,
    pub skipped: u64,
    pub by_status: BTreeMap<String, u64>,
    pub skipped_by_reason: BTreeMap<String, u64>,
    pub max_depth_seen: u32,
    /// Pages listed only in a sitemap, unreachable by links from the start page.
    pub sitemap_only: u64,
    pub bytes: u64,
    pub duration_ms: u64,
}

/// The longest pause between two requests an audit accepts, from robots.txt or a flag: one request a day would be no
/// audit, and a longer wait than this reads to a user as a hang.
pub const MAX_CRAWL_DELAY_SECS: u64 = 30;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RobotsReport {
    pub url: String,
    /// HTTP status of robots.txt; `None` when it could not be fetched.
    pub status: Option<u16>,
    /// `Crawl-delay` for our user agent, in seconds, as applied: at most [`MAX_CRAWL_DELAY_SECS`].
    pub crawl_delay_secs: Option<f64>,
    /// The `Crawl-delay` robots.txt asked for, when it was not applied as is (above the ceiling, or not a number of
    /// seconds a crawl can wait): the report says so among its limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawl_delay_asked: Option<String>,
    pub sitemaps: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SitemapReport {
    pub url: String,
    pub status: Option<u16>,
    /// `urlset` or `sitemapindex`.
    pub kind: Option<String>,
    /// Page URLs it listed (before scope and robots filtering).
    pub urls: u64,
    pub error: Option<String>,
}

/// How a URL entered the frontier.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Discovery {
    Start,
    Link,
    Sitemap,
}

/// One fetched URL: where it went, what came back, and the facts of its HTML.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageRecord {
    pub url: String,
    pub final_url: String,
    pub status: Option<u16>,
    /// Clicks from the start page; `None` for pages reached only through a sitemap.
    pub depth: Option<u32>,
    pub discovered_by: Discovery,
    pub content_type: Option<String>,
    /// Encoding the body was decoded with, and where that came from.
    pub charset: Option<Charset>,
    pub bytes: u64,
    pub elapsed_ms: u64,
    /// Redirect hops before `final_url`, in order.
    pub redirects: Vec<RedirectHop>,
    pub error: Option<FetchError>,
    /// The page was analysed: its facts are a line of [`PAGE_FACTS_FILE`] (schema 4 on).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub analysed: bool,
    /// The facts of its HTML: inline in files up to schema 3; in memory only once read from [`PAGE_FACTS_FILE`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<Box<PageFacts>>,
}

impl PageRecord {
    /// An HTML page that was analysed, whether its facts are inline (schema ≤ 3) or in the companion file.
    pub fn has_facts(&self) -> bool {
        self.analysed || self.facts.is_some()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Charset {
    /// WHATWG name (`UTF-8`, `windows-1252`, `ISO-8859-15`).
    pub name: String,
    /// `bom`, `http-header`, `meta`, `utf8-valid`, `fallback`.
    pub source: String,
    /// The bytes held sequences invalid in that encoding (replaced by U+FFFD).
    pub had_errors: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RedirectHop {
    pub url: String,
    pub status: u16,
    pub location: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RedirectChain {
    pub from: String,
    pub to: String,
    pub hops: Vec<RedirectHop>,
    /// Set when the chain did not reach a page (loop, too long, out of scope).
    pub error: Option<FetchError>,
}

/// Why a fetch failed, for machines (`kind`) and people (`message`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FetchError {
    pub kind: FetchErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum FetchErrorKind {
    Dns,
    Connect,
    Tls,
    Timeout,
    HttpStatus,
    TooLarge,
    RedirectLoop,
    TooManyRedirects,
    RedirectOutOfScope,
    NotHtml,
    /// The body was cut short (the connection dropped, or a decoding error mid-way).
    Body,
    InvalidUrl,
    Other,
    /// A body that could not be read as text: binary data labelled HTML, or a `Content-Encoding` cxaudit cannot
    /// decode. Not analysed.
    Unreadable,
    /// Markup so deeply nested (or so tangled) that parsing it took longer than a page may: only its beginning
    /// was read.
    TooDeeplyNested,
    /// The host resolves to (or the URL names) a loopback, private or link-local address, which an audit of a
    /// public shop never needs: refused unless the user allows private addresses.
    PrivateAddress,
    /// A request to a host outside the audit's scope (an off-host sitemap), listed and not fetched.
    OutOfScope,
}

impl FetchErrorKind {
    /// A page with this error was read only in part: it is analysed, but counts neither for nor against the
    /// rules about every page.
    pub fn partly_read(self) -> bool {
        matches!(
            self,
            FetchErrorKind::TooLarge | FetchErrorKind::Body | FetchErrorKind::TooDeeplyNested
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SkippedUrl {
    pub url: String,
    pub reason: SkipReason,
    /// The first page that linked to it, if any.
    pub found_on: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    RobotsTxt,
    MaxPages,
    MaxDepth,
    UrlTooLong,
    RepeatedPathSegments,
    TooManyQueryVariants,
    TooManySimilarUrls,
    CalendarTrap,
    StaticAsset,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::RobotsTxt => "robots-txt",
            SkipReason::MaxPages => "max-pages",
            SkipReason::MaxDepth => "max-depth",
            SkipReason::UrlTooLong => "url-too-long",
            SkipReason::RepeatedPathSegments => "repeated-path-segments",
            SkipReason::TooManyQueryVariants => "too-many-query-variants",
            SkipReason::TooManySimilarUrls => "too-many-similar-urls",
            SkipReason::CalendarTrap => "calendar-trap",
            SkipReason::StaticAsset => "static-asset",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BrokenLink {
    pub url: String,
    pub status: Option<u16>,
    pub error: FetchError,
    /// Up to ten pages that link to it.
    pub linked_from: Vec<String>,
    /// How many links pointed to it in all (pages may link more than once).
    pub inbound_links: u64,
}

/// The page facts: what one HTML document says, kept as plain data so the DOM can be dropped.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PageFacts {
    pub title: Option<String>,
    pub lang: Option<String>,
    pub canonical: Option<String>,
    pub meta_description: Option<String>,
    pub meta_robots: Option<String>,
    pub hreflang: Vec<Hreflang>,
    /// Visible text per region. Hidden elements, scripts and styles are left out.
    pub text: RegionTexts,
    pub links: Vec<LinkFact>,
    pub forms: Vec<FormFact>,
    pub scripts: Vec<ScriptFact>,
    pub inline_scripts: Vec<InlineScriptFact>,
    pub iframes: Vec<IframeFact>,
    pub images: Vec<ImageFact>,
    /// Parsed `application/ld+json` blocks, as written.
    pub json_ld: Vec<serde_json::Value>,
    /// JSON-LD blocks that were not valid JSON, with the parser's message.
    pub json_ld_errors: Vec<String>,
    pub candidates: Candidates,
    /// Text of `<template>` elements, which scripts stamp into the page (a footer, a contact block).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub template_text: String,
    /// Element ids and classes naming an interactive widget (`chat-window`, `chatbot-launcher`): the structure of a
    /// chat built into the site, which no vendor's script names. A few per page.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub widgets: Vec<String>,
    /// WhatsApp numbers an inline script holds (`wa.me/33612345678`, `whatsappNumber: "212652563924"`): a button
    /// whose number is set by script still reaches the shop. Digits, a few.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub script_whatsapp: Vec<String>,
    /// Signs that scripts write what a browser would show (see [`Scripting`]); absent when there are none.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scripting: Option<Scripting>,
    /// Read from the document headless Chromium rendered (its scripts ran), not from the HTML as served.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub rendered: bool,
    /// A chat widget seen while the page rendered: when it loaded and showed, and what it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<ChatWidgetFact>,
}

/// A chat window or button as the rendered page showed it. Times count from the moment the page began loading.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChatWidgetFact {
    /// The first chat vendor's host the page loaded from, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_loaded_ms: Option<u64>,
    /// When a chat window or button became visible, and which (`iframe widget.intercom.io`, `div#chat-launcher`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// The words it showed (its button's label, its window's text), whitespace collapsed, at most 400 characters:
    /// what says "online" or "leave us a message".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// When it was seen (RFC 3339): whether the shop was open then is judged against its stated hours.
    pub seen_at: String,
}

/// Page regions, found by semantic tags, ARIA roles and common id/class names.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Region {
    Header,
    Navigation,
    Main,
    Aside,
    Footer,
}

impl Region {
    pub const ALL: [Region; 5] = [
        Region::Header,
        Region::Navigation,
        Region::Main,
        Region::Aside,
        Region::Footer,
    ];
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegionTexts {
    pub header: String,
    pub navigation: String,
    pub main: String,
    pub aside: String,
    pub footer: String,
}

impl RegionTexts {
    pub fn get(&self, region: Region) -> &str {
        match region {
            Region::Header => &self.header,
            Region::Navigation => &self.navigation,
            Region::Main => &self.main,
            Region::Aside => &self.aside,
            Region::Footer => &self.footer,
        }
    }

    pub fn get_mut(&mut self, region: Region) -> &mut String {
        match region {
            Region::Header => &mut self.header,
            Region::Navigation => &mut self.navigation,
            Region::Main => &mut self.main,
            Region::Aside => &mut self.aside,
            Region::Footer => &mut self.footer,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkFact {
    /// Absolute URL (normalised for internal links), or the raw `tel:` / `mailto:` value.
    pub href: String,
    pub text: String,
    pub region: Region,
    pub kind: LinkKind,
    /// `title` or `aria-label`, when the anchor text alone says little (icons).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub label: Option<String>,
    /// Inside a hidden element (a closed dropdown, a `display:none` block): followable, but not on view.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub hidden: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    Internal,
    External,
    Tel,
    Mailto,
    Sms,
    /// WhatsApp, Messenger, Telegram, Viber, Signal...
    Messaging,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FormFact {
    pub method: String,
    pub action: Option<String>,
    pub region: Region,
    pub id: Option<String>,
    pub fields: Vec<FieldFact>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FieldFact {
    /// `input`, `select`, `textarea`, `button`.
    pub tag: String,
    /// The `type` attribute for inputs and buttons.
    pub field_type: Option<String>,
    pub name: Option<String>,
    pub label: Option<String>,
    pub placeholder: Option<String>,
    pub required: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScriptFact {
    pub src: String,
    pub host: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InlineScriptFact {
    /// The first characters, whitespace collapsed: enough to recognise a vendor snippet.
    pub fingerprint: String,
    pub bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IframeFact {
    pub src: String,
    pub host: Option<String>,
    pub title: Option<String>,
    pub region: Region,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageFact {
    pub alt: Option<String>,
    pub file_name: Option<String>,
    pub title: Option<String>,
    pub region: Region,
}

/// Raw strings the rules will classify: nothing here is judged yet.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Candidates {
    pub phones: Vec<PhoneCandidate>,
    pub emails: Vec<EmailCandidate>,
    pub postcodes: Vec<PostcodeCandidate>,
    /// Postal addresses read in the visible text and the JSON-LD `PostalAddress`es, a few per page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<AddressCandidate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PhoneCandidate {
    /// As written on the page.
    pub raw: String,
    /// Digits, with a leading `+` when the number was written internationally.
    pub digits: String,
    pub region: Region,
    pub source: CandidateSource,
    /// A few words written just before the number ("Tél :", "SIRET", "ex :"), for the rules to judge.
    pub context: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum CandidateSource {
    /// Visible text.
    Text,
    /// A `tel:` / `mailto:` link target.
    Link,
    /// An obfuscated form such as `contact [at] shop [dot] fr` or a Cloudflare-protected address.
    Obfuscated,
    /// An image's `alt` text (a number drawn in a banner).
    ImageAlt,
    /// A `<template>` that scripts stamp into the page (a footer).
    Template,
    /// schema.org data (JSON-LD): declared for machines, not necessarily shown.
    StructuredData,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmailCandidate {
    /// Lower-cased address.
    pub address: String,
    pub region: Region,
    pub source: CandidateSource,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PostcodeCandidate {
    pub code: String,
    /// The words after the code (usually the town).
    pub locality: String,
    pub region: Region,
}

/// Facts about the whole site, aggregated from its pages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SiteFacts {
    /// Every phone number shown, grouped by number.
    pub phones: Vec<SitePhone>,
    pub emails: Vec<SiteEmail>,
    /// HTML pages analysed, and how many of them show a phone number in their visible text.
    pub html_pages: u64,
    pub pages_showing_phone: u64,
    /// HTML pages (final URLs) whose visible text shows no phone number.
    pub pages_without_phone: Vec<String>,
    /// HTML pages read only in part (cut at the size limit or by the server, nesting too deep to parse): in
    /// neither list above, so a page the audit could not read whole counts neither for nor against the shop.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pages_partly_read: Vec<String>,
    /// The key pages: the best candidate of each kind, or null.
    pub key_pages: KeyPages,
    /// Probable key pages by kind (`contact`, `faq`, `legal-notice`, `terms`, `privacy`, `delivery`, `returns`,
    /// `order-tracking`, `payment`, `about`, `cart`...), best first, with how each was recognised.
    pub key_page_candidates: BTreeMap<String, Vec<KeyPageCandidate>>,
    pub social: Vec<OutboundProfile>,
    pub messaging: Vec<OutboundProfile>,
    /// Hosts of third-party scripts, with the number of pages that load them.
    pub script_hosts: Vec<HostCount>,
    pub iframe_hosts: Vec<HostCount>,
    /// Outbound (other-host) link hosts.
    pub outbound_hosts: Vec<HostCount>,
    /// schema.org `@type`s seen in JSON-LD, with page counts.
    pub json_ld_types: Vec<HostCount>,
    pub postcodes: Vec<SitePostcode>,
    /// Numbers and addresses shown on the site that belong to other bodies (a regulator, the host, a mediator).
    pub other_phones: Vec<SitePhone>,
    pub other_emails: Vec<SiteEmail>,
    pub payment_methods: Vec<NamedSignal>,
    pub delivery_options: Vec<NamedSignal>,
    pub chat_widgets: Vec<NamedSignal>,
    pub response_time_promise: Option<ResponsePromise>,
    pub opening_hours: Option<OpeningHours>,
    /// The shop's postal addresses, grouped by street, postcode and town, most shown first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<SiteAddress>,
    /// Addresses of other bodies shown on the site (the host, the regulator, the mediator).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_addresses: Vec<SiteAddress>,
    /// The site builds its pages with JavaScript: what a crawler without a browser could not see. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_built: Option<ScriptBuilt>,
}

/// The key page of each kind the rules use: the best candidate (reached, not an error), or null.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyPages {
    pub contact: Option<String>,
    pub faq: Option<String>,
    pub legal_notice: Option<String>,
    pub terms: Option<String>,
    pub delivery: Option<String>,
    pub returns: Option<String>,
    pub privacy: Option<String>,
    pub order_tracking: Option<String>,
    pub payment: Option<String>,
    pub about: Option<String>,
    pub cart: Option<String>,
    pub checkout: Option<String>,
}

impl KeyPages {
    /// The page of a kind named as in `key-pages.toml` (`legal-notice`).
    pub fn get(&self, kind: &str) -> Option<&str> {
        match kind {
            "contact" => self.contact.as_deref(),
            "faq" => self.faq.as_deref(),
            "legal-notice" => self.legal_notice.as_deref(),
            "terms" => self.terms.as_deref(),
            "delivery" => self.delivery.as_deref(),
            "returns" => self.returns.as_deref(),
            "privacy" => self.privacy.as_deref(),
            "order-tracking" => self.order_tracking.as_deref(),
            "payment" => self.payment.as_deref(),
            "about" => self.about.as_deref(),
            "cart" => self.cart.as_deref(),
            "checkout" => self.checkout.as_deref(),
            _ => None,
        }
    }

    pub fn set(&mut self, kind: &str, url: Option<String>) {
        let slot = match kind {
            "contact" => &mut self.contact,
            "faq" => &mut self.faq,
            "legal-notice" => &mut self.legal_notice,
            "terms" => &mut self.terms,
            "delivery" => &mut self.delivery,
            "returns" => &mut self.returns,
            "privacy" => &mut self.privacy,
            "order-tracking" => &mut self.order_tracking,
            "payment" => &mut self.payment,
            "about" => &mut self.about,
            "cart" => &mut self.cart,
            "checkout" => &mut self.checkout,
            _ => return,
        };
        *slot = url;
    }
}

/// A payment method, delivery option or chat vendor seen on the site.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NamedSignal {
    /// The term's name in its rule file (`paypal`, `colissimo`, `crisp`).
    pub name: String,
    /// Per language; a version-2 file's single English label reads as the same text in every language.
    #[serde(deserialize_with = "label_or_texts")]
    pub label: Localized,
    pub page_count: u64,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResponsePromise {
    pub text: String,
    pub hours: f64,
    pub business_hours: bool,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OpeningHours {
    /// `monday` … `sunday` → ranges such as `09:00-18:00`; closed days are empty.
    pub week: BTreeMap<String, Vec<String>>,
    pub text: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SitePhone {
    /// E.164 when the number validates (for the target country, or as written internationally); empty otherwise:
    /// a string that does not validate is no phone number, whatever its digits.
    pub e164: String,
    /// The digits as read (the national form of a number that did not validate).
    #[serde(default)]
    pub digits: String,
    pub valid: bool,
    /// libphonenumber's type (`fixed-line`, `mobile`, `toll-free`, `premium-rate`, `shared-cost`...).
    #[serde(rename = "type")]
    pub number_type: Option<String>,
    /// The country the number belongs to (ISO code), from its calling code.
    pub country: Option<String>,
    /// The calling code, such as `33`.
    pub calling_code: Option<u16>,
    /// The forms it was written in.
    pub written: Vec<String>,
    /// Pages whose visible text shows it (final URLs, capped at 50; see `page_count`).
    pub pages: Vec<String>,
    pub page_count: u64,
    pub regions: Vec<Region>,
    /// Pages where it is only a `tel:` link target.
    pub tel_link_pages: u64,
    /// Words written before it, a few distinct ones.
    pub contexts: Vec<String>,
}

/// The rules to fix first, as the report and the terminal both list them: failed or partial rules weighing 1 or
/// more, by the score they lose weighed by what the shop is (its rule file's `[priority]` factors), then the
/// consultant's ranks and drops; at most `max`.
pub fn priorities<'a>(
    checks: &'a [CheckResult],
    profile: ShopProfile,
    notes: &ConsultantNotes,
    max: usize,
) -> Vec<&'a CheckResult> {
    let note = |id: &str| notes.priorities.iter().find(|n| n.rule == id);
    let mut failing: Vec<&CheckResult> = checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Partial) && c.weight >= 1.0)
        .filter(|c| !note(&c.id).is_some_and(|n| n.drop))
        .collect();
    let weighed = |c: &CheckResult| {
        let mut lost = c.weight * (1.0 - c.score.unwrap_or(1.0));
        if !profile.sells_online {
            lost *= c.priority.no_online_sales;
        }
        if profile.small {
            lost *= c.priority.small_site;
        }
        lost
    };
    let rank = |c: &CheckResult| note(&c.id).and_then(|n| n.rank).unwrap_or(u32::MAX);
    failing.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(weighed(b).total_cmp(&weighed(a)))
            .then(a.id.cmp(&b.id))
    });
    failing.truncate(max);
    failing
}

impl SitePhone {
    /// The E.164 form when the number validated, otherwise its digits: what tells two numbers apart.
    pub fn number(&self) -> &str {
        if self.e164.is_empty() {
            &self.digits
        } else {
            &self.e164
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SiteEmail {
    pub address: String,
    pub pages: Vec<String>,
    pub page_count: u64,
    pub sources: Vec<CandidateSource>,
    pub regions: Vec<Region>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KeyPageCandidate {
    pub url: String,
    /// Anchor texts that pointed to it, a few distinct ones.
    pub link_texts: Vec<String>,
    /// Pages linking to it with a matching text or URL.
    pub linked_from_pages: u64,
    /// `link-text`, `url`, `title`.
    pub matched_by: Vec<String>,
    /// Click depth when it was crawled.
    pub depth: Option<u32>,
    pub status: Option<u16>,
    /// Linked from the start page.
    pub linked_from_home: bool,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboundProfile {
    /// `facebook`, `instagram`, `whatsapp`...
    pub network: String,
    pub url: String,
    pub page_count: u64,
    /// Declared only in the pages' structured data (schema.org `sameAs`), never linked where a customer sees it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub structured_data_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HostCount {
    pub name: String,
    pub page_count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SitePostcode {
    pub code: String,
    pub locality: String,
    pub page_count: u64,
}

/// A postal address as a page shows it: its parts as written. Absent parts are left out of `audit.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AddressCandidate {
    /// The street line ("17b impasse des Lilas", "Chemin des Vignes 14a").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// "BP 123", "CS 70001", "P.O. Box 45".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_box: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cedex: bool,
    /// ISO code the page writes (a country name, a postcode prefix, a format only one country uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub region: Region,
    pub source: CandidateSource,
    /// Words written just before it ("Hébergeur :", "Siège social"), for the site facts to say whose it is.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub context: String,
}

/// One postal address of the site, its written forms grouped.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SiteAddress {
    /// The address on one line, as first written ("12 rue des Abeilles, 69002 Lyon").
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_box: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
    /// ISO code: written, else the site's when the postcode's format fits it, else France when the official base
    /// has the pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The postcode against the town: `match` (the official base has the pair), `mismatch` (it has the postcode
    /// with other towns, or no such code exists: kept, with less confidence), `unchecked` (format only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode_check: Option<String>,
    /// Pages that show it (final URLs, capped at 50; see `page_count`).
    pub pages: Vec<String>,
    pub page_count: u64,
    pub regions: Vec<Region>,
    pub sources: Vec<CandidateSource>,
}

/// A version-2 label (one string) or a version-3 one (per language).
fn label_or_texts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Localized, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Label {
        One(String),
        PerLanguage(BTreeMap<String, String>),
    }
    Ok(match Label::deserialize(d)? {
        Label::One(text) => Localized::same(&text),
        Label::PerLanguage(map) => Localized(map),
    })
}

/// What a page leaves to its scripts, as read from its HTML alone: signs that a browser running them would show
/// more (a navigation, a footer, a phone number) than the crawler saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Scripting {
    /// Ids (or tags) of application mount points left empty for a script to fill: `root`, `app`, `app-root`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub empty_mounts: Vec<String>,
    /// A `<noscript>` asks the visitor to turn JavaScript on.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub noscript_asks_js: bool,
    /// Elements that lead to a page only by script (`onclick="location.href=…"`, `data-href`, router links
    /// without `href`).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub script_links: u32,
    /// A few of their targets, as written.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub script_link_targets: Vec<String>,
    /// Links written by inline scripts (`href=` in a template string, `createElement('a')`).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub links_in_scripts: u32,
    /// Empty elements whose id or class names a region or a fact (`site-footer`, `phone`): tokens, a few.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub empty_named: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The site-level verdict on pages built by scripts: why it is held to be built with JavaScript, and what shows it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScriptBuilt {
    /// The home page links to no other page in its HTML; its links are made by scripts.
    pub home_reaches_nothing: bool,
    /// HTML pages whose content (or navigation and footer) is written by scripts, of `html_pages`.
    pub script_built_pages: u64,
    pub html_pages: u64,
    /// A few of those pages, each with the signs read on it (`empty-mount:root`, `empty:site-footer`,
    /// `noscript-asks-javascript`, `script-links:4`, `links-in-scripts:12`, `text-bytes:80`).
    pub pages: Vec<ScriptBuiltPage>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScriptBuiltPage {
    pub url: String,
    pub signs: Vec<String>,
}

/// The consequence for the judgment of a site built with JavaScript: the rules whose evidence may sit in what
/// scripts write are not applicable rather than failed, and the grade rests on the rules that could be judged.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Coverage {
    /// `script-built`: the site builds its pages with JavaScript (see `site.script_built`).
    pub reason: String,
    /// Rules set to not applicable for it (their finding says why).
    pub unjudged_rules: Vec<String>,
    /// Rules judged (pass, partial or fail), of the rules that judge the site (campaign rules left out).
    pub judged_rules: u32,
    pub total_rules: u32,
    /// The score and grade rest on what could be seen: provisional.
    pub grade_provisional: bool,
    /// The rules judged weigh less than half of all: no score nor grade is given (`scores.overall` is null).
    #[serde(default)]
    pub score_withheld: bool,
}
