//! `cxaudit audit`: gather a shop (crawl → facts), judge it (rules → scores), write the folder (audit.json,
//! report files, manifest) and print the summary. No crawling or judging logic here: only the wiring.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use url::Url;

use cxaudit::crawl::frontier::Limits;
use cxaudit::crawl::CrawlSettings;

use crate::cli::outputs::{self, Format, Look, ReportLook};
use crate::cli::progress;
use crate::commands::{chosen_formats, load_checks, parse_start_url};

#[derive(Args)]
pub struct AuditArgs {
    /// The shop's home page, such as https://shop.example/.
    #[arg(required_unless_present = "demo")]
    url: Option<String>,
    /// Audit the bundled sample shop, served on 127.0.0.1 by cxaudit itself (no network needed).
    #[arg(long, conflicts_with = "url")]
    demo: bool,
    /// Folder for audit.json. Default: audits/<host>-<date> (a new folder if it exists).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Stop after this many fetched URLs (1 to 100000).
    #[arg(long, default_value_t = 500, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    max_pages: usize,
    /// Do not follow links deeper than this many clicks from the start page (0 to 1000).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=1000))]
    max_depth: u32,
    /// Simultaneous requests to the shop (1 to 64).
    #[arg(long, default_value_t = 4, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=64))]
    concurrency: usize,
    /// Pause between requests, in milliseconds, at most 30000 (robots.txt Crawl-delay wins if longer, up to 30 s).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=30_000))]
    delay_ms: u64,
    /// Give up on a request after this many seconds (1 to 600).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// Stop reading a page past this many MiB (1 to 1024).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1024))]
    max_body_mib: u64,
    /// Do not read sitemap.xml (only follow links).
    #[arg(long)]
    no_sitemaps: bool,
    /// A host that belongs to the shop besides the start URL's (its second domain): its pages and sitemaps are
    /// fetched too. Repeat for several.
    #[arg(long, value_name = "HOST")]
    allow_host: Vec<String>,
    /// Fetch hosts that resolve to loopback, private or link-local addresses (a staging site on the LAN). Without
    /// it, only an IP address typed as the start URL is fetched among those.
    #[arg(long)]
    allow_private: bool,
    /// The User-Agent header sent (default: cxaudit's, naming the project; config: [crawl] user_agent).
    /// robots.txt rules are still read for cxaudit.
    #[arg(long)]
    user_agent: Option<String>,
    /// The shop's country (ISO code such as FR, BE), when the domain does not tell.
    #[arg(long)]
    country: Option<String>,
    /// The shop's language (fr, en...), when the page does not tell.
    #[arg(long)]
    lang: Option<String>,
    /// A folder of rule files replacing the bundled ones (key-pages.toml, categories.toml, rules/*.toml).
    #[arg(long)]
    checks: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// The report's language (default: the config's, else fr).
    #[arg(long)]
    report_lang: Option<String>,
    /// What to write, comma-separated: json (always), html, csv (one row per rule), md (a summary), pdf.
    /// Default: the config's formats, else json,html.
    #[arg(long, value_delimiter = ',')]
    format: Vec<Format>,
    /// Do not record this audit in the history store.
    #[arg(long)]
    no_history: bool,
    #[command(flatten)]
    store: crate::commands::campaign::StoreArgs,
    #[command(flatten)]
    look: ReportLook,
}

pub async fn run(args: AuditArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    // Settings are checked before the crawl: a typo must not cost a 10-minute crawl.
    let look = Look::resolve(&args.look, args.report_lang.as_deref(), &config)?;
    let formats = chosen_formats(&args.format, &config, &[Format::Json, Format::Html])?;
    let checks = Arc::new(load_checks(args.checks.as_deref())?);
    let user_agent = args
        .user_agent
        .clone()
        .or(config.crawl.user_agent.clone())
        .unwrap_or_else(|| cxaudit::USER_AGENT.to_string());
    // A header value: printable, one line, so that no setting can smuggle another header in.
    if user_agent.trim().is_empty()
        || user_agent.chars().any(|c| c.is_control())
        || user_agent.len() > 512
    {
        crate::commands::usage!(
            "user agent {user_agent:?}: one line of printable text, at most 512 characters"
        );
    }
    // The demo shop lives as long as the audit; it is dropped (and stops) on return.
    let demo_server = if args.demo {
        Some(
            cxaudit::demo::serve(0)
                .await
                .context("cannot start the demo shop")?,
        )
    } else {
        None
    };
    let start = match (&demo_server, &args.url) {
        (Some(server), _) => Url::parse(&server.url())?,
        (None, Some(url)) => parse_start_url(url)?,
        (None, None) => crate::commands::usage!("give the shop's URL, or --demo"),
    };
    if let Some(country) = &args.country {
        if country.parse::<phonenumber::country::Id>().is_err() {
            crate::commands::usage!(
                "--country {country}: not an ISO 3166 country code (FR, BE, CH...)"
            );
        }
    }
    let out_dir = match args.out {
        Some(dir) => dir,
        None => default_out_dir(if args.demo {
            "demo"
        } else {
            start.host_str().unwrap_or("shop")
        }),
    };
    let mut allow_hosts = Vec::new();
    for raw in &args.allow_host {
        // A host name, not a URL: what a scope compares with.
        match url::Host::parse(raw.trim()) {
            Ok(host) if !raw.contains(['/', ':', '@']) => allow_hosts.push(host.to_string()),
            _ => crate::commands::usage!(
                "--allow-host {raw:?}: a host name such as shop-boutique.example, without scheme, port or path"
            ),
        }
    }
    let settings = CrawlSettings {
        limits: Limits {
            max_pages: args.max_pages,
            max_depth: args.max_depth,
            ..Limits::default()
        },
        // The parsers above bound every value: none of these can wrap or overflow a `Duration`.
        concurrency: args.concurrency,
        delay: Duration::from_millis(args.delay_ms),
        timeout: Duration::from_secs(args.timeout),
        max_body_bytes: args.max_body_mib << 20,
        use_sitemaps: !args.no_sitemaps,
        user_agent,
        allow_hosts,
        allow_private: args.allow_private,
        ..CrawlSettings::default()
    };
    let progress = progress::Bar::new(args.quiet, settings.limits.max_pages);
    let options = cxaudit::audit::AuditOptions {
        start,
        crawl: settings,
        country: args.country,
        lang: args.lang,
        checks: checks.clone(),
        out_dir,
    };
    let partial = options.out_dir.join(".audit.json.partial");
    // Listening before the crawl starts: a signal that came before the first poll would kill the process.
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut output = tokio::select! {
        output = cxaudit::audit::run(options, &progress) => output?,
        _ = interrupt.recv() => {
            progress.finish();
            // The crawl stops where it is: a half-written result is no audit, and an older audit.json stays.
            let _ = std::fs::remove_file(&partial);
            eprintln!("interrupted: no audit was written (an audit.json already in the folder is unchanged)");
            std::process::exit(130);
        }
    };
    progress.finish();
    let report_path = output.json_path.with_file_name("report.html");
    // What changed since the shop's last audit, both judged with this pack: in audit.json, then in the report.
    if !args.no_history {
        let history =
            shop_history(&output.result, &checks, &args.store, &config).unwrap_or_else(|e| {
                eprintln!("warning: the shop's earlier audits could not be compared: {e:#}");
                None
            });
        // The consultant's judgements on this shop carry over while what their rules see is the same.
        let judgements = crate::commands::history::judgements_in_force(
            &output.result.target.host,
            &args.store,
            &config,
        )
        .unwrap_or_else(|e| {
            eprintln!("warning: the consultant's judgements could not be read: {e:#}");
            Vec::new()
        });
        if history.is_some() || !judgements.is_empty() {
            // The result in memory holds no pages (they were streamed to the file): the file is read back whole
            // and written again, through the one atomic writer.
            let mut stored =
                cxaudit::audit::read_result(&output.json_path).map_err(anyhow::Error::msg)?;
            stored.history = history.clone();
            cxaudit::audit::apply_judgements(&mut stored, &judgements, &checks);
            cxaudit::audit::write_result(&output.json_path, &stored)?;
            output.result.history = history;
            cxaudit::audit::apply_judgements(&mut output.result, &judgements, &checks);
        }
    }
    let written = outputs::write_formats(&output.result, &report_path, &formats, &look)?;
    outputs::write_manifest(
        output
            .json_path
            .parent()
            .unwrap_or(std::path::Path::new(".")),
    )?;
    // The history: a failure to record leaves the audit folder as it is, and is said.
    let recorded = if args.no_history {
        None
    } else {
        match record(&output.result, &output.json_path, &args.store, &config) {
            Ok(id) => Some(id),
            Err(e) => {
                eprintln!("warning: the audit is written but not recorded in the history: {e:#}");
                None
            }
        }
    };
    if !args.quiet {
        print!(
            "{}",
            cxaudit::summary::render(&output.result, &output.json_path.display().to_string())
        );
        if let Some(id) = recorded {
            println!("  history: audit {id} (cxaudit show {id})");
        }
        for path in written {
            println!("  report: {}", path.display());
        }
    }
    Ok(())
}

/// The shop's earlier audits in the store and what changed since the last one (re-judged with `checks`).
fn shop_history(
    result: &cxaudit::result::AuditResult,
    checks: &cxaudit::rules::pack::Checks,
    store: &crate::commands::campaign::StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<Option<cxaudit::result::ShopHistory>> {
    use cxaudit::result::{CheckStatus, PastAudit, RuleEvolution, ShopHistory};
    use cxaudit::store::HistoryStore;
    let path = crate::commands::campaign::store_path(store, config);
    if !path.exists() {
        return Ok(None);
    }
    let store = cxaudit::store::SqliteStore::open_existing(&path)?;
    let earlier = store.audits(Some(&result.target.host))?;
    let Some(last) = earlier.last() else {
        return Ok(None);
    };
    let json = store.audit_json(last.id)?.unwrap_or_default();
    let mut previous: cxaudit::result::AuditResult = serde_json::from_slice(&json)?;
    cxaudit::audit::rejudge(&mut previous, checks)?;
    let diff = cxaudit::diff::diff(&previous, result);
    let finding_before = |id: &str| {
        previous
            .checks
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.finding.clone())
            .unwrap_or_default()
    };
    let mut changes = Vec::new();
    for (change, list) in [("fixed", &diff.fixed), ("regressed", &diff.regressed)] {
        for rule in list {
            changes.push(RuleEvolution {
                id: rule.id.clone(),
                change: change.to_string(),
                status_before: rule.before.unwrap_or(CheckStatus::NotApplicable),
                finding_before: finding_before(&rule.id),
            });
        }
    }
    Ok(Some(ShopHistory {
        earlier: earlier
            .iter()
            .map(|a| PastAudit {
                id: a.id,
                finished_at: a.finished_at.clone(),
                html_pages: a.html_pages,
                score: a.score,
                grade: a.grade.clone(),
            })
            .collect(),
        changes,
        rule_pack: checks.origin.clone(),
    }))
}

/// Records the audit in the history store, with its audit.json as written.
fn record(
    result: &cxaudit::result::AuditResult,
    json_path: &std::path::Path,
    store: &crate::commands::campaign::StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<i64> {
    use cxaudit::store::HistoryStore;
    let path = crate::commands::campaign::store_path(store, config);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut store = cxaudit::store::SqliteStore::open(&path)?;
    let audit = cxaudit::store::NewAudit {
        shop_host: result.target.host.clone(),
        start_url: result.target.start_url.clone(),
        started_at: result.started_at.clone(),
        finished_at: result.finished_at.clone(),
        html_pages: result.crawl.counts.html_pages,
        score: result.scores.overall,
        grade: result.scores.grade.clone(),
        tool_version: result.tool.version.clone(),
        folder: json_path
            .parent()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .map(|p| p.display().to_string()),
        rules: result
            .checks
            .iter()
            .map(|c| {
                let status = serde_json::to_value(c.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                (c.id.clone(), status, c.score)
            })
            .collect(),
        audit_json: std::fs::read(json_path)?,
    };
    Ok(store.record_audit(&audit)?)
}

/// `audits/<host>-<date>`, with `-2`, `-3`... when an audit is already there: a re-run never overwrites one.
fn default_out_dir(host: &str) -> PathBuf {
    let date = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let base = PathBuf::from("audits").join(format!("{}-{date}", host.replace([':', '/'], "_")));
    let mut candidate = base.clone();
    let mut n = 2;
    while candidate.join("audit.json").exists() {
        candidate = PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    candidate
}
