//! Stage 1, crawl: robots.txt, sitemaps, redirects, scope, politeness and limits. It hands each HTML page (decoded
//! text and fetch metadata) to a [`PageHandler`] on the blocking pool and gets back the links to follow; it knows
//! nothing about customer relations. Every request goes through one [`Fetcher`] (plain HTTP unless the caller brings
//! another), one hop at a time; the crawl never knows which fetcher it has.

pub mod charset;
pub mod fetch;
pub mod frontier;
mod polite;
pub mod robots;
pub mod sitemap;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use url::Url;

use crate::result::{
    BrokenLink, CrawlCounts, Discovery, FetchError, FetchErrorKind, PageRecord, RedirectChain,
    RedirectHop, RobotsReport, SitemapReport, SkippedUrl,
};
use crate::urlnorm::{self, Scope};
use fetch::{Fetcher, Hop, HttpFetcher, Request, Want};
use frontier::{Admission, Frontier, Limits, Next};
use polite::Polite;
use robots::Robots;

/// How a crawl is run. The defaults are polite for a real shop; every one is a CLI flag.
#[derive(Debug, Clone)]
pub struct CrawlSettings {
    pub limits: Limits,
    pub concurrency: usize,
    pub delay: Duration,
    pub timeout: Duration,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub use_sitemaps: bool,
    pub user_agent: String,
    /// Hosts in scope besides the start URL's (a shop's second domain), from `--allow-host`.
    pub allow_hosts: Vec<String>,
    /// Fetch hosts that resolve to loopback, private or link-local addresses (a staging site on the LAN). Without
    /// it, only the address of an IP start URL the user typed is allowed among them.
    pub allow_private: bool,
}

impl Default for CrawlSettings {
    fn default() -> CrawlSettings {
        CrawlSettings {
            limits: Limits::default(),
            concurrency: 4,
            delay: Duration::ZERO,
            timeout: Duration::from_secs(20),
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 10,
            use_sitemaps: true,
            user_agent: crate::USER_AGENT.to_string(),
            allow_hosts: Vec::new(),
            allow_private: false,
        }
    }
}

/// An HTML page ready for analysis: its record (no facts yet) and its decoded text.
pub struct FetchedPage {
    pub record: PageRecord,
    pub html: String,
    /// The URL relative links resolve against (`final_url`).
    pub base: Url,
}

/// What analysing a page gives the crawler back: links to follow, and the handler's own output.
pub struct Analyzed<T> {
    /// `<a href>` targets, absolute. The crawler keeps those in scope.
    pub links: Vec<Url>,
    pub output: T,
}

/// Analyses pages. Runs on the blocking pool, in parallel, once per HTML page.
pub trait PageHandler: Send + Sync + 'static {
    type Output: Send + 'static;
    fn analyze(&self, page: FetchedPage) -> Analyzed<Self::Output>;

    /// What the crawl decided before its first page: the shop's robots.txt, the delay between two requests, the
    /// hosts in scope (a handler that fetches more, as rendering does, follows them).
    fn politeness(&self, _robots: Arc<Robots>, _delay: Duration, _hosts: &[String]) {}
}

/// One finished URL: its record, and the handler's output when it was an analysed HTML page.
pub struct PageEvent<T> {
    pub record: PageRecord,
    pub output: Option<T>,
}

/// Everything the crawl learnt besides the pages themselves.
#[derive(Debug)]
pub struct CrawlOutcome {
    pub final_url: Url,
    pub scope_hosts: Vec<String>,
    pub robots: RobotsReport,
    pub sitemaps: Vec<SitemapReport>,
    pub counts: CrawlCounts,
    pub skipped: Vec<SkippedUrl>,
    pub broken_links: Vec<BrokenLink>,
    pub redirects: Vec<RedirectChain>,
    pub effective_delay: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("cannot reach {url}: {reason}")]
    StartUnreachable { url: String, reason: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Called as the crawl goes, for progress display.
pub trait Progress {
    fn page_done(&self, url: &str, done: u64);
}

impl Progress for () {
    fn page_done(&self, _: &str, _: u64) {}
}

/// A fetch in progress: the URL it started from, where its redirects have led so far.
struct Job {
    origin: u32,
    origin_url: Url,
    url: Url,
    depth: Option<u32>,
    discovered_by: Discovery,
    hops: Vec<RedirectHop>,
    started: Instant,
}

enum JobResult<T> {
    Redirect {
        job: Job,
        status: u16,
        location: Option<String>,
    },
    Finished {
        job: Job,
        record: Box<PageRecord>,
        analyzed: Option<Analyzed<T>>,
    },
}

/// robots.txt and sitemaps are small; their fetches follow redirects (RFC 9309 asks for at least five).
const AUX_MAX_REDIRECTS: usize = 5;
const ROBOTS_MAX_BYTES: u64 = 512 * 1024;
const SITEMAP_MAX_BYTES: u64 = 50 * 1024 * 1024;
const MAX_SITEMAP_FILES: usize = 50;

/// Crawls from `start` over plain HTTP, calling `sink` for every finished URL in the order fetches finish.
pub async fn crawl<H: PageHandler>(
    settings: &CrawlSettings,
    start: &Url,
    handler: Arc<H>,
    progress: &dyn Progress,
    sink: impl FnMut(PageEvent<H::Output>),
) -> Result<CrawlOutcome, CrawlError> {
    let addresses = fetch::AddressPolicy::for_start(start, settings.allow_private);
    let fetcher = HttpFetcher::new(
        &settings.user_agent,
        settings.timeout,
        settings.concurrency,
        addresses,
    )?;
    crawl_with(Arc::new(fetcher), settings, start, handler, progress, sink).await
}

/// [`crawl`] with the given fetcher for every request: pages, redirect hops, robots.txt and sitemaps. The limits,
/// politeness and redirect rules are still `settings`'; `settings.user_agent` is left to the fetcher.
pub async fn crawl_with<H: PageHandler>(
    fetcher: Arc<dyn Fetcher>,
    settings: &CrawlSettings,
    start: &Url,
    handler: Arc<H>,
    progress: &dyn Progress,
    mut sink: impl FnMut(PageEvent<H::Output>),
) -> Result<CrawlOutcome, CrawlError> {
    let began = Instant::now();
    let start = urlnorm::normalize(start);
    let mut scope = Scope::new(&start);
    for host in &settings.allow_hosts {
        scope.add_host(host);
    }

    // robots.txt first, alone: it decides the delay, and whether the start URL may be fetched at all.
    let probe = Polite::new(fetcher.clone(), 1, Duration::ZERO);
    let (robots, robots_report) = load_robots(&probe, &start, settings.timeout).await?;
    let robots = Arc::new(robots);
    let ceiling = Duration::from_secs(crate::result::MAX_CRAWL_DELAY_SECS);
    let crawl_delay = robots_report
        .crawl_delay_secs
        .map(Duration::from_secs_f64)
        .unwrap_or_default();
    // A library caller's setting is capped as the CLI's flag is: an unbounded delay is a hang.
    let effective_delay = settings.delay.min(ceiling).max(crawl_delay);
    let fetcher = Arc::new(Polite::new(fetcher, settings.concurrency, effective_delay));
    handler.politeness(robots.clone(), effective_delay, scope.hosts());

    let mut frontier = Frontier::new(settings.limits.clone());
    let allowed = |u: &Url| robots.allowed(u);
    frontier.discover(&start, None, Some(0), Discovery::Start, allowed);

    let mut sitemaps = Vec::new();
    if settings.use_sitemaps {
        // Relative `Sitemap:` lines are out of spec but met in the wild; read them against the site's root.
        let mut sitemap_urls: Vec<String> = robots_report
            .sitemaps
            .iter()
            .filter_map(|s| start.join(s.trim()).ok())
            .map(|u| u.to_string())
            .collect();
        sitemap_urls.push(
            start
                .join("/sitemap.xml")
                .expect("an http(s) URL has a root")
                .to_string(),
        );
        let aux = Aux {
            fetcher: &fetcher,
            timeout: settings.timeout,
            scope: &scope,
        };
        // Sitemap-only pages are fetched after every linked one, so no more than the budget can ever be fetched.
        let keep = settings.limits.max_pages;
        for url in load_sitemaps(&aux, &start, sitemap_urls, &mut sitemaps, keep).await {
            frontier.discover(&url, None, None, Discovery::Sitemap, allowed);
        }
    }

    let mut counts = CrawlCounts::default();
    let mut redirects = Vec::new();
    let mut failures: Vec<(u32, Option<u16>, FetchError)> = Vec::new();
    let mut final_url = start.clone();
    let mut start_error: Option<FetchError> = None;
    let mut jobs: JoinSet<JobResult<H::Output>> = JoinSet::new();
    // Fetches plus analyses in flight: enough to keep the connections busy while both cores parse.
    let max_in_flight = settings.concurrency + 2 * crate::available_cores();
    let mut done: u64 = 0;

    loop {
        while jobs.len() < max_in_flight {
            match frontier.next(jobs.len()) {
                Next::Fetch(id) => {
                    let entry = frontier.entry(id);
                    let url = Url::parse(&entry.url).expect("frontier holds parsed URLs");
                    let job = Job {
                        origin: id,
                        origin_url: url.clone(),
                        url,
                        depth: entry.depth,
                        discovered_by: entry.discovery,
                        hops: Vec::new(),
                        started: Instant::now(),
                    };
                    let request = page_request(settings, &job.url);
                    jobs.spawn(run_job(fetcher.clone(), handler.clone(), request, job));
                }
                Next::Wait | Next::Done => break,
            }
        }
        let Some(joined) = jobs.join_next().await else {
            break;
        };
        let result = match joined {
            Ok(result) => result,
            // A panic in one page's analysis must not end the audit; the page is lost, the crawl goes on.
            Err(e) if e.is_panic() => {
                eprintln!("warning: a page analysis panicked and was skipped: {e}");
                continue;
            }
            Err(e) => panic!("crawl task cancelled: {e}"),
        };
        match result {
            JobResult::Redirect {
                mut job,
                status,
                location,
            } => {
                let target = location
                    .as_deref()
                    .and_then(|l| urlnorm::resolve(&job.url, l));
                job.hops.push(RedirectHop {
                    url: job.url.to_string(),
                    status,
                    location: location.clone().unwrap_or_default(),
                });
                let is_start = job.discovered_by == Discovery::Start;
                let error = match &target {
                    None => Some(fetch_error(
                        FetchErrorKind::InvalidUrl,
                        format!(
                            "HTTP {status} redirect without a usable Location ({})",
                            location.as_deref().unwrap_or("none")
                        ),
                    )),
                    Some(t)
                        if *t == job.origin_url || job.hops.iter().any(|h| h.url == t.as_str()) =>
                    {
                        Some(fetch_error(
                            FetchErrorKind::RedirectLoop,
                            format!("redirect loop: {} leads back to {t}", job.url),
                        ))
                    }
                    Some(_) if job.hops.len() > settings.max_redirects => Some(fetch_error(
                        FetchErrorKind::TooManyRedirects,
                        format!("more than {} redirects in a row", settings.max_redirects),
                    )),
                    Some(t) if !scope.contains(t) && is_start => {
                        // The shop lives elsewhere (shop.fr → shop-boutique.com): that host is the audit's scope too.
                        scope.add_host(t.host_str().unwrap_or_default());
                        None
                    }
                    Some(t) if !scope.contains(t) => Some(fetch_error(
                        FetchErrorKind::RedirectOutOfScope,
                        format!("redirects to another site: {t} (not followed)"),
                    )),
                    Some(_) => None,
                };
                let target_url = target.clone().unwrap_or_else(|| job.url.clone());
                if let Some(error) = error {
                    redirects.push(chain(&job, &target_url, Some(error.clone())));
                    let record = bare_record(&job, &target_url, Some(status), Some(error.clone()));
                    failures.push((job.origin, Some(status), error));
                    finish_plain(&mut counts, &mut sink, record, &mut done, progress);
                    continue;
                }
                let target = target.expect("checked above");
                match frontier.claim_redirect_target(&target, job.depth, allowed) {
                    Admission::New(_) => {
                        let request = page_request(settings, &target);
                        job.url = target;
                        jobs.spawn(run_job(fetcher.clone(), handler.clone(), request, job));
                    }
                    Admission::Known(_) | Admission::Skipped(_) => {
                        // The target is (or will be) a page of its own, or is not ours to fetch: this URL only
                        // points at it.
                        if is_start {
                            final_url = target.clone();
                        }
                        redirects.push(chain(&job, &target, None));
                        let record = bare_record(&job, &target, Some(status), None);
                        finish_plain(&mut counts, &mut sink, record, &mut done, progress);
                    }
                }
            }
            JobResult::Finished {
                job,
                record,
                analyzed,
            } => {
                if job.discovered_by == Discovery::Start {
                    final_url = job.url.clone();
                    start_error = record.error.clone();
                }
                if !job.hops.is_empty() {
                    redirects.push(chain(&job, &job.url, None));
                }
                if let Some(error) = &record.error {
                    if !matches!(
                        error.kind,
                        FetchErrorKind::NotHtml | FetchErrorKind::TooLarge
                    ) {
                        failures.push((job.origin, record.status, error.clone()));
                    }
                }
                let mut output = None;
                if let Some(analyzed) = analyzed {
                    let child_depth = job.depth.map(|d| d + 1);
                    for link in analyzed.links {
                        let link = urlnorm::normalize(&link);
                        if scope.contains(&link) {
                            frontier.discover(
                                &link,
                                Some(job.origin),
                                child_depth,
                                Discovery::Link,
                                allowed,
                            );
                        }
                    }
                    output = Some(analyzed.output);
                }
                count_record(&mut counts, &record, output.is_some());
                done += 1;
                progress.page_done(&record.final_url, done);
                sink(PageEvent {
                    record: *record,
                    output,
                });
            }
        }
        if done == 1 && start_error.as_ref().is_some_and(is_network_error) && jobs.is_empty() {
            let error = start_error.take().expect("checked");
            return Err(CrawlError::StartUnreachable {
                url: start.to_string(),
                reason: error.message,
            });
        }
    }

    let (skipped, skipped_by_reason) = frontier.finish();
    counts.skipped = skipped_by_reason.values().sum();
    counts.skipped_by_reason = skipped_by_reason
        .iter()
        .map(|(r, n)| (r.as_str().to_string(), *n))
        .collect();
    counts.redirects = redirects.len() as u64;
    counts.requests = fetcher.requests() + probe.requests();
    counts.bytes = fetcher.bytes() + probe.bytes();
    counts.duration_ms = began.elapsed().as_millis() as u64;

    let broken_links = failures
        .into_iter()
        .filter(|(_, _, e)| !matches!(e.kind, FetchErrorKind::RedirectOutOfScope))
        .map(|(id, status, error)| {
            let entry = frontier.entry(id);
            BrokenLink {
                url: entry.url.to_string(),
                status,
                error,
                linked_from: entry
                    .referrers
                    .iter()
                    .map(|r| frontier.entry(*r).url.to_string())
                    .collect(),
                inbound_links: entry.inbound,
            }
        })
        .collect();

    Ok(CrawlOutcome {
        final_url,
        scope_hosts: scope.hosts().to_vec(),
        robots: robots_report,
        sitemaps,
        counts,
        skipped,
        broken_links,
        redirects,
        effective_delay,
    })
}

fn is_network_error(error: &FetchError) -> bool {
    matches!(
        error.kind,
        FetchErrorKind::Dns
            | FetchErrorKind::PrivateAddress
            | FetchErrorKind::Connect
            | FetchErrorKind::Tls
            | FetchErrorKind::Timeout
    )
}

fn fetch_error(kind: FetchErrorKind, message: String) -> FetchError {
    FetchError { kind, message }
}

fn chain(job: &Job, to: &Url, error: Option<FetchError>) -> RedirectChain {
    RedirectChain {
        from: job.origin_url.to_string(),
        to: to.to_string(),
        hops: job.hops.clone(),
        error,
    }
}

fn bare_record(
    job: &Job,
    final_url: &Url,
    status: Option<u16>,
    error: Option<FetchError>,
) -> PageRecord {
    PageRecord {
        url: job.origin_url.to_string(),
        final_url: final_url.to_string(),
        status: job.hops.first().map(|h| h.status).or(status),
        depth: job.depth,
        discovered_by: job.discovered_by,
        content_type: None,
        charset: None,
        bytes: 0,
        elapsed_ms: job.started.elapsed().as_millis() as u64,
        redirects: job.hops.clone(),
        error,
        analysed: false,
        facts: None,
    }
}

fn finish_plain<T>(
    counts: &mut CrawlCounts,
    sink: &mut impl FnMut(PageEvent<T>),
    record: PageRecord,
    done: &mut u64,
    progress: &dyn Progress,
) {
    count_record(counts, &record, false);
    *done += 1;
    progress.page_done(&record.url, *done);
    sink(PageEvent {
        record,
        output: None,
    });
}

fn count_record(counts: &mut CrawlCounts, record: &PageRecord, analyzed: bool) {
    counts.pages += 1;
    if analyzed {
        counts.html_pages += 1;
    }
    if let Some(status) = record.status {
        *counts.by_status.entry(status.to_string()).or_insert(0) += 1;
    }
    match record.error.as_ref().map(|e| e.kind) {
        Some(FetchErrorKind::NotHtml) => counts.not_html += 1,
        Some(_) => counts.errors += 1,
        None => {}
    }
    if let Some(depth) = record.depth {
        counts.max_depth_seen = counts.max_depth_seen.max(depth);
    } else if record.discovered_by == Discovery::Sitemap {
        counts.sitemap_only += 1;
    }
}

/// The request for one hop of a page fetch, with the crawl's limits.
fn page_request(settings: &CrawlSettings, url: &Url) -> Request {
    Request {
        url: url.clone(),
        want: Want::Html,
        max_body_bytes: settings.max_body_bytes,
        timeout: settings.timeout,
    }
}

/// Fetches one hop of a job (`request` is for `job.url`); an HTML page is decoded and analysed on the blocking pool.
async fn run_job<H: PageHandler>(
    fetcher: Arc<Polite>,
    handler: Arc<H>,
    request: Request,
    job: Job,
) -> JobResult<H::Output> {
    let fetched = match fetcher.fetch(request).await {
        Hop::Redirect { status, location } => {
            return JobResult::Redirect {
                job,
                status,
                location,
            }
        }
        Hop::Failed(error) => {
            let record = bare_record(&job, &job.url, None, Some(error));
            return JobResult::Finished {
                job,
                record: Box::new(record),
                analyzed: None,
            };
        }
        Hop::Response(fetched) => fetched,
    };
    let mut record = bare_record(&job, &job.url, Some(fetched.status), fetched.error);
    record.status = Some(fetched.status);
    record.content_type = fetched.content_type;
    let Some(body) = fetched.body else {
        return JobResult::Finished {
            job,
            record: Box::new(record),
            analyzed: None,
        };
    };
    record.bytes = body.len() as u64;
    let base = job.url.clone();
    let header_charset = record
        .content_type
        .as_deref()
        .and_then(charset::charset_from_content_type)
        .map(str::to_string);
    let analyzed = tokio::task::spawn_blocking(move || {
        let (html, charset) = charset::decode(body, header_charset.as_deref());
        let mut record = record;
        record.charset = Some(charset);
        if charset::looks_binary(&html) {
            // Parsing it would count a page of noise as a page without a phone.
            record.error = Some(fetch_error(
                FetchErrorKind::Unreadable,
                "not text: binary data (or an undecoded compressed body) served as HTML; not parsed".into(),
            ));
            return (record, None);
        }
        let record_copy = record.clone();
        let analyzed = handler.analyze(FetchedPage { record, html, base });
        (record_copy, Some(analyzed))
    })
    .await;
    match analyzed {
        Ok((record, analyzed)) => JobResult::Finished {
            job,
            record: Box::new(record),
            analyzed,
        },
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// What fetching sitemaps needs: the gate, the timeout, and the scope they and their redirects must stay in
/// (robots.txt has none: RFC 9309 asks to follow its redirects wherever they lead).
struct Aux<'a> {
    fetcher: &'a Polite,
    timeout: Duration,
    scope: &'a Scope,
}

/// Fetches a small auxiliary file (robots.txt, a sitemap), following redirects (within `scope` when given).
/// `Ok(None)` for a 4xx/5xx.
async fn fetch_aux(
    fetcher: &Polite,
    url: &Url,
    limit: u64,
    timeout: Duration,
    scope: Option<&Scope>,
) -> Result<(Option<u16>, Option<Vec<u8>>), FetchError> {
    let mut url = url.clone();
    for hop in 0..=AUX_MAX_REDIRECTS {
        if let Some(scope) = scope.filter(|_| hop > 0) {
            if !scope.contains(&url) {
                return Err(fetch_error(
                    FetchErrorKind::OutOfScope,
                    format!("redirects to another site: {url} (listed, not fetched)"),
                ));
            }
        }
        let request = Request {
            url: url.clone(),
            want: Want::Any,
            max_body_bytes: limit,
            timeout,
        };
        match fetcher.fetch(request).await {
            Hop::Redirect { location, .. } => {
                url = location
                    .as_deref()
                    .and_then(|l| url.join(l).ok())
                    .ok_or_else(|| {
                        fetch_error(
                            FetchErrorKind::InvalidUrl,
                            "redirect without a usable Location".into(),
                        )
                    })?;
            }
            Hop::Failed(error) => return Err(error),
            Hop::Response(f)
                if f.error
                    .as_ref()
                    .is_some_and(|e| e.kind == FetchErrorKind::HttpStatus) =>
            {
                return Ok((Some(f.status), None))
            }
            Hop::Response(f) => return Ok((Some(f.status), f.body)),
        }
    }
    Err(fetch_error(
        FetchErrorKind::TooManyRedirects,
        "too many redirects".into(),
    ))
}

async fn load_robots(
    fetcher: &Polite,
    start: &Url,
    timeout: Duration,
) -> Result<(Robots, RobotsReport), CrawlError> {
    let url = start
        .join("/robots.txt")
        .expect("an http(s) URL has a root");
    let mut report = RobotsReport {
        url: url.to_string(),
        ..RobotsReport::default()
    };
    let robots = match fetch_aux(fetcher, &url, ROBOTS_MAX_BYTES, timeout, None).await {
        Err(error) if is_network_error(&error) => {
            return Err(CrawlError::StartUnreachable {
                url: start.to_string(),
                reason: error.message,
            })
        }
        Err(error) => {
            report.error = Some(format!("{}: crawling as if there were none", error.message));
            Robots::allow_all()
        }
        Ok((status, body)) => {
            report.status = status;
            match (status, body) {
                (Some(s), Some(body)) if (200..300).contains(&s) => Robots::parse(&body)
                    .unwrap_or_else(|e| {
                        report.error = Some(format!(
                            "unreadable robots.txt ({e}): crawling as if there were none"
                        ));
                        Robots::allow_all()
                    }),
                (Some(s), _) if s >= 500 => {
                    // RFC 9309 would stop the crawl; an audit the client asked for goes on, and says so.
                    report.error = Some(format!(
                        "robots.txt answered HTTP {s}: crawling as if there were none"
                    ));
                    Robots::allow_all()
                }
                _ => Robots::allow_all(),
            }
        }
    };
    let (delay, asked) =
        robots.crawl_delay(Duration::from_secs(crate::result::MAX_CRAWL_DELAY_SECS));
    report.crawl_delay_secs = delay.map(|d| d.as_secs_f64());
    report.crawl_delay_asked = asked;
    report.sitemaps = robots.sitemaps();
    Ok((robots, report))
}

/// Reads sitemaps and sitemap indexes (breadth-first, at most [`MAX_SITEMAP_FILES`]); returns the page URLs in
/// scope, at most `keep`. A sitemap on another host (named by robots.txt, or by an index) is listed, not fetched.
async fn load_sitemaps(
    aux: &Aux<'_>,
    start: &Url,
    seeds: Vec<String>,
    reports: &mut Vec<SitemapReport>,
    keep: usize,
) -> Vec<Url> {
    let mut queue: std::collections::VecDeque<String> = seeds.into_iter().collect();
    let mut seen = HashSet::new();
    let mut pages = Vec::new();
    let mut page_set = HashSet::new();
    while let Some(sitemap_url) = queue.pop_front() {
        if reports.len() >= MAX_SITEMAP_FILES {
            break;
        }
        if !seen.insert(sitemap_url.clone()) {
            continue;
        }
        let mut report = SitemapReport {
            url: sitemap_url.clone(),
            status: None,
            kind: None,
            urls: 0,
            error: None,
        };
        let parsed = Url::parse(&sitemap_url).map_err(|e| e.to_string());
        match parsed {
            Err(e) => report.error = Some(format!("invalid sitemap URL: {e}")),
            Ok(url) if !aux.scope.contains(&url) => {
                report.error = Some("on another site: listed, not fetched".into());
            }
            Ok(url) => match fetch_aux(
                aux.fetcher,
                &url,
                SITEMAP_MAX_BYTES,
                aux.timeout,
                Some(aux.scope),
            )
            .await
            {
                Err(error) => report.error = Some(error.message),
                Ok((status, None)) => {
                    report.status = status;
                    report.error = Some(format!("HTTP {}", status.unwrap_or(0)));
                }
                Ok((status, Some(body))) => {
                    report.status = status;
                    // Parsing 50 MB of XML is CPU work: off the crawl's threads.
                    let parsed = tokio::task::spawn_blocking(move || sitemap::parse(&body))
                        .await
                        .unwrap_or_else(|e| Err(format!("sitemap parser failed: {e}")));
                    match parsed {
                        Err(e) => report.error = Some(e),
                        Ok(parsed) => {
                            report.urls = parsed.locs.len() as u64;
                            if parsed.truncated {
                                report.error = Some(format!(
                                    "more than {} URLs, the protocol's limit: the rest was not read",
                                    sitemap::MAX_SITEMAP_URLS
                                ));
                            }
                            if parsed.kind.as_deref() == Some("sitemapindex") {
                                // Resolved against the site's root (relative entries are met in the wild).
                                queue.extend(
                                    parsed
                                        .locs
                                        .iter()
                                        .filter_map(|l| start.join(l.trim()).ok())
                                        .map(|u| u.to_string())
                                        .take(MAX_SITEMAP_FILES),
                                );
                            } else {
                                for loc in parsed.locs {
                                    if pages.len() >= keep {
                                        break;
                                    }
                                    if let Some(page) = urlnorm::resolve(start, &loc) {
                                        if aux.scope.contains(&page)
                                            && page_set.insert(page.as_str().to_string())
                                        {
                                            pages.push(page);
                                        }
                                    }
                                }
                            }
                            report.kind = parsed.kind;
                        }
                    }
                }
            },
        }
        reports.push(report);
    }
    pages
}
