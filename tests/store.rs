//! The store on real SQLite files in a temporary folder: what it refuses to touch (another program's database, a
//! text file, a newer schema), what a read-only command never creates, and claims that run out.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use cxaudit::campaign::ProbeState;
use cxaudit::store::{
    CampaignStore, Claim, Location, NewCampaign, NewProbe, SqliteStore, Store, StoreError,
    APPLICATION_ID,
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

fn new_campaign(host: &str, created_at: &str) -> NewCampaign {
    NewCampaign {
        created_at: t(created_at),
        shop_host: host.into(),
        audit_path: Some("/audits/shop/audit.json".into()),
        lang: "fr".into(),
        country: Some("FR".into()),
        persona_name: "Marie Dupont".into(),
        persona_email: "auditor@auditor.test".into(),
        promise_hours: Some(24.0),
        promise_business: true,
        promise_text: Some("Réponse sous 24 h ouvrées".into()),
        opening_hours: Some(r#"{"mon": ["09:00-18:00"]}"#.into()),
        deadline_hours: 168.0,
    }
}

fn new_probes(prefix: &str, count: usize) -> Vec<NewProbe> {
    (0..count)
        .map(|i| NewProbe {
            token: format!("{prefix}TOKEN{i}"),
            to_addr: "shop@shop.test".into(),
            scenario: "delivery-question".into(),
            subject: "Question".into(),
            body: "Bonjour".into(),
            message_id: format!("<cxaudit.{prefix}token{i}@auditor.test>"),
            reply_to: (i % 2 == 1).then(|| format!("auditor+{prefix}{i}@auditor.test")),
            send_after: t("2026-11-13T16:00:00Z"),
        })
        .collect()
}

fn one_campaign(store: &mut dyn Store, probes: usize) -> i64 {
    store
        .create_campaign(
            &new_campaign("shop.test", "2026-11-13T15:55:00Z"),
            &new_probes("", probes),
        )
        .unwrap()
}

fn state(store: &dyn Store, campaign: i64, probe: i64) -> ProbeState {
    store
        .probes(campaign)
        .unwrap()
        .into_iter()
        .find(|p| p.id == probe)
        .unwrap()
        .state
}

fn lease(owner: &str) -> Claim {
    Claim {
        owner: owner.into(),
        until: t("2026-11-13T16:00:00Z")
            .checked_add(cxaudit::campaign::SEND_LEASE)
            .unwrap(),
    }
}

/// What every backend of the campaigns must do. A claim is a lease: while it holds, nobody else touches the
/// probe; once it has run out with the probe still `sending`, the probe is `uncertain` and never due again. The
/// holder's own word still counts after.
pub fn campaign_contract(store: &mut dyn Store) {
    assert!(store.campaign_ids().unwrap().is_empty());
    assert_eq!(store.oldest_campaign_start().unwrap(), None);
    let campaign = one_campaign(store, 3);
    let record = store.campaign(campaign).unwrap().unwrap();
    assert_eq!(
        (
            record.created_at.as_str(),
            record.shop_host.as_str(),
            record.audit_path.as_deref(),
            record.country.as_deref(),
            record.promise_hours,
            record.promise_business,
            record.opening_hours.as_deref(),
            record.deadline_hours,
        ),
        (
            "2026-11-13T15:55:00Z",
            "shop.test",
            Some("/audits/shop/audit.json"),
            Some("FR"),
            Some(24.0),
            true,
            Some(r#"{"mon": ["09:00-18:00"]}"#),
            168.0
        )
    );
    assert_eq!(store.campaign(campaign + 100).unwrap(), None);
    assert_eq!(
        store.oldest_campaign_start().unwrap().as_deref(),
        Some("2026-11-13T15:55:00Z")
    );
    // Running until its deadline plus a day.
    assert_eq!(
        store
            .running_campaign("shop.test", t("2026-11-20T15:00:00Z"))
            .unwrap(),
        Some(campaign)
    );
    assert_eq!(
        store
            .running_campaign("shop.test", t("2026-11-21T15:55:00Z"))
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .running_campaign("other.test", t("2026-11-14T00:00:00Z"))
            .unwrap(),
        None
    );
    let planned = store.planned_probes(campaign).unwrap();
    let expected = new_probes("", 3);
    assert_eq!(planned.len(), 3);
    for (got, want) in planned.iter().zip(&expected) {
        assert_eq!(
            (&got.token, &got.message_id, &got.reply_to, got.send_after),
            (
                &want.token,
                &want.message_id,
                &want.reply_to,
                want.send_after
            )
        );
    }

    let claimed_at = t("2026-11-13T16:00:00Z");
    assert!(store
        .due_probes(None, t("2026-11-13T15:59:59Z"))
        .unwrap()
        .is_empty());
    assert_eq!(store.due_probes(None, claimed_at).unwrap(), [1, 2, 3]);
    let probe = store.claim_probe(1, &lease("a")).unwrap().unwrap();
    assert_eq!(
        (
            probe.attempts,
            probe.to_addr.as_str(),
            probe.send_after.as_str(),
            probe.campaign_id
        ),
        (1, "shop@shop.test", "2026-11-13T16:00:00Z", campaign)
    );
    assert_eq!(state(store, campaign, 1), ProbeState::Sending);
    // Taken: another sender gets nothing.
    assert_eq!(store.claim_probe(1, &lease("b")).unwrap(), None);

    // Within the lease (an SMTP exchange may still be under way): left alone.
    let within = claimed_at
        .checked_add(SignedDuration::from_mins(10))
        .unwrap();
    assert!(store.expire_claims(within).unwrap().is_empty());
    assert_eq!(state(store, campaign, 1), ProbeState::Sending);

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
    assert_eq!(store.due_probes(None, after).unwrap(), [2, 3]);
    assert_eq!(store.claim_probe(1, &lease("b")).unwrap(), None);
    assert!(store.expire_claims(after).unwrap().is_empty(), "once");

    // Only the holder may say how its exchange ended, and its word stands.
    assert!(!store.mark_sent(1, "b", after, "250 ok").unwrap());
    assert!(store.mark_sent(1, "a", after, "250 ok").unwrap());
    assert_eq!(state(store, campaign, 1), ProbeState::Sent);
    assert_eq!(store.sent_since(claimed_at).unwrap(), 1);
    assert_eq!(store.sent_since(after).unwrap(), 0, "after, not at");

    // A temporary refusal puts the probe back, due at its next attempt.
    store.claim_probe(2, &lease("a")).unwrap().unwrap();
    let retry = claimed_at
        .checked_add(SignedDuration::from_mins(5))
        .unwrap();
    assert!(!store.mark_retry(2, "b", retry, "450 busy").unwrap());
    assert!(store.mark_retry(2, "a", retry, "450 busy").unwrap());
    assert_eq!(state(store, campaign, 2), ProbeState::Planned);
    assert_eq!(store.due_probes(None, claimed_at).unwrap(), [3]);
    assert_eq!(store.due_probes(Some(campaign), retry).unwrap(), [2, 3]);
    assert_eq!(
        store.waiting_probes(campaign).unwrap(),
        ["2026-11-13T16:00:00Z", "2026-11-13T16:05:00Z"]
    );
    let again = store.claim_probe(2, &lease("a")).unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    // A permanent refusal: failed, its reason kept.
    assert!(!store.mark_failed(2, "b", "550 no such user").unwrap());
    assert!(store.mark_failed(2, "a", "550 no such user").unwrap());
    let failed = &store.probes(campaign).unwrap()[1];
    assert_eq!(
        (failed.state, failed.failure.as_deref(), failed.attempts),
        (ProbeState::Failed, Some("550 no such user"), 2)
    );

    // Newest first; the due probes of one campaign only.
    let second = store
        .create_campaign(
            &new_campaign("other.test", "2026-11-14T09:00:00Z"),
            &new_probes("B", 1),
        )
        .unwrap();
    assert_eq!(store.campaign_ids().unwrap(), [second, campaign]);
    assert_eq!(store.due_probes(Some(campaign), retry).unwrap(), [3]);
    assert_eq!(
        store.due_probes(None, t("2026-11-14T09:00:00Z")).unwrap(),
        [3, 4]
    );
    assert_eq!(
        store.oldest_campaign_start().unwrap().as_deref(),
        Some("2026-11-13T15:55:00Z")
    );
}

/// What every backend of collecting must do: the probes replies are tied to, proofs that an uncertain probe left,
/// replies stored once, mailbox positions, the retention purge.
pub fn reply_contract(store: &mut dyn Store) {
    use cxaudit::store::{MailboxPosition, NewReply, ReplyClass};
    let campaign = one_campaign(store, 3);
    let at = t("2026-11-13T16:00:00Z");
    store.claim_probe(1, &lease("a")).unwrap().unwrap();
    assert!(store.mark_sent(1, "a", at, "250 ok").unwrap());
    store.claim_probe(2, &lease("a")).unwrap().unwrap();
    let late = t("2026-11-13T17:00:00Z");
    assert_eq!(store.expire_claims(late).unwrap(), [2]);

    // Sent or maybe sent: tied to replies; a planned one is not.
    let mut keys = store.probe_keys().unwrap();
    keys.sort_by_key(|k| k.id);
    assert_eq!(keys.iter().map(|k| k.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        (
            keys[0].token.as_str(),
            keys[0].lang.as_str(),
            keys[0].persona.as_str(),
            keys[0].sent_at.as_deref(),
            keys[1].sent_at.as_deref(),
            keys[1].reply_to.as_deref()
        ),
        (
            "TOKEN0",
            "fr",
            "Marie Dupont",
            Some("2026-11-13T16:00:00Z"),
            None,
            Some("auditor+1@auditor.test")
        )
    );

    // A reply proves the uncertain probe left; a copy in the mailbox proves a `sending` one did, and dates it.
    assert!(store.confirm_sent_by_reply(2).unwrap());
    assert!(!store.confirm_sent_by_reply(2).unwrap(), "once");
    assert_eq!(state(store, campaign, 2), ProbeState::Sent);
    store.claim_probe(3, &lease("a")).unwrap().unwrap();
    assert!(store.confirm_sent_by_copy(3, late).unwrap());
    assert!(!store.confirm_sent_by_copy(3, late).unwrap());
    let third = &store.probes(campaign).unwrap()[2];
    assert_eq!(
        (third.state, third.sent_at.as_deref()),
        (ProbeState::Sent, Some("2026-11-13T17:00:00Z"))
    );

    // The first bounce's time is kept.
    store.record_bounce(1, late, "550 unknown").unwrap();
    store
        .record_bounce(1, t("2026-11-14T08:00:00Z"), "550 again")
        .unwrap();
    assert_eq!(
        store.probes(campaign).unwrap()[0].bounced_at.as_deref(),
        Some("2026-11-13T17:00:00Z")
    );

    let reply = |uid: u32, arrived: &str, message_id: &str| NewReply {
        probe_id: 1,
        mailbox: "INBOX".into(),
        // The largest a server may give: the store keeps all 32 bits.
        uidvalidity: u32::MAX,
        uid,
        message_id: Some(message_id.into()),
        from_addr: Some("Service client <sav@shop.test>".into()),
        subject: Some("Re: Question".into()),
        arrived_at: t(arrived),
        received_at: None,
        class: ReplyClass::Human,
        matched_by: "in-reply-to".into(),
        quality: Some(r#"{"greeting": true}"#.into()),
        text: "Bonjour, votre colis part demain. Cordialement".into(),
        stored_at: t("2026-11-15T00:00:00Z"),
    };
    assert!(store
        .add_reply(&reply(7, "2026-11-14T10:00:00Z", "b@shop.test"))
        .unwrap());
    assert!(
        !store
            .add_reply(&reply(7, "2026-11-14T10:00:00Z", "b@shop.test"))
            .unwrap(),
        "the same message is stored once"
    );
    assert!(store
        .add_reply(&reply(u32::MAX, "2026-11-14T09:00:00Z", "a@shop.test"))
        .unwrap());
    assert!(store.has_reply(1, "a@shop.test").unwrap());
    assert!(!store.has_reply(1, "c@shop.test").unwrap());
    assert!(!store.has_reply(2, "a@shop.test").unwrap());
    let replies = store.replies(campaign, t("2026-11-30T00:00:00Z")).unwrap();
    assert_eq!(
        replies
            .iter()
            .map(|r| r.arrived_at.as_str())
            .collect::<Vec<_>>(),
        ["2026-11-14T09:00:00Z", "2026-11-14T10:00:00Z"],
        "by arrival"
    );
    assert_eq!(
        (replies[0].class, replies[0].quality.as_deref()),
        (ReplyClass::Human, Some(r#"{"greeting": true}"#))
    );
    assert_eq!(
        store
            .replies(campaign, t("2026-11-14T09:00:00Z"))
            .unwrap()
            .len(),
        1,
        "at or before"
    );

    assert_eq!(store.mailbox_position("INBOX").unwrap(), None);
    let position = MailboxPosition {
        uidvalidity: u32::MAX,
        last_uid: u32::MAX - 1,
    };
    store.set_mailbox_position("INBOX", position).unwrap();
    assert_eq!(store.mailbox_position("INBOX").unwrap(), Some(position));
    let moved = MailboxPosition {
        uidvalidity: 1,
        last_uid: 9,
    };
    store.set_mailbox_position("INBOX", moved).unwrap();
    assert_eq!(store.mailbox_position("INBOX").unwrap(), Some(moved));
    assert_eq!(store.mailbox_position("Sent").unwrap(), None);

    // Retention: texts, senders and subjects go; timings and classes stay.
    assert_eq!(
        store.purge_reply_texts(t("2026-11-15T00:00:00Z")).unwrap(),
        0,
        "before, not at"
    );
    assert_eq!(
        store.purge_reply_texts(t("2026-11-16T00:00:00Z")).unwrap(),
        2
    );
    assert_eq!(
        store.purge_reply_texts(t("2026-11-16T00:00:00Z")).unwrap(),
        0
    );
    let purged = store.replies(campaign, t("2026-11-30T00:00:00Z")).unwrap();
    assert_eq!(
        (
            purged[0].from_addr.as_deref(),
            purged[0].subject.as_deref(),
            purged[0].class
        ),
        (None, None, ReplyClass::Human)
    );
}

/// What every backend of the history must do: audits kept with their audit.json and rules, a campaign's results
/// landing in one, the consultant's judgements and notes, a shop forgotten whole.
pub fn history_contract(store: &mut dyn Store) {
    use cxaudit::store::{Attachment, CampaignUpdate, NewAudit, NewOverride, SavedNotes};
    // Rule ids that bytes and a human collation order differently: the store's order is SQLite's, by bytes.
    let rules: Vec<(String, String, Option<f64>)> = ["ab", "a_c", "aB", "a-b", "aa"]
        .iter()
        .map(|r| (r.to_string(), "pass".to_string(), Some(1.0)))
        .collect();
    let audit = |host: &str, finished: &str, folder: Option<&str>| NewAudit {
        shop_host: host.into(),
        start_url: format!("https://{host}/"),
        started_at: "2026-11-02T09:00:00Z".into(),
        finished_at: finished.into(),
        html_pages: 12,
        score: Some(71.5),
        grade: Some("C".into()),
        tool_version: "0.1.0".into(),
        folder: folder.map(str::to_string),
        rules: rules.clone(),
        audit_json: r#"{"schema_version": 3, "shop": "Boulangerie Müller — café"}"#
            .as_bytes()
            .to_vec(),
    };
    let second = store
        .record_audit(&audit(
            "shop.test",
            "2026-12-02T09:05:00Z",
            Some("/audits/shop"),
        ))
        .unwrap();
    let first = store
        .record_audit(&audit(
            "shop.test",
            "2026-11-02T09:05:00Z",
            Some("/audits/shop"),
        ))
        .unwrap();
    let other = store
        .record_audit(&audit("other.test", "2026-11-20T09:05:00Z", None))
        .unwrap();
    let ids =
        |list: Vec<cxaudit::store::AuditRecord>| list.iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.audits(None).unwrap()),
        [first, other, second],
        "oldest first"
    );
    assert_eq!(
        ids(store.audits(Some("shop.test")).unwrap()),
        [first, second]
    );
    assert!(store.audits(Some("nobody.test")).unwrap().is_empty());
    let record = store.audit(first).unwrap().unwrap();
    assert_eq!(
        (
            record.start_url.as_str(),
            record.html_pages,
            record.score,
            record.grade.as_deref(),
            record.folder.as_deref(),
            record.campaign.is_none()
        ),
        (
            "https://shop.test/",
            12,
            Some(71.5),
            Some("C"),
            Some("/audits/shop"),
            true
        )
    );
    assert!(store.audit(other + 100).unwrap().is_none());
    assert_eq!(
        store.audit_json(first).unwrap().unwrap(),
        audit("x", "", None).audit_json
    );
    assert_eq!(store.audit_json(other + 100).unwrap(), None);
    assert_eq!(
        store
            .audit_rules(first)
            .unwrap()
            .iter()
            .map(|(r, _, _)| r.as_str())
            .collect::<Vec<_>>(),
        ["a-b", "aB", "a_c", "aa", "ab"]
    );
    assert_eq!(
        store.audit_in_folder("/audits/shop").unwrap().map(|a| a.id),
        Some(second),
        "the newest written there"
    );
    assert_eq!(
        store.audit_in_folder("/elsewhere").unwrap().map(|a| a.id),
        None
    );

    // A campaign's results land in the audit: its audit.json, scores and rules follow.
    let summary = cxaudit::result::CampaignSummary {
        id: 7,
        sent: 3,
        answered: 2,
        median_human_delay_hours: Some(26.0),
        slowest_human_delay_hours: Some(51.0),
        promise_hours: Some(24.0),
    };
    let update = CampaignUpdate {
        summary: summary.clone(),
        audit_json: br#"{"schema_version": 3, "campaign": {}}"#.to_vec(),
        score: Some(64.0),
        grade: Some("D".into()),
        rules: vec![("email-answered".into(), "partial".into(), Some(0.67))],
    };
    assert!(store.attach_campaign(second, &update).unwrap());
    assert!(!store.attach_campaign(other + 100, &update).unwrap());
    let attached = store.audit(second).unwrap().unwrap();
    assert_eq!(
        (attached.score, attached.grade.as_deref(), attached.campaign),
        (Some(64.0), Some("D"), Some(summary))
    );
    assert_eq!(
        store.audit_json(second).unwrap().unwrap(),
        update.audit_json
    );
    assert_eq!(store.audit_rules(second).unwrap(), update.rules);

    // Judgements: the newest per rule is in force, a manual test keeps its day and file.
    let judgement = |rule: &str, status: &str, reason: &str, created: &str| NewOverride {
        shop_host: "shop.test".into(),
        rule: rule.into(),
        status: status.into(),
        reason: reason.into(),
        by: "Claire".into(),
        created_at: created.into(),
        audit_id: first,
        evidence: "abc".into(),
        kind: "override".into(),
        tested_on: None,
        attachment: None,
    };
    store
        .add_override(&judgement(
            "faq",
            "fail",
            "Empty page",
            "2026-11-03T10:00:00Z",
        ))
        .unwrap();
    let newer = judgement(
        "faq",
        "pass",
        "In the printed catalogue",
        "2026-11-04T10:00:00Z",
    );
    store.add_override(&newer).unwrap();
    let manual = NewOverride {
        rule: "phone-answered".into(),
        kind: "manual".into(),
        tested_on: Some("2026-11-03".into()),
        attachment: Some(Attachment {
            name: "call.txt".into(),
            bytes: vec![0, 159, 146, 150, b'\n'],
        }),
        ..judgement(
            "phone-answered",
            "pass",
            "Answered at the third ring",
            "2026-11-03T11:00:00Z",
        )
    };
    store.add_override(&manual).unwrap();
    assert_eq!(store.overrides("shop.test").unwrap(), [newer, manual]);
    assert!(store.overrides("other.test").unwrap().is_empty());

    // Notes: the newest, or the newest saved with a given audit or before.
    let notes = |audit_id: i64, toml: &str| SavedNotes {
        shop_host: "shop.test".into(),
        audit_id,
        saved_at: "2026-11-03T12:00:00Z".into(),
        toml: toml.into(),
    };
    let (low, high) = (first.min(second), first.max(second));
    store
        .save_notes(&notes(low, "[[priority]]\nrule = \"faq\"\n"))
        .unwrap();
    store
        .save_notes(&notes(high, "[[priority]]\nrule = \"cgv\"\n"))
        .unwrap();
    assert_eq!(
        store.notes("shop.test", None).unwrap(),
        Some(notes(high, "[[priority]]\nrule = \"cgv\"\n"))
    );
    assert_eq!(
        store.notes("shop.test", Some(low)).unwrap(),
        Some(notes(low, "[[priority]]\nrule = \"faq\"\n"))
    );
    assert_eq!(
        store.notes("shop.test", Some(0)).unwrap(),
        None,
        "saved with a later audit"
    );
    assert_eq!(store.notes("other.test", None).unwrap(), None);

    // Forgetting a shop: its audits, judgements, notes, campaigns with their replies; the other shop stays.
    let campaign = one_campaign(store, 1);
    let probe = store.probes(campaign).unwrap()[0].id;
    store.claim_probe(probe, &lease("a")).unwrap().unwrap();
    store
        .mark_sent(probe, "a", t("2026-11-13T16:00:00Z"), "250 ok")
        .unwrap();
    assert!(store
        .add_reply(&cxaudit::store::NewReply {
            probe_id: probe,
            mailbox: "INBOX".into(),
            uidvalidity: 1,
            uid: 1,
            message_id: None,
            from_addr: None,
            subject: None,
            arrived_at: t("2026-11-14T09:00:00Z"),
            received_at: None,
            class: cxaudit::store::ReplyClass::Human,
            matched_by: "token".into(),
            quality: None,
            text: "Bonjour".into(),
            stored_at: t("2026-11-14T09:00:00Z"),
        })
        .unwrap());
    assert_eq!(store.forget_shop("shop.test").unwrap(), (2, 1, 1));
    assert_eq!(ids(store.audits(None).unwrap()), [other]);
    assert!(store.overrides("shop.test").unwrap().is_empty());
    assert_eq!(store.notes("shop.test", None).unwrap(), None);
    assert!(store.campaign_ids().unwrap().is_empty());
    assert!(store.probe_keys().unwrap().is_empty());
    assert_eq!(store.forget_shop("shop.test").unwrap(), (0, 0, 0));
}

fn sqlite_store(dir: &tempfile::TempDir) -> Box<dyn Store> {
    cxaudit::store::open(&Location::File(dir.path().join("store.sqlite"))).unwrap()
}

#[test]
fn campaign_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    campaign_contract(sqlite_store(&dir).as_mut());
}

#[test]
fn reply_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    reply_contract(sqlite_store(&dir).as_mut());
}

#[test]
fn history_contract_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    history_contract(sqlite_store(&dir).as_mut());
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

// The same contracts on PostgreSQL, each in a database of its own (skipped without a server: see common::pg).

fn on_postgres(contract: fn(&mut dyn Store)) {
    let Some(db) = common::pg::database() else {
        return;
    };
    let mut store = cxaudit::store::open(&db.location()).unwrap();
    contract(store.as_mut());
}

#[test]
fn schedule_contract_on_postgres() {
    on_postgres(schedule_contract);
}

#[test]
fn campaign_contract_on_postgres() {
    on_postgres(campaign_contract);
}

#[test]
fn reply_contract_on_postgres() {
    on_postgres(reply_contract);
}

#[test]
fn history_contract_on_postgres() {
    on_postgres(history_contract);
}

fn tables(client: &mut postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn pg_refusal(result: Result<Box<dyn Store>, StoreError>) -> StoreError {
    match result {
        Ok(_) => panic!("opened"),
        Err(e) => e,
    }
}

/// A database of another program (tables, no `cxaudit_schema`) is refused, reading or writing, and left as it was.
#[test]
fn another_programs_postgres_database_is_refused_and_left_as_it_was() {
    let Some(db) = common::pg::database() else {
        return;
    };
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT);
             CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id BIGINT);
             INSERT INTO users VALUES (1, 'Ada');",
        )
        .unwrap();
    for writing in [true, false] {
        let err = pg_refusal(if writing {
            cxaudit::store::open(&db.location())
        } else {
            cxaudit::store::open_existing(&db.location())
        });
        assert!(matches!(err, StoreError::NotAStore { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("is not a cxaudit store")
                && message.contains("another program's PostgreSQL database")
                && message.contains("tables: orders, users"),
            "{message}"
        );
        assert!(!message.contains("cxaudit-test-secret"), "{message}");
        assert_eq!(tables(&mut client), ["orders", "users"]);
    }
    let count: i64 = client
        .query_one("SELECT count(*) FROM users", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
}

#[test]
fn a_postgres_store_of_a_newer_cxaudit_is_refused() {
    let Some(db) = common::pg::database() else {
        return;
    };
    drop(cxaudit::store::open(&db.location()).unwrap());
    let mut client = db.client();
    client
        .batch_execute("UPDATE cxaudit_schema SET version = 99")
        .unwrap();
    for writing in [true, false] {
        let err = pg_refusal(if writing {
            cxaudit::store::open(&db.location())
        } else {
            cxaudit::store::open_existing(&db.location())
        });
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("upgrade cxaudit"), "{err}");
    }
    let version: i64 = client
        .query_one("SELECT version FROM cxaudit_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, 99, "left as it was");
}

/// Several processes opening a new database at once: one lays the schema, the others wait and find it current.
#[test]
fn processes_opening_a_new_postgres_store_at_once_migrate_it_once() {
    let Some(db) = common::pg::database() else {
        return;
    };
    let start = std::sync::Barrier::new(4);
    std::thread::scope(|scope| {
        let opened: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    cxaudit::store::open(&db.location()).map(drop)
                })
            })
            .collect();
        for handle in opened {
            handle.join().unwrap().unwrap();
        }
    });
    let mut client = db.client();
    let versions: Vec<i64> = client
        .query("SELECT version FROM cxaudit_schema", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [6]);
    assert!(tables(&mut client).contains(&"jobs".to_string()));
}

/// `open_existing` is for commands that only read: the session writes nothing.
#[test]
fn a_read_only_postgres_store_writes_nothing() {
    let Some(db) = common::pg::database() else {
        return;
    };
    let mut store = cxaudit::store::open_existing(&db.location()).unwrap();
    assert!(store.audits(None).unwrap().is_empty());
    let err = store
        .create_campaign(&new_campaign("shop.test", "2026-11-13T15:55:00Z"), &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("read-only"), "{err}");
    assert!(store.campaign_ids().unwrap().is_empty());
}

/// A server's password is never in a message: not on a refusal, not when the server cannot be reached.
#[test]
fn a_postgres_password_never_shows() {
    let secret = "s3cret-never-shown";
    let unreachable = format!("postgres://cxaudit:{secret}@127.0.0.1:1/cxaudit");
    let location = Location::parse(&unreachable);
    assert_eq!(
        location.describe(),
        "postgres://cxaudit:****@127.0.0.1:1/cxaudit"
    );
    let err = pg_refusal(cxaudit::store::open(&location)).to_string();
    assert!(
        err.contains("postgres://cxaudit:****@127.0.0.1:1/cxaudit"),
        "{err}"
    );
    assert!(!err.contains(secret), "{err}");

    let Some(db) = common::pg::database() else {
        return;
    };
    let mut wrong = url::Url::parse(&db.url).unwrap();
    wrong.set_password(Some(secret)).unwrap();
    let err = pg_refusal(cxaudit::store::open(&Location::parse(wrong.as_str()))).to_string();
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains(secret), "{err}");
    // The CLI says the same.
    let output = cxaudit()
        .args(["history", "--db", wrong.as_str()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("****") && !stderr.contains(secret),
        "{stderr}"
    );

    // PGPASSWORD, for a URL without one, as libpq reads it.
    let mut bare = url::Url::parse(&db.url).unwrap();
    let password = bare.password().unwrap().to_string();
    bare.set_password(None).unwrap();
    let output = cxaudit()
        .args(["history", "--db", bare.as_str()])
        .env("PGPASSWORD", &password)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A worker holds its store for a whole pass: a connection the server ended (a restart, an administrator) fails
/// the call that finds it closed, and the next one connects again, read-only still for a reading command.
#[test]
fn a_postgres_store_connects_again_after_the_server_closed_its_connection() {
    let Some(db) = common::pg::database() else {
        return;
    };
    let mut store = cxaudit::store::open(&db.location()).unwrap();
    let reader = cxaudit::store::open_existing(&db.location()).unwrap();
    one_campaign(store.as_mut(), 1);
    let name = db.url.rsplit('/').next().unwrap().to_string();
    let mut admin = db.client();
    let ended: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid()) t",
            &[&name],
        )
        .unwrap()
        .get(0);
    assert_eq!(ended, 2);
    let first = store.campaign_ids();
    assert!(
        first.is_err() || first.as_deref().ok() == Some(&[1][..]),
        "{first:?}"
    );
    assert_eq!(store.campaign_ids().unwrap(), [1]);
    let _ = reader.campaign_ids();
    assert_eq!(reader.campaign_ids().unwrap(), [1]);
    let mut reader = reader;
    let err = reader.forget_shop("shop.test").unwrap_err().to_string();
    assert!(err.contains("read-only"), "{err}");
}

/// The commands run under an async runtime; the sync client must neither panic there nor when dropped there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_store_works_inside_an_async_runtime() {
    let Some(db) = common::pg::database() else {
        return;
    };
    let mut store = cxaudit::store::open(&db.location()).unwrap();
    one_campaign(store.as_mut(), 2);
    assert_eq!(store.campaign_ids().unwrap(), [1]);
    drop(store);
    let store = cxaudit::store::open_existing(&db.location()).unwrap();
    assert_eq!(store.probes(1).unwrap().len(), 2);
}

/// One round of workers, each with its connection, all claiming at once until nothing is left for them: what
/// each claimed.
fn claim_round(
    url: &str,
    workers: usize,
    round: usize,
) -> Vec<(String, cxaudit::store::JobRecord)> {
    let start = std::sync::Barrier::new(workers);
    let now = t("2026-11-01T09:00:00Z");
    let lease = t("2026-11-01T10:00:00Z");
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let start = &start;
                scope.spawn(move || {
                    let mut store = cxaudit::store::open(&Location::parse(url)).unwrap();
                    let owner = format!("worker-{round}-{w}");
                    start.wait();
                    let mut claimed = Vec::new();
                    while let Some(job) = store.claim_job(&owner, now, lease, 3).unwrap() {
                        claimed.push((owner.clone(), job));
                    }
                    claimed
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// Workers on several machines share one PostgreSQL: claiming at once, none waits for another, no job is claimed
/// twice, no shop is crawled by two at once, no probe is sent twice.
#[test]
fn concurrent_postgres_workers_never_claim_one_job_or_probe_twice() {
    use std::collections::{BTreeMap, BTreeSet};
    let Some(db) = common::pg::database() else {
        return;
    };
    let mut store = cxaudit::store::open(&db.location()).unwrap();
    // Ten shops, three due runs each.
    for shop in 0..10 {
        let schedule = store
            .add_schedule(&cxaudit::store::NewSchedule {
                shop_url: format!("https://shop{shop}.test/"),
                shop_host: format!("shop{shop}.test"),
                every_seconds: Some(1),
                cron: None,
                time_zone: "Europe/Paris".into(),
                options: "{}".into(),
                created_at: "2026-11-01T08:00:00Z".into(),
                next_due_at: "2026-11-01T08:00:00Z".into(),
            })
            .unwrap();
        for (due, next) in [
            ("2026-11-01T08:00:00Z", "2026-11-01T08:00:01Z"),
            ("2026-11-01T08:00:01Z", "2026-11-01T08:00:02Z"),
            ("2026-11-01T08:00:02Z", "2026-12-01T08:00:00Z"),
        ] {
            store
                .enqueue_due(schedule, due, due, next)
                .unwrap()
                .unwrap();
        }
    }
    let campaign = one_campaign(store.as_mut(), 60);

    let mut seen = BTreeSet::new();
    let mut runs: BTreeMap<String, usize> = BTreeMap::new();
    for round in 0..3 {
        let claimed = claim_round(&db.url, 6, round);
        // One run of each shop at a time, each job once.
        let shops: BTreeSet<&str> = claimed.iter().map(|(_, j)| j.shop_host.as_str()).collect();
        let taken: Vec<(i64, &str)> = claimed
            .iter()
            .map(|(_, j)| (j.id, j.shop_host.as_str()))
            .collect();
        assert_eq!(
            (claimed.len(), shops.len()),
            (10, 10),
            "round {round}: {taken:?}"
        );
        for (owner, job) in &claimed {
            assert!(seen.insert(job.id), "job {} claimed twice", job.id);
            *runs.entry(job.shop_host.clone()).or_default() += 1;
            let audit = cxaudit::store::NewAudit {
                shop_host: job.shop_host.clone(),
                start_url: format!("https://{}/", job.shop_host),
                started_at: "2026-11-01T09:00:00Z".into(),
                finished_at: "2026-11-01T09:01:00Z".into(),
                html_pages: 1,
                score: None,
                grade: None,
                tool_version: "test".into(),
                folder: None,
                rules: Vec::new(),
                audit_json: b"{}".to_vec(),
            };
            store
                .complete_job(job.id, owner, &audit, None, t("2026-11-01T09:01:00Z"))
                .unwrap()
                .unwrap();
        }
    }
    assert_eq!(seen.len(), 30);
    assert!(runs.values().all(|&n| n == 3), "{runs:?}");
    assert_eq!(
        store.audits(None).unwrap().len(),
        30,
        "each run recorded once"
    );

    // Sixty probes, six senders going through the due list at once.
    let start = std::sync::Barrier::new(6);
    let sent: Vec<i64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|w| {
                let (start, url) = (&start, &db.url);
                scope.spawn(move || {
                    let mut store = cxaudit::store::open(&Location::parse(url)).unwrap();
                    let due = store.due_probes(None, t("2026-11-13T16:00:00Z")).unwrap();
                    start.wait();
                    due.into_iter()
                        .filter(|&id| {
                            store
                                .claim_probe(id, &lease(&format!("sender-{w}")))
                                .unwrap()
                                .is_some()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let distinct: BTreeSet<i64> = sent.iter().copied().collect();
    assert_eq!((sent.len(), distinct.len()), (60, 60));
    assert!(store
        .probes(campaign)
        .unwrap()
        .iter()
        .all(|p| p.state == ProbeState::Sending && p.attempts == 1));
}

/// The CLI on a team's server: an audit recorded there, listed and shown from there.
#[test]
fn the_cli_records_and_lists_audits_on_postgres() {
    let Some(db) = common::pg::database() else {
        return;
    };
    let (out, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cxaudit = || {
        let mut command = cxaudit();
        command.env("XDG_DATA_HOME", data.path());
        command
    };
    let output = cxaudit()
        .args(["audit", "--demo", "--quiet", "--db", &db.url, "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = cxaudit()
        .args(["history", "--json", "--db", &db.url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let audits: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let audits = audits.as_array().unwrap();
    assert_eq!(audits.len(), 1, "{audits:?}");
    let id = audits[0]["id"].as_i64().unwrap().to_string();
    let output = cxaudit()
        .args(["show", &id, "--audit-json", "--db", &db.url])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["crawl"]["counts"]["html_pages"], 13);
    // CXAUDIT_DB names the server as --db does; the human list names the shop.
    let output = cxaudit()
        .args(["history"])
        .env("CXAUDIT_DB", &db.url)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && listed.contains(audits[0]["shop_host"].as_str().unwrap()),
        "{listed}"
    );
    // None of it went to a SQLite file in the user's data dir.
    assert!(
        snapshot(data.path()).is_empty(),
        "{:?}",
        snapshot(data.path())
    );
}
