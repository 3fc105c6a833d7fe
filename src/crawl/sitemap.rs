//! Sitemap parsing (`urlset` and `sitemapindex`, plain or gzipped) into URL strings. Pure; the fetching is done by
//! the crawler.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

/// What a sitemap document lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// `urlset` (pages) or `sitemapindex` (other sitemaps).
    pub kind: Option<String>,
    pub locs: Vec<String>,
    /// The file listed more than [`MAX_SITEMAP_URLS`]: the rest was not read.
    pub truncated: bool,
}

/// Decompressed sitemaps are capped: the protocol allows 50 MB, more is a trap or a bomb.
pub const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;
/// URLs read from one sitemap file, as the protocol caps them; the rest of a longer file is not read.
pub const MAX_SITEMAP_URLS: usize = 50_000;
/// Characters of one `<loc>` kept: no URL the crawl would fetch is longer.
const MAX_LOC_CHARS: usize = 4096;

/// Parses a sitemap body; gzip is recognised by its magic bytes, whatever the URL says. The gzip stream is read as
/// the XML is, never held decompressed.
pub fn parse(body: &[u8]) -> Result<Sitemap, String> {
    if body.starts_with(&[0x1f, 0x8b]) {
        let plain = flate2::read::GzDecoder::new(body).take(MAX_SITEMAP_BYTES);
        return parse_xml(std::io::BufReader::new(plain));
    }
    parse_xml(body)
}

fn parse_xml(xml: impl std::io::BufRead) -> Result<Sitemap, String> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut sitemap = Sitemap::default();
    let mut in_loc = false;
    let mut loc = String::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(tag)) => {
                let name = tag.local_name();
                let name = name.as_ref();
                if sitemap.kind.is_none() && (name == b"urlset" || name == b"sitemapindex") {
                    sitemap.kind = Some(String::from_utf8_lossy(name).into_owned());
                }
                if name == b"loc" {
                    in_loc = true;
                    loc.clear();
                }
            }
            Ok(Event::End(tag)) if tag.local_name().as_ref() == b"loc" => {
                in_loc = false;
                let value = loc.trim();
                if !value.is_empty() && value.len() <= MAX_LOC_CHARS {
                    sitemap.locs.push(value.to_string());
                }
                if sitemap.locs.len() >= MAX_SITEMAP_URLS {
                    sitemap.truncated = true;
                    break;
                }
            }
            Ok(Event::Text(text)) if in_loc && loc.len() <= MAX_LOC_CHARS => {
                loc.push_str(&text.decode().map_err(|e| e.to_string())?)
            }
            Ok(Event::CData(text)) if in_loc && loc.len() <= MAX_LOC_CHARS => {
                loc.push_str(&text.decode().map_err(|e| e.to_string())?)
            }
            Ok(Event::GeneralRef(entity)) if in_loc => {
                if let Ok(Some(c)) = entity.resolve_char_ref() {
                    loc.push(c);
                } else {
                    let name = entity.decode().map_err(|e| e.to_string())?;
                    loc.push_str(quick_xml::escape::resolve_predefined_entity(&name).unwrap_or(""));
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                if sitemap.locs.is_empty() {
                    return Err(format!(
                        "not a sitemap: XML error at byte {}: {e}",
                        reader.error_position()
                    ));
                }
                // A truncated or slightly broken sitemap still names useful pages.
                break;
            }
        }
    }
    if sitemap.kind.is_none() {
        return Err("not a sitemap: no <urlset> or <sitemapindex> element".to_string());
    }
    Ok(sitemap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlset_with_entities() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://s.example/a?x=1&amp;y=2 </loc><lastmod>2026-01-01</lastmod></url>
  <url><loc><![CDATA[https://s.example/b]]></loc></url>
</urlset>"#;
        let sitemap = parse(xml).unwrap();
        assert_eq!(sitemap.kind.as_deref(), Some("urlset"));
        assert_eq!(
            sitemap.locs,
            ["https://s.example/a?x=1&y=2", "https://s.example/b"]
        );
    }

    #[test]
    fn gzipped_index() {
        use std::io::Write;
        let xml =
            b"<sitemapindex><sitemap><loc>https://s.example/s1.xml</loc></sitemap></sitemapindex>";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(xml).unwrap();
        let sitemap = parse(&gz.finish().unwrap()).unwrap();
        assert_eq!(sitemap.kind.as_deref(), Some("sitemapindex"));
        assert_eq!(sitemap.locs, ["https://s.example/s1.xml"]);
    }

    #[test]
    fn a_file_is_read_up_to_the_protocol_cap() {
        let mut xml = String::from("<urlset>");
        for i in 0..MAX_SITEMAP_URLS + 10 {
            xml.push_str(&format!("<url><loc>https://s.example/p{i}</loc></url>"));
        }
        xml.push_str("</urlset>");
        let sitemap = parse(xml.as_bytes()).unwrap();
        assert_eq!(sitemap.locs.len(), MAX_SITEMAP_URLS);
        assert!(sitemap.truncated);
        let long = format!(
            "<urlset><url><loc>https://s.example/{}</loc></url><url><loc>https://s.example/ok</loc></url></urlset>",
            "a".repeat(100_000)
        );
        assert_eq!(
            parse(long.as_bytes()).unwrap().locs,
            ["https://s.example/ok"]
        );
    }

    #[test]
    fn html_is_not_a_sitemap() {
        assert!(parse(b"<html><body>Not found</body></html>").is_err());
    }
}
