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
    /// Render pages in headless Chromium: auto (those the HTML shows incomplete, and the home and contact pages),
    /// always, or never (the HTML as served; no browser needed). Default: the config's [crawl] render, else auto.
    #[arg(long, env = "CXAUDIT_RENDER")]
    render: Option<cxaudit::render::RenderMode>,
    /// Do not record this audit in the history store.
    #[arg(long)]
    no_history: bool,
    /// The scheduled job this audit runs (set by `cxaudit daemon`): recorded with the job marked done, in one
    /// transaction, only while `--job-owner` still holds the job.
    #[arg(
        long,
        hide = true,
        requires = "job_owner",
        conflicts_with = "no_history"
    )]
    job: Option<i64>,
    #[arg(long, hide = true, requires = "job")]
    job_owner: Option<String>,
    /// The job's report goes by e-mail: marked pending for the daemon.
    #[arg(long, hide = true, requires = "job")]
    job_mail: bool,
    #[command(flatten)]
    store: crate::commands::campaign::StoreArgs,
    #[command(flatten)]
    look: ReportLook,
}

pub async fn run(args: AuditArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let config = Arc::new(cxaudit::config::Config::load(config_path)?);
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
    let render = match (args.render, config.crawl.render.as_deref()) {
        (Some(mode), _) => mode,
        (None, Some(word)) => match word.parse() {
            Ok(mode) => mode,
            Err(e) => crate::commands::usage!("cxaudit.toml: [crawl] render {e}"),
        },
        (None, None) => cxaudit::render::RenderMode::Auto,
    };
    let renderer = match render {
        cxaudit::render::RenderMode::Never => None,
        mode => cxaudit::render::find_browser().map(|browser| {
            Arc::new(
                cxaudit::render::Renderer::new(
                    mode,
                    browser,
                    &settings.user_agent,
                    settings.timeout,
                )
                .with_screenshots(&out_dir),
            )
        }),
    };
    let progress = Arc::new(progress::Bar::new(args.quiet, settings.limits.max_pages));
    let options = cxaudit::audit::AuditOptions {
        start,
        crawl: settings,
        country: args.country,
        lang: args.lang,
        checks: checks.clone(),
        out_dir,
        render,
        renderer,
    };
    let partial = [
        options.out_dir.join(".audit.json.partial"),
        options
            .out_dir
            .join(format!(".{}.partial", cxaudit::audit::PAGE_FACTS_FILE)),
    ];
    if args.job.is_some() {
        orphaned_stops(partial.clone());
    }
    // Listening before the crawl starts: a signal that came before the first poll would kill the process.
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    // What changed since the shop's last audit, both judged with this pack, and the consultant's judgements in
    // force: put into the result before its last fields are written, so audit.json is never read back.
    let in_force = Arc::new(std::sync::Mutex::new(None));
    // The shop is known from the start URL (`shop_of` reads the target's start URL), so its last audit is judged
    // again while the crawl goes. The demo shop answers on a new port each time: the history knows it as one shop.
    let history_shop = if args.demo {
        DEMO_SHOP.to_string()
    } else {
        cxaudit::target::shop_key(&options.start)
    };
    let (last_sent, last_received) = std::sync::mpsc::sync_channel(1);
    if !args.no_history {
        let (shop, checks, store, config) = (
            history_shop.clone(),
            checks.clone(),
            args.store.clone(),
            config.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let _ = last_sent.send(last_audit(&shop, &checks, &store, &config));
        });
    }
    let amend = {
        let (progress, checks, config, in_force) = (
            progress.clone(),
            checks.clone(),
            config.clone(),
            in_force.clone(),
        );
        let (no_history, store, shop) = (args.no_history, args.store.clone(), history_shop.clone());
        move |result: &mut cxaudit::result::AuditResult| {
            if no_history {
                return;
            }
            // Its warnings are not drawn over the bar.
            progress.finish();
            let last = last_received
                .recv()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("judging the last audit again stopped")));
            result.history = match last {
                Ok(last) => last.map(|last| shop_history(result, last, &checks)),
                Err(e) => {
                    eprintln!("warning: the shop's earlier audits could not be compared: {e:#}");
                    None
                }
            };
            // The consultant's judgements on this shop carry over while what their rules see is the same.
            let judgements = crate::commands::history::judgements_in_force(&shop, &store, &config)
                .unwrap_or_else(|e| {
                    eprintln!("warning: the consultant's judgements could not be read: {e:#}");
                    Default::default()
                });
            cxaudit::audit::apply_judgements(result, &judgements.judgements, &checks);
            *in_force.lock().unwrap_or_else(|e| e.into_inner()) = Some(judgements);
        }
    };
    let output = tokio::select! {
        output = cxaudit::audit::run_amended(options, &*progress, amend) => output?,
        _ = interrupt.recv() => {
            progress.finish();
            // The crawl stops where it is: a half-written result is no audit, and an older audit.json stays.
            for file in &partial {
                let _ = std::fs::remove_file(file);
            }
            eprintln!("interrupted: no audit was written (an audit.json already in the folder is unchanged)");
            std::process::exit(130);
        }
    };
    progress.finish();
    let report_path = output.json_path.with_file_name("report.html");
    // The demo shop answers on a new port each time: the history knows it as one shop.
    let shop = history_shop;
    let in_force = in_force.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(in_force) = &in_force {
        let folder = output
            .json_path
            .parent()
            .unwrap_or(std::path::Path::new("."));
        in_force.write_attachments(folder)?;
        carry_notes(in_force, &output.result, folder);
    }
    let written = outputs::write_formats(&output.result, &report_path, &formats, &look)?;
    outputs::write_manifest(
        output
            .json_path
            .parent()
            .unwrap_or(std::path::Path::new(".")),
    )?;
    // The history: a failure to record leaves the audit folder as it is, and is said; a scheduled job's audit
    // must be recorded (its worker reads the job's state), so there it is an error.
    let job = args
        .job
        .zip(args.job_owner.as_deref())
        .map(|(id, owner)| JobRun {
            id,
            owner,
            mail: args.job_mail,
        });
    let recorded = if args.no_history {
        None
    } else {
        match record(
            &output.result,
            &shop,
            &output.json_path,
            &args.store,
            &config,
            job.as_ref(),
        ) {
            Ok(id) => Some(id),
            Err(e) if job.is_some() => return Err(e),
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

/// The shop's earlier audits in the store, the last one judged again with the audit's pack.
struct LastAudit {
    earlier: Vec<cxaudit::store::AuditRecord>,
    previous: cxaudit::result::AuditResult,
    judged_again: bool,
}

/// The shop's last audit, judged again with `checks` from the page facts its folder keeps (its verdicts as given
/// when the folder is gone). Begun beside the crawl: it shares the crawl's dictionaries and cores, and reads the
/// folder before this audit replaces what is in it.
fn last_audit(
    shop: &str,
    checks: &cxaudit::rules::pack::Checks,
    store: &crate::commands::campaign::StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<Option<LastAudit>> {
    let location = crate::commands::campaign::store_path(store, config);
    if !location.may_exist() {
        return Ok(None);
    }
    let store = cxaudit::store::open_existing(&location)?;
    let earlier = store.audits(Some(shop))?;
    let Some(last) = earlier.last() else {
        return Ok(None);
    };
    let json = store.audit_json(last.id)?.unwrap_or_default();
    let mut previous: cxaudit::result::AuditResult = serde_json::from_slice(&json)?;
    // The store keeps no page facts: the last audit's folder does, while it is there; else its verdicts as given.
    let facts = last.folder.as_deref().and_then(|folder| {
        cxaudit::audit::page_facts_in_folder(
            std::path::Path::new(folder),
            &last.started_at,
            &last.finished_at,
        )
    });
    let judged_again =
        crate::commands::diff::rejudge_or_keep(&mut previous, facts.as_deref(), checks)?;
    Ok(Some(LastAudit {
        earlier,
        previous,
        judged_again,
    }))
}

/// What changed since the shop's last audit, both judged with `checks`.
fn shop_history(
    result: &cxaudit::result::AuditResult,
    last: LastAudit,
    checks: &cxaudit::rules::pack::Checks,
) -> cxaudit::result::ShopHistory {
    use cxaudit::result::{CheckStatus, PastAudit, RuleEvolution, ShopHistory};
    let LastAudit {
        earlier,
        previous,
        judged_again,
    } = last;
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
    ShopHistory {
        earlier: earlier
            .iter()
            .map(|a| PastAudit {
                id: a.id,
                finished_at: a.finished_at.clone(),
                html_pages: a.html_pages,
                score: a.score,
                grade: a.grade.clone(),
                campaign: a.campaign.clone(),
            })
            .collect(),
        changes,
        rule_pack: checks.origin.clone(),
        last_as_judged_then: !judged_again,
    }
}

const CARRIED: &str = "# Carried over from";

/// The consultant's notes on the shop's last report (priorities ranked or dropped, annotations) start this one's
/// `notes.toml`, said as carried in its first line; notes naming a rule this audit lacks are left behind, said.
fn carry_notes(
    in_force: &crate::commands::history::InForce,
    result: &cxaudit::result::AuditResult,
    folder: &std::path::Path,
) {
    let Some(saved) = &in_force.notes else {
        return;
    };
    let path = folder.join("notes.toml");
    if path.exists() {
        return;
    }
    let fits = toml::from_str::<cxaudit::result::ConsultantNotes>(&saved.toml).is_ok_and(|notes| {
        notes
            .priorities
            .iter()
            .all(|p| result.checks.iter().any(|c| c.id == p.rule))
    });
    if !fits {
        eprintln!(
            "warning: the notes of audit {} name rules this audit does not have: not carried over",
            saved.audit_id
        );
        return;
    }
    // Carried twice, the first line would pile up.
    let body = match saved.toml.strip_prefix(CARRIED) {
        Some(rest) => rest.split_once('\n').map(|(_, body)| body).unwrap_or(""),
        None => &saved.toml,
    };
    let text = format!(
        "{CARRIED} audit {} (notes saved {}): edit, then `cxaudit report {}`.\n{body}",
        saved.audit_id,
        saved.saved_at,
        folder.join("audit.json").display(),
    );
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!(
            "warning: the notes of audit {} could not be carried over: {e}",
            saved.audit_id
        );
    }
}

/// A job's audit whose worker died stops too: it runs in its own process group (a Ctrl-C to the worker must not
/// stop it), so nothing else would, and a worker that takes the job over must not find the shop being crawled.
fn orphaned_stops(partial: [PathBuf; 2]) {
    // The worker names itself: a worker that died before this line ran left this audit adopted already.
    let parent = std::env::var("CXAUDIT_JOB_WORKER_PID")
        .ok()
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(std::os::unix::process::parent_id);
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        if std::os::unix::process::parent_id() != parent {
            for file in &partial {
                let _ = std::fs::remove_file(file);
            }
            // Its stderr was the dead worker's pipe: `eprintln!` would panic on it, and the audit go on.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "its worker stopped: the audit stops, unrecorded"
            );
            std::process::exit(3);
        }
    });
}

/// The name the history gives the bundled sample shop (`cxaudit history demo`).
const DEMO_SHOP: &str = "demo";

/// The scheduled job an audit runs for.
struct JobRun<'a> {
    id: i64,
    owner: &'a str,
    mail: bool,
}

/// Records the audit in the history store, with its audit.json as written (for a job: with the job done).
fn record(
    result: &cxaudit::result::AuditResult,
    shop: &str,
    json_path: &std::path::Path,
    store: &crate::commands::campaign::StoreArgs,
    config: &cxaudit::config::Config,
    job: Option<&JobRun>,
) -> anyhow::Result<i64> {
    let mut store = cxaudit::store::open(&crate::commands::campaign::store_path(store, config))?;
    let audit = cxaudit::store::NewAudit {
        shop_host: shop.to_string(),
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
        rules: crate::commands::history::rule_rows(result),
        audit_json: std::fs::read(json_path)?,
    };
    match job {
        None => Ok(store.record_audit(&audit)?),
        Some(job) => store
            .complete_job(
                job.id,
                job.owner,
                &audit,
                job.mail.then_some("pending"),
                cxaudit::time::now(),
            )?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "job {} is no longer this worker's (its lease ran out and another took it): the audit is in \
                     its folder but not recorded",
                    job.id
                )
            }),
    }
}

/// `audits/<host>-<date>`, with `-2`, `-3`... when an audit is already there: a re-run never overwrites one.
fn default_out_dir(host: &str) -> PathBuf {
    let date = cxaudit::time::now().strftime("%Y-%m-%d").to_string();
    let base = PathBuf::from("audits").join(format!("{}-{date}", host.replace([':', '/'], "_")));
    let mut candidate = base.clone();
    let mut n = 2;
    while candidate.join("audit.json").exists() {
        candidate = PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    candidate
}
