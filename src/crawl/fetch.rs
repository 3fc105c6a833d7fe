//! Stage 1, crawl: the fetch seam. A [`Fetcher`] makes one request for one URL and reports that single hop: status,
//! the headers the crawl reads, and a body cut at the limits the crawl passes in. It must not follow redirects (the
//! crawl judges every `Location` for scope, robots.txt and loops), apply politeness (the crawl's gate does, for any
//! fetcher), or take a limit from the server. [`HttpFetcher`] is the plain HTTP one, through reqwest; every failure
//! becomes a [`FetchError`] with a reason a consultant can read.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::result::{FetchError, FetchErrorKind};

/// What one request gave.
#[derive(Debug)]
pub enum Hop {
    /// A 3xx with a `Location` header (its raw value; `None` when it is not valid text). Not followed.
    Redirect {
        status: u16,
        location: Option<String>,
    },
    Response(Fetched),
    Failed(FetchError),
}

/// A final (non-redirect) response. `body` is only read when it was wanted.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
    /// Set when the body was cut at the size limit, or the response was not wanted (not HTML, error status).
    pub error: Option<FetchError>,
    /// Body bytes received, those past the limit and those of a discarded body included: the crawl's byte count.
    pub received: u64,
}

impl Fetched {
    /// A response whose body is not wanted (an error status, not HTML): the reason, no body read.
    fn refused(status: u16, content_type: Option<String>, error: FetchError) -> Fetched {
        Fetched {
            status,
            content_type,
            body: None,
            error: Some(error),
            received: 0,
        }
    }
}

/// Which bodies to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// A page: HTML documents only (2xx with an HTML content type, or an untyped body that looks like HTML).
    /// Anything else is answered with a [`FetchErrorKind::NotHtml`] error and no body.
    Html,
    /// Any 2xx body as it is (robots.txt, sitemaps). A rendering fetcher hands these to plain HTTP.
    Any,
}

/// One request, with the crawl's limits: a fetcher applies these, never the server's nor its own.
#[derive(Debug, Clone)]
pub struct Request {
    pub url: Url,
    pub want: Want,
    /// Body bytes kept at most; reading stops there, with a [`FetchErrorKind::TooLarge`] error.
    pub max_body_bytes: u64,
    /// For the whole exchange, connection to last body byte; past it, a [`FetchErrorKind::Timeout`] error.
    pub timeout: Duration,
}

/// The boxed future of [`Fetcher::fetch`]: boxed so that the trait stays object-safe without a macro crate.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Hop> + Send + 'a>>;

/// Fetches pages, robots.txt and sitemaps for the crawl, which holds it as `Arc<dyn Fetcher>` and never knows which
/// one it has. Called concurrently, up to the crawl's concurrency.
pub trait Fetcher: Send + Sync + 'static {
    /// One hop for `request.url`: no redirect followed, the body bounded by `request`'s limits.
    fn fetch(&self, request: Request) -> FetchFuture<'_>;
}

/// The HTTP fetcher: reqwest, redirects off, gzip, brotli and zstd decoded, private addresses guarded.
pub struct HttpFetcher {
    client: reqwest::Client,
    addresses: AddressPolicy,
}

/// Which addresses the fetcher may connect to. A public shop never needs a loopback, private or link-local one; a
/// host name resolving there (a DNS rebinding, a hostile redirect towards the LAN or a cloud metadata service) is
/// refused. `allow_private` lifts that (a staging site); an IP address typed as the start URL is the user's consent
/// for that one address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    pub allow_private: bool,
    pub consented: Option<IpAddr>,
}

impl AddressPolicy {
    /// The policy for an audit of `start`: its host is consented to when it is an IP address.
    pub fn for_start(start: &Url, allow_private: bool) -> AddressPolicy {
        AddressPolicy {
            allow_private,
            consented: match start.host() {
                Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
                _ => None,
            },
        }
    }

    /// Everything allowed: for tests and callers that vouch for their URLs.
    pub fn any() -> AddressPolicy {
        AddressPolicy {
            allow_private: true,
            consented: None,
        }
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allow_private || is_public(ip) || self.consented == Some(canonical(ip))
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Not loopback, private, link-local, shared (CGNAT), unspecified, broadcast or multicast.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0)
        }
    }
}

/// The error a refused address gives, told apart from a DNS failure by [`classify`].
#[derive(Debug)]
struct PrivateAddressRefused(String);

impl std::fmt::Display for PrivateAddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PrivateAddressRefused {}

fn refusal(host: &str, ip: IpAddr) -> String {
    format!("{host} is a private address ({ip}): refused, as an audit of a public shop never needs one (--allow-private audits a staging site)")
}

/// Resolves host names with the system's resolver, then drops the addresses the policy refuses; a name left with
/// none fails. Every connection resolves again, so a name that changes its answer mid-crawl is caught too.
struct GuardedResolver {
    policy: AddressPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<std::net::SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                if let Some(first) = found.first() {
                    let error: Box<dyn std::error::Error + Send + Sync> =
                        Box::new(PrivateAddressRefused(refusal(&host, first.ip())));
                    return Err(error);
                }
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

impl Fetcher for HttpFetcher {
    fn fetch(&self, request: Request) -> FetchFuture<'_> {
        Box::pin(self.get(request))
    }
}

impl HttpFetcher {
    /// A client for the crawl's user agent; `timeout` is its default for a whole exchange (each [`Request`] brings
    /// its own) and bounds the connection at 10 s; `concurrency` idle connections are kept for reuse.
    pub fn new(
        user_agent: &str,
        timeout: Duration,
        concurrency: usize,
        addresses: AddressPolicy,
    ) -> Result<HttpFetcher, reqwest::Error> {
        // reqwest is built without a bundled crypto provider so that ring (small, no cmake) is the one used.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The start URL's consent is for that IP address as typed: a host name is judged on its own.
        let names = AddressPolicy {
            consented: None,
            ..addresses
        };
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(concurrency)
            .dns_resolver(Arc::new(GuardedResolver { policy: names }))
            .build()?;
        Ok(HttpFetcher { client, addresses })
    }

    async fn get(&self, request: Request) -> Hop {
        let Request {
            url,
            want,
            max_body_bytes: limit,
            timeout,
        } = request;
        // IP addresses are not resolved, so the resolver never sees them: checked here, for every hop.
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal.filter(|ip| !self.addresses.allows(*ip)) {
            return Hop::Failed(FetchError {
                kind: FetchErrorKind::PrivateAddress,
                message: refusal(url.host_str().unwrap_or_default(), ip),
            });
        }
        let accept = match want {
            Want::Html => "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            Want::Any => "*/*",
        };
        let response = match self
            .client
            .get(url)
            .header("Accept", accept)
            .timeout(timeout)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => return Hop::Failed(classify(&e)),
        };
        let status = response.status().as_u16();
        if response.status().is_redirection()
            && response.headers().contains_key(reqwest::header::LOCATION)
        {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            return Hop::Redirect { status, location };
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string());

        if !response.status().is_success() {
            let error = FetchError {
                kind: FetchErrorKind::HttpStatus,
                message: format!(
                    "HTTP {status} {}",
                    response.status().canonical_reason().unwrap_or("")
                )
                .trim()
                .to_string(),
            };
            return Hop::Response(Fetched::refused(status, content_type, error));
        }

        // reqwest decodes (and removes) the encodings it asked for; whatever remains was never asked for, and its
        // bytes are not text. Read as windows-1252, they would be a page of noise counted against the shop. (A
        // sitemap is left alone: its parser recognises gzip by its bytes, `x-gzip` included.)
        let unasked = response
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|e| !e.is_empty() && e != "identity");
        if let (Want::Html, Some(encoding)) = (want, unasked) {
            let error = FetchError {
                kind: FetchErrorKind::Unreadable,
                message: format!(
                    "Content-Encoding {encoding:?}, never asked for and not decoded: not read"
                ),
            };
            return Hop::Response(Fetched::refused(status, content_type, error));
        }
        if want == Want::Html {
            if let Some(ct) = &content_type {
                if !is_html_type(ct) {
                    let error = FetchError {
                        kind: FetchErrorKind::NotHtml,
                        message: format!("not HTML ({}): noted, not parsed", mime_only(ct)),
                    };
                    return Hop::Response(Fetched::refused(status, content_type, error));
                }
            }
        }
        let (body, error, received) = read_body(response, limit).await;
        let mut error = error;
        if want == Want::Html
            && content_type.is_none()
            && error.is_none()
            && !looks_like_html(&body)
        {
            error = Some(FetchError {
                kind: FetchErrorKind::NotHtml,
                message: "no Content-Type and the body does not look like HTML: noted, not parsed"
                    .to_string(),
            });
            return Hop::Response(Fetched {
                status,
                content_type,
                body: None,
                error,
                received,
            });
        }
        Hop::Response(Fetched {
            status,
            content_type,
            body: Some(body),
            error,
            received,
        })
    }
}

/// Reads up to `limit` bytes and stops there: a body past the limit is cut, never buffered whole. Also gives the
/// bytes received, the part of the last chunk past the limit included.
async fn read_body(
    mut response: reqwest::Response,
    limit: u64,
) -> (Vec<u8>, Option<FetchError>, u64) {
    let mut body = Vec::with_capacity(response.content_length().unwrap_or(0).min(limit) as usize);
    let mut received = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                received += chunk.len() as u64;
                let room = (limit as usize).saturating_sub(body.len());
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    let error = FetchError {
                        kind: FetchErrorKind::TooLarge,
                        message: format!(
                            "body larger than {}: stopped reading there",
                            human_bytes(limit)
                        ),
                    };
                    return (body, Some(error), received);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return (body, None, received),
            Err(e) => {
                let mut error = classify(&e);
                if error.kind == FetchErrorKind::Other {
                    error.kind = FetchErrorKind::Body;
                }
                error.message = format!("body cut short: {}", error.message);
                return (body, Some(error), received);
            }
        }
    }
}

fn mime_only(content_type: &str) -> &str {
    content_type
        .split(';')
        .next()
        .unwrap_or(content_type)
        .trim()
}

pub fn is_html_type(content_type: &str) -> bool {
    let mime = mime_only(content_type).to_ascii_lowercase();
    mime == "text/html" || mime == "application/xhtml+xml"
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = &body[..body.len().min(1024)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.contains("<head")
        || head.contains("<body")
}

pub fn human_bytes(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// rustls errors reach us wrapped in `io::Error`s, whose `source()` skips the wrapped error: unwrap them by hand.
fn is_tls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    match error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => is_tls_error(inner),
        None => false,
    }
}

/// Maps a reqwest error to a reason: reqwest says timeout or connect; the cause chain tells DNS from TLS.
pub fn classify(error: &reqwest::Error) -> FetchError {
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    let mut tls = false;
    let mut refused = false;
    while let Some(e) = source {
        tls |= is_tls_error(e);
        refused |= e.downcast_ref::<PrivateAddressRefused>().is_some();
        let text = e.to_string();
        if chain.last() != Some(&text) {
            chain.push(text);
        }
        source = e.source();
    }
    let detail = chain.join(": ");
    let lower = detail.to_ascii_lowercase();
    if refused {
        let message = chain.last().cloned().unwrap_or_default();
        return FetchError {
            kind: FetchErrorKind::PrivateAddress,
            message,
        };
    }
    let kind = if error.is_timeout() {
        FetchErrorKind::Timeout
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        FetchErrorKind::Dns
    } else if tls || lower.contains("certificate") || lower.contains("tls handshake") {
        FetchErrorKind::Tls
    } else if error.is_connect() {
        FetchErrorKind::Connect
    } else if error.is_body() || error.is_decode() {
        FetchErrorKind::Body
    } else {
        FetchErrorKind::Other
    };
    let message = match kind {
        FetchErrorKind::Timeout => format!("timed out ({detail})"),
        FetchErrorKind::Dns => format!("host name not found ({detail})"),
        // A plain HTTP answer on a TLS connection: the address was typed without http:// and the server has no TLS.
        FetchErrorKind::Tls
            if lower.contains("invalidcontenttype") || lower.contains("corrupt message") =>
        {
            format!("TLS/certificate error: the server answers in plain HTTP, not HTTPS; try the address with http:// ({detail})")
        }
        FetchErrorKind::Tls => format!("TLS/certificate error ({detail})"),
        FetchErrorKind::Connect => format!("connection failed ({detail})"),
        _ => detail,
    };
    FetchError { kind, message }
}
