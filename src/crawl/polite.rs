//! Stage 1, crawl: politeness in front of any [`Fetcher`]: at most `concurrency` requests at once, and `delay` between
//! the starts of two requests. It counts requests and bytes for the crawl's report. It must not touch the network
//! itself nor look into responses beyond their size: what to fetch and what a response means is the crawl's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::fetch::{Fetcher, Hop, Request};

pub(crate) struct Polite {
    fetcher: Arc<dyn Fetcher>,
    /// Caps simultaneous requests to the shop (per-host concurrency: the crawl has one site).
    permits: Semaphore,
    /// The earliest time the next request may start, for the delay between requests.
    next_slot: Mutex<Instant>,
    delay: Duration,
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl Polite {
    pub(crate) fn new(fetcher: Arc<dyn Fetcher>, concurrency: usize, delay: Duration) -> Polite {
        Polite {
            fetcher,
            permits: Semaphore::new(concurrency.max(1)),
            next_slot: Mutex::new(Instant::now()),
            delay,
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(crate) fn bytes(&self) -> u64 {
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

    pub(crate) async fn fetch(&self, request: Request) -> Hop {
        // The permit is held for the whole exchange, body included: it is what "4 concurrent requests" means.
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("semaphore never closed");
        self.wait_turn().await;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let hop = self.fetcher.fetch(request).await;
        if let Hop::Response(fetched) = &hop {
            self.bytes.fetch_add(fetched.received, Ordering::Relaxed);
        }
        hop
    }
}
