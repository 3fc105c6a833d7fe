//! `cxaudit schedule add|list|remove|run-now|jobs`: shops re-audited on a cadence, run by `cxaudit daemon` (or
//! `run-due` from cron or a systemd timer, or `worker` on several machines sharing a PostgreSQL store).

use clap::{Args, Subcommand};

use cxaudit::schedule::{Cadence, CampaignPlan, RunOptions};
use cxaudit::store::{instant_text, NewSchedule};

use crate::commands::campaign::{open_store, open_store_to_read, StoreArgs};

#[derive(Subcommand)]
pub enum ScheduleCommand {
    /// Re-audit a shop every so often (`--every 30d`) or by a cron expression (`--cron "0 6 1 * *"`).
    Add(Box<AddArgs>),
    /// The schedules in force, with their next run.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Stop a schedule (its past runs stay in the history).
    Remove {
        id: i64,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Queue a run of the schedule now: the next `daemon` pass or `run-due` runs it.
    RunNow {
        id: i64,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The runs (jobs) of one schedule or all, newest first: state, attempts, audit, report e-mail.
    Jobs {
        id: Option<i64>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// The shop's home page.
    url: String,
    /// Every this long: 30d, 2w, 12h, 90m (at least 1h).
    #[arg(long, conflicts_with = "cron", required_unless_present = "cron")]
    every: Option<String>,
    /// A five-field cron expression (minute hour day month weekday), in the shop's time zone.
    #[arg(long)]
    cron: Option<String>,
    /// The time zone the cron expression and the report's dates are read in (default: the shop's country's,
    /// else UTC).
    #[arg(long)]
    tz: Option<String>,
    /// The first run (RFC 3339). Default: the cron's next instant; with --every, now for a shop the history does
    /// not know yet, else one period after its last audit.
    #[arg(long)]
    first_at: Option<String>,
    /// Where each run's folder goes (`<folder>/<host>-<date>-job<N>`).
    #[arg(long, default_value = "audits")]
    out_root: std::path::PathBuf,
    #[arg(long)]
    max_pages: Option<usize>,
    #[arg(long)]
    country: Option<String>,
    #[arg(long)]
    lang: Option<String>,
    #[arg(long)]
    report_lang: Option<String>,
    /// Report formats, comma-separated (json, html, csv, md, pdf).
    #[arg(long, value_delimiter = ',')]
    format: Vec<String>,
    /// A rule pack folder replacing the bundled one.
    #[arg(long)]
    checks: Option<std::path::PathBuf>,
    /// Start a mystery-shopper campaign from each run's audit (the campaign settings of `campaign start`).
    #[arg(long)]
    campaign: bool,
    /// When the campaign's probes leave: moments of the shop's week (fri-19:00), taken in turn.
    #[arg(long, requires = "campaign")]
    at: Vec<cxaudit::campaign::clock::WeekTime>,
    /// Spread the campaign's sends over this many hours.
    #[arg(long, requires = "campaign")]
    spread_hours: Option<f64>,
    /// Who gets each run's report by e-mail (repeatable).
    #[arg(long)]
    report_to: Vec<String>,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(command: ScheduleCommand, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    match command {
        ScheduleCommand::Add(args) => add(*args, &config),
        ScheduleCommand::List { json, store } => {
            let store = open_store_to_read(&store, &config)?;
            let schedules = store.schedules()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&schedules)?);
                return Ok(());
            }
            if schedules.is_empty() {
                println!("no schedule");
            }
            for s in schedules {
                let cadence = match (&s.every_seconds, &s.cron) {
                    (Some(seconds), _) => format!("every {}", period_text(*seconds)),
                    (None, Some(cron)) => format!("cron \"{cron}\""),
                    _ => "?".into(),
                };
                println!(
                    "{:>4}  {:<40} {cadence} ({}), next {}",
                    s.id, s.shop_url, s.time_zone, s.next_due_at
                );
            }
            Ok(())
        }
        ScheduleCommand::Remove { id, store } => {
            let mut store = open_store(&store, &config)?;
            if !store.remove_schedule(id, cxaudit::time::now())? {
                anyhow::bail!("no schedule {id} in force");
            }
            println!("schedule {id} removed");
            Ok(())
        }
        ScheduleCommand::RunNow { id, store } => {
            let mut store = open_store(&store, &config)?;
            if !store.schedules()?.iter().any(|s| s.id == id) {
                anyhow::bail!("no schedule {id} in force");
            }
            let job = store.enqueue_now(id, cxaudit::time::now())?;
            println!(
                "job {job} queued: the next `cxaudit daemon` pass or `cxaudit run-due` runs it"
            );
            Ok(())
        }
        ScheduleCommand::Jobs { id, json, store } => {
            let store = open_store_to_read(&store, &config)?;
            let jobs = store.jobs(id)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&jobs)?);
                return Ok(());
            }
            for j in jobs {
                println!(
                    "{:>4}  schedule {:<3} {:<28} due {}  {:<7} attempts {}{}{}{}",
                    j.id,
                    j.schedule_id,
                    j.shop_host,
                    j.due_at,
                    j.state.as_str(),
                    j.attempts,
                    j.audit_id
                        .map(|a| format!(", audit {a}"))
                        .unwrap_or_default(),
                    j.report_mail
                        .map(|m| format!(", report e-mail {m}"))
                        .unwrap_or_default(),
                    j.error.map(|e| format!(" — {e}")).unwrap_or_default(),
                );
            }
            Ok(())
        }
    }
}

/// "30 days", "12 hours", "90 minutes".
fn period_text(seconds: i64) -> String {
    let unit = |n: i64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if seconds % 86_400 == 0 {
        unit(seconds / 86_400, "day")
    } else if seconds % 3600 == 0 {
        unit(seconds / 3600, "hour")
    } else {
        unit(seconds / 60, "minute")
    }
}

fn add(args: AddArgs, config: &cxaudit::config::Config) -> anyhow::Result<()> {
    let url = crate::commands::parse_start_url(&args.url)?;
    let host = cxaudit::target::shop_key(&url);
    let cadence = match (&args.every, &args.cron) {
        (Some(every), _) => Cadence::every(every),
        (None, Some(cron)) => Cadence::cron(cron),
        (None, None) => crate::commands::usage!("give --every or --cron"),
    };
    let cadence = match cadence {
        Ok(c) => c,
        Err(e) => crate::commands::usage!("{e}"),
    };
    if let Some(country) = &args.country {
        if country.parse::<phonenumber::country::Id>().is_err() {
            crate::commands::usage!(
                "--country {country}: not an ISO 3166 country code (FR, BE, CH...)"
            );
        }
    }
    let tz_name = match &args.tz {
        Some(name) => name.clone(),
        None => cxaudit::campaign::clock::Calendar::for_country(args.country.as_deref())
            .tz
            .iana_name()
            .unwrap_or("UTC")
            .to_string(),
    };
    let tz = match cxaudit::schedule::time_zone(&tz_name) {
        Ok(tz) => tz,
        Err(e) => crate::commands::usage!("{e}"),
    };
    for to in &args.report_to {
        if to.parse::<lettre::message::Mailbox>().is_err() {
            crate::commands::usage!("--report-to {to:?}: not an e-mail address");
        }
    }
    for format in &args.format {
        use clap::ValueEnum;
        if crate::cli::outputs::Format::from_str(format, true).is_err() {
            crate::commands::usage!("--format {format}: json, html, csv, md or pdf");
        }
    }
    let mut store = open_store(&args.store, config)?;
    let now = cxaudit::time::now();
    let first = match &args.first_at {
        Some(text) => match text.parse::<jiff::Timestamp>() {
            Ok(t) => t,
            Err(_) => crate::commands::usage!(
                "--first-at {text:?}: an RFC 3339 instant (2026-12-01T06:00:00Z)"
            ),
        },
        None => match &cadence {
            Cadence::Cron(_) => cadence
                .next_after(now, &tz)
                .ok_or_else(|| anyhow::anyhow!("the cron expression never runs"))?,
            Cadence::Every(seconds) => {
                let last = store
                    .audits(Some(&host))?
                    .last()
                    .map(|a| a.finished_at.clone());
                match last.and_then(|t| t.parse::<jiff::Timestamp>().ok()) {
                    Some(last) => last
                        .checked_add(jiff::SignedDuration::from_secs(*seconds))
                        .unwrap_or(now)
                        .max(now),
                    None => now,
                }
            }
        },
    };
    let out_root = if args.out_root.is_absolute() {
        args.out_root.clone()
    } else {
        std::env::current_dir()?.join(&args.out_root)
    };
    let options = RunOptions {
        out_root: out_root.display().to_string(),
        max_pages: args.max_pages,
        country: args.country.clone(),
        lang: args.lang.clone(),
        report_lang: args.report_lang.clone(),
        formats: args.format.clone(),
        checks: args.checks.as_ref().map(|c| {
            std::fs::canonicalize(c)
                .unwrap_or(c.clone())
                .display()
                .to_string()
        }),
        campaign: args.campaign.then(|| CampaignPlan {
            at: args.at.iter().map(|w| w.to_string()).collect(),
            spread_hours: args.spread_hours,
        }),
        report_to: args.report_to.clone(),
    };
    let (every_seconds, cron) = match &cadence {
        Cadence::Every(seconds) => (Some(*seconds), None),
        Cadence::Cron(expression) => (None, Some(expression.clone())),
    };
    let id = store.add_schedule(&NewSchedule {
        shop_url: url.to_string(),
        shop_host: host,
        every_seconds,
        cron,
        time_zone: tz_name.clone(),
        options: serde_json::to_string(&options)?,
        created_at: instant_text(now),
        next_due_at: instant_text(first),
    })?;
    println!(
        "schedule {id}: {url}, first run {} ({tz_name})",
        instant_text(first)
    );
    Ok(())
}
