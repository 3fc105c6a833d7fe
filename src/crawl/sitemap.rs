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
}

/// Decompressed sitemaps are capped: the protocol allows 50 MB, more is a trap or a bomb.
const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// Parses a sitemap body; gzip is recognised by its magic bytes, whatever the URL says.
pub fn parse(body: &[u8]) -> Result<Sitemap, String> {
    if body.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(body)
            .take(MAX_SITEMAP_BYTES)
            .read_to_end(&mut plain)
            .map_err(|e| format!("gzip: {e}"))?;
        return parse_xml(&plain);
    }
    parse_xml(body)
}

fn parse_xml(xml: &[u8]) -> Result<Sitemap, String> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut sitemap = Sitemap::default();
    let mut in_loc = false;
    let mut loc = String::new();
    loop {
        match reader.read_event() {
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
                if !value.is_empty() {
                    sitemap.locs.push(value.to_string());
                }
            }
            Ok(Event::Text(text)) if in_loc => {
                loc.push_str(&text.decode().map_err(|e| e.to_string())?)
            }
            Ok(Event::CData(text)) if in_loc => {
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
    fn html_is_not_a_sitemap() {
        assert!(parse(b"<html><body>Not found</body></html>").is_err());
    }
}
