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

mod progress;

#[derive(Parser)]
#[command(
    name = "cxaudit",
    version,
    about = "Audits the customer relations of an online shop."
)]
struct Cli {
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
    /// Where the report goes. Default: report.html beside the audit.json.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// The report's language.
    #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
    lang: String,
    /// Also print the report to PDF (beside it, .pdf) with headless Chromium.
    #[arg(long)]
    pdf: bool,
    #[command(flatten)]
    look: ReportLook,
}

/// How the report reads and looks.
#[derive(Args, Clone)]
struct ReportLook {
    /// A folder of templates, partials or strings.toml replacing the bundled ones of the same name.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// The consultancy named on the cover.
    #[arg(long, env = "CXAUDIT_CONSULTANCY")]
    consultancy: Option<String>,
    /// The cover's accent colour (#rrggbb).
    #[arg(long)]
    accent: Option<String>,
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
    /// The report's language.
    #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
    report_lang: String,
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
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Audit(args) => audit(args).await,
            Command::Checks(command) => checks_command(command),
            Command::Report(args) => report_command(args),
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

async fn audit(args: AuditArgs) -> anyhow::Result<()> {
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
    write_report(&output.result, &report_path, &args.report_lang, &args.look)?;
    write_manifest(
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

fn write_report(
    result: &cxaudit::result::AuditResult,
    path: &std::path::Path,
    lang: &str,
    look: &ReportLook,
) -> anyhow::Result<()> {
    let html = cxaudit::report::render(
        result,
        &cxaudit::report::ReportOptions {
            lang,
            templates: look.templates.as_deref(),
            branding: cxaudit::report::Branding {
                consultancy: look.consultancy.clone(),
                logo_data_uri: None,
                accent: look.accent.clone(),
            },
        },
    )?;
    std::fs::write(path, html).with_context(|| format!("cannot write {}", path.display()))
}

/// `manifest.sha256` beside the artefacts (`sha256sum -c` format), so a client can check later that nothing changed.
fn write_manifest(dir: &std::path::Path) -> anyhow::Result<()> {
    use sha2::{Digest, Sha256};
    let mut lines = String::new();
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "manifest.sha256" && !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(dir.join(&name))?;
        let digest = Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        lines.push_str(&format!("{hex}  {name}\n"));
    }
    std::fs::write(dir.join("manifest.sha256"), lines)?;
    Ok(())
}

fn report_command(args: ReportArgs) -> anyhow::Result<()> {
    let result = cxaudit::audit::read_result(&args.audit).map_err(anyhow::Error::msg)?;
    let out = args
        .out
        .unwrap_or_else(|| args.audit.with_file_name("report.html"));
    write_report(&result, &out, &args.lang, &args.look)?;
    println!("report: {}", out.display());
    if args.pdf {
        let pdf = out.with_extension("pdf");
        print_to_pdf(&out, &pdf)?;
        println!("pdf: {}", pdf.display());
    }
    Ok(())
}

/// Prints `html` to `pdf` with headless Chromium (Debian's `chromium`), the report's own print CSS laying it out.
fn print_to_pdf(html: &std::path::Path, pdf: &std::path::Path) -> anyhow::Result<()> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .context(
            "--pdf needs Chromium, which is not installed (Debian: apt-get install chromium)",
        )?;
    let html = std::fs::canonicalize(html)?;
    let profile = std::env::temp_dir().join(format!("cxaudit-chromium-{}", std::process::id()));
    let status = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stderr(std::process::Stdio::null())
        .status()
        .with_context(|| format!("cannot run {browser}"))?;
    let _ = std::fs::remove_dir_all(&profile);
    if !status.success() || !pdf.exists() {
        bail!("{browser} could not print {} to PDF", html.display());
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
