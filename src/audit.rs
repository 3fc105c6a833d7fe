//! The audit as two library calls, like Lighthouse's gather (`-G`) and audit (`-A`): [`run`] gathers a shop
//! (crawl → page records streamed into `audit.json`, page facts into its companion [`PAGE_FACTS_FILE`] → site
//! facts) then judges it; [`rejudge`] judges a stored audit again, with no network, from the page facts it keeps.
//! Both derive what the rules read from the same page facts in the same order through [`SiteGatherer`], so a
//! rejudge gives what a fresh audit with that pack gives. [`write_result`] is the one writer of `audit.json`.
//! Nothing here renders or sends.

pub mod pages;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use url::Url;

use crate::crawl::{self, Analyzed, CrawlSettings, FetchedPage, PageHandler, Progress};
use crate::facts::observations::{self, SiteObservations};
use crate::facts::observe::{self, PageObservation};
use crate::facts::readers::Readers;
use crate::facts::{page, scripted, site};
pub use crate::result::PAGE_FACTS_FILE;
use crate::result::{
    AuditResult, CampaignResult, CheckStatus, CrawlReport, CrawlSettingsReport, Discovery,
    PageFacts, PageRecord, RuleKind, SiteFacts, Target, ToolInfo, SCHEMA_VERSION,
};
use crate::rules::pack::Checks;
use crate::rules::{self, Judged};
use crate::target::{self, TargetInput};

/// What to audit and how.
pub struct AuditOptions {
    pub start: Url,
    pub crawl: CrawlSettings,
    /// ISO country code forced by the consultant (`--country`).
    pub country: Option<String>,
    /// Language forced by the consultant (`--lang`).
    pub lang: Option<String>,
    /// The rule pack (bundled, or `--checks DIR`).
    pub checks: Arc<Checks>,
    /// Where `audit.json` goes. Created if missing.
    pub out_dir: PathBuf,
    /// When pages are rendered in Chromium (`--render`).
    pub render: crate::render::RenderMode,
    /// The browser that renders them; none with `never`, or when none is installed (said in the report).
    pub renderer: Option<Arc<crate::render::Renderer>>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Crawl(#[from] crawl::CrawlError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Read(String),
    /// A stored audit whose page facts are not at hand (a history store's copy, a folder without its companion):
    /// it can be read as it was judged, not judged again.
    #[error("{0}")]
    NoPageFacts(String),
}

/// The written audit: its result (with `pages` left empty: they are in the files) and where it is.
pub struct AuditOutput {
    pub result: AuditResult,
    pub json_path: PathBuf,
}

/// What one page gives the site: its contribution to the site facts and what the pack's readers saw on it.
pub struct Derived {
    summary: site::PageSummary,
    observation: PageObservation,
    scripted: scripted::PageView,
}

/// Derives a page's contribution from its facts alone: the fresh audit and `rejudge` both call this.
pub fn derive(facts: &PageFacts, url: &Url, depth: Option<u32>, readers: &Readers) -> Derived {
    Derived {
        summary: site::summarize(facts, url, readers),
        observation: observe::observe(facts, url, depth, readers),
        scripted: scripted::view(facts, url),
    }
}

/// Accumulates the pages in crawl order into what the judge reads.
pub struct SiteGatherer {
    builder: site::SiteFactsBuilder,
    observations: SiteObservations,
    scripted: scripted::Builder,
}

/// The site as gathered: the target, its facts and the merged page observations.
pub struct Gathered {
    pub target: Target,
    pub site: SiteFacts,
    pub observations: SiteObservations,
}

/// Where the audit started and what the consultant forced.
pub struct Origin<'a> {
    pub start_url: &'a Url,
    pub final_url: &'a Url,
    pub country_flag: Option<&'a str>,
    pub lang_flag: Option<&'a str>,
}

impl SiteGatherer {
    pub fn new(readers: &Readers) -> SiteGatherer {
        SiteGatherer {
            builder: site::SiteFactsBuilder::new(&readers.lexicon),
            observations: SiteObservations::new(readers),
            scripted: scripted::Builder::default(),
        }
    }

    /// Adds one finished URL (errors and redirects too), with what its page gave when it was an HTML page.
    pub fn add(&mut self, record: &PageRecord, derived: Option<Derived>) {
        self.builder.add_record(record);
        if let Some(derived) = derived {
            let is_start = record.discovered_by == Discovery::Start;
            self.scripted.add(&derived.scripted, is_start);
            self.builder.add_page(record, derived.summary);
            self.observations.add(
                &record.final_url,
                record.depth,
                record.discovered_by == Discovery::Start,
                record.error.as_ref().is_some_and(|e| e.kind.partly_read()),
                derived.observation,
            );
        }
    }

    pub fn finish(self, origin: Origin<'_>, readers: &Readers) -> Gathered {
        let target = target::resolve(TargetInput {
            start_url: origin.start_url,
            final_url: origin.final_url,
            html_lang: self.builder.home_lang.clone().as_deref(),
            home_title: self.builder.home_title.clone(),
            hreflang: self.builder.home_hreflang.clone(),
            country_flag: origin.country_flag,
            lang_flag: origin.lang_flag,
            phone_country: self.builder.international_phone_country().or_else(|| {
                match self.builder.national_phone_countries().as_slice() {
                    [one] => Some(one.to_string()),
                    _ => None,
                }
            }),
            phone_candidates: match self.builder.national_phone_countries() {
                several if several.len() > 1 => several.iter().map(|c| c.to_string()).collect(),
                _ => Vec::new(),
            },
            currency_country: self.builder.currency_country(),
            address_country: self.builder.address_country(),
        });
        let mut site = self.builder.finish(
            target.country.as_ref().map(|c| c.value.as_str()),
            &readers.not_the_shop,
        );
        observations::fill_site_facts(readers, &mut site, &self.observations);
        observations::rank_pages(&mut site, &self.observations);
        site.script_built = self.scripted.finish();
        Gathered {
            target,
            site,
            observations: self.observations,
        }
    }
}

/// The crawl reads every page of a depth before the next depth's, and keeps its pages in that order: past the
/// depths whose spelling is read, this reading of the dictionaries (14 MB) ends, once (a page come out of order
/// would load them again, and keep them to the end); they go when no other reading needs them.
struct SpellingDepths {
    reading: std::sync::Mutex<Option<crate::facts::spelling::Reading>>,
}

impl Default for SpellingDepths {
    fn default() -> Self {
        SpellingDepths {
            reading: std::sync::Mutex::new(Some(crate::facts::spelling::reading())),
        }
    }
}

impl SpellingDepths {
    fn page_at(&self, depth: Option<u32>) {
        if depth.is_some_and(|d| d > observe::SPELLING_MAX_DEPTH) {
            let done = self
                .reading
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            drop(done);
        }
    }
}

/// Turns each HTML page into its facts (kept, as a JSON line) and what it gives the site.
struct FactsHandler {
    checks: Arc<Checks>,
    renderer: Option<Arc<crate::render::Renderer>>,
    spelling_depths: SpellingDepths,
}

impl FactsHandler {
    /// Whether this page is read from Chromium's rendering, and as what (`home`, `contact`, `cart`, `checkout`: the
    /// screenshot's name). Every page with `always`; with `auto`, the start page and the first contact, cart and
    /// checkout pages (chat widgets and checkout help are injected by scripts), and every page whose HTML shows
    /// scripts write it.
    fn wants_rendering(
        &self,
        facts: &PageFacts,
        page: &FetchedPage,
    ) -> Option<Option<&'static str>> {
        let renderer = self.renderer.as_ref()?;
        let kind = self.widget_page_kind(page);
        let wanted = match renderer.mode {
            crate::render::RenderMode::Never => false,
            crate::render::RenderMode::Always => true,
            crate::render::RenderMode::Auto => {
                kind.is_some_and(|k| renderer.claim_kind(k))
                    || scripted::view(facts, &page.base).needs_rendering()
            }
        };
        wanted.then_some(kind)
    }

    /// The start page is `home`; a page whose address has a short segment naming a contact, cart or checkout page
    /// by the key pages' lexicon is that (`/panier`, `/contact-us`; not a product `panier-en-rotin-rose`).
    fn widget_page_kind(&self, page: &FetchedPage) -> Option<&'static str> {
        if page.record.discovered_by == Discovery::Start {
            return Some("home");
        }
        let lexicon = &self.checks.readers.lexicon;
        let kinds: Vec<&str> = page
            .base
            .path_segments()
            .into_iter()
            .flatten()
            .map(|segment| segment.split('.').next().unwrap_or_default())
            .filter(|segment| !segment.is_empty() && segment.split(['-', '_']).count() <= 2)
            .flat_map(|segment| lexicon.match_url_path(&format!("/{segment}/")))
            .map(|k| lexicon.kind_name(k))
            .collect();
        ["contact", "cart", "checkout"]
            .into_iter()
            .find(|k| kinds.contains(k))
    }

    /// The page as Chromium rendered it, when it should be and can be: its facts from the rendered document (the
    /// same reader), what it loaded as scripts (the chat vendors), and its links beside those of the HTML.
    fn rendered(
        &self,
        facts: &PageFacts,
        page: &FetchedPage,
    ) -> Option<(PageFacts, Vec<Url>, Option<page::ParseCut>)> {
        let kind = self.wants_rendering(facts, page)?;
        let renderer = self.renderer.as_ref()?;
        if !renderer.take_slot() {
            return None;
        }
        let rendered = renderer.render(&page.base, kind).ok()?;
        let (mut facts, links, cut) =
            page::extract_bounded(&rendered.html, &page.base, page::PARSE_TIME_BUDGET);
        for request in rendered.requests {
            let host = Url::parse(&request)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string));
            if host.as_deref() != page.base.host_str()
                && !facts.scripts.iter().any(|s| s.src == request)
            {
                facts
                    .scripts
                    .push(crate::result::ScriptFact { src: request, host });
            }
        }
        facts.rendered = true;
        facts.widget = rendered.widget;
        Some((facts, links, cut))
    }
}

/// The page's record as JSON, its facts as a compressed line of the companion, what it gives the site, and the
/// error analysis found (a parse cut short).
type HandledPage = (String, Vec<u8>, Derived, Option<crate::result::FetchError>);

impl PageHandler for FactsHandler {
    type Output = HandledPage;

    fn politeness(
        &self,
        robots: Arc<crate::crawl::robots::Robots>,
        delay: std::time::Duration,
        hosts: &[String],
    ) {
        if let Some(renderer) = &self.renderer {
            renderer.set_politeness(crate::render::Politeness {
                robots,
                delay,
                hosts: hosts.to_vec(),
            });
        }
    }

    fn analyze(&self, page: FetchedPage) -> Analyzed<HandledPage> {
        let (mut facts, mut links, mut cut) =
            page::extract_bounded(&page.html, &page.base, page::PARSE_TIME_BUDGET);
        if let Some((rendered, more, rendered_cut)) = self.rendered(&facts, &page) {
            facts = rendered;
            cut = rendered_cut;
            for link in more {
                if !links.contains(&link) {
                    links.push(link);
                }
            }
        }
        drop(page.html);
        self.spelling_depths.page_at(page.record.depth);
        let derived = derive(&facts, &page.base, page.record.depth, &self.checks.readers);
        let mut record = page.record;
        if let Some(cut) = cut {
            // A page cut at the size limit and too deep besides keeps its first reason: both mean "read in part".
            record.error.get_or_insert(crate::result::FetchError {
                kind: crate::result::FetchErrorKind::TooDeeplyNested,
                message: format!(
                    "too deeply nested: parsing stopped after {} s of CPU, {} of {} read",
                    page::PARSE_TIME_BUDGET.as_secs(),
                    crate::crawl::fetch::human_bytes(cut.read as u64),
                    crate::crawl::fetch::human_bytes(cut.total as u64),
                ),
            });
        }
        // Serialised and compressed here, on the blocking pool, so that the crawl loop only copies bytes.
        let facts_line = pages::compress(&record.url, &facts);
        drop(facts);
        record.analysed = true;
        let line = serde_json::to_string(&record).expect("page records serialise");
        Analyzed {
            links,
            output: (line, facts_line, derived, record.error),
        }
    }
}

/// What rendering did, for the report: nothing to say with `never`; the browser missing said with the others.
fn rendering_report(
    mode: crate::render::RenderMode,
    renderer: Option<&crate::render::Renderer>,
) -> Option<crate::result::RenderingReport> {
    use std::sync::atomic::Ordering;
    if mode == crate::render::RenderMode::Never {
        return None;
    }
    Some(crate::result::RenderingReport {
        mode: format!("{mode:?}").to_ascii_lowercase(),
        browser: renderer.map(|r| r.browser().display().to_string()),
        rendered_pages: renderer.map_or(0, |r| r.rendered.load(Ordering::Relaxed)),
        failed_pages: renderer.map_or(0, |r| r.failed.load(Ordering::Relaxed)),
        capped_pages: renderer.map_or(0, |r| r.capped.load(Ordering::Relaxed)),
        screenshots: renderer.map(|r| r.screenshots()).unwrap_or_default(),
        pages: renderer.map(|r| r.pages()).unwrap_or_default(),
        refused: renderer.map(|r| r.refused()).unwrap_or_default(),
    })
}

pub fn now_rfc3339() -> String {
    crate::time::now_text()
}

/// Writes `audit.json` as the crawl goes: page records are streamed into it as they are read, their facts into the
/// companion (so a 10,000-page shop never sits in memory and is never copied), then the fields known only at the
/// end follow. JSON objects are unordered, so `crawl.pages` simply comes first. Both files are written beside and
/// renamed over, the companion first: a crash never leaves a truncated `audit.json`, nor one without its facts.
struct ResultWriter {
    temp_path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    pages: u64,
    /// The companion being written: from the start for a fresh audit (a stale one from an earlier audit in the
    /// folder is replaced); only when a record brings its facts inline for a rewrite (a file of schema ≤ 3).
    facts: Option<pages::FactsWriter>,
}

impl ResultWriter {
    fn create(
        json_path: &Path,
        tool: &ToolInfo,
        started_at: &str,
    ) -> std::io::Result<ResultWriter> {
        let name = json_path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "audit.json".into());
        let temp_path = json_path.with_file_name(format!(".{name}.partial"));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temp_path)?);
        write!(out, "{{\n\"schema_version\": {SCHEMA_VERSION},\n\"tool\": ")?;
        serde_json::to_writer(&mut out, tool)?;
        write!(out, ",\n\"started_at\": ")?;
        serde_json::to_writer(&mut out, started_at)?;
        write!(out, ",\n\"crawl\": {{\n\"pages\": [")?;
        Ok(ResultWriter {
            temp_path,
            out,
            pages: 0,
            facts: None,
        })
    }

    /// Removes the partial files: the audit.json in place, if any, stays as it was, and its companion too.
    fn abandon(self) {
        drop(self.out);
        let _ = std::fs::remove_file(&self.temp_path);
        if let Some(facts) = self.facts {
            facts.abandon();
        }
    }

    /// Starts the companion beside `json_path`.
    fn with_facts(mut self, json_path: &Path) -> std::io::Result<ResultWriter> {
        self.facts = Some(pages::FactsWriter::create(json_path)?);
        Ok(self)
    }

    /// Appends one page record, already serialised as a JSON object, and its facts' compressed line if it has facts.
    fn page(&mut self, json: &str, facts: Option<&[u8]>, json_path: &Path) -> std::io::Result<()> {
        self.out
            .write_all(if self.pages == 0 { b"\n" } else { b",\n" })?;
        self.out.write_all(json.as_bytes())?;
        self.pages += 1;
        if let Some(member) = facts {
            if self.facts.is_none() {
                self.facts = Some(pages::FactsWriter::create(json_path)?);
            }
            self.facts.as_mut().expect("created above").page(member)?;
        }
        Ok(())
    }

    /// Writes every field of `result` but `schema_version`, `tool`, `started_at` and `crawl.pages`, and renames
    /// the file into place.
    fn finish(mut self, result: &AuditResult, json_path: &Path) -> std::io::Result<()> {
        let crawl = &result.crawl;
        let out = &mut self.out;
        write!(out, "\n],\n")?;
        let mut crawl_fields: Vec<(&str, &dyn erased::Json)> = vec![
            ("settings", &crawl.settings),
            ("counts", &crawl.counts),
            ("robots", &crawl.robots),
            ("sitemaps", &crawl.sitemaps),
            ("skipped", &crawl.skipped),
            ("broken_links", &crawl.broken_links),
            ("redirects", &crawl.redirects),
        ];
        if let Some(rendering) = &crawl.rendering {
            crawl_fields.push(("rendering", rendering));
        }
        write_fields(out, &crawl_fields, "\n},\n")?;
        let top_fields: [(&str, &dyn erased::Json); 5] = [
            ("target", &result.target),
            ("finished_at", &result.finished_at),
            ("site", &result.site),
            ("scores", &result.scores),
            ("checks", &result.checks),
        ];
        write_fields(out, &top_fields, "")?;
        if let Some(campaign) = &result.campaign {
            out.write_all(b",\n\"campaign\": ")?;
            erased::Json::write_pretty(campaign, out)?;
        }
        if let Some(coverage) = &result.coverage {
            out.write_all(b",\n\"coverage\": ")?;
            erased::Json::write_pretty(coverage, out)?;
        }
        if let Some(history) = &result.history {
            out.write_all(b",\n\"history\": ")?;
            erased::Json::write_pretty(history, out)?;
        }
        out.write_all(b"\n}\n")?;
        out.flush()?;
        drop(self.out);
        if let Some(facts) = self.facts {
            facts.finish(json_path)?;
        }
        std::fs::rename(&self.temp_path, json_path)
    }
}

/// Writes `"name": value` pairs separated by commas, then `close` (which ends the enclosing object).
fn write_fields(
    out: &mut impl Write,
    fields: &[(&str, &dyn erased::Json)],
    close: &str,
) -> std::io::Result<()> {
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        write!(out, "\"{name}\": ")?;
        value.write_pretty(out)?;
    }
    out.write_all(close.as_bytes())
}

/// Object-safe pretty serialisation, so the writer can loop over fields of different types.
mod erased {
    pub trait Json {
        fn write_pretty(&self, out: &mut dyn std::io::Write) -> std::io::Result<()>;
    }

    impl<T: serde::Serialize> Json for T {
        fn write_pretty(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
            serde_json::to_writer_pretty(out, self).map_err(std::io::Error::from)
        }
    }
}

pub async fn run(
    options: AuditOptions,
    progress: &dyn Progress,
) -> Result<AuditOutput, AuditError> {
    run_amended(options, progress, |_| {}).await
}

/// [`run`], with `amend` given the judged result before its last fields are written (the history, the
/// consultant's judgements): what it adds is in `audit.json` without the file being read back and written again.
/// It runs on the blocking pool, where the pages were analysed: judging the last audit again there reuses the
/// pattern caches those threads hold (on another thread, another 10 MB of them).
pub async fn run_amended(
    options: AuditOptions,
    progress: &dyn Progress,
    amend: impl FnOnce(&mut AuditResult) + Send + 'static,
) -> Result<AuditOutput, AuditError> {
    std::fs::create_dir_all(&options.out_dir).map_err(write_error(&options.out_dir))?;
    warm_up(&options.checks);
    let tool = ToolInfo {
        name: "cxaudit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        user_agent: options.crawl.user_agent.clone(),
    };
    let started_at = now_rfc3339();
    let json_path = options.out_dir.join("audit.json");
    let mut writer = ResultWriter::create(&json_path, &tool, &started_at)
        .and_then(|w| w.with_facts(&json_path))
        .map_err(write_error(&json_path))?;
    let mut write_failure: Option<std::io::Error> = None;

    // Gather.
    let readers = &options.checks.readers;
    let mut gatherer = SiteGatherer::new(readers);
    let handler = Arc::new(FactsHandler {
        checks: options.checks.clone(),
        renderer: options.renderer.clone(),
        spelling_depths: SpellingDepths::default(),
    });
    let outcome = crawl::crawl(
        &options.crawl,
        &options.start,
        handler,
        progress,
        |mut event| {
            let (line, facts, derived) = match event.output {
                Some((line, facts, derived, error)) => {
                    event.record.error = error;
                    event.record.analysed = true;
                    (line, Some(facts), Some(derived))
                }
                None => (
                    serde_json::to_string(&event.record).expect("page records serialise"),
                    None,
                    None,
                ),
            };
            gatherer.add(&event.record, derived);
            if write_failure.is_none() {
                write_failure = writer.page(&line, facts.as_deref(), &json_path).err();
            }
        },
    )
    .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            writer.abandon();
            return Err(e.into());
        }
    };
    if let Some(e) = write_failure {
        writer.abandon();
        return Err(write_error(&json_path)(e));
    }
    // The pages are read, and the handler's reading of the dictionaries went with the crawl: the site phase needs
    // none.
    let finished_at = now_rfc3339();
    if let Some(renderer) = &options.renderer {
        // Every page is read: the browser's memory goes back before the site is judged.
        renderer.close();
    }
    let gathered = gatherer.finish(
        Origin {
            start_url: &options.start,
            final_url: &outcome.final_url,
            country_flag: options.country.as_deref(),
            lang_flag: options.lang.as_deref(),
        },
        readers,
    );
    let settings = &options.crawl;
    let mut result = AuditResult {
        schema_version: SCHEMA_VERSION,
        tool,
        target: gathered.target,
        started_at,
        finished_at,
        crawl: CrawlReport {
            settings: CrawlSettingsReport {
                max_pages: settings.limits.max_pages,
                max_depth: settings.limits.max_depth,
                concurrency: settings.concurrency,
                delay_ms: settings.delay.as_millis() as u64,
                effective_delay_ms: outcome.effective_delay.as_millis() as u64,
                timeout_secs: settings.timeout.as_secs(),
                max_body_bytes: settings.max_body_bytes,
                max_redirects: settings.max_redirects,
                use_sitemaps: settings.use_sitemaps,
                scope_hosts: outcome.scope_hosts,
            },
            counts: outcome.counts,
            robots: outcome.robots,
            sitemaps: outcome.sitemaps,
            pages: Vec::new(),
            skipped: outcome.skipped,
            broken_links: outcome.broken_links,
            redirects: outcome.redirects,
            rendering: rendering_report(options.render, options.renderer.as_deref()),
        },
        site: gathered.site,
        checks: Vec::new(),
        scores: Default::default(),
        campaign: None,
        coverage: None,
        history: None,
    };

    // Judge.
    judge_into(&options.checks, &mut result, &gathered.observations);
    drop(gathered.observations);
    let result = match tokio::task::spawn_blocking(move || {
        amend(&mut result);
        result
    })
    .await
    {
        Ok(result) => result,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => {
                writer.abandon();
                return Err(AuditError::Read(format!("the audit was cancelled: {e}")));
            }
        },
    };
    writer
        .finish(&result, &json_path)
        .map_err(write_error(&json_path))?;
    Ok(AuditOutput { result, json_path })
}

/// Judges a stored audit again with `checks`, from the page facts it keeps (no network): the site facts are
/// derived anew, the rules judged, the scores computed, the campaign (if any) judged by the campaign rules. The
/// facts are those inline in the records (schema ≤ 3), else the companion beside `json_path`, read one page at a
/// time. Files of schema version 2 and 3 are judged too and come out as version 4. No facts at hand (a history
/// store's copy, a folder without its companion): [`AuditError::NoPageFacts`], the result unchanged.
pub fn rejudge(
    result: &mut AuditResult,
    json_path: Option<&Path>,
    checks: &Checks,
) -> Result<(), AuditError> {
    let (start_url, final_url) = match (
        Url::parse(&result.target.start_url),
        Url::parse(&result.target.final_url),
    ) {
        (Ok(start), Ok(end)) => (start, end),
        _ => {
            return Err(AuditError::Read(format!(
                "the stored start URL {:?} is not a URL: audit the shop again",
                result.target.start_url
            )))
        }
    };
    let inline = result.crawl.pages.iter().any(|p| p.facts.is_some());
    let in_companion = result
        .crawl
        .pages
        .iter()
        .any(|p| p.analysed && p.facts.is_none());
    if result.crawl.counts.html_pages > 0 && !inline && !in_companion {
        return Err(AuditError::NoPageFacts(
            "this audit.json keeps no page facts, so it cannot be judged again: audit the shop again"
                .into(),
        ));
    }
    let mut companion = match (in_companion, json_path) {
        (false, _) => None,
        (true, Some(path)) => Some(pages::FactsReader::open(path).map_err(AuditError::NoPageFacts)?),
        (true, None) => {
            return Err(AuditError::NoPageFacts(format!(
                "the page facts of this audit are kept in the {PAGE_FACTS_FILE} of its folder, not here: it \
                 can be read as judged, not judged again"
            )))
        }
    };
    warm_up(checks);
    let readers = &checks.readers;
    let mut gatherer = SiteGatherer::new(readers);
    let spelling_depths = SpellingDepths::default();
    for record in result.crawl.pages.iter_mut() {
        spelling_depths.page_at(record.depth);
        let mut read = None;
        if let (None, Some(companion)) = (&record.facts, &mut companion) {
            if record.analysed {
                read = Some(companion.next_for(record).map_err(AuditError::Read)?);
            }
        }
        let facts = record.facts.as_deref_mut().or(read.as_mut());
        let derived = match (facts, Url::parse(&record.final_url)) {
            (Some(facts), Ok(url)) => {
                // Audits written before addresses were page facts keep none: they are read from the stored
                // text, as a fresh audit reads them (a page where none is found is read again, to the same
                // result).
                if facts.candidates.addresses.is_empty() {
                    crate::facts::candidates::extract_addresses(facts);
                }
                Some(derive(facts, &url, record.depth, readers))
            }
            _ => None,
        };
        gatherer.add(record, derived);
    }
    // The site phase needs no dictionary.
    drop(spelling_depths);
    let flag = |guess: &Option<crate::result::Guess>| {
        guess
            .as_ref()
            .filter(|g| g.source == "flag")
            .map(|g| g.value.clone())
    };
    let (country_flag, lang_flag) = (flag(&result.target.country), flag(&result.target.lang));
    let gathered = gatherer.finish(
        Origin {
            start_url: &start_url,
            final_url: &final_url,
            country_flag: country_flag.as_deref(),
            lang_flag: lang_flag.as_deref(),
        },
        readers,
    );
    result.schema_version = SCHEMA_VERSION;
    result.target = gathered.target;
    result.site = gathered.site;
    judge_into(checks, result, &gathered.observations);
    Ok(())
}

/// Puts a campaign's results into an audit and judges the campaign rules on them, the other verdicts kept as the
/// audit has them: a campaign report needs no page facts and never changes what the crawl found. Through the one
/// judge loop, then the scores again.
pub fn add_campaign(result: &mut AuditResult, campaign: CampaignResult, checks: &Checks) {
    result.campaign = Some(campaign);
    let observations = SiteObservations::new(&checks.readers);
    let verdicts = rules::judge_rules(
        checks,
        Judged {
            site: &result.site,
            target: &result.target,
            obs: &observations,
            campaign: result.campaign.as_ref(),
        },
        |rule| rule.kind == RuleKind::Campaign,
    );
    result
        .checks
        .retain(|c| !verdicts.iter().any(|v| v.id == c.id));
    result.checks.extend(verdicts);
    rules::sort_as_in_pack(checks, &mut result.checks);
    result.scores = rules::score(checks, &result.checks);
    result.coverage = rules::unseen::settle(&result.site, &result.checks, &mut result.scores);
    result.schema_version = SCHEMA_VERSION;
}

/// The judge stage: the rules over what was gathered, into `checks[]` and `scores`.
fn judge_into(checks: &Checks, result: &mut AuditResult, observations: &SiteObservations) {
    let evaluation = rules::judge(
        checks,
        Judged {
            site: &result.site,
            target: &result.target,
            obs: observations,
            campaign: result.campaign.as_ref(),
        },
    );
    result.checks = evaluation.checks;
    result.scores = evaluation.scores;
    result.coverage = evaluation.coverage;
}

/// Dictionaries load in the background from the start, when the spelling rule will want them, and the phone
/// metadata the site phase reads.
fn warm_up(checks: &Checks) {
    site::warm_up_phone_metadata();
    if checks
        .rules
        .iter()
        .any(|r| r.enabled && r.detector == "spelling")
    {
        crate::facts::spelling::warm_up();
    }
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> AuditError {
    let path = path.display().to_string();
    move |source| AuditError::Write { path, source }
}

/// Writes a whole result (its page records included) to `json_path`, atomically, in the same layout as a fresh
/// audit. Records that carry their facts (read from a file of schema ≤ 3, or attached) have them written to the
/// companion beside, which replaces the one there; records without leave the companion as it is (a rewrite in
/// place: the facts did not change).
pub fn write_result(json_path: &Path, result: &AuditResult) -> Result<(), AuditError> {
    let mut writer = ResultWriter::create(json_path, &result.tool, &result.started_at)
        .map_err(write_error(json_path))?;
    for record in &result.crawl.pages {
        let (line, facts) = match &record.facts {
            None => (
                serde_json::to_string(record).expect("page records serialise"),
                None,
            ),
            Some(facts) => {
                let bare = PageRecord {
                    analysed: true,
                    facts: None,
                    ..record.clone()
                };
                (
                    serde_json::to_string(&bare).expect("page records serialise"),
                    Some(pages::compress(&record.url, facts)),
                )
            }
        };
        if let Err(e) = writer.page(&line, facts.as_deref(), json_path) {
            writer.abandon();
            return Err(write_error(json_path)(e));
        }
    }
    writer
        .finish(result, json_path)
        .map_err(write_error(json_path))
}

/// Reads an `audit.json` with the page facts of its companion put back in its records (for the readers of a few
/// facts of small shops, and the tests: a 10,000-page shop's facts take hundreds of megabytes in memory).
pub fn read_result_with_facts(path: &Path) -> Result<AuditResult, String> {
    let mut result = read_result(path)?;
    pages::attach(path, &mut result, |_| {})?;
    Ok(result)
}

/// The audit's companion copied beside `to` when `to` is in another folder than `from` (a rejudge into a new
/// folder): the judged audit.json there keeps the page facts it was judged from.
pub fn carry_page_facts(from: &Path, to: &Path) -> Result<(), AuditError> {
    let (source, target) = (pages::companion_of(from), pages::companion_of(to));
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a.parent().unwrap_or(Path::new(".")))
            .ok()
            .zip(std::fs::canonicalize(b.parent().unwrap_or(Path::new("."))).ok())
            .is_some_and(|(a, b)| a == b)
    };
    if !source.exists() || same(from, to) {
        return Ok(());
    }
    std::fs::copy(&source, &target)
        .map(|_| ())
        .map_err(write_error(&target))
}

/// The companion of an audit recorded in the history store, when the folder it was written to still holds it:
/// the `audit.json` there is the same audit (same start and end), so its page facts are these.
pub fn page_facts_in_folder(folder: &Path, started_at: &str, finished_at: &str) -> Option<PathBuf> {
    let json_path = folder.join("audit.json");
    #[derive(serde::Deserialize)]
    struct Times {
        started_at: String,
        finished_at: String,
    }
    // Only two fields: serde skips the rest without building it.
    let file = std::fs::File::open(&json_path).ok()?;
    let times: Times = serde_json::from_reader(std::io::BufReader::new(file)).ok()?;
    (times.started_at == started_at
        && times.finished_at == finished_at
        && pages::companion_of(&json_path).exists())
    .then_some(json_path)
}

/// Reads an `audit.json`, refusing a newer major schema. Its page facts stay in the companion (schema 4 on): see
/// [`read_result_with_facts`], and [`rejudge`], which reads them one page at a time.
pub fn read_result(path: &Path) -> Result<AuditResult, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let result: AuditResult = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|e| format!("{} is not a valid audit.json: {e}", path.display()))?;
    if result.schema_version > SCHEMA_VERSION {
        return Err(format!(
            "{} has schema_version {}; this cxaudit reads up to {SCHEMA_VERSION}: upgrade cxaudit",
            path.display(),
            result.schema_version
        ));
    }
    Ok(result)
}

/// A consultant's judgement on a rule, as the store keeps it.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub rule: String,
    pub status: CheckStatus,
    pub reason: String,
    pub by: String,
    pub at: String,
    /// The fingerprint of what the rule saw when it was given ([`CheckResult::evidence_fingerprint`]).
    pub evidence: String,
    pub kind: crate::result::JudgementKind,
    /// The day a manual test was made.
    pub tested_on: Option<String>,
    /// The attached file's name in the audit's folder ([`attachment_file_name`]).
    pub attachment: Option<String>,
}

/// The name an attached file takes beside the report: the rule's id and the file's own name, kept to letters,
/// digits, dots and dashes (the name is the consultant's, but it must stay one file in the folder).
pub fn attachment_file_name(rule: &str, name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.');
    format!(
        "attachment-{rule}-{}",
        if clean.is_empty() { "file" } else { clean }
    )
}

/// Applies the consultant's judgements: a rule whose evidence is what it was takes the consultant's status (and
/// its score); one whose evidence changed keeps the tool's status and is marked for review. Scores follow.
pub fn apply_judgements(result: &mut AuditResult, judgements: &[Judgement], checks: &Checks) {
    if judgements.is_empty() {
        return;
    }
    for judgement in judgements {
        let Some(check) = result.checks.iter_mut().find(|c| c.id == judgement.rule) else {
            continue;
        };
        let tool_status = check
            .consultant
            .as_ref()
            .map(|c| c.tool_status)
            .unwrap_or(check.status);
        let fresh = check.evidence_fingerprint() == judgement.evidence;
        if fresh {
            check.status = judgement.status;
            check.score = match judgement.status {
                CheckStatus::Pass => Some(1.0),
                CheckStatus::Partial => {
                    Some(check.score.filter(|s| *s > 0.0 && *s < 1.0).unwrap_or(0.5))
                }
                CheckStatus::Fail => Some(0.0),
                CheckStatus::NotApplicable => None,
            };
        }
        check.consultant = Some(crate::result::ConsultantJudgement {
            status: judgement.status,
            reason: judgement.reason.clone(),
            by: judgement.by.clone(),
            at: judgement.at.clone(),
            tool_status,
            stale: !fresh,
            kind: judgement.kind,
            tested_on: judgement.tested_on.clone(),
            attachment: judgement.attachment.clone(),
        });
    }
    result.scores = rules::score(checks, &result.checks);
    result.coverage = rules::unseen::settle(&result.site, &result.checks, &mut result.scores);
}
