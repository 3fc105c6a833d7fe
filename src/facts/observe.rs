//! The page phase of the pack's readers: what each page shows that the rules judge (their terms, opening hours, a response-time
//! promise, legal identifiers, contact forms, structured contact data, spelling), reduced to a small
//! [`PageObservation`] next to the page's parsing. Like axe-core's checks, this runs once per page; the detectors
//! then judge the site from the merged observations.

use std::collections::BTreeSet;

use url::Url;

use crate::facts::language::{languages_of, Languages};
use crate::facts::lexicon::{fold, fold_char};
use crate::facts::readers::{CompiledTerm, Readers, TermSource};
use crate::facts::{hours, legal, promise, spelling};
use crate::memo;
use crate::result::{FormFact, LinkKind, PageFacts, Region};

/// Characters of original text kept around a match as evidence.
const SNIPPET_CHARS: usize = 70;

#[derive(Debug, Clone)]
pub struct TermHit {
    pub term: usize,
    pub source: TermSource,
    pub region: Option<Region>,
    pub snippet: String,
}

/// What one page shows that the rules judge.
#[derive(Debug, Default)]
pub struct PageObservation {
    pub term_hits: Vec<TermHit>,
    /// Questions in the main text (sentences ending with "?").
    pub questions: u32,
    /// Questions of a FAQPage in JSON-LD.
    pub schema_questions: u32,
    pub hours: Option<(hours::WeeklyHours, String)>,
    pub promises: Vec<promise::Promise>,
    pub legal: legal::LegalFacts,
    /// Forms that take a message (a textarea, or e-mail + subject), not search or newsletter boxes.
    pub contact_forms: Vec<FormFact>,
    /// A link on the page names the contact page.
    pub contact_link: bool,
    /// `telephone`, `email`, `postalCode` values of schema.org organisations in JSON-LD.
    pub schema_contacts: Vec<(String, String)>,
    /// `tel:` and `mailto:` links whose own text shows another number or address: (target, text).
    pub link_mismatches: Vec<(String, String)>,
    pub spelling: Option<spelling::SpellingSample>,
    /// The chat window the rendered page showed.
    pub widget: Option<crate::result::ChatWidgetFact>,
}

/// Folded (lower case, no accents) text with, for each folded byte, the byte it came from: patterns are matched
/// on the folded text and evidence is cut from the original.
struct Folded<'a> {
    original: &'a str,
    folded: String,
    origin: Vec<u32>,
}

impl<'a> Folded<'a> {
    fn new(original: &'a str) -> Folded<'a> {
        let mut folded = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len() + 1);
        let mut at = 0;
        while at < original.len() {
            // ASCII runs fold byte for byte: copied and lower-cased in one go, each byte its own origin.
            let ascii = original.as_bytes()[at..]
                .iter()
                .take_while(|b| b.is_ascii())
                .count();
            if ascii > 0 {
                let start = folded.len();
                folded.push_str(&original[at..at + ascii]);
                folded[start..].make_ascii_lowercase();
                origin.extend(at as u32..(at + ascii) as u32);
                at += ascii;
                continue;
            }
            let c = original[at..].chars().next().expect("inside the text");
            let before = folded.len();
            fold_char(c, &mut folded);
            origin.resize(origin.len() + folded.len() - before, at as u32);
            at += c.len_utf8();
        }
        origin.push(original.len() as u32);
        Folded {
            original,
            folded,
            origin,
        }
    }

    /// The original text around folded bytes `start..end`, within its line, whitespace collapsed.
    fn snippet(&self, start: usize, end: usize) -> String {
        let (s, e) = (
            self.origin[start] as usize,
            self.origin[end.min(self.origin.len() - 1)] as usize,
        );
        snippet_around(self.original, s, e)
    }
}

/// Up to [`SNIPPET_CHARS`] either side of `start..end` in `text`, within the line, whitespace collapsed.
pub fn snippet_around(text: &str, start: usize, end: usize) -> String {
    let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[end..]
        .find('\n')
        .map(|i| end + i)
        .unwrap_or(text.len());
    let from = text[line_start..start]
        .char_indices()
        .rev()
        .nth(SNIPPET_CHARS - 1)
        .map(|(i, _)| line_start + i)
        .unwrap_or(line_start);
    let to = text[end..line_end]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map(|(i, _)| end + i)
        .unwrap_or(line_end);
    let mut out = String::new();
    if from > line_start {
        out.push('…');
    }
    out.push_str(
        &text[from..to]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    );
    if to < line_end {
        out.push('…');
    }
    out
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

/// Whether `start..end` of `text` is part of a template the shop left unfilled: inside square brackets
/// ("payment via [Stripe, PayPal, transfer]", "[Votre SIRET]"), or a label whose value is a bracketed placeholder
/// ("Express delivery: [delay and cost]"). Such words say what the template offers, not what the shop does.
fn unfilled_template(text: &str, start: usize, end: usize) -> bool {
    const REACH: usize = 80;
    // Whole-word matches take the character on either side ("]", " "): the word itself lies within.
    let word = &text[start..end];
    let start = start + word.len()
        - word
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .len();
    let end = end - (word.len() - word.trim_end_matches(|c: char| !c.is_alphanumeric()).len());
    if start >= end {
        return false;
    }
    let before = &text[floor_boundary(text, start.saturating_sub(REACH))..start];
    let after = &text[end..ceil_boundary(text, end + REACH)];
    let line_before = before.rsplit('\n').next().unwrap_or(before);
    let line_after = after.split('\n').next().unwrap_or(after);
    let opened = line_before
        .rfind('[')
        .is_some_and(|open| !line_before[open..].contains(']'));
    let closed = line_after
        .find(']')
        .is_some_and(|close| !line_after[..close].contains('['));
    if opened && closed {
        return true;
    }
    // "label : [value]": the label's own words up to the colon, then a bracketed value on the same line.
    let Some(colon) = line_after.find(':') else {
        return false;
    };
    let label_rest = &line_after[..colon];
    let value = line_after[colon + 1..].trim_start();
    label_rest.chars().count() <= 24
        && !label_rest.contains(['.', '[', ']'])
        && value.starts_with('[')
        && value.find(']').is_some_and(|close| close > 1)
}

/// Deepest pages whose spelling is read: the home page and the pages it links to are the ones a customer sees
/// first, and enough to tell the care taken.
pub const SPELLING_MAX_DEPTH: u32 = 1;

/// The first match of each term of `source` in `text`, the term's context conditions met, read in the page's
/// `languages` (every language when they are not known).
fn first_hits(
    readers: &Readers,
    source: TermSource,
    region: Option<Region>,
    text: &str,
    languages: Languages,
) -> Vec<TermHit> {
    let mut hits = Vec::new();
    let folded = Folded::new(text);
    let f = &folded.folded;
    // Which languages' patterns of each term match somewhere (bit i: its `by_language[i]`).
    let mut matched = vec![0u32; readers.terms.len()];
    for term_set in &readers.term_sets {
        if !term_set.tags.iter().any(|tag| languages.reads(tag)) {
            continue;
        }
        for pattern in term_set.set.matches(f).iter() {
            let (term, language) = term_set.patterns[pattern];
            if languages.reads(&readers.terms[term].by_language[language].0) {
                matched[term] |= 1 << language;
            }
        }
    }
    let meets_conditions = |term: &CompiledTerm, m: &regex::Match| {
        if let Some(near) = &term.near {
            let from = floor_boundary(f, m.start().saturating_sub(120));
            let to = ceil_boundary(f, m.end() + 120);
            if !near.is_match(&f[from..to]) {
                return false;
            }
        }
        if let Some(not_after) = &term.not_after {
            let from = floor_boundary(f, m.start().saturating_sub(60));
            if not_after.is_match(&f[from..m.start() + 1]) {
                return false;
            }
        }
        if let Some(not_before) = &term.not_before {
            let to = ceil_boundary(f, m.end() + 40);
            if not_before.is_match(&f[m.end()..to]) {
                return false;
            }
        }
        !(source == TermSource::Text && unfilled_template(f, m.start(), m.end()))
    };
    for (index, term) in readers.terms.iter().enumerate() {
        if !term.sources.contains(&source) || matched[index] == 0 {
            continue;
        }
        // A language whose patterns its set did not match would be searched to the end in vain.
        let first = term
            .by_language
            .iter()
            .enumerate()
            .filter(|(i, _)| matched[index] & (1 << i) != 0)
            .filter_map(|(_, (_, regex))| regex.find_iter(f).find(|m| meets_conditions(term, m)))
            .min_by_key(|m| m.start());
        if let Some(m) = first {
            hits.push(TermHit {
                term: index,
                source,
                region,
                snippet: folded.snippet(m.start(), m.end()),
            });
        }
    }
    hits
}

/// Observes one page. Pure; runs on the blocking pool.
pub fn observe(
    facts: &PageFacts,
    page_url: &Url,
    depth: Option<u32>,
    readers: &Readers,
) -> PageObservation {
    let mut obs = PageObservation::default();
    // The main text first: header and footer are often a theme's, in its own language.
    let mut page_text = String::new();
    for region in [Region::Main, Region::Aside, Region::Footer, Region::Header] {
        let text = facts.text.get(region);
        let head = text
            .char_indices()
            .nth(8_000)
            .map_or(text, |(at, _)| &text[..at]);
        page_text.push_str(head);
        page_text.push('\n');
    }
    let languages = languages_of(&page_text, facts.lang.as_deref());
    let mut found: BTreeSet<usize> = BTreeSet::new();

    let mut scan =
        |source: TermSource, region: Option<Region>, text: &str, obs: &mut PageObservation| {
            if text.is_empty() {
                return;
            }
            // Header, menu and footer repeat on every page, and so do the theme's scripts and frames: their hits
            // are found once per thread. A page's own URL, title and images do not.
            let repeats = match source {
                TermSource::Page | TermSource::Image => false,
                _ => region != Some(Region::Main),
            };
            let hits = if repeats {
                memo::memoized(&CHROME_HITS, &(source, languages, region, text), || {
                    first_hits(readers, source, region, text, languages)
                })
            } else {
                first_hits(readers, source, region, text, languages)
            };
            for hit in hits {
                if found.insert(hit.term) {
                    obs.term_hits.push(hit);
                }
            }
        };

    for region in Region::ALL {
        scan(
            TermSource::Text,
            Some(region),
            facts.text.get(region),
            &mut obs,
        );
    }
    scan(
        TermSource::Text,
        Some(Region::Footer),
        &facts.template_text,
        &mut obs,
    );
    // Images, scripts, frames and links are scanned as one text each, a line per item: one pass instead of
    // a hundred small ones (menus repeat the same links on every page).
    let images: String = facts
        .images
        .iter()
        .map(|image| {
            [&image.alt, &image.title, &image.file_name]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    scan(TermSource::Image, None, &images, &mut obs);
    let scripts: String = facts
        .scripts
        .iter()
        .map(|s| s.src.as_str())
        .chain(facts.inline_scripts.iter().map(|s| s.fingerprint.as_str()))
        .collect::<Vec<_>>()
        .join("\n");
    scan(TermSource::Script, None, &scripts, &mut obs);
    let iframes: String = facts
        .iframes
        .iter()
        .map(|f| f.src.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    scan(TermSource::Iframe, None, &iframes, &mut obs);
    scan(
        TermSource::Widget,
        None,
        &facts.widgets.join("\n"),
        &mut obs,
    );
    for region in Region::ALL {
        let links: String = facts
            .links
            .iter()
            .filter(|l| l.region == region)
            .map(|l| format!("{} {}", l.href, l.text.replace('\n', " ")))
            .collect::<Vec<_>>()
            .join("\n");
        scan(TermSource::Link, Some(region), &links, &mut obs);
    }
    let page = format!(
        "{} {}",
        page_url.path(),
        facts.title.as_deref().unwrap_or_default()
    );
    scan(TermSource::Page, None, &page, &mut obs);

    obs.questions = count_questions(&facts.text.main);
    // A product page's questions are about the product ("does it fit a 20 cm pan?"), not the shop's FAQ.
    obs.schema_questions = if facts.json_ld.iter().any(is_product) {
        0
    } else {
        facts.json_ld.iter().map(schema_questions).sum()
    };
    // Header, menu and footer repeat on every page: what they state is read once per thread.
    for region in Region::ALL {
        let text = facts.text.get(region);
        if text.is_empty() {
            continue;
        }
        let (week, promises) = if region == Region::Main {
            (hours::find(text), promise::find(text))
        } else {
            memo::memoized(&CHROME_STATEMENTS, text, || {
                (hours::find(text), promise::find(text))
            })
        };
        if let Some((week, evidence)) = week {
            match &mut obs.hours {
                Some((all, all_evidence)) => {
                    all.merge(&week);
                    if all_evidence.len() < 300 {
                        all_evidence.push_str(" · ");
                        all_evidence.push_str(&evidence);
                    }
                }
                None => obs.hours = Some((week, evidence)),
            }
        }
        for promise in promises {
            if !obs.promises.contains(&promise) {
                obs.promises.push(promise);
            }
        }
    }
    // Identification blocks are judged on the legal notice: only pages that could be one are read for them.
    if is_legal_page(facts, page_url, readers) {
        let all_text: String = Region::ALL
            .iter()
            .map(|r| facts.text.get(*r))
            .collect::<Vec<_>>()
            .join("\n");
        obs.legal = legal::find(&all_text);
    }
    obs.contact_forms = facts
        .forms
        .iter()
        .filter(|f| takes_a_message(f))
        .cloned()
        .collect();
    obs.contact_link = facts.links.iter().any(|l| {
        l.kind == LinkKind::Internal && !l.hidden && {
            let label = if l.text.is_empty() {
                l.label.as_deref().unwrap_or_default()
            } else {
                &l.text
            };
            let (by_text, by_url) =
                crate::facts::site::link_kinds(&readers.lexicon, &l.href, label);
            by_text
                .iter()
                .chain(by_url.iter())
                .any(|k| readers.lexicon.kind_name(*k) == "contact")
        }
    });
    obs.link_mismatches = link_mismatches(facts);
    for block in &facts.json_ld {
        schema_contacts(block, &mut obs.schema_contacts, 0);
    }
    if depth.is_some_and(|d| d <= SPELLING_MAX_DEPTH) {
        obs.spelling = spelling::check(&facts.text.main, facts.lang.as_deref());
    }
    obs.widget = facts.widget.clone();
    obs
}

/// The fields a customer fills in: not hidden inputs nor buttons.
pub fn visible_fields(form: &FormFact) -> Vec<&crate::result::FieldFact> {
    form.fields
        .iter()
        .filter(|f| {
            !matches!(
                f.field_type.as_deref(),
                Some("hidden" | "submit" | "button" | "image" | "reset")
            )
        })
        .collect()
}

thread_local! {
    static CHROME_STATEMENTS: memo::Memo<String, ChromeStatements> = Default::default();
    static CHROME_HITS: memo::Memo<ChromeText, Vec<TermHit>> = Default::default();
}

/// A repeated region's text, known by what reads it, in which languages, where.
type ChromeText = (TermSource, Languages, Option<Region>, String);

type ChromeStatements = (Option<(hours::WeeklyHours, String)>, Vec<promise::Promise>);

/// A page whose URL or title names the legal notice, the terms, the privacy policy or the about page.
fn is_legal_page(facts: &PageFacts, page_url: &Url, readers: &Readers) -> bool {
    let kinds = readers
        .lexicon
        .match_url_path(page_url.path())
        .into_iter()
        .chain(
            readers
                .lexicon
                .match_text(facts.title.as_deref().unwrap_or_default()),
        );
    let mut kinds = kinds.map(|k| readers.lexicon.kind_name(k));
    kinds.any(|k| matches!(k, "legal-notice" | "terms" | "privacy" | "about"))
}

/// A form a customer writes a message in: a textarea, or an e-mail field with a subject or message field.
/// Search boxes, newsletter sign-ups and log-in forms are not.
pub fn takes_a_message(form: &FormFact) -> bool {
    let visible = visible_fields(form);
    let has_textarea = visible.iter().any(|f| f.tag == "textarea");
    let has_password = visible
        .iter()
        .any(|f| f.field_type.as_deref() == Some("password"));
    let names: String = visible
        .iter()
        .map(|f| {
            fold(&format!(
                "{} {} {}",
                f.name.as_deref().unwrap_or_default(),
                f.label.as_deref().unwrap_or_default(),
                f.placeholder.as_deref().unwrap_or_default()
            ))
        })
        .collect::<Vec<_>>()
        .join(" ");
    // Reviews and blog comments take a message too, but they are not a way to reach the shop.
    let review_words = [
        "etoile",
        "star",
        "rating",
        "avis",
        "review",
        "commentaire",
        "comment",
    ];
    let form_names = fold(&format!(
        "{} {}",
        form.id.as_deref().unwrap_or_default(),
        form.action.as_deref().unwrap_or_default()
    ));
    if has_password
        || review_words
            .iter()
            .any(|w| names.contains(w) || form_names.contains(w))
        || is_checkout_or_booking(&visible)
    {
        return false;
    }
    has_textarea
        || (visible.len() >= 3
            && names.contains("mail")
            && ["message", "sujet", "objet", "subject", "demande"]
                .iter()
                .any(|w| names.contains(w)))
}

/// A delivery address block (street and town or postcode, beside no e-mail-only field), a date-and-time booking
/// or a button that pays, books or adds to the cart: an order being placed, not a message to the shop.
fn is_checkout_or_booking(visible: &[&crate::result::FieldFact]) -> bool {
    let words_of = |f: &crate::result::FieldFact| {
        fold(&format!(
            "{} {}",
            f.name.as_deref().unwrap_or_default(),
            f.label.as_deref().unwrap_or_default()
        ))
    };
    let postal_fields: Vec<String> = visible
        .iter()
        .filter(|f| f.field_type.as_deref() != Some("email"))
        .map(|f| words_of(f))
        .filter(|w| !w.contains("mail"))
        .collect();
    let any_field = |words: &[&str]| {
        postal_fields
            .iter()
            .any(|f| words.iter().any(|w| f.contains(w)))
    };
    let address_block = any_field(&[
        "street",
        "rue",
        "adresse",
        "address",
        "strasse",
        "calle",
        "indirizzo",
        "straat",
    ]) && any_field(&[
        "city",
        "ville",
        "town",
        "postal",
        "postcode",
        "zip",
        "code postal",
        "plz",
        "cap",
        "localit",
    ]);
    let typed = |t: &str| visible.iter().any(|f| f.field_type.as_deref() == Some(t));
    let booking = typed("datetime-local") || (typed("date") && typed("time"));
    let ordering_button = visible
        .iter()
        .filter(|f| f.tag == "button" || matches!(f.field_type.as_deref(), Some("submit")))
        .map(|f| words_of(f))
        .any(|w| {
            [
                "cart",
                "panier",
                "pay",
                "payer",
                "paiement",
                "book",
                "reserv",
                "commander",
                "checkout",
            ]
            .iter()
            .any(|k| w.contains(k))
        });
    address_block || booking || ordering_button
}

/// The last nine digits: enough to compare "+33 1 23 45 67 89" with "01.23.45.67.89".
fn phone_tail(s: &str) -> String {
    let digits: Vec<char> = s.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(9)..].iter().collect()
}

pub fn link_mismatches(facts: &PageFacts) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for link in &facts.links {
        let text = link.text.trim();
        let mismatch = match link.kind {
            LinkKind::Tel => {
                let shown = text.chars().filter(char::is_ascii_digit).count();
                let target = link.href.trim_start_matches("tel:");
                shown >= 8
                    && phone_tail(text) != phone_tail(&crate::urlnorm::percent_decode_lossy(target))
            }
            LinkKind::Mailto => {
                let target = link.href.trim_start_matches("mailto:");
                let target = target.split('?').next().unwrap_or_default();
                text.contains('@')
                    && !text.contains(' ')
                    && !crate::urlnorm::percent_decode_lossy(target).eq_ignore_ascii_case(text)
            }
            _ => false,
        };
        if mismatch && out.len() < 5 {
            out.push((link.href.clone(), text.to_string()));
        }
    }
    out
}

fn count_questions(text: &str) -> u32 {
    text.lines()
        .flat_map(|line| line.split_inclusive('?'))
        .filter(|s| {
            s.trim_end().ends_with('?') && s.chars().filter(|c| c.is_alphabetic()).count() >= 12
        })
        .count() as u32
}

fn schema_questions(value: &serde_json::Value) -> u32 {
    match value {
        serde_json::Value::Array(items) => items.iter().map(schema_questions).sum(),
        serde_json::Value::Object(map) => {
            let is_question = map
                .get("@type")
                .is_some_and(|t| t.as_str() == Some("Question"));
            u32::from(is_question)
                + map
                    .iter()
                    .filter(|(k, _)| k.as_str() != "@type")
                    .map(|(_, v)| schema_questions(v))
                    .sum::<u32>()
        }
        _ => 0,
    }
}

/// Whether structured data describes a product (at the top or in an `@graph`), as product pages' data does.
fn is_product(value: &serde_json::Value) -> bool {
    let typed = |v: &serde_json::Value| match v.get("@type") {
        Some(serde_json::Value::String(t)) => matches!(t.as_str(), "Product" | "ProductGroup"),
        Some(serde_json::Value::Array(types)) => types
            .iter()
            .any(|t| matches!(t.as_str(), Some("Product" | "ProductGroup"))),
        _ => false,
    };
    match value {
        serde_json::Value::Array(items) => items.iter().any(is_product),
        serde_json::Value::Object(map) => {
            typed(value)
                || map
                    .get("@graph")
                    .and_then(serde_json::Value::as_array)
                    .is_some_and(|graph| graph.iter().any(typed))
        }
        _ => false,
    }
}

/// Contact values of organisations, shops and their contact points.
fn schema_contacts(value: &serde_json::Value, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 8 || out.len() > 20 {
        return;
    }
    match value {
        serde_json::Value::Array(items) => {
            for item in items {
                schema_contacts(item, out, depth + 1);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    (
                        "telephone" | "faxNumber" | "email" | "postalCode",
                        serde_json::Value::String(s),
                    ) => {
                        let pair = (key.clone(), s.trim().to_string());
                        if !pair.1.is_empty() && !out.contains(&pair) {
                            out.push(pair);
                        }
                    }
                    _ => schema_contacts(v, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_cut_from_the_original_text() {
        let text = "Paiement sécurisé par Carte Bancaire ou chèque.";
        let f = Folded::new(text);
        let at = f.folded.find("cheque").unwrap();
        assert_eq!(f.snippet(at, at + 6), text);
        assert!(f.folded.contains("paiement securise"));
    }

    #[test]
    fn questions_are_counted_in_the_main_text() {
        assert_eq!(
            count_questions(
                "Quels sont les délais de livraison ?\nComment retourner un article ?\nOui ?"
            ),
            2
        );
    }

    #[test]
    fn words_of_an_unfilled_template_are_not_the_shops() {
        let at = |text: &str, word: &str| {
            let start = text.find(word).unwrap();
            unfilled_template(text, start, start + word.len())
        };
        assert!(at(
            "le paiement s'effectue via **[stripe, paypal, virement]**.",
            "paypal"
        ));
        assert!(at(
            "livraison express : [delai et cout estime]",
            "livraison express"
        ));
        assert!(at("point relais: [adresse du point]", "point relais"));
        assert!(at(
            "via [lydia, cheque, virement bancaire] selon",
            " virement bancaire]"
        ));
        assert!(!at(
            "paiement par paypal ou virement [voir conditions]",
            "paypal"
        ));
        assert!(!at(
            "livraison express : 24 h [hors week-end]",
            "livraison express"
        ));
        assert!(!at("[promo] livraison offerte. paypal accepte", "paypal"));
        assert!(!at("colissimo : 4,90 eur", "colissimo"));
    }
}
