//! The page observations of a whole site, merged (bounded for any crawl size), and the site facts read from them:
//! payment methods, delivery options and chat widgets (term lists), opening hours, the response-time promise.
//! Facts only: nothing here judges.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::hours::WeeklyHours;
use crate::facts::legal::LegalFacts;
use crate::facts::observe::{PageObservation, TermHit};
use crate::facts::promise::Promise;
use crate::facts::readers::Readers;
use crate::facts::spelling::SpellingSample;
use crate::result::{
    Evidence, FormFact, Localized, NamedSignal, OpeningHours, ResponsePromise, SiteFacts,
};

/// Pages kept per kind of observation: enough to judge and to show, bounded for any crawl size.
const PAGES_KEPT: usize = 60;
/// Evidence items kept per term.
const TERM_EVIDENCE: usize = 5;

/// Where a term was seen: every page (by id) and a few hits as evidence, the pages nearest the home page first
/// (then by URL), so the evidence does not depend on the order concurrent fetches finished in.
#[derive(Debug, Default, Clone)]
pub struct TermPages {
    pub pages: Vec<u32>,
    pub evidence: Vec<(u32, TermHit)>,
}

/// The page observations of a whole site, merged.
#[derive(Debug, Default)]
pub struct SiteObservations {
    pub urls: Vec<String>,
    pub depths: Vec<Option<u32>>,
    by_url: crate::ids::StrIds,
    pub home: Option<u32>,
    pub terms: Vec<TermPages>,
    /// (page, questions in the main text, questions in FAQPage JSON-LD), pages with any.
    pub questions: Vec<(u32, u32, u32)>,
    pub hours: Vec<(u32, WeeklyHours, String)>,
    pub promises: Vec<(u32, Promise)>,
    pub legal: Vec<(u32, LegalFacts)>,
    pub forms: Vec<(u32, FormFact)>,
    pub without_contact_link: Vec<u32>,
    /// Pages read only in part: left out of the rules about every page.
    pub partly_read: Vec<u32>,
    /// (kind, value) of schema.org contact data → pages.
    pub schema_contacts: BTreeMap<(String, String), Vec<u32>>,
    pub link_mismatches: Vec<(u32, String, String)>,
    pub spelling: Vec<(u32, SpellingSample)>,
    /// Chat windows rendered pages showed.
    pub widgets: Vec<(u32, crate::result::ChatWidgetFact)>,
}

impl SiteObservations {
    pub fn new(readers: &Readers) -> SiteObservations {
        SiteObservations {
            terms: vec![TermPages::default(); readers.terms.len()],
            ..Default::default()
        }
    }

    pub fn add(
        &mut self,
        url: &str,
        depth: Option<u32>,
        is_home: bool,
        partly_read: bool,
        obs: PageObservation,
    ) {
        let page = self.urls.len() as u32;
        self.urls.push(url.to_string());
        self.depths.push(depth);
        self.by_url.insert(url, page);
        if is_home {
            self.home = Some(page);
        }
        for hit in obs.term_hits {
            let index = hit.term;
            self.terms[index].pages.push(page);
            let mut evidence = std::mem::take(&mut self.terms[index].evidence);
            evidence.push((page, hit));
            self.keep_best(&mut evidence);
            self.terms[index].evidence = evidence;
        }
        if (obs.questions > 0 || obs.schema_questions > 0) && self.questions.len() < 10 * PAGES_KEPT
        {
            self.questions
                .push((page, obs.questions, obs.schema_questions));
        }
        if let Some((week, text)) = obs.hours {
            if self.hours.len() < PAGES_KEPT {
                self.hours.push((page, week, text));
            }
        }
        for promise in obs.promises {
            if self.promises.len() < PAGES_KEPT {
                self.promises.push((page, promise));
            }
        }
        if !obs.legal.is_empty() && self.legal.len() < PAGES_KEPT {
            self.legal.push((page, obs.legal));
        }
        for form in obs.contact_forms {
            if self.forms.len() < PAGES_KEPT {
                self.forms.push((page, form));
            }
        }
        if partly_read {
            self.partly_read.push(page);
        } else if !obs.contact_link {
            self.without_contact_link.push(page);
        }
        for pair in obs.schema_contacts {
            let pages = self.schema_contacts.entry(pair).or_default();
            if pages.len() < PAGES_KEPT {
                pages.push(page);
            }
        }
        for (href, text) in obs.link_mismatches {
            if self.link_mismatches.len() < PAGES_KEPT {
                self.link_mismatches.push((page, href, text));
            }
        }
        if let Some(sample) = obs.spelling {
            if self.spelling.len() < PAGES_KEPT {
                self.spelling.push((page, sample));
            }
        }
        if let Some(widget) = obs.widget {
            if self.widgets.len() < PAGES_KEPT {
                self.widgets.push((page, widget));
            }
        }
    }

    /// A page's place in the canonical order: depth (sitemap-only pages last), then URL. Whatever the crawl's
    /// order, the same shop gives the same evidence.
    pub fn rank(&self, page: u32) -> (u32, &str) {
        (
            self.depths[page as usize].unwrap_or(u32::MAX),
            self.url(page),
        )
    }

    /// Sorts hits by their page's rank and keeps the first [`TERM_EVIDENCE`].
    fn keep_best(&self, evidence: &mut Vec<(u32, TermHit)>) {
        evidence.sort_by(|a, b| self.rank(a.0).cmp(&self.rank(b.0)));
        evidence.truncate(TERM_EVIDENCE);
    }

    pub fn url(&self, page: u32) -> &str {
        &self.urls[page as usize]
    }

    pub fn page_of(&self, url: &str) -> Option<u32> {
        self.by_url.get(url, self.urls.len() as u32, |page| {
            &self.urls[page as usize]
        })
    }

    pub fn html_pages(&self) -> usize {
        self.urls.len()
    }

    /// HTML pages read whole: what the rules about every page are judged on.
    pub fn whole_pages(&self) -> usize {
        self.urls.len() - self.partly_read.len()
    }
}

/// Evidence from a term hit.
pub fn hit_evidence(obs: &SiteObservations, page: u32, hit: &TermHit) -> Evidence {
    Evidence {
        url: Some(obs.url(page).to_string()),
        region: hit.region,
        note: None,
        text: hit.snippet.clone(),
    }
}

/// Terms of a rule that were seen, as site-fact signals.
pub fn signals(readers: &Readers, obs: &SiteObservations, group: &str) -> Vec<NamedSignal> {
    let mut out: Vec<NamedSignal> = Vec::new();
    for (name, seen) in merged_terms(readers, obs, group) {
        let Some((page, hit)) = seen.evidence.first() else {
            continue;
        };
        out.push(NamedSignal {
            label: readers
                .terms_of(group)
                .find(|(_, t)| t.name == name)
                .map(|(_, t)| t.label.clone())
                .unwrap_or_else(|| Localized::same(&name)),
            name,
            page_count: seen.pages.len() as u64,
            evidence: hit_evidence(obs, *page, hit),
        });
    }
    out
}

/// The pages where each term name of a rule was seen, alternatives of one name merged, in the rule file's order.
pub fn merged_terms(
    readers: &Readers,
    obs: &SiteObservations,
    group: &str,
) -> Vec<(String, TermPages)> {
    let mut out: Vec<(String, TermPages)> = Vec::new();
    for (index, term) in readers.terms_of(group) {
        let seen = &obs.terms[index];
        let at = match out.iter().position(|(n, _)| *n == term.name) {
            Some(at) => at,
            None => {
                out.push((term.name.clone(), TermPages::default()));
                out.len() - 1
            }
        };
        let merged = &mut out[at].1;
        merged.pages.extend(seen.pages.iter().copied());
        merged.pages.sort_unstable();
        merged.pages.dedup();
        merged.pages.sort_by(|a, b| obs.rank(*a).cmp(&obs.rank(*b)));
        merged.evidence.extend(seen.evidence.iter().cloned());
        obs.keep_best(&mut merged.evidence);
    }
    let seen: BTreeSet<String> = out
        .iter()
        .filter(|(_, pages)| !pages.pages.is_empty())
        .map(|(name, _)| name.clone())
        .collect();
    let implied: BTreeSet<String> = readers
        .terms_of(group)
        .filter(|(_, t)| t.implied_by.iter().any(|by| seen.contains(by)))
        .map(|(_, t)| t.name.clone())
        .collect();
    out.retain(|(name, _)| !implied.contains(name));
    out
}

pub fn opening_hours(site: &SiteFacts, obs: &SiteObservations) -> Option<OpeningHours> {
    let contact = site
        .key_pages
        .contact
        .as_deref()
        .and_then(|u| obs.page_of(u));
    obs.hours
        .iter()
        .max_by_key(|(page, week, _)| {
            (
                Some(*page) == contact,
                week.days_open(),
                std::cmp::Reverse(obs.rank(*page)),
            )
        })
        .map(|(page, week, text)| OpeningHours {
            week: week.table(),
            text: text.clone(),
            url: obs.url(*page).to_string(),
        })
}

pub fn response_promise(site: &SiteFacts, obs: &SiteObservations) -> Option<ResponsePromise> {
    let preferred: Vec<u32> = [
        site.key_pages.contact.as_deref(),
        site.key_pages.faq.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|u| obs.page_of(u))
    .collect();
    let mut counts: BTreeMap<String, (usize, f64, bool, u32, String)> = BTreeMap::new();
    for (page, promise) in &obs.promises {
        let key = format!("{}:{}", promise.hours, promise.business_hours);
        let entry = counts.entry(key).or_insert((
            0,
            promise.hours,
            promise.business_hours,
            *page,
            promise.text.clone(),
        ));
        entry.0 += 1;
        let is_preferred = preferred.contains(page);
        if is_preferred {
            entry.0 += 1000;
        }
        // The page shown: a preferred one if any, then the best ranked.
        let better =
            (!is_preferred, obs.rank(*page)) < (!preferred.contains(&entry.3), obs.rank(entry.3));
        if better {
            entry.3 = *page;
            entry.4 = promise.text.clone();
        }
    }
    counts
        .into_values()
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)))
        .map(|(_, hours, business_hours, page, text)| ResponsePromise {
            text,
            hours,
            business_hours,
            url: obs.url(page).to_string(),
        })
}

/// Fills the site facts read from the observations: the term lists the pack names (`lists` in a rule file:
/// `payment_methods`, `delivery_options`, `chat_widgets`), the opening hours and the response-time promise.
pub fn fill_site_facts(readers: &Readers, site: &mut SiteFacts, obs: &SiteObservations) {
    let list = |name: &str| -> Vec<NamedSignal> {
        readers
            .lists
            .iter()
            .filter(|(list, _)| list == name)
            .flat_map(|(_, group)| signals(readers, obs, group))
            .collect()
    };
    site.payment_methods = list("payment_methods");
    site.delivery_options = list("delivery_options");
    site.chat_widgets = list("chat_widgets");
    site.opening_hours = opening_hours(site, obs);
    site.response_time_promise = response_promise(site, obs);
}

/// Lists of pages in the site facts in the canonical order (nearest the home page first, then by URL), so the
/// first page shown as evidence is the same whatever order the crawl finished pages in.
pub fn rank_pages(site: &mut SiteFacts, obs: &SiteObservations) {
    let rank = |url: &String| match obs.page_of(url) {
        Some(page) => {
            let (depth, url) = obs.rank(page);
            (depth, url.to_string())
        }
        None => (u32::MAX, url.clone()),
    };
    let sort = |pages: &mut Vec<String>| pages.sort_by_cached_key(rank);
    for phone in site.phones.iter_mut().chain(site.other_phones.iter_mut()) {
        sort(&mut phone.pages);
    }
    for email in site.emails.iter_mut().chain(site.other_emails.iter_mut()) {
        sort(&mut email.pages);
    }
    sort(&mut site.pages_without_phone);
}
