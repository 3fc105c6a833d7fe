//! The key-page lexicon (`checks/key-pages.toml`): which link texts, titles and URL words name the contact page, the
//! FAQ, the legal notice... Data, so a consultant can add a word or a language without a rebuild.

use std::collections::BTreeMap;
use std::path::Path;

use regex::{Regex, RegexSet};
use serde::Deserialize;

/// The lexicon bundled in the binary; `--checks DIR` replaces it with `DIR/key-pages.toml`.
pub const BUNDLED_KEY_PAGES: &str = include_str!("../../checks/key-pages.toml");

#[derive(Debug, Deserialize)]
struct KindWords {
    /// How the report names the page, per language.
    name: BTreeMap<String, String>,
    text: Vec<String>,
    url: Vec<String>,
    /// Words that make a candidate the better one of its kind ("vente" for terms of sale over terms of use).
    #[serde(default)]
    prefer: Vec<String>,
}

/// A lexicon file that cannot be used: the one file error type.
pub type LexiconError = crate::files::FileError;

/// Compiled matchers, one per page kind.
#[derive(Debug, Clone)]
pub struct KeyPageLexicon {
    kinds: Vec<String>,
    names: Vec<crate::result::Localized>,
    text: RegexSet,
    url: RegexSet,
    /// Per kind, the words that make a candidate the better one (folded, whole words), if any.
    prefer: Vec<Option<Regex>>,
}

impl KeyPageLexicon {
    pub fn bundled() -> KeyPageLexicon {
        Self::parse(BUNDLED_KEY_PAGES, "checks/key-pages.toml (bundled)")
            .expect("the bundled lexicon is valid")
    }

    pub fn load(path: &Path) -> Result<KeyPageLexicon, LexiconError> {
        let text = std::fs::read_to_string(path).map_err(|source| LexiconError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn parse(toml_text: &str, origin: &str) -> Result<KeyPageLexicon, LexiconError> {
        let invalid = |message: String| LexiconError::Invalid {
            path: origin.to_string(),
            message,
        };
        let table: BTreeMap<String, KindWords> = toml::from_str(toml_text)
            .map_err(|e| invalid(crate::files::toml_problem(toml_text, &e)))?;
        let mut kinds = Vec::new();
        let mut names = Vec::new();
        let mut text_patterns = Vec::new();
        let mut url_patterns = Vec::new();
        let mut prefer = Vec::new();
        for (kind, words) in table {
            if words.text.is_empty() && words.url.is_empty() {
                return Err(invalid(format!("[{kind}] has no words")));
            }
            if !words.name.contains_key("en") || !words.name.contains_key("fr") {
                return Err(invalid(format!("[{kind}] needs name.en and name.fr")));
            }
            // Every language given: a pack that adds one names its pages in it.
            names.push(crate::result::Localized(words.name.clone()));
            let alternation = |list: &[String]| {
                list.iter()
                    .map(|w| regex::escape(&fold(w)))
                    .collect::<Vec<_>>()
                    .join("|")
            };
            // Whole words: "sav" must not match "savon", "aide" not "aidez-moi a choisir".
            text_patterns.push(format!(
                r"(?:^|[^\p{{L}}\p{{N}}])(?:{})(?:$|[^\p{{L}}\p{{N}}])",
                or_never(alternation(&words.text))
            ));
            url_patterns.push(format!(
                r"(?:^|[/_.\-])(?:{})(?:$|[/_.\-])",
                or_never(alternation(&words.url))
            ));
            prefer.push(if words.prefer.is_empty() {
                None
            } else {
                Some(
                    Regex::new(&format!(
                        r"(?:^|[^\p{{L}}\p{{N}}])(?:{})(?:$|[^\p{{L}}\p{{N}}])",
                        alternation(&words.prefer)
                    ))
                    .map_err(|e| invalid(format!("[{kind}] prefer: {e}")))?,
                )
            });
            kinds.push(kind);
        }
        let text = RegexSet::new(&text_patterns).map_err(|e| invalid(e.to_string()))?;
        let url = RegexSet::new(&url_patterns).map_err(|e| invalid(e.to_string()))?;
        Ok(KeyPageLexicon {
            kinds,
            names,
            text,
            url,
            prefer,
        })
    }

    pub fn kinds(&self) -> &[String] {
        &self.kinds
    }

    /// Kinds whose words appear in `text` (a link text or a page title).
    pub fn match_text(&self, text: &str) -> Vec<usize> {
        if text.is_empty() {
            return Vec::new();
        }
        self.text.matches(&fold(text)).into_iter().collect()
    }

    /// Kinds whose words appear as a word of the URL path (`/mentions-legales/`, `/content/2-cgv`).
    pub fn match_url_path(&self, path: &str) -> Vec<usize> {
        self.url.matches(&fold(path)).into_iter().collect()
    }

    /// Whether a link text or URL of a candidate of kind `index` holds one of the kind's preferred words.
    pub fn preferred(&self, index: usize, text: &str) -> bool {
        self.prefer
            .get(index)
            .and_then(Option::as_ref)
            .is_some_and(|r| r.is_match(&fold(text).replace(['-', '_', '/'], " ")))
    }

    pub fn kind_name(&self, index: usize) -> &str {
        &self.kinds[index]
    }

    /// How a report names the page kind ("mentions légales" / "legal notice"); the kind itself when unknown.
    pub fn display_name(&self, kind: &str) -> crate::result::Localized {
        self.kinds
            .iter()
            .position(|k| k == kind)
            .map(|i| self.names[i].clone())
            .unwrap_or_else(|| crate::result::Localized::same(kind))
    }
}

fn or_never(alternation: String) -> String {
    if alternation.is_empty() {
        // Matches nothing, keeping the set's indices aligned with the kinds.
        r"[^\s\S]".to_string()
    } else {
        alternation
    }
}

/// FNV-1a: word tables' keys are a few bytes long, for which SipHash's setup costs more than the look-up.
#[derive(Default)]
struct ShortKeyHasher(u64);

impl std::hash::Hasher for ShortKeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// Fixed word lists (folded), each list a bit: one look-up per word of a page, and most words ruled out by their
/// first letter and length before any hashing.
pub struct WordBits {
    bits:
        std::collections::HashMap<&'static str, u32, std::hash::BuildHasherDefault<ShortKeyHasher>>,
    /// For each first byte (its low 7 bits), the lengths of the listed words starting with it, as bits.
    lengths: [u32; 128],
}

impl WordBits {
    pub fn new(words: impl IntoIterator<Item = (&'static str, u32)>) -> WordBits {
        let mut table = WordBits {
            bits: Default::default(),
            lengths: [0; 128],
        };
        for (word, bit) in words {
            let Some(first) = word.bytes().next() else {
                continue;
            };
            *table.bits.entry(word).or_default() |= bit;
            table.lengths[usize::from(first & 0x7f)] |= 1 << word.len().min(31);
        }
        table
    }

    /// The bits of the lists that hold `word`; 0 for none.
    pub fn get(&self, word: &str) -> u32 {
        let Some(first) = word.bytes().next() else {
            return 0;
        };
        if word.len() >= 32 || self.lengths[usize::from(first & 0x7f)] & (1 << word.len()) == 0 {
            return 0;
        }
        self.bits.get(word).copied().unwrap_or(0)
    }
}

/// Lower case without accents, apostrophes unified: "Qui sommes-nous ?" and "QUI SOMMES NOUS" compare equal.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        // Runs of ASCII, most of every page, are copied and lower-cased in one go.
        let ascii = rest.bytes().take_while(u8::is_ascii).count();
        if ascii > 0 {
            let start = out.len();
            out.push_str(&rest[..ascii]);
            out[start..].make_ascii_lowercase();
            rest = &rest[ascii..];
            continue;
        }
        let c = rest.chars().next().expect("not empty");
        fold_char(c, &mut out);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Appends the folded form of one character (ASCII is the fast path: most of every page).
pub fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    // Latin-1 and the general punctuation (’, –, …) lower-case without the Unicode tables: capitals from À to Þ
    // are their small letters less 0x20, the rest are their own.
    let latin = match c {
        '×' => Some(c),
        'À'..='Þ' => char::from_u32(c as u32 + 0x20),
        '\u{80}'..='\u{ff}' | '\u{2000}'..='\u{206f}' => Some(c),
        _ => None,
    };
    if let Some(lower) = latin {
        fold_lower(lower, out);
        return;
    }
    for c in c.to_lowercase() {
        fold_lower(c, out);
    }
}

/// Appends the folded form of a character already in lower case.
fn fold_lower(c: char, out: &mut String) {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => out.push('a'),
        'ç' => out.push('c'),
        'é' | 'è' | 'ê' | 'ë' => out.push('e'),
        'î' | 'ï' | 'í' | 'ì' => out.push('i'),
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => out.push('o'),
        'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
        'ÿ' => out.push('y'),
        'ñ' => out.push('n'),
        'ı' => out.push('i'),
        // "İ" lower-cases to "i" and a combining dot.
        '\u{307}' => {}
        'ş' => out.push('s'),
        'ğ' => out.push('g'),
        'œ' => out.push_str("oe"),
        'æ' => out.push_str("ae"),
        'ß' => out.push_str("ss"),
        '’' | '‘' | '`' => out.push('\''),
        '\u{a0}' | '\u{202f}' => out.push(' '),
        _ => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_without_the_tables_agrees_with_them() {
        for c in ('\u{80}'..='\u{2fff}').chain(['’', '–', '\u{202f}']) {
            let mut fast = String::new();
            fold_char(c, &mut fast);
            let mut slow = String::new();
            for lower in c.to_lowercase() {
                fold_lower(lower, &mut slow);
            }
            assert_eq!(fast, slow, "{c:?}");
        }
    }

    fn kinds(lexicon: &KeyPageLexicon, found: Vec<usize>) -> Vec<&str> {
        found.into_iter().map(|i| lexicon.kind_name(i)).collect()
    }

    #[test]
    fn bundled_lexicon_matches_texts_and_urls() {
        let lex = KeyPageLexicon::bundled();
        assert_eq!(
            kinds(&lex, lex.match_text("Mentions Légales")),
            ["legal-notice"]
        );
        assert_eq!(kinds(&lex, lex.match_text("Nous contacter")), ["contact"]);
        assert_eq!(kinds(&lex, lex.match_text("Qui sommes-nous ?")), ["about"]);
        assert!(lex.match_text("Savon au miel").is_empty());
        assert_eq!(
            kinds(
                &lex,
                lex.match_url_path("/content/3-conditions-generales-de-vente")
            ),
            ["terms"]
        );
        assert_eq!(kinds(&lex, lex.match_url_path("/fr/faq/")), ["faq"]);
        assert!(lex
            .match_url_path("/produit/12-contacteur-inverseur.html")
            .is_empty());
    }

    #[test]
    fn a_bad_file_is_a_clear_error() {
        let err = KeyPageLexicon::parse("[contact]\ntext = 3\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.toml:"), "{err}");
    }
}
