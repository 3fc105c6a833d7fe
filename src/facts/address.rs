//! Postal addresses in visible text, read by a small grammar over tokens rather than matched by patterns: a street
//! line (house number before the street as in France, the UK and North America, or after it as in Belgium,
//! Switzerland, Germany, the Netherlands, Spain and Italy; letter suffixes, bis/ter, no number at all; street types
//! per language with their abbreviations), a PO box (BP, CS, P.O. Box, Postfach, Apartado), then a postcode in one
//! of the written formats of [`crate::facts::postcode`] and the town (after the postcode on the Continent, before it
//! in the UK, the US and Canada), CEDEX, a country name. Nothing is judged here beyond shape: the site facts check
//! postcode and town and say whose address it is.

use std::sync::LazyLock;

use crate::facts::lexicon::{fold, fold_char, WordBits};
use crate::facts::postcode::{self, Format};

/// An address as read in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The street line as written ("17b impasse des Lilas").
    pub street: Option<String>,
    /// "BP 123", "CS 70001", "P.O. Box 45".
    pub po_box: Option<String>,
    pub postcode: Option<String>,
    pub town: Option<String>,
    pub cedex: bool,
    /// ISO code, when the text says it: a country name, a postcode prefix ("B-1000"), a format only one country
    /// writes (UK, Canada, the US, the Netherlands).
    pub country: Option<&'static str>,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    /// Digits, maybe with one letter after them ("17b").
    Num,
    /// Letters and digits mixed ("SW1A", "H2X").
    Code,
    Punct(char),
    /// A line break: addresses span lines, sentences rarely do.
    Break,
}

#[derive(Debug, Clone)]
struct Tok<'t> {
    kind: Kind,
    start: usize,
    end: usize,
    /// Folded: lower case, no accents. Most words are written so already and borrow the text; the others are
    /// folded into one buffer per text (no allocation per word).
    low: &'t str,
    /// What the word is in the lists below (`class::*` bits), looked up once per token.
    class: u16,
    /// The first letter (after "l'", "d'") is a capital.
    cap: bool,
    /// Every letter is a capital (two letters at least).
    caps: bool,
}

impl Tok<'_> {
    fn word(&self) -> bool {
        self.kind == Kind::Word
    }
    fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
    fn digits(&self) -> usize {
        self.low.bytes().take_while(u8::is_ascii_digit).count()
    }
    fn has(&self, class: u16) -> bool {
        self.class & class != 0
    }
}

/// The lists a word can be in, as bits: every token is looked up once instead of each list scanned at every step.
mod class {
    pub const STOP: u16 = 1;
    pub const UNIT: u16 = 1 << 1;
    pub const PARTICLE: u16 = 1 << 2;
    pub const MONTH: u16 = 1 << 3;
    pub const PREFIX_TYPE: u16 = 1 << 4;
    /// A prefix type that is a common word too ("place", "route").
    pub const PREFIX_TYPE_COMMON: u16 = 1 << 5;
    pub const PREFIX_ABBREVIATION: u16 = 1 << 6;
    pub const SUFFIX_TYPE: u16 = 1 << 7;
    /// The first word of a country's name.
    pub const COUNTRY_START: u16 = 1 << 8;
}

fn word_class(low: &str) -> u16 {
    static CLASSES: LazyLock<WordBits> = LazyLock::new(|| {
        let bit = |list: &'static [&'static str], bit: u16| {
            list.iter().map(move |w| (*w, u32::from(bit)))
        };
        WordBits::new(
            bit(STOP_WORDS, class::STOP)
                .chain(bit(UNIT_WORDS, class::UNIT))
                .chain(bit(PARTICLES, class::PARTICLE))
                .chain(bit(MONTHS, class::MONTH))
                .chain(bit(PREFIX_ABBREVIATIONS, class::PREFIX_ABBREVIATION))
                .chain(bit(SUFFIX_TYPES, class::SUFFIX_TYPE))
                .chain(PREFIX_TYPES.iter().flat_map(|(w, common)| {
                    let common = if *common {
                        class::PREFIX_TYPE_COMMON
                    } else {
                        0
                    };
                    [(*w, u32::from(class::PREFIX_TYPE | common))]
                }))
                .chain(
                    COUNTRIES
                        .iter()
                        .filter_map(|(name, _)| name.split(' ').next())
                        .map(|w| (w, u32::from(class::COUNTRY_START))),
                ),
        )
    });
    // Every bit is a `class` constant: the value fits.
    CLASSES.get(low) as u16
}

/// `char::is_alphabetic`, without the table look-up for the Latin letters of Western European text.
fn is_letter(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' => true,
        '\0'..='\x7f' => false,
        '\u{c0}'..='\u{24f}' => c != '×' && c != '÷',
        _ => c.is_alphabetic(),
    }
}

/// `char::is_alphanumeric`, the same way.
fn is_letter_or_digit(c: char) -> bool {
    match c {
        '0'..='9' => true,
        '\0'..='\x7f' | '\u{c0}'..='\u{24f}' => is_letter(c),
        _ => c.is_alphanumeric(),
    }
}

/// The text as tokens, in one pass over its characters; `folded` receives the folded form of the words that are
/// not written folded already.
fn tokenize<'t>(text: &'t str, folded: &'t mut String) -> Vec<Tok<'t>> {
    let mut out: Vec<Tok> = Vec::with_capacity(text.len() / 5);
    // (token, range in `folded`): the words are pointed at their folded form once it is complete.
    let mut to_fold: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    let next_char = |at: usize| text[at..].chars().next();
    let mut at = 0;
    while let Some(c) = next_char(at) {
        if c == '\n' {
            if !out.last().is_some_and(|t| t.kind == Kind::Break) {
                out.push(Tok {
                    kind: Kind::Break,
                    start: at,
                    end: at + 1,
                    low: "",
                    class: 0,
                    cap: false,
                    caps: false,
                });
            }
            at += 1;
            continue;
        }
        if c.is_whitespace() {
            at += c.len_utf8();
            continue;
        }
        if !is_letter_or_digit(c) {
            out.push(Tok {
                kind: Kind::Punct(c),
                start: at,
                end: at + c.len_utf8(),
                // A mark is read by its kind (`is(',')`).
                low: "",
                class: 0,
                cap: false,
                caps: false,
            });
            at += c.len_utf8();
            continue;
        }
        // A run of letters and digits; an apostrophe or hyphen between two letters stays inside ("Saint-Galmier",
        // "l'Arche"), between a letter and a digit it does not ("B-1000"). Counted as it is read.
        let start = at;
        let mut end = at;
        let mut previous_is_letter = false;
        let (mut chars, mut letters, mut digits, mut leading_digits) = (0, 0, 0, 0);
        let mut all_upper = true;
        let mut plain = true;
        let mut first_three = [None; 3];
        while end < text.len() {
            // Most of a page is ASCII letters: read them without decoding.
            let b = text.as_bytes()[end];
            if b.is_ascii_alphanumeric() {
                if chars < 3 {
                    first_three[chars] = Some(b as char);
                }
                chars += 1;
                previous_is_letter = b.is_ascii_alphabetic();
                if previous_is_letter {
                    letters += 1;
                    all_upper &= b.is_ascii_uppercase();
                    plain &= b.is_ascii_lowercase();
                } else {
                    digits += 1;
                    if leading_digits + 1 == chars {
                        leading_digits += 1;
                    }
                }
                end += 1;
                continue;
            }
            let Some(c) = next_char(end) else { break };
            let inner = matches!(c, '-' | '\'' | '’')
                && previous_is_letter
                && next_char(end + c.len_utf8()).is_some_and(is_letter);
            if !(inner || is_letter_or_digit(c)) {
                break;
            }
            if chars < 3 {
                first_three[chars] = Some(c);
            }
            chars += 1;
            previous_is_letter = is_letter(c);
            if previous_is_letter {
                letters += 1;
                all_upper &= c.is_uppercase();
            }
            if c.is_ascii_digit() {
                digits += 1;
                if leading_digits + 1 == chars {
                    leading_digits += 1;
                }
            }
            plain &= c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '\'';
            end += c.len_utf8();
        }
        let raw = &text[start..end];
        let kind = if letters == 0 {
            Kind::Num
        } else if digits == 0 {
            Kind::Word
        } else if leading_digits == digits && letters == 1 && chars == digits + 1 {
            Kind::Num
        } else {
            Kind::Code
        };
        // "l'Arche", "d'Avray": the capital that counts is the one after the apostrophe.
        let after_elision = chars > 2 && matches!(first_three[1], Some('\'' | '’'));
        let head = if after_elision {
            first_three[2]
        } else {
            first_three[0]
        };
        let cap = head.is_some_and(char::is_uppercase);
        let caps = letters >= 2 && all_upper;
        let low = if plain {
            raw
        } else {
            let from = folded.len();
            for c in raw.chars() {
                fold_char(c, folded);
            }
            to_fold.push((out.len(), from..folded.len()));
            ""
        };
        let class = if kind == Kind::Word {
            word_class(low)
        } else {
            0
        };
        out.push(Tok {
            kind,
            start,
            end,
            low,
            class,
            cap,
            caps,
        });
        at = end;
    }
    let folded: &'t String = folded;
    for (index, range) in to_fold {
        let tok = &mut out[index];
        tok.low = &folded[range];
        if tok.kind == Kind::Word {
            tok.class = word_class(tok.low);
        }
    }
    out
}

/// Street types written before the street's name, per language (folded), and whether the word is also common
/// outside addresses ("place", "cours", "route": the name must then be a proper name).
const PREFIX_TYPES: &[(&str, bool)] = &[
    // French
    ("rue", false),
    ("avenue", false),
    ("boulevard", false),
    ("impasse", false),
    ("allee", false),
    ("quai", false),
    ("chaussee", false),
    ("faubourg", false),
    ("traverse", false),
    ("ruelle", false),
    ("venelle", false),
    ("montee", false),
    ("rond-point", false),
    ("lieu-dit", false),
    ("lotissement", false),
    ("place", true),
    ("chemin", true),
    ("route", true),
    ("cours", true),
    ("square", true),
    ("voie", true),
    ("passage", true),
    ("sentier", true),
    ("residence", true),
    ("promenade", true),
    ("esplanade", true),
    ("parvis", true),
    ("cite", true),
    ("hameau", true),
    ("domaine", true),
    ("zone", true),
    ("za", true),
    ("zac", true),
    ("zi", true),
    ("parc", true),
    // Spanish, Catalan
    ("calle", false),
    ("avenida", false),
    ("carrer", false),
    ("paseo", true),
    ("plaza", true),
    ("camino", true),
    ("carretera", true),
    ("ronda", true),
    ("travesia", true),
    // Italian
    ("via", true),
    ("viale", false),
    ("piazza", true),
    ("piazzale", false),
    ("corso", true),
    ("largo", true),
    ("vicolo", false),
    ("strada", true),
    ("contrada", true),
    // Dutch and German ones written apart
    ("laan", true),
    ("am", true),
];

/// Abbreviated street types written before the name ("Av.", "Bd", "Trav.", "Ch."): a street type only before a
/// street name, and only with a house number or a postcode beside it ("CH. Dupont" is a title).
const PREFIX_ABBREVIATIONS: &[&str] = &[
    "av", "ave", "bd", "bld", "blvd", "boul", "pl", "ch", "chem", "all", "imp", "rte", "fbg", "sq",
    "trav", "trs", "crs", "res", "qu", "pass", "r", "avda", "pza", "pzza", "v.le", "c",
];

/// Street types written after the name, in English ("41 Tiemie Crescent", "221B Baker Street").
const SUFFIX_TYPES: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "av",
    "lane",
    "ln",
    "drive",
    "dr",
    "boulevard",
    "blvd",
    "way",
    "court",
    "ct",
    "crescent",
    "cres",
    "close",
    "place",
    "pl",
    "terrace",
    "grove",
    "gardens",
    "square",
    "row",
    "mews",
    "parkway",
    "pkwy",
    "highway",
    "hwy",
    "circle",
    "cir",
    "trail",
    "walk",
    "hill",
];

/// Street types that end a compound word, the number after it ("Hauptstraße 5", "Kerkstraat 12", "Bahnhofstr. 3").
const COMPOUND_SUFFIXES: &[&str] = &[
    "strasse", "str", "weg", "gasse", "platz", "allee", "ring", "damm", "ufer", "straat", "laan",
    "plein", "gracht", "kade", "dijk", "dreef", "steenweg", "singel", "markt", "steig", "pfad",
];

/// Words inside a street's name that do not make it: articles and prepositions.
const PARTICLES: &[&str] = &[
    "de", "du", "des", "la", "le", "les", "l", "d", "au", "aux", "et", "sur", "sous", "en", "del",
    "dels", "y", "di", "della", "delle", "dei", "degli", "dello", "van", "der", "den", "het",
    "von", "zum", "zur", "im", "an", "of", "the", "saint", "sainte", "st", "ste",
];

/// Words that end a street's name or a town: what a page writes next to an address.
const STOP_WORDS: &[&str] = &[
    "tel",
    "telephone",
    "phone",
    "tél",
    "fax",
    "email",
    "e-mail",
    "mail",
    "courriel",
    "contact",
    "siret",
    "siren",
    "rcs",
    "tva",
    "vat",
    "horaires",
    "hours",
    "ouvert",
    "open",
    "bp",
    "cs",
    "cedex",
    "gsm",
    "mobile",
    "portable",
    "whatsapp",
    "capital",
    "ice",
    "rc",
    "if",
    "patente",
    "cnss",
    "web",
    "site",
    "www",
];

/// Parts of a building written after the street ("Bâtiment A", "bureau 200", "Suite 400", "bte 3", "3e étage"):
/// they end the street's name and are skipped before the postcode.
const UNIT_WORDS: &[&str] = &[
    "batiment",
    "bat",
    "immeuble",
    "imm",
    "escalier",
    "esc",
    "etage",
    "appartement",
    "appt",
    "apt",
    "bureau",
    "suite",
    "unit",
    "bte",
    "bus",
    "boite",
    "porte",
    "local",
    "lot",
    "villa",
    "floor",
    "flat",
    "room",
    "piso",
    "puerta",
    "interno",
    "scala",
    "stock",
];

/// Country names (folded) as shops write them under an address, with their ISO codes.
const COUNTRIES: &[(&str, &str)] = &[
    ("france", "FR"),
    ("belgique", "BE"),
    ("belgium", "BE"),
    ("belgie", "BE"),
    ("belgien", "BE"),
    ("suisse", "CH"),
    ("switzerland", "CH"),
    ("schweiz", "CH"),
    ("svizzera", "CH"),
    ("luxembourg", "LU"),
    ("monaco", "MC"),
    ("canada", "CA"),
    ("usa", "US"),
    ("united states", "US"),
    ("etats-unis", "US"),
    ("united kingdom", "GB"),
    ("uk", "GB"),
    ("royaume-uni", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("maroc", "MA"),
    ("morocco", "MA"),
    ("deutschland", "DE"),
    ("germany", "DE"),
    ("allemagne", "DE"),
    ("espana", "ES"),
    ("espagne", "ES"),
    ("spain", "ES"),
    ("italia", "IT"),
    ("italie", "IT"),
    ("italy", "IT"),
    ("nederland", "NL"),
    ("pays-bas", "NL"),
    ("netherlands", "NL"),
    ("osterreich", "AT"),
    ("autriche", "AT"),
    ("austria", "AT"),
    ("togo", "TG"),
    ("senegal", "SN"),
    ("cote d'ivoire", "CI"),
    ("benin", "BJ"),
    ("cameroun", "CM"),
    ("cameroon", "CM"),
    ("mali", "ML"),
    ("burkina faso", "BF"),
    ("niger", "NE"),
    ("guinee", "GN"),
    ("gabon", "GA"),
    ("algerie", "DZ"),
    ("algeria", "DZ"),
    ("tunisie", "TN"),
    ("tunisia", "TN"),
    ("south africa", "ZA"),
    ("afrique du sud", "ZA"),
    ("portugal", "PT"),
    ("ireland", "IE"),
    ("irlande", "IE"),
];

/// Months, for street names that are dates ("Rue du 8 Mai 1945", "Avenue du 11 Novembre").
const MONTHS: &[&str] = &[
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
];

/// A street line found at some token.
struct Street {
    start: usize,
    /// One past its last token.
    end: usize,
    /// A house number and a street type written out in full: with a proper name and a town, an address even
    /// without a postcode.
    strong: bool,
    /// The name has a capitalised word.
    proper: bool,
}

/// The country named by the words at `i` ("Côte d'Ivoire", "United Kingdom"): (code, tokens).
fn country_at(toks: &[Tok], i: usize) -> Option<(&'static str, usize)> {
    if !toks.get(i).is_some_and(|t| t.has(class::COUNTRY_START)) {
        return None;
    }
    for n in [3, 2, 1] {
        if i + n > toks.len() || !toks[i..i + n].iter().all(Tok::word) {
            continue;
        }
        let words: Vec<&str> = toks[i..i + n].iter().map(|t| t.low).collect();
        let name = words.join(" ");
        if let Some((_, code)) = COUNTRIES.iter().find(|(w, _)| *w == name) {
            return Some((code, n));
        }
    }
    None
}

/// The ISO code of a country name ("Belgique", "Côte d'Ivoire").
pub fn country_code(name: &str) -> Option<&'static str> {
    let folded = fold(name.trim()).replace('’', "'");
    COUNTRIES
        .iter()
        .find(|(w, _)| *w == folded)
        .map(|(_, code)| *code)
}

fn is_stop(t: &Tok) -> bool {
    t.word() && t.has(class::STOP | class::UNIT)
}

/// Skips the parts of a building after a street ("Bâtiment A", ", bureau 200", "3e étage", "Suite 400").
fn skip_units(toks: &[Tok], from: usize) -> usize {
    let mut at = from;
    for _ in 0..3 {
        let k = skip_separators(toks, at, 1);
        let Some(t) = toks.get(k) else { break };
        let mut j = k;
        if t.word() && t.has(class::UNIT) {
            j += 1;
            if toks.get(j).is_some_and(|n| n.is('.') || n.is(':')) {
                j += 1;
            }
            // "Bâtiment A", "bureau 200", "Suite 4B"; a box number that is a PO box is read as one.
            let value = toks.get(j).filter(|n| {
                matches!(n.kind, Kind::Num | Kind::Code) || n.word() && n.low.chars().count() == 1
            });
            if value.is_none()
                || t.low == "boite" && toks.get(j).is_some_and(|n| n.low == "postale")
            {
                break;
            }
            j += 1;
        } else if matches!(t.kind, Kind::Num | Kind::Code)
            && toks
                .get(k + 1)
                .is_some_and(|n| n.word() && matches!(n.low, "etage" | "floor" | "piso"))
        {
            j += 2;
        } else {
            break;
        }
        at = j;
    }
    at
}

fn is_particle(t: &Tok) -> bool {
    t.word() && t.has(class::PARTICLE)
        || t.word() && (t.low.starts_with("l'") || t.low.starts_with("d'")) && !t.cap
}

/// A house number: one to four digits not starting with 0 (a phone's last pair is "01"), a letter after it
/// ("17b"), "12-14". Returns the index after it, bis/ter included.
fn house_number_at(toks: &[Tok], i: usize) -> Option<usize> {
    let t = toks.get(i)?;
    if t.kind != Kind::Num || !(1..=4).contains(&t.digits()) || t.low.starts_with('0') {
        return None;
    }
    let mut j = i + 1;
    if toks.get(j).is_some_and(|t| t.is('-'))
        && toks
            .get(j + 1)
            .is_some_and(|n| n.kind == Kind::Num && n.digits() <= 4 && n.start == toks[j].end)
    {
        j += 2;
    }
    if toks
        .get(j)
        .is_some_and(|t| t.word() && matches!(t.low, "bis" | "ter" | "quater" | "a" | "b" | "c"))
    {
        j += 1;
    }
    Some(j)
}

/// The street's name from `i`: words, particles, initials ("J."), a date ("8 Mai 1945"). Returns (end, proper
/// name seen), or None when no name word is there.
fn street_name_at(toks: &[Tok], i: usize) -> Option<(usize, bool)> {
    let mut j = i;
    let mut words = 0;
    let mut proper = false;
    let mut last_name_end = None;
    while j < toks.len() && words < 7 {
        let t = &toks[j];
        if t.word() {
            if is_stop(t) || country_at(toks, j).is_some() && words > 0 {
                break;
            }
            if is_particle(t) {
                j += 1;
                words += 1;
                continue;
            }
            // A lower-case word after a proper name: the sentence goes on, the name has ended.
            if proper && !t.cap && !t.caps {
                break;
            }
            proper |= t.cap || t.caps;
            words += 1;
            j += 1;
            // An initial: "J." then the name goes on.
            if t.low.chars().count() == 1 && toks.get(j).is_some_and(|n| n.is('.')) {
                j += 1;
            }
            last_name_end = Some(j);
            continue;
        }
        // A date as a name: "du 8 Mai 1945".
        if t.kind == Kind::Num
            && t.digits() <= 2
            && toks
                .get(j + 1)
                .is_some_and(|m| m.word() && m.has(class::MONTH))
        {
            j += 2;
            if toks
                .get(j)
                .is_some_and(|y| y.kind == Kind::Num && y.digits() == 4)
            {
                j += 1;
            }
            proper = true;
            words += 2;
            last_name_end = Some(j);
            continue;
        }
        if t.is('-')
            && toks.get(j + 1).is_some_and(|n| n.word() && n.cap)
            && last_name_end == Some(j)
        {
            j += 1;
            continue;
        }
        break;
    }
    last_name_end.map(|end| (end, proper))
}

/// A street line starting at token `i`.
fn street_at(toks: &[Tok], i: usize) -> Option<Street> {
    let number_end = house_number_at(toks, i);
    // The street type: after the house number (and a comma: "12, rue"), or first.
    let type_at = match number_end {
        Some(j) if toks.get(j).is_some_and(|t| t.is(',')) => j + 1,
        Some(j) => j,
        None => i,
    };
    if let Some(street) = prefix_street(toks, i, type_at, number_end.is_some()) {
        return Some(street);
    }
    if let Some(j) = number_end {
        if let Some(street) = suffix_street(toks, i, j) {
            return Some(street);
        }
    }
    if number_end.is_none() {
        return compound_street(toks, i);
    }
    None
}

/// "12 rue des Lilas", "Rue J. Jaurès, 12", "Chemin des Vignes 14a", "Via Roma 10", "C/ Mayor, 5".
fn prefix_street(toks: &[Tok], start: usize, at: usize, numbered: bool) -> Option<Street> {
    let t = toks.get(at)?;
    if !t.word() {
        return None;
    }
    let full = t.has(class::PREFIX_TYPE);
    let abbreviated = !full && t.has(class::PREFIX_ABBREVIATION);
    if !full && !abbreviated {
        return None;
    }
    // A type is a word of its own; "R" and "C" are types only as "R." and "C/".
    let mut j = at + 1;
    let dotted = toks.get(j).is_some_and(|n| n.is('.') && n.start == t.end);
    let slashed = toks.get(j).is_some_and(|n| n.is('/') && n.start == t.end);
    if matches!(t.low, "r") && !dotted || matches!(t.low, "c") && !slashed {
        return None;
    }
    if dotted || slashed {
        j += 1;
    }
    // The type alone at the start of a sentence that is no address ("Place de marché") shows in the name below.
    let (name_end, proper) = street_name_at(toks, j)?;
    let ambiguous = t.has(class::PREFIX_TYPE_COMMON) || abbreviated;
    // A common word as a type ("1 place de parking") or an abbreviation needs a proper name, or a house number
    // before it (then a postcode after it, checked by the caller).
    if ambiguous && !proper && !numbered {
        return None;
    }
    let mut end = name_end;
    let mut numbered_after = false;
    if !numbered {
        // The number after the street (BE, CH, DE, ES, IT, NL): "Rue J. Jaurès, 12", "Chemin des Vignes 14a".
        let k = if toks.get(end).is_some_and(|t| t.is(',')) {
            end + 1
        } else {
            end
        };
        if let Some(after) = house_number_at(toks, k) {
            // A four-digit number straight before a town is the postcode of a street without number.
            let postcode_next = toks[k].digits() == 4
                && toks
                    .get(after)
                    .is_some_and(|n| n.word() && (n.cap || n.caps))
                && !toks[k].low.ends_with(|c: char| c.is_alphabetic());
            if !postcode_next {
                end = after;
                numbered_after = true;
            }
        }
    }
    Some(Street {
        start,
        end,
        strong: (numbered || numbered_after) && !abbreviated,
        proper,
    })
}

/// "41 Tiemie Crescent", "221B Baker Street", "1600 Pennsylvania Avenue NW".
fn suffix_street(toks: &[Tok], start: usize, from: usize) -> Option<Street> {
    let mut j = from;
    let mut names = 0;
    while j < toks.len() && names < 4 {
        let t = &toks[j];
        if !t.word() || !(t.cap || t.caps) {
            return None;
        }
        if names > 0 && t.has(class::SUFFIX_TYPE) {
            let mut end = j + 1;
            if toks.get(end).is_some_and(|n| n.is('.') && n.start == t.end) {
                end += 1;
            }
            // A compass point after the type (US): "Avenue NW".
            if toks.get(end).is_some_and(|n| {
                n.word() && matches!(n.low, "n" | "s" | "e" | "w" | "ne" | "nw" | "se" | "sw")
            }) {
                end += 1;
            }
            let full = t.low.chars().count() > 3;
            return Some(Street {
                start,
                end,
                strong: full,
                proper: true,
            });
        }
        if is_stop(t) {
            return None;
        }
        names += 1;
        j += 1;
    }
    None
}

/// "Hauptstraße 5", "Kerkstraat 12", "Bahnhofstr. 3": a compound word ending in a street type, the number after.
fn compound_street(toks: &[Tok], i: usize) -> Option<Street> {
    let t = toks.get(i)?;
    if !t.word() || !t.cap {
        return None;
    }
    // Folding wrote "ß" as "ss".
    let low = t.low;
    let suffix = COMPOUND_SUFFIXES
        .iter()
        .find(|s| low.ends_with(*s) && low.len() >= s.len() + 3)?;
    let mut j = i + 1;
    if *suffix == "str" {
        if !toks.get(j).is_some_and(|n| n.is('.')) {
            return None;
        }
        j += 1;
    }
    let end = house_number_at(toks, j)?;
    Some(Street {
        start: i,
        end,
        strong: false,
        proper: true,
    })
}

/// "BP 123", "B.P. 45", "CS 70001", "P.O. Box 12", "Boîte postale 8", "Case postale 3", "Postfach 12",
/// "Apartado de correos 40", "Postbus 51". Returns the index after the number.
fn po_box_at(toks: &[Tok], i: usize) -> Option<usize> {
    // Every form below starts with a word beginning with one of these letters: most tokens end here.
    let first = toks.get(i)?;
    if !first.word() || !first.low.starts_with(['b', 'c', 'p', 't', 'a']) {
        return None;
    }
    // Longer words start a box only written out.
    if first.low.len() > 3
        && !matches!(
            first.low,
            "postfach" | "postbus" | "boite" | "case" | "apartado"
        )
    {
        return None;
    }
    // Letters written with dots ("B.P.", "P.O.") are read as one word.
    let mut letters = String::new();
    let mut j = i;
    while j < toks.len() && letters.len() < 4 {
        let t = &toks[j];
        if t.word() && t.low.len() <= 3 && t.low != "box" {
            letters.push_str(t.low);
            j += 1;
            if toks.get(j).is_some_and(|n| n.is('.')) {
                j += 1;
            }
        } else {
            break;
        }
    }
    let after_words = |j: usize, words: &[&str]| -> Option<usize> {
        let mut k = j;
        for w in words {
            if toks.get(k).is_some_and(|t| t.low == *w) {
                k += 1;
            } else {
                return None;
            }
        }
        Some(k)
    };
    let number_from = match letters.as_str() {
        "bp" | "cs" | "tsa" => Some(j),
        "po" | "p" => after_words(j, &["box"]),
        _ => {
            let t = toks.get(i)?;
            match t.low {
                "postfach" | "postbus" => Some(i + 1),
                "boite" | "case" => after_words(i + 1, &["postale"]),
                "apartado" => Some(after_words(i + 1, &["de", "correos"]).unwrap_or(i + 1)),
                "box" => Some(i + 1),
                _ => None,
            }
        }
    }?;
    let mut k = number_from;
    if toks.get(k).is_some_and(|t| t.is(':') || t.is('.')) {
        k += 1;
    }
    let n = toks.get(k)?;
    (n.kind == Kind::Num && (1..=6).contains(&n.digits())).then_some(k + 1)
}

/// A postcode at `i`, in any written format: (format, normalised code, end).
fn postcode_at(toks: &[Tok], i: usize) -> Option<(Format, String, usize)> {
    let t = toks.get(i)?;
    // A country prefix: "B-1000", "CH-1950", "L-1234", "F-75001".
    if t.word() && t.caps || t.word() && t.low.len() == 1 && t.cap {
        if let (Some(dash), Some(n)) = (toks.get(i + 1), toks.get(i + 2)) {
            if dash.is('-') && dash.start == t.end && n.kind == Kind::Num && n.start <= dash.end + 1
            {
                if let Some(format) = postcode::prefixed(t.low, n.low) {
                    let code = if format == Format::Lu {
                        format!("L-{}", n.low)
                    } else {
                        n.low.to_string()
                    };
                    return Some((format, code, i + 3));
                }
            }
        }
    }
    match t.kind {
        Kind::Num if t.digits() == 5 && t.low.len() == 5 => {
            // ZIP+4 is read with the state (US) below; alone it stays five digits.
            Some((Format::Five, t.low.to_string(), i + 1))
        }
        Kind::Num if t.digits() == 4 && t.low.len() == 4 => {
            // Dutch: "1012 AB".
            if let Some(n) = toks.get(i + 1) {
                if n.word() && n.caps && n.low.len() == 2 && !matches!(n.low, "sa" | "sd" | "ss") {
                    return Some((
                        Format::Nl,
                        format!("{} {}", t.low, n.low.to_uppercase()),
                        i + 2,
                    ));
                }
            }
            Some((Format::Four, t.low.to_string(), i + 1))
        }
        // A UK or Canadian postcode's first half is in capitals or mixes letters and digits ("SW1A", "H2X").
        Kind::Code | Kind::Word | Kind::Num if t.caps || t.kind == Kind::Code => {
            let second = toks.get(i + 1)?;
            let pair = format!("{} {}", t.low.to_uppercase(), second.low.to_uppercase());
            if postcode::is_uk(&pair) {
                return Some((Format::Uk, pair, i + 2));
            }
            if postcode::is_ca(&pair) {
                return Some((Format::Ca, pair, i + 2));
            }
            None
        }
        _ => None,
    }
}

/// The town written after a continental postcode: capitalised words, particles, hyphens ("Les Pavillons-sous-Bois",
/// "Ville d'Avray", "MARSEILLE"); then CEDEX and its number. Returns (town end, cedex, end).
fn town_after(toks: &[Tok], i: usize, lower_ok: bool) -> Option<(usize, bool, usize)> {
    let mut j = i;
    if toks.get(j).is_some_and(|t| t.is(',')) {
        j += 1;
    }
    let first = toks.get(j)?;
    if !first.word()
        || is_stop(first)
        || !(first.cap || first.caps || lower_ok)
        || is_particle(first) && !first.cap
    {
        return None;
    }
    let mut end = j + 1;
    let mut k = j + 1;
    let mut words = 1;
    while k < toks.len() && words < 5 {
        let t = &toks[k];
        if t.word()
            && !is_stop(t)
            && country_at(toks, k).is_none()
            && (t.cap || t.caps || is_particle(t))
        {
            k += 1;
            words += 1;
            if !is_particle(t) {
                end = k;
            }
            continue;
        }
        // "Saint Galmier" and "Saint - Galmier" read alike.
        if t.is('-') && toks.get(k + 1).is_some_and(|n| n.word() && n.cap) {
            k += 1;
            continue;
        }
        break;
    }
    let mut after = end;
    let mut cedex = false;
    if toks.get(after).is_some_and(|t| t.low == "cedex") {
        cedex = true;
        after += 1;
        if toks
            .get(after)
            .is_some_and(|t| t.kind == Kind::Num && t.digits() <= 2)
        {
            after += 1;
        }
    }
    Some((end, cedex, after))
}

fn is_separator(t: &Tok) -> bool {
    t.kind == Kind::Break
        || matches!(
            t.kind,
            Kind::Punct(',' | '-' | '–' | '—' | '|' | '·' | '•' | '/')
        )
}

/// Skips separators (a comma, a dash, a line break) between the parts of an address; at most `breaks` line breaks.
fn skip_separators(toks: &[Tok], mut i: usize, breaks: usize) -> usize {
    let mut seen = 0;
    while i < toks.len() && is_separator(&toks[i]) && seen <= breaks {
        if toks[i].kind == Kind::Break {
            seen += 1;
            if seen > breaks {
                break;
            }
        }
        i += 1;
    }
    i
}

/// Text of tokens `a..b` as written, whitespace collapsed.
fn slice(text: &str, toks: &[Tok], a: usize, b: usize) -> String {
    if a >= b {
        return String::new();
    }
    text[toks[a].start..toks[b - 1].end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The postcode and town after position `i` (continental order, or the town first for UK/US/CA), then a country.
struct Locality {
    postcode: Option<String>,
    format: Option<Format>,
    town: Option<String>,
    cedex: bool,
    country: Option<&'static str>,
    end: usize,
}

fn locality_at(text: &str, toks: &[Tok], i: usize, lower_ok: bool) -> Option<Locality> {
    // Postcode first: "75001 Paris", "B-1000 Bruxelles", "1012 AB Amsterdam".
    if let Some((format, code, after)) = postcode_at(toks, i) {
        if matches!(format, Format::Uk | Format::Ca) {
            return None;
        }
        let (town_end, cedex, end) = town_after(toks, after, lower_ok)?;
        let town = slice(
            text,
            toks,
            after + usize::from(toks[after].is(',')),
            town_end,
        );
        return Some(with_country(
            toks,
            Locality {
                postcode: Some(code),
                format: Some(format),
                town: Some(town),
                cedex,
                country: None,
                end,
            },
        ));
    }
    // The town first: "London NW1 6XE", "Springfield, IL 62704", "Toronto, ON M5V 2T6", "Montréal (Québec) H3G 1P4".
    let mut j = i;
    let mut town_words = 0;
    while j < toks.len()
        && town_words < 3
        && toks[j].word()
        && (toks[j].cap || toks[j].caps)
        && !is_stop(&toks[j])
    {
        if let Some(found) = town_first(text, toks, i, j + 1) {
            return Some(found);
        }
        j += 1;
        town_words += 1;
    }
    None
}

/// A UK, Canadian or US postcode after the town `i..town_end`, a province or state in between.
fn town_first(text: &str, toks: &[Tok], i: usize, town_end: usize) -> Option<Locality> {
    let mut k = town_end;
    if toks.get(k).is_some_and(|t| t.is(',')) {
        k += 1;
    }
    // "(Québec)".
    if toks.get(k).is_some_and(|t| t.is('(')) {
        let close = toks[k..].iter().take(5).position(|t| t.is(')'))?;
        k += close + 1;
    }
    let state = toks
        .get(k)
        .filter(|t| t.word() && t.caps && t.low.len() == 2);
    if let Some(state) = state {
        let code = state.low.to_uppercase();
        if postcode::is_us_state(&code) {
            let zip = toks
                .get(k + 1)
                .filter(|t| t.kind == Kind::Num && t.low.len() == 5)?;
            let mut end = k + 2;
            let mut written = format!("{code} {}", zip.low);
            if toks.get(end).is_some_and(|t| t.is('-'))
                && toks
                    .get(end + 1)
                    .is_some_and(|t| t.kind == Kind::Num && t.low.len() == 4)
            {
                written = format!("{written}-{}", toks[end + 1].low);
                end += 2;
            }
            return Some(with_country(
                toks,
                Locality {
                    postcode: Some(written),
                    format: Some(Format::Us),
                    town: Some(slice(text, toks, i, town_end)),
                    cedex: false,
                    country: Some("US"),
                    end,
                },
            ));
        }
        if postcode::is_ca_province(&code) {
            k += 1;
        }
    }
    let (format, code, end) = postcode_at(toks, k)?;
    if !matches!(format, Format::Uk | Format::Ca) {
        return None;
    }
    Some(with_country(
        toks,
        Locality {
            postcode: Some(code),
            format: Some(format),
            town: Some(slice(text, toks, i, town_end)),
            cedex: false,
            country: Some(if format == Format::Uk { "GB" } else { "CA" }),
            end,
        },
    ))
}

/// A country name after the locality (", France", a line "Belgique").
fn with_country(toks: &[Tok], mut locality: Locality) -> Locality {
    let k = skip_separators(toks, locality.end, 1);
    if let Some((code, n)) = country_at(toks, k) {
        locality.country = Some(code);
        locality.end = k + n;
    }
    if locality.country.is_none() {
        locality.country = locality.format.and_then(Format::only_country);
    }
    locality
}

/// Addresses in `text`, in the order written.
pub fn find(text: &str) -> Vec<Found> {
    let mut folded = String::new();
    let toks = tokenize(text, &mut folded);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match address_at(text, &toks, i) {
            Some((found, end)) => {
                out.push(found);
                i = end.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}

fn address_at(text: &str, toks: &[Tok], i: usize) -> Option<(Found, usize)> {
    if let Some(street) = street_at(toks, i) {
        let written = slice(text, toks, street.start, street.end);
        let mut k = skip_separators(toks, skip_units(toks, street.end), 2);
        let mut po_box = None;
        if let Some(box_end) = po_box_at(toks, k) {
            po_box = Some(slice(text, toks, k, box_end));
            k = skip_separators(toks, box_end, 2);
        }
        if let Some(locality) = locality_at(text, toks, k, true) {
            return Some((
                Found {
                    street: Some(written),
                    po_box,
                    postcode: locality.postcode,
                    town: locality.town,
                    cedex: locality.cedex,
                    country: locality.country,
                    start: toks[street.start].start,
                    end: toks[locality.end - 1].end,
                },
                locality.end,
            ));
        }
        if street.strong && street.proper {
            // No postcode (Togo, South Africa...): then ", Town" or ", Country" must follow.
            let (town, country, end) = plain_town(text, toks, skip_units(toks, street.end));
            if town.is_none() && country.is_none() {
                return None;
            }
            return Some((
                Found {
                    street: Some(written),
                    po_box,
                    postcode: None,
                    town,
                    cedex: false,
                    country,
                    start: toks[street.start].start,
                    end: toks[end - 1].end,
                },
                end,
            ));
        }
        return None;
    }
    if let Some(box_end) = po_box_at(toks, i) {
        let po_box = slice(text, toks, i, box_end);
        let k = skip_separators(toks, box_end, 1);
        let (postcode, town, cedex, country, end) = match locality_at(text, toks, k, false) {
            Some(l) => (l.postcode, l.town, l.cedex, l.country, l.end),
            None => {
                let (town, country, end) = plain_town(text, toks, box_end);
                town.as_ref()?;
                (None, town, false, country, end)
            }
        };
        return Some((
            Found {
                street: None,
                po_box: Some(po_box),
                postcode,
                town,
                cedex,
                country,
                start: toks[i].start,
                end: toks[end - 1].end,
            },
            end,
        ));
    }
    // A postcode and town alone ("42330 Saint-Galmier, France"): a line of their own, five digits or a prefixed
    // code (four bare digits are too often a year: "© 2025 Le Rucher").
    let line_start = i == 0
        || matches!(
            toks[i - 1].kind,
            Kind::Break | Kind::Punct(',' | ':' | '|' | '-' | '–' | '—' | '·' | '•')
        );
    if !line_start || i > 0 && toks[..i].iter().rev().take(2).any(|t| t.is('©')) {
        return None;
    }
    let (format, _, _) = postcode_at(toks, i)?;
    if !matches!(
        format,
        Format::Five | Format::Lu | Format::Prefixed(_) | Format::Nl
    ) {
        return None;
    }
    let locality = locality_at(text, toks, i, false)?;
    // The town ends the line (or a country, a CEDEX does): not "75008 Paris est la plus belle ville".
    let ends_line = toks.get(locality.end).is_none_or(|t| {
        t.kind == Kind::Break || t.is(',') || t.is('.') || t.is(')') || t.is('|') || t.is('-')
    });
    if !ends_line {
        return None;
    }
    Some((
        Found {
            street: None,
            po_box: None,
            postcode: locality.postcode,
            town: locality.town,
            cedex: locality.cedex,
            country: locality.country,
            start: toks[i].start,
            end: toks[locality.end - 1].end,
        },
        locality.end,
    ))
}

/// ", Lomé, Togo" after a street or PO box without postcode: (town, country, end).
fn plain_town(
    text: &str,
    toks: &[Tok],
    from: usize,
) -> (Option<String>, Option<&'static str>, usize) {
    let mut k = from;
    if toks.get(k).is_some_and(|t| t.is(',') || t.is('-')) {
        k += 1;
    }
    if let Some((code, n)) = country_at(toks, k) {
        return (None, Some(code), k + n);
    }
    // Up to two groups of capitalised words, comma apart: a quarter then the town ("Agdal, Rabat").
    let group_end = |from: usize| {
        let mut j = from;
        while j < toks.len()
            && j - from < 3
            && toks[j].word()
            && (toks[j].cap || toks[j].caps)
            && !is_stop(&toks[j])
            && country_at(toks, j).is_none()
        {
            j += 1;
        }
        j
    };
    let mut j = group_end(k);
    if j == k {
        return (None, None, from);
    }
    if toks.get(j).is_some_and(|t| t.is(',')) {
        let second = group_end(j + 1);
        let ends = toks
            .get(second)
            .is_none_or(|t| is_separator(t) || t.is('.') || t.is(')'));
        if second > j + 1 && ends {
            j = second;
        }
    }
    let town_end = j;
    // A district's number after the town ("Abidjan 01", "Genève 4").
    if toks
        .get(j)
        .is_some_and(|t| t.kind == Kind::Num && t.digits() <= 2)
    {
        j += 1;
    }
    // The town must end there: a comma, a line break, a country, the end.
    let next = skip_separators(toks, j, 1);
    let ends = toks
        .get(j)
        .is_none_or(|t| is_separator(t) || t.is('.') || t.is(')'));
    if !ends {
        return (None, None, from);
    }
    let town = slice(text, toks, k, town_end);
    match country_at(toks, next) {
        Some((code, n)) => (Some(town), Some(code), next + n),
        None => (Some(town), None, j),
    }
}

/// A key for "is this the same street?": the house number and the name's words (a space apart), the street type and
/// particles left out, so "12, Rue des Abeilles" and "12 r. des abeilles" are one.
pub fn street_key(street: &str) -> String {
    let folded = fold(street);
    let mut key = String::new();
    for word in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let type_word = PREFIX_TYPES.iter().any(|(w, _)| *w == word)
            || PREFIX_ABBREVIATIONS.contains(&word)
            || SUFFIX_TYPES.contains(&word);
        if !type_word && !PARTICLES.contains(&word) {
            if !key.is_empty() {
                key.push(' ');
            }
            key.push_str(word);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latin_letter_shortcuts_agree_with_unicode() {
        for c in ('\0'..='\u{3ff}').chain(['’', '€', '\u{a0}', 'ẞ', 'ｓ']) {
            assert_eq!(is_letter(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_letter_or_digit(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    /// (street, postcode, town) of each address found.
    fn parts(text: &str) -> Vec<(String, String, String)> {
        find(text)
            .into_iter()
            .map(|f| {
                (
                    f.street.or(f.po_box).unwrap_or_default(),
                    f.postcode.unwrap_or_default(),
                    f.town.unwrap_or_default(),
                )
            })
            .collect()
    }

    fn one(text: &str) -> (String, String, String) {
        let found = parts(text);
        assert_eq!(found.len(), 1, "{text:?}: {found:?}");
        found.into_iter().next().unwrap()
    }

    fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
        (a.into(), b.into(), c.into())
    }

    #[test]
    fn french_forms() {
        assert_eq!(
            one("12 rue des Abeilles\n69002 Lyon"),
            t("12 rue des Abeilles", "69002", "Lyon")
        );
        assert_eq!(
            one("Boutique : Rue Victor Hugo 69002 Lyon"),
            t("Rue Victor Hugo", "69002", "Lyon")
        );
        assert_eq!(
            one("Atelier Lin, 17b impasse des Lilas, 33000 Bordeaux"),
            t("17b impasse des Lilas", "33000", "Bordeaux")
        );
        assert_eq!(
            one("Épicerie Mistral — 8 Trav. des Écoles 13012 Marseille"),
            t("8 Trav. des Écoles", "13012", "Marseille")
        );
        assert_eq!(
            one("Adresse : 51 Trs moulin de la villette 13003 MARSEILLE"),
            t("51 Trs moulin de la villette", "13003", "MARSEILLE")
        );
        assert_eq!(
            one("8 chemin de l'Arche Saint Jean 49380 Faveraye-Mâchelles"),
            t(
                "8 chemin de l'Arche Saint Jean",
                "49380",
                "Faveraye-Mâchelles"
            )
        );
        assert_eq!(
            one("16 rue de Marnes, 92410 Ville d'Avray"),
            t("16 rue de Marnes", "92410", "Ville d'Avray")
        );
        assert_eq!(
            one("12 bis avenue du 8 Mai 1945, 75010 Paris"),
            t("12 bis avenue du 8 Mai 1945", "75010", "Paris")
        );
        let cedex = &find("Service clients, CS 70001, 59700 Marcq-en-Barœul Cedex 2, France")[0];
        assert_eq!(cedex.po_box.as_deref(), Some("CS 70001"));
        assert_eq!(cedex.postcode.as_deref(), Some("59700"));
        assert_eq!(cedex.town.as_deref(), Some("Marcq-en-Barœul"));
        assert!(cedex.cedex);
        assert_eq!(cedex.country, Some("FR"));
        assert_eq!(
            one("42330 Saint-Galmier, France"),
            t("", "42330", "Saint-Galmier")
        );
    }

    #[test]
    fn number_after_the_street() {
        assert_eq!(
            one("Rue J. Jaurès, 12 - 4000 Liège"),
            t("Rue J. Jaurès, 12", "4000", "Liège")
        );
        assert_eq!(
            one("Chemin des Vignes 14a, 1950 Sion"),
            t("Chemin des Vignes 14a", "1950", "Sion")
        );
        assert_eq!(
            one("Avenue Rogier 30, 1030 Schaerbeek"),
            t("Avenue Rogier 30", "1030", "Schaerbeek")
        );
        assert_eq!(
            one("Hauptstraße 5, 10115 Berlin"),
            t("Hauptstraße 5", "10115", "Berlin")
        );
        assert_eq!(
            one("Kerkstraat 12\n1012 AB Amsterdam"),
            t("Kerkstraat 12", "1012 AB", "Amsterdam")
        );
        assert_eq!(
            one("Via Roma 10, 00184 Roma"),
            t("Via Roma 10", "00184", "Roma")
        );
        assert_eq!(
            one("Calle Mayor 5, 28013 Madrid"),
            t("Calle Mayor 5", "28013", "Madrid")
        );
        assert_eq!(
            one("12, rue de la Gare\nL-1611 Luxembourg"),
            t("12, rue de la Gare", "L-1611", "Luxembourg")
        );
        assert_eq!(one("Rue Haute 12, B-1000 Bruxelles").1, "1000");
        assert_eq!(
            one("Bahnhofstr. 3, D-80335 München"),
            t("Bahnhofstr. 3", "80335", "München")
        );
        assert_eq!(
            one("C/ Mayor, 5\n28013 Madrid"),
            t("C/ Mayor, 5", "28013", "Madrid")
        );
        assert_eq!(
            one("Av. Louise 54, 1050 Ixelles"),
            t("Av. Louise 54", "1050", "Ixelles")
        );
        assert_eq!(
            one("Postfach 480, 8021 Zürich"),
            t("Postfach 480", "8021", "Zürich")
        );
        assert_eq!(one("P.O. Box 1234, Toronto, ON M5W 1E6").1, "M5W 1E6");
        assert_eq!(
            one("Apartado de correos 40, 29600 Marbella").0,
            "Apartado de correos 40"
        );
    }

    #[test]
    fn english_and_north_american_forms() {
        assert_eq!(
            one("221B Baker Street, London NW1 6XE"),
            t("221B Baker Street", "NW1 6XE", "London")
        );
        assert_eq!(
            one("1234 Main Street, Springfield, IL 62704"),
            t("1234 Main Street", "IL 62704", "Springfield")
        );
        assert_eq!(
            one("1455 rue Peel\nMontréal (Québec) H3A 1T5"),
            t("1455 rue Peel", "H3A 1T5", "Montréal")
        );
        assert_eq!(one("88 Queen St W, Toronto, ON M5H 2N2").1, "M5H 2N2");
        assert_eq!(
            one("41 Tiemie Crescent, Centurion"),
            t("41 Tiemie Crescent", "", "Centurion")
        );
    }

    #[test]
    fn parts_of_a_building_are_skipped() {
        assert_eq!(
            one("16 rue des Marnes Bâtiment A\n92410 Ville-d'Avray"),
            t("16 rue des Marnes", "92410", "Ville-d'Avray")
        );
        assert_eq!(
            one("1455, rue Peel, bureau 200\nMontréal (Québec) H3A 1T5"),
            t("1455, rue Peel", "H3A 1T5", "Montréal")
        );
        assert_eq!(one("Kerkstraat 12 bus 3, 2000 Antwerpen").1, "2000");
        assert_eq!(
            one("1520 Birch Hollow Court, Suite 210\nPortland, OR 97205"),
            t("1520 Birch Hollow Court", "OR 97205", "Portland")
        );
    }

    #[test]
    fn west_african_and_moroccan_forms() {
        assert_eq!(
            one("01 BP 1234 Abidjan 01, Côte d'Ivoire"),
            t("BP 1234", "", "Abidjan")
        );
        let lome = &find("Adresse: 621 Rue de la Kozah, Lomé, Togo")[0];
        assert_eq!(lome.street.as_deref(), Some("621 Rue de la Kozah"));
        assert_eq!(lome.town.as_deref(), Some("Lomé"));
        assert_eq!(lome.country, Some("TG"));
        assert_eq!(one("BP 1234 Lomé"), t("BP 1234", "", "Lomé"));
        assert_eq!(
            one("12 Rue Zaid Ibnou Rifaa, 20250 Casablanca, Maroc"),
            t("12 Rue Zaid Ibnou Rifaa", "20250", "Casablanca")
        );
    }

    #[test]
    fn phones_and_titles_stay_out() {
        assert_eq!(
            one("06 43 21 82 01 8 Rue Édouard Martel 75015 Paris").0,
            "8 Rue Édouard Martel"
        );
        // A phone's last pair is no house number.
        assert_eq!(
            one("Tél 06 43 21 82 01 Rue Édouard Martel 75015 Paris").0,
            "Rue Édouard Martel"
        );
        // "CH." before a proper name is a title, not "chemin".
        assert!(find("Directeur : CH. Dupont").is_empty());
        assert!(find("Contact : CH. Dupont, gérant").is_empty());
    }

    #[test]
    fn look_alikes_are_no_addresses() {
        for text in [
            "© 2025 Le Rucher",
            "© 2024 Maison Miel. Tous droits réservés",
            "Dimensions : 120 x 60 cm, 25 kg",
            "Commande n° 12345 expédiée",
            "Prix : 12 345 € TTC",
            "Livraison 2 places de parking",
            "Réservez 1 place de parking",
            "3 route de campagne, un vrai bonheur",
            "Le chemin de la réussite",
            "Nos 12 rues préférées",
            "Taille 42 Rue du commerce",
            "75008 Paris est une belle ville",
            "En 2019 Paris a accueilli",
            "Pack de 3 St",
        ] {
            assert!(find(text).is_empty(), "{text:?}: {:?}", find(text));
        }
    }

    #[test]
    fn street_keys_ignore_the_type_and_punctuation() {
        assert_eq!(
            street_key("12, Rue des Abeilles"),
            street_key("12 r. des abeilles")
        );
        assert_ne!(
            street_key("12 rue des Abeilles"),
            street_key("14 rue des Abeilles")
        );
    }
}
