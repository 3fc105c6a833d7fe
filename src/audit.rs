//! The audit pipeline as a library call: crawl → page facts → site facts → audit result, written to `audit.json`.
//! Later stages (rules, scores, report, campaign) read the result; nothing here reaches back into them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use url::Url;

use crate::crawl::{self, Analyzed, CrawlSettings, FetchedPage, PageHandler, Progress};
use crate::facts::{page, site};
use crate::result::{AuditResult, CrawlReport, CrawlSettingsReport, ToolInfo, SCHEMA_VERSION};
use crate::rules::observe::{self, PageObservation};
use crate::rules::pack::Checks;
use crate::rules::{self, SiteObservations};
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
}

/// The written audit: its result (with `pages` left empty: they are in the file) and where it is.
pub struct AuditOutput {
    pub result: AuditResult,
    pub json_path: PathBuf,
}

/// Turns each HTML page into its facts (kept, as a JSON line) and its summary (for the site facts).
struct FactsHandler {
    checks: Arc<Checks>,
}

/// A page's serialised record, its contribution to the site facts, and what the rules saw on it.
type HandledPage = (String, site::PageSummary, PageObservation);

impl PageHandler for FactsHandler {
    type Output = HandledPage;

    fn analyze(&self, page: FetchedPage) -> Analyzed<HandledPage> {
        let (facts, links) = page::extract(&page.html, &page.base);
        drop(page.html);
        let summary = site::summarize(&facts, &page.base, &self.checks);
        let observation = observe::observe(&facts, &page.base, page.record.depth, &self.checks);
        let mut record = page.record;
        record.facts = Some(facts);
        // Serialised here, on the blocking pool, so that the crawl loop only copies bytes.
        let line = serde_json::to_string(&record).expect("page records serialise");
        Analyzed {
            links,
            output: (line, summary, observation),
        }
    }
}

pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Writes `audit.json` as the crawl goes: pages are streamed into it as they are read (so a 10,000-page shop never
/// sits in memory and is never copied), then the fields known only at the end follow. JSON objects are unordered,
/// so `crawl.pages` simply comes first. The file is written beside and renamed over: a crash never leaves a
/// truncated `audit.json`.
struct ResultWriter {
    temp_path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    pages: u64,
}

impl ResultWriter {
    fn create(dir: &Path, tool: &ToolInfo, started_at: &str) -> std::io::Result<ResultWriter> {
        let temp_path = dir.join(".audit.json.partial");
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
        })
    }

    /// Appends one page, already serialised as a JSON object.
    fn page(&mut self, json: &str) -> std::io::Result<()> {
        self.out
            .write_all(if self.pages == 0 { b"\n" } else { b",\n" })?;
        self.out.write_all(json.as_bytes())?;
        self.pages += 1;
        Ok(())
    }

    /// Writes every field of `result` but `schema_version`, `tool`, `started_at` and `crawl.pages`, and renames
    /// the file into place.
    fn finish(mut self, result: &AuditResult, json_path: &Path) -> std::io::Result<()> {
        let crawl = &result.crawl;
        let out = &mut self.out;
        write!(out, "\n],\n")?;
        let crawl_fields: [(&str, &dyn erased::Json); 7] = [
            ("settings", &crawl.settings),
            ("counts", &crawl.counts),
            ("robots", &crawl.robots),
            ("sitemaps", &crawl.sitemaps),
            ("skipped", &crawl.skipped),
            ("broken_links", &crawl.broken_links),
            ("redirects", &crawl.redirects),
        ];
        write_fields(out, &crawl_fields, "\n},\n")?;
        let top_fields: [(&str, &dyn erased::Json); 5] = [
            ("target", &result.target),
            ("finished_at", &result.finished_at),
            ("site", &result.site),
            ("scores", &result.scores),
            ("checks", &result.checks),
        ];
        write_fields(out, &top_fields, "\n}\n")?;
        out.flush()?;
        drop(self.out);
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
    let write_error = |path: &Path| {
        let path = path.display().to_string();
        move |source| AuditError::Write { path, source }
    };
    std::fs::create_dir_all(&options.out_dir).map_err(write_error(&options.out_dir))?;
    if options
        .checks
        .rules
        .iter()
        .any(|r| r.enabled && r.detector == "spelling")
    {
        crate::facts::spelling::warm_up();
    }
    let tool = ToolInfo {
        name: "cxaudit".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        user_agent: options.crawl.user_agent.clone(),
    };
    let started_at = now_rfc3339();
    let json_path = options.out_dir.join("audit.json");
    let mut writer = ResultWriter::create(&options.out_dir, &tool, &started_at)
        .map_err(write_error(&json_path))?;
    let mut write_failure: Option<std::io::Error> = None;

    let mut builder = site::SiteFactsBuilder::new(&options.checks.lexicon);
    let mut observations = SiteObservations::new(&options.checks);
    let handler = Arc::new(FactsHandler {
        checks: options.checks.clone(),
    });
    let outcome = crawl::crawl(&options.crawl, &options.start, handler, progress, |event| {
        builder.add_record(&event.record);
        let line = match event.output {
            Some((line, summary, observation)) => {
                builder.add_page(&event.record, summary);
                observations.add(
                    &event.record.final_url,
                    event.record.depth,
                    event.record.discovered_by == crate::result::Discovery::Start,
                    observation,
                );
                line
            }
            None => serde_json::to_string(&event.record).expect("page records serialise"),
        };
        if write_failure.is_none() {
            write_failure = writer.page(&line).err();
        }
    })
    .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            let _ = std::fs::remove_file(&writer.temp_path);
            return Err(e.into());
        }
    };
    if let Some(e) = write_failure {
        return Err(write_error(&writer.temp_path)(e));
    }
    let finished_at = now_rfc3339();

    let target = target::resolve(TargetInput {
        start_url: &options.start,
        final_url: &outcome.final_url,
        html_lang: builder.home_lang.clone().as_deref(),
        home_title: builder.home_title.clone(),
        hreflang: builder.home_hreflang.clone(),
        country_flag: options.country.as_deref(),
        lang_flag: options.lang.as_deref(),
        phone_country: builder.international_phone_country(),
    });
    let mut site = builder.finish(
        target.country.as_ref().map(|c| c.value.as_str()),
        &options.checks.not_the_shop,
    );
    let evaluation = rules::evaluate(&options.checks, &mut site, &target, &observations);
    let settings = &options.crawl;
    let result = AuditResult {
        schema_version: SCHEMA_VERSION,
        tool,
        target,
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
        },
        site,
        checks: evaluation.checks,
        scores: evaluation.scores,
        campaign: None,
    };
    let temp_path = writer.temp_path.clone();
    writer
        .finish(&result, &json_path)
        .map_err(write_error(&temp_path))?;
    Ok(AuditOutput { result, json_path })
}

/// Reads an `audit.json`, refusing a newer major schema.
pub fn read_result(path: &Path) -> Result<AuditResult, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let result: AuditResult = serde_json::from_str(&text)
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
