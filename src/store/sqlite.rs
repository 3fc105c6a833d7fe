//! The store as one SQLite file (WAL: a reader such as `campaign status` never blocks the sender; a crash loses
//! nothing committed). Schema changes are numbered migrations run on open (`PRAGMA user_version`), so an old file
//! is upgraded in place and a newer one is refused.
//!
//! A cxaudit store says so in its header: `PRAGMA application_id` is [`APPLICATION_ID`] ("CXAU"), written with
//! the first migration. Before SQLite opens anything, the file's first 100 bytes are read as plain bytes: a file
//! that is not SQLite, or another program's database, is refused without a byte of it (or a `-wal`/`-shm` beside
//! it) changed. Stores made before the mark (schema 1, application_id 0) are recognised by their tables, read
//! through an immutable connection that writes nothing, and marked on their next open.
//!
//! The queries are written to run on PostgreSQL as well (RETURNING, ON CONFLICT, no date functions: instants are
//! fixed-width texts compared as such), placeholders aside (`?1` here, `$1` there). What is SQLite's own is
//! marked `SQLite:` — the pragmas (identification, WAL, user_version, query_only), the immutable URI, and the
//! migrations' DDL, which a PostgreSQL store would have in its own dialect.

use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::{
    gunzip, gzip, instant_text, Attachment, AuditRecord, CampaignRecord, CampaignStore,
    CampaignUpdate, Claim, ClaimedProbe, HistoryStore, JobRecord, JobState, MailboxPosition,
    NewAudit, NewCampaign, NewOverride, NewProbe, NewReply, NewSchedule, OverrideStore, ProbeKey,
    ProbeRecord, ProbeState, ReplyClass, ReplyRecord, ReplyStore, SavedNotes, ScheduleRecord,
    ScheduleStore, StoreError, StoreResult, AUDIT_COLUMNS, JOB_COLUMNS, SCHEDULE_COLUMNS,
    UNCERTAIN,
};

/// `PRAGMA application_id` of a cxaudit store: "CXAU" in ASCII.
pub const APPLICATION_ID: i32 = 0x4358_4155;

/// The tables of schema 1: a file without the mark but with all of them is a store of an older cxaudit.
const SCHEMA_1_TABLES: [&str; 4] = ["campaigns", "probes", "replies", "mailbox_positions"];

/// Each entry upgrades the schema by one version; never edit one that has shipped, add the next.
/// SQLite: the DDL (INTEGER PRIMARY KEY as the row id, TEXT instants, INTEGER booleans).
const MIGRATIONS: &[&str] = &[
    // 1: campaigns, probes, replies, the IMAP position per mailbox.
    r#"
    CREATE TABLE campaigns (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        shop_host TEXT NOT NULL,
        audit_path TEXT,
        lang TEXT NOT NULL,
        country TEXT,
        persona_name TEXT NOT NULL,
        persona_email TEXT NOT NULL,
        promise_hours REAL,
        promise_business INTEGER NOT NULL DEFAULT 0,
        promise_text TEXT,
        opening_hours TEXT,
        deadline_hours REAL NOT NULL
    );
    CREATE TABLE probes (
        id INTEGER PRIMARY KEY,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        token TEXT NOT NULL UNIQUE,
        to_addr TEXT NOT NULL,
        scenario TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        message_id TEXT NOT NULL UNIQUE,
        reply_to TEXT,
        state TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'sent', 'failed', 'uncertain')),
        send_after TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        claimed_by INTEGER,
        sent_at TEXT,
        smtp_response TEXT,
        failure TEXT,
        bounced_at TEXT,
        bounce_reason TEXT
    );
    CREATE INDEX probes_by_campaign ON probes(campaign_id);
    CREATE TABLE replies (
        id INTEGER PRIMARY KEY,
        probe_id INTEGER NOT NULL REFERENCES probes(id),
        mailbox TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        message_id TEXT,
        from_addr TEXT,
        subject TEXT,
        arrived_at TEXT NOT NULL,
        received_at TEXT,
        class TEXT NOT NULL,
        matched_by TEXT NOT NULL,
        quality TEXT,
        text TEXT,
        stored_at TEXT NOT NULL,
        UNIQUE (mailbox, uidvalidity, uid)
    );
    CREATE INDEX replies_by_probe ON replies(probe_id);
    CREATE TABLE mailbox_positions (
        mailbox TEXT PRIMARY KEY,
        uidvalidity INTEGER NOT NULL,
        last_uid INTEGER NOT NULL
    );
    "#,
    // 2: a claim is a lease — who holds it and until when — instead of a pid, which only the machine that sent
    // could check. `claimed_by` (the pid) stays, unused. A probe left `sending` by an older cxaudit has no lease:
    // it counts as run out, and becomes `uncertain` as a dead pid's did.
    r#"
    ALTER TABLE probes ADD COLUMN claim_owner TEXT;
    ALTER TABLE probes ADD COLUMN lease_expires_at TEXT;
    CREATE INDEX probes_by_state ON probes(state);
    "#,
    // 3: the audits' history: each audit with its scores, its rules' statuses and its audit.json (gzip).
    r#"
    CREATE TABLE audits (
        id INTEGER PRIMARY KEY,
        shop_host TEXT NOT NULL,
        start_url TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        html_pages INTEGER NOT NULL,
        score REAL,
        grade TEXT,
        tool_version TEXT NOT NULL,
        folder TEXT,
        audit_json_gz BLOB NOT NULL
    );
    CREATE INDEX audits_by_shop ON audits(shop_host, finished_at);
    CREATE TABLE audit_rules (
        audit_id INTEGER NOT NULL REFERENCES audits(id),
        rule TEXT NOT NULL,
        status TEXT NOT NULL,
        score REAL,
        PRIMARY KEY (audit_id, rule)
    );
    "#,
    // 4: the consultant's judgements on rules, carried over to a shop's later audits while the evidence holds.
    r#"
    CREATE TABLE overrides (
        id INTEGER PRIMARY KEY,
        shop_host TEXT NOT NULL,
        rule TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT NOT NULL,
        by_name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        audit_id INTEGER NOT NULL REFERENCES audits(id),
        evidence TEXT NOT NULL
    );
    CREATE INDEX overrides_by_shop ON overrides(shop_host, rule);
    "#,
    // 5: manual tests (a phone call, a chat, a checkout behind a login) beside the overrides, with their day and
    // an attached file; the consultant's notes per shop; the campaign whose results an audit holds.
    r#"
    ALTER TABLE overrides ADD COLUMN kind TEXT NOT NULL DEFAULT 'override';
    ALTER TABLE overrides ADD COLUMN tested_on TEXT;
    ALTER TABLE overrides ADD COLUMN attachment_name TEXT;
    ALTER TABLE overrides ADD COLUMN attachment BLOB;
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        shop_host TEXT NOT NULL,
        audit_id INTEGER NOT NULL REFERENCES audits(id),
        saved_at TEXT NOT NULL,
        toml TEXT NOT NULL
    );
    CREATE INDEX notes_by_shop ON notes(shop_host);
    ALTER TABLE audits ADD COLUMN campaign_id INTEGER;
    ALTER TABLE audits ADD COLUMN campaign_summary TEXT;
    "#,
    // 6: schedules and their jobs. A job is one run of a schedule at one due instant (unique): two daemons that
    // both see a run due queue it once; its claim is a lease in the store, so a worker that died loses it.
    r#"
    CREATE TABLE schedules (
        id INTEGER PRIMARY KEY,
        shop_url TEXT NOT NULL,
        shop_host TEXT NOT NULL,
        every_seconds INTEGER,
        cron TEXT,
        time_zone TEXT NOT NULL,
        options TEXT NOT NULL,
        created_at TEXT NOT NULL,
        next_due_at TEXT NOT NULL,
        removed_at TEXT
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        schedule_id INTEGER NOT NULL REFERENCES schedules(id),
        shop_host TEXT NOT NULL,
        due_at TEXT NOT NULL,
        state TEXT NOT NULL,
        owner TEXT,
        lease_until TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        finished_at TEXT,
        audit_id INTEGER REFERENCES audits(id),
        error TEXT,
        report_mail TEXT,
        UNIQUE (schedule_id, due_at)
    );
    CREATE INDEX jobs_by_state ON jobs(state, due_at);
    "#,
];

/// What a file is, from its first bytes (read as a plain file, nothing written).
#[derive(Debug, PartialEq)]
enum Found {
    Missing,
    Empty,
    /// Marked as a cxaudit store; `user_version` as the main file's header says (a WAL may hold a newer one).
    Ours {
        user_version: i64,
    },
    /// SQLite without the mark: an older cxaudit's store, or another program's database.
    Unmarked,
    /// Not a store, and what it is.
    Other(String),
}

/// The SQLite store. Its connection is private: everything goes through [`CampaignStore`] and [`ReplyStore`].
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        backend(e)
    }
}

impl SqliteStore {
    /// Opens the store at `path` for a command that writes, upgraded to the current schema: a missing or empty
    /// file becomes a new store (its folder created); anything that is not a cxaudit store is refused, unchanged.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        Self::open_with(path, true)
    }

    /// Opens an existing store for a command that only reads: never creates one (a missing or empty file is an
    /// error, and stays as it was). An older schema is upgraded first, as any open of a cxaudit store does; then
    /// the connection is query-only.
    pub fn open_existing(path: &Path) -> StoreResult<SqliteStore> {
        Self::open_with(path, false)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open_with(path: &Path, create: bool) -> StoreResult<SqliteStore> {
        let shown = path.display().to_string();
        let known = MIGRATIONS.len() as i64;
        match identify(path).map_err(|e| StoreError::Open {
            path: shown.clone(),
            message: e.to_string(),
        })? {
            Found::Missing if !create => return Err(StoreError::Missing { path: shown }),
            Found::Empty if !create => return Err(StoreError::Empty { path: shown }),
            Found::Missing => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                        path: shown.clone(),
                        message: format!("cannot create {}: {e}", dir.display()),
                    })?;
                }
            }
            Found::Empty => {}
            Found::Ours { user_version } if user_version > known => {
                return Err(StoreError::TooNew {
                    path: shown,
                    found: user_version,
                    known,
                })
            }
            Found::Ours { .. } => {}
            Found::Unmarked => {
                let tables = tables_untouched(path).map_err(|e| StoreError::NotAStore {
                    path: shown.clone(),
                    what: format!("an SQLite database that cannot be read ({e})"),
                })?;
                if !SCHEMA_1_TABLES
                    .iter()
                    .all(|t| tables.iter().any(|have| have == t))
                {
                    return Err(StoreError::NotAStore {
                        path: shown,
                        what: foreign_database(None, &tables),
                    });
                }
            }
            Found::Other(what) => return Err(StoreError::NotAStore { path: shown, what }),
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let open_error = |e: rusqlite::Error| StoreError::Open {
            path: shown.clone(),
            message: e.to_string(),
        };
        let conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_error)?;
        // SQLite: foreign keys are per connection.
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_error)?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate(create)?;
        // SQLite: WAL only once the file is known to be ours and carries the schema (a new store is written in
        // the rollback journal first, so a crash never leaves an empty WAL-mode file behind).
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        if !create {
            store
                .conn
                .pragma_update(None, "query_only", true)
                .map_err(open_error)?;
        }
        Ok(store)
    }

    /// Under a write lock, looks again at what the file holds (another process may have made it a store, or
    /// something else, since it was looked at) and brings it to the current schema.
    fn migrate(&mut self, create: bool) -> StoreResult<()> {
        let path = self.path.display().to_string();
        let known = MIGRATIONS.len() as i64;
        // Current already (every open but the first after an upgrade): no write lock, so a reader never waits.
        let current = |conn: &Connection| -> rusqlite::Result<bool> {
            let application_id: i32 =
                conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            Ok(application_id == APPLICATION_ID && version == known)
        };
        if current(&self.conn)? {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // SQLite: the header fields, through their pragmas.
        let application_id: i32 = tx.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let tables = table_names(&tx)?;
        let ours = application_id == APPLICATION_ID;
        let blank = application_id == 0 && version == 0 && tables.is_empty();
        let older = application_id == 0
            && version >= 1
            && SCHEMA_1_TABLES
                .iter()
                .all(|t| tables.iter().any(|have| have == t));
        if !(ours || (blank && create) || older) {
            return Err(StoreError::NotAStore {
                path,
                what: foreign_database(Some(application_id), &tables),
            });
        }
        if version > known {
            return Err(StoreError::TooNew {
                path,
                found: version,
                known,
            });
        }
        if !ours {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// The file's kind from its first bytes: read as a plain file, nothing written, no SQLite involved.
fn identify(path: &Path) -> std::io::Result<Found> {
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
        Err(e) => return Err(e),
    };
    if metadata.is_dir() {
        return Ok(Found::Other("a folder".into()));
    }
    if metadata.len() == 0 {
        return Ok(Found::Empty);
    }
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)?
        .take(4096)
        .read_to_end(&mut head)?;
    const MAGIC: &[u8] = b"SQLite format 3\0";
    if !head.starts_with(MAGIC) {
        let text = !head.contains(&0)
            && match std::str::from_utf8(&head) {
                Ok(_) => true,
                // Cut in the middle of a character at the end of what was read.
                Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
            };
        return Ok(Found::Other(if text {
            "a text file, not an SQLite database".into()
        } else {
            "not an SQLite database".into()
        }));
    }
    if head.len() < 100 {
        return Ok(Found::Other("a damaged SQLite database (cut short)".into()));
    }
    let field =
        |at: usize| i32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
    // SQLite file format: user_version at offset 60, application_id at 68.
    let (user_version, application_id) = (field(60), field(68));
    Ok(match application_id {
        APPLICATION_ID => Found::Ours {
            user_version: user_version as i64,
        },
        0 => Found::Unmarked,
        other => Found::Other(foreign_database(
            Some(other),
            &tables_untouched(path).unwrap_or_default(),
        )),
    })
}

/// "another program's SQLite database (application_id 0x…, tables: a, b, c)".
fn foreign_database(application_id: Option<i32>, tables: &[String]) -> String {
    let mut about = Vec::new();
    if let Some(id) = application_id.filter(|id| *id != 0) {
        about.push(format!("application_id {:#010x}", id as u32));
    }
    match tables.len() {
        0 => about.push("no tables".into()),
        n if n <= 6 => about.push(format!("tables: {}", tables.join(", "))),
        n => about.push(format!("tables: {}… ({n} in all)", tables[..5].join(", "))),
    }
    format!("another program's SQLite database ({})", about.join(", "))
}

/// The tables of an SQLite file, read through an immutable read-only connection: SQLite neither writes to the
/// file nor creates a `-wal` or `-shm` beside it (and reads only the main file, which is all a look at the schema
/// needs). SQLite: the `immutable` URI parameter.
fn tables_untouched(path: &Path) -> rusqlite::Result<Vec<String>> {
    // Absolute, so that the URI never reads a path as a host (`file://x`).
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let uri = format!("file:{}?mode=ro&immutable=1", uri_path(&absolute));
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    table_names(&conn)
}

/// SQLite: the schema table.
fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// A path as a `file:` URI's path: every byte but the unreserved ones and `/` percent-encoded.
fn uri_path(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn state_of(text: String) -> rusqlite::Result<ProbeState> {
    text.parse()
        .map_err(|e: crate::result::campaign::UnknownWord| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn class_of(text: String) -> rusqlite::Result<ReplyClass> {
    text.parse()
        .map_err(|e: crate::result::campaign::UnknownWord| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

fn audit_record(row: &rusqlite::Row) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        id: row.get(0)?,
        shop_host: row.get(1)?,
        start_url: row.get(2)?,
        started_at: row.get(3)?,
        finished_at: row.get(4)?,
        html_pages: row.get::<_, i64>(5)? as u64,
        score: row.get(6)?,
        grade: row.get(7)?,
        tool_version: row.get(8)?,
        folder: row.get(9)?,
        // Written by this store from a `CampaignSummary`: unreadable only if someone edited the file.
        campaign: row
            .get::<_, Option<String>>(10)?
            .and_then(|json| serde_json::from_str(&json).ok()),
    })
}

fn insert_rules(
    tx: &rusqlite::Transaction,
    id: i64,
    rules: &[(String, String, Option<f64>)],
) -> StoreResult<()> {
    for (rule, status, score) in rules {
        tx.execute(
            "INSERT INTO audit_rules (audit_id, rule, status, score) VALUES (?1, ?2, ?3, ?4)",
            params![id, rule, status, score],
        )?;
    }
    Ok(())
}

impl HistoryStore for SqliteStore {
    fn record_audit(&mut self, audit: &NewAudit) -> StoreResult<i64> {
        // A 1,000-page audit.json is tens of megabytes of repetitive JSON: gzip keeps the store a few per audit.
        let compressed = gzip(&audit.audit_json)?;
        let tx = self.conn.transaction()?;
        let id: i64 = tx.query_row(
            "INSERT INTO audits (shop_host, start_url, started_at, finished_at, html_pages, score, grade,
                 tool_version, folder, audit_json_gz)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            params![
                audit.shop_host,
                audit.start_url,
                audit.started_at,
                audit.finished_at,
                audit.html_pages as i64,
                audit.score,
                audit.grade,
                audit.tool_version,
                audit.folder,
                compressed
            ],
            |r| r.get(0),
        )?;
        insert_rules(&tx, id, &audit.rules)?;
        tx.commit()?;
        Ok(id)
    }

    fn attach_campaign(&mut self, audit_id: i64, update: &CampaignUpdate) -> StoreResult<bool> {
        let compressed = gzip(&update.audit_json)?;
        let summary =
            serde_json::to_string(&update.summary).map_err(|e| StoreError::Backend(Box::new(e)))?;
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE audits SET audit_json_gz = ?2, score = ?3, grade = ?4, campaign_id = ?5, campaign_summary = ?6
             WHERE id = ?1",
            params![
                audit_id,
                compressed,
                update.score,
                update.grade,
                update.summary.id,
                summary
            ],
        )?;
        // No such audit: nothing to attach to (its rules would have no audit).
        if changed == 0 {
            return Ok(false);
        }
        tx.execute(
            "DELETE FROM audit_rules WHERE audit_id = ?1",
            params![audit_id],
        )?;
        insert_rules(&tx, audit_id, &update.rules)?;
        tx.commit()?;
        Ok(changed == 1)
    }

    fn audit_in_folder(&self, folder: &str) -> StoreResult<Option<AuditRecord>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audits WHERE folder = ?1 ORDER BY finished_at DESC, id DESC LIMIT 1"
        );
        Ok(self
            .conn
            .query_row(&sql, params![folder], audit_record)
            .optional()?)
    }

    fn audits(&self, host: Option<&str>) -> StoreResult<Vec<AuditRecord>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audits WHERE ?1 IS NULL OR shop_host = ?1 ORDER BY finished_at, id"
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(params![host], audit_record)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn audit(&self, id: i64) -> StoreResult<Option<AuditRecord>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audits WHERE id = ?1");
        Ok(self
            .conn
            .query_row(&sql, params![id], audit_record)
            .optional()?)
    }

    fn audit_json(&self, id: i64) -> StoreResult<Option<Vec<u8>>> {
        let compressed: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT audit_json_gz FROM audits WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(compressed) = compressed else {
            return Ok(None);
        };
        Ok(Some(gunzip(id, &compressed)?))
    }

    fn forget_shop(&mut self, shop_host: &str) -> StoreResult<(u64, u64, u64)> {
        let tx = self.conn.transaction()?;
        let replies = tx.execute(
            "DELETE FROM replies WHERE probe_id IN
                (SELECT p.id FROM probes p JOIN campaigns c ON c.id = p.campaign_id WHERE c.shop_host = ?1)",
            params![shop_host],
        )? as u64;
        tx.execute(
            "DELETE FROM probes WHERE campaign_id IN (SELECT id FROM campaigns WHERE shop_host = ?1)",
            params![shop_host],
        )?;
        let campaigns = tx.execute(
            "DELETE FROM campaigns WHERE shop_host = ?1",
            params![shop_host],
        )? as u64;
        tx.execute(
            "DELETE FROM overrides WHERE shop_host = ?1",
            params![shop_host],
        )?;
        tx.execute("DELETE FROM notes WHERE shop_host = ?1", params![shop_host])?;
        tx.execute("DELETE FROM jobs WHERE shop_host = ?1", params![shop_host])?;
        tx.execute(
            "DELETE FROM schedules WHERE shop_host = ?1",
            params![shop_host],
        )?;
        tx.execute(
            "DELETE FROM audit_rules WHERE audit_id IN (SELECT id FROM audits WHERE shop_host = ?1)",
            params![shop_host],
        )?;
        let audits = tx.execute(
            "DELETE FROM audits WHERE shop_host = ?1",
            params![shop_host],
        )? as u64;
        tx.commit()?;
        // The deleted rows must not linger in free pages or the WAL: the data is gone from the file too.
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")?;
        Ok((audits, campaigns, replies))
    }

    fn audit_rules(&self, id: i64) -> StoreResult<Vec<(String, String, Option<f64>)>> {
        let mut statement = self.conn.prepare(
            "SELECT rule, status, score FROM audit_rules WHERE audit_id = ?1 ORDER BY rule",
        )?;
        let rows = statement.query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

impl OverrideStore for SqliteStore {
    fn add_override(&mut self, o: &NewOverride) -> StoreResult<i64> {
        let (attachment_name, attachment) = match &o.attachment {
            Some(a) => (Some(&a.name), Some(&a.bytes)),
            None => (None, None),
        };
        Ok(self.conn.query_row(
            "INSERT INTO overrides (shop_host, rule, status, reason, by_name, created_at, audit_id, evidence, kind,
                 tested_on, attachment_name, attachment)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
            params![
                o.shop_host,
                o.rule,
                o.status,
                o.reason,
                o.by,
                o.created_at,
                o.audit_id,
                o.evidence,
                o.kind,
                o.tested_on,
                attachment_name,
                attachment
            ],
            |r| r.get(0),
        )?)
    }

    fn overrides(&self, shop_host: &str) -> StoreResult<Vec<NewOverride>> {
        // The newest judgement on a rule is the one in force.
        let mut statement = self.conn.prepare(
            "SELECT shop_host, rule, status, reason, by_name, created_at, audit_id, evidence, kind, tested_on,
                 attachment_name, attachment FROM overrides o
             WHERE shop_host = ?1 AND id = (SELECT MAX(id) FROM overrides p WHERE p.shop_host = o.shop_host AND p.rule = o.rule)
             ORDER BY rule",
        )?;
        let rows = statement.query_map(params![shop_host], |r| {
            let attachment = match (
                r.get::<_, Option<String>>(10)?,
                r.get::<_, Option<Vec<u8>>>(11)?,
            ) {
                (Some(name), Some(bytes)) => Some(Attachment { name, bytes }),
                _ => None,
            };
            Ok(NewOverride {
                shop_host: r.get(0)?,
                rule: r.get(1)?,
                status: r.get(2)?,
                reason: r.get(3)?,
                by: r.get(4)?,
                created_at: r.get(5)?,
                audit_id: r.get(6)?,
                evidence: r.get(7)?,
                kind: r.get(8)?,
                tested_on: r.get(9)?,
                attachment,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn save_notes(&mut self, notes: &SavedNotes) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO notes (shop_host, audit_id, saved_at, toml) VALUES (?1, ?2, ?3, ?4)",
            params![notes.shop_host, notes.audit_id, notes.saved_at, notes.toml],
        )?;
        Ok(())
    }

    fn notes(&self, shop_host: &str, up_to: Option<i64>) -> StoreResult<Option<SavedNotes>> {
        Ok(self
            .conn
            .query_row(
                "SELECT shop_host, audit_id, saved_at, toml FROM notes
                 WHERE shop_host = ?1 AND (?2 IS NULL OR audit_id <= ?2) ORDER BY id DESC LIMIT 1",
                params![shop_host, up_to],
                |r| {
                    Ok(SavedNotes {
                        shop_host: r.get(0)?,
                        audit_id: r.get(1)?,
                        saved_at: r.get(2)?,
                        toml: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }
}

fn schedule_record(r: &rusqlite::Row) -> rusqlite::Result<ScheduleRecord> {
    Ok(ScheduleRecord {
        id: r.get(0)?,
        shop_url: r.get(1)?,
        shop_host: r.get(2)?,
        every_seconds: r.get(3)?,
        cron: r.get(4)?,
        time_zone: r.get(5)?,
        options: r.get(6)?,
        created_at: r.get(7)?,
        next_due_at: r.get(8)?,
    })
}

/// A job row, its state word kept as text (checked by the caller, which may report it).
fn job_row(r: &rusqlite::Row) -> rusqlite::Result<(JobRecord, String)> {
    let state: String = r.get(4)?;
    Ok((
        JobRecord {
            id: r.get(0)?,
            schedule_id: r.get(1)?,
            shop_host: r.get(2)?,
            due_at: r.get(3)?,
            state: JobState::Queued,
            owner: r.get(5)?,
            lease_until: r.get(6)?,
            attempts: r.get(7)?,
            started_at: r.get(8)?,
            finished_at: r.get(9)?,
            audit_id: r.get(10)?,
            error: r.get(11)?,
            report_mail: r.get(12)?,
        },
        state,
    ))
}

fn with_state((mut job, state): (JobRecord, String)) -> StoreResult<JobRecord> {
    job.state = JobState::parse(&state)?;
    Ok(job)
}

impl ScheduleStore for SqliteStore {
    fn add_schedule(&mut self, s: &NewSchedule) -> StoreResult<i64> {
        Ok(self.conn.query_row(
            "INSERT INTO schedules (shop_url, shop_host, every_seconds, cron, time_zone, options, created_at,
                 next_due_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            params![
                s.shop_url,
                s.shop_host,
                s.every_seconds,
                s.cron,
                s.time_zone,
                s.options,
                s.created_at,
                s.next_due_at
            ],
            |r| r.get(0),
        )?)
    }

    fn schedules(&self) -> StoreResult<Vec<ScheduleRecord>> {
        let sql = format!(
            "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE removed_at IS NULL ORDER BY id"
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map([], schedule_record)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn remove_schedule(&mut self, id: i64, at: Timestamp) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE schedules SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL",
            params![id, instant_text(at)],
        )? == 1)
    }

    fn due_schedules(&self, now: Timestamp) -> StoreResult<Vec<ScheduleRecord>> {
        let sql = format!(
            "SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE removed_at IS NULL AND next_due_at <= ?1 ORDER BY id"
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(params![instant_text(now)], schedule_record)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn enqueue_due(
        &mut self,
        schedule: i64,
        expected_next: &str,
        due_at: &str,
        next_due_at: &str,
    ) -> StoreResult<Option<i64>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Compare and set: of two daemons that saw the same run due, one moves the schedule on and queues it.
        let moved = tx.execute(
            "UPDATE schedules SET next_due_at = ?3 WHERE id = ?1 AND next_due_at = ?2 AND removed_at IS NULL",
            params![schedule, expected_next, next_due_at],
        )?;
        if moved == 0 {
            return Ok(None);
        }
        let job: Option<i64> = tx
            .query_row(
                "INSERT INTO jobs (schedule_id, shop_host, due_at, state)
                 SELECT id, shop_host, ?2, 'queued' FROM schedules WHERE id = ?1
                 ON CONFLICT (schedule_id, due_at) DO NOTHING RETURNING id",
                params![schedule, due_at],
                |r| r.get(0),
            )
            .optional()?;
        tx.commit()?;
        Ok(job)
    }

    fn enqueue_now(&mut self, schedule: i64, now: Timestamp) -> StoreResult<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let due = instant_text(now);
        tx.execute(
            "INSERT INTO jobs (schedule_id, shop_host, due_at, state)
             SELECT id, shop_host, ?2, 'queued' FROM schedules WHERE id = ?1 AND removed_at IS NULL
             ON CONFLICT (schedule_id, due_at) DO NOTHING",
            params![schedule, due],
        )?;
        let id = tx
            .query_row(
                "SELECT id FROM jobs WHERE schedule_id = ?1 AND due_at = ?2",
                params![schedule, due],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::Invalid(format!("no schedule {schedule}")))?;
        tx.commit()?;
        Ok(id)
    }

    fn claim_job(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        max_attempts: i64,
    ) -> StoreResult<Option<JobRecord>> {
        let now = instant_text(now);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // A job whose worker died once too often is not tried again.
        tx.execute(
            "UPDATE jobs SET state = 'failed', error = 'its worker stopped before the end, ' || attempts || ' times',
                 owner = NULL, lease_until = NULL, finished_at = ?1
             WHERE state = 'running' AND lease_until < ?1 AND attempts >= ?2",
            params![now, max_attempts],
        )?;
        let sql = format!(
            "UPDATE jobs SET state = 'running', owner = ?2, lease_until = ?3, attempts = attempts + 1,
                 started_at = ?1, error = NULL
             WHERE id = (
                 SELECT j.id FROM jobs j
                 WHERE ((j.state = 'queued' AND j.due_at <= ?1) OR (j.state = 'running' AND j.lease_until < ?1))
                   AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.shop_host = j.shop_host AND o.id <> j.id
                                   AND o.state = 'running' AND o.lease_until >= ?1)
                 ORDER BY j.due_at, j.id LIMIT 1)
             RETURNING {JOB_COLUMNS}"
        );
        let job = tx
            .query_row(
                &sql,
                params![now, owner, instant_text(lease_until)],
                job_row,
            )
            .optional()?;
        tx.commit()?;
        job.map(with_state).transpose()
    }

    fn renew_job(&mut self, job: i64, owner: &str, lease_until: Timestamp) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND owner = ?2 AND state = 'running'",
            params![job, owner, instant_text(lease_until)],
        )? == 1)
    }

    fn complete_job(
        &mut self,
        job: i64,
        owner: &str,
        audit: &NewAudit,
        report_mail: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<Option<i64>> {
        let compressed = gzip(&audit.audit_json)?;
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held: Option<i64> = tx
            .query_row(
                "SELECT id FROM jobs WHERE id = ?1 AND owner = ?2 AND state = 'running'",
                params![job, owner],
                |r| r.get(0),
            )
            .optional()?;
        if held.is_none() {
            return Ok(None);
        }
        let id: i64 = tx.query_row(
            "INSERT INTO audits (shop_host, start_url, started_at, finished_at, html_pages, score, grade,
                 tool_version, folder, audit_json_gz)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            params![
                audit.shop_host,
                audit.start_url,
                audit.started_at,
                audit.finished_at,
                audit.html_pages as i64,
                audit.score,
                audit.grade,
                audit.tool_version,
                audit.folder,
                compressed
            ],
            |r| r.get(0),
        )?;
        insert_rules(&tx, id, &audit.rules)?;
        tx.execute(
            "UPDATE jobs SET state = 'done', audit_id = ?2, finished_at = ?3, owner = NULL, lease_until = NULL,
                 report_mail = ?4
             WHERE id = ?1",
            params![job, id, instant_text(at), report_mail],
        )?;
        tx.commit()?;
        Ok(Some(id))
    }

    fn fail_job(
        &mut self,
        job: i64,
        owner: &str,
        error: &str,
        retry: bool,
        at: Timestamp,
    ) -> StoreResult<bool> {
        let state = if retry { "queued" } else { "failed" };
        Ok(self.conn.execute(
            "UPDATE jobs SET state = ?3, error = ?4, owner = NULL, lease_until = NULL,
                 finished_at = CASE WHEN ?3 = 'failed' THEN ?5 ELSE NULL END
             WHERE id = ?1 AND owner = ?2 AND state = 'running'",
            params![job, owner, state, error, instant_text(at)],
        )? == 1)
    }

    fn release_job(&mut self, job: i64, owner: &str) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL, attempts = MAX(attempts - 1, 0)
             WHERE id = ?1 AND owner = ?2 AND state = 'running'",
            params![job, owner],
        )? == 1)
    }

    fn jobs(&self, schedule: Option<i64>) -> StoreResult<Vec<JobRecord>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ?1 IS NULL OR schedule_id = ?1 ORDER BY due_at DESC, id DESC"
        );
        let mut statement = self.conn.prepare(&sql)?;
        let rows = statement.query_map(params![schedule], job_row)?;
        rows.map(|row| with_state(row?)).collect()
    }

    fn swap_report_mail(&mut self, job: i64, from: &str, to: &str) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE jobs SET report_mail = ?3 WHERE id = ?1 AND report_mail = ?2",
            params![job, from, to],
        )? == 1)
    }
}

impl CampaignStore for SqliteStore {
    fn running_campaign(&self, shop_host: &str, now: Timestamp) -> StoreResult<Option<i64>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, created_at, deadline_hours FROM campaigns WHERE shop_host = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt.query_map(params![shop_host], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, f64>(2)?,
            ))
        })?;
        for row in rows {
            let (id, created_at, deadline_hours) = row?;
            let Ok(created) = created_at.parse::<Timestamp>() else {
                continue;
            };
            let age_hours = (now.as_second() - created.as_second()) as f64 / 3600.0;
            if age_hours < deadline_hours + 24.0 {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    fn create_campaign(&mut self, c: &NewCampaign, probes: &[NewProbe]) -> StoreResult<i64> {
        let tx = self.conn.transaction()?;
        let id: i64 = tx.query_row(
            "INSERT INTO campaigns (created_at, shop_host, audit_path, lang, country, persona_name, persona_email,
                promise_hours, promise_business, promise_text, opening_hours, deadline_hours)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
            params![
                instant_text(c.created_at),
                c.shop_host,
                c.audit_path,
                c.lang,
                c.country,
                c.persona_name,
                c.persona_email,
                c.promise_hours,
                c.promise_business,
                c.promise_text,
                c.opening_hours,
                c.deadline_hours,
            ],
            |r| r.get(0),
        )?;
        for p in probes {
            tx.execute(
                "INSERT INTO probes (campaign_id, token, to_addr, scenario, subject, body, message_id, reply_to, state,
                    send_after, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'planned', ?9, ?9)",
                params![
                    id,
                    p.token,
                    p.to_addr,
                    p.scenario,
                    p.subject,
                    p.body,
                    p.message_id,
                    p.reply_to,
                    instant_text(p.send_after),
                ],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    fn campaign_ids(&self) -> StoreResult<Vec<i64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM campaigns ORDER BY id DESC")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn campaign(&self, id: i64) -> StoreResult<Option<CampaignRecord>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, created_at, shop_host, audit_path, lang, country, persona_name, promise_hours,
                    promise_business, opening_hours, deadline_hours
                 FROM campaigns WHERE id = ?1",
                params![id],
                |r| {
                    Ok(CampaignRecord {
                        id: r.get(0)?,
                        created_at: r.get(1)?,
                        shop_host: r.get(2)?,
                        audit_path: r.get(3)?,
                        lang: r.get(4)?,
                        country: r.get(5)?,
                        persona_name: r.get(6)?,
                        promise_hours: r.get(7)?,
                        promise_business: r.get(8)?,
                        opening_hours: r.get(9)?,
                        deadline_hours: r.get(10)?,
                    })
                },
            )
            .optional()?)
    }

    fn oldest_campaign_start(&self) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT min(created_at) FROM campaigns", [], |r| r.get(0))?)
    }

    fn probes(&self, campaign: i64) -> StoreResult<Vec<ProbeRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, to_addr, scenario, state, send_after, sent_at, attempts, failure, bounced_at
             FROM probes WHERE campaign_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map(params![campaign], |r| {
            Ok(ProbeRecord {
                id: r.get(0)?,
                to_addr: r.get(1)?,
                scenario: r.get(2)?,
                state: state_of(r.get(3)?)?,
                send_after: r.get(4)?,
                sent_at: r.get(5)?,
                attempts: r.get(6)?,
                failure: r.get(7)?,
                bounced_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn due_probes(&self, campaign: Option<i64>, now: Timestamp) -> StoreResult<Vec<i64>> {
        let now = instant_text(now);
        let due = "state = 'planned' AND send_after <= ?1 AND next_attempt_at <= ?1";
        let ids = match campaign {
            Some(campaign) => {
                let mut stmt = self.conn.prepare(&format!(
                    "SELECT id FROM probes WHERE {due} AND campaign_id = ?2 ORDER BY send_after, id"
                ))?;
                let rows = stmt.query_map(params![now, campaign], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            }
            None => {
                let mut stmt = self.conn.prepare(&format!(
                    "SELECT id FROM probes WHERE {due} ORDER BY send_after, id"
                ))?;
                let rows = stmt.query_map(params![now], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            }
        };
        Ok(ids)
    }

    fn waiting_probes(&self, campaign: i64) -> StoreResult<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT send_after, next_attempt_at FROM probes WHERE campaign_id = ?1 AND state = 'planned'",
        )?;
        let rows = stmt.query_map(params![campaign], |r| {
            let (a, b): (String, String) = (r.get(0)?, r.get(1)?);
            Ok(a.max(b))
        })?;
        let mut times: Vec<String> = rows.collect::<Result<_, _>>()?;
        times.sort();
        Ok(times)
    }

    fn planned_probes(&self, campaign: i64) -> StoreResult<Vec<NewProbe>> {
        let mut stmt = self.conn.prepare(
            "SELECT token, to_addr, scenario, subject, body, message_id, reply_to, send_after FROM probes
             WHERE campaign_id = ?1 AND state = 'planned' ORDER BY id",
        )?;
        let rows = stmt.query_map(params![campaign], |r| {
            let send_after: String = r.get(7)?;
            Ok(NewProbe {
                token: r.get(0)?,
                to_addr: r.get(1)?,
                scenario: r.get(2)?,
                subject: r.get(3)?,
                body: r.get(4)?,
                message_id: r.get(5)?,
                reply_to: r.get(6)?,
                send_after: send_after.parse().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        7,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn sent_since(&self, since: Timestamp) -> StoreResult<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM probes WHERE sent_at IS NOT NULL AND sent_at > ?1",
            params![instant_text(since)],
            |r| r.get(0),
        )?;
        Ok(count.max(0) as u64)
    }

    fn claim_probe(&mut self, probe: i64, claim: &Claim) -> StoreResult<Option<ClaimedProbe>> {
        Ok(self
            .conn
            .query_row(
                "UPDATE probes SET state = 'sending', attempts = attempts + 1, claim_owner = ?2, lease_expires_at = ?3
                 WHERE id = ?1 AND state = 'planned'
                 RETURNING to_addr, subject, body, message_id, reply_to, attempts, send_after, campaign_id",
                params![probe, claim.owner, instant_text(claim.until)],
                |r| {
                    Ok(ClaimedProbe {
                        to_addr: r.get(0)?,
                        subject: r.get(1)?,
                        body: r.get(2)?,
                        message_id: r.get(3)?,
                        reply_to: r.get(4)?,
                        attempts: r.get(5)?,
                        send_after: r.get(6)?,
                        campaign_id: r.get(7)?,
                    })
                },
            )
            .optional()?)
    }

    fn expire_claims(&mut self, now: Timestamp) -> StoreResult<Vec<i64>> {
        // A lease runs out once `now`, to the second, is past its end: never before the end, at most a second after.
        let mut stmt = self.conn.prepare(
            "UPDATE probes SET state = 'uncertain', lease_expires_at = NULL, failure = ?2
             WHERE state = 'sending' AND (lease_expires_at IS NULL OR lease_expires_at < ?1)
             RETURNING id",
        )?;
        let rows = stmt.query_map(params![instant_text(now), UNCERTAIN], |r| r.get(0))?;
        let mut ids: Vec<i64> = rows.collect::<Result<_, _>>()?;
        ids.sort_unstable();
        Ok(ids)
    }

    fn mark_sent(
        &mut self,
        probe: i64,
        owner: &str,
        at: Timestamp,
        smtp_response: &str,
    ) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE probes SET state = 'sent', sent_at = ?3, smtp_response = ?4, failure = NULL, lease_expires_at = NULL
             WHERE id = ?1 AND claim_owner = ?2 AND state IN ('sending', 'uncertain')",
            params![probe, owner, instant_text(at), smtp_response],
        )? > 0)
    }

    fn mark_retry(
        &mut self,
        probe: i64,
        owner: &str,
        next_attempt: Timestamp,
        reason: &str,
    ) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE probes SET state = 'planned', next_attempt_at = ?3, failure = ?4, lease_expires_at = NULL
             WHERE id = ?1 AND claim_owner = ?2 AND state IN ('sending', 'uncertain')",
            params![probe, owner, instant_text(next_attempt), reason],
        )? > 0)
    }

    fn mark_failed(&mut self, probe: i64, owner: &str, reason: &str) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE probes SET state = 'failed', failure = ?3, lease_expires_at = NULL
             WHERE id = ?1 AND claim_owner = ?2 AND state IN ('sending', 'uncertain')",
            params![probe, owner, reason],
        )? > 0)
    }
}

impl ReplyStore for SqliteStore {
    fn probe_keys(&self) -> StoreResult<Vec<ProbeKey>> {
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.token, p.message_id, p.to_addr, p.subject, p.body, p.scenario, c.lang, c.persona_name, p.sent_at, p.reply_to
             FROM probes p JOIN campaigns c ON c.id = p.campaign_id
             WHERE p.state IN ('sent', 'sending', 'uncertain')",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ProbeKey {
                id: r.get(0)?,
                token: r.get(1)?,
                message_id: r.get(2)?,
                to_addr: r.get(3)?,
                subject: r.get(4)?,
                body: r.get(5)?,
                scenario: r.get(6)?,
                lang: r.get(7)?,
                persona: r.get(8)?,
                sent_at: r.get(9)?,
                reply_to: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn confirm_sent_by_copy(&mut self, probe: i64, at: Timestamp) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE probes SET state = 'sent', sent_at = COALESCE(sent_at, ?2), lease_expires_at = NULL,
               failure = 'confirmed by the copy in the mailbox after an interrupted run'
             WHERE id = ?1 AND state IN ('uncertain', 'sending')",
            params![probe, instant_text(at)],
        )? > 0)
    }

    fn confirm_sent_by_reply(&mut self, probe: i64) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "UPDATE probes SET state = 'sent' WHERE id = ?1 AND state = 'uncertain'",
            params![probe],
        )? > 0)
    }

    fn record_bounce(&mut self, probe: i64, at: Timestamp, reason: &str) -> StoreResult<()> {
        self.conn.execute(
            "UPDATE probes SET bounced_at = COALESCE(bounced_at, ?2), bounce_reason = ?3 WHERE id = ?1",
            params![probe, instant_text(at), reason],
        )?;
        Ok(())
    }

    fn has_reply(&self, probe: i64, message_id: &str) -> StoreResult<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM replies WHERE probe_id = ?1 AND message_id = ?2",
                params![probe, message_id],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some())
    }

    fn add_reply(&mut self, reply: &NewReply) -> StoreResult<bool> {
        Ok(self.conn.execute(
            "INSERT INTO replies (probe_id, mailbox, uidvalidity, uid, message_id, from_addr, subject, arrived_at,
                received_at, class, matched_by, quality, text, stored_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT DO NOTHING",
            params![
                reply.probe_id,
                reply.mailbox,
                reply.uidvalidity,
                reply.uid,
                reply.message_id,
                reply.from_addr,
                reply.subject,
                instant_text(reply.arrived_at),
                reply.received_at.map(instant_text),
                reply.class.as_str(),
                reply.matched_by,
                reply.quality,
                reply.text,
                instant_text(reply.stored_at),
            ],
        )? > 0)
    }

    fn replies(&self, campaign: i64, up_to: Timestamp) -> StoreResult<Vec<ReplyRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.probe_id, r.arrived_at, r.class, r.matched_by, r.from_addr, r.subject, r.quality
             FROM replies r JOIN probes p ON p.id = r.probe_id
             WHERE p.campaign_id = ?1 AND r.arrived_at <= ?2 ORDER BY r.arrived_at, r.id",
        )?;
        let rows = stmt.query_map(params![campaign, instant_text(up_to)], |r| {
            Ok(ReplyRecord {
                probe_id: r.get(0)?,
                arrived_at: r.get(1)?,
                class: class_of(r.get(2)?)?,
                matched_by: r.get(3)?,
                from_addr: r.get(4)?,
                subject: r.get(5)?,
                quality: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mailbox_position(&self, mailbox: &str) -> StoreResult<Option<MailboxPosition>> {
        Ok(self
            .conn
            .query_row(
                "SELECT uidvalidity, last_uid FROM mailbox_positions WHERE mailbox = ?1",
                params![mailbox],
                |r| {
                    Ok(MailboxPosition {
                        uidvalidity: r.get(0)?,
                        last_uid: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    fn set_mailbox_position(
        &mut self,
        mailbox: &str,
        position: MailboxPosition,
    ) -> StoreResult<()> {
        self.conn.execute(
            "INSERT INTO mailbox_positions (mailbox, uidvalidity, last_uid) VALUES (?1, ?2, ?3)
             ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid",
            params![mailbox, position.uidvalidity, position.last_uid],
        )?;
        Ok(())
    }

    fn purge_reply_texts(&mut self, stored_before: Timestamp) -> StoreResult<usize> {
        Ok(self.conn.execute(
            "UPDATE replies SET text = NULL, from_addr = NULL, subject = NULL
             WHERE text IS NOT NULL AND stored_at < ?1",
            params![instant_text(stored_before)],
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pragma(path: &Path, name: &str) -> i64 {
        Connection::open(path)
            .unwrap()
            .pragma_query_value(None, name, |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_store_is_marked_and_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deeper/s.sqlite");
        drop(SqliteStore::open(&path).unwrap());
        // A second open finds the schema current and changes nothing.
        let store = SqliteStore::open(&path).unwrap();
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(store);
        assert_eq!(pragma(&path, "application_id"), APPLICATION_ID as i64);
        assert!(matches!(
            identify(&path).unwrap(),
            Found::Ours { user_version } if user_version == MIGRATIONS.len() as i64
        ));
    }

    #[test]
    fn a_store_of_an_older_cxaudit_is_recognised_marked_and_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        // As the cxaudit before the mark left it: schema 1, WAL, a probe left `sending` by a pid.
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO campaigns (id, created_at, shop_host, lang, persona_name, persona_email, deadline_hours)
                 VALUES (1, '2026-11-13T16:00:00Z', 'shop.test', 'fr', 'Marie Dupont', 'm@a.test', 168);
                 INSERT INTO probes (campaign_id, token, to_addr, scenario, subject, body, message_id, state,
                    send_after, next_attempt_at, attempts, claimed_by)
                 VALUES (1, 'ABC234', 's@shop.test', 'delivery-question', 'S', 'B', '<m@a.test>', 'sending',
                    '2026-11-13T16:00:00Z', '2026-11-13T16:00:00Z', 1, 4242);",
            )
            .unwrap();
        }
        assert_eq!(identify(&path).unwrap(), Found::Unmarked);
        let mut store = SqliteStore::open_existing(&path).unwrap();
        assert_eq!(store.campaign_ids().unwrap(), [1]);
        drop(store);
        assert_eq!(pragma(&path, "application_id"), APPLICATION_ID as i64);
        assert_eq!(pragma(&path, "user_version"), MIGRATIONS.len() as i64);
        // The pid's claim has no lease: the next sender's sweep makes it uncertain.
        store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.expire_claims(Timestamp::now()).unwrap(), [1]);
        assert_eq!(store.probes(1).unwrap()[0].state, ProbeState::Uncertain);
        // The upgraded store keeps the audits' history too, and gives an audit.json back as it was written.
        let audit = NewAudit {
            shop_host: "shop.test".into(),
            start_url: "https://shop.test/".into(),
            started_at: "2026-11-13T16:00:00Z".into(),
            finished_at: "2026-11-13T16:05:00Z".into(),
            html_pages: 12,
            score: Some(71.0),
            grade: Some("C".into()),
            tool_version: "0.1.0".into(),
            folder: None,
            rules: vec![("faq".into(), "pass".into(), Some(1.0))],
            audit_json: br#"{"schema_version": 3}"#.to_vec(),
        };
        let id = store.record_audit(&audit).unwrap();
        assert_eq!(
            store.audits(Some("shop.test")).unwrap()[0].score,
            Some(71.0)
        );
        assert!(store.audits(Some("other.test")).unwrap().is_empty());
        assert_eq!(store.audit_json(id).unwrap().unwrap(), audit.audit_json);
        assert_eq!(store.audit_rules(id).unwrap(), audit.rules);
    }

    #[test]
    fn a_store_with_history_of_the_previous_schema_keeps_it_and_gains_the_new_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v4.sqlite");
        // As the cxaudit of schema 4 left it: an audit and an override on it.
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            for sql in &MIGRATIONS[..4] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 4).unwrap();
            conn.execute("INSERT INTO audits (id, shop_host, start_url, started_at, finished_at, html_pages, score,
                    grade, tool_version, folder, audit_json_gz)
                 VALUES (1, 'shop.test', 'https://shop.test/', '2026-11-02T09:00:00Z', '2026-11-02T09:01:00Z', 12,
                    71.0, 'C', '0.1.0', '/audits/shop', ?1)",
                params![gzip(br#"{"schema_version": 3}"#).unwrap()],
            )
            .unwrap();
            conn.execute_batch(
                "INSERT INTO audit_rules VALUES (1, 'faq', 'fail', 0.0);
                 INSERT INTO overrides (shop_host, rule, status, reason, by_name, created_at, audit_id, evidence)
                 VALUES ('shop.test', 'faq', 'pass', 'In the printed catalogue', 'Claire', '2026-11-03T10:00:00Z',
                    1, 'abc');",
            )
            .unwrap();
        }
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(pragma(&path, "user_version"), MIGRATIONS.len() as i64);
        let audits = store.audits(Some("shop.test")).unwrap();
        assert_eq!((audits.len(), audits[0].score), (1, Some(71.0)));
        assert_eq!(audits[0].campaign, None);
        let judged = store.overrides("shop.test").unwrap();
        assert_eq!(judged.len(), 1);
        assert_eq!(
            (judged[0].kind.as_str(), judged[0].tested_on.as_deref()),
            ("override", None)
        );
        assert_eq!(judged[0].reason, "In the printed catalogue");
        assert_eq!(store.notes("shop.test", None).unwrap(), None);

        // What schema 5 adds: a manual test with its file, notes, a campaign's results on the audit.
        let manual = NewOverride {
            shop_host: "shop.test".into(),
            rule: "phone-answered".into(),
            status: "pass".into(),
            reason: "Answered at the third ring".into(),
            by: "Claire".into(),
            created_at: "2026-11-03T11:00:00Z".into(),
            audit_id: 1,
            evidence: "def".into(),
            kind: "manual".into(),
            tested_on: Some("2026-11-03".into()),
            attachment: Some(Attachment {
                name: "call.txt".into(),
                bytes: b"3 rings".to_vec(),
            }),
        };
        store.add_override(&manual).unwrap();
        let judged = store.overrides("shop.test").unwrap();
        assert_eq!(
            judged.iter().find(|o| o.rule == "phone-answered"),
            Some(&manual)
        );
        let notes = SavedNotes {
            shop_host: "shop.test".into(),
            audit_id: 1,
            saved_at: "2026-11-03T12:00:00Z".into(),
            toml: "[[priority]]\nrule = \"faq\"\ndrop = true\n".into(),
        };
        store.save_notes(&notes).unwrap();
        assert_eq!(store.notes("shop.test", None).unwrap(), Some(notes.clone()));
        assert_eq!(
            store.notes("shop.test", Some(0)).unwrap(),
            None,
            "saved with audit 1, not before"
        );
        assert_eq!(store.notes("other.test", None).unwrap(), None);
        let summary = crate::result::CampaignSummary {
            id: 7,
            sent: 3,
            answered: 2,
            median_human_delay_hours: Some(26.0),
            slowest_human_delay_hours: Some(51.0),
            promise_hours: Some(24.0),
        };
        let attached = store
            .attach_campaign(
                1,
                &CampaignUpdate {
                    summary: summary.clone(),
                    audit_json: br#"{"schema_version": 3, "campaign": {}}"#.to_vec(),
                    score: Some(64.0),
                    grade: Some("D".into()),
                    rules: vec![("email-answered".into(), "partial".into(), Some(0.67))],
                },
            )
            .unwrap();
        assert!(attached);
        let audit = store.audit(1).unwrap().unwrap();
        assert_eq!((audit.score, audit.campaign), (Some(64.0), Some(summary)));
        assert_eq!(
            store.audit_rules(1).unwrap(),
            [(
                "email-answered".to_string(),
                "partial".to_string(),
                Some(0.67)
            )]
        );
        assert_eq!(
            store.audit_in_folder("/audits/shop").unwrap().map(|a| a.id),
            Some(1)
        );
        assert_eq!(
            store.audit_in_folder("/elsewhere").unwrap().map(|a| a.id),
            None
        );
        // Forgetting the shop takes the notes and the attached file too.
        store.forget_shop("shop.test").unwrap();
        assert_eq!(store.notes("shop.test", None).unwrap(), None);
        assert!(store.overrides("shop.test").unwrap().is_empty());
    }

    #[test]
    fn a_read_only_store_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        drop(SqliteStore::open(&path).unwrap());
        let store = SqliteStore::open_existing(&path).unwrap();
        let err = store
            .conn
            .execute("DELETE FROM campaigns", [])
            .err()
            .unwrap();
        assert!(err.to_string().contains("readonly"), "{err}");
    }

    #[test]
    fn uri_paths_are_escaped() {
        assert_eq!(
            uri_path(Path::new("/tmp/a b?c#d%.sqlite")),
            "/tmp/a%20b%3Fc%23d%25.sqlite"
        );
    }
}
