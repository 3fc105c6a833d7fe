//! Raw candidates in visible text and link targets: phone-like strings, e-mail addresses (plain, `mailto:`,
//! `contact [at] shop [dot] fr`, Cloudflare-protected), postcodes with their town. Nothing is validated here
//! beyond shape: the site facts and the rules judge (phone parsing, SIREN look-alikes, regulators' numbers).

use std::sync::LazyLock;

use regex::Regex;

use crate::facts::address;
use crate::result::{
    AddressCandidate, CandidateSource, Candidates, EmailCandidate, PageFacts, PhoneCandidate,
    PostcodeCandidate, Region,
};
use crate::urlnorm;

/// Characters of context kept before a phone number ("Tél. :", "SIRET", "ex :", and a few lines up, "CNIL —
/// 3 place de Fontenoy"), lines joined by " | ".
const CONTEXT_CHARS: usize = 150;

/// Phone-like strings, in the forms shops write them (domain-facts §3.4): international `+33 (0)1 23 45 67 89`,
/// `0033 …`, national `01 23 45 67 89` / `01.23.45.67.89` / `0123456789`, SVA `0 800 123 456`, Belgian
/// `02/555.12.34`, British `020 7946 0018`, North American `(800) 555-1234` / `1-800-555-1234`.
/// A national number must start with 0 (or 8 before a parenthesised area code, the post-Soviet trunk prefix), so a
/// SIREN (`732 829 320`) is never a candidate.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?:\+|00)\s?[1-9][0-9]{0,2}(?:\s?\(0\))?(?:[\s./-]?\(?[0-9]{1,4}\)?){2,6}   # international, (912) area codes too
        | \(?0[1-9][0-9]{0,3}\)?(?:[\s./-]?[0-9]{2,4}){2,4}                   # national, trunk prefix 0
        | 0\s[1-9][0-9]{2}(?:\s[0-9]{2,3}){2,3}                                # 0 800 123 456, 0 800 12 34 56
        | 8\s?\([0-9]{3,5}\)\s?[0-9]{1,3}(?:[\s-]?[0-9]{2}){2}                 # trunk prefix 8: 8 (800) 555-35-35
        | 8[\s-]800[\s-][0-9]{3}(?:[\s-]?[0-9]{2}){2}                           # 8 800 555 35 35
        | (?:1[\s.-])?\(?[2-9][0-9]{2}\)?[\s.-][0-9]{3}[\s.-][0-9]{4}         # North America
        | \([1-9][0-9]\)\s?[0-9]{4}[\s.-][0-9]{4}                               # ten digits, no trunk: (55) 5512-3456
        | [1-9][0-9][.-][0-9]{4}[.-][0-9]{4}                                   # 55-5512-3456 (spaces alone: an IBAN's groups)",
    )
    .expect("valid regex")
});

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9][a-z0-9._%+\-]*@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}")
        .expect("valid regex")
});

/// `contact [at] shop [dot] fr`, `contact (arobase) shop.fr`, `contact{at}shop{point}fr`.
static OBFUSCATED_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([a-z0-9][a-z0-9._%+\-]*)\s*[\[\(\{<]\s*(?:at|arobase|chez|@)\s*[\]\)\}>]\s*([a-z0-9\-]+(?:(?:\s*[\[\(\{<]\s*(?:dot|point)\s*[\]\)\}>]\s*|\.)[a-z0-9\-]+)+)",
    )
    .expect("valid regex")
});
static DOT_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*[\[\(\{<]\s*(?:dot|point)\s*[\]\)\}>]\s*").expect("valid regex")
});

/// A 5-digit (FR, DE, ES, IT, MA) or prefixed 4-digit (B-, CH-, L-) postcode followed by a capitalised town; a bare
/// 4-digit code only after a comma ("Rue Haute 12, 1000 Bruxelles"), so that "© 2025 Le Rucher" is no address.
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(?:^|[\s,(])((?:F-?\s?)?[0-9]{5}|(?:B|CH|L)-\s?[0-9]{4})|,\s?([0-9]{4}))\s+(\p{Lu}[\p{L}'’\-]+(?:[\s\-](?:\p{Lu}[\p{L}'’\-]*|sur|sous|en|le|la|les|de|du|des)){0,4}(?:\s+CEDEX(?:\s+[0-9]{1,2})?)?)",
    )
    .expect("valid regex")
});

/// File extensions that look like top-level domains in `logo@2x.png`.
const NOT_TLDS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "css", "js", "ico",
];

/// Marks an obfuscated address is looked for only where one of these is present.
static OBFUSCATION_HINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[\[\(\{<]\s*(?:at|arobase|chez|@)\s*[\]\)\}>]").expect("valid regex")
});

/// Addresses kept per page: a shop shows one or two; a store locator's list needs no more to be judged.
const ADDRESSES_PER_PAGE: usize = 6;

pub fn extract_from_text(facts: &mut PageFacts) {
    for region in Region::ALL {
        let text = facts.text.get(region);
        if text.is_empty() {
            continue;
        }
        // Header, menu and footer repeat on every page of a shop: their candidates are read once per thread.
        let found = if region == Region::Main || text.len() > MEMO_TEXT_BYTES {
            region_candidates(text, region)
        } else {
            crate::memo::memoized(&REGION_CANDIDATES, &(region, text), || {
                region_candidates(text, region)
            })
        };
        let Candidates {
            phones,
            emails,
            postcodes,
            addresses,
        } = found;
        facts.candidates.phones.extend(phones);
        facts.candidates.emails.extend(emails);
        facts.candidates.postcodes.extend(postcodes);
        for address in addresses {
            push_address(&mut facts.candidates, address);
        }
    }
}

/// Region texts longer than this are not remembered (a page's own long text would not repeat).
const MEMO_TEXT_BYTES: usize = 32 * 1024;

thread_local! {
    static REGION_CANDIDATES: crate::memo::Memo<(Region, String), Candidates> =
        Default::default();
}

/// The candidates of one region's text, as if the page had nothing else.
fn region_candidates(text: &str, region: Region) -> Candidates {
    let mut out = Candidates::default();
    addresses_in(text, region, CandidateSource::Text, &mut out);
    // The regexes scan long product descriptions; each only reads the lines that could hold a match.
    for line in text.lines() {
        // One pass over the bytes says whether the line is worth a regex.
        let (mut digits, mut at_sign, mut bracket, mut wide) = (0, false, false, false);
        for b in line.bytes() {
            match b {
                b'0'..=b'9' => digits += 1,
                b'@' => at_sign = true,
                b'[' | b'(' | b'{' | b'<' => bracket = true,
                // Lead bytes of the non-breaking and thin spaces.
                0xC2 | 0xE2 => wide = true,
                _ => {}
            }
        }
        if digits < 4 && !at_sign && !bracket {
            continue;
        }
        let line = if wide && line.contains(['\u{a0}', '\u{202f}', '\u{2009}', '\u{2007}']) {
            std::borrow::Cow::Owned(
                line.replace(['\u{a0}', '\u{202f}', '\u{2009}', '\u{2007}'], " "),
            )
        } else {
            std::borrow::Cow::Borrowed(line)
        };
        if digits >= 8 {
            phones_in(&line, region, &mut out);
        }
        if at_sign {
            emails_in(&line, region, &mut out);
        } else if OBFUSCATION_HINT.is_match(&line) {
            obfuscated_emails_in(&line, region, &mut out);
        }
        if digits >= 4 {
            postcodes_in(&line, region, &mut out);
        }
    }
    out
}

/// Phone numbers and e-mails written where the text walk does not look: image `alt` texts (a number drawn in a
/// banner) and `<template>` contents (a footer stamped in by a script).
pub fn extract_from_extra(facts: &mut PageFacts, template_text: &str) {
    let alts: Vec<(String, Region)> = facts
        .images
        .iter()
        .filter_map(|i| i.alt.as_ref().map(|a| (a.clone(), i.region)))
        .filter(|(a, _)| a.bytes().filter(u8::is_ascii_digit).count() >= 8)
        .collect();
    for (alt, region) in alts {
        let start = facts.candidates.phones.len();
        phones_in(&alt, region, &mut facts.candidates);
        for phone in &mut facts.candidates.phones[start..] {
            phone.source = CandidateSource::ImageAlt;
        }
    }
    addresses_in(
        template_text,
        Region::Footer,
        CandidateSource::Template,
        &mut facts.candidates,
    );
    for line in template_text.lines() {
        let line = line.replace(['\u{a0}', '\u{202f}', '\u{2009}', '\u{2007}'], " ");
        let (phones, emails) = (facts.candidates.phones.len(), facts.candidates.emails.len());
        if line.bytes().filter(u8::is_ascii_digit).count() >= 8 {
            phones_in(&line, Region::Footer, &mut facts.candidates);
        }
        if line.contains('@') {
            emails_in(&line, Region::Footer, &mut facts.candidates);
        }
        for phone in &mut facts.candidates.phones[phones..] {
            phone.source = CandidateSource::Template;
        }
        for email in &mut facts.candidates.emails[emails..] {
            email.source = CandidateSource::Template;
        }
    }
}

fn phones_in(text: &str, region: Region, out: &mut Candidates) {
    for m in PHONE.find_iter(text) {
        let before = text[..m.start()].chars().next_back();
        let mut rest = text[m.end()..].chars();
        let after = rest.next();
        // A comma then a digit is a decimal price ("1 234,56"); a comma then a space ends a sentence's clause.
        let decimal = after == Some(',') && rest.next().is_some_and(|c| c.is_ascii_digit());
        // Part of a longer token: a reference, an IBAN, a price with decimals, a longer digit run.
        if before.is_some_and(|c| {
            c.is_alphanumeric() || c == '+' || c == '/' || c == '-' || c == '.' || c == ','
        }) || after.is_some_and(|c| c.is_ascii_digit() || c == '€' || c == '%')
            || decimal
        {
            continue;
        }
        let raw = m.as_str().trim();
        let digits = phone_digits(raw);
        let count = digits.trim_start_matches('+').len();
        if !(8..=15).contains(&count) {
            continue;
        }
        let context = context_before(text, m.start());
        out.phones.push(PhoneCandidate {
            raw: raw.to_string(),
            digits,
            region,
            source: CandidateSource::Text,
            context,
        });
    }
}

/// Digits of a phone string, `+` kept, `00` turned into `+`, the French `(0)` after a country code dropped.
pub fn phone_digits(raw: &str) -> String {
    let raw = raw.replace("(0)", "");
    let mut digits: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    if let Some(rest) = digits.strip_prefix("00") {
        digits = format!("+{rest}");
    }
    digits
}

fn context_before(text: &str, at: usize) -> String {
    let before = &text[..at];
    let start = before
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map(|(i, _)| i)
        .unwrap_or(0);
    before[start..]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The words on the number's own line: the last part of its context.
pub fn same_line(context: &str) -> &str {
    context.rsplit(" | ").next().unwrap_or(context)
}

/// Words just before an address that make it an example, not the shop's ("ex :", "essayez avec l'email").
static EXAMPLE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|\W)(?:ex\s*:|ex\.|exemple|par exemple|essayez(?: avec)?|try(?: with)?|e\.g\.|for example)[^@]{0,50}$")
        .expect("valid regex")
});

fn emails_in(text: &str, region: Region, out: &mut Candidates) {
    for m in EMAIL.find_iter(text) {
        let before_start = text[..m.start()]
            .char_indices()
            .rev()
            .nth(69)
            .map(|(i, _)| i)
            .unwrap_or(0);
        if EXAMPLE_BEFORE.is_match(&text[before_start..m.start()]) {
            continue;
        }
        let address = m.as_str().trim_end_matches('.').to_ascii_lowercase();
        let tld = address.rsplit('.').next().unwrap_or_default();
        if NOT_TLDS.contains(&tld) {
            continue;
        }
        push_email(out, address, region, CandidateSource::Text);
    }
    obfuscated_emails_in(text, region, out);
}

fn obfuscated_emails_in(text: &str, region: Region, out: &mut Candidates) {
    for c in OBFUSCATED_EMAIL.captures_iter(text) {
        let domain = DOT_MARK.replace_all(&c[2], ".");
        let address = format!("{}@{}", &c[1], domain).to_ascii_lowercase();
        if address.contains('.') && EMAIL.is_match(&address) {
            push_email(out, address, region, CandidateSource::Obfuscated);
        }
    }
}

fn push_email(out: &mut Candidates, address: String, region: Region, source: CandidateSource) {
    if !out
        .emails
        .iter()
        .any(|e| e.address == address && e.region == region && e.source == source)
    {
        out.emails.push(EmailCandidate {
            address,
            region,
            source,
        });
    }
}

fn postcodes_in(text: &str, region: Region, out: &mut Candidates) {
    for c in POSTCODE.captures_iter(text) {
        let Some(code) = c.get(1).or_else(|| c.get(2)) else {
            continue;
        };
        let code: String = code
            .as_str()
            .chars()
            .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-')
            .collect();
        let locality = c[3].trim().to_string();
        if !out
            .postcodes
            .iter()
            .any(|p| p.code == code && p.locality == locality)
        {
            out.postcodes.push(PostcodeCandidate {
                code,
                locality,
                region,
            });
        }
    }
}

fn push_address(out: &mut Candidates, address: AddressCandidate) {
    let same = |a: &AddressCandidate| {
        a.street == address.street
            && a.po_box == address.po_box
            && a.postcode == address.postcode
            && a.town == address.town
    };
    if out.addresses.len() < ADDRESSES_PER_PAGE && !out.addresses.iter().any(same) {
        out.addresses.push(address);
    }
}

/// Postal addresses in a region's text (the grammar of [`address`]), with the words before each.
fn addresses_in(text: &str, region: Region, source: CandidateSource, out: &mut Candidates) {
    // Every address holds a digit (house number, postcode, box number): text without one is skipped cheaply.
    if out.addresses.len() >= ADDRESSES_PER_PAGE || !text.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    for found in address::find(text) {
        let context = context_before(text, found.start);
        push_address(
            out,
            AddressCandidate {
                street: found.street,
                po_box: found.po_box,
                postcode: found.postcode,
                town: found.town,
                cedex: found.cedex,
                country: found.country.map(str::to_string),
                region,
                source,
                context,
            },
        );
    }
}

/// The postal addresses of a page whose facts were stored before they were read (a `rejudge` of an older
/// `audit.json`): its region texts, its `<template>` text and its JSON-LD, as a fresh extraction reads them.
pub fn extract_addresses(facts: &mut PageFacts) {
    for region in Region::ALL {
        addresses_in(
            facts.text.get(region),
            region,
            CandidateSource::Text,
            &mut facts.candidates,
        );
    }
    addresses_in(
        &facts.template_text,
        Region::Footer,
        CandidateSource::Template,
        &mut facts.candidates,
    );
    extract_from_structured_data(facts);
}

/// schema.org `PostalAddress`es in the page's JSON-LD (an organisation's `address`), however deep.
pub fn extract_from_structured_data(facts: &mut PageFacts) {
    let mut found = Vec::new();
    for block in &facts.json_ld {
        postal_addresses(block, &mut found, 0);
    }
    for address in found {
        push_address(&mut facts.candidates, address);
    }
}

fn postal_addresses(value: &serde_json::Value, out: &mut Vec<AddressCandidate>, depth: usize) {
    use serde_json::Value;
    if depth > 8 || out.len() >= ADDRESSES_PER_PAGE {
        return;
    }
    match value {
        Value::Array(items) => items
            .iter()
            .for_each(|v| postal_addresses(v, out, depth + 1)),
        Value::Object(map) => {
            let text = |key: &str| {
                map.get(key)
                    .and_then(|v| match v {
                        Value::String(s) => Some(s.trim().to_string()),
                        Value::Number(n) => Some(n.to_string()),
                        Value::Object(o) => {
                            o.get("name").and_then(Value::as_str).map(str::to_string)
                        }
                        _ => None,
                    })
                    .filter(|s| !s.is_empty())
            };
            if map.contains_key("streetAddress") || map.contains_key("postalCode") {
                let country = text("addressCountry").and_then(|c| {
                    if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                        Some(c.to_ascii_uppercase())
                    } else {
                        address::country_code(&c).map(str::to_string)
                    }
                });
                let street = text("streetAddress");
                let postcode = text("postalCode");
                if street.is_some() || postcode.is_some() {
                    out.push(AddressCandidate {
                        street,
                        po_box: text("postOfficeBoxNumber"),
                        postcode,
                        town: text("addressLocality"),
                        cedex: false,
                        country,
                        region: Region::Main,
                        source: CandidateSource::StructuredData,
                        context: String::new(),
                    });
                }
                return;
            }
            for v in map.values() {
                postal_addresses(v, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// A `tel:` link target: the most reliable phone evidence there is, seen or not.
pub fn push_tel_link(out: &mut Candidates, href: &str, region: Region) {
    let raw = href.split_once(':').map(|(_, v)| v).unwrap_or(href);
    let raw = urlnorm::percent_decode_lossy(raw);
    let digits = phone_digits(&raw);
    if digits.trim_start_matches('+').len() >= 3 {
        out.phones.push(PhoneCandidate {
            raw,
            digits,
            region,
            source: CandidateSource::Link,
            context: String::new(),
        });
    }
}

pub fn push_mailto(out: &mut Candidates, href: &str, region: Region) {
    let raw = href.split_once(':').map(|(_, v)| v).unwrap_or_default();
    let raw = urlnorm::percent_decode_lossy(raw.split('?').next().unwrap_or_default());
    for address in raw.split(',') {
        let written = address.trim();
        let address = written.to_ascii_lowercase();
        if EMAIL
            .find(&address)
            .is_some_and(|m| m.len() == address.len())
        {
            push_email(out, address, region, CandidateSource::Link);
        } else if let Some(decoded) = base64_email(written) {
            // `mailto:c2hvcEBleGFtcGxlLmZy`, decoded by a script for visitors: hidden from robots, not from them.
            push_email(out, decoded, region, CandidateSource::Obfuscated);
        }
    }
}

/// An address written in base64, as scripts that hide it from harvesters keep it.
fn base64_email(written: &str) -> Option<String> {
    use base64::Engine;
    if written.len() < 8 || written.contains('@') {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(written)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(written))
        .ok()?;
    let address = String::from_utf8(bytes).ok()?.trim().to_ascii_lowercase();
    EMAIL
        .find(&address)
        .is_some_and(|m| m.len() == address.len())
        .then_some(address)
}

/// Cloudflare's e-mail obfuscation: hex bytes, the first is the XOR key of the rest.
pub fn push_cloudflare_email(out: &mut Candidates, hex: &str, region: Region) {
    let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
        .map(|i| {
            hex.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    let Some((key, rest)) = bytes.as_deref().and_then(|b| b.split_first()) else {
        return;
    };
    let decoded: Vec<u8> = rest.iter().map(|b| b ^ key).collect();
    if let Ok(address) = String::from_utf8(decoded) {
        let address = address.to_ascii_lowercase();
        if EMAIL
            .find(&address)
            .is_some_and(|m| m.len() == address.len())
        {
            push_email(out, address, region, CandidateSource::Obfuscated);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phones(text: &str) -> Vec<String> {
        let mut c = Candidates::default();
        phones_in(text, Region::Main, &mut c);
        c.phones.into_iter().map(|p| p.digits).collect()
    }

    #[test]
    fn french_forms() {
        assert_eq!(phones("Tél : 01 23 45 67 89"), ["0123456789"]);
        assert_eq!(
            phones("Tél. 01.23.45.67.89 / 06-12-34-56-78"),
            ["0123456789", "0612345678"]
        );
        assert_eq!(phones("+33 (0)1 23 45 67 89"), ["+33123456789"]);
        assert_eq!(phones("0033 1 23 45 67 89"), ["+33123456789"]);
        assert_eq!(phones("appelez le 0 800 123 456"), ["0800123456"]);
        assert_eq!(
            phones("Téléphone : +33 4 12 34 56 78<br>"),
            ["+33412345678"]
        );
    }

    #[test]
    fn other_countries() {
        assert_eq!(phones("Tel. 02/555.12.34"), ["025551234"]);
        assert_eq!(phones("+32 2 555 12 34"), ["+3225551234"]);
        assert_eq!(phones("call 020 7946 0018"), ["02079460018"]);
        assert_eq!(phones("Call (800) 555-1234 today"), ["8005551234"]);
        // A parenthesised area code after the country code, and trunk prefixes other than 0.
        assert_eq!(phones("Тел.: +7 (912) 345-67-89"), ["+79123456789"]);
        assert_eq!(phones("Call +1 (514) 987-6543."), ["+15149876543"]);
        assert_eq!(phones("Бесплатно: 8 (800) 555-35-35"), ["88005553535"]);
        assert_eq!(phones("горячая линия 8 800 555 35 35"), ["88005553535"]);
        assert_eq!(
            phones("Tél. : 514-987-6543 ou 450 555-0173"),
            ["5149876543", "4505550173"]
        );
        // Ten digits without a trunk prefix, as Mexico writes them.
        assert_eq!(
            phones("Llámanos: (55) 5512-3456 o 33-3615-2020"),
            ["5555123456", "3336152020"]
        );
    }

    #[test]
    fn look_alikes_are_not_candidates() {
        assert!(phones("SIREN 732 829 320").is_empty());
        assert!(phones("SIRET 732 829 320 00074").is_empty());
        assert!(phones("IBAN FR76 3000 6000 0112 3456 7890 189").is_empty());
        assert!(phones("Prix : 1 234,56 €").is_empty());
        assert!(phones("Prix : 12 345 678,90").is_empty());
        assert_eq!(phones("Call 020 7946 0018, Mon–Fri"), ["02079460018"]);
        assert!(phones("le 12/03/2024").is_empty());
        assert!(phones("75008 Paris").is_empty());
    }

    #[test]
    fn context_is_kept() {
        let mut c = Candidates::default();
        phones_in(
            "Service client\nTél. : 01 23 45 67 89",
            Region::Footer,
            &mut c,
        );
        assert_eq!(c.phones[0].context, "Service client | Tél. :");
        assert_eq!(same_line(&c.phones[0].context), "Tél. :");
    }

    #[test]
    fn example_addresses_are_not_candidates() {
        let mut c = Candidates::default();
        emails_in(
            "Essayez avec le numéro VK-001000 et l'email sophie.martin@gmail.com",
            Region::Main,
            &mut c,
        );
        emails_in("Écrivez à sav@velokid.fr", Region::Main, &mut c);
        let found: Vec<_> = c.emails.iter().map(|e| e.address.as_str()).collect();
        assert_eq!(found, ["sav@velokid.fr"]);
    }

    #[test]
    fn emails_plain_obfuscated_and_protected() {
        let mut c = Candidates::default();
        emails_in(
            "Écrivez à Contact@Shop.fr ou sav [at] shop [dot] fr. Logo: logo@2x.png",
            Region::Main,
            &mut c,
        );
        let found: Vec<_> = c
            .emails
            .iter()
            .map(|e| (e.address.as_str(), e.source))
            .collect();
        assert_eq!(
            found,
            [
                ("contact@shop.fr", CandidateSource::Text),
                ("sav@shop.fr", CandidateSource::Obfuscated)
            ]
        );
        // "a@b.fr" XOR 0x42, as Cloudflare writes it.
        let hex: String = std::iter::once(0x42u8)
            .chain(b"a@b.fr".iter().map(|b| b ^ 0x42))
            .map(|b| format!("{b:02x}"))
            .collect();
        push_cloudflare_email(&mut c, &hex, Region::Footer);
        assert_eq!(c.emails.last().unwrap().address, "a@b.fr");
        push_mailto(&mut c, "mailto:Service%40shop.fr?subject=Hi", Region::Main);
        assert_eq!(c.emails.last().unwrap().address, "service@shop.fr");
    }

    #[test]
    fn postcodes_with_town() {
        let mut c = Candidates::default();
        postcodes_in(
            "Route de La Motte\n83720 Trans-en-Provence, France\n© 2025 Le Rucher",
            Region::Footer,
            &mut c,
        );
        postcodes_in("Rue Haute 12, B-1000 Bruxelles", Region::Footer, &mut c);
        let found: Vec<_> = c
            .postcodes
            .iter()
            .map(|p| (p.code.as_str(), p.locality.as_str()))
            .collect();
        assert_eq!(
            found,
            [("83720", "Trans-en-Provence"), ("B-1000", "Bruxelles")]
        );
    }

    #[test]
    fn a_mailto_in_base64_is_an_obfuscated_address() {
        let mut c = Candidates::default();
        push_mailto(
            &mut c,
            "mailto:Ym9uam91ckBhdGVsaWVyLWV4ZW1wbGUuZnI=",
            Region::Footer,
        );
        let found: Vec<_> = c
            .emails
            .iter()
            .map(|e| (e.address.as_str(), e.source))
            .collect();
        assert_eq!(
            found,
            [("bonjour@atelier-exemple.fr", CandidateSource::Obfuscated)]
        );
        let mut c = Candidates::default();
        push_mailto(&mut c, "mailto:bm90IGFuIGFkZHJlc3M=", Region::Footer);
        assert!(c.emails.is_empty(), "base64 of a sentence is no address");
    }
}
