//! The rule pack: every file of `checks/`, parsed and checked. One file per rule under `checks/rules/`, named by
//! the rule's id; `categories.toml` (category names, grade bands); `key-pages.toml` (the words naming key pages);
//! `not-the-shop.toml` (numbers and words of other bodies). Bundled in the binary; `--checks DIR` replaces all of it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::facts::lexicon::{fold, KeyPageLexicon};
pub use crate::facts::readers::{CompiledTerm, NotTheShop, Readers, TermSource};
use crate::files::toml_problem;
use crate::result::RuleKind;
use crate::rules::detectors;
use crate::rules::messages::Messages;

/// A rule pack that cannot be used: the one file error type (`Problems` lists every problem with its file).
pub type ChecksError = crate::files::FileError;

/// A text in each language the pack speaks; `fr` and `en` are required.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Texts(pub BTreeMap<String, String>);

impl Texts {
    /// The text in `lang`, falling back to English then French.
    pub fn get(&self, lang: &str) -> &str {
        self.0
            .get(lang)
            .or_else(|| self.0.get("en"))
            .or_else(|| self.0.get("fr"))
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// A term's display name: a brand reads the same in every language, a description does not.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum TermLabel {
    Same(String),
    PerLanguage(Texts),
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Judged once for the whole site.
    Site,
    /// Must hold on every page; measured as a share of pages.
    EveryPage,
    /// Holds when one page shows it.
    AnyPage,
}

fn default_sources() -> Vec<TermSource> {
    vec![TermSource::Text, TermSource::Image]
}

/// A named thing a rule looks for on pages ("paypal", "colissimo", "14 days"), with its patterns per language.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TermSpec {
    pub name: String,
    /// Display name, when the name is not enough: one text for every language ("PayPal") or one per language
    /// (`{ fr = "Carte bancaire", en = "Card" }`).
    #[serde(default)]
    pub label: Option<TermLabel>,
    /// Regular expressions per language (`fr`, `en`, `any`...), matched case- and accent-insensitively on
    /// whole words: write them lower case, without accents.
    pub patterns: BTreeMap<String, Vec<String>>,
    #[serde(default = "default_sources", rename = "in")]
    pub sources: Vec<TermSource>,
    /// Short or ambiguous words ("cb", "ups") count only with one of these within 120 characters.
    #[serde(default)]
    pub near: Vec<String>,
    /// Words that cancel a match when they are within 60 characters before it ("pas de", "no").
    #[serde(default)]
    pub not_after: Vec<String>,
    /// Words that cancel a match when they come right after it ("la poste" before "suisse").
    #[serde(default)]
    pub not_before: Vec<String>,
    /// Terms of the same rule that already say this one: home delivery is what a named parcel carrier does, so
    /// it is not counted again beside Colissimo.
    #[serde(default)]
    pub implied_by: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub category: String,
    /// Relative weight in its category and overall; 0 makes it advisory (shown, not counted).
    pub weight: f64,
    pub scope: Scope,
    pub detector: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub title: Texts,
    pub failure_title: Texts,
    /// The headline of a partial result; without it the report says the title "in part".
    #[serde(default)]
    pub partial_title: Option<Texts>,
    /// How much it matters as a priority to a shop that sells nothing online, or a small one.
    #[serde(default)]
    pub priority: crate::result::PriorityFactors,
    /// What the rule looks at as a short noun ("formulaire de contact"), for lists and tables.
    #[serde(default)]
    pub name: Option<Texts>,
    pub why: Texts,
    pub fix: Texts,
    /// The practice or the law the rule comes from.
    #[serde(default)]
    pub reference: Option<String>,
    /// What kind of rule it is (`channel`, `aggregate`, `campaign`; default plain): metadata, never read from the id.
    #[serde(default)]
    pub kind: RuleKind,
    /// The site-fact list its terms feed (`payment_methods`, `delivery_options`, `chat_widgets`).
    #[serde(default)]
    pub lists: Option<String>,
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub terms: Vec<TermSpec>,
}

fn enabled_by_default() -> bool {
    true
}

impl Rule {
    /// The detector's parameters as its typed struct.
    pub fn params<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        toml::Value::Table(self.params.clone())
            .try_into()
            .map_err(|e: toml::de::Error| format!("[params]: {}", e.message()))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub title: Texts,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    pub grade: String,
    /// Lowest overall score (0–100) that earns this grade.
    pub min: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    categories: Vec<Category>,
    grades: Vec<GradeBand>,
}

/// The loaded pack.
#[derive(Debug)]
pub struct Checks {
    /// Where it came from: "bundled" or the folder.
    pub origin: String,
    /// What the fact readers need from the pack, as plain data: the facts never see the rules.
    pub readers: Readers,
    pub categories: Vec<Category>,
    pub grades: Vec<GradeBand>,
    /// Every rule file, enabled or not, sorted by category order then id.
    pub rules: Vec<Rule>,
    /// The languages the pack speaks (every language of its rule titles; `fr` and `en` always).
    pub languages: Vec<String>,
    /// The words of findings and notes, per language (`messages/<lang>.toml`).
    pub messages: Messages,
}

/// Wraps an alternation so it matches whole words only.
/// Patterns run on folded text (lower case, accents removed), so ASCII classes mark word edges; Unicode classes
/// made the combined matcher of a few hundred terms outgrow the regex size limit.
pub fn whole_words(alternation: &str) -> String {
    format!(r"(?:^|[^a-z0-9])(?:{alternation})(?:$|[^a-z0-9])")
}

fn alternation(words: &[String]) -> String {
    words
        .iter()
        .map(|w| ascii_word_letters(&fold(w)))
        .collect::<Vec<_>>()
        .join("|")
}

/// `\w` read as ASCII (`[0-9a-z_]` once folded). Folding leaves a Latin word's letters ASCII, and a term is followed
/// by a word edge that is any other character, so a term matches where it did with Unicode's `\w`; but Unicode's
/// class is tens of kilobytes of automaton at every use, and as much again in each thread's search cache: a third
/// of the pack's memory.
fn ascii_word_letters(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    // Depth of `[`: classes nest (`[a-z[:digit:]]`).
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('w') if class_depth > 0 => out.push_str("[:word:]"),
                Some('w') => out.push_str("(?-u:\\w)"),
                Some(escaped) => {
                    out.push('\\');
                    out.push(escaped);
                }
                None => out.push('\\'),
            },
            '[' => {
                let opens_outer = class_depth == 0;
                class_depth += 1;
                out.push(c);
                // A `]` first in a class (after an optional `^`) is a literal.
                if opens_outer {
                    let mut ahead = chars.clone();
                    let mut literal = String::new();
                    if let Some('^') = ahead.clone().next() {
                        literal.push('^');
                        ahead.next();
                    }
                    if let Some(']') = ahead.next() {
                        literal.push(']');
                        for _ in literal.chars() {
                            chars.next();
                        }
                        out.push_str(&literal);
                    }
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

impl Checks {
    pub fn bundled() -> Checks {
        let files = crate::files::BUNDLED_CHECKS
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect();
        Checks::from_files(files, "bundled checks").expect("the bundled checks are valid")
    }

    /// Reads every `*.toml` of `dir` (and of `dir/rules/`).
    pub fn load(dir: &Path) -> Result<Checks, ChecksError> {
        let mut files = Vec::new();
        for sub in ["", "rules", "messages"] {
            let folder = dir.join(sub);
            let entries = match std::fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(_) if !sub.is_empty() => continue,
                Err(source) => {
                    return Err(ChecksError::Read {
                        path: folder.display().to_string(),
                        source,
                    })
                }
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let text =
                        std::fs::read_to_string(&path).map_err(|source| ChecksError::Read {
                            path: path.display().to_string(),
                            source,
                        })?;
                    let name = path.file_name().unwrap().to_string_lossy();
                    let relative = if sub.is_empty() {
                        name.to_string()
                    } else {
                        format!("{sub}/{name}")
                    };
                    files.push((relative, text));
                }
            }
        }
        Checks::from_files(files, &dir.display().to_string())
    }

    /// Builds the pack from (path relative to the checks folder, contents), reporting every problem at once.
    pub fn from_files(files: Vec<(String, String)>, origin: &str) -> Result<Checks, ChecksError> {
        let mut problems = Vec::new();
        let file = |name: &str| files.iter().find(|(p, _)| p == name).map(|(_, t)| t);
        let lexicon = match file("key-pages.toml") {
            Some(text) => KeyPageLexicon::parse(text, "key-pages.toml")
                .map_err(|e| problems.push(e.to_string()))
                .ok(),
            None => {
                problems.push("key-pages.toml is missing".into());
                None
            }
        };
        let categories_file: Option<CategoriesFile> = match file("categories.toml") {
            Some(text) => toml::from_str(text)
                .map_err(|e| problems.push(format!("categories.toml: {}", toml_problem(text, &e))))
                .ok(),
            None => {
                problems.push("categories.toml is missing".into());
                None
            }
        };
        let not_the_shop: NotTheShop = match file("not-the-shop.toml") {
            Some(text) => toml::from_str(text)
                .map_err(|e| {
                    problems.push(format!("not-the-shop.toml: {}", toml_problem(text, &e)))
                })
                .unwrap_or_default(),
            None => NotTheShop::default(),
        };
        let (messages, message_problems) = Messages::parse(&files);
        problems.extend(message_problems);
        let mut rules = Vec::new();
        for (path, text) in &files {
            let Some(name) = path
                .strip_prefix("rules/")
                .and_then(|n| n.strip_suffix(".toml"))
            else {
                continue;
            };
            match toml::from_str::<Rule>(text) {
                Ok(rule) => {
                    if rule.id != name {
                        problems.push(format!(
                            "{path}: id {:?} must be the file name ({name:?})",
                            rule.id
                        ));
                    }
                    rules.push(rule);
                }
                Err(e) => problems.push(format!("{path}: {}", toml_problem(text, &e))),
            }
        }
        if rules.is_empty() {
            problems.push("no rule files under rules/".into());
        }
        let (categories, grades) = categories_file
            .map(|f| (f.categories, f.grades))
            .unwrap_or_default();
        // Every language a rule title speaks is a language of the pack: each rule must speak it, so a report
        // in that language has no hole (French and English always).
        let languages: Vec<String> = rules
            .iter()
            .flat_map(|r| r.title.0.keys().cloned())
            .chain(["fr".to_string(), "en".to_string()])
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        let category_ids: BTreeSet<&str> = categories.iter().map(|c| c.id.as_str()).collect();
        let rule_ids: BTreeSet<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        for rule in &rules {
            let at = format!("rules/{}.toml", rule.id);
            if !category_ids.contains(rule.category.as_str()) {
                problems.push(format!(
                    "{at}: category {:?} is not in categories.toml",
                    rule.category
                ));
            }
            if !(rule.weight.is_finite() && rule.weight >= 0.0) {
                problems.push(format!("{at}: weight must be 0 or more"));
            }
            if let Some(partial) = &rule.partial_title {
                for lang in &languages {
                    if partial.0.get(lang).is_none_or(|t| t.trim().is_empty()) {
                        problems.push(format!("{at}: partial_title.{lang} is missing"));
                    }
                }
            }
            if let Some(name) = &rule.name {
                for lang in ["fr", "en"] {
                    if name.0.get(lang).is_none_or(|t| t.trim().is_empty()) {
                        problems.push(format!("{at}: name.{lang} is missing"));
                    }
                }
            }
            for (field, texts) in [
                ("title", &rule.title),
                ("failure_title", &rule.failure_title),
                ("why", &rule.why),
                ("fix", &rule.fix),
            ] {
                for lang in &languages {
                    if texts.0.get(lang).is_none_or(|t| t.trim().is_empty()) {
                        problems.push(format!("{at}: {field}.{lang} is missing"));
                    }
                }
            }
            match detectors::find(&rule.detector) {
                None => problems.push(format!(
                    "{at}: unknown detector {:?} (known: {})",
                    rule.detector,
                    detectors::names().join(", ")
                )),
                Some(detector) => {
                    if let Err(e) = (detector.check)(rule, &rule_ids) {
                        problems.push(format!("{at}: {e}"));
                    }
                }
            }
            // A name may repeat: terms of one name are alternatives (a broad "card" and a "cb" needing context).
            for term in &rule.terms {
                for name in &term.implied_by {
                    if !rule.terms.iter().any(|t| &t.name == name) {
                        problems.push(format!(
                            "{at}: term {:?}: implied_by {name:?} is no term of this rule",
                            term.name
                        ));
                    }
                }
                if term.patterns.values().all(Vec::is_empty) {
                    problems.push(format!("{at}: term {:?} has no patterns", term.name));
                }
                // Patterns are folded to lower case like the text, which would turn `\W` into `\w`.
                let upper_class = ["\\W", "\\S", "\\D", "\\B"];
                for pattern in term
                    .patterns
                    .values()
                    .flatten()
                    .chain(&term.near)
                    .chain(&term.not_after)
                    .chain(&term.not_before)
                {
                    if let Some(class) = upper_class.iter().find(|c| pattern.contains(**c)) {
                        problems.push(format!(
                            "{at}: term {:?}: {class} in {pattern:?} would match its opposite once folded to lower case; write a bracket class such as [^a-z0-9]",
                            term.name
                        ));
                    }
                }
                if let Some(TermLabel::PerLanguage(texts)) = &term.label {
                    for lang in ["fr", "en"] {
                        if texts.0.get(lang).is_none_or(|t| t.trim().is_empty()) {
                            problems.push(format!(
                                "{at}: term {:?}: label.{lang} is missing",
                                term.name
                            ));
                        }
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        for rule in &rules {
            if !seen.insert(rule.id.as_str()) {
                problems.push(format!("rule id {:?} appears twice", rule.id));
            }
        }
        if grades.is_empty() {
            problems.push("categories.toml: no [[grades]]".into());
        }

        // Terms of enabled rules, compiled.
        let order = |r: &Rule| {
            categories
                .iter()
                .position(|c| c.id == r.category)
                .unwrap_or(usize::MAX)
        };
        rules.sort_by(|a, b| order(a).cmp(&order(b)).then(a.id.cmp(&b.id)));
        const LISTS: [&str; 3] = ["payment_methods", "delivery_options", "chat_widgets"];
        let mut lists = Vec::new();
        for rule in rules.iter().filter(|r| r.enabled) {
            if let Some(list) = &rule.lists {
                if LISTS.contains(&list.as_str()) {
                    lists.push((list.clone(), rule.id.clone()));
                } else {
                    problems.push(format!(
                        "rules/{}.toml: lists {list:?} is not one of {}",
                        rule.id,
                        LISTS.join(", ")
                    ));
                }
            }
        }
        let mut terms = Vec::new();
        // Terms of one rule often share their context words ("livraison", "paiement"...): a pattern written
        // several times is compiled once and shared (a clone shares the compiled program).
        let mut compiled: HashMap<String, Regex> = HashMap::new();
        for rule in &rules {
            if !rule.enabled {
                continue;
            }
            for term in &rule.terms {
                let mut compile = |list: &[String], whole: bool| -> Option<Regex> {
                    if list.is_empty() {
                        return None;
                    }
                    let alt = alternation(list);
                    let source = if whole { whole_words(&alt) } else { alt };
                    if let Some(regex) = compiled.get(&source) {
                        return Some(regex.clone());
                    }
                    match Regex::new(&source) {
                        Ok(r) => {
                            compiled.insert(source, r.clone());
                            Some(r)
                        }
                        Err(e) => {
                            problems
                                .push(format!("rules/{}.toml: term {:?}: {e}", rule.id, term.name));
                            None
                        }
                    }
                };
                if term.patterns.values().all(|list| list.is_empty()) {
                    continue;
                }
                let by_language = term
                    .patterns
                    .iter()
                    .filter_map(|(tag, list)| Some((tag.clone(), compile(list, true)?)))
                    .collect();
                terms.push(CompiledTerm {
                    group: rule.id.clone(),
                    name: term.name.clone(),
                    label: match &term.label {
                        None => crate::result::same_in(&languages, &term.name),
                        Some(TermLabel::Same(text)) => crate::result::same_in(&languages, text),
                        Some(TermLabel::PerLanguage(texts)) => languages
                            .iter()
                            .map(|l| (l.clone(), texts.get(l).to_string()))
                            .collect(),
                    },
                    by_language,
                    near: compile(&term.near, true),
                    not_after: compile(&term.not_after, true),
                    not_before: (!term.not_before.is_empty())
                        .then(|| {
                            Regex::new(&format!(r"^\s*(?:{})", alternation(&term.not_before))).ok()
                        })
                        .flatten(),
                    sources: term.sources.clone(),
                    implied_by: term.implied_by.clone(),
                });
            }
        }
        // The page reader marks a term's languages as bits of a u32.
        for term in terms.iter().filter(|t| t.by_language.len() > 32) {
            problems.push(format!(
                "rules/{}.toml: term {:?}: more than 32 language tags",
                term.group, term.name
            ));
        }
        let other_body_context = if not_the_shop.context.is_empty() {
            None
        } else {
            Regex::new(&whole_words(&alternation(&not_the_shop.context)))
                .map_err(|e| problems.push(format!("not-the-shop.toml: context: {e}")))
                .ok()
        };
        if !problems.is_empty() {
            return Err(ChecksError::Problems {
                origin: origin.to_string(),
                problems,
            });
        }
        // One set per counted language, and one for the tags every page known to be in some language reads
        // ("any", English, the languages not counted): a French page is scanned twice.
        let group_of = |tag: &str| {
            let primary = tag.split('-').next().unwrap_or(tag);
            if primary != "en" && crate::facts::language::LANGUAGES.contains(&primary) {
                primary.to_string()
            } else {
                "shared".to_string()
            }
        };
        let mut groups: Vec<String> = Vec::new();
        for term in &terms {
            for (tag, _) in &term.by_language {
                let group = group_of(tag);
                if !groups.contains(&group) {
                    groups.push(group);
                }
            }
        }
        let mut term_sets = Vec::new();
        for group in groups {
            let patterns: Vec<(usize, usize)> = terms
                .iter()
                .enumerate()
                .flat_map(|(t, term)| {
                    term.by_language
                        .iter()
                        .enumerate()
                        .filter(|(_, (tag, _))| group_of(tag) == group)
                        .map(move |(l, _)| (t, l))
                })
                .collect();
            let mut tags: Vec<String> = patterns
                .iter()
                .map(|(t, l)| terms[*t].by_language[*l].0.clone())
                .collect();
            tags.sort();
            tags.dedup();
            let set = regex::RegexSetBuilder::new(
                patterns
                    .iter()
                    .map(|(t, l)| terms[*t].by_language[*l].1.as_str()),
            )
            .size_limit(64 << 20)
            .build();
            match set {
                Ok(set) => term_sets.push(crate::facts::readers::TermSet {
                    tags,
                    set,
                    patterns,
                }),
                Err(e) => {
                    return Err(ChecksError::Problems {
                        origin: origin.to_string(),
                        problems: vec![format!(
                            "the terms of {group:?} together are too large to match at once: {e}"
                        )],
                    })
                }
            }
        }
        Ok(Checks {
            origin: origin.to_string(),
            readers: Readers {
                lexicon: lexicon.expect("no problems means a lexicon"),
                not_the_shop,
                other_body_context,
                terms,
                term_sets,
                lists,
            },
            categories,
            grades,
            rules,
            languages,
            messages,
        })
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The compiled terms of rule `id`, with their indices.
    pub fn terms_of<'a>(
        &'a self,
        rule_id: &'a str,
    ) -> impl Iterator<Item = (usize, &'a CompiledTerm)> + 'a {
        self.readers.terms_of(rule_id)
    }

    /// The grade for an overall score.
    pub fn grade(&self, score: f64) -> String {
        let mut bands = self.grades.clone();
        bands.sort_by(|a, b| b.min.total_cmp(&a.min));
        bands
            .iter()
            .find(|b| score >= b.min)
            .or(bands.last())
            .map(|b| b.grade.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn word_letters_are_read_as_ascii_outside_and_inside_classes() {
        use super::ascii_word_letters as ascii;
        assert_eq!(ascii(r"livr\w*"), r"livr(?-u:\w)*");
        assert_eq!(ascii(r"a[\w-]+b"), r"a[[:word:]-]+b");
        assert_eq!(ascii(r"[]\w]\w"), r"[][:word:]](?-u:\w)");
        assert_eq!(ascii(r"[^]x]\w"), r"[^]x](?-u:\w)");
        assert_eq!(ascii(r"[a[:digit:]]\w"), r"[a[:digit:]](?-u:\w)");
        assert_eq!(
            ascii(r"\\w \s \d"),
            r"\\w \s \d",
            "an escaped backslash, other classes kept"
        );
        // Where a Unicode `\w` matched, the ASCII one does too, a word edge after the term taking the rest.
        let unicode = regex::Regex::new(&super::whole_words(r"доставк\w*|livr\w*")).unwrap();
        let ascii = regex::Regex::new(&super::whole_words(&ascii(r"доставк\w*|livr\w*"))).unwrap();
        for text in [
            "доставка курьером",
            "livraison offerte",
            "livrés",
            "xdelivr",
            "livr",
            "colis",
        ] {
            assert_eq!(unicode.is_match(text), ascii.is_match(text), "{text}");
        }
    }

    use super::*;

    /// The bundled pack's files, for a test to change one.
    fn bundled_files() -> Vec<(String, String)> {
        crate::files::BUNDLED_CHECKS
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    fn file_named<'a>(files: &'a mut [(String, String)], path: &str) -> &'a mut (String, String) {
        files.iter_mut().find(|(p, _)| p == path).unwrap()
    }

    #[test]
    fn the_bundled_pack_is_valid() {
        let checks = Checks::bundled();
        assert!(checks.rules.len() >= 35, "{}", checks.rules.len());
        assert!(checks.rule("phone-every-page").is_some());
    }

    #[test]
    fn a_language_one_rule_speaks_every_rule_must_speak() {
        let mut files = bundled_files();
        let faq = &mut file_named(&mut files, "rules/faq.toml").1;
        *faq = faq.replacen("title = { fr = ", "title = { de = \"Eine FAQ\", fr = ", 1);
        let err = Checks::from_files(files, "test").unwrap_err().to_string();
        assert!(
            err.contains("rules/phone-every-page.toml: title.de is missing"),
            "{err}"
        );
        assert!(!err.contains("rules/faq.toml: title.de"), "{err}");
    }

    #[test]
    fn the_kind_of_a_rule_is_checked_against_its_detector() {
        let mut files = bundled_files();
        let channels = &mut file_named(&mut files, "rules/channels.toml").1;
        *channels = channels.replacen("kind = \"aggregate\"\n", "", 1);
        let err = Checks::from_files(files, "test").unwrap_err().to_string();
        assert!(
            err.contains("rules/channels.toml: detector \"channels\" reads other rules"),
            "{err}"
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_file() {
        let mut files = bundled_files();
        let faq = &mut file_named(&mut files, "rules/faq.toml").1;
        *faq = faq.replace("detector = \"faq\"", "detector = \"no-such-detector\"");
        files.push((
            "rules/typo.toml".into(),
            "id = \"typ0\"\ncategory = \"contact\"\n".into(),
        ));
        let err = Checks::from_files(files, "test").unwrap_err().to_string();
        assert!(
            err.contains("rules/faq.toml: unknown detector \"no-such-detector\""),
            "{err}"
        );
        assert!(err.contains("rules/typo.toml"), "{err}");
    }
}
