//! The words of findings and evidence notes, as data: `checks/messages/<lang>.toml` maps message keys to texts
//! with placeholders, one file per language, so a language is added by adding a file (no code). A detector says
//! *what* it found (a [`Message`]: a key and its arguments); this module words it in each language of the pack.
//!
//! Placeholders: `{name}` puts an argument; `{name|form for one|form for others}` picks a plural form by the
//! number `name` and the language's `[plural] one` counts (French `[0, 1]`, English and German `[1]`), so a
//! finding reads "1 clic" / "2 clics", never "clic(s)". An argument is a number, a text, a text per language
//! (`{"fr": …, "en": …}`: term labels) or another message (`{"key": …, "args": …}`), worded in the same language.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::result::{Localized, Message};
use crate::words::Arg;

/// One language's file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// The counts that take the singular form.
    #[serde(default)]
    pub plural: PluralRule,
    /// How numbers are written.
    #[serde(default)]
    pub numbers: NumberRule,
    /// Message key → text with placeholders.
    #[serde(default)]
    pub messages: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberRule {
    /// The decimal mark: "0,8" in French, "0.8" in English.
    pub decimal: String,
}

impl Default for NumberRule {
    fn default() -> Self {
        NumberRule {
            decimal: ".".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluralRule {
    pub one: Vec<i64>,
}

impl Default for PluralRule {
    fn default() -> Self {
        PluralRule { one: vec![1] }
    }
}

/// Every language's catalogue.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    pub by_lang: BTreeMap<String, Catalogue>,
}

impl Messages {
    /// Parses `messages/<lang>.toml` files; every problem is returned with its file.
    pub fn parse(files: &[(String, String)]) -> (Messages, Vec<String>) {
        let mut messages = Messages::default();
        let mut problems = Vec::new();
        for (path, text) in files {
            let Some(lang) = path
                .strip_prefix("messages/")
                .and_then(|n| n.strip_suffix(".toml"))
            else {
                continue;
            };
            match toml::from_str::<Catalogue>(text) {
                Ok(catalogue) => {
                    for (key, template) in &catalogue.messages {
                        if let Err(e) = crate::words::check_template(template) {
                            problems.push(format!("{path}: {key}: {e}"));
                        }
                    }
                    messages.by_lang.insert(lang.to_string(), catalogue);
                }
                Err(e) => {
                    problems.push(format!("{path}: {}", crate::files::toml_problem(text, &e)))
                }
            }
        }
        // French and English are the languages every rule speaks: their catalogues must be whole.
        let keys: Vec<&String> = messages
            .by_lang
            .values()
            .flat_map(|c| c.messages.keys())
            .collect();
        for lang in ["fr", "en"] {
            match messages.by_lang.get(lang) {
                None => problems.push(format!("messages/{lang}.toml is missing")),
                Some(catalogue) => {
                    for key in &keys {
                        if !catalogue.messages.contains_key(*key) {
                            problems.push(format!("messages/{lang}.toml: no message {key:?}"));
                        }
                    }
                }
            }
        }
        (messages, problems)
    }

    /// `message` worded in each of `languages` (a language without the key falls back to English).
    pub fn localize(&self, message: &Message, languages: &[String]) -> Localized {
        Localized(
            languages
                .iter()
                .map(|lang| (lang.clone(), self.word(message, lang)))
                .collect(),
        )
    }

    /// `message` in `lang`. An unknown key words itself as the key, so a gap shows in the report rather than
    /// vanishing (the bundled pack's keys are all checked by a test).
    pub fn word(&self, message: &Message, lang: &str) -> String {
        let catalogue = self
            .by_lang
            .get(lang)
            .filter(|c| c.messages.contains_key(&message.key))
            .or_else(|| self.by_lang.get("en"));
        let Some(catalogue) = catalogue else {
            return message.key.clone();
        };
        let Some(template) = catalogue.messages.get(&message.key) else {
            return message.key.clone();
        };
        crate::words::fill(template, &catalogue.plural.one, |name| {
            let value = message.args.get(name)?;
            Some(Arg {
                text: self.argument(value, lang),
                number: value.as_f64(),
            })
        })
    }

    fn argument(&self, value: &Value, lang: &str) -> String {
        match value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() != 0.0 => {
                    let decimal = self
                        .by_lang
                        .get(lang)
                        .map(|c| c.numbers.decimal.as_str())
                        .unwrap_or(".");
                    format!("{f:.1}").replace('.', decimal)
                }
                _ => n.to_string(),
            },
            Value::Bool(b) => b.to_string(),
            Value::Array(items) => items
                .iter()
                .map(|v| self.argument(v, lang))
                .collect::<Vec<_>>()
                .join(", "),
            Value::Object(map) => {
                if let Some(Value::String(key)) = map.get("key") {
                    let args = map
                        .get("args")
                        .and_then(Value::as_object)
                        .map(|a| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                        .unwrap_or_default();
                    self.word(
                        &Message {
                            key: key.clone(),
                            args,
                        },
                        lang,
                    )
                } else {
                    let texts: BTreeMap<String, String> = map
                        .iter()
                        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                        .collect();
                    Localized(texts).get(lang).to_string()
                }
            }
        }
    }
}

/// A message from a key and `(name, value)` pairs.
pub fn msg<const N: usize>(key: &str, args: [(&str, Value); N]) -> Message {
    Message {
        key: key.to_string(),
        args: args.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

/// A message as an argument of another.
pub fn nested(message: &Message) -> Value {
    serde_json::json!({ "key": message.key, "args": message.args })
}

/// A text per language as an argument.
pub fn texts(localized: &Localized) -> Value {
    serde_json::to_value(localized).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pack() -> Messages {
        let files = vec![
            (
                "messages/fr.toml".to_string(),
                "[plural]\none = [0, 1]\n[messages]\nclicks = \"{n} {n|clic|clics}\"\nfound = \"Trouvé : {what}.\"\nwrap = \"({inner})\"\n".to_string(),
            ),
            (
                "messages/en.toml".to_string(),
                "[plural]\none = [1]\n[messages]\nclicks = \"{n} {n|click|clicks}\"\nfound = \"Found: {what}.\"\nwrap = \"({inner})\"\n".to_string(),
            ),
            (
                "messages/de.toml".to_string(),
                "[plural]\none = [1]\n[messages]\nclicks = \"{n} {n|Klick|Klicks}\"\n".to_string(),
            ),
        ];
        let (messages, problems) = Messages::parse(&files);
        assert!(problems.is_empty(), "{problems:?}");
        messages
    }

    #[test]
    fn plural_forms_follow_each_languages_rule() {
        let m = pack();
        let word = |n: i64, lang: &str| m.word(&msg("clicks", [("n", json!(n))]), lang);
        assert_eq!(word(0, "fr"), "0 clic");
        assert_eq!(word(1, "fr"), "1 clic");
        assert_eq!(word(2, "fr"), "2 clics");
        assert_eq!(word(0, "en"), "0 clicks");
        assert_eq!(word(1, "en"), "1 click");
        assert_eq!(word(3, "de"), "3 Klicks");
    }

    #[test]
    fn arguments_may_be_texts_per_language_or_messages() {
        let m = pack();
        let label = Localized(BTreeMap::from([
            ("fr".to_string(), "carte bancaire".to_string()),
            ("en".to_string(), "card".to_string()),
        ]));
        let found = msg("found", [("what", texts(&label))]);
        assert_eq!(m.word(&found, "fr"), "Trouvé : carte bancaire.");
        let wrapped = msg("wrap", [("inner", nested(&found))]);
        assert_eq!(m.word(&wrapped, "en"), "(Found: card.)");
        // German has no "found": English words it, never a blank.
        assert_eq!(m.word(&found, "de"), "Found: card.");
    }

    #[test]
    fn a_catalogue_missing_a_key_or_a_brace_is_reported() {
        let files = vec![
            (
                "messages/fr.toml".to_string(),
                "[messages]\na = \"{n\"\n".to_string(),
            ),
            (
                "messages/en.toml".to_string(),
                "[messages]\na = \"x\"\nb = \"y\"\n".to_string(),
            ),
        ];
        let (_, problems) = Messages::parse(&files);
        assert!(
            problems.iter().any(|p| p.contains("messages/fr.toml: a:")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("no message \"b\"")),
            "{problems:?}"
        );
    }
}
