//! The `cxaudit` command: parses arguments, wires the library's stages together, prints. The only place that
//! prints errors and chooses exit codes: 0 success, 1 the audit could not be done, 2 bad usage.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use url::Url;

use cxaudit::crawl::frontier::Limits;
use cxaudit::crawl::CrawlSettings;
use cxaudit::rules::pack::Checks;

mod outputs;
mod progress;

use outputs::{Format, Look, ReportLook};

#[derive(Parser)]
#[command(
    name = "cxaudit",
    version,
    about = "Audits the customer relations of an online shop."
)]
struct Cli {
    /// The settings file. Default: cxaudit.toml in the user's config dir (~/.config/cxaudit/), if there is one.
    #[arg(long, global = true, env = "CXAUDIT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crawl a shop and write its audit (audit.json) to a folder.
    Audit(AuditArgs),
    /// Render the client's HTML report from an audit.json (no re-crawl).
    Report(ReportArgs),
    /// List or validate rule packs (the files of checks/).
    #[command(subcommand)]
    Checks(ChecksCommand),
    /// Serve the bundled sample shop on 127.0.0.1 until interrupted, to crawl it with other tools.
    DemoServe {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8089)]
        port: u16,
    },
}

#[derive(Args)]
struct ReportArgs {
    /// The audit.json to render.
    audit: PathBuf,
    /// Where the HTML report goes; the other formats take its name. Default: report.html beside the audit.json.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// The report's language (default: the config's, else fr).
    #[arg(long, value_parser = ["fr", "en"])]
    lang: Option<String>,
    /// What to write, comma-separated: html, csv (one row per rule), md (a summary), pdf.
    #[arg(long, value_delimiter = ',', default_value = "html")]
    format: Vec<Format>,
    /// Also print the report to PDF (the same as adding pdf to --format).
    #[arg(long)]
    pdf: bool,
    #[command(flatten)]
    look: ReportLook,
}

#[derive(Subcommand)]
enum ChecksCommand {
    /// List the rules: id, category, weight, scope, detector, title.
    List {
        /// A folder of rule files instead of the bundled ones.
        #[arg(long)]
        checks: Option<PathBuf>,
        /// Titles in this language (fr, en).
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Check a folder of rule files: every problem is reported with its file; exit 1 if any.
    Validate {
        /// The folder (with key-pages.toml, categories.toml and rules/).
        dir: PathBuf,
    },
}

#[derive(Args)]
struct AuditArgs {
    /// The shop's home page, such as https://shop.example/.
    #[arg(required_unless_present = "demo")]
    url: Option<String>,
    /// Audit the bundled sample shop, served on 127.0.0.1 by cxaudit itself (no network needed).
    #[arg(long, conflicts_with = "url")]
    demo: bool,
    /// Folder for audit.json. Default: audits/<host>-<date> (a new folder if it exists).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Stop after this many fetched URLs.
    #[arg(long, default_value_t = 500)]
    max_pages: usize,
    /// Do not follow links deeper than this many clicks from the start page.
    #[arg(long, default_value_t = 10)]
    max_depth: u32,
    /// Simultaneous requests to the shop.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Pause between requests, in milliseconds (robots.txt Crawl-delay wins if longer).
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Give up on a request after this many seconds.
    #[arg(long, default_value_t = 20)]
    timeout: u64,
    /// Stop reading a page past this many MiB.
    #[arg(long, default_value_t = 5)]
    max_body_mib: u64,
    /// Do not read sitemap.xml (only follow links).
    #[arg(long)]
    no_sitemaps: bool,
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
    #[arg(long, value_parser = ["fr", "en"])]
    report_lang: Option<String>,
    /// What to write, comma-separated: json (always), html, csv (one row per rule), md (a summary), pdf.
    /// Default: the config's formats, else json,html.
    #[arg(long, value_delimiter = ',')]
    format: Vec<Format>,
    #[command(flatten)]
    look: ReportLook,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Page analysis runs on the blocking pool: one thread per core (plus one for DNS lookups) keeps every
        // core parsing without oversubscribing.
        .max_blocking_threads(cxaudit::available_cores() + 1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let config = cli.config.clone();
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Audit(args) => audit(args, config.as_deref()).await,
            Command::Checks(command) => checks_command(command),
            Command::Report(args) => report_command(args, config.as_deref()),
            Command::DemoServe { port } => demo_serve(port).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The formats asked for: the flag, else the config file's list, else `fallback`.
fn chosen_formats(
    flag: &[Format],
    config: &cxaudit::config::Config,
    fallback: &[Format],
) -> anyhow::Result<Vec<Format>> {
    use clap::ValueEnum;
    if !flag.is_empty() {
        return Ok(flag.to_vec());
    }
    match &config.report.formats {
        Some(names) => names
            .iter()
            .map(|n| {
                Format::from_str(n, true).map_err(|_| {
                    anyhow::anyhow!(
                        "cxaudit.toml: report.formats: {n:?} is not json, html, csv, md or pdf"
                    )
                })
            })
            .collect(),
        None => Ok(fallback.to_vec()),
    }
}

async fn audit(args: AuditArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    // Settings are checked before the crawl: a typo must not cost a 10-minute crawl.
    let look = Look::resolve(&args.look, args.report_lang.as_deref(), &config)?;
    let formats = chosen_formats(&args.format, &config, &[Format::Json, Format::Html])?;
    let checks = load_checks(args.checks.as_deref())?;
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
        (None, None) => bail!("give the shop's URL, or --demo"),
    };
    if let Some(country) = &args.country {
        if country.parse::<phonenumber::country::Id>().is_err() {
            bail!("--country {country}: not an ISO 3166 country code (FR, BE, CH...)");
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
    let settings = CrawlSettings {
        limits: Limits {
            max_pages: args.max_pages.max(1),
            max_depth: args.max_depth,
            ..Limits::default()
        },
        concurrency: args.concurrency.clamp(1, 64),
        delay: Duration::from_millis(args.delay_ms),
        timeout: Duration::from_secs(args.timeout.max(1)),
        max_body_bytes: args.max_body_mib.max(1) * 1024 * 1024,
        use_sitemaps: !args.no_sitemaps,
        ..CrawlSettings::default()
    };
    let progress = progress::Bar::new(args.quiet);
    let options = cxaudit::audit::AuditOptions {
        start,
        crawl: settings,
        country: args.country,
        lang: args.lang,
        checks: Arc::new(checks),
        out_dir,
    };
    let output = cxaudit::audit::run(options, &progress).await?;
    progress.finish();
    let report_path = output.json_path.with_file_name("report.html");
    outputs::write_formats(&output.result, &report_path, &formats, &look)?;
    outputs::write_manifest(
        output
            .json_path
            .parent()
            .unwrap_or(std::path::Path::new(".")),
    )?;
    if !args.quiet {
        print!(
            "{}",
            cxaudit::summary::render(&output.result, &output.json_path.display().to_string())
        );
    }
    Ok(())
}

fn report_command(args: ReportArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    let look = Look::resolve(&args.look, args.lang.as_deref(), &config)?;
    let mut formats = args.format.clone();
    if args.pdf {
        formats.push(Format::Pdf);
    }
    let result = cxaudit::audit::read_result(&args.audit).map_err(anyhow::Error::msg)?;
    let out = args
        .out
        .unwrap_or_else(|| args.audit.with_file_name("report.html"));
    for path in outputs::write_formats(&result, &out, &formats, &look)? {
        println!("{}", path.display());
    }
    Ok(())
}

fn load_checks(dir: Option<&std::path::Path>) -> anyhow::Result<Checks> {
    Ok(match dir {
        Some(dir) => Checks::load(dir)?,
        None => Checks::bundled(),
    })
}

fn checks_command(command: ChecksCommand) -> anyhow::Result<()> {
    match command {
        ChecksCommand::List { checks, lang } => {
            let checks = load_checks(checks.as_deref())?;
            println!(
                "{:<26} {:<14} {:>6}  {:<10} {:<24} TITLE",
                "ID", "CATEGORY", "WEIGHT", "SCOPE", "DETECTOR"
            );
            for rule in &checks.rules {
                let scope = serde_json::to_value(rule.scope)?;
                println!(
                    "{:<26} {:<14} {:>6}  {:<10} {:<24} {}{}",
                    rule.id,
                    rule.category,
                    rule.weight,
                    scope.as_str().unwrap_or_default(),
                    rule.detector,
                    rule.title.get(&lang),
                    if rule.enabled { "" } else { " (disabled)" }
                );
            }
            println!("{} rules from {}", checks.rules.len(), checks.origin);
            Ok(())
        }
        ChecksCommand::Validate { dir } => {
            let checks = Checks::load(&dir)?;
            let enabled = checks.rules.iter().filter(|r| r.enabled).count();
            println!(
                "{}: valid — {} rules ({enabled} enabled), {} categories, {} terms",
                dir.display(),
                checks.rules.len(),
                checks.categories.len(),
                checks.terms.len()
            );
            Ok(())
        }
    }
}

/// Accepts `shop.example` as well as `https://shop.example/`.
fn parse_start_url(raw: &str) -> anyhow::Result<Url> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = Url::parse(&with_scheme).with_context(|| format!("{raw:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("{raw:?}: only http:// and https:// sites can be audited");
    }
    Ok(url)
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

async fn demo_serve(port: u16) -> anyhow::Result<()> {
    let server = cxaudit::demo::serve(port)
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    println!("demo shop at {} (Ctrl-C to stop)", server.url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
