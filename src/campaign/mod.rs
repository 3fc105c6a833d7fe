//! Stage 7, the mystery-shopper campaign: probe e-mails written as an ordinary customer to the addresses the crawl
//! found, sent over SMTP, their replies read back over IMAP and timed. Every step is a state change committed to
//! the store before and after it happens, so a crash or a re-run never sends a probe twice and never forgets one
//! that was sent.

pub mod clock;
pub mod collect;
pub mod imap_client;
pub mod mail;
pub mod scenario;

use serde::Serialize;

pub use crate::result::campaign::{
    CampaignStatus, Outcome, ProbeState, ProbeStatus, Quality, ReplyClass, ReplyStatus,
};
/// Moved to [`crate::text`]; kept here for the callers that still name it so.
pub use crate::words::hours_text;

use crate::result::AuditResult;
use crate::store::{CampaignStore, Claim, NewCampaign, NewProbe, ReplyStore};
use mail::{MailSettings, Outgoing, SendOutcome};
use scenario::{Persona, Scenario};

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
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
    /// Spread the sends over this many hours from the planning instant (0: all at once); none: the default
    /// schedule, a probe a day or two apart.
    pub spread_hours: Option<f64>,
    /// The instant the plan starts from (see [`planning_now`]).
    pub planned_at: jiff::Timestamp,
    /// Send times in the shop's week ("fri-19:00"), taken in turn by the probes; they win over `spread_hours`.
    pub at: Vec<clock::WeekTime>,
    pub max_probes: u32,
    pub deadline_days: f64,
    /// Start a new campaign even if one is running for this shop.
    pub new: bool,
}

/// A planned probe: everything its e-mail is built from, fixed once, so that the dry run prints the bytes `--send`
/// submits.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedProbe {
    pub token: String,
    pub to: String,
    pub scenario: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub reply_to: Option<String>,
    pub send_after: String,
}

pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// The instant a campaign is planned from. `CXAUDIT_TEST_NOW` (a test hook like `CXAUDIT_FAILPOINT`) fixes it, so
/// a test can plan a dry run and a send from the same instant; everything else (claims, deadlines) runs on `now()`.
pub fn planning_now() -> jiff::Timestamp {
    std::env::var("CXAUDIT_TEST_NOW")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(now)
}

pub(crate) fn rfc3339(t: jiff::Timestamp) -> String {
    crate::store::instant_text(t)
}

/// A deterministic stream of numbers (splitmix64): the same campaign seed gives the same tokens, Message-IDs and
/// send times, in the dry run and in the send.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Six characters a person can read back (no 0/O, 1/I/L): unique per probe, the store's key for it. It never
/// appears in the e-mail.
fn token_from(draw: &mut Draw) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";
    (0..6)
        .map(|_| ALPHABET[draw.below(ALPHABET.len() as u64) as usize] as char)
        .collect()
}

/// A random token (tests and callers outside a plan).
pub fn new_token() -> String {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).expect("the OS random source");
    token_from(&mut Draw(u64::from_le_bytes(bytes)))
}

/// A Message-ID as mail clients write one: a random UUID at the sender's domain, nothing else.
fn message_id_from(draw: &mut Draw, domain: &str) -> String {
    let (a, b) = (draw.next(), draw.next());
    format!(
        "<{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}@{domain}>",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// The campaign's seed: the shop, the persona and how many campaigns the store already holds for the shop. A dry
/// run and the `--send` after it draw the same; a `--new` campaign draws others.
pub fn campaign_seed(host: &str, persona: &str, earlier_campaigns: usize) -> u64 {
    seed_of(&format!("{host}\n{persona}\n{earlier_campaigns}"))
}

/// The default schedule: one probe a day or two apart from the day after `start`, each at a time of day a customer
/// writes (08:30–21:30, shop's time zone), never on the minute.
fn scheduled(
    start: jiff::Timestamp,
    count: usize,
    calendar: &clock::Calendar,
    draw: &mut Draw,
) -> Vec<jiff::Timestamp> {
    let today = start.to_zoned(calendar.tz.clone()).date();
    let mut day = 0i64;
    (0..count)
        .map(|_| {
            day += 1 + draw.below(2) as i64;
            let minutes = 8 * 60 + 30 + draw.below(13 * 60) as i64;
            let seconds = draw.below(60) as i8;
            let date = today
                .checked_add(jiff::Span::new().days(day))
                .unwrap_or(today);
            let time =
                jiff::civil::Time::new((minutes / 60) as i8, (minutes % 60) as i8, seconds, 0)
                    .unwrap_or_default();
            date.to_datetime(time)
                .to_zoned(calendar.tz.clone())
                .map(|z| z.timestamp())
                .unwrap_or(start)
        })
        .collect()
}

/// The probes a campaign would send: one per scenario, addresses taken in turn (so each address is tried), capped.
/// Deterministic for a given request, seed and settings.
pub fn plan(
    request: &StartRequest,
    settings: &MailSettings,
    seed: u64,
) -> Result<Vec<PlannedProbe>, CampaignError> {
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
    let items = scenario::shop_items(request.audit);
    let start = request.planned_at;
    let calendar = clock::Calendar::for_country(
        request
            .audit
            .target
            .country
            .as_ref()
            .map(|c| c.value.as_str()),
    );
    let mut draw = Draw(seed);
    let domain = settings
        .from
        .email
        .to_string()
        .split_once('@')
        .map(|(_, d)| d.to_string())
        .unwrap_or_else(|| "localhost".into());
    let schedule = scheduled(start, count, &calendar, &mut draw);
    let tags = settings.reply_tags(&shop, count);
    let mut planned = Vec::new();
    for i in 0..count {
        let scenario = request.scenarios[i % request.scenarios.len()];
        let to = &addresses[i % addresses.len()];
        let token = token_from(&mut draw);
        let message_id = message_id_from(&mut draw, &domain);
        let item = (!items.is_empty()).then(|| &items[draw.below(items.len() as u64) as usize]);
        let page = scenario::key_page_title(request.audit, &scenario.pages);
        let rendered = scenario.render(lang, draw.next(), &shop, &persona, item, page.as_deref());
        let send_after = match (
            request.at.get(i % request.at.len().max(1)),
            request.spread_hours,
        ) {
            (Some(at), _) => at.next_after(start, &calendar),
            (None, Some(hours)) => {
                let offset_secs = if count > 1 {
                    hours * 3600.0 * i as f64 / (count - 1) as f64
                } else {
                    0.0
                };
                start
                    .checked_add(jiff::SignedDuration::from_secs(offset_secs as i64))
                    .unwrap_or(start)
            }
            (None, None) => schedule[i],
        };
        planned.push(PlannedProbe {
            reply_to: tags.get(i).and_then(|tag| settings.reply_address(tag)),
            token,
            to: to.clone(),
            scenario: scenario.id.clone(),
            subject: rendered.subject,
            body: rendered.body,
            message_id,
            send_after: rfc3339(send_after),
        });
    }
    Ok(planned)
}

impl PlannedProbe {
    /// The e-mail as it will be submitted, byte for byte (`--send` builds it from the same stored fields).
    pub fn message(
        &self,
        settings: &MailSettings,
        country: Option<&str>,
    ) -> Result<lettre::Message, CampaignError> {
        let date = self
            .send_after
            .parse()
            .map_err(|e| CampaignError::Invalid(format!("send time {}: {e}", self.send_after)))?;
        mail::build_message(
            settings,
            &Outgoing {
                to: &self.to,
                subject: &self.subject,
                body: &self.body,
                message_id: &self.message_id,
                reply_to: self.reply_to.as_deref(),
                date: zoned(date, country),
            },
        )
        .map_err(CampaignError::Invalid)
    }
}

/// An instant in the shop's time zone (UTC when its country is unknown).
fn zoned(t: jiff::Timestamp, country: Option<&str>) -> jiff::Zoned {
    t.to_zoned(clock::Calendar::for_country(country).tz)
}

/// How many campaigns the store holds for a shop (the seed of the next one).
pub fn campaigns_for(
    store: &(impl CampaignStore + ?Sized),
    host: &str,
) -> Result<usize, CampaignError> {
    let mut n = 0;
    for id in store.campaign_ids()? {
        if store.campaign(id)?.is_some_and(|c| c.shop_host == host) {
            n += 1;
        }
    }
    Ok(n)
}

/// What `campaign start` would do: the campaign running for the shop (its probes not sent yet), or the plan of a
/// new one, drawn from the seed `--send` will draw.
pub fn preview(
    store: Option<&(impl CampaignStore + ?Sized)>,
    request: &StartRequest,
    settings: &MailSettings,
) -> Result<(Option<i64>, Vec<PlannedProbe>), CampaignError> {
    let host = &request.audit.target.host;
    let persona = settings.from.email.to_string();
    let Some(store) = store else {
        return Ok((
            None,
            plan(request, settings, campaign_seed(host, &persona, 0))?,
        ));
    };
    if let (Some(id), false) = (store.running_campaign(host, now())?, request.new) {
        let probes = store
            .planned_probes(id)?
            .into_iter()
            .map(|p| PlannedProbe {
                token: p.token,
                to: p.to_addr,
                scenario: p.scenario,
                subject: p.subject,
                body: p.body,
                message_id: p.message_id,
                reply_to: p.reply_to,
                send_after: rfc3339(p.send_after),
            })
            .collect();
        return Ok((Some(id), probes));
    }
    let seed = campaign_seed(host, &persona, campaigns_for(store, host)?);
    Ok((None, plan(request, settings, seed)?))
}

/// Stores the campaign and its probes (state `planned`). A campaign already running for the shop is reused, so
/// re-running `campaign start` never plans a second set of e-mails.
pub fn create(
    store: &mut (impl CampaignStore + ?Sized),
    request: &StartRequest,
    settings: &MailSettings,
) -> Result<(i64, bool), CampaignError> {
    let host = &request.audit.target.host;
    let deadline_hours = request.deadline_days * 24.0;
    let running = store.running_campaign(host, now())?;
    if let (Some(id), false) = (running, request.new) {
        return Ok((id, false));
    }
    let seed = campaign_seed(
        host,
        settings.from.email.as_ref(),
        campaigns_for(store, host)?,
    );
    let planned = plan(request, settings, seed)?;
    let promise = request.audit.site.response_time_promise.as_ref();
    let campaign = NewCampaign {
        created_at: now(),
        shop_host: host.clone(),
        audit_path: request.audit_path.map(|p| p.display().to_string()),
        lang: request
            .audit
            .target
            .lang
            .as_ref()
            .map(|l| l.value.clone())
            .unwrap_or_else(|| "en".into()),
        country: request
            .audit
            .target
            .country
            .as_ref()
            .map(|c| c.value.clone()),
        persona_name: settings.from.name.clone().unwrap_or_default(),
        persona_email: settings.from.email.to_string(),
        promise_hours: promise.map(|p| p.hours),
        promise_business: promise.map(|p| p.business_hours).unwrap_or(false),
        promise_text: promise.map(|p| p.text.clone()),
        opening_hours: request
            .audit
            .site
            .opening_hours
            .as_ref()
            .map(|h| serde_json::to_string(&h.week).unwrap_or_default()),
        deadline_hours,
    };
    let probes = planned
        .into_iter()
        .map(|probe| {
            Ok(NewProbe {
                send_after: probe.send_after.parse().map_err(|e| {
                    CampaignError::Invalid(format!("send time {}: {e}", probe.send_after))
                })?,
                token: probe.token,
                to_addr: probe.to,
                scenario: probe.scenario,
                subject: probe.subject,
                body: probe.body,
                message_id: probe.message_id,
                reply_to: probe.reply_to,
            })
        })
        .collect::<Result<Vec<_>, CampaignError>>()?;
    Ok((store.create_campaign(&campaign, &probes)?, true))
}

/// What a sending round did.
#[derive(Debug, Default, Serialize)]
pub struct SendReport {
    pub sent: Vec<i64>,
    pub retry_later: Vec<(i64, String)>,
    pub failed: Vec<(i64, String)>,
    /// Probes whose claim ran out while `sending` (their sender died or hung mid-exchange): not sent again (the
    /// server may have accepted them).
    pub uncertain: Vec<i64>,
    /// Due probes left for later because of the hourly cap.
    pub held_by_cap: usize,
}

/// Backoff for temporary SMTP failures: 5 min, 30 min, 2 h, 6 h, then give up.
const BACKOFF_MINUTES: [i64; 4] = [5, 30, 120, 360];

/// How long a claim on a probe for sending holds (its lease). Longer than any SMTP exchange can take: lettre gives
/// each step 60 s (connection, EHLO, STARTTLS, EHLO again, AUTH, MAIL, RCPT, DATA, the message, QUIT), so about
/// ten minutes if every step waited until its timeout, and a quarter of an hour leaves room. Past it, a probe still
/// `sending` is taken for interrupted and becomes `uncertain`, on whichever machine looks; a longer lease only
/// delays that verdict, the probe is never sent again either way.
pub const SEND_LEASE: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// The lease, unless a test shortens it: `CXAUDIT_TEST_SEND_LEASE_SECS=N` (a test hook like `CXAUDIT_FAILPOINT`,
/// so a test sees a crashed claim run out without waiting a quarter of an hour; it can only shorten).
fn send_lease() -> jiff::SignedDuration {
    std::env::var("CXAUDIT_TEST_SEND_LEASE_SECS")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .map(jiff::SignedDuration::from_secs)
        .filter(|d| *d < SEND_LEASE)
        .unwrap_or(SEND_LEASE)
}

/// Who this process is when it claims a probe: random, so that processes on different machines sharing a store,
/// or a pid reused, never pass for one another (the pid is there for a person reading the store).
pub fn claim_owner() -> &'static str {
    static OWNER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OWNER.get_or_init(|| {
        let mut bytes = [0u8; 8];
        getrandom::getrandom(&mut bytes).expect("the OS random source");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("{}-{hex}", std::process::id())
    })
}

/// Sends every due probe (of one campaign, or all). Each probe is claimed (`sending`, with a lease) and committed
/// before the SMTP conversation, and marked `sent` with the server's acceptance time after it.
pub fn send_due(
    store: &mut (impl CampaignStore + ?Sized),
    settings: &MailSettings,
    campaign: Option<i64>,
    max_per_hour: u32,
) -> Result<SendReport, CampaignError> {
    let mut report = SendReport {
        // A claim that ran out while `sending`: the server may or may not have accepted the probe. Never resend it.
        uncertain: store.expire_claims(now())?,
        ..SendReport::default()
    };
    let due = store.due_probes(campaign, now())?;
    if due.is_empty() {
        return Ok(report);
    }
    let transport = mail::transport(settings)?;
    let owner = claim_owner();
    for id in due {
        let hour_ago = now()
            .checked_sub(jiff::SignedDuration::from_hours(1))
            .unwrap_or_else(|_| now());
        if store.sent_since(hour_ago)? >= max_per_hour as u64 {
            report.held_by_cap += 1;
            continue;
        }
        // Claim: only one process sends a probe, and the claim is on disk before anything leaves.
        let claim = Claim {
            owner: owner.to_string(),
            until: now().checked_add(send_lease()).unwrap_or_else(|_| now()),
        };
        let Some(probe) = store.claim_probe(id, &claim)? else {
            continue;
        };
        let outgoing = Outgoing {
            to: &probe.to_addr,
            subject: &probe.subject,
            body: &probe.body,
            message_id: &probe.message_id,
            reply_to: probe.reply_to.as_deref(),
            date: zoned(
                probe.send_after.parse().unwrap_or_else(|_| now()),
                store
                    .campaign(probe.campaign_id)?
                    .and_then(|c| c.country)
                    .as_deref(),
            ),
        };
        let outcome = match mail::build_message(settings, &outgoing) {
            Ok(message) => mail::send(&transport, &message),
            Err(e) => SendOutcome::Permanent(e),
        };
        let attempts = probe.attempts.max(1) as usize;
        match outcome {
            SendOutcome::Accepted(response) => {
                failpoint("after-smtp-accept");
                store.mark_sent(id, owner, now(), &response)?;
                report.sent.push(id);
            }
            SendOutcome::Temporary(reason) if attempts <= BACKOFF_MINUTES.len() => {
                let wait = BACKOFF_MINUTES[attempts - 1];
                let next = now()
                    .checked_add(jiff::SignedDuration::from_mins(wait))
                    .unwrap_or_else(|_| now());
                store.mark_retry(id, owner, next, &reason)?;
                report.retry_later.push((id, reason));
            }
            SendOutcome::Temporary(reason) | SendOutcome::Permanent(reason) => {
                store.mark_failed(id, owner, &reason)?;
                report.failed.push((id, reason));
            }
        }
    }
    Ok(report)
}

/// Test hook: `CXAUDIT_FAILPOINT=after-smtp-accept` kills the process right after the server accepted a probe and
/// before the store knows, the worst moment for a crash.
fn failpoint(name: &str) {
    if std::env::var("CXAUDIT_FAILPOINT").as_deref() == Ok(name) {
        std::process::abort();
    }
}

/// Campaign ids, newest first.
pub fn campaigns(store: &(impl CampaignStore + ?Sized)) -> Result<Vec<i64>, CampaignError> {
    Ok(store.campaign_ids()?)
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

/// The campaign as of `as_of`: replies arriving later are ignored and the deadline is judged at that instant.
/// Delays run from the SMTP acceptance to the reply's arrival; business hours use the shop's published week (else
/// `default_week`), its time zone and holidays.
pub fn status(
    store: &(impl CampaignStore + ReplyStore + ?Sized),
    campaign: i64,
    as_of: jiff::Timestamp,
    default_week: &clock::Week,
) -> Result<CampaignStatus, CampaignError> {
    let record = store
        .campaign(campaign)?
        .ok_or_else(|| CampaignError::Invalid(format!("no campaign {campaign} in the store")))?;
    let deadline_hours = record.deadline_hours;
    let published = record
        .opening_hours
        .as_deref()
        .and_then(|j| {
            serde_json::from_str::<std::collections::BTreeMap<String, Vec<String>>>(j).ok()
        })
        .map(|w| clock::Week::from_audit(&w))
        .filter(|w| !w.is_empty());
    let week = published.unwrap_or_else(|| default_week.clone());
    let calendar = clock::Calendar::for_country(record.country.as_deref());
    let parse = |t: &str| t.parse::<jiff::Timestamp>().ok();
    let hours_between = |a: jiff::Timestamp, b: jiff::Timestamp| {
        ((b.as_second() - a.as_second()) as f64 / 3600.0 * 100.0).round() / 100.0
    };
    let round = |h: f64| (h * 100.0).round() / 100.0;
    let scenarios = scenario::load(None).unwrap_or_default();
    let replies = store.replies(campaign, as_of)?;
    let mut probes = Vec::new();
    for p in store.probes(campaign)? {
        let replies: Vec<ReplyStatus> = replies
            .iter()
            .filter(|r| r.probe_id == p.id)
            .map(|r| ReplyStatus {
                arrived_at: r.arrived_at.clone(),
                class: r.class,
                matched_by: r.matched_by.clone(),
                from: r.from_addr.clone(),
                subject: r.subject.clone(),
                quality: r
                    .quality
                    .as_deref()
                    .and_then(|q| serde_json::from_str(q).ok()),
            })
            .collect();
        let first = |class: ReplyClass| {
            replies
                .iter()
                .find(|r| r.class == class)
                .map(|r| r.arrived_at.clone())
        };
        let mut probe = ProbeStatus {
            id: p.id,
            to: p.to_addr,
            scenario_title: scenarios
                .iter()
                .find(|s| s.id == p.scenario)
                .map(|s| s.title.clone())
                .unwrap_or_default(),
            scenario: p.scenario,
            state: p.state,
            send_after: p.send_after,
            sent_at: p.sent_at,
            attempts: p.attempts,
            failure: p.failure,
            // As of `as_of`: a bounce that came later does not count yet.
            bounced: replies.iter().any(|r| r.class == ReplyClass::Bounce),
            first_ack_at: first(ReplyClass::Ack),
            first_human_at: first(ReplyClass::Human),
            ack_delay_hours: None,
            human_delay_hours: None,
            business_hours_delay: None,
            ack_business_hours_delay: None,
            outcome: Outcome::NotSent,
            replies,
        };
        let sent = probe.sent_at.as_deref().and_then(parse);
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
        probes.push(probe);
    }
    let waiting_until = waiting_until(&probes, deadline_hours, as_of, &calendar);
    Ok(CampaignStatus {
        id: campaign,
        shop: record.shop_host,
        created_at: record.created_at,
        deadline_hours,
        promise_hours: record.promise_hours,
        promise_business_hours: record.promise_business,
        probes,
        waiting_until,
    })
}

/// When the last waiting probe settles: its deadline after it was sent (or after it is due to leave, for one not
/// sent yet, never before `as_of`), in the shop's time zone. None when nothing waits.
fn waiting_until(
    probes: &[ProbeStatus],
    deadline_hours: f64,
    as_of: jiff::Timestamp,
    calendar: &clock::Calendar,
) -> Option<String> {
    let deadline = jiff::SignedDuration::from_secs((deadline_hours * 3600.0) as i64);
    probes
        .iter()
        .filter(|p| p.is_waiting())
        .filter_map(|p| {
            let from = match p.sent_at.as_deref() {
                Some(sent) => sent.parse::<jiff::Timestamp>().ok()?,
                None => p.send_after.parse::<jiff::Timestamp>().ok()?.max(as_of),
            };
            from.checked_add(deadline).ok()
        })
        .max()
        .map(|t| {
            t.to_zoned(calendar.tz.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
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
    store: &(impl CampaignStore + ?Sized),
    campaign: i64,
) -> Result<Option<std::path::PathBuf>, CampaignError> {
    Ok(store
        .campaign(campaign)?
        .and_then(|c| c.audit_path)
        .map(std::path::PathBuf::from))
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

/// When the probes still waiting for their time will leave (planned, not sent yet), earliest first.
pub fn waiting(
    store: &(impl CampaignStore + ?Sized),
    campaign: i64,
) -> Result<Vec<String>, CampaignError> {
    Ok(store.waiting_probes(campaign)?)
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
            waiting_until: None,
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

    #[test]
    fn the_default_schedule_spreads_probes_over_days_at_customer_hours() {
        let calendar = clock::Calendar::for_country(Some("FR"));
        let start: jiff::Timestamp = "2026-11-30T22:50:00Z".parse().unwrap();
        let times = scheduled(start, 4, &calendar, &mut Draw(42));
        assert_eq!(
            times,
            scheduled(start, 4, &calendar, &mut Draw(42)),
            "same seed, same plan"
        );
        let local: Vec<jiff::Zoned> = times
            .iter()
            .map(|t| t.to_zoned(calendar.tz.clone()))
            .collect();
        let mut previous = start.to_zoned(calendar.tz.clone()).date();
        for at in &local {
            let gap = (at.date() - previous).get_days();
            assert!((1..=2).contains(&gap), "{at} a day or two after {previous}");
            let minutes = at.hour() as i32 * 60 + at.minute() as i32;
            assert!((8 * 60 + 30..21 * 60 + 30).contains(&minutes), "{at}");
            previous = at.date();
        }
        assert_ne!(times, scheduled(start, 4, &calendar, &mut Draw(43)));
    }

    #[test]
    fn a_campaign_waits_until_its_last_waiting_probe_settles() {
        let calendar = clock::Calendar::for_country(Some("FR"));
        let as_of: jiff::Timestamp = "2026-11-14T12:00:00Z".parse().unwrap();
        let mut planned = probe(Outcome::NotSent, None);
        planned.state = ProbeState::Planned;
        planned.sent_at = None;
        planned.send_after = "2026-11-16T08:00:00Z".into();
        let probes = vec![
            probe(Outcome::Answered, Some(3.0)),
            probe(Outcome::Pending, None),
        ];
        assert_eq!(
            waiting_until(&probes, 168.0, as_of, &calendar).as_deref(),
            Some("2026-11-20T17:00:00+01:00"),
            "sent 13 Nov 16:00 UTC, seven days on, in Paris"
        );
        let mut with_planned = probes.clone();
        with_planned.push(planned);
        assert_eq!(
            waiting_until(&with_planned, 168.0, as_of, &calendar).as_deref(),
            Some("2026-11-23T09:00:00+01:00"),
            "one not sent yet: from its send time"
        );
        let settled = vec![
            probe(Outcome::Answered, Some(3.0)),
            probe(Outcome::NoAnswer, None),
        ];
        assert_eq!(waiting_until(&settled, 168.0, as_of, &calendar), None);
    }

    #[test]
    fn a_plan_is_drawn_from_its_seed_alone() {
        let audit: AuditResult =
            serde_json::from_str(include_str!("../../tests/data/minimal-audit.json")).unwrap();
        let settings = MailSettings {
            from: "Marie Dupont <marie@persona.example>".parse().unwrap(),
            smtp: None,
            imap: None,
            plus_addressing: true,
            ca_pem: None,
        };
        let all = scenario::load(None).unwrap();
        let request = StartRequest {
            audit: &audit,
            audit_path: None,
            to: &[],
            scenarios: all.iter().collect(),
            spread_hours: None,
            planned_at: "2026-11-30T10:00:00Z".parse().unwrap(),
            at: Vec::new(),
            max_probes: 10,
            deadline_days: 7.0,
            new: false,
        };
        let seed = campaign_seed("atelier.example", "marie@persona.example", 0);
        let once = plan(&request, &settings, seed).unwrap();
        let again = plan(&request, &settings, seed).unwrap();
        let bytes = |p: &[PlannedProbe]| -> Vec<Vec<u8>> {
            p.iter()
                .map(|p| mail::submitted_bytes(&p.message(&settings, Some("FR")).unwrap()))
                .collect()
        };
        assert_eq!(
            bytes(&once),
            bytes(&again),
            "the same e-mails, byte for byte"
        );
        let next = plan(
            &request,
            &settings,
            campaign_seed("atelier.example", "marie@persona.example", 1),
        )
        .unwrap();
        assert!(once
            .iter()
            .zip(&next)
            .all(|(a, b)| a.token != b.token && a.message_id != b.message_id));
        let tags: std::collections::BTreeSet<_> = once.iter().map(|p| p.reply_to.clone()).collect();
        assert_eq!(tags.len(), once.len(), "a plus address per probe: {tags:?}");
    }
}
