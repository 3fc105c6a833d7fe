//! The frontier: every URL the crawl has met, once, with its click depth, its state and who links to it. Fetches go
//! out level by level (breadth-first with a barrier between depths) so a page's depth is its true shortest click
//! distance from the start page, however the concurrent fetches finish. Sitemap-only URLs go last. Trap guards live
//! here because they are decisions about URLs, not about HTTP.
//!
//! Memory is bounded by the settings, not by what a site links to: only URLs that may still be fetched are kept
//! whole (at most the page budget of linked URLs, and as many sitemap-only ones); a skipped URL is a counter, a
//! 64-bit fingerprint (so that it is counted once) and, for the first few per reason, a line in the result.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use crate::result::{Discovery, SkipReason, SkippedUrl};

/// Skipped URLs kept per reason in the result (the counts are complete).
const SKIPPED_LISTED_PER_REASON: usize = 200;
/// Referring pages remembered per URL, for the broken-link report.
const REFERRERS_KEPT: usize = 10;
/// Skipped URLs remembered (as fingerprints) so that a URL linked from every page is counted once. Past this, a
/// skipped URL met again is counted again: the counts become counts of links, and memory stays bounded.
const SKIPPED_REMEMBERED: usize = 200_000;
/// Paths and shapes whose URLs are counted by the trap guards; past this, new ones are not counted (their URLs
/// still meet the page budget).
const GUARDS_REMEMBERED: usize = 100_000;

/// File extensions that are never pages; `<a href>` to them (lightbox images, downloads of assets) is not fetched.
const ASSET_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff", "css", "js",
    "mjs", "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mov", "avi", "mp3", "wav", "ogg",
    "zip", "gz", "rar", "7z", "exe", "dmg", "iso",
];

/// A year-month (or full date) in a path or query, the mark of calendars and archives that never end.
static DATE_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[^0-9])(?:19|20)[0-9]{2}[-/_.]?(?:0[1-9]|1[0-2])(?:[^0-9]|$)|[?&](?:year|month|day|date|annee|mois|jour|cal)=")
        .expect("valid regex")
});
static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]+").expect("valid regex"));

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_pages: usize,
    pub max_depth: u32,
    pub max_url_len: usize,
    /// Distinct query strings per path (faceted navigation, sort orders).
    pub max_query_variants: u32,
    /// URLs per shape (path with numbers blanked and query keys): pagination and ids stay well under it.
    pub max_similar: u32,
    /// URLs per shape when the shape carries a date: a calendar gets two years of months.
    pub max_calendar: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_pages: 500,
            max_depth: 10,
            max_url_len: 1024,
            max_query_variants: 50,
            max_similar: 1000,
            max_calendar: 24,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Queued,
    Dispatched,
    Skipped(SkipReason),
}

#[derive(Debug)]
pub struct Entry {
    pub url: Box<str>,
    pub depth: Option<u32>,
    pub discovery: Discovery,
    pub state: State,
    /// Pages linking here (entry ids), at most [`REFERRERS_KEPT`].
    pub referrers: Vec<u32>,
    pub inbound: u64,
}

/// What `discover` made of a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    New(u32),
    Known(u32),
    Skipped(SkipReason),
}

/// What to do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Fetch(u32),
    /// Nothing can start before the fetches in flight finish (level barrier or empty queue).
    Wait,
    Done,
}

pub struct Frontier {
    limits: Limits,
    ids: crate::ids::StrIds,
    entries: Vec<Entry>,
    current: VecDeque<u32>,
    next: VecDeque<u32>,
    /// URLs known only from sitemaps (or from pages known only from sitemaps): fetched after every linked page.
    orphans: VecDeque<u32>,
    dispatched: usize,
    /// Queued URLs with a depth (in `current` or `next`): with `dispatched`, what the page budget has promised.
    queued_linked: usize,
    queued_orphans: usize,
    query_variants: HashMap<u64, u32>,
    shapes: HashMap<u64, u32>,
    skipped_counts: BTreeMap<SkipReason, u64>,
    skipped: Vec<SkippedUrl>,
    /// Fingerprints of skipped URLs, with the reason, at most [`SKIPPED_REMEMBERED`].
    skipped_seen: HashMap<u64, SkipReason>,
    /// Sitemap-only URLs left out because as many were already queued: a link may still bring one in.
    orphan_overflow: HashMap<u64, ()>,
}

impl Frontier {
    pub fn new(limits: Limits) -> Frontier {
        Frontier {
            limits,
            ids: Default::default(),
            entries: Vec::new(),
            current: VecDeque::new(),
            next: VecDeque::new(),
            orphans: VecDeque::new(),
            dispatched: 0,
            queued_linked: 0,
            queued_orphans: 0,
            query_variants: HashMap::new(),
            shapes: HashMap::new(),
            skipped_counts: BTreeMap::new(),
            skipped: Vec::new(),
            skipped_seen: HashMap::new(),
            orphan_overflow: HashMap::new(),
        }
    }

    pub fn entry(&self, id: u32) -> &Entry {
        &self.entries[id as usize]
    }

    /// Records a link (or a sitemap entry) to `url`, already normalised and in scope. `allowed` is robots.txt.
    pub fn discover(
        &mut self,
        url: &Url,
        from: Option<u32>,
        depth: Option<u32>,
        via: Discovery,
        allowed: impl Fn(&Url) -> bool,
    ) -> Admission {
        self.admit(url, from, depth, via, allowed, false)
    }

    /// [`Frontier::discover`]; `claimed` for a redirect target, fetched at once whatever the queue holds.
    fn admit(
        &mut self,
        url: &Url,
        from: Option<u32>,
        depth: Option<u32>,
        via: Discovery,
        allowed: impl Fn(&Url) -> bool,
        claimed: bool,
    ) -> Admission {
        let known = self.ids.get(url.as_str(), self.entries.len() as u32, |id| {
            &self.entries[id as usize].url
        });
        if let Some(id) = known {
            let entry = &mut self.entries[id as usize];
            if let Some(from) = from {
                entry.inbound += 1;
                if entry.referrers.len() < REFERRERS_KEPT
                    && !entry.referrers.contains(&from)
                    && from != id
                {
                    entry.referrers.push(from);
                }
            }
            // A sitemap URL met later through a link becomes an ordinary linked page at that depth.
            if entry.state == State::Queued && entry.depth.is_none() && depth.is_some() {
                entry.depth = depth;
                entry.discovery = via;
                self.next.push_back(id);
                self.queued_linked += 1;
                self.queued_orphans -= 1;
            }
            return match entry.state {
                State::Skipped(reason) => Admission::Skipped(reason),
                _ => Admission::Known(id),
            };
        }
        let key = fingerprint(url.as_str());
        if let Some(&reason) = self.skipped_seen.get(&key) {
            // A redirect's target is fetched as part of its chain, even when the budget had no room for it as a
            // link of its own: it stops being a skipped URL.
            if !(claimed && reason == SkipReason::MaxPages) {
                return Admission::Skipped(reason);
            }
            self.skipped_seen.remove(&key);
            self.uncount_skip(url.as_str(), reason);
        }
        if let Err(reason) = self.judge(url, depth, via, &allowed, claimed) {
            if reason == SkipReason::MaxPages && depth.is_none() {
                // Sitemap-only and beyond what the budget can reach: a link may still bring it in, so it is only
                // remembered, and counted at the end.
                if self.orphan_overflow.len() < SKIPPED_REMEMBERED {
                    self.orphan_overflow.insert(key, ());
                }
            } else {
                if self.skipped_seen.len() < SKIPPED_REMEMBERED {
                    self.skipped_seen.insert(key, reason);
                }
                self.count_skip(url.as_str(), reason, from);
            }
            return Admission::Skipped(reason);
        }
        self.orphan_overflow.remove(&key);
        let id = self.entries.len() as u32;
        self.ids.insert(url.as_str(), id);
        self.entries.push(Entry {
            url: url.as_str().into(),
            depth,
            discovery: via,
            state: State::Queued,
            referrers: from.into_iter().collect(),
            inbound: u64::from(from.is_some()),
        });
        if claimed {
            return Admission::New(id);
        }
        match (via, depth) {
            (Discovery::Start, _) => self.current.push_back(id),
            (_, None) => self.orphans.push_back(id),
            (_, Some(_)) => self.next.push_back(id),
        }
        if depth.is_some() || via == Discovery::Start {
            self.queued_linked += 1;
        } else {
            self.queued_orphans += 1;
        }
        Admission::New(id)
    }

    /// Claims a redirect target for the chain that reached it: it is fetched now, as part of that chain.
    pub fn claim_redirect_target(
        &mut self,
        url: &Url,
        depth: Option<u32>,
        allowed: impl Fn(&Url) -> bool,
    ) -> Admission {
        // A redirect does not cost a click: the target gets its origin's depth, and no depth limit applies.
        let admission = self.admit(url, None, depth, Discovery::Link, allowed, true);
        let id = match admission {
            Admission::New(id) => id,
            Admission::Known(id) if self.entries[id as usize].state == State::Queued => {
                // Queued already: it leaves its queue's count (the queue's copy is passed over when met).
                if self.entries[id as usize].depth.is_some() {
                    self.queued_linked -= 1;
                } else {
                    self.queued_orphans -= 1;
                }
                id
            }
            other => return other,
        };
        let entry = &mut self.entries[id as usize];
        entry.state = State::Dispatched;
        entry.depth = entry.depth.or(depth);
        Admission::New(id)
    }

    fn judge(
        &mut self,
        url: &Url,
        depth: Option<u32>,
        via: Discovery,
        allowed: impl Fn(&Url) -> bool,
        claimed: bool,
    ) -> Result<(), SkipReason> {
        if url.as_str().len() > self.limits.max_url_len {
            return Err(SkipReason::UrlTooLong);
        }
        let path = url.path();
        let extension = path
            .rsplit('/')
            .next()
            .and_then(|file| file.rsplit_once('.'))
            .map(|(_, ext)| ext);
        if extension.is_some_and(|ext| ASSET_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(ext)))
        {
            return Err(SkipReason::StaticAsset);
        }
        if via != Discovery::Start && !allowed(url) {
            return Err(SkipReason::RobotsTxt);
        }
        if has_repeated_segments(path) {
            return Err(SkipReason::RepeatedPathSegments);
        }
        if depth.is_some_and(|d| d > self.limits.max_depth) && !claimed {
            return Err(SkipReason::MaxDepth);
        }
        // What the queue already holds fills the budget: this one would never be fetched. Judged before the trap
        // guards, so that they count only URLs that may be fetched.
        if !claimed && via != Discovery::Start {
            let queued = if depth.is_some() {
                self.queued_linked
            } else {
                self.queued_orphans
            };
            if self.dispatched + queued >= self.limits.max_pages {
                return Err(SkipReason::MaxPages);
            }
        }
        if url.query().is_some() {
            let key = fingerprint(path);
            if let Some(variants) = self.query_variants.get_mut(&key) {
                if *variants >= self.limits.max_query_variants {
                    return Err(SkipReason::TooManyQueryVariants);
                }
                *variants += 1;
            } else if self.query_variants.len() < GUARDS_REMEMBERED {
                self.query_variants.insert(key, 1);
            }
        }
        let shape = fingerprint(&shape_of(url));
        let calendar = DATE_LIKE.is_match(&url[url::Position::BeforePath..]);
        if !self.shapes.contains_key(&shape) && self.shapes.len() >= GUARDS_REMEMBERED {
            return Ok(());
        }
        let count = self.shapes.entry(shape).or_insert(0);
        if calendar && *count >= self.limits.max_calendar {
            return Err(SkipReason::CalendarTrap);
        }
        if *count >= self.limits.max_similar {
            return Err(SkipReason::TooManySimilarUrls);
        }
        *count += 1;
        Ok(())
    }

    /// Counts a skipped URL; the first few per reason are listed.
    fn count_skip(&mut self, url: &str, reason: SkipReason, from: Option<u32>) {
        let count = self.skipped_counts.entry(reason).or_insert(0);
        *count += 1;
        if *count as usize <= SKIPPED_LISTED_PER_REASON {
            self.skipped.push(SkippedUrl {
                url: url.to_string(),
                reason,
                found_on: from.map(|f| self.entries[f as usize].url.to_string()),
            });
        }
    }

    fn uncount_skip(&mut self, url: &str, reason: SkipReason) {
        if let Some(count) = self.skipped_counts.get_mut(&reason) {
            *count -= 1;
        }
        self.skipped
            .retain(|s| !(s.reason == reason && s.url == url));
    }

    /// The next URL to fetch, given how many fetches are in flight.
    pub fn next(&mut self, in_flight: usize) -> Next {
        loop {
            if self.dispatched >= self.limits.max_pages {
                return if in_flight > 0 {
                    Next::Wait
                } else {
                    Next::Done
                };
            }
            if let Some(id) = self.current.pop_front() {
                if self.try_dispatch(id) {
                    return Next::Fetch(id);
                }
                continue;
            }
            if in_flight > 0 {
                // Level barrier: pages of the next depth wait until every page of this one has been read.
                return Next::Wait;
            }
            if !self.next.is_empty() {
                std::mem::swap(&mut self.current, &mut self.next);
                continue;
            }
            match self.orphans.pop_front() {
                Some(id) => {
                    if self.try_dispatch(id) {
                        return Next::Fetch(id);
                    }
                }
                None => return Next::Done,
            }
        }
    }

    /// Marks a queued URL as being fetched; `false` if it already was (URLs can sit in two queues).
    fn try_dispatch(&mut self, id: u32) -> bool {
        let entry = &mut self.entries[id as usize];
        if entry.state != State::Queued {
            return false;
        }
        entry.state = State::Dispatched;
        if entry.depth.is_some() || entry.discovery == Discovery::Start {
            self.queued_linked -= 1;
        } else {
            self.queued_orphans -= 1;
        }
        self.dispatched += 1;
        true
    }

    /// Marks what is still queued as skipped for the page budget, and hands over the skipped list and counts.
    pub fn finish(&mut self) -> (Vec<SkippedUrl>, BTreeMap<SkipReason, u64>) {
        let leftover: Vec<u32> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.state == State::Queued)
            .map(|(id, _)| id as u32)
            .collect();
        for id in leftover {
            let from = self.entries[id as usize].referrers.first().copied();
            self.entries[id as usize].state = State::Skipped(SkipReason::MaxPages);
            let url = self.entries[id as usize].url.to_string();
            self.count_skip(&url, SkipReason::MaxPages, from);
        }
        let overflow = self.orphan_overflow.len() as u64;
        if overflow > 0 {
            *self.skipped_counts.entry(SkipReason::MaxPages).or_insert(0) += overflow;
        }
        self.skipped_counts.retain(|_, n| *n > 0);
        (
            std::mem::take(&mut self.skipped),
            std::mem::take(&mut self.skipped_counts),
        )
    }
}

/// A URL's (or path's) 64-bit fingerprint: what the frontier keeps of what it will not fetch. SipHash with fixed
/// keys, so a run is reproducible.
fn fingerprint(text: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(text)
}

/// `/a/b/a/b/a/` style loops made by relative links on pages that answer for any path.
fn has_repeated_segments(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments
        .iter()
        .any(|s| segments.iter().filter(|t| *t == s).count() >= 3)
}

/// The URL with its numbers blanked and only its query keys: `/agenda/2026/11?view=month` → `/agenda/0/0?view`.
fn shape_of(url: &Url) -> String {
    let mut shape = DIGITS.replace_all(url.path(), "0").into_owned();
    if let Some(query) = url.query() {
        let mut keys: Vec<&str> = query
            .split('&')
            .map(|p| p.split('=').next().unwrap_or(""))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        shape.push('?');
        shape.push_str(&keys.join("&"));
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(p: &str) -> Url {
        Url::parse(&format!("http://s.example{p}")).unwrap()
    }

    fn all(_: &Url) -> bool {
        true
    }

    #[test]
    fn levels_are_served_in_order_with_a_barrier() {
        let mut f = Frontier::new(Limits::default());
        let Admission::New(home) = f.discover(&url("/"), None, Some(0), Discovery::Start, all)
        else {
            panic!()
        };
        assert_eq!(f.next(0), Next::Fetch(home));
        f.discover(&url("/a"), Some(home), Some(1), Discovery::Link, all);
        f.discover(&url("/orphan"), None, None, Discovery::Sitemap, all);
        // /a is at depth 1: it waits until the home page is finished.
        assert_eq!(f.next(1), Next::Wait);
        let Next::Fetch(a) = f.next(0) else { panic!() };
        assert_eq!(&*f.entry(a).url, "http://s.example/a");
        let Next::Fetch(o) = f.next(0) else { panic!() };
        assert_eq!(f.entry(o).depth, None);
        assert_eq!(f.next(0), Next::Done);
    }

    #[test]
    fn sitemap_url_found_by_link_gets_a_depth() {
        let mut f = Frontier::new(Limits::default());
        f.discover(&url("/p"), None, None, Discovery::Sitemap, all);
        let Admission::New(home) = f.discover(&url("/"), None, Some(0), Discovery::Start, all)
        else {
            panic!()
        };
        assert_eq!(f.next(0), Next::Fetch(home));
        assert!(matches!(
            f.discover(&url("/p"), Some(home), Some(1), Discovery::Link, all),
            Admission::Known(_)
        ));
        let Next::Fetch(p) = f.next(0) else { panic!() };
        assert_eq!(
            (f.entry(p).depth, f.entry(p).discovery),
            (Some(1), Discovery::Link)
        );
        assert_eq!(f.next(0), Next::Done);
    }

    #[test]
    fn traps_are_bounded() {
        let mut f = Frontier::new(Limits::default());
        assert_eq!(
            f.discover(&url("/a/b/a/b/a/"), None, Some(1), Discovery::Link, all),
            Admission::Skipped(SkipReason::RepeatedPathSegments)
        );
        let mut calendar_skipped = 0;
        for month in 0..100 {
            let u = url(&format!(
                "/agenda/{}-{:02}/",
                2026 + month / 12,
                month % 12 + 1
            ));
            if f.discover(&u, None, Some(1), Discovery::Link, all)
                == Admission::Skipped(SkipReason::CalendarTrap)
            {
                calendar_skipped += 1;
            }
        }
        assert_eq!(calendar_skipped, 100 - 24);
        for i in 0..60 {
            f.discover(
                &url(&format!("/list?sort={i}")),
                None,
                Some(1),
                Discovery::Link,
                all,
            );
        }
        assert_eq!(
            f.finish().1.get(&SkipReason::TooManyQueryVariants),
            Some(&10)
        );
        assert_eq!(
            f.discover(&url("/img/photo.JPG"), None, Some(1), Discovery::Link, all),
            Admission::Skipped(SkipReason::StaticAsset)
        );
    }

    #[test]
    fn what_will_never_be_fetched_is_counted_not_kept() {
        let mut f = Frontier::new(Limits {
            max_pages: 10,
            ..Limits::default()
        });
        let Admission::New(home) = f.discover(&url("/"), None, Some(0), Discovery::Start, all)
        else {
            panic!()
        };
        assert_eq!(f.next(0), Next::Fetch(home));
        // A trap page family: 50,000 links, of which the budget can take nine.
        for i in 0..50_000 {
            f.discover(
                &url(&format!("/p/{i}")),
                Some(home),
                Some(1),
                Discovery::Link,
                all,
            );
        }
        // A URL linked again is still counted once.
        for _ in 0..100 {
            f.discover(&url("/p/777"), Some(home), Some(1), Discovery::Link, all);
        }
        // Sitemap-only URLs: as many kept as the budget can still take.
        for i in 0..1000 {
            f.discover(
                &url(&format!("/s/{i}")),
                None,
                None,
                Discovery::Sitemap,
                all,
            );
        }
        assert_eq!(f.entries.len(), 1 + 9 + 9);
        assert_eq!(f.ids.len(), 19);
        // Every URL but the home page is left for the budget in the end, each counted once.
        let (listed, counts) = f.finish();
        assert_eq!(counts[&SkipReason::MaxPages], 50_000 + 1000);
        assert_eq!(listed.len(), SKIPPED_LISTED_PER_REASON);
    }

    #[test]
    fn a_redirect_target_the_budget_had_left_out_is_fetched_with_its_chain() {
        let mut f = Frontier::new(Limits {
            max_pages: 2,
            ..Limits::default()
        });
        let Admission::New(home) = f.discover(&url("/"), None, Some(0), Discovery::Start, all)
        else {
            panic!()
        };
        assert_eq!(f.next(0), Next::Fetch(home));
        f.discover(
            &url("/contact.php"),
            Some(home),
            Some(1),
            Discovery::Link,
            all,
        );
        assert_eq!(
            f.discover(&url("/contact/"), Some(home), Some(1), Discovery::Link, all),
            Admission::Skipped(SkipReason::MaxPages)
        );
        assert!(matches!(f.next(0), Next::Fetch(_)));
        // /contact.php redirects to /contact/.
        assert!(matches!(
            f.claim_redirect_target(&url("/contact/"), Some(1), all),
            Admission::New(_)
        ));
        let (listed, counts) = f.finish();
        assert_eq!(counts.get(&SkipReason::MaxPages), None);
        assert!(listed.is_empty());
    }

    #[test]
    fn robots_and_page_budget() {
        let mut f = Frontier::new(Limits {
            max_pages: 1,
            ..Limits::default()
        });
        let no_cart = |u: &Url| !u.path().starts_with("/panier");
        let Admission::New(home) = f.discover(&url("/"), None, Some(0), Discovery::Start, no_cart)
        else {
            panic!()
        };
        assert_eq!(
            f.discover(
                &url("/panier/"),
                Some(home),
                Some(1),
                Discovery::Link,
                no_cart
            ),
            Admission::Skipped(SkipReason::RobotsTxt)
        );
        // The home page fills the budget: a new link is counted, not kept.
        assert_eq!(
            f.discover(
                &url("/produit/panier-osier.html"),
                Some(home),
                Some(1),
                Discovery::Link,
                no_cart
            ),
            Admission::Skipped(SkipReason::MaxPages)
        );
        assert_eq!(f.next(0), Next::Fetch(home));
        assert_eq!(f.next(0), Next::Done);
        let (skipped, counts) = f.finish();
        assert_eq!(counts.get(&SkipReason::MaxPages), Some(&1));
        assert!(skipped
            .iter()
            .any(|s| s.url.ends_with("/panier/")
                && s.found_on.as_deref() == Some("http://s.example/")));
    }
}
