//! Gather, then judge: `cxaudit rejudge` judges a stored audit again with a changed rule pack, with no network, and
//! gives exactly what a fresh audit of the same shop with that pack gives.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use serde_json::Value;

mod common;
use common::{copy_of_bundled_checks, cxaudit, edit, run_ok};

/// The sample shop served by `cxaudit demo-serve` on a free port, so that two audits see the same URLs.
struct DemoShop {
    child: Child,
    url: String,
}

impl DemoShop {
    fn start() -> DemoShop {
        let mut child = cxaudit()
            .args(["demo-serve", "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        DemoShop { child, url }
    }
}

impl Drop for DemoShop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One page at a time, so that pages come in the same order in both audits (the evidence is the first seen).
fn audit(url: &str, checks: Option<&Path>, out: &Path) -> Value {
    let mut command = cxaudit();
    command.args([
        "audit",
        url,
        "-q",
        "--concurrency",
        "1",
        "--country",
        "FR",
        "-o",
    ]);
    command.arg(out);
    if let Some(dir) = checks {
        command.arg("--checks").arg(dir);
    }
    run_ok(&mut command);
    read(&out.join("audit.json"))
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The audit of `folder` as cxaudit wrote it up to schema 3: each analysed page's facts inline in its record.
fn with_inline_facts(audit: &Value, folder: &Path) -> Value {
    let mut old = audit.clone();
    let mut lines = common::page_facts_lines(folder).into_iter();
    for page in old["crawl"]["pages"].as_array_mut().unwrap() {
        let page = page.as_object_mut().unwrap();
        let facts = match page.remove("analysed") {
            Some(Value::Bool(true)) => {
                let line = lines.next().unwrap();
                assert_eq!(line["url"], page["url"]);
                line["facts"].clone()
            }
            _ => Value::Null,
        };
        page.insert("facts".into(), facts);
    }
    assert!(lines.next().is_none(), "a line per analysed page");
    old
}

/// `value` with every array sorted: the same facts, whatever order the pages came in.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(canonical).collect();
            items.sort_by_key(|v| v.to_string());
            Value::Array(items)
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
        }
        other => other.clone(),
    }
}

fn check<'a>(audit: &'a Value, id: &str) -> Option<&'a Value> {
    audit["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
}

#[test]
fn rejudge_with_a_changed_pack_gives_what_a_fresh_audit_gives() {
    let shop = DemoShop::start();
    let work = tempfile::tempdir().unwrap();
    let first = audit(&shop.url, None, &work.path().join("first"));

    // The consultant's pack for one client: a weight changed, a rule switched off, a keyword added.
    let pack = copy_of_bundled_checks();
    let rules = pack.path().join("rules");
    edit(
        &rules.join("phone-every-page.toml"),
        "weight = 8",
        "weight = 2",
    );
    edit(
        &rules.join("channel-fax.toml"),
        "weight = 0.5",
        "weight = 0.5\nenabled = false",
    );
    edit(
        &rules.join("step-by-step-help.toml"),
        "patterns.fr = [\"etape 1\",",
        "patterns.fr = [\"meche coton\", \"etape 1\",",
    );

    let fresh = audit(&shop.url, Some(pack.path()), &work.path().join("fresh"));
    drop(shop);
    // The shop is gone: rejudging needs no network.
    let rejudged_dir = work.path().join("rejudged");
    run_ok(
        cxaudit()
            .arg("rejudge")
            .arg(work.path().join("first"))
            .arg("--checks")
            .arg(pack.path())
            .arg("-o")
            .arg(&rejudged_dir),
    );
    let rejudged = read(&rejudged_dir.join("audit.json"));

    // The changes show: they are not a no-op.
    assert!(check(&first, "channel-fax").is_some());
    assert!(
        check(&rejudged, "channel-fax").is_none(),
        "a disabled rule is not judged"
    );
    assert_eq!(check(&rejudged, "phone-every-page").unwrap()["weight"], 2.0);
    assert_ne!(
        check(&first, "step-by-step-help").unwrap()["score"],
        check(&rejudged, "step-by-step-help").unwrap()["score"],
        "the new keyword is found in the stored page facts"
    );
    assert_ne!(first["scores"], rejudged["scores"]);

    // And the rejudged audit is the fresh one, rule for rule and score for score. Pages arrive in a different
    // order in two crawls (concurrent fetches), so lists of pages are compared as sets.
    assert_eq!(rejudged["scores"], fresh["scores"]);
    for (a, b) in rejudged["checks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(fresh["checks"].as_array().unwrap())
    {
        assert_eq!(canonical(a), canonical(b), "{}", a["id"]);
    }
    assert_eq!(
        rejudged["checks"].as_array().unwrap().len(),
        fresh["checks"].as_array().unwrap().len()
    );
    assert_eq!(canonical(&rejudged["site"]), canonical(&fresh["site"]));
    assert_eq!(rejudged["target"], fresh["target"]);
    assert_eq!(
        rejudged["crawl"]["pages"].as_array().unwrap().len(),
        first["crawl"]["pages"].as_array().unwrap().len()
    );
    // The folder is whole: a report, the page facts it was judged from, and a manifest that covers them.
    assert!(rejudged_dir.join("report.html").is_file());
    assert_eq!(
        std::fs::read(rejudged_dir.join("pages.jsonl.gz")).unwrap(),
        std::fs::read(work.path().join("first/pages.jsonl.gz")).unwrap()
    );
    let manifest = std::fs::read_to_string(rejudged_dir.join("manifest.sha256")).unwrap();
    for file in ["audit.json", "report.html", "pages.jsonl.gz"] {
        assert!(manifest.contains(file), "{file}: {manifest}");
    }
    // Judged again there, it gives the same again: the copied facts are the audit's.
    run_ok(
        cxaudit()
            .arg("rejudge")
            .arg(&rejudged_dir)
            .arg("--checks")
            .arg(pack.path())
            .args(["--format", "json", "-q"]),
    );
    let again = read(&rejudged_dir.join("audit.json"));
    assert_eq!(again["scores"], rejudged["scores"]);
    assert_eq!(again["checks"], rejudged["checks"]);
}

#[test]
fn the_page_facts_are_beside_audit_json_and_a_rejudge_reads_them_to_the_same_checks() {
    let shop = DemoShop::start();
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("audit");
    let audited = audit(&shop.url, None, &folder);
    drop(shop);
    // audit.json keeps the page records, none of their facts; the companion a line per analysed page.
    let pages = audited["crawl"]["pages"].as_array().unwrap();
    assert!(
        pages.iter().all(|p| p.get("facts").is_none()),
        "no facts inline"
    );
    let analysed = pages.iter().filter(|p| p["analysed"] == true).count();
    assert_eq!(
        analysed as u64,
        audited["crawl"]["counts"]["html_pages"].as_u64().unwrap()
    );
    let lines = common::page_facts_lines(&folder);
    assert_eq!(lines.len(), analysed);
    assert!(lines.iter().all(|l| l["facts"]["text"].is_object()));
    // The manifest covers it: one changed byte in it is seen.
    let manifest = std::fs::read_to_string(folder.join("manifest.sha256")).unwrap();
    assert!(
        manifest.lines().any(|l| l.ends_with("  pages.jsonl.gz")),
        "{manifest}"
    );
    let verify = || {
        std::process::Command::new("sha256sum")
            .args(["-c", "--strict", "--quiet", "manifest.sha256"])
            .current_dir(&folder)
            .output()
            .unwrap()
    };
    assert!(verify().status.success());
    let companion = folder.join("pages.jsonl.gz");
    let kept = std::fs::read(&companion).unwrap();
    let mut altered = kept.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 1;
    std::fs::write(&companion, &altered).unwrap();
    let check = verify();
    assert!(!check.status.success());
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("pages.jsonl.gz: FAILED"),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    std::fs::write(&companion, &kept).unwrap();

    // Judged again in place with the same pack, from the companion: the same checks and site facts.
    run_ok(
        cxaudit()
            .arg("rejudge")
            .arg(&folder)
            .args(["--format", "json", "-q"]),
    );
    let judged = read(&folder.join("audit.json"));
    assert_eq!(judged["scores"], audited["scores"]);
    assert_eq!(judged["checks"], audited["checks"]);
    assert_eq!(judged["site"], audited["site"]);

    // A companion that is not this audit's is refused, not judged from.
    let lines_kept = std::fs::read(&companion).unwrap();
    let mut other = lines.clone();
    other.swap(0, 1);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for line in &other {
        use std::io::Write;
        writeln!(encoder, "{line}").unwrap();
    }
    std::fs::write(&companion, encoder.finish().unwrap()).unwrap();
    let output = cxaudit().arg("rejudge").arg(&folder).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("it is not this audit's"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Without it, rejudge says where the facts are.
    std::fs::remove_file(&companion).unwrap();
    let output = cxaudit().arg("rejudge").arg(&folder).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("pages.jsonl.gz"), "{stderr}");
    std::fs::write(&companion, lines_kept).unwrap();
}

#[test]
fn a_version_3_file_with_inline_facts_rejudges_and_comes_out_as_version_4_with_its_companion() {
    let shop = DemoShop::start();
    let work = tempfile::tempdir().unwrap();
    let current_dir = work.path().join("current");
    let current = audit(&shop.url, None, &current_dir);
    drop(shop);
    let mut old = with_inline_facts(&current, &current_dir);
    old["schema_version"] = 3.into();
    let folder = work.path().join("v3");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("audit.json"), old.to_string()).unwrap();
    // Read as it is: the report renders it.
    run_ok(
        cxaudit()
            .arg("report")
            .arg(folder.join("audit.json"))
            .args(["--lang", "en"]),
    );
    run_ok(
        cxaudit()
            .arg("rejudge")
            .arg(&folder)
            .args(["--format", "json", "-q"]),
    );
    let judged = read(&folder.join("audit.json"));
    assert_eq!(judged["schema_version"], cxaudit::result::SCHEMA_VERSION);
    assert_eq!(judged["scores"], current["scores"]);
    assert_eq!(judged["checks"], current["checks"]);
    assert_eq!(judged["site"], current["site"]);
    // Written again, the facts moved to the companion, as a fresh audit writes them.
    assert_eq!(judged["crawl"]["pages"], current["crawl"]["pages"]);
    assert_eq!(
        common::page_facts_lines(&folder),
        common::page_facts_lines(&current_dir)
    );
}

#[test]
fn rejudge_judges_a_version_2_file_with_page_facts_and_writes_the_current_version() {
    let shop = DemoShop::start();
    let work = tempfile::tempdir().unwrap();
    let current = audit(&shop.url, None, &work.path().join("v3"));
    drop(shop);
    // The same audit as cxaudit wrote it at schema version 2: one English label per term, no message keys.
    let mut old = with_inline_facts(&current, &work.path().join("v3"));
    old["schema_version"] = 2.into();
    for check in old["checks"].as_array_mut().unwrap() {
        let check = check.as_object_mut().unwrap();
        check.remove("message");
        check.remove("kind");
    }
    for list in ["payment_methods", "delivery_options", "chat_widgets"] {
        for signal in old["site"][list].as_array_mut().unwrap() {
            signal["label"] = signal["label"]["en"].clone();
        }
    }
    let folder = work.path().join("v2");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("audit.json"), old.to_string()).unwrap();
    run_ok(
        cxaudit()
            .arg("rejudge")
            .arg(&folder)
            .args(["--format", "json", "-q"]),
    );
    let judged = read(&folder.join("audit.json"));
    assert_eq!(judged["schema_version"], cxaudit::result::SCHEMA_VERSION);
    assert_eq!(judged["scores"], current["scores"]);
    assert_eq!(canonical(&judged["checks"]), canonical(&current["checks"]));
    assert_eq!(canonical(&judged["site"]), canonical(&current["site"]));
}

#[test]
fn a_version_2_file_without_page_facts_is_refused_with_what_to_do() {
    let work = tempfile::tempdir().unwrap();
    let v2 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/minimal-audit.json");
    assert_eq!(read(&v2)["schema_version"], 2);
    let path = work.path().join("audit.json");
    std::fs::copy(&v2, &path).unwrap();
    let before = std::fs::read(&path).unwrap();
    let output = cxaudit().arg("rejudge").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("audit the shop again"), "{stderr}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file is left as it was"
    );
    // `report` still opens it.
    run_ok(cxaudit().arg("report").arg(&path).args(["--lang", "en"]));
}

#[test]
fn rejudge_refuses_what_is_not_an_audit() {
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("audit.json");
    std::fs::write(&path, "{\"hello\": 1}").unwrap();
    let output = cxaudit().arg("rejudge").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a valid audit.json"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"hello\": 1}");
}
