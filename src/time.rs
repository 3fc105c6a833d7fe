//! The instant audits, judgements and schedules are dated by. `CXAUDIT_TEST_NOW` (RFC 3339, a test hook like
//! `CXAUDIT_FAILPOINT`) sets where this process's clock starts; it then runs at the real pace, so a test can audit
//! "a month later" without waiting a month, and an audit still lasts what it lasts.

use std::sync::OnceLock;
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

/// (the instant the process's clock started at, when it started).
fn origin() -> Option<(Timestamp, Instant)> {
    static ORIGIN: OnceLock<Option<(Timestamp, Instant)>> = OnceLock::new();
    *ORIGIN.get_or_init(|| {
        let start = std::env::var("CXAUDIT_TEST_NOW").ok()?.parse().ok()?;
        Some((start, Instant::now()))
    })
}

pub fn now() -> Timestamp {
    match origin() {
        Some((start, at)) => {
            let elapsed = SignedDuration::try_from(at.elapsed()).unwrap_or(SignedDuration::ZERO);
            start.checked_add(elapsed).unwrap_or(start)
        }
        None => Timestamp::now(),
    }
}

/// Today, in the machine's time zone, by [`now`].
pub fn today() -> jiff::civil::Date {
    now().to_zoned(jiff::tz::TimeZone::system()).date()
}

/// `2026-12-01T15:02:49Z`: RFC 3339, UTC, to the second, as `audit.json` and the store write instants.
pub fn now_text() -> String {
    now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_real_clock_without_the_hook() {
        // The hook is not set in unit tests: the clock is the machine's.
        let before = jiff::Timestamp::now();
        let now = super::now();
        assert!(now >= before && now <= jiff::Timestamp::now());
    }
}
