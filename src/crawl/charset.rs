//! Decoding a fetched body to text: BOM, then the HTTP header, then `<meta charset>` / `http-equiv`, then UTF-8 if
//! the bytes are valid UTF-8, else windows-1252 (what old French CMSes serve undeclared). Pure; no I/O.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use regex::bytes::Regex;
use std::sync::LazyLock;

use crate::result::Charset;

/// How far into the document a `<meta>` declaration is looked for. The HTML standard says 1024 bytes, but shops
/// put inline CSS and analytics before it; browsers also look further when the prescan fails.
const META_PRESCAN_BYTES: usize = 16 * 1024;

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i-u)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#).expect("valid regex")
});

/// The `charset` parameter of a `Content-Type` header value.
pub fn charset_from_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
    let label = META_CHARSET.captures(head)?.get(1)?.as_bytes();
    let encoding = Encoding::for_label(label)?;
    // A document that could be parsed as ASCII to find this tag cannot really be UTF-16 (HTML standard).
    Some(if encoding.is_single_byte() || encoding == UTF_8 {
        encoding
    } else {
        UTF_8
    })
}

/// Decodes `bytes`, preferring the encoding the document declares.
pub fn decode(bytes: Vec<u8>, header_charset: Option<&str>) -> (String, Charset) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(&bytes) {
        let mut bytes = bytes;
        bytes.drain(..bom_len);
        return finish(encoding, bytes, "bom");
    }
    let declared = header_charset
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .map(|e| (e, "http-header"))
        .or_else(|| meta_charset(&bytes).map(|e| (e, "meta")));
    match declared {
        Some((encoding, _)) if encoding == UTF_8 && std::str::from_utf8(&bytes).is_err() => {
            // Declared UTF-8 but written in windows-1252: common after a CMS migration; the accents only come out
            // right the second way.
            finish(WINDOWS_1252, bytes, "fallback")
        }
        Some((encoding, source)) => finish(encoding, bytes, source),
        None if std::str::from_utf8(&bytes).is_ok() => finish(UTF_8, bytes, "utf8-valid"),
        None => finish(WINDOWS_1252, bytes, "fallback"),
    }
}

/// Text that is mostly not text: NUL and control characters, or undecodable bytes, in more than one character in
/// twenty. Binary data served as `text/html` (an image, a compressed body in an encoding not decoded) decodes to
/// this; a real page, in any language, holds next to none.
pub fn looks_binary(text: &str) -> bool {
    let mut chars = 0usize;
    let mut odd = 0usize;
    for c in text.chars() {
        chars += 1;
        let control =
            (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) || c == '\u{fffd}';
        odd += usize::from(control);
    }
    chars > 0 && odd * 20 > chars
}

/// The page's text; the fetched bytes themselves when they are already that text (UTF-8, or ASCII in an
/// ASCII-compatible encoding): a page is not held twice.
fn finish(encoding: &'static Encoding, bytes: Vec<u8>, source: &str) -> (String, Charset) {
    let (text, had_errors) = encoding.decode_without_bom_handling(&bytes);
    let charset = Charset {
        name: encoding.name().to_string(),
        source: source.to_string(),
        had_errors,
    };
    let text = match text {
        std::borrow::Cow::Borrowed(text) if text.len() == bytes.len() => {
            String::from_utf8(bytes).expect("the same bytes, valid UTF-8")
        }
        text => text.into_owned(),
    };
    (text, charset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_is_told_from_text() {
        assert!(looks_binary(&"\0".repeat(1000)));
        let noise: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        assert!(looks_binary(&decode(noise.clone(), Some("text/html")).0));
        assert!(!looks_binary(
            "<p>Téléphone : 04 72 00 11 22\n\t電話 03-1234-5678 — كتابة</p>"
        ));
        assert!(!looks_binary(""));
    }

    // "Créé à 10 € l’œuvre" in windows-1252: € is 0x80, ’ is 0x92 and œ is 0x9C, bytes that differ from Latin-1.
    const CP1252: &[u8] = b"Cr\xe9\xe9 \xe0 10 \x80 l\x92\x9cuvre";

    #[test]
    fn header_wins_over_meta() {
        let mut page = b"<meta charset=utf-8>".to_vec();
        page.extend_from_slice(CP1252);
        let (text, charset) = decode(page.clone(), Some("windows-1252"));
        assert!(text.ends_with("Créé à 10 € l’œuvre"), "{text}");
        assert_eq!(charset.source, "http-header");
    }

    #[test]
    fn meta_http_equiv_and_latin1_label() {
        let mut page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">".to_vec();
        page.extend_from_slice(CP1252);
        let (text, charset) = decode(page.clone(), None);
        // WHATWG maps the iso-8859-1 label to windows-1252, so € still decodes.
        assert!(text.ends_with("10 € l’œuvre"), "{text}");
        assert_eq!(
            (charset.name.as_str(), charset.source.as_str()),
            ("windows-1252", "meta")
        );
    }

    #[test]
    fn iso_8859_15_is_its_own_encoding() {
        let (text, _) = decode(b"<meta charset=\"ISO-8859-15\">\xa4".to_vec(), None);
        assert!(text.ends_with('€'), "{text}");
    }

    #[test]
    fn undeclared_falls_back_by_validity() {
        assert_eq!(
            decode("déjà".as_bytes().to_vec(), None).1.source,
            "utf8-valid"
        );
        let (text, charset) = decode(CP1252.to_vec(), None);
        assert_eq!(text, "Créé à 10 € l’œuvre");
        assert_eq!(charset.source, "fallback");
    }

    #[test]
    fn bom_and_mislabelled_utf8() {
        let (text, charset) = decode(
            b"\xef\xbb\xbfd\xc3\xa9j\xc3\xa0".to_vec(),
            Some("windows-1252"),
        );
        assert_eq!((text.as_str(), charset.source.as_str()), ("déjà", "bom"));
        let (text, charset) = decode(CP1252.to_vec(), Some("utf-8"));
        assert_eq!(
            (text.as_str(), charset.name.as_str()),
            ("Créé à 10 € l’œuvre", "windows-1252")
        );
    }

    #[test]
    fn content_type_parameter() {
        assert_eq!(
            charset_from_content_type("text/html; charset=\"UTF-8\""),
            Some("UTF-8")
        );
        assert_eq!(charset_from_content_type("text/html"), None);
    }
}
