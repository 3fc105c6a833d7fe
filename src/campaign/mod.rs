//! Stage 7, the mystery-shopper campaign: probe e-mails written as an ordinary customer to the addresses the crawl
//! found, sent over SMTP, their replies read back over IMAP and timed. Every step is a state change committed to
//! the store before and after it happens, so a crash or a re-run never sends a probe twice and never forgets one
//! that was sent.

pub mod clock;
pub mod collect;
pub mod imap_client;
pub mod mail;
pub mod scenario;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

pub use crate::result::campaign::{
    CampaignStatus, Outcome, ProbeState, ProbeStatus, Quality, ReplyClass, ReplyStatus,
};

use crate::result::AuditResult;
use crate::store::Store;
use mail::{MailSettings, Outgoing, SendOutcome};
use scenario::{Persona, Scenario};

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Mail(#[from] mail::MailError),
    #[error("{0}")]
    Invalid(String),
}

impl From<scenario::ScenarioError> for CampaignError {
    fn from(e: scenario::ScenarioError) -> Self {
        CampaignError::Invalid(e.to_string())
    }
}

/// What a campaign is started from.
pub struct StartRequest<'a> {
    pub audit: &'a AuditResult,
    /// Where the audit lives, to write the results back.
    pub audit_path: Option<&'a std::path::Path>,
    /// Addresses given by the consultant; empty: those the crawl found.
    pub to: &'a [String],
    pub scenarios: Vec<&'a Scenario>,
    /// Spread the sends over this many hours (0: all at once).
    pub spread_hours: f64,
    /// Send times in the shop's week ("fri-19:00"), taken in turn by the probes; they win over `spread_hours`.
    pub at: Vec<clock::WeekTime>,
    pub max_probes: u32,
    pub deadline_days: f64,
    /// Start a new campaign even if one is running for this shop.
    pub new: bool,
}

/// A planned probe, as a dry run prints it.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedProbe {
    pub to: String,
    pub scenario: String,
    pub subject: String,
    pub body: String,
    pub send_after: String,
}

/// Moved to [`crate::text`]; kept here for the callers that still name it so.
pub use crate::text::hours_text;

pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

pub(crate) fn rfc3339(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Six characters a person can read back (no 0/O, 1/I/L): unique per probe, in the Message-ID, the plus address
/// and the signature.
pub fn new_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";
    let mut bytes = [0u8; 6];
    getrandom::getrandom(&mut bytes).expect("the OS random source");
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

fn seed_of(token: &str) -> u64 {
    token.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// The probes a campaign would send: one per scenario, addresses taken in turn (so each address is tried), capped.
pub fn plan(
    request: &StartRequest,
    settings: &MailSettings,
) -> Result<Vec<(String, PlannedProbe)>, CampaignError> {
    let addresses: Vec<String> = if request.to.is_empty() {
        request
            .audit
            .site
            .emails
            .iter()
            .map(|e| e.address.clone())
            .collect()
    } else {
        request.to.to_vec()
    };
    if addresses.is_empty() {
        return Err(CampaignError::Invalid(format!(
            "the audit of {} found no e-mail address: give one with --to",
            request.audit.target.host
        )));
    }
    if request.scenarios.is_empty() {
        return Err(CampaignError::Invalid("no scenario to send".into()));
    }
    let count = request
        .scenarios
        .len()
        .max(addresses.len())
        .min(request.max_probes as usize);
    let lang = match request.audit.target.lang.as_ref().map(|l| l.value.as_str()) {
        Some("fr") => "fr",
        _ => "en",
    };
    let persona = Persona::from_name(settings.from.name.as_deref().unwrap_or("Marie Dupont"));
    // A customer names the site by its address.
    let shop = request
        .audit
        .target
        .host
        .trim_start_matches("www.")
        .to_string();
    let start = now();
    let calendar = clock::Calendar::for_country(
        request
            .audit
            .target
            .country
            .as_ref()
            .map(|c| c.value.as_str()),
    );
    let mut planned = Vec::new();
    for i in 0..count {
        let scenario = request.scenarios[i % request.scenarios.len()];
        let to = &addresses[i % addresses.len()];
        let token = new_token();
        let rendered = scenario.render(lang, seed_of(&token), &shop, &persona, &token);
        let offset_secs = if count > 1 {
            request.spread_hours * 3600.0 * i as f64 / (count - 1) as f64
        } else {
            0.0
        };
        let send_after = match request.at.get(i % request.at.len().max(1)) {
            Some(at) => at.next_after(start, &calendar),
            None => start
                .checked_add(jiff::SignedDuration::from_secs(offset_secs as i64))
                .unwrap_or(start),
        };
        planned.push((
            token,
            PlannedProbe {
                to: to.clone(),
                scenario: scenario.id.clone(),
                subject: rendered.subject,
                body: rendered.body,
                send_after: rfc3339(send_after),
            },
        ));
    }
    Ok(planned)
}

/// Stores the campaign and its probes (state `planned`). A campaign already running for the shop is reused, so
/// re-running `campaign start` never plans a second set of e-mails.
pub fn create(
    store: &mut Store,
    request: &StartRequest,
    settings: &MailSettings,
) -> Result<(i64, bool), CampaignError> {
    let host = &request.audit.target.host;
    let deadline_hours = request.deadline_days * 24.0;
    let running: Option<i64> = store
        .conn
        .query_row(
            "SELECT id FROM campaigns WHERE shop_host = ?1
             AND julianday('now') - julianday(created_at) < deadline_hours / 24.0 + 1
             ORDER BY id DESC LIMIT 1",
            params![host],
            |r| r.get(0),
        )
        .optional()?;
    if let (Some(id), false) = (running, request.new) {
        return Ok((id, false));
    }
    let planned = plan(request, settings)?;
    let promise = request.audit.site.response_time_promise.as_ref();
    let domain = settings
        .from
        .email
        .to_string()
        .split_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "cxaudit.invalid".into());
    let tx = store.conn.transaction()?;
    tx.execute(
        "INSERT INTO campaigns (created_at, shop_host, audit_path, lang, country, persona_name, persona_email,
            promise_hours, promise_business, promise_text, opening_hours, deadline_hours)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            rfc3339(now()),
            host,
            request.audit_path.map(|p| p.display().to_string()),
            request.audit.target.lang.as_ref().map(|l| l.value.clone()).unwrap_or_else(|| "en".into()),
            request.audit.target.country.as_ref().map(|c| c.value.clone()),
            settings.from.name.clone().unwrap_or_default(),
            settings.from.email.to_string(),
            promise.map(|p| p.hours),
            promise.map(|p| p.business_hours).unwrap_or(false),
            promise.map(|p| p.text.clone()),
            request
                .audit
                .site
                .opening_hours
                .as_ref()
                .map(|h| serde_json::to_string(&h.week).unwrap_or_default()),
            deadline_hours,
        ],
    )?;
    let campaign = tx.last_insert_rowid();
    for (token, probe) in &planned {
        let message_id = format!(
            "<cxaudit.{}.{}@{domain}>",
            token.to_ascii_lowercase(),
            new_token().to_ascii_lowercase()
        );
        tx.execute(
            "INSERT INTO probes (campaign_id, token, to_addr, scenario, subject, body, message_id, reply_to, state,
                send_after, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'planned', ?9, ?9)",
            params![
                campaign,
                token,
                probe.to,
                probe.scenario,
                probe.subject,
                probe.body,
                message_id,
                settings.reply_address(token),
                probe.send_after,
            ],
        )?;
    }
    tx.commit()?;
    Ok((campaign, true))
}

/// What a sending round did.
#[derive(Debug, Default, Serialize)]
pub struct SendReport {
    pub sent: Vec<i64>,
    pub retry_later: Vec<(i64, String)>,
    pub failed: Vec<(i64, String)>,
    /// Probes found in `sending` from a run that died: not sent again (the server may have accepted them).
    pub uncertain: Vec<i64>,
    /// Due probes left for later because of the hourly cap.
    pub held_by_cap: usize,
}

/// Backoff for temporary SMTP failures: 5 min, 30 min, 2 h, 6 h, then give up.
const BACKOFF_MINUTES: [i64; 4] = [5, 30, 120, 360];

/// Sends every due probe (of one campaign, or all). Each probe is claimed (`sending`) and committed before the SMTP
/// conversation, and marked `sent` with the server's acceptance time after it.
pub fn send_due(
    store: &mut Store,
    settings: &MailSettings,
    campaign: Option<i64>,
    max_per_hour: u32,
) -> Result<SendReport, CampaignError> {
    let mut report = SendReport::default();
    // A probe left in `sending` by a process that is gone may or may not have been accepted: never resend it.
    let stale: Vec<(i64, Option<i64>)> = {
        let mut stmt = store
            .conn
            .prepare("SELECT id, claimed_by FROM probes WHERE state = 'sending'")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, pid) in stale {
        let alive = pid.is_some_and(|p| p as u32 != std::process::id() && process_alive(p as u32));
        if !alive {
            store.conn.execute(
                "UPDATE probes SET state = 'uncertain',
                   failure = 'interrupted during the SMTP exchange: not sent again; a copy in the mailbox or a reply will confirm it'
                 WHERE id = ?1 AND state = 'sending'",
                params![id],
            )?;
            report.uncertain.push(id);
        }
    }
    let now_text = rfc3339(now());
    let due: Vec<i64> = {
        let mut stmt = store.conn.prepare(
            "SELECT id FROM probes WHERE state = 'planned' AND send_after <= ?1 AND next_attempt_at <= ?1
             AND (?2 IS NULL OR campaign_id = ?2) ORDER BY send_after, id",
        )?;
        let rows = stmt.query_map(params![now_text, campaign], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if due.is_empty() {
        return Ok(report);
    }
    let transport = mail::transport(settings)?;
    for id in due {
        let sent_last_hour: i64 = store.conn.query_row(
            "SELECT count(*) FROM probes WHERE sent_at IS NOT NULL AND julianday(sent_at) > julianday('now') - 1.0/24",
            [],
            |r| r.get(0),
        )?;
        if sent_last_hour >= max_per_hour as i64 {
            report.held_by_cap += 1;
            continue;
        }
        // Claim: only one process sends a probe, and the claim is on disk before anything leaves.
        let claimed = store.conn.execute(
            "UPDATE probes SET state = 'sending', attempts = attempts + 1, claimed_by = ?2
             WHERE id = ?1 AND state = 'planned'",
            params![id, std::process::id() as i64],
        )?;
        if claimed == 0 {
            continue;
        }
        let (to, subject, body, message_id, reply_to, attempts): (String, String, String, String, Option<String>, i64) =
            store.conn.query_row(
                "SELECT to_addr, subject, body, message_id, reply_to, attempts FROM probes WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )?;
        let outgoing = Outgoing {
            to: &to,
            subject: &subject,
            body: &body,
            message_id: &message_id,
            reply_to: reply_to.as_deref(),
        };
        let outcome = match mail::build_message(settings, &outgoing) {
            Ok(message) => mail::send(&transport, &message),
            Err(e) => SendOutcome::Permanent(e),
        };
        match outcome {
            SendOutcome::Accepted(response) => {
                failpoint("after-smtp-accept");
                store.conn.execute(
                    "UPDATE probes SET state = 'sent', sent_at = ?2, smtp_response = ?3, failure = NULL WHERE id = ?1",
                    params![id, rfc3339(now()), response],
                )?;
                report.sent.push(id);
            }
            SendOutcome::Temporary(reason) if (attempts as usize) <= BACKOFF_MINUTES.len() => {
                let wait = BACKOFF_MINUTES[attempts as usize - 1];
                let next = now()
                    .checked_add(jiff::SignedDuration::from_mins(wait))
                    .unwrap_or_else(|_| now());
                store.conn.execute(
                    "UPDATE probes SET state = 'planned', next_attempt_at = ?2, failure = ?3 WHERE id = ?1",
                    params![id, rfc3339(next), reason],
                )?;
                report.retry_later.push((id, reason));
            }
            SendOutcome::Temporary(reason) | SendOutcome::Permanent(reason) => {
                store.conn.execute(
                    "UPDATE probes SET state = 'failed', failure = ?2 WHERE id = ?1",
                    params![id, reason],
                )?;
                report.failed.push((id, reason));
            }
        }
    }
    Ok(report)
}

/// Linux: a process is alive while /proc has it. Elsewhere, assume it is not (the probe becomes `uncertain`).
fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Test hook: `CXAUDIT_FAILPOINT=after-smtp-accept` kills the process right after the server accepted a probe and
/// before the store knows, the worst moment for a crash.
fn failpoint(name: &str) {
    if std::env::var("CXAUDIT_FAILPOINT").as_deref() == Ok(name) {
        std::process::abort();
    }
}

/// A state or class word read back from the store.
fn word<T: std::str::FromStr<Err = crate::result::campaign::UnknownWord>>(
    text: String,
) -> rusqlite::Result<T> {
    text.parse()
        .map_err(|e: crate::result::campaign::UnknownWord| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}

/// What a probe came to, judged at an instant: its state, whether it bounced, whether a person answered within
/// the deadline, whether the deadline has passed since it was sent.
pub fn outcome_of(
    state: ProbeState,
    bounced: bool,
    answered_in_time: bool,
    deadline_passed: bool,
) -> Outcome {
    use ProbeState::{Failed, Sending, Sent, Uncertain};
    match (state, bounced) {
        (_, true) => Outcome::Bounced,
        (Sent | Uncertain | Sending, false) if answered_in_time => Outcome::Answered,
        (Sent | Uncertain | Sending, false) if deadline_passed => Outcome::NoAnswer,
        (Sent | Uncertain | Sending, false) => Outcome::Pending,
        (Failed, false) => Outcome::Failed,
        _ => Outcome::NotSent,
    }
}

/// Campaign ids, newest first.
pub fn campaigns(store: &Store) -> Result<Vec<i64>, CampaignError> {
    let mut stmt = store
        .conn
        .prepare("SELECT id FROM campaigns ORDER BY id DESC")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The campaign as of `as_of`: replies arriving later are ignored and the deadline is judged at that instant.
/// Delays run from the SMTP acceptance to the reply's arrival; business hours use the shop's published week (else
/// `default_week`), its time zone and holidays.
pub fn status(
    store: &Store,
    campaign: i64,
    as_of: jiff::Timestamp,
    default_week: &clock::Week,
) -> Result<CampaignStatus, CampaignError> {
    type Row = (
        String,
        String,
        f64,
        Option<f64>,
        bool,
        Option<String>,
        Option<String>,
    );
    let (shop, created_at, deadline_hours, promise_hours, promise_business, hours_json, country): Row = store
        .conn
        .query_row(
            "SELECT shop_host, created_at, deadline_hours, promise_hours, promise_business, opening_hours, country
             FROM campaigns WHERE id = ?1",
            params![campaign],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .optional()?
        .ok_or_else(|| CampaignError::Invalid(format!("no campaign {campaign} in the store")))?;
    let published = hours_json
        .and_then(|j| {
            serde_json::from_str::<std::collections::BTreeMap<String, Vec<String>>>(&j).ok()
        })
        .map(|w| clock::Week::from_audit(&w))
        .filter(|w| !w.is_empty());
    let week = published.unwrap_or_else(|| default_week.clone());
    let calendar = clock::Calendar::for_country(country.as_deref());
    let mut stmt = store.conn.prepare(
        "SELECT id, to_addr, scenario, state, send_after, sent_at, attempts, failure, bounced_at
         FROM probes WHERE campaign_id = ?1 ORDER BY id",
    )?;
    let mut probes = stmt
        .query_map(params![campaign], |r| {
            let bounced: Option<String> = r.get(8)?;
            Ok(ProbeStatus {
                id: r.get(0)?,
                to: r.get(1)?,
                scenario: r.get(2)?,
                scenario_title: Default::default(),
                state: word(r.get(3)?)?,
                send_after: r.get(4)?,
                sent_at: r.get(5)?,
                attempts: r.get(6)?,
                failure: r.get(7)?,
                bounced: bounced.is_some(),
                first_ack_at: None,
                first_human_at: None,
                ack_delay_hours: None,
                human_delay_hours: None,
                business_hours_delay: None,
                ack_business_hours_delay: None,
                outcome: Outcome::NotSent,
                replies: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let parse = |t: &str| t.parse::<jiff::Timestamp>().ok();
    let hours_between = |a: jiff::Timestamp, b: jiff::Timestamp| {
        ((b.as_second() - a.as_second()) as f64 / 3600.0 * 100.0).round() / 100.0
    };
    let round = |h: f64| (h * 100.0).round() / 100.0;
    let as_of_text = rfc3339(as_of);
    let scenarios = scenario::load(None).unwrap_or_default();
    for probe in &mut probes {
        if let Some(s) = scenarios.iter().find(|s| s.id == probe.scenario) {
            probe.scenario_title = s.title.clone();
        }
        let mut replies = store.conn.prepare(
            "SELECT arrived_at, class, matched_by, from_addr, subject, quality FROM replies
             WHERE probe_id = ?1 AND arrived_at <= ?2 ORDER BY arrived_at, id",
        )?;
        probe.replies = replies
            .query_map(params![probe.id, as_of_text], |r| {
                let quality: Option<String> = r.get(5)?;
                Ok(ReplyStatus {
                    arrived_at: r.get(0)?,
                    class: word(r.get(1)?)?,
                    matched_by: r.get(2)?,
                    from: r.get(3)?,
                    subject: r.get(4)?,
                    quality: quality.and_then(|q| serde_json::from_str(&q).ok()),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        probe.bounced = probe.replies.iter().any(|r| r.class == ReplyClass::Bounce);
        let sent = probe.sent_at.as_deref().and_then(parse);
        let first = |class: ReplyClass| {
            probe
                .replies
                .iter()
                .find(|r| r.class == class)
                .map(|r| r.arrived_at.clone())
        };
        probe.first_ack_at = first(ReplyClass::Ack);
        probe.first_human_at = first(ReplyClass::Human);
        if let Some(sent) = sent {
            if let Some(ack) = probe.first_ack_at.as_deref().and_then(parse) {
                probe.ack_delay_hours = Some(hours_between(sent, ack));
                probe.ack_business_hours_delay =
                    Some(round(clock::business_hours(sent, ack, &week, &calendar)));
            }
            if let Some(human) = probe.first_human_at.as_deref().and_then(parse) {
                probe.human_delay_hours = Some(hours_between(sent, human));
                probe.business_hours_delay =
                    Some(round(clock::business_hours(sent, human, &week, &calendar)));
            }
        }
        let deadline_passed = sent.is_some_and(|s| hours_between(s, as_of) >= deadline_hours);
        let answered_in_time = probe.human_delay_hours.is_some_and(|h| h <= deadline_hours);
        probe.outcome = outcome_of(
            probe.state,
            probe.bounced,
            answered_in_time,
            deadline_passed,
        );
    }
    Ok(CampaignStatus {
        id: campaign,
        shop,
        created_at,
        deadline_hours,
        promise_hours,
        promise_business_hours: promise_business,
        probes,
    })
}

/// What `campaign status` sums up under its probes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StatusSummary {
    pub answered: usize,
    pub no_answer: usize,
    pub bounced: usize,
    pub pending: usize,
    /// The median delay of the human answers, in hours (of an even count, the later of the two middle ones).
    pub median_human_hours: Option<f64>,
}

impl CampaignStatus {
    /// The outcomes counted and the median human answer.
    pub fn summary(&self) -> StatusSummary {
        let count = |o: Outcome| self.probes.iter().filter(|p| p.outcome == o).count();
        let mut human: Vec<f64> = self
            .probes
            .iter()
            .filter_map(|p| p.human_delay_hours)
            .collect();
        human.sort_by(f64::total_cmp);
        StatusSummary {
            answered: count(Outcome::Answered),
            no_answer: count(Outcome::NoAnswer),
            bounced: count(Outcome::Bounced),
            pending: count(Outcome::Pending),
            median_human_hours: human.get(human.len() / 2).copied(),
        }
    }
}

/// Where the campaign's audit.json is, as recorded when it started.
pub fn audit_path(
    store: &Store,
    campaign: i64,
) -> Result<Option<std::path::PathBuf>, CampaignError> {
    let path: Option<String> = store
        .conn
        .query_row(
            "SELECT audit_path FROM campaigns WHERE id = ?1",
            params![campaign],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(path.map(std::path::PathBuf::from))
}

/// For a report that leaves the consultancy: staff addresses become their domain, subjects (which may carry a
/// name or a ticket owner) are dropped. Timings and classes stay.
pub fn redact(status: &mut CampaignStatus) {
    for probe in &mut status.probes {
        for reply in &mut probe.replies {
            reply.from = reply
                .from
                .as_deref()
                .and_then(|a| a.rsplit_once('@'))
                .map(|(_, domain)| format!("…@{domain}"));
            reply.subject = None;
        }
    }
}

/// When the probes still waiting for their time will leave (planned, not due yet), earliest first.
pub fn waiting(store: &Store, campaign: i64) -> Result<Vec<String>, CampaignError> {
    let mut stmt = store.conn.prepare(
        "SELECT max(send_after, next_attempt_at) FROM probes WHERE campaign_id = ?1 AND state = 'planned' ORDER BY 1",
    )?;
    let rows = stmt.query_map(params![campaign], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(outcome: Outcome, human: Option<f64>) -> ProbeStatus {
        ProbeStatus {
            id: 1,
            to: "shop@shop.test".into(),
            scenario: "delivery-question".into(),
            scenario_title: Default::default(),
            state: ProbeState::Sent,
            send_after: "2026-11-13T16:00:00Z".into(),
            sent_at: Some("2026-11-13T16:00:00Z".into()),
            attempts: 1,
            failure: None,
            bounced: outcome == Outcome::Bounced,
            first_ack_at: None,
            first_human_at: None,
            ack_delay_hours: None,
            human_delay_hours: human,
            business_hours_delay: None,
            ack_business_hours_delay: None,
            outcome,
            replies: Vec::new(),
        }
    }

    #[test]
    fn the_summary_counts_outcomes_and_takes_the_median_human_answer() {
        let status = CampaignStatus {
            id: 1,
            shop: "shop.test".into(),
            created_at: "2026-11-13T15:55:00Z".into(),
            deadline_hours: 168.0,
            promise_hours: None,
            promise_business_hours: false,
            probes: vec![
                probe(Outcome::Answered, Some(30.0)),
                probe(Outcome::Answered, Some(5.0)),
                probe(Outcome::NoAnswer, None),
                probe(Outcome::Bounced, None),
                probe(Outcome::Pending, None),
                probe(Outcome::NotSent, None),
            ],
        };
        assert_eq!(
            status.summary(),
            StatusSummary {
                answered: 2,
                no_answer: 1,
                bounced: 1,
                pending: 1,
                median_human_hours: Some(30.0),
            }
        );
    }

    #[test]
    fn outcomes_follow_state_bounce_answer_and_deadline() {
        use ProbeState::*;
        assert_eq!(outcome_of(Sent, true, true, true), Outcome::Bounced);
        assert_eq!(outcome_of(Uncertain, false, true, true), Outcome::Answered);
        assert_eq!(outcome_of(Sending, false, false, true), Outcome::NoAnswer);
        assert_eq!(outcome_of(Sent, false, false, false), Outcome::Pending);
        assert_eq!(outcome_of(Failed, false, false, false), Outcome::Failed);
        assert_eq!(outcome_of(Planned, false, false, false), Outcome::NotSent);
    }
}
