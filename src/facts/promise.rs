//! The shop's promise on how fast it answers ("réponse sous 24h", "nous vous répondons sous 48 heures ouvrées",
//! "we reply within one business day"), read into hours. A response word must come first, so "expédié sous 24h"
//! (a delivery delay) is never a promise; "dans les plus brefs délais" states no delay and is not one either.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::facts::lexicon::fold;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Promise {
    /// The sentence as written.
    pub text: String,
    pub hours: f64,
    /// Counted in business hours/days ("ouvrés", "working days").
    pub business_hours: bool,
}

/// The delay: a number (or a number word) and its unit, "ouvrés" or "business" saying it is counted in business time.
/// Units and number words in French, English, Spanish, German, Italian and Dutch. The text is folded, so a word's
/// letters are ASCII: `(?-u:\w)` reads them as `\w` would, in a fraction of the automaton (each Unicode `\w` is
/// tens of kilobytes of it, per thread).
const DELAY: &str = r"(?:\d{1,3}\s?(?:-|–|—|à|a|to|ou|or|bis|tot|o)\s?)?(\d{1,3}|une?|one|deux|two|trois|three|quatre|four|cinq|five|uno|una|dos|tres|ein|eine[mnrs]?|zwei|drei|due|tre|een|twee|drie)\s*(h(?-u:\b)|hrs?(?-u:\b)|heures?|hours?|horas?|stunden?|std(?-u:\b)|uur|uren|ore(?-u:\b)|jours?|days?|j(?-u:\b)|dias?|tag(?:e|en|es)?(?-u:\b)|werktag(?-u:\w)*|werkdag(?-u:\w)*|dag(?:en)?(?-u:\b)|giorn[oi]|business\s+days?|working\s+days?|semaines?|semanas?|weeks?|wochen?|weken|settiman[ae])(\s*(?:ouvr(?-u:\w)*|business|working|calendaires?|habiles|laborables|lavorativ[ie]))?";

/// A response word, a few words, a connector ("sous", "within"), the delay.
static PROMISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[^a-z])(?:repon(?-u:\w)*|reply|replies|respond(?-u:\w)*|answer(?-u:\w)*|revien(?-u:\w)*\s+vers\s+vous|reviendr(?-u:\w)*\s+vers\s+vous|recontact(?-u:\w)*|get\s+back\s+to\s+you|traite(?-u:\w)*|traitement|respuestas?|contest(?:amos|aremos|ar)|antwort(?-u:\w)*|beantwort(?-u:\w)*|melden\s+uns|ruckmeldung|rispo(?:nd|st)(?-u:\w)*|antwoord(?-u:\w)*|beantwoord(?-u:\w)*|reager(?-u:\w)*|reactie)([^.!?\n]{{0,70}}?)(?-u:\b)(?:sous|en|dans\s+les|dans\s+un\s+delai\s+(?:de|maximum\s+de)|sous\s+un\s+delai\s+de|en\s+moins\s+de|moins\s+de|within|in\s+under|in|under|less\s+than|d'ici|en\s+un\s+plazo\s+(?:maximo\s+)?de|en\s+menos\s+de|antes\s+de|innerhalb(?:\s+von)?|binnen|entro|in\s+meno\s+di)\s*{DELAY}"
    ))
    .expect("valid regex")
});

/// "Délai de réponse : 48 h", "response time: 24 hours".
static STATED_DELAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:delai\s+(?:moyen\s+)?de\s+reponse|temps\s+de\s+reponse|response\s+time|tiempo\s+de\s+respuesta|antwortzeit|reaktionszeit|tempi?\s+di\s+risposta|reactietijd|antwoordtijd)()\s*(?:moyen\s*)?(?::|est\s+de|is|de|of)?\s*(?:moins\s+de\s+|under\s+|less\s+than\s+)?{DELAY}"
    ))
    .expect("valid regex")
});

/// Words between the response word and the delay that make it a different delay (delivery, refund).
static OTHER_DELAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"livr|expedi|rembours|ship|deliver|dispatch|retour|colis|return|refund|envi[oa]|entreg|reembols|devoluc|versand|liefer|erstatt|ruckgab|spedi|consegn|rimbors|verzend|geleverd|levering|bezorg|terugbetal")
        .expect("valid regex")
});

fn number(word: &str) -> Option<f64> {
    Some(match word {
        "un" | "une" | "one" | "uno" | "una" | "ein" | "eine" | "einem" | "einen" | "einer"
        | "eines" | "een" => 1.0,
        "deux" | "two" | "dos" | "zwei" | "due" | "twee" => 2.0,
        "trois" | "three" | "tres" | "drei" | "tre" | "drie" => 3.0,
        "quatre" | "four" => 4.0,
        "cinq" | "five" => 5.0,
        digits => digits.parse().ok()?,
    })
}

/// ASCII parts of every response word, accents left out: "pon" is in réponse, répondre, respond and response.
static RAW_CORES: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "pon",
            "repl",
            "answer",
            "back to you",
            "trait",
            "revien",
            "contact",
            "respuest",
            "contest",
            "antwo",
            "meld",
            "rispost",
            "reag",
            "reactie",
        ])
        .expect("valid patterns")
});

/// The lines of `text` holding one of the cores, each once, in order: one pass over the text.
fn candidate_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut next_line_start = 0;
    for m in RAW_CORES.find_iter(text) {
        if m.start() < next_line_start {
            continue;
        }
        let start = text[..m.start()].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let end = text[m.end()..]
            .find('\n')
            .map(|i| m.end() + i)
            .unwrap_or(text.len());
        lines.push(text[start..end].trim_end_matches('\r'));
        next_line_start = end + 1;
    }
    lines
}

/// Every promise written in `text`.
pub fn find(text: &str) -> Vec<Promise> {
    let mut out: Vec<Promise> = Vec::new();
    // Only lines with a response word's ASCII core are folded and read (a 48 KB product text has few).
    for raw_line in candidate_lines(text) {
        let line = fold(raw_line);
        let line = line.as_str();
        if !line.contains("rep")
            && !line.contains("respon")
            && !line.contains("answer")
            && !line.contains("back to you")
            && !line.contains("traite")
            && !line.contains("revien")
            && !line.contains("recontact")
            && !line.contains("respuest")
            && !line.contains("contest")
            && !line.contains("antwo")
            && !line.contains("meld")
            && !line.contains("rispo")
            && !line.contains("reag")
            && !line.contains("reactie")
        {
            continue;
        }
        for c in PROMISE
            .captures_iter(line)
            .chain(STATED_DELAY.captures_iter(line))
        {
            if OTHER_DELAY.is_match(&c[1]) {
                continue;
            }
            let Some(n) = number(&c[2]) else { continue };
            let unit = &c[3];
            let business_word = c.get(4).is_some_and(|m| !m.as_str().contains("calendaire"));
            let business = business_word
                || unit.starts_with("business")
                || unit.starts_with("working")
                || unit.starts_with("werk");
            let hours = if unit.starts_with('h')
                || unit.starts_with("st")
                || unit.starts_with("u")
                || unit.starts_with("ore")
            {
                n
            } else if ["sem", "week", "woche", "weke", "settiman"]
                .iter()
                .any(|w| unit.starts_with(w))
            {
                n * 24.0 * 7.0
            } else {
                n * 24.0
            };
            if !(0.0..=24.0 * 60.0).contains(&hours) || hours == 0.0 {
                continue;
            }
            let promise = Promise {
                text: raw_line
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(200)
                    .collect(),
                hours,
                business_hours: business,
            };
            if !out.contains(&promise) {
                out.push(promise);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> (f64, bool) {
        let found = find(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        (found[0].hours, found[0].business_hours)
    }

    #[test]
    fn candidate_lines_are_each_line_with_a_core_once() {
        let text = "Livraison offerte\nRéponse sous 24h, réponse garantie\nrien\nWe reply fast";
        assert_eq!(
            candidate_lines(text),
            ["Réponse sous 24h, réponse garantie", "We reply fast"]
        );
    }

    #[test]
    fn promises_in_french_and_english() {
        assert_eq!(one("Réponse sous 24h"), (24.0, false));
        assert_eq!(
            one("Nous vous répondons sous 48 heures ouvrées."),
            (48.0, true)
        );
        assert_eq!(one("We reply within one business day."), (24.0, true));
        assert_eq!(
            one("Notre équipe reviendra vers vous dans un délai de 72h."),
            (72.0, false)
        );
        assert_eq!(one("Délai de réponse : 2 jours ouvrés"), (48.0, true));
        // A range promises its upper bound.
        assert_eq!(one("Réponse sous 24-48h"), (48.0, false));
    }

    #[test]
    fn delivery_delays_and_vague_words_are_not_promises() {
        assert!(find("Commande expédiée sous 24h").is_empty());
        assert!(find("Nous vous répondrons dans les plus brefs délais.").is_empty());
        assert!(find("Notre service client vous répond du lundi au samedi de 9h à 19h").is_empty());
        assert!(find("Une réponse ? Livraison en 48h partout en France").is_empty());
    }

    #[test]
    fn promises_in_spanish_german_italian_and_dutch() {
        assert_eq!(one("Respondemos en 24 horas."), (24.0, false));
        assert_eq!(
            one("Te contestaremos en un plazo máximo de 48 horas hábiles."),
            (48.0, true)
        );
        assert_eq!(
            one("Wir antworten innerhalb von 24 Stunden."),
            (24.0, false)
        );
        assert_eq!(
            one("Wir melden uns innerhalb eines Werktages bei Ihnen."),
            (24.0, true)
        );
        assert_eq!(one("Rispondiamo entro 48 ore lavorative."), (48.0, true));
        assert_eq!(one("Wij reageren binnen 2 werkdagen."), (48.0, true));
        assert_eq!(one("Antwoord binnen 24 uur"), (24.0, false));
    }

    #[test]
    fn other_delays_are_not_promises_in_any_language() {
        assert!(find("Respuesta rápida: envío en 24 horas").is_empty());
        assert!(find("Antwort auf Ihre Frage: Lieferung in 2 Tagen").is_empty());
        assert!(find("Risposta: spedizione entro 48 ore").is_empty());
        assert!(find("Antwoord: verzending binnen 24 uur").is_empty());
    }
}
