//! What the fact readers take from the rule pack, as plain data: the key-page words, the other bodies' numbers
//! and words, and the terms compiled for matching. The pack builds it; the facts read it and never see a rule.

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

use crate::facts::lexicon::KeyPageLexicon;
use crate::result::Localized;

/// Where a term is looked for on a page.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum TermSource {
    /// Visible text, every region.
    Text,
    /// Image `alt`, `title` and file name (payment logos, carrier badges).
    Image,
    /// Script URLs and the start of inline scripts (chat widgets, payment providers).
    Script,
    /// `iframe` sources (maps, chat frames).
    Iframe,
    /// Link targets and texts.
    Link,
    /// The page's own URL and title.
    Page,
    /// Ids and classes of elements that name a widget (`chat-window`): a home-made chat's structure.
    Widget,
}

/// Numbers, addresses and words that belong to other bodies (regulators, hosts, mediators): they are not the
/// shop's, even when its pages show them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotTheShop {
    /// E.164 numbers.
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Words that, within the 150 characters before a number or an address, say it is another body's.
    #[serde(default)]
    pub context: Vec<String>,
    /// E-mail domains of other bodies, and placeholder domains.
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// Local parts or whole addresses that are placeholders ("votre@email.fr", "nom@domaine.fr").
    #[serde(default)]
    pub email_placeholders: Vec<String>,
}

/// A term compiled for matching: patterns folded and joined, whole words.
#[derive(Debug)]
pub struct CompiledTerm {
    /// The group the term belongs to (the id of the rule that defines it): alternatives and lists are per group.
    pub group: String,
    pub name: String,
    /// The display name in every language of the pack.
    pub label: Localized,
    /// The patterns of each language tag ("fr", "en", "any") alone: a page is searched with those of the languages
    /// it is read in (all of them when its language is not known).
    pub by_language: Vec<(String, Regex)>,
    pub near: Option<Regex>,
    pub not_after: Option<Regex>,
    pub not_before: Option<Regex>,
    pub sources: Vec<TermSource>,
    /// Names of terms whose presence makes this one go without saying.
    pub implied_by: Vec<String>,
}

/// The patterns of some language tags, every term's at once.
#[derive(Debug)]
pub struct TermSet {
    /// The tags of its patterns: the set is scanned on a page that reads any of them.
    pub tags: Vec<String>,
    pub set: RegexSet,
    /// For each pattern of `set`: (index in [`Readers::terms`], index in that term's `by_language`).
    pub patterns: Vec<(usize, usize)>,
}

/// Everything the page and site readers need that a rule pack can change.
#[derive(Debug)]
pub struct Readers {
    pub lexicon: KeyPageLexicon,
    pub not_the_shop: NotTheShop,
    /// `not_the_shop.context` compiled: words that say a number is another body's.
    pub other_body_context: Option<Regex>,
    /// The terms of the enabled rules.
    pub terms: Vec<CompiledTerm>,
    /// Prefilters over `terms`, a set per language: a page is scanned by the sets of the languages it is read in,
    /// and a term's patterns of a language are searched for their first hit only where its set matched them.
    /// (One set of every language at once grows a lazy DFA too large for its cache, which then gives up.)
    pub term_sets: Vec<TermSet>,
    /// (site-fact list, term group): which groups' terms the site lists (`payment_methods`...) are made of.
    pub lists: Vec<(String, String)>,
}

impl Readers {
    /// The terms of one group, with their indices in [`Readers::terms`].
    pub fn terms_of<'a>(
        &'a self,
        group: &'a str,
    ) -> impl Iterator<Item = (usize, &'a CompiledTerm)> + 'a {
        self.terms
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.group == group)
    }
}
