//! MIME messages: parsing, and what the collector reads of a parsed one (bounce marks, every text part's new text,
//! threading headers).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use mail_parser::MessageParser;

static LEXICON: LazyLock<cxaudit::campaign::collect::ReplyLexicon> =
    LazyLock::new(cxaudit::campaign::collect::ReplyLexicon::bundled);

fuzz_target!(|data: &[u8]| {
    let Some(message) = MessageParser::default().parse(data) else {
        return;
    };
    let _ = cxaudit::campaign::collect::is_bounce(&message);
    for i in 0..message.text_body_count().min(8) {
        if let Some(text) = message.body_text(i) {
            let _ = LEXICON.new_text(&text);
        }
    }
    let _ = cxaudit::campaign::collect::match_probe(&message, data, &[], &LEXICON);
});
