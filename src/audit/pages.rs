//! The page facts' file beside `audit.json` ([`PAGE_FACTS_FILE`]): written one gzip member per page as the crawl
//! goes (each compressed on the analysing thread, so the crawl loop only appends bytes), read back line by line in
//! the order of `crawl.pages`, so that neither side ever holds more than one page's facts.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use crate::result::{AuditResult, PageFacts, PageFactsLine, PageRecord, PAGE_FACTS_FILE};

/// The page facts' file of the audit whose `audit.json` is `json_path`.
pub fn companion_of(json_path: &Path) -> PathBuf {
    json_path.with_file_name(PAGE_FACTS_FILE)
}

/// One page's facts as a gzip member of the companion file. Level 1: 5 times smaller already, and the cheapest
/// for the page phase (level 6 makes the file a third smaller for twice the CPU). serde's many small writes go
/// through a buffer (the encoder fed them one by one costs five times as much), not into one whole serialisation:
/// a page's facts are hundreds of kilobytes of JSON, and buffers that size, made and dropped at every page, leave
/// the allocator's heap in pieces (a 10,000-page audit peaked 30 MB higher).
pub fn compress(url: &str, facts: &PageFacts) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        url: &'a str,
        facts: &'a PageFacts,
    }
    const CHUNK: usize = 32 * 1024;
    /// A gzip member's header: deflate, no name, no time, unknown system.
    const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    thread_local! {
        /// The encoder's state (a quarter of a megabyte) is reset for each page, not made again.
        static DEFLATE: std::cell::RefCell<Option<flate2::write::DeflateEncoder<Vec<u8>>>> =
            const { std::cell::RefCell::new(None) };
    }
    DEFLATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let encoder = slot.get_or_insert_with(|| {
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast())
        });
        let mut member = Vec::with_capacity(CHUNK);
        member.extend_from_slice(&GZIP_HEADER);
        *encoder.get_mut() = member;
        let mut checked = flate2::CrcWriter::new(&mut *encoder);
        let mut out = std::io::BufWriter::with_capacity(CHUNK, &mut checked);
        serde_json::to_writer(&mut out, &Line { url, facts }).expect("page facts serialise");
        out.write_all(b"\n").expect("writing to memory");
        out.flush().expect("writing to memory");
        drop(out);
        let (crc, length) = (checked.crc().sum(), checked.crc().amount());
        // Finishes the member's deflate stream and leaves the state fresh for the next page.
        let mut member = encoder.reset(Vec::new()).expect("writing to memory");
        member.extend_from_slice(&crc.to_le_bytes());
        member.extend_from_slice(&length.to_le_bytes());
        member
    })
}

/// Writes the companion beside and renames it into place, as `audit.json` is.
pub(crate) struct FactsWriter {
    temp_path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl FactsWriter {
    pub(crate) fn create(json_path: &Path) -> std::io::Result<FactsWriter> {
        let temp_path = json_path.with_file_name(format!(".{PAGE_FACTS_FILE}.partial"));
        Ok(FactsWriter {
            out: std::io::BufWriter::new(std::fs::File::create(&temp_path)?),
            temp_path,
        })
    }

    /// Appends a page, already compressed by [`compress`].
    pub(crate) fn page(&mut self, member: &[u8]) -> std::io::Result<()> {
        self.out.write_all(member)
    }

    pub(crate) fn finish(mut self, json_path: &Path) -> std::io::Result<()> {
        self.out.flush()?;
        drop(self.out);
        std::fs::rename(&self.temp_path, companion_of(json_path))
    }

    pub(crate) fn abandon(self) {
        drop(self.out);
        let _ = std::fs::remove_file(&self.temp_path);
    }
}

/// Reads the companion's lines in order, each checked against the page record it belongs to.
pub struct FactsReader {
    path: PathBuf,
    lines: std::io::BufReader<flate2::read::MultiGzDecoder<std::io::BufReader<std::fs::File>>>,
    buffer: String,
}

impl FactsReader {
    /// The companion beside `json_path`; an error that says what to do when it is missing.
    pub fn open(json_path: &Path) -> Result<FactsReader, String> {
        let path = companion_of(json_path);
        let file = std::fs::File::open(&path).map_err(|e| {
            format!(
                "cannot read {}: {e} (the page facts of {} are kept there: copy the audit's whole folder)",
                path.display(),
                json_path.display()
            )
        })?;
        Ok(FactsReader {
            lines: std::io::BufReader::with_capacity(
                64 * 1024,
                flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)),
            ),
            path,
            buffer: String::new(),
        })
    }

    /// The facts of `record`, the next analysed page of `crawl.pages`.
    pub fn next_for(&mut self, record: &PageRecord) -> Result<PageFacts, String> {
        self.buffer.clear();
        let read = self
            .lines
            .read_line(&mut self.buffer)
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        if read == 0 {
            return Err(format!(
                "{} ends before the facts of {}: it is not this audit's",
                self.path.display(),
                record.url
            ));
        }
        let line: PageFactsLine = serde_json::from_str(&self.buffer)
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        if line.url != record.url {
            return Err(format!(
                "{} holds {} where audit.json has {}: it is not this audit's",
                self.path.display(),
                line.url,
                record.url
            ));
        }
        Ok(line.facts)
    }
}

/// Puts the companion's facts into the records of a result read from `json_path` (nothing to do for a file that
/// keeps them inline), each passed through `keep` first: a reader that needs a part of the facts (titles, JSON-LD)
/// holds only that part of a large shop's.
pub fn attach(
    json_path: &Path,
    result: &mut AuditResult,
    keep: impl Fn(&mut PageFacts),
) -> Result<(), String> {
    let mut reader: Option<FactsReader> = None;
    for record in result.crawl.pages.iter_mut() {
        if !record.analysed || record.facts.is_some() {
            continue;
        }
        let reader = match &mut reader {
            Some(reader) => reader,
            None => reader.insert(FactsReader::open(json_path)?),
        };
        let mut facts = reader.next_for(record)?;
        keep(&mut facts);
        record.facts = Some(Box::new(facts));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn pages_compressed_one_after_another_read_back_as_gzip_members() {
        let first = PageFacts {
            title: Some("Livraison offerte dès 50 €".into()),
            ..Default::default()
        };
        let mut second = PageFacts::default();
        second.text.main = "Contactez-nous du lundi au vendredi. ".repeat(5_000);
        let mut file = compress("https://shop.example/", &first);
        file.extend(compress("https://shop.example/contact", &second));
        // A fresh encoder compresses the same page to the same bytes as the reused one.
        let again = std::thread::spawn(move || compress("https://shop.example/contact", &second))
            .join()
            .unwrap();
        assert!(file.ends_with(&again));
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(file.as_slice())
            .read_to_string(&mut text)
            .expect("valid gzip, CRC and length included");
        let lines: Vec<PageFactsLine> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].url, "https://shop.example/");
        assert_eq!(lines[0].facts.title, first.title);
        assert_eq!(lines[1].facts.text.main.len(), 37 * 5_000);
    }
}
