//! Scheduled re-audits: when a schedule's runs fall due (`--every 30d`, or a five-field cron expression read in the
//! shop's time zone), and which run a pass queues after a machine was off. The queueing itself is the store's
//! ([`crate::store::ScheduleStore`]): a run due at one instant is queued once, whoever asks.

use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::store::{instant_text, ScheduleRecord, ScheduleStore, StoreResult};

/// How often a schedule runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Cadence {
    /// Every this many seconds from the first run.
    Every(i64),
    /// A cron expression (`minute hour day-of-month month day-of-week`), in a time zone.
    Cron(String),
}

/// A cadence that cannot be used, said in the words of the flag.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CadenceError {
    #[error("--every {0:?}: give a number and a unit, such as 30d, 12h, 2w or 90m (at least 1h)")]
    Every(String),
    #[error("--cron {0:?}: {1}")]
    Cron(String, String),
    #[error("--tz {0:?}: not a time zone (Europe/Paris, America/Montreal...)")]
    TimeZone(String),
}

/// Runs closer than this hammer a shop and flood the consultant's mailbox.
const SHORTEST_PERIOD: i64 = 3600;

impl Cadence {
    /// `30d`, `12h`, `2w`, `90m`.
    pub fn every(text: &str) -> Result<Cadence, CadenceError> {
        let bad = || CadenceError::Every(text.to_string());
        let text_trimmed = text.trim();
        let split = text_trimmed
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(bad)?;
        let (number, unit) = text_trimmed.split_at(split);
        let number: i64 = number.parse().map_err(|_| bad())?;
        let unit_seconds = match unit.trim() {
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => return Err(bad()),
        };
        let seconds = number.checked_mul(unit_seconds).ok_or_else(bad)?;
        // Ten years at most: beyond, a schedule is a mistake, and instants stay far from jiff's bounds.
        if !(SHORTEST_PERIOD..=10 * 366 * 86_400).contains(&seconds) {
            return Err(bad());
        }
        Ok(Cadence::Every(seconds))
    }

    /// A standard five-field expression (`0 6 1 * *`: 06:00 on the 1st of each month).
    pub fn cron(text: &str) -> Result<Cadence, CadenceError> {
        let fields = text.split_whitespace().count();
        if fields != 5 {
            return Err(CadenceError::Cron(
                text.to_string(),
                format!("five fields (minute hour day month weekday), not {fields}"),
            ));
        }
        let cadence = Cadence::Cron(text.split_whitespace().collect::<Vec<_>>().join(" "));
        cadence
            .compiled()
            .map_err(|e| CadenceError::Cron(text.to_string(), e))?;
        Ok(cadence)
    }

    /// The cron crate reads seconds first: a five-field expression runs at second 0.
    fn compiled(&self) -> Result<jiff_cron::Schedule, String> {
        match self {
            Cadence::Cron(expression) => {
                jiff_cron::Schedule::from_str(&format!("0 {expression}")).map_err(|e| e.to_string())
            }
            Cadence::Every(_) => Err("not a cron expression".into()),
        }
    }

    pub fn of(record: &ScheduleRecord) -> Option<Cadence> {
        match (&record.every_seconds, &record.cron) {
            (Some(seconds), _) => Some(Cadence::Every(*seconds)),
            (None, Some(expression)) => Some(Cadence::Cron(expression.clone())),
            (None, None) => None,
        }
    }

    /// The first run strictly after `after`.
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        match self {
            Cadence::Every(seconds) => after.checked_add(SignedDuration::from_secs(*seconds)).ok(),
            Cadence::Cron(_) => {
                let schedule = self.compiled().ok()?;
                let zoned = after.to_zoned(tz.clone());
                schedule.after(zoned).next().map(|z| z.timestamp())
            }
        }
    }

    /// The runs of a schedule whose next run was `next` as seen at `now`: the latest run due (the one to queue:
    /// the runs a machine that was off missed before it are not made up, only the last), and the run after `now`.
    pub fn catch_up(
        &self,
        next: Timestamp,
        now: Timestamp,
        tz: &TimeZone,
    ) -> Option<(Timestamp, Timestamp)> {
        if next > now {
            return None;
        }
        match self {
            Cadence::Every(seconds) => {
                let missed = (now.as_second() - next.as_second()) / seconds;
                let due = next
                    .checked_add(SignedDuration::from_secs(missed * seconds))
                    .ok()?;
                Some((due, self.next_after(due, tz)?))
            }
            Cadence::Cron(_) => {
                let schedule = self.compiled().ok()?;
                let mut due = next;
                // Bounded: a minutely expression over a year off is half a million steps; past the bound the run
                // is queued as due now.
                for following in schedule.after(next.to_zoned(tz.clone())).take(1_000_000) {
                    let at = following.timestamp();
                    if at > now {
                        return Some((due, at));
                    }
                    due = at;
                }
                Some((now, self.next_after(now, tz)?))
            }
        }
    }
}

/// A time zone by its IANA name.
pub fn time_zone(name: &str) -> Result<TimeZone, CadenceError> {
    TimeZone::get(name).map_err(|_| CadenceError::TimeZone(name.to_string()))
}

/// What a scheduled run does, kept with the schedule as JSON: the audit's options, the campaign after it, who gets
/// the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    /// Where each run's folder goes (`<folder>/<host>-<date>`).
    pub out_root: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pages: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_lang: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<String>,
    /// A rule pack folder replacing the bundled one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<String>,
    /// A mystery-shopper campaign starts from each run's audit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<CampaignPlan>,
    /// Who gets each run's report by e-mail (the campaign's SMTP settings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report_to: Vec<String>,
}

/// When a scheduled campaign's probes leave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignPlan {
    /// Moments of the shop's week (`fri-19:00`), taken in turn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_hours: Option<f64>,
}

/// Queues the runs due at `now`: for each schedule due, its latest due run, once (another process may queue it
/// first: then this one does nothing). Returns the jobs queued by this call.
pub fn enqueue_due(
    store: &mut (impl ScheduleStore + ?Sized),
    now: Timestamp,
) -> StoreResult<Vec<i64>> {
    let mut queued = Vec::new();
    for schedule in store.due_schedules(now)? {
        let (Some(cadence), Ok(next)) = (
            Cadence::of(&schedule),
            schedule.next_due_at.parse::<Timestamp>(),
        ) else {
            continue;
        };
        let tz = time_zone(&schedule.time_zone).unwrap_or(TimeZone::UTC);
        let Some((due, following)) = cadence.catch_up(next, now, &tz) else {
            continue;
        };
        if let Some(job) = store.enqueue_due(
            schedule.id,
            &schedule.next_due_at,
            &instant_text(due),
            &instant_text(following),
        )? {
            queued.push(job);
        }
    }
    Ok(queued)
}

/// The consultant's e-mail of a scheduled audit: the score and its change in the subject, what changed in the
/// body (from the audit's own `history`), the report attached.
pub struct ReportMail {
    pub subject: String,
    pub body: String,
}

/// Subject and body for `result`, written to `folder`.
pub fn report_mail(result: &crate::result::AuditResult, folder: &str) -> ReportMail {
    let score = |s: Option<f64>| s.map(|s| format!("{s:.0}")).unwrap_or_else(|| "–".into());
    let now = result.scores.overall;
    let previous = result.history.as_ref().and_then(|h| h.earlier.last());
    let change = match (previous.and_then(|p| p.score), now) {
        (Some(then), Some(now)) => {
            let delta = (now - then).round();
            let since = previous
                .map(|p| {
                    p.finished_at
                        .get(..10)
                        .unwrap_or(&p.finished_at)
                        .to_string()
                })
                .unwrap_or_default();
            format!(
                " ({}{delta:.0} since {since})",
                if delta >= 0.0 { "+" } else { "" }
            )
        }
        _ => String::new(),
    };
    let grade = result
        .scores
        .grade
        .as_deref()
        .map(|g| format!(", grade {g}"))
        .unwrap_or_default();
    // The shop as the history names it: two shops on one host differ by their port.
    let shop = crate::target::shop_of(&result.target);
    let subject = format!(
        "{shop}: score {}{change}{grade} — scheduled audit",
        score(now)
    );
    let mut body = format!(
        "Scheduled audit of {shop} ({}), finished {}: {} HTML pages read, score {}{grade}.\n",
        result.target.start_url,
        result.finished_at,
        result.crawl.counts.html_pages,
        score(now)
    );
    match &result.history {
        None => body.push_str("\nThe first audit of this shop in the history.\n"),
        Some(history) => {
            let title = |id: &str| {
                result
                    .checks
                    .iter()
                    .find(|c| c.id == id)
                    .and_then(|c| c.rule.title.get("en").cloned())
                    .unwrap_or_else(|| id.to_string())
            };
            body.push_str(&format!(
                "\nWhat changed since the last audit ({}), both judged with {}:\n",
                previous.map(|p| p.finished_at.as_str()).unwrap_or_default(),
                history.rule_pack
            ));
            let mut any = false;
            for (kind, label) in [("fixed", "Fixed"), ("regressed", "Worse")] {
                for change in history.changes.iter().filter(|c| c.change == kind) {
                    body.push_str(&format!("  {label}: {}\n", title(&change.id)));
                    any = true;
                }
            }
            if !any {
                body.push_str("  No rule changed its status.\n");
            }
        }
    }
    body.push_str(&format!(
        "\nThe report is attached; the audit's folder is {folder}.\n"
    ));
    ReportMail { subject, body }
}

/// The e-mail itself: from the auditor's address (the campaign's settings), the report attached as HTML.
pub fn report_message(
    settings: &crate::campaign::mail::MailSettings,
    to: &[String],
    mail: &ReportMail,
    report_html: Vec<u8>,
) -> Result<lettre::Message, String> {
    use lettre::message::{header::ContentType, Attachment, MultiPart, SinglePart};
    let mut builder = lettre::Message::builder()
        .from(settings.from.clone())
        .subject(mail.subject.clone());
    for address in to {
        builder = builder.to(address
            .parse()
            .map_err(|e| format!("recipient {address:?}: {e}"))?);
    }
    let html_type = ContentType::parse("text/html; charset=utf-8").map_err(|e| e.to_string())?;
    builder
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(mail.body.clone()))
                .singlepart(Attachment::new("report.html".into()).body(report_html, html_type)),
        )
        .map_err(|e| format!("cannot build the e-mail: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn periods_read_as_written_and_bounded() {
        assert_eq!(Cadence::every("30d"), Ok(Cadence::Every(30 * 86_400)));
        assert_eq!(Cadence::every("2w"), Ok(Cadence::Every(14 * 86_400)));
        assert_eq!(Cadence::every("90m"), Ok(Cadence::Every(5400)));
        for bad in [
            "",
            "30",
            "d",
            "5m",
            "30 days",
            "99999999999999999999d",
            "-3d",
            "4000w",
        ] {
            assert!(Cadence::every(bad).is_err(), "{bad:?}");
        }
        assert!(Cadence::cron("0 6 1 * *").is_ok());
        assert!(Cadence::cron("0 6 1 *").is_err());
        assert!(Cadence::cron("0 25 1 * *").is_err());
    }

    #[test]
    fn a_machine_off_for_three_periods_runs_the_last_missed_run_once() {
        let every = Cadence::Every(30 * 86_400);
        let tz = TimeZone::UTC;
        let next = t("2026-01-01T06:00:00Z");
        // Off from before the first run until three and a half periods later.
        let (due, following) = every
            .catch_up(next, t("2026-04-16T00:00:00Z"), &tz)
            .unwrap();
        assert_eq!(due, t("2026-04-01T06:00:00Z"), "1 January + 3 × 30 days");
        assert_eq!(following, t("2026-05-01T06:00:00Z"));
        assert_eq!(every.catch_up(next, t("2025-12-31T23:59:59Z"), &tz), None);
        assert_eq!(
            every.catch_up(next, next, &tz).unwrap().0,
            next,
            "due at its instant"
        );
    }

    #[test]
    fn cron_runs_in_the_shops_time_zone() {
        let monthly = Cadence::cron("0 6 1 * *").unwrap();
        let paris = time_zone("Europe/Paris").unwrap();
        // 06:00 in Paris is 05:00 UTC in winter, 04:00 in summer.
        let after = t("2026-01-15T00:00:00Z");
        assert_eq!(
            monthly.next_after(after, &paris),
            Some(t("2026-02-01T05:00:00Z"))
        );
        assert_eq!(
            monthly.next_after(t("2026-06-15T00:00:00Z"), &paris),
            Some(t("2026-07-01T04:00:00Z"))
        );
        // Off from 1 February to mid-May: the May run is the one queued, then June's.
        let (due, following) = monthly
            .catch_up(t("2026-02-01T05:00:00Z"), t("2026-05-20T00:00:00Z"), &paris)
            .unwrap();
        assert_eq!(
            (due, following),
            (t("2026-05-01T04:00:00Z"), t("2026-06-01T04:00:00Z"))
        );
    }
}
