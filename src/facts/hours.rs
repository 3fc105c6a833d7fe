//! Opening hours written in prose ("du lundi au vendredi de 9h à 18h", "Samedi : 10h00 - 12h30 / 14h - 19h",
//! "Mon-Fri 9am-5pm", "7j/7, 24h/24"), read into a weekly table. Days and times are found on the folded text of
//! a line; the times that follow a day expression (or precede it, "de 9h à 18h du lundi au vendredi") are its
//! hours. Lines about delivery ("livraison du lundi au vendredi") are not opening hours.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::facts::lexicon::fold;

pub use crate::result::DAYS;

/// Opening ranges per day, Monday first, in minutes since midnight.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours(pub [Vec<(u16, u16)>; 7]);

impl WeeklyHours {
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    pub fn days_open(&self) -> usize {
        self.0.iter().filter(|d| !d.is_empty()).count()
    }

    /// Latest closing time over the week, in minutes.
    pub fn latest_close(&self) -> Option<u16> {
        self.0.iter().flatten().map(|r| r.1).max()
    }

    pub fn weekend(&self) -> bool {
        !self.0[5].is_empty() || !self.0[6].is_empty()
    }

    /// `{"monday": ["09:00-18:00"], ...}`, closed days as empty lists.
    pub fn table(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        DAYS.iter()
            .zip(self.0.iter())
            .map(|(day, ranges)| {
                (
                    day.to_string(),
                    ranges
                        .iter()
                        .map(|(a, b)| {
                            format!(
                                "{:02}:{:02}-{:02}:{:02}",
                                a / 60,
                                a % 60,
                                (b / 60) % 24,
                                b % 60
                            )
                        })
                        .collect(),
                )
            })
            .collect()
    }

    /// Adds another table's ranges (hours stated in the footer and on the contact page).
    pub fn merge(&mut self, other: &WeeklyHours) {
        for (day, ranges) in other.0.iter().enumerate() {
            for range in ranges {
                self.add(day, *range);
            }
        }
    }

    fn add(&mut self, day: usize, range: (u16, u16)) {
        if !self.0[day].contains(&range) {
            self.0[day].push(range);
            self.0[day].sort();
        }
    }
}

fn day_index(word: &str) -> Option<usize> {
    const NAMES: [&[&str]; 7] = [
        &[
            "lundi",
            "lun",
            "monday",
            "mon",
            "montag",
            "maandag",
            "lunes",
            "lunedi",
            "pazartesi",
        ],
        &[
            "mardi", "mar", "tuesday", "tue", "tues", "dienstag", "dinsdag", "martes", "martedi",
            "sali",
        ],
        &[
            "mercredi",
            "mer",
            "wednesday",
            "wed",
            "mittwoch",
            "woensdag",
            "miercoles",
            "mercoledi",
            "carsamba",
        ],
        &[
            "jeudi",
            "jeu",
            "thursday",
            "thu",
            "thur",
            "thurs",
            "donnerstag",
            "donderdag",
            "jueves",
            "giovedi",
            "persembe",
        ],
        &[
            "vendredi", "ven", "friday", "fri", "freitag", "vrijdag", "viernes", "venerdi", "cuma",
        ],
        &[
            "samedi",
            "sam",
            "saturday",
            "sat",
            "samstag",
            "zaterdag",
            "sabado",
            "sabato",
            "cumartesi",
        ],
        &[
            "dimanche", "dim", "sunday", "sun", "sonntag", "zondag", "domingo", "domenica", "pazar",
        ],
    ];
    NAMES.iter().position(|names| names.contains(&word))
}

const DAY_WORD: &str = r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|lunes|martes|miercoles|jueves|viernes|sabado|domingo|lunedi|martedi|mercoledi|giovedi|venerdi|sabato|domenica|pazartesi|sali|carsamba|persembe|cumartesi|cuma|pazar|lun|mar|mer|jeu|ven|sam|dim|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun";

/// German and Dutch two-letter days ("Mo–Fr", "ma t/m za"), read only as the two ends of a range: alone, "sa",
/// "ma" or "do" are words of other languages.
static ABBREVIATED_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[^a-z])(mo|di|mi|do|fr|sa|so|ma|wo|vr|za|zo)\.?\s*(?:-|–|bis|t/m)\s*(mo|di|mi|do|fr|sa|so|ma|wo|vr|za|zo)\.?(?:$|[^a-z])")
        .expect("valid regex")
});

/// `line` with each two-letter day range written in full ("mo-fr" → "montag-freitag").
fn expand_abbreviated_ranges(line: &str) -> String {
    let full = |abbreviation: &str| match abbreviation.to_ascii_lowercase().as_str() {
        "mo" => "montag",
        "di" => "dienstag",
        "mi" => "mittwoch",
        "do" => "donnerstag",
        "fr" => "freitag",
        "sa" => "samstag",
        "so" => "sonntag",
        "ma" => "maandag",
        "wo" => "woensdag",
        "vr" => "vrijdag",
        "za" => "zaterdag",
        _ => "zondag",
    };
    ABBREVIATED_RANGE
        .replace_all(line, |c: &regex::Captures| {
            let whole = &c[0];
            let (start, end) = (c.get(1).unwrap(), c.get(2).unwrap());
            let offset = c.get(0).unwrap().start();
            format!(
                "{}{}-{}{}",
                &whole[..start.start() - offset],
                full(start.as_str()),
                full(end.as_str()),
                &whole[end.end() - offset..]
            )
        })
        .into_owned()
}

/// A day range ("du lundi au vendredi", "mon-fri", "lundi à samedi") or a single day.
static DAY_SPEC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[^a-z])(?:du\s+|from\s+|von\s+|van\s+|de\s+|dal\s+)?({DAY_WORD})\.?(?:\s*(?:-|–|au|a|al|to|through|till|until|jusqu'au|bis|tot|t/m)\s*({DAY_WORD})\.?)?(?:$|[^a-z])"
    ))
    .expect("valid regex")
});

static EVERY_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^a-z0-9])(?:7\s?j\s?/\s?7|7\s?jours\s?(?:sur|/)\s?7|tous les jours|7 days a week|open daily|every day|24/7)(?:$|[^a-z0-9])")
        .expect("valid regex")
});

static ALL_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^0-9])(?:24\s?h\s?/\s?24|24\s?h(?:eures)?\s?sur\s?24|24/7|24 hours)(?:$|[^0-9])",
    )
    .expect("valid regex")
});

/// "9h-18h", "9h00 à 12h30", "09:00 - 18:00", "9am-5pm", "de 14h a 19h", "10h/13h".
static TIME_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^0-9])(2[0-4]|[01]?[0-9])\s*(?:(h|:|\.)\s*([0-5][0-9])?)?\s?(am|pm)?\s*(?:-|–|a|à|to|until|till|jusqu'a|/|bis|tot|alle|a las)\s*(2[0-4]|[01]?[0-9])\s*(?:(h|:|\.)\s*([0-5][0-9])?)?\s?(am|pm)?(\s?(?:uhr|uur|ore)(?-u:\b))?",
    )
    .expect("valid regex")
});

/// Words saying a line is about reaching or visiting the shop.
static SERVICE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"service|client|joign|disponible|ouvert|horaire|accueil|hotline|assistance|support|contact|appel|telephon|magasin|boutique|open|call|reach|available|store|shop|geoffnet|offnungszeit|erreichbar|telefon|laden|geschaft|kunden|openingstijd|geopend|bereikbaar|winkel|klant|horario|abierto|atencion|tienda|orari|aperto|negozio|servizio|ufficio")
        .expect("valid regex")
});

/// Words of an answer to a message: "réponse 24h/24" is a promise about e-mails, not hours someone can be reached.
static ANSWER_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"repon|repond|reply|replies|respond|answer|antwort|antwoord|respuesta|risposta|rispond|contest|traite")
        .expect("valid regex")
});

/// Words of being reachable or open, which an all-day line needs beside answer words to count as hours.
static REACHABLE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"joign|ouvert|open|appel|call|telephon|hotline|disponible|available|accueil|magasin|store|geoffnet|erreichbar|telefon|geopend|bereikbaar|abierto|aperto",
    )
    .expect("valid regex")
});

/// Lines about delivery or returns: their days are not opening hours.
static NOT_OPENING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"livr|expedi|exped|deliver|dispatch|shipping|colis|envoi|retour|courrier|depot|preparation|accessible|le site|du site|site internet|en ligne|online|website|lieferung|versand|zustellung|levering|bezorg|verzend|envio|entrega|spedizion|consegna")
        .expect("valid regex")
});

fn minutes(hour: &str, minute: Option<&str>, meridiem: Option<&str>) -> Option<u16> {
    let mut h: u16 = hour.parse().ok()?;
    let m: u16 = minute.map(|m| m.parse().unwrap_or(0)).unwrap_or(0);
    match meridiem {
        Some("pm") if h < 12 => h += 12,
        Some("am") if h == 12 => h = 0,
        _ => {}
    }
    (h <= 24 && m < 60).then_some(h * 60 + m)
}

/// Time ranges in `line` with their byte spans.
fn time_ranges(line: &str) -> Vec<(usize, usize, (u16, u16))> {
    let mut out = Vec::new();
    for c in TIME_RANGE.captures_iter(line) {
        let has_unit = c.get(2).is_some()
            || c.get(4).is_some()
            || c.get(6).is_some()
            || c.get(8).is_some()
            || c.get(9).is_some();
        // "9.00" is a time, "9." the end of a sentence or a price's separator.
        let dot_without_minutes = (c.get(2).is_some_and(|m| m.as_str() == ".")
            && c.get(3).is_none())
            || (c.get(6).is_some_and(|m| m.as_str() == ".") && c.get(7).is_none());
        if !has_unit || dot_without_minutes {
            continue;
        }
        let end_meridiem = c.get(8).map(|m| m.as_str());
        let start_meridiem = c
            .get(4)
            .map(|m| m.as_str())
            .or(end_meridiem.filter(|_| c.get(2).is_none()));
        let (Some(a), Some(b)) = (
            minutes(&c[1], c.get(3).map(|m| m.as_str()), start_meridiem),
            minutes(&c[5], c.get(7).map(|m| m.as_str()), end_meridiem),
        ) else {
            continue;
        };
        // "00:00 - 00:00" (the same time twice) is how shop widgets write a closed day.
        if a == b {
            continue;
        }
        // Closing after midnight ("17h00 à 2h00"): the range runs into the next morning.
        let b = if b <= a && b <= 6 * 60 {
            b + 24 * 60
        } else {
            b
        };
        // "1h/2h" of a delivery is not opening hours.
        if b <= a || b - a < 60 {
            continue;
        }
        let whole = c.get(0).unwrap();
        out.push((whole.start(), whole.end(), (a, b)));
    }
    out
}

/// Lines, a short line naming days joined with the next when that one holds only times: tables and lists put
/// "Lundi - Vendredi" and "09h - 21h" in cells of their own.
fn joined_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let mergeable = |l: &str, next: &str| {
            l.len() <= 40
                && next.len() <= 40
                && next
                    .bytes()
                    .any(|b| b.is_ascii_digit() || b == b'F' || b == b'f' || b == b'C' || b == b'c')
        };
        if let Some(next) = lines.get(i + 1).filter(|next| mergeable(line, next)) {
            let (folded, next_folded) = (fold(line), fold(next));
            let days_only =
                line.len() <= 40 && DAY_SPEC.is_match(&folded) && time_ranges(&folded).is_empty();
            let times_only = next.len() <= 40
                && !DAY_SPEC.is_match(&next_folded)
                && (!time_ranges(&next_folded).is_empty()
                    || [
                        "ferme",
                        "closed",
                        "geschlossen",
                        "gesloten",
                        "cerrado",
                        "chiuso",
                    ]
                    .iter()
                    .any(|w| next_folded.contains(w)));
            if days_only && times_only {
                out.push(format!("{line} {next}"));
                i += 2;
                continue;
            }
        }
        out.push(line.to_string());
        i += 1;
    }
    out
}

/// The opening hours written on a page, with the line that states them.
/// A full day name, a range of abbreviated ones, or an every-day phrase: pages without one have no opening hours
/// ("mon panier" is not Monday).
static ANY_DAY: LazyLock<Regex> = LazyLock::new(|| {
    // Run on the raw text: case-insensitive, and any non-ASCII character stands for an accented letter
    // ("miércoles", "Salı"), so every folded day name still matches.
    let accents = |s: String| {
        s.replace("sali", "sal[iı]")
            .replace("carsamba", "[cç]ar[sş]amba")
            .replace("persembe", "per[sş]embe")
            .replace("miercoles", "mi[eé]rcoles")
            .replace("sabado", "s[aá]bado")
            .replace("lunedi", "luned[iì]")
            .replace("martedi", "marted[iì]")
            .replace("mercoledi", "mercoled[iì]")
            .replace("giovedi", "gioved[iì]")
            .replace("venerdi", "venerd[iì]")
    };
    Regex::new(&accents(format!(
        r"(?i)(?:^|[^a-z])(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|lunes|martes|miercoles|jueves|viernes|sabado|domingo|lunedi|martedi|mercoledi|giovedi|venerdi|sabato|domenica|pazartesi|sali|carsamba|persembe|cumartesi|cuma|pazar|(?:{DAY_WORD})\.?\s*(?:-|–|au|a|to)\s*(?:{DAY_WORD}))(?:$|[^a-z])|7\s?j\s?/\s?7|7\s?jours\s?(?:sur|/)\s?7|24\s?h\s?/\s?24|24\s?h(?:eures)?\s?sur\s?24|24/7|tous les jours|every day|daily|7 days"
    )))
    .expect("valid regex")
});

pub fn find(text: &str) -> Option<(WeeklyHours, String)> {
    // Folding a whole product page costs more than this guess: accented letters are matched by any non-ASCII char.
    if !ANY_DAY.is_match(text) && !ABBREVIATED_RANGE.is_match(text) {
        return None;
    }
    let mut week = WeeklyHours::default();
    let mut evidence = String::new();
    for raw_line in joined_lines(text) {
        let raw_line = raw_line.as_str();
        // Times and "24h/24" need digits: most lines of a product page are skipped here.
        if !raw_line.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        let line = expand_abbreviated_ranges(&fold(raw_line));
        if line.len() > 600 || NOT_OPENING.is_match(&line) {
            continue;
        }
        let times = time_ranges(&line);
        // "24/7" alone is a product claim ("un informaticien 24/7") unless the line is about reaching someone.
        let all_day = ALL_DAY.is_match(&line)
            && SERVICE_WORDS.is_match(&line)
            && line.len() <= 160
            && (!ANSWER_WORDS.is_match(&line) || REACHABLE_WORDS.is_match(&line));
        if times.is_empty() && !all_day {
            continue;
        }
        let mut specs: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for c in DAY_SPEC.captures_iter(&line) {
            let first = c.get(1).unwrap();
            let Some(from) = day_index(first.as_str()) else {
                continue;
            };
            let days = match c.get(2).and_then(|m| day_index(m.as_str())) {
                Some(to) if to >= from => (from..=to).collect(),
                Some(to) => (from..7).chain(0..=to).collect(),
                None => vec![from],
            };
            // Three-letter words ("mar", "sun") count only beside a time or another day.
            let short = first.as_str().len() <= 4 && c.get(2).is_none();
            specs.push((first.start(), c.get(0).unwrap().end(), days));
            if short
                && times
                    .iter()
                    .all(|t| t.0 > c.get(0).unwrap().end() + 12 || t.1 + 12 < first.start())
            {
                specs.pop();
            }
        }
        if EVERY_DAY.is_match(&line)
            && (!times.is_empty() || SERVICE_WORDS.is_match(&line) && line.len() <= 160)
        {
            specs.push((0, 0, (0..7).collect()));
        }
        if specs.is_empty() {
            continue;
        }
        let before = week.clone();
        for (i, (_, end, days)) in specs.iter().enumerate() {
            let next_start = specs.get(i + 1).map(|s| s.0).unwrap_or(usize::MAX);
            let mut ranges: Vec<(u16, u16)> = times
                .iter()
                .filter(|t| t.0 + 1 >= *end && t.0 < next_start)
                .map(|t| t.2)
                .collect();
            if ranges.is_empty() && i + 1 == specs.len() {
                // "de 9h à 18h du lundi au vendredi": the times come first.
                let previous_end = if i == 0 { 0 } else { specs[i - 1].1 };
                ranges = times
                    .iter()
                    .filter(|t| t.0 >= previous_end && t.1 <= specs[i].0 + 2)
                    .map(|t| t.2)
                    .collect();
            }
            if ranges.is_empty() && all_day {
                ranges.push((0, 24 * 60));
            }
            for day in days {
                for range in &ranges {
                    week.add(*day, *range);
                }
            }
        }
        if week != before && evidence.len() < 300 {
            if !evidence.is_empty() {
                evidence.push_str(" · ");
            }
            evidence.push_str(&raw_line.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    (!week.is_empty()).then_some((week, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Vec<String> {
        let (week, _) = find(text).unwrap_or_else(|| panic!("no hours found in {text:?}"));
        week.table()
            .into_iter()
            .map(|(d, r)| format!("{d} {}", r.join(",")))
            .collect()
    }

    #[test]
    fn french_ranges_and_split_days() {
        let t = table(
            "Horaires : du lundi au vendredi de 9h à 12h30 et de 14h à 18h\nSamedi : 10h00 - 19h00",
        );
        assert!(
            t.contains(&"monday 09:00-12:30,14:00-18:00".to_string()),
            "{t:?}"
        );
        assert!(
            t.contains(&"friday 09:00-12:30,14:00-18:00".to_string()),
            "{t:?}"
        );
        assert!(t.contains(&"saturday 10:00-19:00".to_string()), "{t:?}");
        assert!(t.contains(&"sunday ".to_string()), "{t:?}");
    }

    #[test]
    fn english_and_times_first() {
        let t = table("Call us Mon-Fri 9am-5pm");
        assert!(t.contains(&"tuesday 09:00-17:00".to_string()), "{t:?}");
        let t = table("Call 020 7946 0018, Mon–Fri 9am–5:30pm");
        assert!(t.contains(&"friday 09:00-17:30".to_string()), "{t:?}");
        let t = table("Notre service client vous répond de 8h à 20h du lundi au samedi.");
        assert!(t.contains(&"saturday 08:00-20:00".to_string()), "{t:?}");
        let (week, _) = find("Service client 7j/7 et 24h/24").unwrap();
        assert_eq!(week.days_open(), 7);
        assert!(week.weekend());
    }

    #[test]
    fn delivery_days_and_bare_words_are_not_hours() {
        assert!(find("Livraison du lundi au vendredi de 8h à 18h").is_none());
        assert!(find("Le mardi 12 mars, 2 articles à 15€").is_none());
        assert!(find("Mer et soleil, 10 ans de savoir-faire").is_none());
        assert!(find("Le Site est accessible en tout endroit, 7j/7, 24h/24").is_none());
        assert!(find("Imaginez avoir un informaticien à vos côtés 24/7.").is_none());
        // A promise about answers is not opening hours; a closed day written as a zero-length range is closed.
        assert!(find("Service client : réponse à vos e-mails 24h/24, 7j/7").is_none());
        assert!(find("Customer service: we reply to every message 24/7").is_none());
        assert!(find("Lundi : 00:00 - 00:00").is_none());
        let t = table("Lundi : 00:00 - 00:00\nMardi : 09:00 - 18:00");
        assert!(t.contains(&"monday ".to_string()), "{t:?}");
        // Reachable all day still counts.
        assert_eq!(
            find("Service client joignable 24h/24 et 7j/7 au 01 23 45 67 89")
                .unwrap()
                .0
                .days_open(),
            7
        );
        assert!(find("Imaginez avoir un informaticien à vos côtés 24/7. C'est exactement ce que propose la tablette, sans les frais, avec nos services d'assistance et de mise à jour compris pour toute la famille.").is_none());
    }

    #[test]
    fn days_and_times_in_cells_of_their_own() {
        let t = table(
            "Heures d'ouverture\nLundi - Vendredi\n09h - 21h\nSamedi\n10h - 18h\nDimanche\nFermé",
        );
        assert!(t.contains(&"wednesday 09:00-21:00".to_string()), "{t:?}");
        assert!(t.contains(&"saturday 10:00-18:00".to_string()), "{t:?}");
        assert!(t.contains(&"sunday ".to_string()), "{t:?}");
    }

    #[test]
    fn late_closing_and_other_languages() {
        let t = table("Du mardi au vendredi : 11h00 à 2h00\nSamedi : 17h00 à 2h00");
        assert!(t.contains(&"saturday 17:00-02:00".to_string()), "{t:?}");
        let (week, _) = find("Du mardi au vendredi : 11h00 à 2h00").unwrap();
        assert!(
            week.latest_close().unwrap() >= 19 * 60,
            "closing at 2 a.m. is evening opening"
        );
        let t = table("Salı 12:00 – 21:00\nPazar 12:00 – 21:00");
        assert!(t.contains(&"sunday 12:00-21:00".to_string()), "{t:?}");
        assert!(t.contains(&"tuesday 12:00-21:00".to_string()), "{t:?}");
    }

    #[test]
    fn german_dutch_spanish_and_italian_hours() {
        let t = table("Öffnungszeiten: Montag bis Freitag 9.00 - 18.00 Uhr");
        assert!(t.contains(&"thursday 09:00-18:00".to_string()), "{t:?}");
        let t = table("Telefonisch erreichbar Mo-Fr von 8 bis 17 Uhr");
        assert!(t.contains(&"monday 08:00-17:00".to_string()), "{t:?}");
        let t = table("Openingstijden: maandag t/m vrijdag van 9 tot 17 uur");
        assert!(t.contains(&"wednesday 09:00-17:00".to_string()), "{t:?}");
        let t = table("Horario de atención: de lunes a viernes de 9:00 a 14:00");
        assert!(t.contains(&"friday 09:00-14:00".to_string()), "{t:?}");
        let t = table("Orari del negozio: dal lunedì al sabato dalle 9:30 alle 19:30");
        assert!(t.contains(&"saturday 09:30-19:30".to_string()), "{t:?}");
        assert!(find("Lieferung Montag bis Freitag von 8 bis 18 Uhr").is_none());
        assert!(find("Spedizione dal lunedì al venerdì dalle 9 alle 18").is_none());
    }
}
