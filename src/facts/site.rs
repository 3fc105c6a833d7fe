//! Stage 3, site facts: pages aggregated into what the rules judge site-wide (phone numbers and where they show,
//! e-mail addresses, key pages, social and messaging profiles, third-party hosts). Each page is first reduced to a
//! small [`PageSummary`] (in parallel, next to its parsing); the builder merges summaries as they arrive, so a crawl
//! of any size holds only these aggregates.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use crate::facts::candidates::same_line;
use crate::facts::lexicon::{fold, KeyPageLexicon};
use crate::facts::readers::{NotTheShop, Readers};
use crate::facts::{address, postcode};
use crate::memo;
use crate::result::{
    AddressCandidate, CandidateSource, Discovery, HostCount, Hreflang, KeyPageCandidate, KeyPages,
    LinkKind, OutboundProfile, PageFacts, PageRecord, Region, SiteAddress, SiteEmail, SiteFacts,
    SitePhone, SitePostcode,
};

/// Pages listed per phone number and per e-mail address (the counts are complete).
const PAGES_LISTED: usize = 50;
const KEY_PAGE_CANDIDATES: usize = 5;
const HOSTS_LISTED: usize = 100;

/// Words right before a number that make it something other than the shop's phone: identifiers, references,
/// a fax, a form's example.
static NOT_A_PHONE_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^\p{L}\p{N}])(?:siret|siren|tva|vat|rcs|n°|ref|reference|iban|bic|fax|telecopie|ex|exemple|e\.g|commande)\s*[:.]?\s*$",
    )
    .expect("valid regex")
});

#[derive(Debug)]
struct VisiblePhone {
    digits: String,
    written: String,
    region: Region,
    /// Not a phone, by the words just before it ("SIRET", "Fax", "ex :").
    look_alike: bool,
    /// Another body's, by the words before it ("CNIL", "Hébergeur").
    other_body: bool,
    context: String,
}

/// The tail of an IBAN written in groups: "IBAN : FR76 1695 8000" before "0197 8135 2569 203".
static IBAN_TAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"iban\s*:?\s*[a-z]{2}[0-9]{2}[0-9a-z ]*$").expect("valid regex"));

/// What one page contributes to the site facts.
#[derive(Debug, Default)]
pub struct PageSummary {
    /// Phone candidates in visible text.
    visible_phones: Vec<VisiblePhone>,
    tel_links: Vec<String>,
    emails: Vec<(String, CandidateSource, Region)>,
    /// (kind index, target URL, link text, matched by text, matched by URL).
    key_links: Vec<(usize, String, String, bool, bool)>,
    /// Some key link points to the page itself ("#contact"): it counts only on the home page of a one-page shop.
    self_links: bool,
    title_kinds: Vec<usize>,
    profiles: Vec<(bool, String, String)>,
    /// Currencies the page's visible text prices in (`EUR`, `CHF`, `MAD`...).
    currencies: BTreeSet<&'static str>,
    /// Social profiles the page's JSON-LD declares (`sameAs`): (network, URL).
    declared_profiles: Vec<(String, String)>,
    script_hosts: Vec<String>,
    iframe_hosts: Vec<String>,
    outbound_hosts: Vec<String>,
    json_ld_types: Vec<String>,
    postcodes: Vec<(String, String)>,
    /// Postal addresses, each with whether the words before it make it another body's.
    addresses: Vec<(AddressCandidate, bool)>,
    lang: Option<String>,
    hreflang: Vec<Hreflang>,
    title: Option<String>,
}

/// Reduces a page to its summary. Pure; runs on the blocking pool.
pub fn summarize(facts: &PageFacts, page_url: &Url, readers: &Readers) -> PageSummary {
    let lexicon = &readers.lexicon;
    let own_host = page_url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    let mut summary = PageSummary {
        lang: facts.lang.clone(),
        hreflang: facts.hreflang.clone(),
        title: facts.title.clone(),
        ..Default::default()
    };
    // A `tel:` link whose own text shows another number is broken (contact-consistency says so): its target is
    // not read as a number of the shop's, which could make it another country's.
    let broken_tel: HashSet<String> = crate::facts::observe::link_mismatches(facts)
        .into_iter()
        .filter_map(|(href, _)| {
            let target = href.strip_prefix("tel:")?;
            Some(crate::urlnorm::percent_decode_lossy(target))
        })
        .collect();
    for phone in &facts.candidates.phones {
        match phone.source {
            CandidateSource::Link if broken_tel.contains(&phone.raw) => {}
            CandidateSource::Link => summary.tel_links.push(phone.digits.clone()),
            _ => {
                let context = fold(&phone.context);
                summary.visible_phones.push(VisiblePhone {
                    digits: phone.digits.clone(),
                    written: phone.raw.clone(),
                    region: phone.region,
                    look_alike: NOT_A_PHONE_CONTEXT.is_match(same_line(&context))
                        || IBAN_TAIL.is_match(same_line(&context)),
                    other_body: readers
                        .other_body_context
                        .as_ref()
                        .is_some_and(|r| r.is_match(&context)),
                    context: same_line(&phone.context).to_string(),
                });
            }
        }
    }
    for email in &facts.candidates.emails {
        summary
            .emails
            .push((email.address.clone(), email.source, email.region));
    }
    let own_page = {
        let mut own = page_url.clone();
        own.set_fragment(None);
        own.to_string()
    };
    let mut seen_links = HashSet::new();
    let mut outbound = BTreeSet::new();
    for link in &facts.links {
        match link.kind {
            LinkKind::Internal => {
                if !seen_links.insert((link.href.as_str(), link.text.as_str())) {
                    continue;
                }
                let label = if link.text.is_empty() {
                    link.label.clone().unwrap_or_default()
                } else {
                    link.text.clone()
                };
                // A product card's whole blurb is not a menu label ("… avec retours latéraux …").
                let label = if label.chars().count() > 60 {
                    String::new()
                } else {
                    label
                };
                let (by_text, by_url) = link_kinds(lexicon, &link.href, &label);
                if link.href == own_page {
                    summary.self_links = true;
                }
                for kind in by_text.iter().chain(by_url.iter()).collect::<BTreeSet<_>>() {
                    summary.key_links.push((
                        *kind,
                        link.href.clone(),
                        label.clone(),
                        by_text.contains(kind),
                        by_url.contains(kind),
                    ));
                }
            }
            LinkKind::External | LinkKind::Messaging => {
                let Ok(url) = Url::parse(&link.href) else {
                    continue;
                };
                let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
                if let Some((messaging, network)) =
                    profile_network(&host, url.path(), url.query().unwrap_or_default())
                {
                    summary
                        .profiles
                        .push((messaging, network.to_string(), link.href.clone()));
                }
                if link.kind == LinkKind::External {
                    outbound.insert(host);
                }
            }
            _ => {}
        }
    }
    // A WhatsApp button whose number a script sets: counted when the page shows the button (a number-less chat
    // link or the word), so that a number in some widget's settings alone is not.
    if !facts.script_whatsapp.is_empty() {
        let shows_button =
            facts.links.iter().any(|l| {
                l.kind == LinkKind::Messaging && l.href.to_ascii_lowercase().contains("wa")
            }) || Region::ALL
                .iter()
                .any(|r| facts.text.get(*r).to_ascii_lowercase().contains("whatsapp"));
        if shows_button {
            for digits in &facts.script_whatsapp {
                summary.profiles.push((
                    true,
                    "whatsapp".to_string(),
                    format!("https://wa.me/{digits}"),
                ));
            }
        }
    }
    if let Some(title) = &facts.title {
        summary.title_kinds = lexicon.match_text(title);
    }
    summary.outbound_hosts = outbound.into_iter().collect();
    let third_party = |host: &Option<String>| {
        host.as_deref()
            .map(|h| h.to_ascii_lowercase())
            .filter(|h| h.trim_start_matches("www.") != own_host)
    };
    summary.script_hosts = facts
        .scripts
        .iter()
        .filter_map(|s| third_party(&s.host))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    summary.iframe_hosts = facts
        .iframes
        .iter()
        .filter_map(|f| third_party(&f.host))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut types = BTreeSet::new();
    for block in &facts.json_ld {
        collect_types(block, &mut types, 0);
    }
    summary.json_ld_types = types.into_iter().collect();
    summary.currencies = currencies_in(&facts.text.main);
    let mut same_as = Vec::new();
    for block in &facts.json_ld {
        collect_same_as(block, &mut same_as, 0);
    }
    for href in same_as {
        let Ok(url) = Url::parse(&href) else {
            continue;
        };
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if let Some((false, network)) =
            profile_network(&host, url.path(), url.query().unwrap_or_default())
        {
            summary.declared_profiles.push((network.to_string(), href));
        }
    }
    summary.addresses = facts
        .candidates
        .addresses
        .iter()
        .map(|a| {
            let other = readers
                .other_body_context
                .as_ref()
                .is_some_and(|r| r.is_match(&fold(&a.context)));
            (a.clone(), other)
        })
        .collect();
    summary.postcodes = facts
        .candidates
        .postcodes
        .iter()
        .map(|p| (p.code.clone(), p.locality.clone()))
        .collect();
    summary
}

/// Key-page kinds a link matches: (by its text, by its URL).
pub type LinkKinds = (Vec<usize>, Vec<usize>);

thread_local! {
    /// Menus and footers repeat the same links on every page: their kinds are remembered, keyed by (href, label).
    static LINK_KINDS: memo::Memo<(String, String), LinkKinds> = Default::default();
}

pub fn link_kinds(lexicon: &KeyPageLexicon, href: &str, label: &str) -> LinkKinds {
    memo::memoized(&LINK_KINDS, &(href, label), || {
        let path = Url::parse(href)
            .map(|u| u.path().to_string())
            .unwrap_or_default();
        (lexicon.match_text(label), lexicon.match_url_path(&path))
    })
}

fn collect_types(value: &serde_json::Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            match map.get("@type") {
                Some(serde_json::Value::String(t)) => {
                    out.insert(t.clone());
                }
                Some(serde_json::Value::Array(list)) => {
                    out.extend(list.iter().filter_map(|t| t.as_str().map(str::to_string)));
                }
                _ => {}
            }
            for v in map.values() {
                collect_types(v, out, depth + 1);
            }
        }
        serde_json::Value::Array(list) => {
            list.iter().for_each(|v| collect_types(v, out, depth + 1))
        }
        _ => {}
    }
}

/// Which social network or messaging service a link points to; share buttons are not the shop's profile.
fn profile_network(host: &str, path: &str, query: &str) -> Option<(bool, &'static str)> {
    let host = host
        .trim_start_matches("www.")
        .trim_start_matches("m.")
        .trim_start_matches("fr.");
    let lower = path.to_ascii_lowercase();
    if [
        "sharer",
        "/share",
        "intent/",
        "pin/create",
        "dialog/",
        "/plugins",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        return None;
    }
    let messaging = match host {
        "wa.me" | "api.whatsapp.com" | "web.whatsapp.com" | "chat.whatsapp.com"
        | "whatsapp.com" => Some("whatsapp"),
        "me" | "messenger.com" => Some("messenger"),
        "t.me" | "telegram.me" => Some("telegram"),
        "signal.me" => Some("signal"),
        _ => None,
    };
    if let Some(network) = messaging {
        // "wa.me/?text=…" and "send?text=…" without a number share a page; they do not reach the shop.
        let has_number = |s: &str| s.chars().filter(char::is_ascii_digit).count() >= 8;
        let reaches_shop = match host {
            "wa.me" => has_number(path),
            "api.whatsapp.com" | "web.whatsapp.com" | "whatsapp.com" => query
                .split('&')
                .any(|kv| kv.starts_with("phone=") && has_number(kv)),
            _ => true,
        };
        return reaches_shop.then_some((true, network));
    }
    // A template's placeholder ("instagram.com/VOTRE_COMPTE").
    if ["votre", "your_", "your-", "yourpage", "username", "compte"]
        .iter()
        .any(|p| lower.contains(p))
    {
        return None;
    }
    let network = match host {
        "facebook.com" | "fb.com" | "fb.me" => "facebook",
        "instagram.com" => "instagram",
        "twitter.com" | "x.com" => "x",
        "linkedin.com" => "linkedin",
        "youtube.com" | "youtu.be" => "youtube",
        "tiktok.com" => "tiktok",
        "snapchat.com" => "snapchat",
        "threads.net" | "threads.com" => "threads",
        "bsky.app" => "bluesky",
        h if h.starts_with("pinterest.") => "pinterest",
        _ => return None,
    };
    // A bare domain is a logo link, not a profile.
    (path.trim_matches('/').len() > 1).then_some((false, network))
}

#[derive(Default)]
struct PhoneAggregate {
    written: BTreeSet<String>,
    pages: Vec<u32>,
    regions: BTreeSet<Region>,
    tel_link_pages: u64,
    contexts: BTreeSet<String>,
    /// Pages where it is shown as another body's number.
    other_pages: BTreeSet<u32>,
}

/// The written forms of one address and where they show.
struct AddressAggregate {
    first: AddressCandidate,
    pages: BTreeSet<u32>,
    /// Pages where it is shown as another body's address.
    other_pages: BTreeSet<u32>,
    regions: BTreeSet<Region>,
    sources: BTreeSet<CandidateSource>,
    /// The country the structured data gives (`addressCountry`), when the text's form names none.
    structured_country: Option<String>,
}

/// Pages listed per address (the count is complete).
const ADDRESS_PAGES_LISTED: usize = 20;

/// "Is it the same address?": the street's number and name words, else the PO box, then the postcode (else the
/// town), so "12, Rue des Abeilles" and "12 r. des abeilles, 69002 LYON" are one.
fn address_key(a: &AddressCandidate) -> String {
    let line = a
        .street
        .as_deref()
        .map(address::street_key)
        .or_else(|| a.po_box.as_deref().map(address::street_key))
        .unwrap_or_default();
    let place = match &a.postcode {
        Some(code) => code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase(),
        None => a
            .town
            .as_deref()
            .map(postcode::town_key)
            .unwrap_or_default(),
    };
    format!("{line}|{place}")
}

/// The address on one line: the street, the box, then the postcode and town in the country's order.
fn address_text(a: &AddressCandidate, country: Option<&str>) -> String {
    let mut parts: Vec<String> = a.street.iter().chain(a.po_box.iter()).cloned().collect();
    let town_first = matches!(country, Some("GB" | "US" | "CA"));
    let mut place = match (&a.postcode, &a.town) {
        (Some(p), Some(t)) if town_first => format!("{t} {p}"),
        (Some(p), Some(t)) => format!("{p} {t}"),
        (Some(p), None) => p.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => String::new(),
    };
    if a.cedex {
        place.push_str(" CEDEX");
    }
    if !place.is_empty() {
        parts.push(place);
    }
    parts.join(", ")
}

#[derive(Default)]
struct EmailAggregate {
    pages: BTreeSet<u32>,
    sources: BTreeSet<CandidateSource>,
    regions: BTreeSet<Region>,
}

/// Digit strings that parse to one number.
struct PhoneGroup {
    valid: bool,
    number_type: Option<String>,
    country: Option<String>,
    calling_code: Option<u16>,
    ids: Vec<u32>,
}

#[derive(Default)]
struct KeyAggregate {
    texts: BTreeSet<String>,
    pages: u64,
    by_text: bool,
    by_url: bool,
    by_title: bool,
    from_home: bool,
}

/// Merges page summaries into [`SiteFacts`].
pub struct SiteFactsBuilder {
    /// For the words that make one candidate of a kind better than another.
    lexicon: KeyPageLexicon,
    html_pages: Vec<String>,
    /// Per HTML page: the phones its visible text shows (ids into `phone_digits`), look-alikes left out.
    page_phones: Vec<Vec<u32>>,
    /// Per page: read only in part ([`crate::result::FetchErrorKind::partly_read`]).
    partly_read: Vec<bool>,
    phone_ids: HashMap<String, u32>,
    phones: Vec<(String, PhoneAggregate)>,
    emails: BTreeMap<String, EmailAggregate>,
    key_pages: HashMap<(usize, String), KeyAggregate>,
    profiles: BTreeMap<(bool, String, String), u64>,
    declared_profiles: BTreeMap<(String, String), u64>,
    /// Currencies seen on the site's pages.
    currencies: BTreeSet<&'static str>,
    script_hosts: HashMap<String, u64>,
    iframe_hosts: HashMap<String, u64>,
    outbound_hosts: HashMap<String, u64>,
    json_ld_types: HashMap<String, u64>,
    postcodes: HashMap<(String, String), u64>,
    address_ids: HashMap<String, usize>,
    addresses: Vec<AddressAggregate>,
    /// Every URL met, with where it ended, its depth and status: to place key pages.
    pages_by_url: HashMap<String, Place>,
    home_url: Option<String>,
    pub home_lang: Option<String>,
    pub home_hreflang: Vec<Hreflang>,
    pub home_title: Option<String>,
}

impl SiteFactsBuilder {
    pub fn new(lexicon: &KeyPageLexicon) -> SiteFactsBuilder {
        SiteFactsBuilder {
            lexicon: lexicon.clone(),
            html_pages: Vec::new(),
            page_phones: Vec::new(),
            partly_read: Vec::new(),
            phone_ids: HashMap::new(),
            phones: Vec::new(),
            emails: BTreeMap::new(),
            key_pages: HashMap::new(),
            profiles: BTreeMap::new(),
            declared_profiles: BTreeMap::new(),
            currencies: BTreeSet::new(),
            script_hosts: HashMap::new(),
            iframe_hosts: HashMap::new(),
            outbound_hosts: HashMap::new(),
            json_ld_types: HashMap::new(),
            postcodes: HashMap::new(),
            address_ids: HashMap::new(),
            addresses: Vec::new(),
            pages_by_url: HashMap::new(),
            home_url: None,
            home_lang: None,
            home_hreflang: Vec::new(),
            home_title: None,
        }
    }

    /// Notes any finished URL (redirects and errors included), so key pages can be followed to where they end.
    pub fn add_record(&mut self, record: &PageRecord) {
        // Most pages end where they were asked for: their final URL is the key itself, not kept twice.
        let moved = (record.final_url != record.url).then(|| record.final_url.clone());
        if moved.is_some() {
            self.pages_by_url
                .entry(record.final_url.clone())
                .or_insert((None, record.depth, record.status));
        }
        self.pages_by_url
            .insert(record.url.clone(), (moved, record.depth, record.status));
    }

    /// Adds an analysed HTML page.
    pub fn add_page(&mut self, record: &PageRecord, summary: PageSummary) {
        let page = self.html_pages.len() as u32;
        self.html_pages.push(record.final_url.clone());
        let is_home = record.discovered_by == Discovery::Start;
        if is_home {
            self.home_url = Some(record.final_url.clone());
            self.home_lang = summary.lang.clone();
            self.home_hreflang = summary.hreflang.clone();
            self.home_title = summary.title.clone();
        }

        let mut shown = Vec::new();
        for phone in summary.visible_phones {
            let id = self.phone_id(&phone.digits);
            let aggregate = &mut self.phones[id as usize].1;
            if aggregate.written.len() < 10 {
                aggregate.written.insert(phone.written);
            }
            if aggregate.contexts.len() < 5 && !phone.context.is_empty() {
                aggregate.contexts.insert(phone.context);
            }
            if phone.look_alike {
                continue;
            }
            if phone.other_body {
                aggregate.other_pages.insert(page);
                continue;
            }
            aggregate.regions.insert(phone.region);
            if aggregate.pages.last() != Some(&page) {
                aggregate.pages.push(page);
            }
            if !shown.contains(&id) {
                shown.push(id);
            }
        }
        self.page_phones.push(shown);
        self.partly_read
            .push(record.error.as_ref().is_some_and(|e| e.kind.partly_read()));
        let mut tel_seen = HashSet::new();
        for digits in summary.tel_links {
            let id = self.phone_id(&digits);
            if tel_seen.insert(id) {
                self.phones[id as usize].1.tel_link_pages += 1;
            }
        }
        for (address, source, region) in summary.emails {
            let entry = self.emails.entry(address).or_default();
            entry.pages.insert(page);
            entry.sources.insert(source);
            entry.regions.insert(region);
        }
        let mut counted = HashSet::new();
        for (kind, url, text, by_text, by_url) in summary.key_links {
            if summary.self_links && !is_home && url == record.final_url {
                continue;
            }
            let aggregate = self.key_pages.entry((kind, url.clone())).or_default();
            if aggregate.texts.len() < 5 && !text.is_empty() {
                aggregate.texts.insert(text);
            }
            aggregate.by_text |= by_text;
            aggregate.by_url |= by_url;
            aggregate.from_home |= is_home;
            if counted.insert((kind, url)) {
                aggregate.pages += 1;
            }
        }
        for kind in summary.title_kinds {
            self.key_pages
                .entry((kind, record.final_url.clone()))
                .or_default()
                .by_title = true;
        }
        for (messaging, network, url) in summary.profiles {
            *self.profiles.entry((messaging, network, url)).or_insert(0) += 1;
        }
        self.currencies.extend(summary.currencies);
        for profile in summary.declared_profiles {
            *self.declared_profiles.entry(profile).or_insert(0) += 1;
        }
        for (map, hosts) in [
            (&mut self.script_hosts, summary.script_hosts),
            (&mut self.iframe_hosts, summary.iframe_hosts),
            (&mut self.outbound_hosts, summary.outbound_hosts),
            (&mut self.json_ld_types, summary.json_ld_types),
        ] {
            for host in hosts {
                *map.entry(host).or_insert(0) += 1;
            }
        }
        for postcode in summary.postcodes.into_iter().collect::<BTreeSet<_>>() {
            *self.postcodes.entry(postcode).or_insert(0) += 1;
        }
        for (candidate, other) in summary.addresses {
            let key = address_key(&candidate);
            let id = *self.address_ids.entry(key).or_insert_with(|| {
                self.addresses.push(AddressAggregate {
                    first: candidate.clone(),
                    pages: BTreeSet::new(),
                    other_pages: BTreeSet::new(),
                    regions: BTreeSet::new(),
                    sources: BTreeSet::new(),
                    structured_country: None,
                });
                self.addresses.len() - 1
            });
            let aggregate = &mut self.addresses[id];
            // The visible form is the one quoted: structured data gives way to it.
            if aggregate.first.source == CandidateSource::StructuredData
                && candidate.source != CandidateSource::StructuredData
            {
                aggregate.first = candidate.clone();
            }
            aggregate.sources.insert(candidate.source);
            if candidate.source == CandidateSource::StructuredData && candidate.country.is_some() {
                aggregate.structured_country = candidate.country.clone();
            }
            if other {
                aggregate.other_pages.insert(page);
            } else {
                aggregate.pages.insert(page);
                aggregate.regions.insert(candidate.region);
            }
        }
    }

    /// The one country the shop's own addresses are in, told by what they write alone (a country name, a
    /// postcode format only one country uses, `addressCountry`, a French postcode-town pair of the official base):
    /// evidence of the shop's country when the domain and `lang` say nothing.
    pub fn address_country(&self) -> Option<String> {
        let countries: BTreeSet<String> = self
            .addresses
            .iter()
            .filter(|a| !a.pages.is_empty())
            .filter_map(|a| {
                let c = &a.first;
                let written = c.country.as_deref().or(a.structured_country.as_deref());
                crate::facts::postcode::country_of(
                    written,
                    c.postcode.as_deref(),
                    c.town.as_deref(),
                    None,
                )
            })
            .collect();
        (countries.len() == 1).then(|| countries.into_iter().next().unwrap())
    }

    /// The site's addresses, the shop's and other bodies' apart: countries resolved (written, else the site's when
    /// the format fits, else France when the official base has the pair), postcode and town checked, a bare
    /// postcode and town merged into the full address that has them.
    fn addresses(&self, country: Option<&str>) -> (Vec<SiteAddress>, Vec<SiteAddress>) {
        let mut shop = Vec::new();
        let mut other = Vec::new();
        let full_places: BTreeSet<String> = self
            .addresses
            .iter()
            .filter(|a| a.first.street.is_some() || a.first.po_box.is_some())
            .map(|a| {
                address_key(&AddressCandidate {
                    street: None,
                    po_box: None,
                    ..a.first.clone()
                })
            })
            .collect();
        let mut merged: HashMap<String, BTreeSet<u32>> = HashMap::new();
        for a in &self.addresses {
            let bare = a.first.street.is_none() && a.first.po_box.is_none();
            let key = address_key(&a.first);
            if bare && full_places.contains(&key) {
                merged
                    .entry(key)
                    .or_default()
                    .extend(a.pages.iter().copied());
            }
        }
        for a in &self.addresses {
            let c = &a.first;
            let bare = c.street.is_none() && c.po_box.is_none();
            if bare && full_places.contains(&address_key(c)) {
                continue;
            }
            let mut pages = a.pages.clone();
            if !bare {
                let place = address_key(&AddressCandidate {
                    street: None,
                    po_box: None,
                    ..c.clone()
                });
                if let Some(extra) = merged.get(&place) {
                    pages.extend(extra.iter().copied());
                }
            }
            let is_other = pages.is_empty();
            if is_other {
                pages = a.other_pages.clone();
            }
            // Without a postcode (Togo, South Africa) nothing but the page or the site tells the country.
            let resolved = match &c.postcode {
                None => c
                    .country
                    .clone()
                    .or(a.structured_country.clone())
                    .or(country.map(str::to_string)),
                Some(_) => postcode::country_of(
                    c.country.as_deref().or(a.structured_country.as_deref()),
                    c.postcode.as_deref(),
                    c.town.as_deref(),
                    country,
                ),
            };
            let check = match (&resolved, &c.postcode) {
                (Some(country), Some(code)) => Some(
                    postcode::check(country, code, c.town.as_deref(), c.cedex)
                        .name()
                        .to_string(),
                ),
                _ => None,
            };
            let address = SiteAddress {
                text: address_text(c, resolved.as_deref()),
                street: c.street.clone(),
                po_box: c.po_box.clone(),
                postcode: c.postcode.clone(),
                town: c.town.clone(),
                country: resolved,
                postcode_check: check,
                page_count: pages.len() as u64,
                pages: pages
                    .iter()
                    .take(ADDRESS_PAGES_LISTED)
                    .map(|p| self.html_pages[*p as usize].clone())
                    .collect(),
                regions: a.regions.iter().copied().collect(),
                sources: a.sources.iter().copied().collect(),
            };
            if is_other {
                other.push(address);
            } else {
                shop.push(address);
            }
        }
        let by_pages = |a: &SiteAddress, b: &SiteAddress| {
            b.page_count.cmp(&a.page_count).then(a.text.cmp(&b.text))
        };
        shop.sort_by(by_pages);
        other.sort_by(by_pages);
        (shop, other)
    }

    /// The country of the numbers that name one (`+212 …`, `tel:+32…`, a North American `514-987-6543`) shown on the most pages: a
    /// clue to the shop's country when neither the domain nor the `lang` attribute names one.
    pub fn international_phone_country(&self) -> Option<String> {
        bound_phone_patterns();
        let mut weight: BTreeMap<String, u64> = BTreeMap::new();
        for (digits, aggregate) in &self.phones {
            // A North American number tells its country by its area code (514 is Canada, 212 the US) even when
            // written nationally: the one national form that names a single country.
            let international = match digits.as_str() {
                d if d.starts_with('+') => d.to_string(),
                d if d.len() == 10 && d.as_bytes()[0] > b'1' => format!("+1{d}"),
                d if d.len() == 11 && d.starts_with('1') => format!("+{d}"),
                _ => continue,
            };
            let Ok(number) = phonenumber::parse(None, &international) else {
                continue;
            };
            if !number.is_valid() {
                continue;
            }
            if let Some(id) = number.country().id() {
                *weight.entry(id.as_ref().to_string()).or_insert(0) +=
                    aggregate.pages.len() as u64 + aggregate.tel_link_pages;
            }
        }
        weight
            .into_iter()
            .max_by_key(|(_, w)| *w)
            .map(|(country, _)| country)
    }

    /// The one country where the site's national numbers (`06 28 04 64 27`, trunk prefix 0) are valid, when the
    /// evidence leaves one: the numbers first, then the currency the prices are in, then the written form (numbers
    /// in pairs are French or Moroccan). `None` when it stays ambiguous: a guess is worse than no country.
    /// The countries where the site's 0-prefixed numbers are valid, narrowed by the prices' currency and the written
    /// form; one country when the evidence settles, several when it does not, none without such numbers.
    pub fn national_phone_countries(&self) -> Vec<&'static str> {
        // Countries whose national numbers begin with the trunk prefix 0, with their currency.
        const TRUNK_ZERO: [(&str, &str); 15] = [
            ("FR", "EUR"),
            ("BE", "EUR"),
            ("CH", "CHF"),
            ("DE", "EUR"),
            ("AT", "EUR"),
            ("NL", "EUR"),
            ("GB", "GBP"),
            ("IE", "EUR"),
            ("IT", "EUR"),
            ("MA", "MAD"),
            ("DZ", "DZD"),
            ("ZA", "ZAR"),
            ("AU", "AUD"),
            ("NZ", "NZD"),
            ("TR", "TRY"),
        ];
        static IN_PAIRS: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"^0[1-9](?:[ .\-]?[0-9]{2}){4}$").expect("valid regex"));
        let mut weight: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut all_in_pairs = true;
        let mut any = false;
        let national: Vec<(&String, &PhoneAggregate)> = self
            .phones
            .iter()
            .filter(|(digits, aggregate)| digits.starts_with('0') && !aggregate.pages.is_empty())
            .map(|(digits, aggregate)| (digits, aggregate))
            .collect();
        for (_, aggregate) in &national {
            any = true;
            all_in_pairs &= aggregate
                .written
                .iter()
                .all(|w| IN_PAIRS.is_match(w.trim()));
        }
        // Country by country: the patterns of one country are compiled once for all the numbers, within the
        // bounded cache of compiled patterns (see `bound_phone_patterns`).
        bound_phone_patterns();
        for (country, _) in TRUNK_ZERO {
            let Ok(id) = country.parse::<phonenumber::country::Id>() else {
                continue;
            };
            for (digits, aggregate) in &national {
                if phonenumber::parse(Some(id), digits).is_ok_and(|n| n.is_valid()) {
                    *weight.entry(country).or_insert(0) += aggregate.pages.len() as u64;
                }
            }
        }
        if !any {
            return Vec::new();
        }
        let Some(best) = weight.values().copied().max() else {
            return Vec::new();
        };
        let mut left: Vec<&'static str> = weight
            .iter()
            .filter(|(_, w)| **w == best)
            .map(|(c, _)| *c)
            .collect();
        // A clue that would leave no country is ignored rather than trusted.
        fn narrowed(left: &[&'static str], keep: impl Fn(&str) -> bool) -> Vec<&'static str> {
            let kept: Vec<&'static str> = left.iter().copied().filter(|c| keep(c)).collect();
            if kept.is_empty() {
                left.to_vec()
            } else {
                kept
            }
        }
        if !self.currencies.is_empty() {
            left = narrowed(&left, |c: &str| {
                TRUNK_ZERO
                    .iter()
                    .any(|(k, m)| *k == c && self.currencies.contains(m))
            });
        }
        if all_in_pairs {
            left = narrowed(&left, |c| matches!(c, "FR" | "MA"));
        }
        left
    }

    /// The country of a currency only one country uses, when the prices name exactly one such currency.
    pub fn currency_country(&self) -> Option<String> {
        let countries: BTreeSet<&str> = self
            .currencies
            .iter()
            .filter_map(|c| match *c {
                "CHF" => Some("CH"),
                "MAD" => Some("MA"),
                "CAD" => Some("CA"),
                "MXN" => Some("MX"),
                "GBP" => Some("GB"),
                "ZAR" => Some("ZA"),
                "TRY" => Some("TR"),
                "DZD" => Some("DZ"),
                // The euro, the dollar and the CFA franc are shared by many countries.
                _ => None,
            })
            .collect();
        (countries.len() == 1).then(|| countries.into_iter().next().unwrap().to_string())
    }

    fn phone_id(&mut self, digits: &str) -> u32 {
        if let Some(id) = self.phone_ids.get(digits) {
            return *id;
        }
        let id = self.phones.len() as u32;
        self.phone_ids.insert(digits.to_string(), id);
        self.phones
            .push((digits.to_string(), PhoneAggregate::default()));
        id
    }

    /// Judges the phone numbers for `country` (the target's, known only once the home page is read), sets apart
    /// what belongs to other bodies, and builds the site facts.
    pub fn finish(self, country: Option<&str>, not_the_shop: &NotTheShop) -> SiteFacts {
        bound_phone_patterns();
        let (addresses, other_addresses) = self.addresses(country);
        let region: Option<phonenumber::country::Id> = country.and_then(|c| c.parse().ok());
        // Group the digit strings by the number they parse to: "01 99 00 12 34" and "+33 1 99 00 12 34" are one.
        let mut groups: BTreeMap<String, PhoneGroup> = BTreeMap::new();
        for (id, (digits, _)) in self.phones.iter().enumerate() {
            let parsed = phonenumber::parse(
                if digits.starts_with('+') {
                    None
                } else {
                    region
                },
                digits,
            )
            .ok();
            let valid = parsed.as_ref().is_some_and(phonenumber::is_valid);
            let (key, kind, number_country, code) = match (&parsed, valid) {
                (Some(number), true) => (
                    number.format().mode(phonenumber::Mode::E164).to_string(),
                    Some(
                        type_name(number.number_type(&phonenumber::metadata::DATABASE)).to_string(),
                    ),
                    number.country().id().map(|c| c.as_ref().to_string()),
                    Some(number.code().value()),
                ),
                _ => (digits.clone(), None, None, None),
            };
            let group = groups.entry(key).or_insert(PhoneGroup {
                valid,
                number_type: kind,
                country: number_country,
                calling_code: code,
                ids: Vec::new(),
            });
            group.ids.push(id as u32);
        }

        let mut phones = Vec::new();
        let mut other_phones = Vec::new();
        let mut shop_ids: HashSet<u32> = HashSet::new();
        for (number, group) in groups {
            let mut pages = BTreeSet::new();
            let mut other_pages = BTreeSet::new();
            let mut regions = BTreeSet::new();
            let mut written = BTreeSet::new();
            let mut contexts = BTreeSet::new();
            let mut tel_link_pages = 0;
            for id in &group.ids {
                let aggregate = &self.phones[*id as usize].1;
                pages.extend(aggregate.pages.iter().copied());
                other_pages.extend(aggregate.other_pages.iter().copied());
                regions.extend(aggregate.regions.iter().copied());
                written.extend(aggregate.written.iter().cloned());
                contexts.extend(aggregate.contexts.iter().cloned());
                tel_link_pages += aggregate.tel_link_pages;
            }
            let known_other = not_the_shop.numbers.contains(&number);
            let is_other = known_other || (pages.is_empty() && !other_pages.is_empty());
            if is_other {
                pages.extend(other_pages);
            }
            // A number seen only beside "SIRET", "Réf." or "Fax" is not a phone of the shop's: page facts keep it.
            if pages.is_empty() && tel_link_pages == 0 {
                continue;
            }
            // With the country known, a number that does not parse is a look-alike, not a phone.
            if !group.valid && region.is_some() {
                continue;
            }
            let phone = SitePhone {
                e164: if group.valid {
                    number.clone()
                } else {
                    String::new()
                },
                digits: number,
                valid: group.valid,
                number_type: group.number_type,
                country: group.country,
                calling_code: group.calling_code,
                written: written.into_iter().take(10).collect(),
                page_count: pages.len() as u64,
                pages: pages
                    .iter()
                    .take(PAGES_LISTED)
                    .map(|p| self.html_pages[*p as usize].clone())
                    .collect(),
                regions: regions.into_iter().collect(),
                tel_link_pages,
                contexts: contexts.into_iter().take(5).collect(),
            };
            if is_other {
                other_phones.push(phone);
            } else {
                if group.valid {
                    shop_ids.extend(group.ids.iter().copied());
                }
                phones.push(phone);
            }
        }
        let by_presence = |a: &SitePhone, b: &SitePhone| {
            b.valid
                .cmp(&a.valid)
                .then(b.page_count.cmp(&a.page_count))
                .then(a.number().cmp(b.number()))
        };
        phones.sort_by(by_presence);
        other_phones.sort_by(by_presence);

        let mut pages_without_phone = Vec::new();
        let mut pages_partly_read = Vec::new();
        let mut pages_showing_phone = 0;
        for (page, shown) in self.page_phones.iter().enumerate() {
            if self.partly_read[page] {
                pages_partly_read.push(self.html_pages[page].clone());
            } else if shown.iter().any(|id| shop_ids.contains(id)) {
                pages_showing_phone += 1;
            } else {
                pages_without_phone.push(self.html_pages[page].clone());
            }
        }

        let (other_emails, emails): (Vec<SiteEmail>, Vec<SiteEmail>) = self
            .emails
            .into_iter()
            .map(|(address, a)| SiteEmail {
                address,
                page_count: a.pages.len() as u64,
                pages: a
                    .pages
                    .iter()
                    .take(PAGES_LISTED)
                    .map(|p| self.html_pages[*p as usize].clone())
                    .collect(),
                sources: a.sources.into_iter().collect(),
                regions: a.regions.into_iter().collect(),
            })
            .partition(|e| not_the_shops_email(&e.address, not_the_shop));
        let by_pages = |a: &SiteEmail, b: &SiteEmail| {
            b.page_count
                .cmp(&a.page_count)
                .then(a.address.cmp(&b.address))
        };
        let mut emails = emails;
        emails.sort_by(by_pages);
        let mut other_emails = other_emails;
        other_emails.sort_by(by_pages);

        let key_page_candidates = key_page_table(&self.lexicon, self.key_pages, &self.pages_by_url);
        let key_pages = choose_key_pages(&key_page_candidates);

        let (messaging, social): (Vec<_>, Vec<_>) =
            self.profiles.into_iter().partition(|((m, _, _), _)| *m);
        let profiles = |list: Vec<((bool, String, String), u64)>| {
            let mut out: Vec<OutboundProfile> = list
                .into_iter()
                .map(|((_, network, url), page_count)| OutboundProfile {
                    network,
                    url,
                    page_count,
                    structured_data_only: false,
                })
                .collect();
            out.sort_by(|a, b| b.page_count.cmp(&a.page_count).then(a.url.cmp(&b.url)));
            out
        };
        let mut postcodes: Vec<SitePostcode> = self
            .postcodes
            .into_iter()
            .map(|((code, locality), page_count)| SitePostcode {
                code,
                locality,
                page_count,
            })
            .collect();
        postcodes.sort_by(|a, b| b.page_count.cmp(&a.page_count).then(a.code.cmp(&b.code)));

        SiteFacts {
            addresses,
            other_addresses,
            phones,
            emails,
            html_pages: self.html_pages.len() as u64,
            pages_showing_phone,
            pages_without_phone,
            pages_partly_read,
            key_pages,
            key_page_candidates,
            social: {
                // Networks the pages only declare in their structured data: kept, and said to be unlinked.
                let mut social = profiles(social);
                let linked: BTreeSet<String> = social.iter().map(|p| p.network.clone()).collect();
                let mut declared: Vec<OutboundProfile> = self
                    .declared_profiles
                    .into_iter()
                    .filter(|((network, _), _)| !linked.contains(network))
                    .map(|((network, url), page_count)| OutboundProfile {
                        network,
                        url,
                        page_count,
                        structured_data_only: true,
                    })
                    .collect();
                declared.sort_by(|a, b| b.page_count.cmp(&a.page_count).then(a.url.cmp(&b.url)));
                declared.dedup_by(|a, b| a.network == b.network);
                social.extend(declared);
                social
            },
            messaging: profiles(messaging),
            script_hosts: host_counts(self.script_hosts),
            iframe_hosts: host_counts(self.iframe_hosts),
            outbound_hosts: host_counts(self.outbound_hosts),
            json_ld_types: host_counts(self.json_ld_types),
            postcodes,
            other_phones,
            other_emails,
            payment_methods: Vec::new(),
            delivery_options: Vec::new(),
            chat_widgets: Vec::new(),
            response_time_promise: None,
            opening_hours: None,
            script_built: None,
        }
    }
}

/// Another body's address (a regulator's, the host's) or a template placeholder.
fn not_the_shops_email(address: &str, not_the_shop: &NotTheShop) -> bool {
    let (local, domain) = address.split_once('@').unwrap_or((address, ""));
    not_the_shop
        .email_domains
        .iter()
        .any(|d| domain == d || domain.ends_with(&format!(".{d}")))
        || not_the_shop
            .email_placeholders
            .iter()
            .any(|p| address == p || local == p)
}

/// The key page of each kind: its best reached candidate. A page that is the better match of another kind ("Aide &
/// contact" is the contact page) gives way to a runner-up its link text names just as clearly ("Questions
/// fréquentes" for the FAQ); a page that is truly both (delivery and returns on one page) stays both.
fn choose_key_pages(table: &BTreeMap<String, Vec<KeyPageCandidate>>) -> KeyPages {
    let reached = |c: &&KeyPageCandidate| c.status.is_some_and(|s| (200..300).contains(&s));
    let best: BTreeMap<&str, &KeyPageCandidate> = table
        .iter()
        .filter_map(|(kind, list)| list.iter().find(reached).map(|c| (kind.as_str(), c)))
        .collect();
    let mut pages = KeyPages::default();
    for (kind, chosen) in &best {
        // On a tie, the kind that customers name the page by first keeps it.
        const PRIORITY: [&str; 8] = [
            "contact",
            "legal-notice",
            "terms",
            "privacy",
            "delivery",
            "returns",
            "order-tracking",
            "faq",
        ];
        let rank = |k: &str| {
            PRIORITY
                .iter()
                .position(|p| *p == k)
                .unwrap_or(PRIORITY.len())
        };
        let taken_by_better = best.iter().any(|(other, c)| {
            other != kind
                && c.url == chosen.url
                && (c.score > chosen.score || c.score == chosen.score && rank(other) < rank(kind))
        });
        // Two independent signs: its link text and its URL or title.
        let runner_up = table[*kind].iter().filter(reached).find(|c| {
            c.url != chosen.url
                && c.matched_by.iter().any(|m| m == "link-text")
                && c.matched_by.iter().any(|m| m == "url" || m == "title")
                && !best.values().any(|b| b.url == c.url)
        });
        let url = match (taken_by_better, runner_up) {
            (true, Some(other)) => other.url.clone(),
            _ => chosen.url.clone(),
        };
        pages.set(kind, Some(url));
    }
    pages
}

/// Where a URL ended (`None`: where it was asked for), its depth and its status.
type Place = (Option<String>, Option<u32>, Option<u16>);

fn key_page_table(
    lexicon: &KeyPageLexicon,
    aggregates: HashMap<(usize, String), KeyAggregate>,
    pages_by_url: &HashMap<String, Place>,
) -> BTreeMap<String, Vec<KeyPageCandidate>> {
    // Links to /contact.php and /contact/ are one page once redirects are followed.
    let mut merged: HashMap<(usize, String), KeyAggregate> = HashMap::new();
    for ((kind, url), a) in aggregates {
        let final_url = match pages_by_url.get(&url) {
            Some((Some(moved), _, _)) => moved.clone(),
            _ => url,
        };
        let m = merged.entry((kind, final_url)).or_default();
        m.texts.extend(a.texts);
        m.pages += a.pages;
        m.by_text |= a.by_text;
        m.by_url |= a.by_url;
        m.by_title |= a.by_title;
        m.from_home |= a.from_home;
    }
    let mut table: BTreeMap<String, Vec<KeyPageCandidate>> = BTreeMap::new();
    for ((kind, url), a) in merged {
        let (depth, status) = pages_by_url
            .get(&url)
            .map(|p| (p.1, p.2))
            .unwrap_or((None, None));
        let mut matched_by = Vec::new();
        for (flag, name) in [
            (a.by_text, "link-text"),
            (a.by_url, "url"),
            (a.by_title, "title"),
        ] {
            if flag {
                matched_by.push(name.to_string());
            }
        }
        // Evidence adds up: a link text and a URL word and a title beat any one of them; many linking pages and a
        // link from home break ties.
        // A preferred word of the kind ("vente" for the terms of sale) beats a plain one ("utilisation").
        let preferred = a
            .texts
            .iter()
            .chain(std::iter::once(&url))
            .any(|t| lexicon.preferred(kind, t));
        let score = 2.0 * f64::from(u8::from(a.by_text))
            + f64::from(u8::from(a.by_url))
            + f64::from(u8::from(preferred))
            + f64::from(u8::from(a.by_title))
            + 0.5 * f64::from(u8::from(a.from_home))
            + 0.25 * (1.0 + a.pages as f64).ln();
        table
            .entry(lexicon.kind_name(kind).to_string())
            .or_default()
            .push(KeyPageCandidate {
                url,
                link_texts: a.texts.into_iter().collect(),
                linked_from_pages: a.pages,
                matched_by,
                depth,
                status,
                linked_from_home: a.from_home,
                score: (score * 100.0).round() / 100.0,
            });
    }
    for candidates in table.values_mut() {
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.url.cmp(&b.url)));
        candidates.truncate(KEY_PAGE_CANDIDATES);
    }
    table
}

fn host_counts(map: HashMap<String, u64>) -> Vec<HostCount> {
    let mut list: Vec<HostCount> = map
        .into_iter()
        .map(|(name, page_count)| HostCount { name, page_count })
        .collect();
    list.sort_by(|a, b| b.page_count.cmp(&a.page_count).then(a.name.cmp(&b.name)));
    list.truncate(HOSTS_LISTED);
    list
}

fn type_name(kind: phonenumber::Type) -> &'static str {
    use phonenumber::Type;
    match kind {
        Type::FixedLine => "fixed-line",
        Type::Mobile => "mobile",
        Type::FixedLineOrMobile => "fixed-line-or-mobile",
        Type::TollFree => "toll-free",
        Type::PremiumRate => "premium-rate",
        Type::SharedCost => "shared-cost",
        Type::PersonalNumber => "personal-number",
        Type::Voip => "voip",
        Type::Pager => "pager",
        Type::Uan => "uan",
        Type::Emergency => "emergency",
        Type::Voicemail => "voicemail",
        Type::ShortCode => "short-code",
        Type::StandardRate => "standard-rate",
        Type::Carrier => "carrier",
        Type::NoInternational => "no-international",
        Type::Unknown => "unknown",
    }
}

/// The URLs of schema.org `sameAs` values, however deep (an Organization inside a WebSite's graph).
fn collect_same_as(value: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    if depth > 8 || out.len() > 20 {
        return;
    }
    match value {
        serde_json::Value::Array(items) => items
            .iter()
            .for_each(|v| collect_same_as(v, out, depth + 1)),
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("sameAs", serde_json::Value::String(url)) => out.push(url.clone()),
                    ("sameAs", serde_json::Value::Array(urls)) => {
                        out.extend(urls.iter().filter_map(|u| u.as_str().map(str::to_string)))
                    }
                    _ => collect_same_as(v, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

/// Currencies prices are written in: symbols and codes beside a figure. A few per page, cheaply: the whole match
/// only (no capture groups, which would need the slow engine on every digit of the page), word boundaries ASCII
/// (a Unicode one makes the fast engine give up on the first accented letter).
fn currencies_in(text: &str) -> BTreeSet<&'static str> {
    static PRICE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)[0-9](?:[0-9 .,]*[0-9])?\s?(?:\$\s?ca(?-u:\b)|\$\s?cad(?-u:\b)|\$\s?mxn(?-u:\b)|\$\s?us(?-u:\b)|€|eur(?-u:\b)|chf(?-u:\b)|fr\.|£|gbp(?-u:\b)|mad(?-u:\b)|dhs?(?-u:\b)|dirhams?(?-u:\b)|dzd(?-u:\b)|da(?-u:\b)|zar(?-u:\b)|fcfa(?-u:\b)|xof(?-u:\b)|\$|usd(?-u:\b)|cad(?-u:\b)|mxn(?-u:\b)|pesos(?-u:\b)|aud(?-u:\b)|nzd(?-u:\b)|tl(?-u:\b)|₺)|(?:ca\$|c\$|us\$|mx\$|€|£|\$)\s?[0-9]|(?-u:\b)(?:chf|r|cad|mxn)\s?[0-9]")
            .expect("valid regex")
    });
    let mut out = BTreeSet::new();
    for m in PRICE.find_iter(text).take(200) {
        let written = m.as_str();
        // The figure first ("12,50 €"): the unit follows it; else the unit comes first and one digit ends the match.
        let unit = if written.starts_with(|c: char| c.is_ascii_digit()) {
            written
                .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, ' ' | '.' | ','))
                .trim_start()
        } else {
            written[..written.len() - 1].trim_end()
        };
        let unit = unit.to_lowercase();
        let code = match unit.as_str() {
            "€" | "eur" => "EUR",
            "chf" | "fr." => "CHF",
            "£" | "gbp" => "GBP",
            "mad" | "dh" | "dhs" | "dirham" | "dirhams" => "MAD",
            "dzd" | "da" => "DZD",
            "zar" | "r" => "ZAR",
            "fcfa" | "xof" => "XOF",
            "ca$" | "c$" | "cad" => "CAD",
            "mx$" | "mxn" | "pesos" => "MXN",
            // A bare "$" is the US dollar unless the prices name another dollar or the peso.
            "$" => "$",
            "us$" | "usd" | "aud" | "nzd" => "USD",
            unit if unit.starts_with('$') => match unit.trim_start_matches('$').trim() {
                "ca" | "cad" => "CAD",
                "mxn" => "MXN",
                _ => "USD",
            },
            "tl" | "₺" => "TRY",
            _ => continue,
        };
        out.insert(code);
    }
    if out.remove("$") && !out.contains("CAD") && !out.contains("MXN") {
        out.insert("USD");
    }
    out
}

/// libphonenumber's metadata keeps its compiled patterns in a cache of 100, about 10 MB: a country's own fit in
/// 32 (its number types, its formats), and the numbers are validated country by country. Set once per process.
fn bound_phone_patterns() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let cache = phonenumber::metadata::DATABASE.cache();
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .set_capacity(32);
    });
}

/// Loads libphonenumber's metadata on a thread of its own while the crawl starts: parsing it takes about 0.07 s of
/// CPU (2 MB kept), which the site phase would otherwise spend after the last page, while nothing else runs.
pub fn warm_up_phone_metadata() {
    std::thread::spawn(bound_phone_patterns);
}

#[cfg(test)]
mod country_evidence_tests {
    use super::*;

    #[test]
    fn prices_name_their_currency() {
        let found = |t: &str| currencies_in(t).into_iter().collect::<Vec<_>>();
        assert_eq!(found("Pot de miel 12,50 € — livraison 4.90€"), ["EUR"]);
        assert_eq!(found("Montre 1 250 DH, livraison gratuite"), ["MAD"]);
        assert_eq!(found("CHF 45.– la séance"), ["CHF"]);
        assert_eq!(found("Courier R80.00"), ["ZAR"]);
        assert!(found("Pour 5 personnes, en 2 heures").is_empty());
        assert_eq!(found("Panier 24,99 $ CA — livraison 9,95 $CA"), ["CAD"]);
        assert_eq!(found("Total: CA$ 45.00"), ["CAD"]);
        assert_eq!(found("Precio: $1,250 MXN"), ["MXN"]);
        assert_eq!(found("Envío 150 pesos"), ["MXN"]);
        assert_eq!(found("Shipping $18 flat"), ["USD"]);
    }
}
