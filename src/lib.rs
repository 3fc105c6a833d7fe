//! cxaudit audits the customer relations of an online shop.
//!
//! # Layout
//! One pipeline, each stage with one job and a typed hand-over:
//! - [`crawl`]: HTTP, robots.txt, sitemaps, scope, politeness, limits → decoded pages;
//! - [`facts::page`]: one HTML document → [`result::PageFacts`];
//! - [`facts::site`]: pages → [`result::SiteFacts`];
//! - [`rules`]: the rule pack (`checks/`), the page observations, the detectors and the scores;
//! - [`report`]: `audit.json` → the client's self-contained HTML report (handlebars, `report-templates/`);
//! - [`audit`]: the stages wired together, writing the [`result::AuditResult`] (`audit.json`, the contract);
//! - [`target`]: the shop's country and language; [`urlnorm`]: one spelling per URL;
//! - [`serve`] and [`demo`]: a loopback HTTP server and the bundled sample shop;
//! - [`summary`]: the one-screen terminal summary of a result; [`memo`]: per-thread memos for repeated links.
//!
//! The binary (`main.rs`) only parses arguments, wires these together and prints.

pub mod audit;
pub mod campaign;
pub mod config;
pub mod crawl;
pub mod demo;
pub mod facts;
pub mod memo;
pub mod report;
pub mod result;
pub mod rules;
pub mod serve;
pub mod store;
pub mod summary;
pub mod target;
pub mod text;
pub mod urlnorm;

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
