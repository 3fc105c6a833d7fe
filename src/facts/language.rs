//! The languages a page is written in, read from its function words ("les", "und", "het"...) rather than its
//! `lang` attribute, which templates often leave at `en`. The rules' lexicons are then matched in those languages
//! (and English, which themes and platforms leave everywhere), so that a word of one language does not count on a
//! page of another.

use crate::facts::lexicon::{fold, WordBits};

/// The languages whose function words are counted, in the order of [`Languages`]' bits.
pub const LANGUAGES: [&str; 6] = ["fr", "en", "es", "de", "it", "nl"];

/// Frequent words of each language that are rare as words of the others (shared ones such as "de" or "en" are left
/// out or kept where they are common in one language only).
const FUNCTION_WORDS: [&[&str]; 6] = [
    &[
        "le", "les", "des", "et", "est", "vous", "nous", "pour", "une", "du", "au", "aux", "avec",
        "sur", "votre", "vos", "notre", "nos", "dans", "pas", "qui", "sont", "cette", "ou", "mais",
        "ces", "plus", "aussi", "tout", "tous", "toute", "chez", "sans",
    ],
    &[
        "the", "and", "to", "of", "for", "you", "your", "with", "is", "are", "our", "we", "this",
        "that", "it", "be", "from", "by", "at", "have", "will", "can",
    ],
    &[
        "el", "los", "las", "y", "para", "por", "su", "sus", "nuestro", "nuestra", "nuestros",
        "es", "se", "como", "pero", "esta", "muy", "tu", "tus", "usted", "tambien", "todo",
        "todos", "desde", "hasta", "del", "al", "con", "una", "puedes", "puede",
    ],
    &[
        "der", "die", "das", "und", "ist", "mit", "fur", "sie", "ihr", "ihre", "wir", "zu",
        "nicht", "auf", "den", "dem", "ein", "eine", "einen", "von", "bei", "sich", "auch", "oder",
        "unsere", "unser", "wird", "werden", "sind", "haben", "noch", "nur", "uns", "ab",
    ],
    &[
        "il", "gli", "di", "che", "della", "delle", "dei", "sono", "non", "nostro", "nostra",
        "nostri", "tuo", "ti", "ci", "anche", "questo", "alla", "nel", "nella", "oppure", "tutta",
        "tutti", "dopo", "per", "con", "del", "al", "puoi", "puo", "essere",
    ],
    &[
        "het", "een", "van", "voor", "met", "je", "uw", "wij", "niet", "op", "zijn", "ons", "onze",
        "naar", "bij", "ook", "dat", "deze", "wordt", "worden", "aan", "kunt", "kan", "uit", "hoe",
        "jouw", "jij",
    ],
];

/// Below this many function words a page says too little to tell its language...
const ENOUGH_WORDS: usize = 8;
/// ...unless its `lang` attribute names the language these fewer words point to.
const ENOUGH_WORDS_DECLARED: usize = 3;
/// A language counts when it has this share of the most frequent one's words (a bilingual Belgian page has two).
const SHARE_OF_FIRST: f64 = 0.4;
/// Words read per page: the language shows long before the end of a long product text.
const WORDS_READ: usize = 3000;

/// A set of [`LANGUAGES`], as bits; the empty set means "not known", in which every language's words are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Languages(u8);

impl Languages {
    pub const UNKNOWN: Languages = Languages(0);

    pub fn is_known(self) -> bool {
        self.0 != 0
    }

    /// Whether patterns written for `tag` ("fr", "fr-be", "any") are read on such a page.
    pub fn reads(self, tag: &str) -> bool {
        if !self.is_known() || tag == "any" {
            return true;
        }
        let primary = tag.split('-').next().unwrap_or(tag);
        match LANGUAGES.iter().position(|l| *l == primary) {
            Some(i) => self.0 & (1 << i) != 0,
            // A language not counted here (Russian, Turkish) is read everywhere rather than never.
            None => true,
        }
    }

    fn with(self, language: &str) -> Languages {
        match LANGUAGES.iter().position(|l| *l == language) {
            Some(i) => Languages(self.0 | (1 << i)),
            None => self,
        }
    }

    pub fn names(self) -> Vec<&'static str> {
        LANGUAGES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, l)| *l)
            .collect()
    }
}

/// The languages whose [`FUNCTION_WORDS`] hold `word`, as bits: one look-up per word of the page.
fn function_word_languages(word: &str) -> u8 {
    static BY_WORD: std::sync::LazyLock<WordBits> = std::sync::LazyLock::new(|| {
        WordBits::new(
            FUNCTION_WORDS
                .iter()
                .enumerate()
                .flat_map(|(i, words)| words.iter().map(move |w| (*w, 1 << i))),
        )
    });
    // Six languages: the bits fit.
    BY_WORD.get(word) as u8
}

/// The languages of `text`, with English and the declared `lang` (its primary subtag) added once any is known.
pub fn languages_of(text: &str, declared: Option<&str>) -> Languages {
    // The words read are within the first few kilobytes: fold no more than that of a long product page.
    let mut cut = text.len().min(WORDS_READ * 8);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let folded = fold(&text[..cut]);
    let mut counts = [0usize; LANGUAGES.len()];
    let mut total = 0;
    for word in folded
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .take(WORDS_READ)
    {
        let of = function_word_languages(word);
        for (i, count) in counts.iter_mut().enumerate() {
            if of & (1 << i) != 0 {
                *count += 1;
                total += 1;
            }
        }
    }
    let declared = declared
        .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
        .unwrap_or_default();
    let first = counts.iter().copied().max().unwrap_or(0);
    let declared_is_first = LANGUAGES
        .iter()
        .position(|l| *l == declared)
        .is_some_and(|i| counts[i] == first);
    let enough = if declared_is_first {
        ENOUGH_WORDS_DECLARED
    } else {
        ENOUGH_WORDS
    };
    if total < enough || first < enough {
        return Languages::UNKNOWN;
    }
    let mut found = Languages::UNKNOWN;
    for (i, count) in counts.iter().enumerate() {
        if *count as f64 >= first as f64 * SHARE_OF_FIRST {
            found = found.with(LANGUAGES[i]);
        }
    }
    found.with("en").with(&declared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_is_told_by_its_function_words() {
        let cases = [
            ("fr", "Nous livrons vos commandes dans toute la France. Le paiement est sécurisé et les frais de port sont offerts pour une commande de plus de 50 €, avec Colissimo ou en point relais."),
            ("es", "Enviamos tu pedido en 24 horas. El pago es seguro y los gastos de envío son gratis para pedidos de más de 50 €; también puedes recoger tu pedido en nuestra tienda de Sevilla, como siempre."),
            ("de", "Wir versenden Ihre Bestellung innerhalb von 24 Stunden. Die Zahlung ist sicher und der Versand ist ab 50 € kostenlos; Sie können auch in unserem Laden in Köln abholen, oder per Rechnung zahlen."),
            ("it", "Spediamo il tuo ordine in 24 ore. Il pagamento è sicuro e la spedizione è gratuita per ordini superiori a 50 €; puoi anche ritirare il tuo ordine nel nostro negozio di Torino, che è aperto anche il sabato. Non ci sono costi nascosti nella consegna."),
            ("nl", "Wij verzenden je bestelling binnen 24 uur. Het betalen is veilig en de verzending is gratis voor bestellingen boven 50 €; je kunt ook ophalen in onze winkel in Gent, die ook op zaterdag open is."),
        ];
        for (language, text) in cases {
            let found = languages_of(text, None);
            assert!(found.reads(language), "{language}: {:?}", found.names());
            assert!(found.reads("en"), "English is always read");
            for other in ["fr", "es", "de", "it", "nl"] {
                if other != language {
                    assert!(
                        !found.reads(other),
                        "{language} page read as {other}: {:?}",
                        found.names()
                    );
                }
            }
        }
    }

    #[test]
    fn too_little_text_or_an_uncounted_language_reads_every_word() {
        assert!(!languages_of("Contact · Panier · FAQ", Some("fr")).is_known());
        let turkish = "Baklava ve tatlılar her gün taze yapılır, sipariş için bize yazın ya da mağazamıza gelin.";
        assert!(!languages_of(turkish, Some("tr")).is_known());
        assert!(Languages::UNKNOWN.reads("de"));
    }

    #[test]
    fn a_wrong_lang_attribute_does_not_hide_the_text_language() {
        let found = languages_of(
            "Bienvenue au café ! Nous sommes ouverts du mardi au samedi, et vous pouvez réserver une table pour le déjeuner avec nous.",
            Some("en"),
        );
        assert!(found.reads("fr") && found.reads("en"));
        assert!(found.reads("fr-be"));
        assert!(
            found.reads("ru"),
            "languages not counted are read everywhere"
        );
    }
}
