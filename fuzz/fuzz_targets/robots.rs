//! robots.txt: parsing, rules against a few URLs, and the Crawl-delay a crawl would apply (always at most 30 s).
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(robots) = cxaudit::crawl::robots::Robots::parse(data) else {
        return;
    };
    for path in ["/", "/panier/", "/produit/1?x=%C3%A9", "/a/../b"] {
        let url = url::Url::parse(&format!("https://s.example{path}")).unwrap();
        let _ = robots.allowed(&url);
    }
    let ceiling = Duration::from_secs(30);
    let (delay, _) = robots.crawl_delay(ceiling);
    assert!(delay.is_none_or(|d| d <= ceiling));
    let _ = robots.sitemaps();
});
