//! `cxaudit campaign`: start, send, collect, status and report of mystery-shopper campaigns. The campaign logic is
//! in the library (`cxaudit::campaign`); this module parses, wires and prints.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use cxaudit::store::{Location, Store};

use crate::cli::outputs::{self, Look, ReportLook};
use crate::commands::{load_checks, parse_start_url};

/// Where campaigns are kept.
#[derive(Args, Clone)]
pub struct StoreArgs {
    /// The store: a SQLite file, or a team's PostgreSQL (postgres://user@host/db). Default: [store] url or
    /// [campaign] db in the config, else a file in the user's data dir.
    #[arg(long, env = "CXAUDIT_DB")]
    pub db: Option<String>,
}

#[derive(Subcommand)]
pub enum CampaignCommand {
    /// Plan the probes of a shop's audit (dry run: prints each e-mail byte for byte as --send will submit it);
    /// --send stores them and sends what is due.
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
        /// Spread the sends over this many hours from now (0: all at once). Default: a schedule over days, one
        /// probe a day or two apart, each at a time of day a customer writes (in the shop's time zone).
        #[arg(long)]
        spread_hours: Option<f64>,
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

/// `--db` (or `CXAUDIT_DB`), else the config's `[store] url` or `[campaign] db`, else the user's data dir.
pub fn store_path(store: &StoreArgs, config: &cxaudit::config::Config) -> Location {
    if let Some(db) = &store.db {
        return Location::parse(db);
    }
    match config.store_location() {
        Some(location) => location,
        None => Location::File(cxaudit::store::default_path()),
    }
}

/// For the commands that write: a missing store is created.
pub fn open_store(
    store: &StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<Box<dyn Store>> {
    Ok(cxaudit::store::open(&store_path(store, config))?)
}

/// For the commands that only read: never creates a store.
pub fn open_store_to_read(
    store: &StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<Box<dyn Store>> {
    Ok(cxaudit::store::open_existing(&store_path(store, config))?)
}

pub fn run(command: CampaignCommand, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
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
            let mut result = cxaudit::audit::read_result(&json_path).map_err(anyhow::Error::msg)?;
            // The planner names the shop's products and pages: their titles and JSON-LD, of each page's facts.
            cxaudit::audit::pages::attach(&json_path, &mut result, |facts| {
                *facts = cxaudit::result::PageFacts {
                    title: facts.title.take(),
                    json_ld: std::mem::take(&mut facts.json_ld),
                    ..Default::default()
                }
            })
            .map_err(anyhow::Error::msg)?;
            // A dry run needs no persona: a placeholder one is shown, marked; `--send` requires the real one.
            let (settings, placeholder) = if send {
                (MailSettings::resolve(&config)?, false)
            } else {
                MailSettings::resolve_for_preview(&config)?
            };
            let all = scenario::load(checks.as_deref())?;
            let request = campaign::StartRequest {
                audit: &result,
                audit_path: Some(&json_path),
                to: &to,
                scenarios: scenario::choose(&all, &names)?,
                spread_hours: spread_hours.map(|h| h.max(0.0)),
                planned_at: campaign::planning_now(),
                at,
                max_probes: config.campaign.max_probes_per_shop,
                deadline_days: config.campaign.deadline_days,
                new,
            };
            if !send {
                let location = store_path(&store, &config);
                let existing = if location.may_exist() {
                    Some(cxaudit::store::open_existing(&location)?)
                } else {
                    None
                };
                let (running, probes) =
                    campaign::preview(existing.as_deref(), &request, &settings)?;
                if placeholder {
                    println!(
                        "[placeholder persona {} — CXAUDIT_FROM is not set; --send needs it, and the e-mails \
                         will then carry that address instead]",
                        settings.from
                    );
                }
                if let Some(id) = running {
                    println!(
                        "campaign {id} is running for {}: its probes not sent yet",
                        result.target.host
                    );
                }
                let calendar = cxaudit::campaign::clock::Calendar::for_country(
                    result.target.country.as_ref().map(|c| c.value.as_str()),
                );
                let count = probes.len();
                // Each e-mail exactly as it will be submitted, between markers that are not part of it.
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                for (i, probe) in probes.iter().enumerate() {
                    let leaves = probe
                        .send_after
                        .parse::<jiff::Timestamp>()
                        .map(|t| {
                            t.to_zoned(calendar.tz.clone())
                                .strftime("%a %Y-%m-%d %H:%M %Z")
                                .to_string()
                        })
                        .unwrap_or_else(|_| probe.send_after.clone());
                    writeln!(
                        out,
                        "==> probe {}/{count} · {} · to {} · leaves {leaves}",
                        i + 1,
                        probe.scenario,
                        probe.to
                    )?;
                    let message = probe.message(
                        &settings,
                        result.target.country.as_ref().map(|c| c.value.as_str()),
                    )?;
                    out.write_all(&campaign::mail::submitted_bytes(&message))?;
                    writeln!(out, "<==")?;
                }
                writeln!(out, "dry run: nothing stored or sent (add --send)")?;
                return Ok(());
            }
            // The SMTP settings are checked before anything is stored.
            settings.smtp()?;
            let mut store = open_store(&store, &config)?;
            let (id, created) = campaign::create(&mut *store, &request, &settings)?;
            if created {
                println!("campaign {id} created for {}", result.target.host);
            } else {
                println!(
                    "campaign {id} is already running for {}: sending what is due (--new for another)",
                    result.target.host
                );
            }
            print_send_report(&campaign::send_due(
                &mut *store,
                &settings,
                Some(id),
                config.campaign.max_sends_per_hour,
            )?);
            let waiting = campaign::waiting(&*store, id)?;
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
                &mut *store,
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
            let mut store = open_store(&store, &config)?;
            let (id, mut status) = judged_campaign(&*store, id, as_of.as_deref(), &config)?;
            if redact {
                campaign::redact(&mut status);
            }
            let json_path = campaign::audit_path(&*store, id)?
                .context("this campaign was not started from an audit folder")?;
            let mut result = cxaudit::audit::read_result(&json_path).map_err(anyhow::Error::msg)?;
            let checks = load_checks(checks.as_deref())?;
            cxaudit::audit::add_campaign(&mut result, status, &checks);
            cxaudit::audit::write_result(&json_path, &result)?;
            let folder = json_path.parent().unwrap_or(std::path::Path::new("."));
            let look = Look::resolve(&look, None, &config)?;
            let formats = outputs::formats_in(folder);
            outputs::write_formats(&result, &folder.join("report.html"), &formats, &look)?;
            outputs::write_manifest(folder)?;
            println!(
                "campaign {id} written into {} ({})",
                json_path.display(),
                crate::commands::score_line(&result.scores)
            );
            // The history's copy of the audit follows: its campaign, delays and new score.
            match crate::commands::history::record_campaign(folder, &result, &mut *store) {
                Ok(Some(audit)) => println!("  recorded with audit {audit} in the history"),
                Ok(None) => {}
                Err(e) => eprintln!(
                    "warning: the campaign is in the report but not in the history: {e:#}"
                ),
            }
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
                    &mut *store,
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
                        &mut *store,
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
            let store = open_store_to_read(&store, &config)?;
            let (_, status) = judged_campaign(&*store, id, as_of.as_deref(), &config)?;
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
                let summary = status.summary();
                println!(
                    "answered by a person {}, no answer {}, bounced {}, pending {}; median human answer {}",
                    summary.answered,
                    summary.no_answer,
                    summary.bounced,
                    summary.pending,
                    hours(summary.median_human_hours)
                );
                if let Some(until) = &status.waiting_until {
                    println!(
                        "not finished: {} of {} probe(s) still waiting, until {until} at the latest",
                        status.waiting(),
                        status.probes.len()
                    );
                }
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

/// The campaign asked for (else the newest), and its status as of `as_of` (else now).
fn judged_campaign(
    store: &dyn Store,
    id: Option<i64>,
    as_of: Option<&str>,
    config: &cxaudit::config::Config,
) -> anyhow::Result<(i64, cxaudit::campaign::CampaignStatus)> {
    let id = chosen_campaign(store, id)?;
    let status =
        cxaudit::campaign::status(store, id, parse_instant(as_of)?, &default_week(config)?)?;
    Ok((id, status))
}

/// The campaign asked for, else the newest.
fn chosen_campaign(store: &dyn Store, id: Option<i64>) -> anyhow::Result<i64> {
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
