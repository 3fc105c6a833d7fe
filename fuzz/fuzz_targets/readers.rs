//! The text readers: phones and e-mails (as page candidates), opening hours, response promises, legal identifiers
//! and postal addresses, on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut facts = cxaudit::result::PageFacts::default();
    facts.text.main = text.to_string();
    facts.text.footer = text.chars().rev().collect();
    cxaudit::facts::candidates::extract_from_text(&mut facts);
    cxaudit::facts::candidates::extract_addresses(&mut facts);
    for phone in &facts.candidates.phones {
        let _ = cxaudit::facts::candidates::phone_digits(&phone.raw);
    }
    let _ = cxaudit::facts::hours::find(&text);
    let _ = cxaudit::facts::promise::find(&text);
    let _ = cxaudit::facts::legal::find(&text);
    let _ = cxaudit::facts::address::find(&text);
});
