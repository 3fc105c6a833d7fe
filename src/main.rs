//! The `cxaudit` command: parses arguments and dispatches to one module per subcommand (`commands/`). The only
//! place that prints errors and chooses exit codes: 0 success, 1 the audit could not be done, 2 bad usage.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;
mod commands;

use commands::{
    audit::AuditArgs,
    campaign::CampaignCommand,
    checks::ChecksCommand,
    diff::DiffArgs,
    history::{ExportArgs, ForgetArgs, HistoryArgs, ManualArgs, OverrideArgs, ShowArgs},
    rejudge::RejudgeArgs,
    report::ReportArgs,
};

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
    Audit(Box<AuditArgs>),
    /// Judge a stored audit again with a rule pack (no network): new checks and scores, report re-rendered.
    Rejudge(RejudgeArgs),
    /// Render the client's HTML report from an audit.json (no re-crawl).
    Report(ReportArgs),
    /// What changed on a shop between two audits (both judged with one rule pack first).
    Diff(DiffArgs),
    /// The audits the store remembers, of one shop or all.
    History(HistoryArgs),
    /// One remembered audit: its scores and rules (or its audit.json).
    Show(ShowArgs),
    /// Set a rule's status as the consultant judges it (with why and who), for this audit and the shop's next ones.
    Override(OverrideArgs),
    /// Record a test made by hand (a phone call, a chat, a checkout behind a login): status, note, day, a file.
    Manual(ManualArgs),
    /// Write an audit's folder again from the store (audit.json, report, manifest).
    Export(ExportArgs),
    /// Delete everything kept about a shop (audits, judgements, campaigns, replies).
    Forget(ForgetArgs),
    /// Shops re-audited on a cadence: add, list, remove, run-now, jobs.
    #[command(subcommand)]
    Schedule(commands::schedule::ScheduleCommand),
    /// Run the due audits, their campaigns, the due probes and the report e-mails, pass after pass, until
    /// SIGINT or SIGTERM (the running audit finishes first).
    Daemon(commands::daemon::DaemonArgs),
    /// The daemon for one of several machines sharing a store (PostgreSQL): the same passes; the store's leases
    /// keep two workers off one job and one shop.
    Worker(commands::daemon::DaemonArgs),
    /// One pass of the daemon, then exit: for cron or a systemd timer.
    RunDue(commands::daemon::DaemonArgs),
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

fn main() -> ExitCode {
    limit_malloc_arenas();
    // One audit per process: its dictionaries need not outlive its pages.
    cxaudit::facts::spelling::release_when_pages_are_read();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Page analysis runs on the blocking pool: one thread per core keeps every core parsing without
        // oversubscribing. Not one more (for DNS lookups): each thread that analyses pages holds its own caches of
        // the pack's patterns (about 12 MB), and a lookup waits at most for one page's analysis.
        .max_blocking_threads(cxaudit::available_cores())
        .enable_all()
        .build()
        .expect("tokio runtime");
    let config = cli.config.clone();
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Audit(args) => commands::audit::run(*args, config.as_deref()).await,
            Command::Checks(command) => commands::checks::run(command),
            Command::Daemon(args) | Command::Worker(args) => {
                commands::daemon::run(args, config.as_deref(), false).await
            }
            Command::RunDue(args) => commands::daemon::run(args, config.as_deref(), true).await,
            Command::Schedule(command) => commands::schedule::run(command, config.as_deref()),
            Command::Campaign(command) => commands::campaign::run(command, config.as_deref()),
            Command::Rejudge(args) => commands::rejudge::run(args, config.as_deref()),
            Command::Report(args) => commands::report::run(args, config.as_deref()),
            Command::Diff(args) => commands::diff::run(args, config.as_deref()),
            Command::History(args) => commands::history::history(args, config.as_deref()),
            Command::Show(args) => commands::history::show(args, config.as_deref()),
            Command::Override(args) => commands::history::override_rule(args, config.as_deref()),
            Command::Manual(args) => commands::history::manual(args, config.as_deref()),
            Command::Export(args) => commands::history::export(args, config.as_deref()),
            Command::Forget(args) => commands::history::forget(args, config.as_deref()),
            Command::DemoServe { port } => commands::demo::run(port).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<commands::Usage>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Two malloc arenas rather than glibc's eight per core: each thread of the page phase would keep the memory its
/// pages freed in its own arena; shared, it is reused. 17 MB less at 1,000 pages, no measurable CPU cost
/// (BENCHMARKS.md, "Size and memory"). Called before any thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a malloc parameter; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
