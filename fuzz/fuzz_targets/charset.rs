//! Charset detection and decoding: the first line of the input is a Content-Type header, the rest the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (Some(String::from_utf8_lossy(&data[..i]).into_owned()), &data[i + 1..]),
        None => (None, data),
    };
    let charset = header
        .as_deref()
        .and_then(cxaudit::crawl::charset::charset_from_content_type);
    let (text, _) = cxaudit::crawl::charset::decode(body, charset);
    let _ = cxaudit::crawl::charset::looks_binary(&text);
});
