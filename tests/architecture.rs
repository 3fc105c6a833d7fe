//! The layout's rules, checked on the source: no import cycle between the library's top-level modules, a
//! contract (`result`) that imports no stage, facts that never see the rules, a report that reads only the
//! contract, and SQL only in the store. Read from `crate::<module>` paths in code (comments are skipped).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules its code names.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        // The binary (main.rs and its cli/ and commands/) may wire anything together; lib.rs only declares.
        if ["main", "lib", "cli", "commands"].contains(&name.as_str()) {
            continue;
        }
        if path.is_file() && path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let deps = graph.entry(name.clone()).or_default();
        for file in rust_files(&path) {
            for module in named_modules(&std::fs::read_to_string(&file).unwrap()) {
                if module != name {
                    deps.insert(module);
                }
            }
        }
    }
    graph
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            files.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            files.push(p);
        }
    }
    files
}

/// The `x` of every `crate::x` in code lines (not in comments).
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let module: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` lists: rare here; the names inside braces are read one by one.
            if module.is_empty() && after.starts_with('{') {
                let inside = after[1..].split('}').next().unwrap_or_default();
                for item in inside.split(',') {
                    let item: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !item.is_empty() {
                        out.insert(item);
                    }
                }
            } else if module
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
            {
                out.insert(module);
            }
            rest = after;
        }
    }
    out
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next) {
                if let Some(cycle) = visit(next, graph, path, done) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = dependencies();
    assert!(graph.contains_key("result") && graph.contains_key("rules"));
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}\n{graph:#?}", cycle.join(" → "));
    }
}

#[test]
fn each_stage_imports_only_what_it_may() {
    let graph = dependencies();
    let deps = |m: &str| graph.get(m).cloned().unwrap_or_default();
    let forbidden = |module: &str, never: &[&str]| {
        let found: Vec<&str> = never
            .iter()
            .copied()
            .filter(|n| deps(module).contains(*n))
            .collect();
        assert!(found.is_empty(), "{module} must not import {found:?}");
    };
    assert!(
        deps("result").is_empty(),
        "the contract imports no stage: {:?}",
        deps("result")
    );
    forbidden(
        "facts",
        &["rules", "report", "campaign", "audit", "store", "crawl"],
    );
    forbidden("rules", &["crawl", "report", "store", "audit", "campaign"]);
    // Figures are pure functions of the contract, shared with the diff and the history.
    let report_may: BTreeSet<String> = ["result", "words", "figures"].map(String::from).into();
    let figures_may: BTreeSet<String> = ["result", "words"].map(String::from).into();
    assert!(
        deps("figures").is_subset(&figures_may),
        "figures read only the contract: {:?}",
        deps("figures")
    );
    assert!(
        deps("report").is_subset(&report_may),
        "the report reads only the contract: {:?}",
        deps("report")
    );
    forbidden("crawl", &["facts", "rules", "report", "campaign", "store"]);
}

#[test]
fn sql_lives_only_in_the_store() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for file in rust_files(&src) {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .to_string();
        if relative.starts_with("store") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("rusqlite"),
            "{relative} talks to SQLite: SQL belongs in src/store/"
        );
        assert!(
            !text.contains("postgres::"),
            "{relative} talks to PostgreSQL: SQL belongs in src/store/"
        );
    }
}

#[test]
fn the_checker_sees_a_cycle_and_an_import() {
    let text = "use crate::rules::pack::Checks;\n// crate::report in a comment\nlet x = crate::{facts, urlnorm};";
    let found = named_modules(text);
    assert_eq!(
        found,
        ["facts", "rules", "urlnorm"].map(String::from).into()
    );
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(find_cycle(&graph).unwrap(), ["a", "b", "a"]);
}
