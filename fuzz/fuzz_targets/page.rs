//! Page facts: any bytes, decoded as the crawl decodes them, parsed within the time budget, then read by every
//! reader of the bundled rule pack, as an audit does.
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;

static CHECKS: LazyLock<cxaudit::rules::pack::Checks> =
    LazyLock::new(cxaudit::rules::pack::Checks::bundled);
static BASE: LazyLock<url::Url> =
    LazyLock::new(|| url::Url::parse("https://boutique.example/produit/1").unwrap());

fuzz_target!(|data: &[u8]| {
    let (html, _) = cxaudit::crawl::charset::decode(data, None);
    let _ = cxaudit::crawl::charset::looks_binary(&html);
    let (facts, _links, _cut) =
        cxaudit::facts::page::extract_bounded(&html, &BASE, Duration::from_secs(2));
    let _ = cxaudit::audit::derive(&facts, &BASE, Some(1), &CHECKS.readers);
});
