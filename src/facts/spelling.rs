//! Spelling of the visible text, checked with Hunspell dictionaries (Debian's `hunspell-fr`, `hunspell-en-us`, read
//! by the `spellbook` crate). Proper nouns, brands, acronyms and product references are kept out of the count:
//! only words written entirely in lower case are checked, so "Colissimo" or "iPhone" never count as mistakes.
//! Without a dictionary for the page's language nothing is checked (the rule is then not applicable).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use serde::{Deserialize, Serialize};
use spellbook::Dictionary;

/// Misspelt words kept per page.
const WORDS_KEPT: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpellingSample {
    pub lang: String,
    pub words_checked: u32,
    pub misspelt: Vec<String>,
    pub misspelt_count: u32,
}

/// Where the dictionaries are: `CXAUDIT_DICT_DIR`, then the usual system folders.
fn dictionary_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(dir) = std::env::var("CXAUDIT_DICT_DIR") {
        dirs.push(PathBuf::from(dir));
    }
    dirs.extend(
        [
            "/usr/share/hunspell",
            "/usr/share/myspell/dicts",
            "/usr/share/myspell",
        ]
        .map(PathBuf::from),
    );
    dirs
}

fn load(lang: &str) -> Option<Dictionary> {
    let names: &[&str] = match lang {
        "fr" => &["fr_FR", "fr"],
        "en" => &["en_US", "en_GB"],
        "de" => &["de_DE"],
        "es" => &["es_ES"],
        "it" => &["it_IT"],
        "nl" => &["nl_NL", "nl"],
        _ => return None,
    };
    for dir in dictionary_dirs() {
        for name in names {
            let aff = std::fs::read_to_string(dir.join(format!("{name}.aff")));
            let dic = std::fs::read_to_string(dir.join(format!("{name}.dic")));
            if let (Ok(aff), Ok(dic)) = (aff, dic) {
                if let Ok(dictionary) = Dictionary::new(&aff, &dic) {
                    return Some(dictionary);
                }
            }
        }
    }
    None
}

/// Dictionaries loaded once per process and language (a missing one is remembered too).
static DICTIONARIES: LazyLock<Mutex<HashMap<String, Option<&'static Dictionary>>>> =
    LazyLock::new(Default::default);

fn dictionary(lang: &str) -> Option<&'static Dictionary> {
    let mut map = DICTIONARIES.lock().unwrap_or_else(|e| e.into_inner());
    *map.entry(lang.to_string())
        .or_insert_with(|| load(lang).map(|d| &*Box::leak(Box::new(d))))
}

/// Whether a dictionary for `lang` is installed.
pub fn available(lang: &str) -> bool {
    dictionary(lang).is_some()
}

/// French elisions: "l'article" is "l'" + "article".
const ELISIONS: [&str; 10] = [
    "l'", "d'", "j'", "n'", "s'", "c'", "m'", "t'", "qu'", "jusqu'",
];

/// Checks the words of `text` in the page's language (`fr` when unknown).
pub fn check(text: &str, lang: Option<&str>) -> Option<SpellingSample> {
    let lang = lang
        .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
        .unwrap_or_else(|| "fr".into());
    let dictionary = dictionary(&lang)?;
    let mut sample = SpellingSample {
        lang: lang.clone(),
        ..Default::default()
    };
    for token in text.split(|c: char| c.is_whitespace() || ",;:!?()[]{}«»\"“”/|…·•–—".contains(c))
    {
        let token = token
            .trim_matches(|c: char| !c.is_alphanumeric())
            .replace('’', "'");
        if token.chars().count() < 3
            || token
                .chars()
                .any(|c| c.is_uppercase() || c.is_ascii_digit() || "@_.&#%+=*<>$€£".contains(c))
            || !token
                .chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
        {
            continue;
        }
        let mut word = token.as_str();
        if lang == "fr" {
            if let Some(elided) = ELISIONS.iter().find(|e| word.starts_with(*e)) {
                word = &word[elided.len()..];
            }
        }
        if word.chars().count() < 3 || word.contains('\'') && lang == "fr" {
            continue;
        }
        sample.words_checked += 1;
        let known = dictionary.check(word)
            || (word.contains('-')
                && word
                    .split('-')
                    .all(|part| part.is_empty() || dictionary.check(part)));
        if !known {
            sample.misspelt_count += 1;
            if sample.misspelt.len() < WORDS_KEPT && !sample.misspelt.iter().any(|w| w == word) {
                sample.misspelt.push(word.to_string());
            }
        }
    }
    (sample.words_checked > 0).then_some(sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistakes_are_counted_and_proper_nouns_skipped() {
        if !available("fr") {
            eprintln!("hunspell-fr is not installed: skipped (tests/run-all.sh installs it)");
            return;
        }
        let s = check(
            "Nous expédions vos commandes avec Colissimo. L'équipe vous répont rapidemment.",
            Some("fr-FR"),
        )
        .unwrap();
        assert_eq!(
            s.misspelt,
            ["répont", "rapidemment"].map(String::from).to_vec(),
            "{s:?}"
        );
        assert!(s.words_checked >= 6, "{s:?}");
    }
}
