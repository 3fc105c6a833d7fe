//! Sitemaps and sitemap indexes, plain or gzipped: never more URLs than the protocol's cap.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sitemap) = cxaudit::crawl::sitemap::parse(data) {
        assert!(sitemap.locs.len() <= cxaudit::crawl::sitemap::MAX_SITEMAP_URLS);
    }
});
