//! Spelling of the visible text, checked with Hunspell dictionaries (Debian's `hunspell-fr`, `hunspell-en-us`, read
//! by the `spellbook` crate). Proper nouns, brands, acronyms and product references are kept out of the count:
//! only words written entirely in lower case are checked, so "Colissimo" or "iPhone" never count as mistakes.
//! Without a dictionary for the page's language nothing is checked (the rule is then not applicable).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use serde::{Deserialize, Serialize};
use spellbook::Dictionary;

/// Misspelt words kept per page.
const WORDS_KEPT: usize = 20;
/// Words checked per page: the first screens of text tell the care taken; long product descriptions add time, not
/// information.
const WORDS_CHECKED: usize = 2000;

thread_local! {
    /// Menus, footers and product pages repeat their words: each is looked up once per thread.
    static KNOWN: crate::memo::Memo<String, bool> = Default::default();
}

fn known_anywhere(dictionaries: &[(String, Arc<Dictionary>)], word: &str) -> bool {
    crate::memo::memoized(&KNOWN, word, || {
        dictionaries.iter().any(|(_, d)| known(d, word))
    })
}

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
        "en" => &["en_US"],
        "en-gb" => &["en_GB"],
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

type Slot = Arc<std::sync::OnceLock<Option<Arc<Dictionary>>>>;

/// Dictionaries loaded once per language until [`release`] (a missing one is remembered too). Each language has its
/// own slot, so several load at once and a reader waits only for the one it needs.
static DICTIONARIES: LazyLock<Mutex<HashMap<String, Slot>>> = LazyLock::new(Default::default);

fn dictionary(lang: &str) -> Option<Arc<Dictionary>> {
    let slot = DICTIONARIES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(lang.to_string())
        .or_default()
        .clone();
    slot.get_or_init(|| load(lang).map(Arc::new)).clone()
}

/// Whether the end of the last [`Reading`] lets the dictionaries go: set by a process that audits once (the CLI),
/// where they would only sit under what the site phase builds (14 MB for French and the two English ones). A process that audits
/// again and again (the test suites) keeps them: loading them costs about 0.1 s of CPU each time.
static RELEASE_WHEN_READ: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks the end of the last [`Reading`] to let the dictionaries go.
pub fn release_when_pages_are_read() {
    RELEASE_WHEN_READ.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn release_if_asked() {
    if RELEASE_WHEN_READ.load(std::sync::atomic::Ordering::Relaxed) {
        DICTIONARIES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Readings under way: a crawl and the rejudge of the shop's last audit read their first pages at the same time,
/// and one must not let go of the dictionaries the other still needs.
static READING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Pages whose spelling is checked are being read (a crawl's first depths, a rejudge's): the dictionaries stay
/// until every reading is done, and go (if so asked) when the last one is dropped.
pub struct Reading(());

/// Starts a [`Reading`].
pub fn reading() -> Reading {
    READING.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Reading(())
}

impl Drop for Reading {
    fn drop(&mut self) {
        if READING.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            release_if_asked();
        }
    }
}

/// Starts parsing the dictionaries on background threads, one per language, while the crawl fetches its first
/// pages: parsing them is the largest fixed cost of an audit.
pub fn warm_up() {
    for lang in CANDIDATE_LANGS {
        std::thread::spawn(move || {
            dictionary(lang);
        });
    }
}

/// Whether a dictionary for `lang` is installed.
pub fn available(lang: &str) -> bool {
    dictionary(lang).is_some()
}

/// French elisions: "l'article" is "l'" + "article".
const ELISIONS: [&str; 10] = [
    "l'", "d'", "j'", "n'", "s'", "c'", "m'", "t'", "qu'", "jusqu'",
];

/// Languages tried when a page's own does not fit its text (a French page declaring `lang="en"`).
/// British spellings ("favourites") are English too: en_GB backs en_US up.
const CANDIDATE_LANGS: [&str; 3] = ["fr", "en", "en-gb"];

/// The words worth checking: no proper nouns, brands or acronyms (any capital), no URLs, file names, code,
/// addresses, references (digits, `/`, `@`, `=`...).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in text.split_whitespace() {
        if token.contains([
            '/', '\\', '@', '=', '<', '>', '{', '}', '[', ']', '#', '_', '|', '~', '^',
        ]) || token.contains("www")
            || token.contains("http")
            || token
                .trim_end_matches(['.', ',', ';', ':', '!', '?', '…'])
                .contains('.')
        {
            continue;
        }
        for part in token.split(|c: char| ",;:!?()«»\"“”…·•–—".contains(c)) {
            let word = part
                .trim_matches(|c: char| !c.is_alphanumeric())
                .replace('’', "'");
            if word.chars().count() < 3
                || word.chars().any(|c| c.is_uppercase() || c.is_ascii_digit())
                || !word
                    .chars()
                    .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
            {
                continue;
            }
            out.push(word);
        }
    }
    out
}

fn known(dictionary: &Dictionary, word: &str) -> bool {
    dictionary.check(word)
        || (word.contains('-')
            && word
                .split('-')
                .all(|part| part.is_empty() || dictionary.check(part)))
}

/// Checks the words of `text`, in the page's language (`fr` when unknown) unless another installed dictionary
/// knows clearly more of its words. A word any installed dictionary knows is not a mistake: shops borrow
/// ("newsletter", "tracking").
pub fn check(text: &str, lang: Option<&str>) -> Option<SpellingSample> {
    let declared = lang
        .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
        .unwrap_or_else(|| "fr".into());
    let words: Vec<String> = words(text)
        .into_iter()
        .map(|w| match ELISIONS.iter().find(|e| w.starts_with(*e)) {
            Some(e) => w[e.len()..].to_string(),
            None => w,
        })
        .filter(|w| w.chars().count() >= 3 && !w.contains('\''))
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut langs: Vec<String> = vec![declared.clone()];
    langs.extend(
        CANDIDATE_LANGS
            .iter()
            .map(|l| l.to_string())
            .filter(|l| *l != declared),
    );
    let dictionaries: Vec<(String, Arc<Dictionary>)> = langs
        .into_iter()
        .filter_map(|l| dictionary(&l).map(|d| (l, d)))
        .collect();
    if dictionaries.is_empty() {
        return None;
    }
    let sample: Vec<&String> = words.iter().take(80).collect();
    let hits = |d: &Dictionary| sample.iter().filter(|w| known(d, w)).count();
    let mut best = 0;
    let mut best_hits = hits(&dictionaries[0].1);
    for (i, (_, d)) in dictionaries.iter().enumerate().skip(1) {
        let h = hits(d);
        // Another language wins only by a clear margin.
        if h > best_hits + sample.len() / 5 {
            best = i;
            best_hits = h;
        }
    }
    // Text in a language no installed dictionary speaks (a German page, a Wolof one) is not judged.
    if best_hits * 10 < sample.len() * 6 {
        return None;
    }
    let mut result = SpellingSample {
        lang: dictionaries[best].0.clone(),
        ..Default::default()
    };
    for word in words.iter().take(WORDS_CHECKED) {
        result.words_checked += 1;
        if known_anywhere(&dictionaries, word) {
            continue;
        }
        result.misspelt_count += 1;
        if result.misspelt.len() < WORDS_KEPT && !result.misspelt.contains(word) {
            result.misspelt.push(word.clone());
        }
    }
    Some(result)
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

    #[test]
    fn dictionaries_let_go_are_loaded_again_by_the_next_check() {
        if !available("fr") {
            eprintln!("hunspell-fr is not installed: skipped (tests/run-all.sh installs it)");
            return;
        }
        let text = "Nous expédions vos commandes rapidemment.";
        let before = check(text, Some("fr")).unwrap();
        let held = dictionary("fr").unwrap();
        release_when_pages_are_read();
        release_if_asked();
        assert_eq!(check(text, Some("fr")).unwrap(), before);
        // (Other tests may load it meanwhile: either way it is another copy than the one let go.)
        assert!(
            !Arc::ptr_eq(&held, &dictionary("fr").unwrap()),
            "loaded again"
        );
        // Two readings at once (a crawl and the rejudge beside it): the first to end keeps them for the other.
        let (crawl, rejudge) = (reading(), reading());
        let held = dictionary("fr").unwrap();
        drop(rejudge);
        assert!(
            Arc::ptr_eq(&held, &dictionary("fr").unwrap()),
            "kept for the crawl"
        );
        drop(crawl);
        assert!(
            !Arc::ptr_eq(&held, &dictionary("fr").unwrap()),
            "let go with the last reading"
        );
    }

    #[test]
    fn the_text_decides_the_language_and_code_is_not_text() {
        if !available("fr") || !available("en") {
            eprintln!(
                "hunspell dictionaries are not installed: skipped (tests/run-all.sh installs them)"
            );
            return;
        }
        // A French page declaring lang="en": judged in French, not as 100 % mistakes.
        let s = check(
            "Notre café vous accueille dans une ambiance chaleureuse avec des boissons chaudes et des gâteaux maison.",
            Some("en"),
        )
        .unwrap();
        assert_eq!(s.lang, "fr");
        assert!(s.misspelt.is_empty(), "{s:?}");
        let s = check(
            "Collez <link rel=\"icon\" href=\"assets/icon-32.png\"> dans la page, voir www.exemple.fr/aide et la newsletter.",
            Some("fr"),
        )
        .unwrap();
        assert!(s.misspelt.is_empty(), "{s:?}");
    }
}
