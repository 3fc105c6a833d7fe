//! Reply classification: any raw message, read as the collector reads it (bounce, acknowledgement or human), with
//! the bundled reply lexicon.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static LEXICON: LazyLock<cxaudit::campaign::collect::ReplyLexicon> =
    LazyLock::new(cxaudit::campaign::collect::ReplyLexicon::bundled);

fuzz_target!(|data: &[u8]| {
    let _ = cxaudit::campaign::collect::classify_raw(data, None, "fr", &LEXICON);
    let _ = LEXICON.new_text(&String::from_utf8_lossy(data));
});
