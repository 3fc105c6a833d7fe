//! cxaudit audits the customer relations of an online shop.
//!
//! # Layout
//! One pipeline, gather → judge → render / store / campaign, each stage with one job and a typed hand-over:
//! - [`crawl`]: HTTP, robots.txt, sitemaps, scope, politeness, limits → decoded pages, through a
//!   [`crawl::fetch::Fetcher`];
//! - [`facts`]: one HTML document → [`result::PageFacts`]; pages → [`result::SiteFacts`] and the merged page
//!   observations, with what the rule pack lends the readers as plain data ([`facts::readers::Readers`]);
//! - [`rules`]: the rule pack (`checks/`), the detectors, the message catalogue, the one judge loop and the scores;
//!   read-only over facts;
//! - [`audit`]: gather (crawl → facts, streamed into `audit.json`) then judge; `rejudge` on a stored audit; the one
//!   `audit.json` writer;
//! - [`result`]: the `audit.json` contract, campaign results included; imports no stage;
//! - [`render`]: pages rendered in headless Chromium when scripts write what a customer sees;
//! - [`report`]: `audit.json` → the client's self-contained report (handlebars, `report-templates/`);
//! - [`campaign`] and [`store`]: mystery-shopper e-mails, and the store they keep their state in (SQL only there);
//! - [`time`]: the instant audits are dated by (a test hook starts it elsewhere);
//! - [`target`]: the shop's country and language; [`urlnorm`]: one spelling per URL;
//! - [`words`]: template filling with plural forms; [`files`]: the one error type for files a consultant writes;
//! - [`serve`] and [`demo`]: a loopback HTTP server and the bundled sample shop;
//! - [`summary`]: the one-screen terminal summary of a result; [`memo`]: per-thread memos for repeated links;
//! - [`diff`]: what changed between two audits; [`figures`]: pure figures over the contract (a campaign's summary).
//!
//! The binary (`main.rs`, `cli/`, `commands/`) only parses arguments, wires these together and prints.

pub mod audit;
pub mod campaign;
pub mod config;
pub mod crawl;
pub mod demo;
pub mod diff;
pub mod facts;
pub mod figures;
pub mod files;
pub mod ids;
pub mod memo;
pub mod render;
pub mod report;
pub mod result;
pub mod rules;
pub mod schedule;
pub mod serve;
pub mod store;
pub mod summary;
pub mod target;
pub mod time;
pub mod urlnorm;
pub mod words;

/// Sent with every request, so a shop's logs say who crawled and where to read about it.
pub const USER_AGENT: &str = concat!(
    "cxaudit/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/cxaudit/cxaudit)"
);

/// Cores available to this process: the width of the page-analysis pool.
pub fn available_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}
