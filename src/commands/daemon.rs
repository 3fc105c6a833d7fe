//! `cxaudit daemon`, `cxaudit worker` and `cxaudit run-due`: the scheduled work of a store — due audits, their
//! campaigns, the probes due, the replies, the consultant's report e-mails.
//!
//! Each audit runs as a child `cxaudit audit … --job ID`: it records its audit and marks the job done in one store
//! transaction, and only while this worker still holds the job's lease (renewed here as it runs). A worker killed
//! mid-audit records nothing; its lease runs out and the job runs again, once, wherever a worker claims it. The
//! child has its own process group, so a Ctrl-C to the daemon lets the running audit finish (a second one stops
//! it, and gives the job back).

use std::time::Duration;

use clap::Args;

use cxaudit::schedule::RunOptions;
use cxaudit::store::{JobRecord, JobState, Location, Store};

use crate::commands::campaign::{store_path, StoreArgs};

/// A job whose audit failed this many times (or whose worker died this often) is failed for good.
const MAX_ATTEMPTS: i64 = 3;

#[derive(Args, Clone)]
pub struct DaemonArgs {
    /// Seconds between passes.
    #[arg(long, default_value_t = 60)]
    tick: u64,
    /// How long a claim on a job holds without being renewed, in seconds: a worker that died gives its job up
    /// after this.
    #[arg(long, default_value_t = 600, env = "CXAUDIT_LEASE_SECONDS")]
    lease: u64,
    /// Read the auditor's mailbox every this many seconds (when an IMAP server is set).
    #[arg(long, default_value_t = 600)]
    collect_every: u64,
    #[command(flatten)]
    store: StoreArgs,
}

/// What one pass did.
#[derive(Default)]
struct Pass {
    queued: usize,
    audits: usize,
    failed: usize,
    mails: usize,
}

/// SIGINT and SIGTERM, counted: the first asks to stop after the running audit, the second stops it.
struct Stop {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    count: u32,
}

impl Stop {
    fn listen() -> anyhow::Result<Stop> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Stop {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            count: 0,
        })
    }

    async fn wait(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {},
            _ = self.terminate.recv() => {},
        }
        self.count += 1;
    }

    fn requested(&self) -> bool {
        self.count > 0
    }
}

struct Worker {
    location: Location,
    owner: String,
    lease: Duration,
    config: cxaudit::config::Config,
    config_path: Option<std::path::PathBuf>,
}

/// `daemon` and `worker`: passes until told to stop. `once` (`run-due`): one pass.
pub async fn run(
    args: DaemonArgs,
    config_path: Option<&std::path::Path>,
    once: bool,
) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    let location = store_path(&args.store, &config);
    if args.lease < 10 || args.tick == 0 {
        crate::commands::usage!("--lease is at least 10 seconds, --tick at least 1");
    }
    let worker = Worker {
        // The host's name says which machine holds a job; the process's random claim owner makes it unique.
        owner: format!("{}-{}", hostname(), cxaudit::campaign::claim_owner()),
        location,
        lease: Duration::from_secs(args.lease),
        config,
        config_path: config_path.map(|p| p.to_path_buf()),
    };
    let mut stop = Stop::listen()?;
    let mut last_collect: Option<std::time::Instant> = None;
    loop {
        let collect =
            last_collect.is_none_or(|at| at.elapsed() >= Duration::from_secs(args.collect_every));
        let pass = pass(&worker, &mut stop, collect).await?;
        if collect {
            last_collect = Some(std::time::Instant::now());
        }
        if pass.queued + pass.audits + pass.failed + pass.mails > 0 || once {
            println!(
                "{}: {} run(s) queued, {} audit(s) done, {} failed, {} report e-mail(s) sent",
                cxaudit::store::instant_text(cxaudit::time::now()),
                pass.queued,
                pass.audits,
                pass.failed,
                pass.mails
            );
        }
        if once || stop.requested() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.tick)) => {},
            _ = stop.wait() => break,
        }
    }
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into())
}

async fn pass(worker: &Worker, stop: &mut Stop, collect: bool) -> anyhow::Result<Pass> {
    let mut store = cxaudit::store::open(&worker.location)?;
    let mut pass = Pass {
        queued: cxaudit::schedule::enqueue_due(store.as_mut(), cxaudit::time::now())?.len(),
        ..Pass::default()
    };
    while !stop.requested() {
        let now = cxaudit::time::now();
        let until = now
            .checked_add(jiff::SignedDuration::try_from(worker.lease)?)
            .unwrap_or(now);
        let Some(job) = store.claim_job(&worker.owner, now, until, MAX_ATTEMPTS)? else {
            break;
        };
        if run_job(worker, store.as_mut(), &job, stop).await? {
            pass.audits += 1;
        } else {
            pass.failed += 1;
        }
    }
    pass.mails = send_report_mails(worker, store.as_mut());
    // The campaigns' own work, when the mailbox is set: due probes (claims in the store), then replies.
    if let Ok(settings) = cxaudit::campaign::mail::MailSettings::resolve(&worker.config) {
        if settings.smtp.is_some() {
            if let Err(e) = cxaudit::campaign::send_due(
                store.as_mut(),
                &settings,
                None,
                worker.config.campaign.max_sends_per_hour,
            ) {
                eprintln!("warning: sending the due probes: {e}");
            }
        }
        if collect && settings.imap.is_some() {
            let collected = cxaudit::campaign::scenario::load(None)
                .map_err(|e| e.to_string())
                .and_then(|scenarios| {
                    cxaudit::campaign::collect::collect(
                        store.as_mut(),
                        &settings,
                        &scenarios,
                        worker.config.campaign.retention_days,
                    )
                    .map_err(|e| e.to_string())
                });
            if let Err(e) = collected {
                eprintln!("warning: reading the auditor's mailbox: {e}");
            }
        }
    }
    Ok(pass)
}

/// Runs one claimed job's audit as a child process, renewing the lease while it runs. Returns whether the audit
/// was recorded.
async fn run_job(
    worker: &Worker,
    store: &mut dyn Store,
    job: &JobRecord,
    stop: &mut Stop,
) -> anyhow::Result<bool> {
    let Some(schedule) = store
        .schedules()?
        .into_iter()
        .find(|s| s.id == job.schedule_id)
    else {
        store.fail_job(
            job.id,
            &worker.owner,
            "its schedule was removed",
            false,
            cxaudit::time::now(),
        )?;
        return Ok(false);
    };
    let options: RunOptions = match serde_json::from_str(&schedule.options) {
        Ok(o) => o,
        Err(e) => {
            let error = format!("the schedule's options cannot be read: {e}");
            store.fail_job(job.id, &worker.owner, &error, false, cxaudit::time::now())?;
            return Ok(false);
        }
    };
    let folder = std::path::Path::new(&options.out_root).join(format!(
        "{}-{}-job{}",
        schedule.shop_host.replace([':', '/'], "_"),
        job.due_at.get(..10).unwrap_or(&job.due_at),
        job.id
    ));
    let mut command = tokio::process::Command::new(std::env::current_exe()?);
    command
        .arg("audit")
        .arg(&schedule.shop_url)
        .arg("-o")
        .arg(&folder)
        .args([
            "--quiet",
            "--job",
            &job.id.to_string(),
            "--job-owner",
            &worker.owner,
        ])
        // The store travels in the environment: a server's password never shows in `ps`.
        .env("CXAUDIT_DB", location_arg(&worker.location))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    if let Some(path) = &worker.config_path {
        command.env("CXAUDIT_CONFIG", path);
    }
    if !options.report_to.is_empty() {
        command.arg("--job-mail");
    }
    for (flag, value) in [
        ("--max-pages", options.max_pages.map(|n| n.to_string())),
        ("--country", options.country.clone()),
        ("--lang", options.lang.clone()),
        ("--report-lang", options.report_lang.clone()),
        ("--checks", options.checks.clone()),
        (
            "--format",
            (!options.formats.is_empty()).then(|| options.formats.join(",")),
        ),
    ] {
        if let Some(value) = value {
            command.arg(flag).arg(value);
        }
    }
    let mut child = command.spawn()?;
    let mut stderr = child.stderr.take();
    let reading = tokio::spawn(async move {
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            use tokio::io::AsyncReadExt;
            let _ = stderr.read_to_string(&mut text).await;
        }
        text
    });
    let mut renew = tokio::time::interval(worker.lease / 3);
    renew.tick().await;
    let status = loop {
        tokio::select! {
            status = child.wait() => break Some(status?),
            _ = renew.tick() => {
                let now = cxaudit::time::now();
                let until = now.checked_add(jiff::SignedDuration::try_from(worker.lease)?).unwrap_or(now);
                if !store.renew_job(job.id, &worker.owner, until)? {
                    // Taken over (this worker was too slow to renew): the child's record will be refused.
                    eprintln!("warning: job {} is no longer this worker's", job.id);
                }
            },
            _ = stop.wait(), if stop.count < 2 => {
                if stop.count >= 2 {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                    break None;
                }
                eprintln!("stopping after the running audit of {} (again to stop it now)", schedule.shop_host);
            },
        }
    };
    let said = reading.await.unwrap_or_default();
    let Some(status) = status else {
        store.release_job(job.id, &worker.owner)?;
        eprintln!(
            "audit of {} stopped: job {} given back",
            schedule.shop_host, job.id
        );
        return Ok(false);
    };
    let recorded = store
        .jobs(Some(job.schedule_id))?
        .into_iter()
        .find(|j| j.id == job.id)
        .is_some_and(|j| j.state == JobState::Done);
    if recorded {
        if let Some(plan) = &options.campaign {
            start_campaign(worker, &folder, plan);
        }
        return Ok(true);
    }
    let last_words: String = said.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
    let error = format!(
        "the audit ended with {}: {}",
        status
            .code()
            .map(|c| format!("exit code {c}"))
            .unwrap_or_else(|| "a signal".into()),
        last_words
    );
    eprintln!("audit of {} failed: {error}", schedule.shop_host);
    store.fail_job(
        job.id,
        &worker.owner,
        &error,
        job.attempts < MAX_ATTEMPTS,
        cxaudit::time::now(),
    )?;
    Ok(false)
}

/// The store as a child reads it from `CXAUDIT_DB`.
fn location_arg(location: &Location) -> std::ffi::OsString {
    match location {
        Location::File(path) => path.clone().into_os_string(),
        Location::Postgres(url) => url.into(),
    }
}

/// The scheduled campaign starts from the audit's folder, its probes planned in the store (sent by the passes).
fn start_campaign(
    worker: &Worker,
    folder: &std::path::Path,
    plan: &cxaudit::schedule::CampaignPlan,
) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut command = std::process::Command::new(exe);
    command
        .args(["campaign", "start"])
        .arg(folder)
        .arg("--send")
        .env("CXAUDIT_DB", location_arg(&worker.location));
    for at in &plan.at {
        command.arg("--at").arg(at);
    }
    if let Some(hours) = plan.spread_hours {
        command.arg("--spread-hours").arg(hours.to_string());
    }
    if let Some(path) = &worker.config_path {
        command.env("CXAUDIT_CONFIG", path);
    }
    match command.output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => eprintln!(
            "warning: the campaign of {} did not start: {}",
            folder.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => eprintln!(
            "warning: the campaign of {} did not start: {e}",
            folder.display()
        ),
    }
}

/// The report e-mails of the jobs done and not mailed yet (`pending`), each taken by compare-and-set so that of
/// two daemons one sends it. Returns how many left.
fn send_report_mails(worker: &Worker, store: &mut dyn Store) -> usize {
    let Ok(jobs) = store.jobs(None) else {
        return 0;
    };
    let pending: Vec<JobRecord> = jobs
        .into_iter()
        .filter(|j| j.state == JobState::Done && j.report_mail.as_deref() == Some("pending"))
        .collect();
    if pending.is_empty() {
        return 0;
    }
    let settings = match cxaudit::campaign::mail::MailSettings::resolve(&worker.config) {
        Ok(s) if s.smtp.is_some() => s,
        Ok(_) | Err(_) => {
            eprintln!("warning: report e-mails wait: no SMTP server is set (CXAUDIT_SMTP_URL)");
            return 0;
        }
    };
    let mut sent = 0;
    for job in pending {
        match store.swap_report_mail(job.id, "pending", "sending") {
            Ok(true) => {}
            _ => continue,
        }
        let outcome = report_mail_of(store, &job, &settings);
        let state = match &outcome {
            Ok(()) => "sent".to_string(),
            Err(e) => format!("failed: {e}"),
        };
        if outcome.is_ok() {
            sent += 1;
        } else {
            eprintln!("warning: the report e-mail of job {}: {state}", job.id);
        }
        let _ = store.swap_report_mail(job.id, "sending", &state);
    }
    sent
}

fn report_mail_of(
    store: &mut dyn Store,
    job: &JobRecord,
    settings: &cxaudit::campaign::mail::MailSettings,
) -> Result<(), String> {
    let schedule = store
        .schedules()
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|s| s.id == job.schedule_id)
        .ok_or("its schedule was removed")?;
    let options: RunOptions = serde_json::from_str(&schedule.options).map_err(|e| e.to_string())?;
    let audit = job.audit_id.ok_or("no audit")?;
    let record = store
        .audit(audit)
        .map_err(|e| e.to_string())?
        .ok_or("no audit")?;
    let folder = record.folder.ok_or("the audit has no folder")?;
    let result = cxaudit::audit::read_result(&std::path::Path::new(&folder).join("audit.json"))?;
    let html = std::fs::read(std::path::Path::new(&folder).join("report.html"))
        .map_err(|e| e.to_string())?;
    let mail = cxaudit::schedule::report_mail(&result, &folder);
    let message = cxaudit::schedule::report_message(settings, &options.report_to, &mail, html)?;
    let transport = cxaudit::campaign::mail::transport(settings).map_err(|e| e.to_string())?;
    match cxaudit::campaign::mail::send(&transport, &message) {
        cxaudit::campaign::mail::SendOutcome::Accepted(_) => Ok(()),
        cxaudit::campaign::mail::SendOutcome::Temporary(e)
        | cxaudit::campaign::mail::SendOutcome::Permanent(e) => Err(e),
    }
}
