//! Postcodes: the written formats of the countries the shops are in (and their neighbours), and France's
//! postcode–town pairs from the official base (`data/fr-postcodes.tsv.gz`, built by `data/fr-postcodes.py` from the
//! `codes-postaux` package of the Base Adresse Nationale: INSEE's Code officiel géographique and La Poste's routing
//! names), embedded compressed and read on first use.

use std::collections::HashMap;
use std::io::Read;
use std::sync::LazyLock;

use regex::Regex;

use crate::facts::lexicon::fold;

/// How a postcode is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Five digits: France, Monaco, Germany, Spain, Italy, Morocco, Algeria, Senegal.
    Five,
    /// Four digits: Belgium, Switzerland, Luxembourg, Austria, Denmark, South Africa, Tunisia.
    Four,
    /// Luxembourg's "L-1234".
    Lu,
    /// A country prefix and digits ("B-1000", "CH-1950", "F-75001", "D-10115").
    Prefixed(&'static str),
    /// "1012 AB".
    Nl,
    /// Outward and inward codes: "SW1A 1AA".
    Uk,
    /// "H3A 1T5".
    Ca,
    /// A state and a ZIP code: "IL 62704", "NY 10001-1234".
    Us,
}

impl Format {
    /// The one country that writes postcodes this way.
    pub fn only_country(self) -> Option<&'static str> {
        match self {
            Format::Lu => Some("LU"),
            Format::Prefixed(c) => Some(c),
            Format::Nl => Some("NL"),
            Format::Uk => Some("GB"),
            Format::Ca => Some("CA"),
            Format::Us => Some("US"),
            Format::Five | Format::Four => None,
        }
    }

    /// Countries whose postcodes are written this way.
    pub fn countries(self) -> &'static [&'static str] {
        match self {
            Format::Five => &[
                "FR", "MC", "DE", "ES", "IT", "MA", "DZ", "SN", "US", "FI", "EE", "HR",
            ],
            Format::Four => &[
                "BE", "CH", "LU", "AT", "DK", "NO", "ZA", "TN", "AU", "NZ", "HU", "SI",
            ],
            _ => &[],
        }
    }
}

/// The format of a prefixed code ("b" and "1000"), when the prefix and the digits agree.
pub fn prefixed(prefix: &str, digits: &str) -> Option<Format> {
    let (country, length) = match prefix {
        "f" | "fr" => ("FR", 5),
        "mc" => ("MC", 5),
        "b" | "be" => ("BE", 4),
        "ch" => ("CH", 4),
        "l" | "lu" => ("LU", 4),
        "a" | "at" => ("AT", 4),
        "d" | "de" => ("DE", 5),
        "i" | "it" => ("IT", 5),
        "e" | "es" => ("ES", 5),
        "nl" => ("NL", 4),
        _ => return None,
    };
    if digits.len() != length || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if country == "LU" {
        Format::Lu
    } else {
        Format::Prefixed(country)
    })
}

static UK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?) [0-9][ABD-HJLNP-UW-Z]{2}$")
        .expect("valid regex")
});
static CA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] [0-9][ABCEGHJ-NPRSTV-Z][0-9]$")
        .expect("valid regex")
});

/// "SW1A 1AA", "NW1 6XE", "M1 1AE".
pub fn is_uk(code: &str) -> bool {
    UK.is_match(code)
}

/// "H3A 1T5".
pub fn is_ca(code: &str) -> bool {
    CA.is_match(code)
}

const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR",
];

pub fn is_us_state(code: &str) -> bool {
    US_STATES.contains(&code)
}

pub fn is_ca_province(code: &str) -> bool {
    matches!(
        code,
        "AB" | "BC" | "MB" | "NB" | "NL" | "NS" | "NT" | "NU" | "ON" | "PE" | "QC" | "SK" | "YT"
    )
}

/// The first digit of a ZIP code by state: the ranges the US Postal Service gives each region.
fn us_zip_plausible(state: &str, zip: &str) -> bool {
    let first = zip.as_bytes().first().copied().unwrap_or(b'x');
    let region = match state {
        "CT" | "MA" | "ME" | "NH" | "NJ" | "PR" | "RI" | "VT" => b'0',
        "DE" | "NY" | "PA" => b'1',
        "DC" | "MD" | "NC" | "SC" | "VA" | "WV" => b'2',
        "AL" | "FL" | "GA" | "MS" | "TN" => b'3',
        "IN" | "KY" | "MI" | "OH" => b'4',
        "IA" | "MN" | "MT" | "ND" | "SD" | "WI" => b'5',
        "IL" | "KS" | "MO" | "NE" => b'6',
        "AR" | "LA" | "OK" | "TX" => b'7',
        "AZ" | "CO" | "ID" | "NM" | "NV" | "UT" | "WY" => b'8',
        "AK" | "CA" | "HI" | "OR" | "WA" => b'9',
        _ => return false,
    };
    first == region
}

/// France's postcodes and the keys of the towns each serves.
static FR_TOWNS: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let bytes: &[u8] = include_bytes!("../../data/fr-postcodes.tsv.gz");
    let mut text = String::new();
    if flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .is_err()
    {
        return HashMap::new();
    }
    text.lines()
        .filter_map(|line| {
            let (code, towns) = line.split_once('\t')?;
            Some((
                code.to_string(),
                towns.split(' ').map(str::to_string).collect(),
            ))
        })
        .collect()
});

/// A town's key as the data file keeps it: folded, letters and digits only, "St"/"Ste" read as "Saint"/"Sainte";
/// an arrondissement's number ("Paris 8e", "Lyon 02") dropped.
pub fn town_key(town: &str) -> String {
    let folded = fold(town);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut key = String::new();
    for (i, word) in words.iter().enumerate() {
        let ordinal = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if i > 0
            && !ordinal.is_empty()
            && ordinal.bytes().all(|b| b.is_ascii_digit())
            && word.len() <= 5
        {
            continue;
        }
        key.push_str(match *word {
            "st" => "saint",
            "ste" => "sainte",
            w => w,
        });
    }
    key
}

/// What checking a postcode against its town says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The official base has the pair.
    Match,
    /// The base has the postcode, not with this town; or the code cannot be one of the country's.
    Mismatch,
    /// Nothing to check it with (another country, a CEDEX code): the format alone was checked.
    Unchecked,
}

impl Check {
    pub fn name(self) -> &'static str {
        match self {
            Check::Match => "match",
            Check::Mismatch => "mismatch",
            Check::Unchecked => "unchecked",
        }
    }
}

/// Checks a postcode with its town for a country: France against the official base (CEDEX codes, which it does not
/// list, by their département), Monaco by its 980xx codes, the US by the state's ZIP range.
pub fn check(country: &str, code: &str, town: Option<&str>, cedex: bool) -> Check {
    match country {
        "FR" => {
            let digits: String = code.chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 5 {
                return Check::Mismatch;
            }
            if !departement_exists(&digits) {
                return Check::Mismatch;
            }
            match (FR_TOWNS.get(&digits), town) {
                (Some(towns), Some(town)) => {
                    let key = town_key(town);
                    if towns.contains(&key) {
                        Check::Match
                    } else if cedex {
                        Check::Unchecked
                    } else {
                        Check::Mismatch
                    }
                }
                (None, _) if cedex => Check::Unchecked,
                (None, _) => Check::Mismatch,
                (Some(_), None) => Check::Unchecked,
            }
        }
        "MC" => {
            if code.starts_with("980") {
                Check::Match
            } else {
                Check::Mismatch
            }
        }
        "US" => match code.split_once(' ') {
            Some((state, zip)) if us_zip_plausible(state, zip) => Check::Unchecked,
            _ => Check::Mismatch,
        },
        _ => Check::Unchecked,
    }
}

/// A French département (01–95, Corsica's 20, overseas 971–976).
fn departement_exists(code: &str) -> bool {
    let two: u32 = code[..2].parse().unwrap_or(0);
    match two {
        1..=95 => true,
        97 => matches!(code.as_bytes()[2], b'1'..=b'6'),
        _ => false,
    }
}

/// Whether the official base lists the pair: a five-digit code with its town there is French.
pub fn is_french_pair(code: &str, town: &str) -> bool {
    FR_TOWNS
        .get(code)
        .is_some_and(|towns| towns.iter().any(|t| *t == town_key(town)))
}

/// The address's country: written (a country name, a prefix, a format only one country uses), else the site's
/// when the format fits it, else France when the official base has the pair.
pub fn country_of(
    written: Option<&str>,
    code: Option<&str>,
    town: Option<&str>,
    site_country: Option<&str>,
) -> Option<String> {
    if let Some(c) = written {
        return Some(c.to_string());
    }
    let code = code?;
    let format = if code.starts_with("L-") {
        Format::Lu
    } else if code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit()) {
        Format::Five
    } else if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        Format::Four
    } else {
        return None;
    };
    if let Some(only) = format.only_country() {
        return Some(only.to_string());
    }
    if format == Format::Five && code.starts_with("980") {
        return Some("MC".into());
    }
    if let Some(site) = site_country {
        if format.countries().contains(&site) {
            return Some(site.to_string());
        }
    }
    if format == Format::Five && town.is_some_and(|t| is_french_pair(code, t)) {
        return Some("FR".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_formats() {
        assert!(is_uk("SW1A 1AA") && is_uk("NW1 6XE") && is_uk("M1 1AE"));
        assert!(!is_uk("AB12 CDE") && !is_uk("1234 AB"));
        assert!(is_ca("H3A 1T5") && !is_ca("D3A 1T5"));
        assert_eq!(prefixed("b", "1000"), Some(Format::Prefixed("BE")));
        assert_eq!(prefixed("l", "1611"), Some(Format::Lu));
        assert_eq!(prefixed("b", "10000"), None);
    }

    #[test]
    fn french_pairs_are_checked_with_the_official_base() {
        assert_eq!(check("FR", "69002", Some("Lyon"), false), Check::Match);
        assert_eq!(
            check("FR", "42330", Some("St-Galmier"), false),
            Check::Match
        );
        assert_eq!(check("FR", "13003", Some("MARSEILLE"), false), Check::Match);
        assert_eq!(check("FR", "75008", Some("Paris 8e"), false), Check::Match);
        assert_eq!(
            check("FR", "92410", Some("Ville d'Avray"), false),
            Check::Match
        );
        // Lyon's postcode with Marseille; a code no département has.
        assert_eq!(
            check("FR", "69002", Some("Marseille"), false),
            Check::Mismatch
        );
        assert_eq!(check("FR", "99123", Some("Paris"), false), Check::Mismatch);
        // A CEDEX code is not in the base: its département is plausible, nothing more is known.
        assert_eq!(check("FR", "59790", Some("Ronchin"), true), Check::Match);
        assert_eq!(check("FR", "75381", Some("Paris"), true), Check::Unchecked);
        assert_eq!(
            check("US", "IL 62704", Some("Springfield"), false),
            Check::Unchecked
        );
        assert_eq!(
            check("US", "IL 12345", Some("Springfield"), false),
            Check::Mismatch
        );
    }

    #[test]
    fn the_country_comes_from_what_is_written_then_the_site() {
        assert_eq!(
            country_of(None, Some("42330"), Some("Saint-Galmier"), None).as_deref(),
            Some("FR")
        );
        assert_eq!(
            country_of(None, Some("4000"), Some("Liège"), Some("BE")).as_deref(),
            Some("BE")
        );
        assert_eq!(country_of(None, Some("4000"), Some("Liège"), None), None);
        assert_eq!(
            country_of(None, Some("98000"), Some("Monaco"), None).as_deref(),
            Some("MC")
        );
        assert_eq!(
            country_of(Some("TG"), None, Some("Lomé"), None).as_deref(),
            Some("TG")
        );
    }
}
