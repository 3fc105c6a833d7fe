//! The audit pipeline as a library call: crawl → page facts → site facts → audit result, written to `audit.json`.
//! Later stages (rules, scores, report, campaign) read the result; nothing here reaches back into them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use url::Url;

use crate::crawl::{self, Analyzed, CrawlSettings, FetchedPage, PageHandler, Progress};
use crate::facts::lexicon::KeyPageLexicon;
use crate::facts::{page, site};
use crate::result::{
    AuditResult, CrawlReport, CrawlSettingsReport, Pages, ToolInfo, SCHEMA_VERSION,
};
use crate::target::{self, TargetInput};

/// What to audit and how.
pub struct AuditOptions {
    pub start: Url,
    pub crawl: CrawlSettings,
    /// ISO country code forced by the consultant (`--country`).
    pub country: Option<String>,
    /// Language forced by the consultant (`--lang`).
    pub lang: Option<String>,
    pub lexicon: Arc<KeyPageLexicon>,
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
    lexicon: Arc<KeyPageLexicon>,
}

/// A page's serialised record and its contribution to the site facts.
type HandledPage = (String, site::PageSummary);

impl PageHandler for FactsHandler {
    type Output = HandledPage;

    fn analyze(&self, page: FetchedPage) -> Analyzed<HandledPage> {
        let (facts, links) = page::extract(&page.html, &page.base);
        drop(page.html);
        let summary = site::summarize(&facts, &page.base, &self.lexicon);
        let mut record = page.record;
        record.facts = Some(facts);
        // Serialised here, on the blocking pool, so that the crawl loop only copies bytes.
        let line = serde_json::to_string(&record).expect("page records serialise");
        Analyzed {
            links,
            output: (line, summary),
        }
    }
}

pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
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
    // Pages go to disk as they finish: a 10,000-page shop never sits in memory.
    let spill_path = options.out_dir.join(".pages.jsonl.partial");
    let spill = std::fs::File::create(&spill_path).map_err(write_error(&spill_path))?;
    let mut spill = std::io::BufWriter::new(spill);
    let mut spill_error: Option<std::io::Error> = None;
    let mut page_count = 0u64;

    let started_at = now_rfc3339();
    let mut builder = site::SiteFactsBuilder::new(&options.lexicon);
    let handler = Arc::new(FactsHandler {
        lexicon: options.lexicon.clone(),
    });
    let outcome = crawl::crawl(&options.crawl, &options.start, handler, progress, |event| {
        builder.add_record(&event.record);
        let line = match event.output {
            Some((line, summary)) => {
                builder.add_page(&event.record, summary);
                line
            }
            None => serde_json::to_string(&event.record).expect("page records serialise"),
        };
        page_count += 1;
        if spill_error.is_none() {
            if let Err(e) = spill
                .write_all(line.as_bytes())
                .and_then(|_| spill.write_all(b"\n"))
            {
                spill_error = Some(e);
            }
        }
    })
    .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            drop(spill);
            let _ = std::fs::remove_file(&spill_path);
            return Err(e.into());
        }
    };
    if let Some(e) = spill_error {
        return Err(write_error(&spill_path)(e));
    }
    spill.flush().map_err(write_error(&spill_path))?;
    drop(spill);
    let finished_at = now_rfc3339();

    let target = target::resolve(TargetInput {
        start_url: &options.start,
        final_url: &outcome.final_url,
        html_lang: builder.home_lang.clone().as_deref(),
        hreflang: builder.home_hreflang.clone(),
        country_flag: options.country.as_deref(),
        lang_flag: options.lang.as_deref(),
    });
    let site = builder.finish(target.country.as_ref().map(|c| c.value.as_str()));
    let settings = &options.crawl;
    let mut result = AuditResult {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            name: "cxaudit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            user_agent: settings.user_agent.clone(),
        },
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
            pages: Pages::Spilled {
                path: spill_path.clone(),
                count: page_count,
            },
            skipped: outcome.skipped,
            broken_links: outcome.broken_links,
            redirects: outcome.redirects,
        },
        site,
    };

    // Written beside and renamed over: a crash mid-write never leaves a truncated audit.json.
    let json_path = options.out_dir.join("audit.json");
    let temp_path = options.out_dir.join(".audit.json.partial");
    let file = std::fs::File::create(&temp_path).map_err(write_error(&temp_path))?;
    let mut writer = std::io::BufWriter::new(file);
    serde_json::to_writer_pretty(&mut writer, &result)
        .map_err(std::io::Error::from)
        .and_then(|_| writer.write_all(b"\n"))
        .and_then(|_| writer.flush())
        .map_err(write_error(&temp_path))?;
    drop(writer);
    std::fs::rename(&temp_path, &json_path).map_err(write_error(&json_path))?;
    let _ = std::fs::remove_file(&spill_path);
    result.crawl.pages = Pages::InMemory(Vec::new());
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
