//! The shop's week and calendar: its opening hours as times of day, its time zone and its country's public holidays
//! (`checks/calendars.toml`). The campaign's business clock counts with them; the rules ask whether the shop was
//! open at a moment (a chat seen "online" when nobody is there).

use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
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

impl Week {
    /// Whether the shop is open at `at` by these hours, in the calendar's time zone (a public holiday is closed).
    pub fn is_open_at(&self, at: Timestamp, calendar: &Calendar) -> bool {
        let local = at.to_zoned(calendar.tz.clone());
        if calendar.is_holiday(local.date()) {
            return false;
        }
        let day = local.weekday().to_monday_zero_offset() as usize;
        let time = local.time();
        self.0[day]
            .iter()
            .any(|(open, close)| *open <= time && time < *close)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_by_the_shops_hours_in_its_time_zone_and_closed_on_holidays() {
        let week = Week::parse("mon-fri 09:00-18:00").unwrap();
        let paris = Calendar::for_country(Some("FR"));
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // Tuesday 1 December 2026, 17:30 in Paris (16:30 UTC): open; 18:30 in Paris: closed.
        assert!(week.is_open_at(at("2026-12-01T16:30:00Z"), &paris));
        assert!(!week.is_open_at(at("2026-12-01T17:30:00Z"), &paris));
        // The same instant in UTC's reading is 16:30 either way; Paris's offset is what makes 17:30 closed.
        assert!(week.is_open_at(at("2026-12-01T17:30:00Z"), &Calendar::for_country(None)));
        // Sunday evening: closed. Friday 25 December (Christmas, a public holiday in France): closed all day.
        assert!(!week.is_open_at(at("2026-11-29T21:30:00Z"), &paris));
        assert!(!week.is_open_at(at("2026-12-25T10:00:00Z"), &paris));
    }
}
