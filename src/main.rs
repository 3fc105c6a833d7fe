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
    /// Mystery-shopper campaigns: write to the shop as a customer, time and judge its answers.
    #[command(subcommand)]
    Campaign(CampaignCommand),
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

/// Where campaigns are kept.
#[derive(Args, Clone)]
struct StoreArgs {
    /// The store (SQLite). Default: [campaign] db in the config, else the user's data dir.
    #[arg(long, env = "CXAUDIT_DB")]
    db: Option<PathBuf>,
}

#[derive(Subcommand)]
enum CampaignCommand {
    /// Plan the probes of a shop's audit (dry run: prints them); --send stores and sends them.
    Start {
        /// The audit folder, its audit.json, or the shop's URL (its latest audit under audits/).
        audit: PathBuf,
        /// Write to this address instead of those the crawl found (repeatable).
        #[arg(long)]
        to: Vec<String>,
        /// Only this scenario (repeatable); default all of checks/probes.
        #[arg(long)]
        scenario: Vec<String>,
        /// Store the campaign and send what is due now (without it nothing is stored or sent).
        #[arg(long)]
        send: bool,
        /// A new campaign even if one is running for this shop (by default a re-run resumes it).
        #[arg(long)]
        new: bool,
        /// Spread the sends over this many hours from now.
        #[arg(long, default_value_t = 0.0)]
        spread_hours: f64,
        /// Send at this moment of the shop's week, in its time zone (repeatable, taken in turn by the probes):
        /// a Friday-evening probe tells more than a Tuesday-morning one. Example: --at fri-19:00 --at sat-10:00
        #[arg(long)]
        at: Vec<cxaudit::campaign::clock::WeekTime>,
        /// A rule pack folder whose probes/ replaces the bundled scenarios.
        #[arg(long)]
        checks: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Send the probes that are due (spread sends, retries).
    Send {
        /// Only this campaign.
        #[arg(long)]
        campaign: Option<i64>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show every probe of a campaign (default: the latest).
    Status {
        #[arg(long)]
        campaign: Option<i64>,
        /// As JSON.
        #[arg(long)]
        json: bool,
        /// Judge the campaign as of this instant (RFC 3339): later replies are ignored, the deadline is compared to
        /// it. Default: now.
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write the campaign's results into its audit (audit.json, the rules on replies, scores) and re-render the
    /// report files of that folder.
    Report {
        #[arg(long)]
        campaign: Option<i64>,
        /// Leave staff addresses and reply subjects out (the report goes to a client).
        #[arg(long)]
        redact: bool,
        /// Judge as of this instant (RFC 3339). Default: now.
        #[arg(long)]
        as_of: Option<String>,
        /// The rule pack the audit used, when not the bundled one.
        #[arg(long)]
        checks: Option<PathBuf>,
        #[command(flatten)]
        look: ReportLook,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Read the auditor's mailbox: tie replies to probes, classify and time them (--watch: keep polling).
    Collect {
        /// Keep collecting (and sending what is due) every this many seconds.
        #[arg(long)]
        watch: Option<u64>,
        /// A rule pack folder whose probes/ replaces the bundled scenarios.
        #[arg(long)]
        checks: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
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
            Command::Campaign(command) => campaign_command(command, config.as_deref()),
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

fn open_store(
    store: &StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<cxaudit::store::Store> {
    let path = store
        .db
        .clone()
        .or_else(|| config.campaign.db.as_deref().map(|p| config.resolve(p)))
        .unwrap_or_else(cxaudit::store::Store::default_path);
    Ok(cxaudit::store::Store::open(&path)?)
}

fn campaign_command(
    command: CampaignCommand,
    config_path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use cxaudit::campaign::{self, mail::MailSettings, scenario};
    let config = cxaudit::config::Config::load(config_path)?;
    match command {
        CampaignCommand::Start {
            audit,
            to,
            scenario: names,
            send,
            new,
            spread_hours,
            at,
            checks,
            store,
        } => {
            let json_path = find_audit(&audit)?;
            let result = cxaudit::audit::read_result(&json_path).map_err(anyhow::Error::msg)?;
            let settings = MailSettings::resolve(&config)?;
            let all = scenario::load(checks.as_deref())?;
            let request = campaign::StartRequest {
                audit: &result,
                audit_path: Some(&json_path),
                to: &to,
                scenarios: scenario::choose(&all, &names)?,
                spread_hours: spread_hours.max(0.0),
                at,
                max_probes: config.campaign.max_probes_per_shop,
                deadline_days: config.campaign.deadline_days,
                new,
            };
            if !send {
                for (_, probe) in campaign::plan(&request, &settings)? {
                    println!(
                        "To: {}\nFrom: {}\nSubject: {}\nScenario: {} · send after {}\n\n{}\n----",
                        probe.to,
                        settings.from,
                        probe.subject,
                        probe.scenario,
                        probe.send_after,
                        probe.body
                    );
                }
                println!("dry run: nothing stored or sent (add --send)");
                return Ok(());
            }
            // The SMTP settings are checked before anything is stored.
            settings.smtp()?;
            let mut store = open_store(&store, &config)?;
            let (id, created) = campaign::create(&mut store, &request, &settings)?;
            if created {
                println!("campaign {id} created for {}", result.target.host);
            } else {
                println!(
                    "campaign {id} is already running for {}: sending what is due (--new for another)",
                    result.target.host
                );
            }
            print_send_report(&campaign::send_due(
                &mut store,
                &settings,
                Some(id),
                config.campaign.max_sends_per_hour,
            )?);
            let waiting = campaign::waiting(&store, id)?;
            if let Some(first) = waiting.first() {
                println!(
                    "{} probe(s) wait for their time (first at {first}): `cxaudit campaign send` then, or keep \
                     `cxaudit campaign collect --watch 600` running",
                    waiting.len()
                );
            }
            Ok(())
        }
        CampaignCommand::Send {
            campaign: id,
            store,
        } => {
            let settings = MailSettings::resolve(&config)?;
            let mut store = open_store(&store, &config)?;
            print_send_report(&campaign::send_due(
                &mut store,
                &settings,
                id,
                config.campaign.max_sends_per_hour,
            )?);
            Ok(())
        }
        CampaignCommand::Report {
            campaign: id,
            redact,
            as_of,
            checks,
            look,
            store,
        } => {
            let (store, id, mut status) = judged_campaign(&store, id, as_of.as_deref(), &config)?;
            if redact {
                campaign::redact(&mut status);
            }
            let json_path = campaign::audit_path(&store, id)?
                .context("this campaign was not started from an audit folder")?;
            let mut result = cxaudit::audit::read_result(&json_path).map_err(anyhow::Error::msg)?;
            let checks = load_checks(checks.as_deref())?;
            cxaudit::rules::apply_campaign(&checks, &mut result, status);
            // Written beside and renamed over: a crash never leaves half a file.
            let temporary = json_path.with_extension("json.tmp");
            std::fs::write(&temporary, serde_json::to_vec(&result)?)
                .with_context(|| format!("cannot write {}", temporary.display()))?;
            std::fs::rename(&temporary, &json_path)?;
            let folder = json_path.parent().unwrap_or(std::path::Path::new("."));
            let look = Look::resolve(&look, None, &config)?;
            let formats: Vec<Format> = [
                ("html", Format::Html),
                ("csv", Format::Csv),
                ("md", Format::Md),
                ("pdf", Format::Pdf),
            ]
            .into_iter()
            .filter(|(ext, _)| folder.join(format!("report.{ext}")).exists())
            .map(|(_, f)| f)
            .collect();
            outputs::write_formats(&result, &folder.join("report.html"), &formats, &look)?;
            outputs::write_manifest(folder)?;
            println!(
                "campaign {id} written into {} (score {}{})",
                json_path.display(),
                result
                    .scores
                    .overall
                    .map(|s| format!("{s:.0}"))
                    .unwrap_or_else(|| "–".into()),
                result
                    .scores
                    .grade
                    .as_deref()
                    .map(|g| format!(", grade {g}"))
                    .unwrap_or_default()
            );
            Ok(())
        }
        CampaignCommand::Collect {
            watch,
            checks,
            store,
        } => {
            let settings = MailSettings::resolve(&config)?;
            let scenarios = scenario::load(checks.as_deref())?;
            let mut store = open_store(&store, &config)?;
            loop {
                let report = campaign::collect::collect(
                    &mut store,
                    &settings,
                    &scenarios,
                    config.campaign.retention_days,
                )?;
                println!(
                    "read {} message(s): {} repl(ies), {} bounce(s), {} probe(s) confirmed sent",
                    report.scanned, report.replies, report.bounces, report.confirmed
                );
                let Some(seconds) = watch else { break };
                if settings.smtp.is_some() {
                    print_send_report(&campaign::send_due(
                        &mut store,
                        &settings,
                        None,
                        config.campaign.max_sends_per_hour,
                    )?);
                }
                std::thread::sleep(std::time::Duration::from_secs(seconds.max(10)));
            }
            Ok(())
        }
        CampaignCommand::Status {
            campaign: id,
            json,
            as_of,
            store,
        } => {
            let (_, _, status) = judged_campaign(&store, id, as_of.as_deref(), &config)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                println!(
                    "campaign {} — {} (started {})",
                    status.id, status.shop, status.created_at
                );
                let hours =
                    |h: Option<f64>| h.map(|h| format!("{h:.1} h")).unwrap_or_else(|| "-".into());
                for p in &status.probes {
                    println!(
                        "  #{:<4} {:<30} {:<22} {:<9} {:<10} ack {:<8} human {:<8} (business {})",
                        p.id,
                        p.to,
                        p.scenario,
                        p.state,
                        p.outcome,
                        hours(p.ack_delay_hours),
                        hours(p.human_delay_hours),
                        hours(p.business_hours_delay)
                    );
                }
                let count = |o: &str| status.probes.iter().filter(|p| p.outcome == o).count();
                let mut human: Vec<f64> = status
                    .probes
                    .iter()
                    .filter_map(|p| p.human_delay_hours)
                    .collect();
                human.sort_by(f64::total_cmp);
                println!(
                    "answered by a person {}, no answer {}, bounced {}, pending {}; median human answer {}",
                    count("answered"),
                    count("no-answer"),
                    count("bounced"),
                    count("pending"),
                    hours(human.get(human.len() / 2).copied())
                );
            }
            Ok(())
        }
    }
}

/// An audit folder, an audit.json, or a shop's URL: the newest `audits/<host>-<date>` folder.
fn find_audit(given: &std::path::Path) -> anyhow::Result<PathBuf> {
    if given.is_dir() {
        return Ok(given.join("audit.json"));
    }
    if given.exists() {
        return Ok(given.to_path_buf());
    }
    let raw = given.to_string_lossy();
    let url = parse_start_url(&raw)
        .with_context(|| format!("{raw}: no such audit folder or file, and not a shop's URL"))?;
    let host = url.host_str().unwrap_or_default().replace([':', '/'], "_");
    let newest = std::fs::read_dir("audits")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{host}-"))
                && e.path().join("audit.json").is_file()
        })
        .max_by_key(|e| {
            std::fs::metadata(e.path().join("audit.json"))
                .and_then(|m| m.modified())
                .ok()
        });
    match newest {
        Some(entry) => Ok(entry.path().join("audit.json")),
        None => bail!("no audit of {host} under audits/: run `cxaudit audit {raw}` first, or give the audit folder"),
    }
}

/// The store, the campaign asked for (else the newest), and its status as of `as_of` (else now).
fn judged_campaign(
    store: &StoreArgs,
    id: Option<i64>,
    as_of: Option<&str>,
    config: &cxaudit::config::Config,
) -> anyhow::Result<(
    cxaudit::store::Store,
    i64,
    cxaudit::campaign::CampaignStatus,
)> {
    let store = open_store(store, config)?;
    let id = chosen_campaign(&store, id)?;
    let status =
        cxaudit::campaign::status(&store, id, parse_instant(as_of)?, &default_week(config)?)?;
    Ok((store, id, status))
}

/// The campaign asked for, else the newest.
fn chosen_campaign(store: &cxaudit::store::Store, id: Option<i64>) -> anyhow::Result<i64> {
    match id {
        Some(id) => Ok(id),
        None => Ok(*cxaudit::campaign::campaigns(store)?
            .first()
            .context("no campaign in the store yet")?),
    }
}

/// The opening hours assumed when a shop publishes none.
fn default_week(
    config: &cxaudit::config::Config,
) -> anyhow::Result<cxaudit::campaign::clock::Week> {
    cxaudit::campaign::clock::Week::parse(&config.campaign.default_hours)
        .map_err(|e| anyhow::anyhow!("cxaudit.toml: [campaign] default_hours: {e}"))
}

fn parse_instant(text: Option<&str>) -> anyhow::Result<jiff::Timestamp> {
    match text {
        Some(t) => t
            .parse::<jiff::Timestamp>()
            .with_context(|| format!("--as-of {t}: write an instant like 2026-03-06T18:00:00Z")),
        None => Ok(cxaudit::campaign::now()),
    }
}

fn print_send_report(report: &cxaudit::campaign::SendReport) {
    println!("sent: {}", report.sent.len());
    for (id, reason) in &report.retry_later {
        println!("  #{id} will be retried: {reason}");
    }
    for (id, reason) in &report.failed {
        println!("  #{id} failed: {reason}");
    }
    for id in &report.uncertain {
        println!("  #{id} was interrupted while sending: not sent again (collect will confirm it)");
    }
    if report.held_by_cap > 0 {
        println!(
            "  {} probe(s) held back by the hourly cap",
            report.held_by_cap
        );
    }
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
