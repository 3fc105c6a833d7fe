//! The store on real SQLite files in a temporary folder: what it refuses to touch (another program's database, a
//! text file, a newer schema), what a read-only command never creates, and claims that run out.

use std::path::{Path, PathBuf};
use std::process::Command;

use cxaudit::campaign::ProbeState;
use cxaudit::store::{
    CampaignStore, Claim, NewCampaign, NewProbe, SqliteStore, StoreError, APPLICATION_ID,
};
use jiff::{SignedDuration, Timestamp};

/// Every file of the folder and its bytes: what "left as it is" means.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = if path.is_file() {
                std::fs::read(&path).unwrap()
            } else {
                Vec::new()
            };
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                bytes,
            )
        })
        .collect();
    files.sort();
    files
}

fn names(snapshot: &[(String, Vec<u8>)]) -> Vec<&str> {
    snapshot.iter().map(|(n, _)| n.as_str()).collect()
}

/// Another program's database, as it would leave it: its own tables, a row, closed.
fn other_program_database(path: &Path, journal_mode: &str, application_id: i32) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", journal_mode)
        .unwrap();
    if application_id != 0 {
        conn.pragma_update(None, "application_id", application_id)
            .unwrap();
    }
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);
         INSERT INTO users (name) VALUES ('Ada');",
    )
    .unwrap();
}

fn refusal(result: Result<SqliteStore, StoreError>) -> StoreError {
    match result {
        Ok(_) => panic!("opened"),
        Err(e) => e,
    }
}

fn cxaudit() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cxaudit"));
    command
        .env_remove("CXAUDIT_CONFIG")
        .env_remove("CXAUDIT_DB")
        .env("XDG_CONFIG_HOME", "/nonexistent/cxaudit-tests")
        .env("XDG_DATA_HOME", "/nonexistent/cxaudit-tests");
    command
}

#[test]
fn another_programs_database_is_refused_and_left_as_it_was() {
    for (journal_mode, application_id) in [("DELETE", 0), ("WAL", 0), ("DELETE", 0x4d504258)] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other-app.sqlite");
        other_program_database(&path, journal_mode, application_id);
        let before = snapshot(dir.path());
        assert_eq!(names(&before), ["other-app.sqlite"], "{journal_mode}");

        for writing in [true, false] {
            let err = refusal(if writing {
                SqliteStore::open(&path)
            } else {
                SqliteStore::open_existing(&path)
            });
            assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
            let message = err.to_string();
            assert!(
                message.contains(&path.display().to_string())
                    && message.contains("is not a cxaudit store")
                    && message.contains("another program's SQLite database")
                    && message.contains("orders, users"),
                "{message}"
            );
            if application_id != 0 {
                assert!(message.contains("application_id 0x4d504258"), "{message}");
            }
            // Byte for byte, and no -wal or -shm beside it.
            assert_eq!(snapshot(dir.path()), before, "{journal_mode}: {message}");
        }

        // The command a consultant would mistype, on the real binary (a relative path, as typed).
        let output = cxaudit()
            .current_dir(dir.path())
            .args(["campaign", "status", "--db", "other-app.sqlite"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("is not a cxaudit store") && stderr.contains("other-app.sqlite"),
            "{stderr}"
        );
        assert_eq!(snapshot(dir.path()), before, "{journal_mode}: {stderr}");
    }
}

/// The other program has its WAL database open, with writes not yet checkpointed: its -wal and -shm are left as
/// they are too.
#[test]
fn a_database_another_program_has_open_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other-app.sqlite");
    other_program_database(&path, "WAL", 0);
    let live = rusqlite::Connection::open(&path).unwrap();
    live.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    live.execute("INSERT INTO users (name) VALUES ('Grace')", [])
        .unwrap();
    let before = snapshot(dir.path());
    assert_eq!(
        names(&before),
        [
            "other-app.sqlite",
            "other-app.sqlite-shm",
            "other-app.sqlite-wal"
        ]
    );
    for writing in [true, false] {
        let err = refusal(if writing {
            SqliteStore::open(&path)
        } else {
            SqliteStore::open_existing(&path)
        })
        .to_string();
        assert!(err.contains("another program's SQLite database"), "{err}");
        assert_eq!(snapshot(dir.path()), before, "{err}");
    }
    let count: i64 = live
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 2);
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.sqlite");
    std::fs::write(
        &text,
        "Ceci n'est pas une base : des notes, en UTF-8 — é.\n",
    )
    .unwrap();
    let binary = dir.path().join("photo.sqlite");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0xfe]).unwrap();
    let before = snapshot(dir.path());
    for (path, what) in [
        (&text, "it is a text file, not an SQLite database"),
        (&binary, "it is not an SQLite database"),
    ] {
        for writing in [true, false] {
            let err = refusal(if writing {
                SqliteStore::open(path)
            } else {
                SqliteStore::open_existing(path)
            })
            .to_string();
            assert!(
                err.contains(&path.display().to_string()) && err.contains(what),
                "{err}"
            );
        }
    }
    // A folder is not a store either.
    let err = refusal(SqliteStore::open(dir.path())).to_string();
    assert!(err.contains("it is a folder"), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn an_empty_file_becomes_a_store_only_for_a_command_that_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.sqlite");
    std::fs::write(&path, b"").unwrap();
    let err = refusal(SqliteStore::open_existing(&path));
    assert!(matches!(err, StoreError::Empty { .. }), "{err}");
    assert_eq!(names(&snapshot(dir.path())), ["new.sqlite"]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);

    let store = SqliteStore::open(&path).unwrap();
    assert!(store.campaign_ids().unwrap().is_empty());
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(id, APPLICATION_ID);
    // Now a store, the read-only open takes it.
    SqliteStore::open_existing(&path).unwrap();
}

#[test]
fn campaign_status_on_a_missing_store_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("not/yet/missing.sqlite");
    let output = cxaudit()
        .args(["campaign", "status", "--db"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("no store at {} yet", path.display()))
            && stderr.contains("start a campaign first"),
        "{stderr}"
    );
    // Neither the file nor its folder.
    assert!(
        snapshot(dir.path()).is_empty(),
        "{:?}",
        snapshot(dir.path())
    );

    let err = refusal(SqliteStore::open_existing(&path));
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert!(snapshot(dir.path()).is_empty());
}

#[test]
fn a_store_of_a_newer_cxaudit_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    drop(SqliteStore::open(&path).unwrap());
    {
        // A later cxaudit migrated it further.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = snapshot(dir.path());
    for writing in [true, false] {
        let err = refusal(if writing {
            SqliteStore::open(&path)
        } else {
            SqliteStore::open_existing(&path)
        });
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("upgrade cxaudit"), "{err}");
        assert_eq!(snapshot(dir.path()), before);
    }
}

fn t(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn one_campaign(store: &mut SqliteStore, probes: usize) -> i64 {
    let probes: Vec<NewProbe> = (0..probes)
        .map(|i| NewProbe {
            token: format!("TOKEN{i}"),
            to_addr: "shop@shop.test".into(),
            scenario: "delivery-question".into(),
            subject: "Question".into(),
            body: "Bonjour".into(),
            message_id: format!("<cxaudit.token{i}@auditor.test>"),
            reply_to: None,
            send_after: t("2026-11-13T16:00:00Z"),
        })
        .collect();
    store
        .create_campaign(
            &NewCampaign {
                created_at: t("2026-11-13T15:55:00Z"),
                shop_host: "shop.test".into(),
                audit_path: None,
                lang: "fr".into(),
                country: Some("FR".into()),
                persona_name: "Marie Dupont".into(),
                persona_email: "auditor@auditor.test".into(),
                promise_hours: None,
                promise_business: false,
                promise_text: None,
                opening_hours: None,
                deadline_hours: 168.0,
            },
            &probes,
        )
        .unwrap()
}

fn state(store: &SqliteStore, campaign: i64, probe: i64) -> ProbeState {
    store
        .probes(campaign)
        .unwrap()
        .into_iter()
        .find(|p| p.id == probe)
        .unwrap()
        .state
}

/// A claim is a lease: while it holds, nobody else touches the probe; once it has run out with the probe still
/// `sending`, the probe is `uncertain` and never due again. The holder's own word still counts after.
#[test]
fn a_claim_that_runs_out_while_sending_makes_the_probe_uncertain() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("store.sqlite")).unwrap();
    let campaign = one_campaign(&mut store, 2);
    let claimed_at = t("2026-11-13T16:00:00Z");
    let lease = |owner: &str| Claim {
        owner: owner.into(),
        until: claimed_at
            .checked_add(cxaudit::campaign::SEND_LEASE)
            .unwrap(),
    };
    assert_eq!(store.due_probes(None, claimed_at).unwrap(), [1, 2]);
    let probe = store.claim_probe(1, &lease("a")).unwrap().unwrap();
    assert_eq!(
        (probe.attempts, probe.to_addr.as_str()),
        (1, "shop@shop.test")
    );
    assert_eq!(state(&store, campaign, 1), ProbeState::Sending);
    // Taken: another sender gets nothing.
    assert_eq!(store.claim_probe(1, &lease("b")).unwrap(), None);

    // Within the lease (an SMTP exchange may still be under way): left alone.
    let within = claimed_at
        .checked_add(SignedDuration::from_mins(10))
        .unwrap();
    assert!(store.expire_claims(within).unwrap().is_empty());
    assert_eq!(state(&store, campaign, 1), ProbeState::Sending);

    // Run out: uncertain, not due, not claimable, never sent again.
    let after = claimed_at
        .checked_add(cxaudit::campaign::SEND_LEASE + SignedDuration::from_secs(2))
        .unwrap();
    assert_eq!(store.expire_claims(after).unwrap(), [1]);
    let probe = &store.probes(campaign).unwrap()[0];
    assert_eq!(probe.state, ProbeState::Uncertain);
    assert!(
        probe.failure.as_deref().unwrap().contains("not sent again"),
        "{probe:?}"
    );
    assert_eq!(store.due_probes(None, after).unwrap(), [2]);
    assert_eq!(store.claim_probe(1, &lease("b")).unwrap(), None);
    assert!(store.expire_claims(after).unwrap().is_empty(), "once");

    // Only the holder may say how its exchange ended, and its word stands.
    assert!(!store.mark_sent(1, "b", after, "250 ok").unwrap());
    assert!(store.mark_sent(1, "a", after, "250 ok").unwrap());
    assert_eq!(state(&store, campaign, 1), ProbeState::Sent);
    assert_eq!(store.sent_since(claimed_at).unwrap(), 1);

    // A temporary refusal puts the probe back, due at its next attempt.
    store.claim_probe(2, &lease("a")).unwrap().unwrap();
    let retry = claimed_at
        .checked_add(SignedDuration::from_mins(5))
        .unwrap();
    assert!(store.mark_retry(2, "a", retry, "450 busy").unwrap());
    assert_eq!(state(&store, campaign, 2), ProbeState::Planned);
    assert!(store.due_probes(None, claimed_at).unwrap().is_empty());
    assert_eq!(store.due_probes(Some(campaign), retry).unwrap(), [2]);
    assert_eq!(
        store.waiting_probes(campaign).unwrap(),
        ["2026-11-13T16:05:00Z"]
    );
}

/// What every backend of the schedules must do, run against each (`schedule_contract_on_sqlite`, and the
/// PostgreSQL one): a due run queued once whoever asks, leases that keep two workers off one job and one shop, a
/// dead worker's job taken over, an audit recorded only by the job's holder.
pub fn schedule_contract(store: &mut dyn cxaudit::store::Store) {
    use cxaudit::store::{JobState, NewAudit, NewSchedule};
    let t = |text: &str| text.parse::<Timestamp>().unwrap();
    let schedule = |host: &str| NewSchedule {
        shop_url: format!("https://{host}/"),
        shop_host: host.into(),
        every_seconds: Some(30 * 86_400),
        cron: None,
        time_zone: "Europe/Paris".into(),
        options: "{}".into(),
        created_at: "2026-11-01T08:00:00Z".into(),
        next_due_at: "2026-11-01T08:00:00Z".into(),
    };
    let a = store.add_schedule(&schedule("a.test")).unwrap();
    let b = store.add_schedule(&schedule("b.test")).unwrap();
    assert_eq!(store.schedules().unwrap().len(), 2);
    assert!(store
        .due_schedules(t("2026-11-01T07:59:59Z"))
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .due_schedules(t("2026-11-01T08:00:00Z"))
            .unwrap()
            .len(),
        2
    );

    // Two daemons saw the same run due: one queues it.
    let first = store
        .enqueue_due(
            a,
            "2026-11-01T08:00:00Z",
            "2026-11-01T08:00:00Z",
            "2026-12-01T08:00:00Z",
        )
        .unwrap();
    assert!(first.is_some());
    let again = store
        .enqueue_due(
            a,
            "2026-11-01T08:00:00Z",
            "2026-11-01T08:00:00Z",
            "2026-12-01T08:00:00Z",
        )
        .unwrap();
    assert_eq!(again, None, "queued once");
    assert_eq!(
        store
            .due_schedules(t("2026-11-02T00:00:00Z"))
            .unwrap()
            .len(),
        1,
        "b only"
    );
    store
        .enqueue_due(
            b,
            "2026-11-01T08:00:00Z",
            "2026-11-01T08:00:00Z",
            "2026-12-01T08:00:00Z",
        )
        .unwrap()
        .unwrap();
    let now_job = store.enqueue_now(a, t("2026-11-01T09:00:00Z")).unwrap();
    assert_eq!(
        store.enqueue_now(a, t("2026-11-01T09:00:00Z")).unwrap(),
        now_job,
        "same second, same job"
    );

    // Worker 1 takes a.test's run; worker 2 gets b.test's, never a.test's second one (one crawl per shop).
    let now = t("2026-11-01T09:00:00Z");
    let lease = t("2026-11-01T09:10:00Z");
    let one = store.claim_job("w1", now, lease, 3).unwrap().unwrap();
    assert_eq!(
        (one.shop_host.as_str(), one.state, one.attempts),
        ("a.test", JobState::Running, 1)
    );
    let two = store.claim_job("w2", now, lease, 3).unwrap().unwrap();
    assert_eq!(two.shop_host, "b.test");
    assert_eq!(
        store.claim_job("w3", now, lease, 3).unwrap(),
        None,
        "a.test is being crawled"
    );

    // w1 dies: once its lease has run out, w3 takes the job over; w1's late word counts for nothing.
    let later = t("2026-11-01T09:10:01Z");
    let taken = store
        .claim_job("w3", later, t("2026-11-01T09:20:00Z"), 3)
        .unwrap()
        .unwrap();
    assert_eq!((taken.id, taken.attempts), (one.id, 2));
    assert!(!store
        .renew_job(one.id, "w1", t("2026-11-01T09:30:00Z"))
        .unwrap());
    assert!(store
        .renew_job(one.id, "w3", t("2026-11-01T09:30:00Z"))
        .unwrap());
    let audit = NewAudit {
        shop_host: "a.test".into(),
        start_url: "https://a.test/".into(),
        started_at: "2026-11-01T09:10:01Z".into(),
        finished_at: "2026-11-01T09:12:00Z".into(),
        html_pages: 3,
        score: Some(80.0),
        grade: Some("B".into()),
        tool_version: "test".into(),
        folder: None,
        rules: vec![("faq".into(), "pass".into(), Some(1.0))],
        audit_json: b"{}".to_vec(),
    };
    let at = t("2026-11-01T09:12:00Z");
    assert_eq!(
        store.complete_job(one.id, "w1", &audit, None, at).unwrap(),
        None,
        "not w1's any more"
    );
    let recorded = store
        .complete_job(one.id, "w3", &audit, Some("pending"), at)
        .unwrap()
        .unwrap();
    assert_eq!(
        store.audits(Some("a.test")).unwrap().len(),
        1,
        "recorded once"
    );
    let done = store.jobs(Some(a)).unwrap();
    let done = done.iter().find(|j| j.id == one.id).unwrap();
    assert_eq!(
        (done.state, done.audit_id, done.report_mail.as_deref()),
        (JobState::Done, Some(recorded), Some("pending"))
    );
    assert!(store
        .swap_report_mail(one.id, "pending", "sending")
        .unwrap());
    assert!(
        !store
            .swap_report_mail(one.id, "pending", "sending")
            .unwrap(),
        "one sender"
    );
    assert!(store.swap_report_mail(one.id, "sending", "sent").unwrap());
    assert_eq!(
        store
            .jobs(None)
            .unwrap()
            .iter()
            .find(|j| j.id == one.id)
            .unwrap()
            .report_mail
            .as_deref(),
        Some("sent")
    );

    // A failure is retried, then given up; a stopped daemon gives its job back unspent.
    assert!(store
        .fail_job(two.id, "w2", "unreachable", true, at)
        .unwrap());
    let retried = store
        .claim_job("w2", at, t("2026-11-01T09:30:00Z"), 3)
        .unwrap()
        .unwrap();
    assert_eq!((retried.id, retried.attempts), (two.id, 2));
    assert!(store.release_job(two.id, "w2").unwrap());
    let back = store
        .claim_job("w2", at, t("2026-11-01T09:30:00Z"), 3)
        .unwrap()
        .unwrap();
    assert_eq!(
        (back.id, back.attempts),
        (two.id, 2),
        "a release spends no attempt"
    );
    assert!(store.fail_job(two.id, "w2", "refused", false, at).unwrap());
    let failed = store.jobs(Some(b)).unwrap();
    assert_eq!(
        (failed[0].state, failed[0].error.as_deref()),
        (JobState::Failed, Some("refused"))
    );

    // A job whose workers all died is failed once out of attempts, not run forever.
    let third = store
        .claim_job("w4", at, t("2026-11-01T09:13:00Z"), 1)
        .unwrap()
        .unwrap();
    assert_eq!(third.id, now_job);
    assert_eq!(
        store
            .claim_job(
                "w5",
                t("2026-11-01T09:14:00Z"),
                t("2026-11-01T09:30:00Z"),
                1
            )
            .unwrap(),
        None
    );
    let given_up = store.jobs(Some(a)).unwrap();
    let given_up = given_up.iter().find(|j| j.id == now_job).unwrap();
    assert_eq!(given_up.state, JobState::Failed, "{given_up:?}");

    assert!(store.remove_schedule(b, at).unwrap());
    assert!(!store.remove_schedule(b, at).unwrap());
    assert_eq!(store.schedules().unwrap().len(), 1);
    store.forget_shop("a.test").unwrap();
    assert!(store.jobs(Some(a)).unwrap().is_empty());
    assert!(store.schedules().unwrap().is_empty());
}

#[test]
fn schedule_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        cxaudit::store::open(&cxaudit::store::Location::File(dir.path().join("s.sqlite"))).unwrap();
    schedule_contract(store.as_mut());
}
