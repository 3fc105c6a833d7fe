//! What a legal notice states: registration numbers checked by their check digits (SIREN/SIRET by Luhn with La
//! Poste's exception, French VAT by its key, Belgian enterprise numbers by mod 97, Swiss UID by mod 11), the RCS
//! mention, share capital, legal form, publication director, host with its address; and placeholders left from a
//! template ("[Votre numéro SIRET]"), which count for nothing.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    /// `siren`, `siret`, `vat-fr`, `bce`, `vat-be`, `uid-ch`, `company-number`, `vat`.
    pub kind: String,
    pub value: String,
    pub valid: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalFacts {
    pub identifiers: Vec<Identifier>,
    pub rcs: Option<String>,
    pub capital: Option<String>,
    pub legal_form: Option<String>,
    pub director: Option<String>,
    /// A street or a postcode with its town, outside the host's block.
    pub address: bool,
    pub host: Option<String>,
    pub host_address: bool,
    pub placeholders: Vec<String>,
}

impl LegalFacts {
    pub fn is_empty(&self) -> bool {
        *self == LegalFacts::default()
    }
}

/// A registration keyword then, within a few words, the number.
static REGISTRATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(siret|siren|r\.?\s?c\.?\s?s\.?|rm|immatricul(?-u:\w)*|registration\s+(?:number|no\.?)|company\s+(?:number|no\.?|registration)|registered\s+in\s+[a-z &]+?(?:no\.?|number)|num[ée]ro\s+d'entreprise|bce|kbo|ondernemingsnummer|ide|uid)(?-u:\b)[^0-9\n]{0,40}?((?:CHE[-\s]?)?[0-9][0-9 .\u{a0}\u{202f}-]{6,20}[0-9])",
    )
    .expect("valid regex")
});

static VAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(FR\s?[0-9]{2}\s?[0-9]{3}\s?[0-9]{3}\s?[0-9]{3}|BE\s?0?[01]?[0-9]{2,3}[.\s]?[0-9]{3}[.\s]?[0-9]{3}|DE\s?[0-9]{9}|GB\s?[0-9]{9}(?:[0-9]{3})?)(?-u:\b)")
        .expect("valid regex")
});

static RCS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:R\.\s?C\.\s?S\.?|RCS|registre du commerce(?: et des soci[ée]t[ée]s)?|R\.?M\.?\s+(?:de\s+)?[A-Z]|r[ée]pertoire des m[ée]tiers|RPM|Handelsregister|HR[AB]\s?[0-9]|Companies House)[^\n]{0,50}")
        .expect("valid regex")
});

static CAPITAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)capital(?:\s+social)?(?:\s+de|\s*:)?\s*([0-9][0-9 .,\u{a0}\u{202f}]*\s*(?:€|euros?|eur(?-u:\b)|chf|£))")
        .expect("valid regex")
});

static LEGAL_FORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(SASU|SAS|SARL|EURL|SA|SNC|SCOP|SCI|EIRL|EI|SRL|SPRL|BV|NV|GmbH|Ltd|Limited|LLC|Inc|S\.A\.S\.?|S\.A\.R\.L\.?|[Aa]uto-?entrepreneur|[Mm]icro-?entreprise|[Ee]ntreprise individuelle|[Ee]ntrepreneur individuel|[Aa]ssociation)(?-u:\b)")
        .expect("valid regex")
});

static DIRECTOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:direct(?:eur|rice|ion)|responsable)\s+(?:de\s+(?:la\s+)?)?(?:la\s+)?publication\s*(?:est|:)?\s*:?\s*([^\n]{2,80})|(?i)(?:publication\s+director|editor(?:ial)?\s+director|responsible\s+for\s+(?:the\s+)?(?:content|publication)|verantwortlich)\s*:?\s*([^\n]{2,80})")
        .expect("valid regex")
});

static HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:h[ée]berg(?:eur|ement|[ée]\s+par)|h[ée]bergeur\s+du\s+site|hosted\s+by|hosting(?:\s+provider)?|web\s+host|host)\s*(?:du site|:|est)?\s*:?\s*([^\n]{0,100})")
        .expect("valid regex")
});

/// A street word or a postcode followed by a capitalised town.
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:rue|avenue|av\.|boulevard|bd|place|chemin|all[ée]e|impasse|quai|route|street|road|cedex|str\.|stra[ßs]e)(?-u:\b)|(?-i:(?-u:\b)[0-9]{4,5}[ \t]+[A-Z][a-zà-ÿ])")
        .expect("valid regex")
});

/// What makes an address complete enough to send a letter to: a postcode with its town (FR, BE, CH, LU, DE, MA...),
/// a UK or US postcode, a "cedex" or a post-office box. "9 rue Winston Churchill" alone is not.
static POSTAL_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:[A-Z]-)?[0-9]{4,5}[ \t]+[A-ZÀ-Ý][a-zà-ÿA-ZÀ-Ý]|(?i:(?-u:\b)cedex(?-u:\b))|(?-u:\b)[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}(?-u:\b)|(?-u:\b)[A-Z]{2}[ \t]+[0-9]{5}(?:-[0-9]{4})?(?-u:\b)|(?i:(?-u:\b)(?:b\.?\s?p\.?|bo[iî]te postale|p\.?\s?o\.?\s?box)\s*[0-9]+)")
        .expect("valid regex")
});

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\[[^\]\n]{0,40}(?:votre|your|num[ée]ro|siret|siren|adresse|address|nom|name|soci[ée]t[ée]|company|capital|x{3})[^\]\n]{0,40}\]|(?-u:\b)X{3,}(?:\s?X{2,})*(?-u:\b)|(?-u:\b)(?:000\s?000\s?000|123\s?456\s?789)(?:\s?0{5})?(?-u:\b)")
        .expect("valid regex")
});

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Luhn over a digit string.
pub fn luhn(number: &str) -> bool {
    let mut sum = 0;
    for (i, c) in number.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !number.is_empty() && sum % 10 == 0
}

pub fn siren_valid(siren: &str) -> bool {
    siren.len() == 9 && siren != "000000000" && luhn(siren)
}

pub fn siret_valid(siret: &str) -> bool {
    if siret.len() != 14 || siret.chars().all(|c| c == '0') {
        return false;
    }
    // La Poste's establishments: the digits add up to a multiple of 5 (its SIREN 356 000 000).
    if siret.starts_with("356000000") {
        return luhn(siret) || siret.chars().filter_map(|c| c.to_digit(10)).sum::<u32>() % 5 == 0;
    }
    luhn(siret)
}

/// French VAT: key = (12 + 3 × (SIREN mod 97)) mod 97.
pub fn french_vat_valid(vat: &str) -> bool {
    let d = digits(vat);
    if d.len() != 11 {
        return false;
    }
    let (key, siren) = d.split_at(2);
    let Ok(siren_number) = siren.parse::<u64>() else {
        return false;
    };
    key.parse::<u64>().ok() == Some((12 + 3 * (siren_number % 97)) % 97)
}

/// Belgian enterprise number: 97 − (first 8 digits mod 97) = last 2 digits.
pub fn bce_valid(number: &str) -> bool {
    let mut d = digits(number);
    if d.len() == 9 {
        d.insert(0, '0');
    }
    if d.len() != 10 || !d.starts_with(['0', '1']) {
        return false;
    }
    let (body, check) = d.split_at(8);
    let (Ok(body), Ok(check)) = (body.parse::<u64>(), check.parse::<u64>()) else {
        return false;
    };
    97 - body % 97 == check
}

/// Swiss UID: weights 5,4,3,2,7,6,5,4; check = 11 − sum mod 11 (11 → 0, 10 invalid).
pub fn uid_valid(number: &str) -> bool {
    let d: Vec<u32> = number.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 9 {
        return false;
    }
    let sum: u32 = d[..8]
        .iter()
        .zip([5, 4, 3, 2, 7, 6, 5, 4])
        .map(|(a, w)| a * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == d[8]
}

fn identifier(keyword: &str, raw: &str) -> Option<Identifier> {
    let d = digits(raw);
    let keyword = keyword.to_ascii_lowercase();
    let (kind, valid) =
        if raw.to_ascii_uppercase().starts_with("CHE") || keyword == "ide" || keyword == "uid" {
            ("uid-ch", uid_valid(&d))
        } else if d.len() == 14 {
            ("siret", siret_valid(&d))
        } else if d.len() == 9 && !keyword.contains("bce") && !keyword.contains("kbo") {
            ("siren", siren_valid(&d))
        } else if d.len() == 10 && d.starts_with(['0', '1']) {
            ("bce", bce_valid(&d))
        } else if d.len() == 8 && (keyword.contains("company") || keyword.contains("registered")) {
            ("company-number", true)
        } else {
            return None;
        };
    Some(Identifier {
        kind: kind.into(),
        value: raw.trim().to_string(),
        valid,
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(100)
        .collect()
}

/// The legal facts stated in `text`.
/// Words only an identification block has: other pages (product pages above all) are not read further.
static TRIGGER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)siret|siren|r\.?\s?c\.?\s?s(?-u:\b)|immatricul|capital social|au capital|publication|h[ée]berg|hosted by|registered (?:office|in|number)|company (?:number|registration)|handelsregister|ondernemingsnummer|num[ée]ro d'entreprise|(?-u:\b)(?:bce|kbo|ide|uid|rpm)(?-u:\b)|tva intra|vat (?:number|no)|mentions l[ée]gales|legal notice|impressum")
        .expect("valid regex")
});

pub fn find(text: &str) -> LegalFacts {
    let mut facts = LegalFacts::default();
    if !TRIGGER.is_match(text) {
        return facts;
    }
    for c in REGISTRATION.captures_iter(text) {
        if let Some(id) = identifier(&c[1], &c[2]) {
            if !facts.identifiers.contains(&id) && facts.identifiers.len() < 10 {
                facts.identifiers.push(id);
            }
        }
    }
    for m in VAT.find_iter(text) {
        let raw = m.as_str();
        let (kind, valid) = match &raw[..2] {
            "FR" => ("vat-fr", french_vat_valid(raw)),
            "BE" => ("vat-be", bce_valid(&raw[2..])),
            _ => ("vat", digits(raw).len() >= 9),
        };
        let id = Identifier {
            kind: kind.into(),
            value: raw.to_string(),
            valid,
        };
        if !facts.identifiers.contains(&id) && facts.identifiers.len() < 10 {
            facts.identifiers.push(id);
        }
    }
    facts.rcs = RCS.find(text).map(|m| one_line(m.as_str()));
    facts.capital = CAPITAL.captures(text).map(|c| one_line(&c[1]));
    facts.legal_form = LEGAL_FORM.find(text).map(|m| m.as_str().to_string());
    facts.director = DIRECTOR
        .captures(text)
        .and_then(|c| c.get(1).or(c.get(2)))
        .map(|m| one_line(m.as_str()))
        .filter(|d| d.chars().any(char::is_alphabetic));
    let host_match = HOST.captures(text);
    let host_start = host_match
        .as_ref()
        .map(|c| c.get(0).unwrap().start())
        .unwrap_or(text.len());
    facts.address = POSTAL_ADDRESS.is_match(&text[..host_start]);
    if let Some(c) = host_match {
        let start = c.get(0).unwrap().start();
        let mut end = (start + 400).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let after = &text[c.get(0).unwrap().end()..end];
        let name = c[1].trim();
        let name = if name.is_empty() || name.len() < 2 {
            after
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or_default()
        } else {
            name
        };
        if !name.is_empty() {
            facts.host = Some(one_line(name));
            let section = &text[c.get(0).unwrap().start()..end];
            facts.host_address = ADDRESS.is_match(section);
            // "L'hébergement, l'édition et la direction de la publication sont assurées par X, domiciliée au …":
            // one person both hosts and publishes, and the address is the publisher's too.
            let first_lines: String = section
                .lines()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if ["édit", "edit", "publisher"]
                .iter()
                .any(|w| first_lines.contains(w))
            {
                facts.address |= POSTAL_ADDRESS.is_match(section);
            }
        }
    }
    for m in PLACEHOLDER.find_iter(text) {
        if facts.placeholders.len() < 5 {
            facts.placeholders.push(m.as_str().to_string());
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_from_worked_examples() {
        assert!(siren_valid("732829320"));
        assert!(siren_valid("552081317"));
        assert!(!siren_valid("732829321"));
        assert!(siret_valid("73282932000074"));
        assert!(siret_valid("35600000049837"), "La Poste");
        assert!(!siret_valid("73282932000075"));
        assert!(french_vat_valid("FR03552081317"));
        assert!(french_vat_valid("FR 44 732 829 320"));
        assert!(!french_vat_valid("FR45732829320"));
        assert!(bce_valid("0403.170.701"));
        assert!(!bce_valid("0403.170.702"));
        assert!(uid_valid("CHE-109.322.551"));
        assert!(!uid_valid("CHE-109.322.552"));
    }

    #[test]
    fn a_legal_notice_is_read() {
        let text = "Éditeur : Maison Miel SAS au capital de 10 000 €\nRCS Lyon 732 829 320 – SIRET : 732 829 320 00074\n\
                    TVA intracommunautaire : FR44732829320\nDirecteur de la publication : Jeanne Rucher\n\
                    Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix";
        let f = find(text);
        let kinds: Vec<_> = f
            .identifiers
            .iter()
            .map(|i| (i.kind.as_str(), i.valid))
            .collect();
        assert!(kinds.contains(&("siret", true)), "{kinds:?}");
        assert!(kinds.contains(&("siren", true)), "{kinds:?}");
        assert!(kinds.contains(&("vat-fr", true)), "{kinds:?}");
        assert_eq!(f.capital.as_deref(), Some("10 000 €"));
        assert_eq!(f.legal_form.as_deref(), Some("SAS"));
        assert_eq!(f.director.as_deref(), Some("Jeanne Rucher"));
        assert!(f.host.as_deref().unwrap().starts_with("OVH SAS"));
        assert!(f.host_address);
        assert!(!f.address, "the only address is the host's");
        assert!(f.rcs.is_some());
        assert!(f.placeholders.is_empty());
    }

    #[test]
    fn an_address_needs_a_postcode_and_town() {
        let address = |line: &str| {
            find(&format!(
                "Mentions légales\nÉditeur : Boutique SARL\n{line}"
            ))
            .address
        };
        assert!(
            !address("Siège : 9 rue Winston Churchill"),
            "a street alone"
        );
        assert!(!address("Adresse : Suisse : Lausanne"), "a town alone");
        assert!(address("Siège : 9 rue Winston Churchill, 56000 Vannes"));
        assert!(address("Siège : 12 rue de la Loi\n1000 Bruxelles"));
        assert!(address(
            "Registered office: 10 Downing Street, London SW1A 2AA"
        ));
        assert!(address("Office: 350 Fifth Avenue, New York, NY 10118"));
        assert!(address("Adresse : BP 1234 Lomé"));
    }

    #[test]
    fn one_person_hosting_and_publishing_gives_one_address() {
        let f = find(
            "Mentions légales\nL'hébergeur et l'éditeur\nL'hébergement du Site, l'édition et la direction de la \
             publication sont assurées par Lya Martin, domiciliée au 250 rue de la République, 38290 La Verpillière.",
        );
        assert!(f.address && f.host_address, "{f:?}");
        // A host's address alone is still not the publisher's.
        let g = find("Mentions légales\nHébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix");
        assert!(!g.address && g.host_address);
    }

    #[test]
    fn placeholders_and_bad_numbers_are_caught() {
        let f = find(
            "SIRET : [Votre numéro SIRET]\nSIREN 732 829 321\nHébergeur : [Nom de l'hébergeur]",
        );
        assert_eq!(f.placeholders.len(), 2, "{:?}", f.placeholders);
        assert_eq!(f.identifiers.len(), 1);
        assert!(!f.identifiers[0].valid);
    }
}
