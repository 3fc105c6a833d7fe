//! The store: what cxaudit keeps between runs: campaigns, their probes, the replies they got and how far each
//! mailbox was read; the audits' history, the consultant's judgements and notes; schedules and their jobs.
//!
//! Stages speak to it through traits, one per concern ([`CampaignStore`] for campaigns and the sending of their
//! probes, [`ReplyStore`] for what collecting reads and files, [`HistoryStore`], [`OverrideStore`],
//! [`ScheduleStore`]), implemented by [`SqliteStore`] (one SQLite file, WAL, the default) and [`PgStore`] (a team's
//! PostgreSQL server), with the same numbered migrations and the same answers. All SQL lives under `src/store/`.
//!
//! Instants given to the store are [`jiff::Timestamp`]s; it writes them as RFC 3339 UTC to the second
//! (`2026-11-13T16:00:00Z`, [`instant_text`]), a fixed width, so that comparing the texts orders the instants and
//! the queries need no date functions. Instants read back come as that text, as `audit.json` carries them.

mod postgres;
mod sqlite;

pub use crate::result::campaign::{ProbeState, ReplyClass};
pub use postgres::PgStore;
pub use sqlite::{SqliteStore, APPLICATION_ID};

use std::path::PathBuf;

use jiff::Timestamp;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A command that only reads found no store (and created none).
    #[error(
        "no store at {path} yet: start a campaign first (`cxaudit campaign start AUDIT --send`)"
    )]
    Missing { path: String },
    /// A command that only reads found an empty file (and left it so).
    #[error("{path} is an empty file, no store yet: start a campaign first (`cxaudit campaign start AUDIT --send`)")]
    Empty { path: String },
    /// Not a file cxaudit made: refused before anything was written to it.
    #[error("{path} is not a cxaudit store: it is {what}. It was left as it is; give another file with --db or CXAUDIT_DB")]
    NotAStore { path: String, what: String },
    #[error(
        "the store {path} has schema {found}; this cxaudit knows up to {known}: upgrade cxaudit"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("cannot open the store {path}: {message}")]
    Open { path: String, message: String },
    /// A value in the store that this cxaudit cannot read back (a state word it does not know...).
    #[error("store: {0}")]
    Invalid(String),
    /// The backend's own error.
    #[error("store: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Every concern of the store, as the commands hold it: one SQLite file or a team's PostgreSQL, behind one box.
pub trait Store:
    CampaignStore + ReplyStore + HistoryStore + OverrideStore + ScheduleStore + Send
{
}

impl<T: CampaignStore + ReplyStore + HistoryStore + OverrideStore + ScheduleStore + Send> Store
    for T
{
}

/// Where the store is: one SQLite file (the default, needs nothing), or a team's PostgreSQL (`postgres://…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is a server; anything else a file path.
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_string())
        } else {
            Location::File(PathBuf::from(text))
        }
    }

    /// Whether there may be a store to read: a file that exists; a server always (it says itself).
    pub fn may_exist(&self) -> bool {
        match self {
            Location::File(path) => path.exists(),
            Location::Postgres(_) => true,
        }
    }

    /// For messages: a file's path, a server's URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Postgres(url) => match url::Url::parse(url) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        let _ = parsed.set_password(Some("****"));
                    }
                    parsed.to_string()
                }
                Err(_) => "a PostgreSQL server (unreadable URL)".into(),
            },
        }
    }
}

/// Opens the store for a command that writes: a missing SQLite file is created, a server's schema migrated.
pub fn open(location: &Location) -> StoreResult<Box<dyn Store>> {
    match location {
        Location::File(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Open {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
            }
            Ok(Box::new(SqliteStore::open(path)?))
        }
        Location::Postgres(url) => Ok(Box::new(PgStore::open(url, &location.describe())?)),
    }
}

/// Opens the store for a command that only reads: never creates a SQLite file. A server's database is the store
/// once given: an empty one gets the schema on this open too (see [`PgStore`]), then the session is read-only.
pub fn open_existing(location: &Location) -> StoreResult<Box<dyn Store>> {
    match location {
        Location::File(path) => Ok(Box::new(SqliteStore::open_existing(path)?)),
        Location::Postgres(url) => Ok(Box::new(PgStore::open_existing(url, &location.describe())?)),
    }
}

/// `<user data dir>/cxaudit/cxaudit.sqlite` (`CXAUDIT_DB` and the config's `[campaign] db` come first).
pub fn default_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("cxaudit")
        .join("cxaudit.sqlite")
}

/// An instant as the store writes it: RFC 3339, UTC, to the second.
pub fn instant_text(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A probe whose lease ran out while `sending`: why it is `uncertain`.
const UNCERTAIN: &str =
    "interrupted during the SMTP exchange: not sent again; a copy in the mailbox or a reply will confirm it";

const AUDIT_COLUMNS: &str =
    "id, shop_host, start_url, started_at, finished_at, html_pages, score, grade, tool_version, folder, campaign_summary";

const SCHEDULE_COLUMNS: &str =
    "id, shop_url, shop_host, every_seconds, cron, time_zone, options, created_at, next_due_at";

const JOB_COLUMNS: &str =
    "id, schedule_id, shop_host, due_at, state, owner, lease_until, attempts, started_at, \
     finished_at, audit_id, error, report_mail";

/// audit.json as both backends keep it, gzipped: its page records are repetitive JSON (half a megabyte for 1,000
/// pages, the page facts being in the folder's `pages.jsonl.gz`), about 50 KB in the store.
fn gzip(bytes: &[u8]) -> StoreResult<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(bytes)
        .map_err(|e| StoreError::Backend(Box::new(e)))?;
    encoder
        .finish()
        .map_err(|e| StoreError::Backend(Box::new(e)))
}

fn gunzip(id: i64, compressed: &[u8]) -> StoreResult<Vec<u8>> {
    use std::io::Read;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(compressed)
        .read_to_end(&mut json)
        .map_err(|e| StoreError::Invalid(format!("audit {id}: {e}")))?;
    Ok(json)
}

/// A campaign to store.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub created_at: Timestamp,
    pub shop_host: String,
    /// The audit.json it was started from.
    pub audit_path: Option<String>,
    pub lang: String,
    pub country: Option<String>,
    pub persona_name: String,
    pub persona_email: String,
    pub promise_hours: Option<f64>,
    pub promise_business: bool,
    pub promise_text: Option<String>,
    /// The shop's published week as JSON (`{"mon": ["09:00-19:00"], ...}`).
    pub opening_hours: Option<String>,
    pub deadline_hours: f64,
}

/// A probe to store, `planned`.
#[derive(Debug, Clone)]
pub struct NewProbe {
    pub token: String,
    pub to_addr: String,
    pub scenario: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub reply_to: Option<String>,
    pub send_after: Timestamp,
}

/// A stored campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRecord {
    pub id: i64,
    pub created_at: String,
    pub shop_host: String,
    pub audit_path: Option<String>,
    pub lang: String,
    pub country: Option<String>,
    pub persona_name: String,
    pub promise_hours: Option<f64>,
    pub promise_business: bool,
    pub opening_hours: Option<String>,
    pub deadline_hours: f64,
}

/// A stored probe, as its status needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRecord {
    pub id: i64,
    pub to_addr: String,
    pub scenario: String,
    pub state: ProbeState,
    pub send_after: String,
    pub sent_at: Option<String>,
    pub attempts: i64,
    pub failure: Option<String>,
    pub bounced_at: Option<String>,
}

/// A claim on a probe for sending: who holds it and until when. A claim is a lease: once `until` has passed
/// without the holder saying how the exchange ended, nobody knows whether the server accepted the e-mail, and
/// [`CampaignStore::expire_claims`] makes the probe `uncertain` (never sent again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Random per process (see `campaign::claim_owner`).
    pub owner: String,
    pub until: Timestamp,
}

/// What the holder of a claim sends.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedProbe {
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub reply_to: Option<String>,
    /// Including this one.
    pub attempts: i64,
    /// When it was planned to leave: the e-mail's `Date`, so that what leaves is what the dry run showed.
    pub send_after: String,
    pub campaign_id: i64,
}

/// A probe as the reply matcher needs it (one that went out, or may have).
#[derive(Debug, Clone)]
pub struct ProbeKey {
    pub id: i64,
    pub token: String,
    pub message_id: String,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub scenario: String,
    pub lang: String,
    pub persona: String,
    pub sent_at: Option<String>,
    /// The plus address replies come back to, when plus addressing is on.
    pub reply_to: Option<String>,
}

/// A message tied to a probe, to store.
#[derive(Debug, Clone)]
pub struct NewReply {
    pub probe_id: i64,
    pub mailbox: String,
    pub uidvalidity: u32,
    pub uid: u32,
    /// Without the angle brackets, lower case.
    pub message_id: Option<String>,
    pub from_addr: Option<String>,
    pub subject: Option<String>,
    pub arrived_at: Timestamp,
    pub received_at: Option<Timestamp>,
    pub class: ReplyClass,
    pub matched_by: String,
    /// The quality judgement as JSON, for human answers.
    pub quality: Option<String>,
    /// The reply's own words (deleted after the retention period).
    pub text: String,
    pub stored_at: Timestamp,
}

/// A stored reply, as a status shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyRecord {
    pub probe_id: i64,
    pub arrived_at: String,
    pub class: ReplyClass,
    pub matched_by: String,
    pub from_addr: Option<String>,
    pub subject: Option<String>,
    /// JSON.
    pub quality: Option<String>,
}

/// How far a mailbox was read: its UIDVALIDITY and the last UID seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxPosition {
    pub uidvalidity: u32,
    pub last_uid: u32,
}

/// Campaigns and the sending of their probes. Every state change is committed when the method returns.
/// An audit to remember.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub shop_host: String,
    pub start_url: String,
    pub started_at: String,
    pub finished_at: String,
    pub html_pages: u64,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub tool_version: String,
    /// The folder it was written to.
    pub folder: Option<String>,
    /// (rule id, status word, score).
    pub rules: Vec<(String, String, Option<f64>)>,
    /// `audit.json`, as written.
    pub audit_json: Vec<u8>,
}

/// A remembered audit, without its `audit.json`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub shop_host: String,
    pub start_url: String,
    pub started_at: String,
    pub finished_at: String,
    pub html_pages: u64,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub tool_version: String,
    pub folder: Option<String>,
    /// Its campaign, once `campaign report` wrote the results into it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<crate::result::CampaignSummary>,
}

/// A campaign's results written into an audit: its audit.json, scores and rules as they are now.
#[derive(Debug, Clone)]
pub struct CampaignUpdate {
    pub summary: crate::result::CampaignSummary,
    pub audit_json: Vec<u8>,
    pub score: Option<f64>,
    pub grade: Option<String>,
    pub rules: Vec<(String, String, Option<f64>)>,
}

/// The audits' history.
pub trait HistoryStore {
    /// Records an audit; returns its id.
    fn record_audit(&mut self, audit: &NewAudit) -> StoreResult<i64>;
    /// The campaign's results landed in the audit: its stored audit.json, scores and rules follow. Returns whether
    /// the audit exists.
    fn attach_campaign(&mut self, audit_id: i64, update: &CampaignUpdate) -> StoreResult<bool>;
    /// The newest audit written to this folder (canonical path).
    fn audit_in_folder(&self, folder: &str) -> StoreResult<Option<AuditRecord>>;
    /// A shop's audits (every shop's without `host`), oldest first.
    fn audits(&self, host: Option<&str>) -> StoreResult<Vec<AuditRecord>>;
    fn audit(&self, id: i64) -> StoreResult<Option<AuditRecord>>;
    /// The `audit.json` of an audit, as it was written.
    fn audit_json(&self, id: i64) -> StoreResult<Option<Vec<u8>>>;
    /// (rule id, status word, score) of an audit.
    fn audit_rules(&self, id: i64) -> StoreResult<Vec<(String, String, Option<f64>)>>;
    /// Deletes everything kept about a shop: its audits, the consultant's judgements, its campaigns with their
    /// probes and the replies (personal data). Returns (audits, campaigns, replies) deleted.
    fn forget_shop(&mut self, shop_host: &str) -> StoreResult<(u64, u64, u64)>;
}

/// A consultant's judgement on a rule of a shop.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOverride {
    pub shop_host: String,
    pub rule: String,
    /// `pass`, `partial`, `fail` or `not_applicable`.
    pub status: String,
    pub reason: String,
    pub by: String,
    pub created_at: String,
    /// The audit it was given on.
    pub audit_id: i64,
    /// The fingerprint of what the rule saw then.
    pub evidence: String,
    /// `override` (the tool's verdict corrected) or `manual` (a test made by hand).
    pub kind: String,
    /// The day a manual test was made.
    pub tested_on: Option<String>,
    pub attachment: Option<Attachment>,
}

/// A file a consultant attached to a judgement (a screenshot, a call log).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// The file's own name, as given.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The consultant's `notes.toml` for a shop, as last saved with one of its audits.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedNotes {
    pub shop_host: String,
    pub audit_id: i64,
    pub saved_at: String,
    pub toml: String,
}

/// The consultant's judgements.
pub trait OverrideStore {
    fn add_override(&mut self, judgement: &NewOverride) -> StoreResult<i64>;
    /// The judgements in force for a shop: the newest per rule.
    fn overrides(&self, shop_host: &str) -> StoreResult<Vec<NewOverride>>;
    /// Keeps the notes a report was rendered with.
    fn save_notes(&mut self, notes: &SavedNotes) -> StoreResult<()>;
    /// The shop's newest notes (saved with audit `up_to` or an earlier one, when given).
    fn notes(&self, shop_host: &str, up_to: Option<i64>) -> StoreResult<Option<SavedNotes>>;
}

pub trait CampaignStore {
    /// The newest campaign of this shop still running at `now` (started less than its deadline plus a day ago).
    fn running_campaign(&self, shop_host: &str, now: Timestamp) -> StoreResult<Option<i64>>;
    /// Stores a campaign and its probes (`planned`) in one transaction; returns the campaign's id.
    fn create_campaign(&mut self, campaign: &NewCampaign, probes: &[NewProbe]) -> StoreResult<i64>;
    /// Every campaign's id, newest first.
    fn campaign_ids(&self) -> StoreResult<Vec<i64>>;
    fn campaign(&self, id: i64) -> StoreResult<Option<CampaignRecord>>;
    /// When the oldest campaign began (where a first reading of the mailbox starts).
    fn oldest_campaign_start(&self) -> StoreResult<Option<String>>;

    /// A campaign's probes, by id.
    fn probes(&self, campaign: i64) -> StoreResult<Vec<ProbeRecord>>;
    /// The planned probes due at `now` (of one campaign, or all), in the order they should leave.
    fn due_probes(&self, campaign: Option<i64>, now: Timestamp) -> StoreResult<Vec<i64>>;
    /// When each planned probe of the campaign may leave (the later of its time and its next retry), earliest
    /// first.
    fn waiting_probes(&self, campaign: i64) -> StoreResult<Vec<String>>;
    /// The probes of the campaign not sent yet, as they were planned, in order.
    fn planned_probes(&self, campaign: i64) -> StoreResult<Vec<NewProbe>>;
    /// How many probes (all campaigns) the SMTP server accepted after `since`: the hourly cap.
    fn sent_since(&self, since: Timestamp) -> StoreResult<u64>;
    /// Claims a planned probe for sending (`sending`, one more attempt): `None` if it is no longer planned
    /// (another process took it). The claim is committed before this returns, so before anything leaves.
    fn claim_probe(&mut self, probe: i64, claim: &Claim) -> StoreResult<Option<ClaimedProbe>>;
    /// Probes whose claim ran out while `sending` become `uncertain`; returns them.
    fn expire_claims(&mut self, now: Timestamp) -> StoreResult<Vec<i64>>;
    /// The server accepted it. Only the claim's owner says so; it stands even if the lease ran out meanwhile (the
    /// probe was made `uncertain`): the owner knows. Returns whether the probe was changed.
    fn mark_sent(
        &mut self,
        probe: i64,
        owner: &str,
        at: Timestamp,
        smtp_response: &str,
    ) -> StoreResult<bool>;
    /// A temporary refusal: `planned` again, not before `next_attempt`.
    fn mark_retry(
        &mut self,
        probe: i64,
        owner: &str,
        next_attempt: Timestamp,
        reason: &str,
    ) -> StoreResult<bool>;
    /// A permanent refusal (or out of retries).
    fn mark_failed(&mut self, probe: i64, owner: &str, reason: &str) -> StoreResult<bool>;
}

/// What collecting reads and files: the probes replies are tied to, the replies, the mailbox positions.
pub trait ReplyStore {
    /// Every probe that went out or may have (`sent`, `sending`, `uncertain`), all campaigns.
    fn probe_keys(&self) -> StoreResult<Vec<ProbeKey>>;
    /// The persona's copy of a probe arrived at `at`: an `uncertain` or `sending` probe is `sent` (its
    /// `sent_at` kept if it had one). Returns whether the probe was changed.
    fn confirm_sent_by_copy(&mut self, probe: i64, at: Timestamp) -> StoreResult<bool>;
    /// A reply proves an `uncertain` probe went out.
    fn confirm_sent_by_reply(&mut self, probe: i64) -> StoreResult<bool>;
    /// The address bounced (the first bounce's time is kept).
    fn record_bounce(&mut self, probe: i64, at: Timestamp, reason: &str) -> StoreResult<()>;
    /// Whether this probe already has a reply with this Message-ID (bare, lower case).
    fn has_reply(&self, probe: i64, message_id: &str) -> StoreResult<bool>;
    /// Stores a reply; a message already stored (same mailbox, UIDVALIDITY and UID) is not stored twice.
    /// Returns whether it was stored.
    fn add_reply(&mut self, reply: &NewReply) -> StoreResult<bool>;
    /// A campaign's replies that arrived at or before `up_to`, by arrival.
    fn replies(&self, campaign: i64, up_to: Timestamp) -> StoreResult<Vec<ReplyRecord>>;
    fn mailbox_position(&self, mailbox: &str) -> StoreResult<Option<MailboxPosition>>;
    fn set_mailbox_position(&mut self, mailbox: &str, position: MailboxPosition)
        -> StoreResult<()>;
    /// Deletes the texts, senders and subjects of replies stored before `stored_before` (retention); timings
    /// and classes stay. Returns how many replies were purged.
    fn purge_reply_texts(&mut self, stored_before: Timestamp) -> StoreResult<usize>;
}

/// A schedule to store: a shop re-audited every so often.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSchedule {
    pub shop_url: String,
    pub shop_host: String,
    /// Every this many seconds, or by `cron` (exactly one of them).
    pub every_seconds: Option<i64>,
    /// A five-field cron expression, read in `time_zone`.
    pub cron: Option<String>,
    /// An IANA time zone (`Europe/Paris`).
    pub time_zone: String,
    /// The audit's options, the campaign and who gets the report, as JSON (the scheduler's, opaque here).
    pub options: String,
    pub created_at: String,
    /// The first run.
    pub next_due_at: String,
}

/// A stored schedule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScheduleRecord {
    pub id: i64,
    pub shop_url: String,
    pub shop_host: String,
    pub every_seconds: Option<i64>,
    pub cron: Option<String>,
    pub time_zone: String,
    pub options: String,
    pub created_at: String,
    pub next_due_at: String,
}

/// Where a job is. A job is one run of a schedule at one due instant: the store never holds two for one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Due, waiting for a worker.
    Queued,
    /// Claimed by a worker, under its lease.
    Running,
    /// Its audit is recorded.
    Done,
    /// Out of attempts, or refused for good.
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(word: &str) -> StoreResult<JobState> {
        Ok(match word {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => return Err(StoreError::Invalid(format!("job state {other:?}"))),
        })
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobRecord {
    pub id: i64,
    pub schedule_id: i64,
    pub shop_host: String,
    pub due_at: String,
    pub state: JobState,
    pub owner: Option<String>,
    pub lease_until: Option<String>,
    pub attempts: i64,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub audit_id: Option<i64>,
    pub error: Option<String>,
    /// The consultant's e-mail: `pending`, `sent`, `failed: …`, or none when nobody gets the report.
    pub report_mail: Option<String>,
}

/// Schedules and their jobs. Every method commits before it returns; the claims are the store's, so that two
/// daemons (or workers on several machines) on one store never run one job twice.
pub trait ScheduleStore {
    fn add_schedule(&mut self, schedule: &NewSchedule) -> StoreResult<i64>;
    /// The schedules in force, by id.
    fn schedules(&self) -> StoreResult<Vec<ScheduleRecord>>;
    /// Returns whether it was in force.
    fn remove_schedule(&mut self, id: i64, at: Timestamp) -> StoreResult<bool>;
    /// The schedules in force due at `now` (their next run at or before it).
    fn due_schedules(&self, now: Timestamp) -> StoreResult<Vec<ScheduleRecord>>;
    /// Queues the run of `schedule` due at `due_at` and moves its next run to `next_due_at`, if its next run is
    /// still `expected_next` (another daemon may have queued it meanwhile: then nothing is done). Returns the new
    /// job, none when another process had queued it.
    fn enqueue_due(
        &mut self,
        schedule: i64,
        expected_next: &str,
        due_at: &str,
        next_due_at: &str,
    ) -> StoreResult<Option<i64>>;
    /// Queues a run now (`schedule run-now`); the same second twice gives the same job.
    fn enqueue_now(&mut self, schedule: i64, now: Timestamp) -> StoreResult<i64>;
    /// Claims the oldest runnable job: queued and due, or running under a lease that ran out (its worker died),
    /// of a shop no live lease is crawling. A job out of attempts (`max_attempts`) is failed instead.
    fn claim_job(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        max_attempts: i64,
    ) -> StoreResult<Option<JobRecord>>;
    /// Extends the lease, if `owner` still holds the job. Returns whether it does.
    fn renew_job(&mut self, job: i64, owner: &str, lease_until: Timestamp) -> StoreResult<bool>;
    /// The job's audit: recorded and the job done in one transaction, if `owner` still holds the job (a worker
    /// whose lease was taken over records nothing). Returns the audit's id.
    fn complete_job(
        &mut self,
        job: i64,
        owner: &str,
        audit: &NewAudit,
        report_mail: Option<&str>,
        at: Timestamp,
    ) -> StoreResult<Option<i64>>;
    /// The run failed: queued again for a later attempt, or failed for good. Returns whether `owner` held it.
    fn fail_job(
        &mut self,
        job: i64,
        owner: &str,
        error: &str,
        retry: bool,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Gives a job back unstarted (a daemon told to stop): queued again, its attempt not counted.
    fn release_job(&mut self, job: i64, owner: &str) -> StoreResult<bool>;
    /// Jobs, newest first (of one schedule, or all).
    fn jobs(&self, schedule: Option<i64>) -> StoreResult<Vec<JobRecord>>;
    /// Moves the consultant's e-mail of a job from `from` to `to` (`pending` → `sending` → `sent` or
    /// `failed: …`), if it is still `from`: of two daemons, one sends it. Returns whether it moved.
    fn swap_report_mail(&mut self, job: i64, from: &str, to: &str) -> StoreResult<bool>;
}
