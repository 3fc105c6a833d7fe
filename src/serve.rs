//! A small HTTP/1.1 server on 127.0.0.1 for the bundled demo shop and the test suite: static files from memory,
//! plus whatever a [`Responder`] decides (redirects, errors, slow or endless bodies). Not for the open internet.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

type Body = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

/// What the server answers for one path.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status, content type, body.
    Content {
        status: u16,
        content_type: String,
        body: Bytes,
    },
    Redirect {
        status: u16,
        location: String,
    },
    /// A body of `bytes` bytes streamed in 64 KiB chunks, never held whole.
    Endless {
        content_type: String,
        bytes: u64,
    },
    /// Answers after a pause (to test timeouts).
    Slow {
        delay: Duration,
        reply: Box<Reply>,
    },
    NotFound,
}

impl Reply {
    pub fn html(body: impl Into<Bytes>) -> Reply {
        Reply::Content {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: body.into(),
        }
    }
}

/// Decides the reply for a path (with its query string).
pub type Responder = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

/// A running server; dropping it stops accepting connections.
pub struct Server {
    pub addr: SocketAddr,
    traffic: Arc<Traffic>,
    task: tokio::task::JoinHandle<()>,
}

/// What the server saw, for tests of politeness: requests with their arrival time, and the most answered at once.
#[derive(Default)]
struct Traffic {
    log: Mutex<Vec<(String, Instant)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Server {
    /// The base URL, such as `http://127.0.0.1:41234/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Every path requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.traffic
            .log
            .lock()
            .expect("log lock")
            .iter()
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Every request so far with when it arrived.
    pub fn timed_requests(&self) -> Vec<(String, Instant)> {
        self.traffic.log.lock().expect("log lock").clone()
    }

    /// The largest number of requests being answered at the same time.
    pub fn max_concurrent_requests(&self) -> usize {
        self.traffic.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts serving on 127.0.0.1 (`port` 0 picks a free one). `make_responder` gets the base URL, known only once
/// the port is bound, for sites that must name themselves (robots.txt, sitemaps).
pub async fn start(
    port: u16,
    make_responder: impl FnOnce(&str) -> Responder,
) -> std::io::Result<Server> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let responder = make_responder(&format!("http://{addr}/"));
    let traffic = Arc::new(Traffic::default());
    let task_traffic = traffic.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let responder = responder.clone();
            let traffic = task_traffic.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                    let responder = responder.clone();
                    let traffic = traffic.clone();
                    async move {
                        let path = request
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default();
                        traffic
                            .log
                            .lock()
                            .expect("log lock")
                            .push((path.clone(), Instant::now()));
                        let now = traffic.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        traffic.max_in_flight.fetch_max(now, Ordering::SeqCst);
                        let response = respond(responder(&path)).await;
                        traffic.in_flight.fetch_sub(1, Ordering::SeqCst);
                        Ok::<_, Infallible>(response)
                    }
                });
                // A client that hangs up mid-body is not the server's problem.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(Server {
        addr,
        traffic,
        task,
    })
}

async fn respond(reply: Reply) -> Response<Body> {
    let mut reply = reply;
    while let Reply::Slow {
        delay,
        reply: inner,
    } = reply
    {
        tokio::time::sleep(delay).await;
        reply = *inner;
    }
    let full = |b: Bytes| Full::new(b).map_err(|never| match never {}).boxed();
    match reply {
        Reply::Content {
            status,
            content_type,
            body,
        } => Response::builder()
            .status(status)
            .header("Content-Type", content_type)
            .body(full(body)),
        Reply::Redirect { status, location } => Response::builder()
            .status(status)
            .header("Location", location)
            .body(full(Bytes::new())),
        Reply::NotFound => Response::builder()
            .status(404)
            .header("Content-Type", "text/html; charset=utf-8")
            .body(full(Bytes::from_static(
                b"<!doctype html><title>404</title><h1>Page introuvable</h1>",
            ))),
        Reply::Endless {
            content_type,
            bytes,
        } => {
            let chunk = Bytes::from(vec![b'a'; 64 * 1024]);
            let chunks = bytes.div_ceil(chunk.len() as u64);
            let stream = repeated_chunks(chunk, chunks);
            Response::builder()
                .status(200)
                .header("Content-Type", content_type)
                .body(BodyExt::boxed(StreamBody::new(stream)))
        }
        Reply::Slow { .. } => unreachable!("unwrapped above"),
    }
    .expect("valid response")
}

/// A stream of `count` copies of `chunk`, produced lazily.
fn repeated_chunks(
    chunk: Bytes,
    count: u64,
) -> impl futures_core::Stream<Item = Result<Frame<Bytes>, std::io::Error>> + Send + Sync + 'static
{
    struct Repeat {
        chunk: Bytes,
        left: u64,
    }
    impl futures_core::Stream for Repeat {
        type Item = Result<Frame<Bytes>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            if self.left == 0 {
                return std::task::Poll::Ready(None);
            }
            self.left -= 1;
            std::task::Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
        }
    }
    Repeat { chunk, left: count }
}

/// A responder over files held in memory: `(path, content type, body)`; `/` serves `/index.html`.
pub fn static_site(files: Vec<(String, String, Bytes)>) -> Responder {
    Arc::new(move |path: &str| {
        let path = path.split('?').next().unwrap_or(path);
        let path = if path.ends_with('/') {
            format!("{path}index.html")
        } else {
            path.to_string()
        };
        files
            .iter()
            .find(|(p, _, _)| *p == path)
            .map(|(_, content_type, body)| Reply::Content {
                status: 200,
                content_type: content_type.clone(),
                body: body.clone(),
            })
            .unwrap_or(Reply::NotFound)
    })
}

/// Content type by file extension, for static sites.
pub fn content_type_for(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        // No charset: the pages declare their own, as many real servers leave it to them.
        "html" | "htm" => "text/html",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "css" => "text/css",
        "js" => "application/javascript",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}
