//! Scheduled re-audits against real SQLite files, real shops on loopback and, for the report e-mails, real mail
//! servers (dovecot + postfix, as the campaign tests start them). The clock is simulated with `CXAUDIT_TEST_NOW`:
//! each process starts its clock there and runs at the real pace.

mod common;
#[path = "mail/harness.rs"]
#[allow(dead_code, reason = "the campaign tests use the rest")]
mod harness;

use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use common::ChangingShop;
use serde_json::Value;

const CONSULTANT: (&str, &str) = ("consultant@auditor.test", "consultant-secret");

fn shop(name: &str, phone: &str, faq: bool) -> Vec<(String, String)> {
    let faq_link = if faq {
        " · <a href='/faq/'>FAQ</a>"
    } else {
        ""
    };
    let footer = format!(
        "<footer><a href='/contact/'>Contact</a> · <a href='/mentions-legales/'>Mentions légales</a>{faq_link}</footer>"
    );
    let mut pages = vec![
        ("/".to_string(), format!("<header>Service client : {phone}</header><main><h1>{name}</h1></main>{footer}")),
        ("/contact/".to_string(), format!("<header>Service client : {phone}</header><main><h1>Contact</h1><p>bonjour@shop.test</p></main>{footer}")),
        ("/mentions-legales/".to_string(), format!("<header>Service client : {phone}</header><main><h1>Mentions légales</h1><p>{name} SARL</p></main>{footer}")),
    ];
    if faq {
        let questions: String = [
            "Quels délais de livraison ?",
            "Comment retourner un article ?",
            "Comment payer ?",
            "Comment suivre ma commande ?",
            "Puis-je annuler ?",
        ]
        .iter()
        .map(|q| format!("<h3>{q}</h3><p>Réponse.</p>"))
        .collect();
        pages.push(("/faq/".to_string(), format!("<header>Service client : {phone}</header><main><h1>Questions fréquentes</h1>{questions}</main>{footer}")));
    }
    pages
}

/// The binary against one store, with a clock and (when given) the mail servers.
struct Bench {
    dir: tempfile::TempDir,
    mail: Option<harness::MailServers>,
    /// `CXAUDIT_DB`: a SQLite file in `dir`, or a PostgreSQL database.
    store: String,
}

impl Bench {
    fn new(mail: Option<harness::MailServers>) -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store.sqlite").display().to_string();
        Bench { dir, mail, store }
    }

    /// On a team's PostgreSQL database.
    fn on_postgres(db: &common::pg::TestDatabase) -> Bench {
        Bench {
            store: db.url.clone(),
            ..Bench::new(None)
        }
    }

    fn command(&self, now: &str, args: &[&str]) -> Command {
        let mut command = common::cxaudit();
        command
            .args(args)
            .env("CXAUDIT_DB", &self.store)
            .env("CXAUDIT_TEST_NOW", now)
            .env("CXAUDIT_LEASE_SECONDS", "10");
        if let Some(mail) = &self.mail {
            command
                .env("CXAUDIT_FROM", "Cabinet Martin <auditor@auditor.test>")
                .env("CXAUDIT_SMTP_URL", mail.smtp_url());
        }
        command
    }

    fn run(&self, now: &str, args: &[&str]) -> Output {
        common::run_ok(&mut self.command(now, args))
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_slice(&self.run("2030-01-01T00:00:00Z", args).stdout).unwrap()
    }

    fn jobs(&self) -> Vec<Value> {
        self.json(&["schedule", "jobs", "--json"])
            .as_array()
            .unwrap()
            .clone()
    }

    fn out_root(&self) -> String {
        self.dir.path().join("audits").display().to_string()
    }
}

fn done(jobs: &[Value]) -> usize {
    jobs.iter().filter(|j| j["state"] == "done").count()
}

/// Waits for `check` to give something, failing after a minute.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "waited a minute for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits for `check` to hold (a daemon works on its own time), failing after a minute.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(Instant::now() < deadline, "waited a minute for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Three shops scheduled monthly; the machine is off across a due date; restarted, the daemon re-audits each
/// once, e-mails each report with what changed, and stops cleanly on SIGTERM. Nothing is doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_monthly_shops_are_reaudited_once_after_the_machine_was_off() {
    monthly_shops_across_a_restart(Bench::new(harness::MailServers::start()), &["daemon"]).await;
}

/// The same with three workers sharing a team's PostgreSQL: each shop re-audited once, each report e-mailed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_monthly_shops_and_three_workers_on_postgres() {
    let Some(db) = common::pg::database() else {
        return;
    };
    let bench = Bench {
        mail: harness::MailServers::start(),
        ..Bench::on_postgres(&db)
    };
    monthly_shops_across_a_restart(bench, &["worker", "worker", "worker"]).await;
}

/// Three shops scheduled monthly, audited on 1 November; the machines are off across 1 December and restarted on
/// the 15th as `machines` (daemons or workers), then stopped with SIGTERM.
async fn monthly_shops_across_a_restart(bench: Bench, machines: &'static [&'static str]) {
    let shops = [
        ChangingShop::serve(&shop("Miels de Provence", "04 72 00 11 22", false)).await,
        ChangingShop::serve(&shop("Savons d'Alep", "04 91 00 22 33", false)).await,
        ChangingShop::serve(&shop("Thés du Monde", "01 42 00 33 44", false)).await,
    ];
    let out_root = bench.out_root();
    for shop in &shops {
        let url = shop.url();
        let mut args = vec![
            "schedule",
            "add",
            &url,
            "--every",
            "30d",
            "--country",
            "FR",
            "--report-lang",
            "en",
            "--first-at",
            "2026-11-01T06:00:00Z",
            "--out-root",
            &out_root,
        ];
        if bench.mail.is_some() {
            args.extend(["--report-to", CONSULTANT.0]);
        }
        let said = bench.run("2026-10-30T12:00:00Z", &args);
        assert!(String::from_utf8_lossy(&said.stdout).contains("first run 2026-11-01T06:00:00Z"));
    }
    // Not due yet: nothing runs.
    let early = bench.run("2026-10-31T12:00:00Z", &["run-due"]);
    assert!(String::from_utf8_lossy(&early.stdout).contains("0 run(s) queued, 0 audit(s) done"));

    // The first of the month, from cron's pass.
    let blocking = |f: Box<dyn FnOnce() + Send>| tokio::task::spawn_blocking(f);
    let bench = std::sync::Arc::new(bench);
    let b = bench.clone();
    blocking(Box::new(move || {
        b.run("2026-11-01T06:00:30Z", &["run-due"]);
    }))
    .await
    .unwrap();
    assert_eq!(done(&bench.jobs()), 3);

    // The shops change; the machine is off from 20 November to 15 December, across the 1 December run.
    shops[0].show(&shop("Miels de Provence", "04 72 00 11 22", true));
    let b = bench.clone();
    blocking(Box::new(move || {
        let mut running: Vec<Child> = machines
            .iter()
            .map(|machine| {
                b.command("2026-12-15T10:00:00Z", &[machine, "--tick", "1"])
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        wait_until("the second round", || {
            let jobs = b.jobs();
            done(&jobs) == 6
                && jobs
                    .iter()
                    .all(|j| j["report_mail"].is_null() || j["report_mail"] == "sent")
        });
        for machine in &running {
            signal(machine, "TERM");
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for machine in &mut running {
            let status = loop {
                if let Some(status) = machine.try_wait().unwrap() {
                    break status;
                }
                assert!(Instant::now() < deadline, "each machine stops on SIGTERM");
                std::thread::sleep(Duration::from_millis(100));
            };
            assert!(status.success(), "a clean stop: {status:?}");
        }
    }))
    .await
    .unwrap();
    // Restarted later the same day: the December run is not run again.
    let again = bench.run("2026-12-15T18:00:00Z", &["run-due"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 run(s) queued, 0 audit(s) done"));

    let jobs = bench.jobs();
    assert_eq!(jobs.len(), 6, "{jobs:#?}");
    for shop in &shops {
        let mine: Vec<&Value> = jobs
            .iter()
            .filter(|j| j["shop_host"] == shop.key())
            .collect();
        let dues: Vec<&str> = mine.iter().map(|j| j["due_at"].as_str().unwrap()).collect();
        // The missed run of 1 December is run once, at its due instant, not made up twice.
        assert_eq!(
            dues,
            ["2026-12-01T06:00:00Z", "2026-11-01T06:00:00Z"],
            "{mine:#?}"
        );
        assert!(mine
            .iter()
            .all(|j| j["attempts"] == 1 && j["state"] == "done"));
        let history = bench.json(&["history", &shop.key(), "--json"]);
        assert_eq!(
            history.as_array().unwrap().len(),
            2,
            "each audited once per run"
        );
    }
    let schedules = bench.json(&["schedule", "list", "--json"]);
    assert!(
        schedules
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["next_due_at"] == "2026-12-31T06:00:00Z"),
        "{schedules:#}"
    );

    let Some(mail) = &bench.mail else {
        return;
    };
    let messages = mail.wait_for(CONSULTANT.0, CONSULTANT.1, 6);
    assert_eq!(messages.len(), 6, "one e-mail per run, none twice");
    let subjects: Vec<String> = messages
        .iter()
        .map(|m| {
            let parsed = mail_parser::MessageParser::default().parse(m).unwrap();
            parsed.subject().unwrap_or_default().to_string()
        })
        .collect();
    let first_host = shops[0].key();
    let december: Vec<&String> = subjects
        .iter()
        .filter(|s| s.starts_with(&format!("{first_host}:")) && s.contains("since 2026-11-01"))
        .collect();
    assert_eq!(december.len(), 1, "{subjects:#?}");
    assert!(december[0].contains("— scheduled audit"), "{}", december[0]);
    let body = messages
        .iter()
        .map(|m| mail_parser::MessageParser::default().parse(m).unwrap())
        .find(|m| m.subject() == Some(december[0].as_str()))
        .unwrap();
    let text = body.body_text(0).unwrap().to_string();
    let checks = cxaudit::rules::pack::Checks::bundled();
    let faq = &checks.rules.iter().find(|r| r.id == "faq").unwrap().title.0["en"];
    assert!(text.contains(&format!("Fixed: {faq}")), "{text}");
    assert_eq!(body.attachments().count(), 1, "the report is attached");
}

/// Two daemons on one store at once: every due run is audited once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_daemons_on_one_store_never_run_one_audit_twice() {
    let bench = Bench::new(None);
    let mut shops = Vec::new();
    for n in 0..4 {
        shops.push(
            ChangingShop::serve(&shop(
                &format!("Boutique {n}"),
                "04 72 00 11 22",
                n % 2 == 0,
            ))
            .await,
        );
    }
    let out_root = bench.out_root();
    for shop in &shops {
        bench.run(
            "2026-11-01T00:00:00Z",
            &[
                "schedule",
                "add",
                &shop.url(),
                "--every",
                "30d",
                "--first-at",
                "2026-11-01T06:00:00Z",
                "--out-root",
                &out_root,
            ],
        );
    }
    let bench = std::sync::Arc::new(bench);
    let b = bench.clone();
    tokio::task::spawn_blocking(move || {
        let children: Vec<Child> = (0..2)
            .map(|_| {
                b.command("2026-11-01T06:00:30Z", &["run-due"])
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            assert!(child.wait_with_output().unwrap().status.success());
        }
    })
    .await
    .unwrap();
    let jobs = bench.jobs();
    assert_eq!(jobs.len(), 4, "each due run queued once: {jobs:#?}");
    assert_eq!(done(&jobs), 4);
    assert!(jobs.iter().all(|j| j["attempts"] == 1), "{jobs:#?}");
    let history = bench.json(&["history", "--json"]);
    assert_eq!(history.as_array().unwrap().len(), 4, "each audited once");
}

/// A worker killed mid-crawl records nothing; its audit stops with it; once the lease has run out the job runs
/// again, once, and the shop is audited once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_audit_loses_the_job_which_runs_again_once() {
    use cxaudit::serve::{self, Reply, Responder};
    let bench = Bench::new(None);
    let base = shop("Lent", "04 72 00 11 22", false);
    let slow_links: String = (0..6)
        .map(|n| format!("<a href='/lent/{n}'>{n}</a> "))
        .collect();
    let server = serve::start(0, move |_| {
        let site = common::site_of(&[
            ("/".to_string(), format!("{}{slow_links}", base[0].1)),
            base[1].clone(),
            base[2].clone(),
        ]);
        let responder: Responder = std::sync::Arc::new(move |path: &str| {
            if path.starts_with("/lent/") {
                Reply::Slow {
                    delay: Duration::from_secs(2),
                    reply: Box::new(site("/contact/")),
                }
            } else {
                site(path)
            }
        });
        responder
    })
    .await
    .unwrap();
    let out_root = bench.out_root();
    bench.run(
        "2026-11-01T00:00:00Z",
        &[
            "schedule",
            "add",
            &server.url(),
            "--every",
            "30d",
            "--first-at",
            "2026-11-01T06:00:00Z",
            "--out-root",
            &out_root,
            "--max-pages",
            "20",
        ],
    );
    let bench = std::sync::Arc::new(bench);
    let b = bench.clone();
    tokio::task::spawn_blocking(move || {
        let mut daemon = b
            .command("2026-11-01T06:00:30Z", &["daemon", "--tick", "1"])
            .spawn()
            .unwrap();
        wait_until("the audit to start", || {
            b.jobs().first().is_some_and(|j| j["state"] == "running")
        });
        std::thread::sleep(Duration::from_millis(500));
        daemon.kill().unwrap();
        daemon.wait().unwrap();
        // The orphaned audit stops within a second, recording nothing.
        std::thread::sleep(Duration::from_secs(2));
        let jobs = b.jobs();
        assert_eq!(jobs[0]["state"], "running", "{jobs:#?}");
        assert!(
            b.json(&["history", "--json"])
                .as_array()
                .unwrap()
                .is_empty(),
            "nothing recorded"
        );
        // A minute later the lease (10 s) has run out: another pass takes the job over and runs it once.
        b.run("2026-11-01T06:01:30Z", &["run-due"]);
    })
    .await
    .unwrap();
    let jobs = bench.jobs();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0]["state"].as_str(), jobs[0]["attempts"].as_i64()),
        (Some("done"), Some(2)),
        "{jobs:#?}"
    );
    assert_eq!(
        bench.json(&["history", "--json"]).as_array().unwrap().len(),
        1
    );
}

/// Three workers on one PostgreSQL, as on three machines: thirty due audits of ten shops (three schedules each), each
/// run exactly once, never two audits of one shop at once, and one worker killed mid-audit: its job runs again once,
/// elsewhere, after its lease ran out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_on_postgres_run_thirty_due_audits_once_with_one_killed_mid_audit() {
    use cxaudit::serve::{self, Reply, Responder};
    let Some(db) = common::pg::database() else {
        return;
    };
    let bench = Bench::on_postgres(&db);
    let mut servers = Vec::new();
    for n in 0..10 {
        let base = shop(&format!("Boutique {n}"), "04 72 00 11 22", n % 2 == 0);
        // Slow pages: each audit lasts seconds, long enough for the three workers to be busy at once and for a
        // killed worker's audit to notice, and stop, well before its end.
        let server = serve::start(0, move |_| {
            let site = common::site_of(&[
                (
                    "/".to_string(),
                    format!("{}<a href='/lent/'>Lent</a>", base[0].1),
                ),
                base[1].clone(),
                base[2].clone(),
            ]);
            let responder: Responder = std::sync::Arc::new(move |path: &str| {
                if path.starts_with("/lent/") {
                    Reply::Slow {
                        delay: Duration::from_secs(2),
                        reply: Box::new(site("/contact/")),
                    }
                } else {
                    site(path)
                }
            });
            responder
        })
        .await
        .unwrap();
        servers.push(server);
    }
    let out_root = bench.out_root();
    for server in &servers {
        for _ in 0..3 {
            bench.run(
                "2026-11-01T00:00:00Z",
                &[
                    "schedule",
                    "add",
                    &server.url(),
                    "--every",
                    "30d",
                    "--first-at",
                    "2026-11-01T06:00:00Z",
                    "--out-root",
                    &out_root,
                ],
            );
        }
    }
    let bench = std::sync::Arc::new(bench);
    let b = bench.clone();
    tokio::task::spawn_blocking(move || {
        let mut workers: Vec<Child> = (0..3)
            .map(|_| {
                b.command("2026-11-01T06:00:30Z", &["worker", "--tick", "1"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        // The worker to kill is one whose audit has run for a while (past its start, where it begins to watch its
        // worker): a job's owner names its worker's pid (`<host>-<pid>-<random>`).
        let mut first_seen = std::collections::HashMap::<i64, Instant>::new();
        let busy = wait_for("a worker to be well into an audit", || {
            for job in b.jobs().iter().filter(|j| j["state"] == "running") {
                let since = *first_seen
                    .entry(job["id"].as_i64().unwrap())
                    .or_insert_with(Instant::now);
                let owner = job["owner"].as_str().unwrap_or_default();
                let worker = workers
                    .iter()
                    .position(|w| owner.contains(&format!("-{}-", w.id())));
                if let (Some(worker), true) =
                    (worker, since.elapsed() > Duration::from_millis(1500))
                {
                    return Some(worker);
                }
            }
            None
        });
        let mut killed = workers.remove(busy);
        killed.kill().unwrap();
        killed.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let jobs = b.jobs();
            // Never two audits of one shop at once.
            let running: Vec<&str> = jobs
                .iter()
                .filter(|j| j["state"] == "running")
                .map(|j| j["shop_host"].as_str().unwrap())
                .collect();
            let shops: std::collections::BTreeSet<&&str> = running.iter().collect();
            assert_eq!(running.len(), shops.len(), "{jobs:#?}");
            if jobs.len() == 30 && done(&jobs) == 30 {
                break;
            }
            assert!(Instant::now() < deadline, "waited five minutes: {jobs:#?}");
            std::thread::sleep(Duration::from_millis(500));
        }
        for worker in &workers {
            signal(worker, "TERM");
        }
        for worker in workers {
            assert!(worker.wait_with_output().unwrap().status.success());
        }
    })
    .await
    .unwrap();
    let jobs = bench.jobs();
    let attempts: Vec<i64> = jobs
        .iter()
        .map(|j| j["attempts"].as_i64().unwrap())
        .collect();
    assert_eq!(
        (
            attempts.iter().filter(|&&a| a == 2).count(),
            attempts.iter().sum::<i64>()
        ),
        (1, 31),
        "the killed worker's job ran again once, the others once: {attempts:?}"
    );
    let history = bench.json(&["history", "--json"]);
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 30, "each run audited once");
    let mut per_shop = std::collections::BTreeMap::<&str, usize>::new();
    for audit in history {
        *per_shop
            .entry(audit["shop_host"].as_str().unwrap())
            .or_default() += 1;
    }
    assert_eq!(
        (per_shop.len(), per_shop.values().all(|&n| n == 3)),
        (10, true),
        "{per_shop:?}"
    );
}

/// The schedule commands refuse what cannot run, and run-now queues a run for the next pass.
#[test]
fn schedules_are_checked_listed_run_now_and_removed() {
    let bench = Bench::new(None);
    let now = "2026-11-02T00:00:00Z";
    for bad in [
        vec!["--every", "5m"],
        vec!["--every", "monthly"],
        vec!["--cron", "0 6 1 *"],
        vec!["--cron", "0 6 1 * *", "--tz", "Europe/Nowhere"],
        vec!["--every", "30d", "--report-to", "not an address"],
    ] {
        let mut args = vec!["schedule", "add", "https://shop.example/"];
        args.extend(bad.iter().copied());
        let output = bench.command(now, &args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let said = bench.run(
        now,
        &[
            "schedule",
            "add",
            "https://shop.example/",
            "--cron",
            "0 6 1 * *",
            "--country",
            "FR",
        ],
    );
    // 06:00 in Paris on 1 December is 05:00 UTC.
    assert!(
        String::from_utf8_lossy(&said.stdout)
            .contains("first run 2026-12-01T05:00:00Z (Europe/Paris)"),
        "{}",
        String::from_utf8_lossy(&said.stdout)
    );
    let listed = String::from_utf8_lossy(&bench.run(now, &["schedule", "list"]).stdout).to_string();
    assert!(
        listed.contains("cron \"0 6 1 * *\" (Europe/Paris), next 2026-12-01T05:00:00Z"),
        "{listed}"
    );
    let queued =
        String::from_utf8_lossy(&bench.run(now, &["schedule", "run-now", "1"]).stdout).to_string();
    assert!(queued.contains("job 1 queued"), "{queued}");
    let jobs = bench.jobs();
    assert_eq!((jobs.len(), jobs[0]["state"].as_str()), (1, Some("queued")));
    bench.run(now, &["schedule", "remove", "1"]);
    let missing = bench
        .command(now, &["schedule", "remove", "1"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert_eq!(
        bench.json(&["schedule", "list", "--json"]),
        serde_json::json!([])
    );
}
