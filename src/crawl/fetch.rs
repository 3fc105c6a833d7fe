//! One HTTP request at a time: politeness (concurrency permits, delay between requests), the body-size limit, and
//! turning every failure into a [`FetchError`] with a reason a consultant can read. Redirects are not followed here:
//! the frontier decides whether a `Location` is in scope, allowed and new.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use url::Url;

use crate::result::{FetchError, FetchErrorKind};

/// What one request gave.
#[derive(Debug)]
pub enum Hop {
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
}

/// Which bodies to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// HTML documents only (2xx with an HTML content type, or an untyped body that looks like HTML).
    Html,
    /// Any 2xx body (robots.txt, sitemaps), up to `limit` bytes.
    Any { limit: u64 },
}

pub struct Fetcher {
    client: reqwest::Client,
    max_body_bytes: u64,
    /// Caps simultaneous requests to the shop (per-host concurrency: the crawl has one site).
    permits: Semaphore,
    /// The earliest time the next request may start, for the delay between requests.
    next_slot: Mutex<Instant>,
    delay: Duration,
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl Fetcher {
    pub fn new(
        user_agent: &str,
        timeout: Duration,
        concurrency: usize,
        delay: Duration,
        max_body_bytes: u64,
    ) -> Result<Fetcher, reqwest::Error> {
        // reqwest is built without a bundled crypto provider so that ring (small, no cmake) is the one used.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(concurrency)
            .build()?;
        Ok(Fetcher {
            client,
            max_body_bytes,
            permits: Semaphore::new(concurrency.max(1)),
            next_slot: Mutex::new(Instant::now()),
            delay,
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        })
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Waits for the politeness delay: each request takes the next free slot `delay` after the previous one.
    async fn wait_turn(&self) {
        if self.delay.is_zero() {
            return;
        }
        let slot = {
            let mut next = self.next_slot.lock().expect("slot lock");
            let slot = (*next).max(Instant::now());
            *next = slot + self.delay;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }

    pub async fn fetch(&self, url: &Url, want: Want) -> Hop {
        // The permit is held for the whole exchange, body included: it is what "4 concurrent requests" means.
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("semaphore never closed");
        self.wait_turn().await;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let accept = match want {
            Want::Html => "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            Want::Any { .. } => "*/*",
        };
        let response = match self
            .client
            .get(url.clone())
            .header("Accept", accept)
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
            return Hop::Response(Fetched {
                status,
                content_type,
                body: None,
                error: Some(error),
            });
        }

        let limit = match want {
            Want::Html => {
                if let Some(ct) = &content_type {
                    if !is_html_type(ct) {
                        let error = FetchError {
                            kind: FetchErrorKind::NotHtml,
                            message: format!("not HTML ({}): noted, not parsed", mime_only(ct)),
                        };
                        return Hop::Response(Fetched {
                            status,
                            content_type,
                            body: None,
                            error: Some(error),
                        });
                    }
                }
                self.max_body_bytes
            }
            Want::Any { limit } => limit,
        };
        let (body, error) = self.read_body(response, limit).await;
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
            });
        }
        Hop::Response(Fetched {
            status,
            content_type,
            body: Some(body),
            error,
        })
    }

    /// Reads up to `limit` bytes and stops there: a body past the limit is cut, never buffered whole.
    async fn read_body(
        &self,
        mut response: reqwest::Response,
        limit: u64,
    ) -> (Vec<u8>, Option<FetchError>) {
        let mut body =
            Vec::with_capacity(response.content_length().unwrap_or(0).min(limit) as usize);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    self.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
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
                        return (body, Some(error));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return (body, None),
                Err(e) => {
                    let mut error = classify(&e);
                    if error.kind == FetchErrorKind::Other {
                        error.kind = FetchErrorKind::Body;
                    }
                    error.message = format!("body cut short: {}", error.message);
                    return (body, Some(error));
                }
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
    while let Some(e) = source {
        tls |= is_tls_error(e);
        let text = e.to_string();
        if chain.last() != Some(&text) {
            chain.push(text);
        }
        source = e.source();
    }
    let detail = chain.join(": ");
    let lower = detail.to_ascii_lowercase();
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
        FetchErrorKind::Tls => format!("TLS/certificate error ({detail})"),
        FetchErrorKind::Connect => format!("connection failed ({detail})"),
        _ => detail,
    };
    FetchError { kind, message }
}
