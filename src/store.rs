//! The embedded store: one SQLite file (WAL) holding campaigns, their probes and the replies they got; it grows
//! into the audit history later. Schema changes are numbered migrations run on open (`PRAGMA user_version`), so
//! an old file is upgraded in place and a newer one is refused.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "the store {path} has schema {found}; this cxaudit knows up to {known}: upgrade cxaudit"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// Each entry upgrades the schema by one version; never edit one that has shipped, add the next.
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
];

pub struct Store {
    pub conn: Connection,
    pub path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `path`, upgraded to the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let open_error = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(open_error)?;
        // WAL: a reader (status) never blocks the sender; a crash loses nothing committed.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_error)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                path: self.path.display().to_string(),
                found: version,
                known,
            });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// `CXAUDIT_DB`, else the config's, else `<user data dir>/cxaudit/cxaudit.sqlite`.
    pub fn default_path() -> PathBuf {
        dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("cxaudit")
            .join("cxaudit.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_a_newer_store_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        Store::open(&path).unwrap();
        // A second open finds the schema current and changes nothing.
        let store = Store::open(&path).unwrap();
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
        store.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(store);
        let err = Store::open(&path).err().unwrap().to_string();
        assert!(err.contains("upgrade cxaudit"), "{err}");
    }
}
