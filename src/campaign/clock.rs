//! The business clock: how long a shop took to answer, counted only while it is open — its published opening hours
//! (or a default week), in its time zone, with its country's public holidays off (`checks/calendars.toml`).

use std::collections::BTreeMap;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Deserialize;

use crate::facts::hours::DAYS;

const BUNDLED_CALENDARS: &str = include_str!("../../checks/calendars.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarSpec {
    tz: String,
    fixed: Vec<String>,
    easter: Vec<i64>,
}

/// A country's time zone and holidays.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub tz: TimeZone,
    /// (month, day).
    fixed: Vec<(i8, i8)>,
    easter_offsets: Vec<i64>,
}

impl Calendar {
    /// The country's calendar; UTC without holidays when the country is unknown or not listed.
    pub fn for_country(country: Option<&str>) -> Calendar {
        let specs: BTreeMap<String, CalendarSpec> =
            toml::from_str(BUNDLED_CALENDARS).expect("the bundled calendars are valid");
        country
            .and_then(|c| specs.get(&c.to_ascii_uppercase()))
            .and_then(|spec| {
                let tz = TimeZone::get(&spec.tz).ok()?;
                let fixed = spec
                    .fixed
                    .iter()
                    .filter_map(|d| {
                        let (m, day) = d.split_once('-')?;
                        Some((m.parse().ok()?, day.parse().ok()?))
                    })
                    .collect();
                Some(Calendar {
                    tz,
                    fixed,
                    easter_offsets: spec.easter.clone(),
                })
            })
            .unwrap_or(Calendar {
                tz: TimeZone::UTC,
                fixed: Vec::new(),
                easter_offsets: Vec::new(),
            })
    }

    pub fn is_holiday(&self, date: Date) -> bool {
        if self.fixed.contains(&(date.month(), date.day())) {
            return true;
        }
        let easter = easter_sunday(date.year());
        self.easter_offsets.iter().any(|offset| {
            easter
                .checked_add(jiff::Span::new().days(*offset))
                .is_ok_and(|d| d == date)
        })
    }
}

/// Easter Sunday (Gregorian), by the anonymous algorithm (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, month as i8, day as i8).expect("a valid date")
}

/// Opening ranges per weekday (Monday first), local times.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Week(pub [Vec<(Time, Time)>; 7]);

fn parse_range(range: &str) -> Option<(Time, Time)> {
    let (open, close) = range.split_once('-')?;
    let time = |t: &str| -> Option<Time> {
        let (h, m) = t.trim().split_once(':')?;
        let h: i8 = h.parse().ok()?;
        let m: i8 = m.parse().ok()?;
        if h == 24 && m == 0 {
            return Some(Time::MAX);
        }
        Time::new(h, m, 0, 0).ok()
    };
    let (open, close) = (time(open)?, time(close)?);
    // A range past midnight ("22:00-02:00") counts until midnight on its own day.
    Some((open, if close <= open { Time::MAX } else { close }))
}

impl Week {
    /// From the audit's `opening_hours.week` (`{"monday": ["09:00-12:00", "14:00-18:00"], ...}`).
    pub fn from_audit(week: &BTreeMap<String, Vec<String>>) -> Week {
        let mut out = Week::default();
        for (i, day) in DAYS.iter().enumerate() {
            out.0[i] = week
                .get(*day)
                .map(|ranges| ranges.iter().filter_map(|r| parse_range(r)).collect())
                .unwrap_or_default();
        }
        out
    }

    /// From the config's `"mon-fri 09:00-18:00; sat 10:00-12:00"`.
    pub fn parse(spec: &str) -> Result<Week, String> {
        let short = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let index = |d: &str| {
            short
                .iter()
                .position(|s| *s == d.trim().to_ascii_lowercase())
        };
        let mut out = Week::default();
        for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (days, ranges) = part.split_once(' ').ok_or_else(|| {
                format!("{part:?}: write days then hours, like mon-fri 09:00-18:00")
            })?;
            let (first, last) = match days.split_once('-') {
                Some((a, b)) => (index(a), index(b)),
                None => (index(days), index(days)),
            };
            let (Some(first), Some(last)) = (first, last) else {
                return Err(format!(
                    "{days:?}: days are mon, tue, wed, thu, fri, sat, sun"
                ));
            };
            for range in ranges.split(',') {
                let range =
                    parse_range(range).ok_or_else(|| format!("{range:?}: write 09:00-18:00"))?;
                for day in first..=last {
                    out.0[day].push(range);
                }
            }
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }
}

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
