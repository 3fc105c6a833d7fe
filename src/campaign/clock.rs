//! The business clock: how long a shop took to answer, counted only while it is open — its published opening hours
//! (or a default week), in its time zone, with its country's public holidays off (`checks/calendars.toml`).

use jiff::civil::{Time, Weekday};
use jiff::Timestamp;

pub use crate::facts::calendar::{easter_sunday, Calendar, Week};

/// A moment of the shop's week, "fri-19:00": when a probe should leave, in the shop's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekTime {
    /// Monday = 0.
    pub day: usize,
    pub time: Time,
}

impl std::str::FromStr for WeekTime {
    type Err = String;

    fn from_str(s: &str) -> Result<WeekTime, String> {
        let short = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let bad = || format!("{s:?}: write a day and a time, like fri-19:00");
        let (day, time) = s.split_once(['-', ' ']).ok_or_else(bad)?;
        let day = short
            .iter()
            .position(|d| *d == day.trim().to_ascii_lowercase())
            .ok_or_else(bad)?;
        let (h, m) = time.trim().split_once(':').ok_or_else(bad)?;
        let time = Time::new(
            h.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            0,
            0,
        )
        .map_err(|_| bad())?;
        Ok(WeekTime { day, time })
    }
}

impl std::fmt::Display for WeekTime {
    /// As it is written: `fri-19:00`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        write!(
            f,
            "{}-{:02}:{:02}",
            short[self.day.min(6)],
            self.time.hour(),
            self.time.minute()
        )
    }
}

impl WeekTime {
    /// The first such moment after `after`, in the calendar's time zone.
    pub fn next_after(&self, after: Timestamp, calendar: &Calendar) -> Timestamp {
        let mut date = after.to_zoned(calendar.tz.clone()).date();
        for _ in 0..8 {
            if weekday_index(date.weekday()) == self.day {
                if let Ok(zoned) = date.to_datetime(self.time).to_zoned(calendar.tz.clone()) {
                    if zoned.timestamp() > after {
                        return zoned.timestamp();
                    }
                }
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        after
    }
}

fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

/// Hours between `start` and `end` during which the shop was open.
pub fn business_hours(start: Timestamp, end: Timestamp, week: &Week, calendar: &Calendar) -> f64 {
    if end <= start || week.is_empty() {
        return 0.0;
    }
    let first = start.to_zoned(calendar.tz.clone()).date();
    let last = end.to_zoned(calendar.tz.clone()).date();
    let mut seconds = 0i64;
    let mut date = first;
    // Bounded: a reply a year late is a year late.
    for _ in 0..400 {
        if date > last {
            break;
        }
        if !calendar.is_holiday(date) {
            for (open, close) in &week.0[weekday_index(date.weekday())] {
                let at = |t: Time| {
                    date.to_datetime(t)
                        .to_zoned(calendar.tz.clone())
                        .map(|z| z.timestamp())
                };
                let (Ok(from), Ok(to)) = (at(*open), at(*close)) else {
                    continue;
                };
                let from = from.max(start);
                let to = to.min(end);
                if to > from {
                    seconds += to.as_second() - from.as_second();
                }
            }
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    seconds as f64 / 3600.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Date;
    use std::collections::BTreeMap;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn easter_is_right() {
        assert_eq!(easter_sunday(2025), Date::new(2025, 4, 20).unwrap());
        assert_eq!(easter_sunday(2026), Date::new(2026, 4, 5).unwrap());
        assert_eq!(easter_sunday(2024), Date::new(2024, 3, 31).unwrap());
    }

    #[test]
    fn the_clock_stops_at_night_on_sundays_and_on_holidays() {
        let week = Week::parse("mon-fri 09:00-18:00").unwrap();
        let france = Calendar::for_country(Some("FR"));
        // Friday 2026-03-06 17:00 Paris (16:00 UTC) → Monday 10:00 Paris (09:00 UTC): 1 h Friday + 1 h Monday.
        assert_eq!(
            business_hours(
                at("2026-03-06T16:00:00Z"),
                at("2026-03-09T09:00:00Z"),
                &week,
                &france
            ),
            2.0
        );
        // Easter Monday 2026-04-06 is a holiday: Friday 17:00 → Tuesday 10:00 is 1 h + 1 h.
        assert_eq!(
            business_hours(
                at("2026-04-03T15:00:00Z"),
                at("2026-04-07T08:00:00Z"),
                &week,
                &france
            ),
            2.0
        );
        // The shop's own hours: open Saturday morning.
        let mut published = BTreeMap::new();
        published.insert("saturday".to_string(), vec!["09:00-12:00".to_string()]);
        let saturday = Week::from_audit(&published);
        assert_eq!(
            business_hours(
                at("2026-03-06T16:00:00Z"),
                at("2026-03-09T09:00:00Z"),
                &saturday,
                &france
            ),
            3.0
        );
        // Summer time: 09:00 Paris is 07:00 UTC.
        assert_eq!(
            business_hours(
                at("2026-07-07T06:00:00Z"),
                at("2026-07-07T08:00:00Z"),
                &week,
                &france
            ),
            1.0
        );
    }

    #[test]
    fn a_send_time_is_the_next_one_in_the_shops_zone() {
        let france = Calendar::for_country(Some("FR"));
        let friday_evening: WeekTime = "fri-19:00".parse().unwrap();
        // Monday 2026-11-23 12:00 UTC → Friday 27th, 19:00 Paris = 18:00 UTC.
        assert_eq!(
            friday_evening.next_after(at("2026-11-23T12:00:00Z"), &france),
            at("2026-11-27T18:00:00Z")
        );
        // On Friday at 19:30 Paris, the next is a week later.
        assert_eq!(
            friday_evening.next_after(at("2026-11-27T18:30:00Z"), &france),
            at("2026-12-04T18:00:00Z")
        );
        assert!("friday at 7".parse::<WeekTime>().is_err());
    }

    #[test]
    fn a_bad_default_week_is_refused() {
        assert!(Week::parse("weekdays 9-18").is_err());
        assert_eq!(Week::parse("sat 10:00-12:00").unwrap().0[5].len(), 1);
    }
}
