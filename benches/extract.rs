//! Page-analysis throughput on one core, beside its floor: a bare `scraper` parse of the same pages in the same run.
//! `cargo bench --bench extract -- DIR [passes]` reads every `*.html` under DIR (a generated benchmark shop) into
//! memory, then times, best of the passes: (1) `Html::parse_document` alone, (2) page facts, (3) page facts plus
//! the site summary and the JSON line, as the crawl does per page.

use std::path::{Path, PathBuf};
use std::time::Instant;

use cxaudit::facts::observe;
use cxaudit::facts::{page, site};
use cxaudit::rules::pack::Checks;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

fn best_of(passes: usize, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut check = 0;
    for _ in 0..passes {
        let start = Instant::now();
        check = f();
        best = best.min(start.elapsed().as_secs_f64());
    }
    (best, check)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: cargo bench --bench extract -- SHOP_DIR [passes]");
        return;
    };
    let passes: usize = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(3);
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    let docs: Vec<(String, url::Url)> = files
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            let (text, _) = cxaudit::crawl::charset::decode(bytes, None);
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (
                text,
                url::Url::parse(&format!("http://127.0.0.1:8088/{rel}")).unwrap(),
            )
        })
        .collect();
    let megabytes = docs.iter().map(|(d, _)| d.len()).sum::<usize>() as f64 / 1e6;
    let checks = Checks::bundled();

    let (parse, nodes) = best_of(passes, || {
        docs.iter()
            .map(|(d, _)| scraper::Html::parse_document(d).tree.values().count())
            .sum()
    });
    let (facts, links) = best_of(passes, || {
        docs.iter()
            .map(|(d, base)| page::extract(d, base).1.len())
            .sum()
    });
    let (full, bytes) = best_of(passes, || {
        docs.iter()
            .map(|(d, base)| {
                let (facts, links) = page::extract(d, base);
                let summary = site::summarize(&facts, base, &checks.readers);
                let observation = observe::observe(&facts, base, Some(2), &checks.readers);
                std::hint::black_box((&summary, &observation));
                serde_json::to_string(&facts).unwrap().len() + links.len()
            })
            .sum()
    });
    let n = docs.len() as f64;
    println!("{} pages, {megabytes:.1} MB, best of {passes} (checks: {nodes} nodes, {links} links, {bytes} bytes)", docs.len());
    println!("| stage | ms per page | pages/s (one core) | × bare parse |");
    println!("|---|---|---|---|");
    for (name, secs) in [
        ("bare scraper parse", parse),
        ("page facts", facts),
        ("page facts + site summary + rule observations + JSON", full),
    ] {
        println!(
            "| {name} | {:.3} | {:.0} | {:.2} |",
            1000.0 * secs / n,
            n / secs,
            secs / parse
        );
    }
}
