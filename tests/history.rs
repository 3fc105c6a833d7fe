//! A shop audited twice, changed in between: `cxaudit diff` says what was fixed, what regressed and which pages
//! lost the phone, judged with one rule pack, so that a changed rule is never taken for a change on the shop.

mod common;

use std::sync::Arc;

use common::{cxaudit, run_ok};
use serde_json::Value;

fn shop(phone_on_products: bool, faq: bool, legal_notice: bool) -> Vec<(String, String)> {
    let phone = "<header><p>Service client : 04 72 00 11 22</p></header>";
    let footer = |extra: &str| {
        format!(
            "<footer><a href='/contact/'>Contact</a> · <a href='/mentions-legales/'>Mentions légales</a>{extra}</footer>"
        )
    };
    let faq_link = if faq {
        " · <a href='/faq/'>FAQ</a>"
    } else {
        ""
    };
    let mut pages = vec![
        ("/".to_string(), format!("{phone}<main><h1>Miels</h1><a href='/produit/acacia/'>Acacia</a> <a href='/produit/lavande/'>Lavande</a></main>{}", footer(faq_link))),
        ("/contact/".to_string(), format!("{phone}<main><h1>Contact</h1><p>Écrivez-nous : bonjour@miels.test</p></main>{}", footer(faq_link))),
    ];
    for product in ["acacia", "lavande"] {
        let header = if phone_on_products {
            phone
        } else {
            "<header></header>"
        };
        pages.push((
            format!("/produit/{product}/"),
            format!(
                "{header}<main><h1>Miel de {product}</h1><p>12,50 €</p></main>{}",
                footer(faq_link)
            ),
        ));
    }
    let legal = if legal_notice {
        "<h1>Mentions légales</h1><p>Miels de Provence SARL, capital 10 000 €, 12 rue des Abeilles, 13100 Aix-en-Provence. RCS Aix-en-Provence 732 829 320. Directeur de la publication : Jean Martin. Hébergeur : OVH SAS, 2 rue Kellermann, 59100 Roubaix.</p>"
    } else {
        "<h1>Mentions légales</h1><p>En cours de rédaction.</p>"
    };
    pages.push((
        "/mentions-legales/".to_string(),
        format!("<main>{legal}</main>{}", footer(faq_link)),
    ));
    if faq {
        let questions: String = [
            "Quels sont les délais de livraison ?",
            "Comment retourner un article ?",
            "Quels moyens de paiement acceptez-vous ?",
            "Comment suivre ma commande ?",
            "Puis-je modifier ma commande ?",
            "Le miel cristallise-t-il ?",
        ]
        .iter()
        .map(|q| format!("<h3>{q}</h3><p>Réponse.</p>"))
        .collect();
        pages.push((
            "/faq/".to_string(),
            format!(
                "<main><h1>Questions fréquentes</h1>{questions}</main>{}",
                footer(faq_link)
            ),
        ));
    }
    pages
}

async fn audited(
    pages: &[(String, String)],
    checks: Option<Arc<cxaudit::rules::pack::Checks>>,
) -> tempfile::TempDir {
    let result = common::audit_pages(pages, Some("FR"), checks).await;
    let dir = tempfile::tempdir().unwrap();
    cxaudit::audit::write_result(&dir.path().join("audit.json"), &result).unwrap();
    dir
}

/// The shop shows `pages`, and is audited with the CLI (`--country FR`, an English report) into a new folder,
/// recorded in the store `db`, the clock at `now` when given.
async fn audit_shop(
    server: &common::ChangingShop,
    pages: &[(String, String)],
    db: &std::path::Path,
    now: Option<&'static str>,
) -> tempfile::TempDir {
    server.show(pages);
    let out = tempfile::tempdir().unwrap();
    let (url, folder, db) = (server.url(), out.path().to_path_buf(), db.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let mut command = cxaudit();
        command
            .args([
                "audit",
                &url,
                "--country",
                "FR",
                "--report-lang",
                "en",
                "--quiet",
                "-o",
            ])
            .arg(&folder)
            .env("CXAUDIT_DB", &db);
        if let Some(now) = now {
            command.env("CXAUDIT_TEST_NOW", now);
        }
        run_ok(&mut command)
    })
    .await
    .unwrap();
    out
}

fn diff(before: &std::path::Path, after: &std::path::Path) -> Value {
    let output = run_ok(cxaudit().arg("diff").arg(before).arg(after).arg("--json"));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn ids(value: &Value, list: &str) -> Vec<String> {
    value[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_shop_gives_the_right_diff() {
    // A month apart: the phone left the product pages, a FAQ was added, the legal notice was emptied.
    let before = audited(&shop(true, false, true), None).await;
    let after = audited(&shop(false, true, false), None).await;
    let d = diff(before.path(), after.path());
    assert!(ids(&d, "fixed").contains(&"faq".to_string()), "{d:#}");
    // The phone was missing from one page already; now from the products too: still failing, and worse.
    let phone_rule = d["still_failing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "phone-every-page")
        .unwrap_or_else(|| panic!("{d:#}"));
    assert!(
        phone_rule["score_after"].as_f64() < phone_rule["score_before"].as_f64(),
        "{d:#}"
    );
    // The legal notice went from partly complete to empty: worse, failed now.
    let legal = d["changed"]
        .as_array()
        .unwrap()
        .iter()
        .chain(d["regressed"].as_array().unwrap())
        .find(|r| r["id"] == "legal-notice-complete")
        .unwrap_or_else(|| panic!("{d:#}"));
    assert_eq!(legal["after"], "fail", "{d:#}");
    assert!(
        d["key_pages"]["added"]
            .as_array()
            .unwrap()
            .contains(&Value::from("faq")),
        "{d:#}"
    );
    let phone = d["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "phone-every-page")
        .unwrap_or_else(|| panic!("{d:#}"));
    let lost: Vec<&str> = phone["lost"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(lost, ["/produit/acacia/", "/produit/lavande/"], "{d:#}");
    assert_eq!(phone["new_without"], serde_json::json!(["/faq/"]), "{d:#}");
    assert!(d["overall"]["change"].as_f64().is_some());
    assert!(d["rule_pack"].as_str().unwrap().contains("bundled"));

    // The same shop twice: nothing changed.
    let again = audited(&shop(true, false, true), None).await;
    let same = diff(before.path(), again.path());
    for list in ["fixed", "regressed", "changed", "newly_judged"] {
        assert!(ids(&same, list).is_empty(), "{list}: {same:#}");
    }
    assert!(same["pages"].as_array().unwrap().is_empty(), "{same:#}");
}

/// The second audit judged with a stricter pack: re-judged with one pack, the shop has not changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_pack_change_is_no_shop_change() {
    let strict = common::copy_of_bundled_checks();
    // A lenient pack: a phone on 60 % of the pages passes.
    common::edit(
        &strict.path().join("rules/phone-every-page.toml"),
        "pass_share = 0.98",
        "pass_share = 0.6",
    );
    let strict_pack = Arc::new(cxaudit::rules::pack::Checks::load(strict.path()).unwrap());
    let before = audited(&shop(true, false, true), None).await;
    let after = audited(&shop(true, false, true), Some(strict_pack)).await;
    let status = |dir: &tempfile::TempDir| -> String {
        let stored: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("audit.json")).unwrap())
                .unwrap();
        stored["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "phone-every-page")
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // As stored, the rule passed the second time only because the pack was lenient.
    assert_eq!(
        (status(&before).as_str(), status(&after).as_str()),
        ("partial", "pass")
    );
    let d = diff(before.path(), after.path());
    for list in ["fixed", "regressed", "changed", "newly_judged"] {
        assert!(ids(&d, list).is_empty(), "{list}: {d:#}");
    }
}

/// Every audit is remembered: `history` lists a shop's audits, `show` prints one, its audit.json kept as written.
#[test]
fn every_audit_is_recorded_and_listed() {
    let store = tempfile::tempdir().unwrap();
    let db = store.path().join("team.sqlite");
    // Read-only commands never create a store.
    let output = cxaudit()
        .arg("history")
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!db.exists());
    let mut folders = Vec::new();
    for _ in 0..2 {
        let out = tempfile::tempdir().unwrap();
        let output = run_ok(
            cxaudit()
                .args(["audit", "--demo", "-o"])
                .arg(out.path())
                .env("CXAUDIT_DB", &db),
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("history: audit "));
        folders.push(out);
    }
    let output = run_ok(cxaudit().args(["history", "--json"]).env("CXAUDIT_DB", &db));
    let audits: Value = serde_json::from_slice(&output.stdout).unwrap();
    let audits = audits.as_array().unwrap();
    assert_eq!(audits.len(), 2);
    let host = audits[0]["shop_host"].as_str().unwrap().to_string();
    assert_eq!(audits[0]["html_pages"], 13);
    assert!(audits[0]["score"].as_f64().is_some());
    // By host or URL; another shop has none.
    let output = cxaudit()
        .args(["history", &format!("http://{host}/")])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 2);
    let output = cxaudit()
        .args(["history", "other.example"])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("no audit recorded for other.example"));

    let id = audits[1]["id"].as_i64().unwrap();
    let output = cxaudit()
        .args(["show", &id.to_string(), "--json"])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(shown["rules"].as_array().unwrap().len() >= 39);
    assert!(shown["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "phone-every-page" && r["status"] == "pass"));
    let output = cxaudit()
        .args(["show", &id.to_string(), "--audit-json"])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    assert_eq!(
        output.stdout,
        std::fs::read(folders[1].path().join("audit.json")).unwrap()
    );
    // The store keeps the audit.json, which holds no page facts: its page facts stay in the folder.
    let stored: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(stored["crawl"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p.get("facts").is_none()));
    let output = cxaudit()
        .args(["show", "999"])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));

    // The newest two of a shop, or two ids: the same shop twice, nothing changed.
    for args in [
        vec!["diff", "--previous", host.as_str(), "--json"],
        vec!["diff", "1", "2", "--json"],
    ] {
        let output = cxaudit()
            .args(&args)
            .env("CXAUDIT_DB", &db)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let d: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(
            d["fixed"].as_array().unwrap().is_empty()
                && d["regressed"].as_array().unwrap().is_empty(),
            "{d:#}"
        );
    }
    let output = cxaudit()
        .args(["diff", "--previous", "other.example"])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));

    // The folder written again from the store alone.
    let exported = tempfile::tempdir().unwrap();
    run_ok(
        cxaudit()
            .args(["export", &id.to_string(), "-o"])
            .arg(exported.path())
            .env("CXAUDIT_DB", &db),
    );
    assert_eq!(
        std::fs::read(exported.path().join("audit.json")).unwrap(),
        std::fs::read(folders[1].path().join("audit.json")).unwrap()
    );
    assert!(exported.path().join("report.html").exists());
    // The audit's folder is still there: its page facts come along, so the export can be judged again.
    assert_eq!(
        std::fs::read(exported.path().join("pages.jsonl.gz")).unwrap(),
        std::fs::read(folders[1].path().join("pages.jsonl.gz")).unwrap()
    );
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "--strict", "manifest.sha256"])
        .current_dir(exported.path())
        .output()
        .unwrap();
    assert!(check.status.success());
    run_ok(
        cxaudit()
            .arg("rejudge")
            .arg(exported.path())
            .args(["-q", "--format", "json"]),
    );

    // The first audit's folder gone, its page facts are: the diff compares it as it was judged then, and says so.
    let first_folder = folders.remove(0);
    drop(first_folder);
    let output = run_ok(
        cxaudit()
            .args(["diff", "--previous", host.as_str(), "--json"])
            .env("CXAUDIT_DB", &db),
    );
    let d: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(d["as_judged_then"], serde_json::json!(["1"]), "{d:#}");
    assert!(d["fixed"].as_array().unwrap().is_empty(), "{d:#}");
    let output = run_ok(
        cxaudit()
            .args(["diff", "--previous", host.as_str()])
            .env("CXAUDIT_DB", &db),
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("as judged when it was made"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // Exported now, it says what it lacks.
    let exported = tempfile::tempdir().unwrap();
    let output = run_ok(
        cxaudit()
            .args(["export", "1", "-o"])
            .arg(exported.path())
            .env("CXAUDIT_DB", &db),
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("without its page facts"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(!exported.path().join("pages.jsonl.gz").exists());

    // --no-history records nothing.
    let out = tempfile::tempdir().unwrap();
    let output = cxaudit()
        .args(["audit", "--demo", "--no-history", "--quiet", "-o"])
        .arg(out.path())
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    assert!(output.status.success());
    let output = cxaudit()
        .args(["history", "--json"])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    let audits: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(audits.as_array().unwrap().len(), 2);

    // A client who leaves: nothing without --yes, then everything of the shop goes.
    let output = cxaudit()
        .args(["forget", &host])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = run_ok(
        cxaudit()
            .args(["forget", &host, "--yes"])
            .env("CXAUDIT_DB", &db),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("2 audits"));
    let output = cxaudit()
        .args(["history", "--json"])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    let audits: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(audits.as_array().unwrap().is_empty());
}

/// The second audit of a shop knows the first: its report says what was fixed and what got worse since, with the
/// findings then and now, and draws the score over the audits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_says_what_changed_since_the_last_audit() {
    let store = tempfile::tempdir().unwrap();
    let db = store.path().join("history.sqlite");
    let served = common::ChangingShop::serve(&[]).await;
    let mut reports = Vec::new();
    for pages in [shop(true, false, true), shop(false, true, false)] {
        let out = audit_shop(&served, &pages, &db, None).await;
        reports.push((
            std::fs::read_to_string(out.path().join("report.html")).unwrap(),
            out,
        ));
    }
    let first = &reports[0].0;
    assert!(first.contains("First audit of this site"));
    let second = &reports[1].0;
    let doc = scraper::Html::parse_document(second);
    let section: String = doc
        .select(&scraper::Selector::parse("#report-history").unwrap())
        .flat_map(|e| e.text())
        .collect();
    assert!(section.contains("Since the audit of"), "{section}");
    assert!(section.contains("Fixed since"), "{section}");
    assert!(section.contains("Worse since"), "{section}");
    let fixed: Vec<String> = doc
        .select(&scraper::Selector::parse("#report-history ul.fixed li a").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert!(fixed.contains(&"#faq".to_string()), "{fixed:?}");
    let regressed: Vec<String> = doc
        .select(&scraper::Selector::parse("#report-history ul.regressed li a").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert!(
        regressed.contains(&"#channel-postal-address".to_string()),
        "{regressed:?}"
    );
    assert!(section.contains("Then:") && section.contains("Now:"));
    // The score line has a point per audit.
    assert_eq!(
        doc.select(&scraper::Selector::parse("#report-history svg.trend circle").unwrap())
            .count(),
        2
    );
    assert!(!second.contains("First audit of this site"));
    // audit.json carries it for any re-render.
    let stored: Value = serde_json::from_str(
        &std::fs::read_to_string(reports[1].1.path().join("audit.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(stored["history"]["earlier"].as_array().unwrap().len(), 1);
    // With its history, the file keeps every page it had, and the page facts file a line per analysed page.
    assert_eq!(
        stored["crawl"]["pages"].as_array().unwrap().len() as u64,
        stored["crawl"]["counts"]["pages"].as_u64().unwrap()
    );
    let analysed: Vec<&str> = stored["crawl"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["analysed"] == true)
        .map(|p| p["url"].as_str().unwrap())
        .collect();
    let lines = common::page_facts_lines(reports[1].1.path());
    assert_eq!(
        lines
            .iter()
            .map(|l| l["url"].as_str().unwrap())
            .collect::<Vec<_>>(),
        analysed
    );
    assert!(lines.iter().all(|l| l["facts"].is_object()));
}

/// The consultant's judgement is part of the audit: two overrides on a first audit are shown as theirs, carried to
/// the next audit of the shop while what the rule sees is the same, and put back to review when it changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overrides_are_shown_and_carried_over_while_their_evidence_holds() {
    let store = tempfile::tempdir().unwrap();
    let db = store.path().join("history.sqlite");
    let served = common::ChangingShop::serve(&[]).await;
    let run = |args: Vec<String>, db: std::path::PathBuf| {
        tokio::task::spawn_blocking(move || {
            cxaudit()
                .args(&args)
                .env("CXAUDIT_DB", &db)
                .output()
                .unwrap()
        })
    };
    let first = audit_shop(&served, &shop(true, false, true), &db, None).await;
    for (rule, status, reason) in [
        (
            "channel-live-chat",
            "not_applicable",
            "A one-person workshop: customers call.",
        ),
        (
            "phone-every-page",
            "pass",
            "The page without the number is a print version.",
        ),
    ] {
        let args = [
            "override",
            "1",
            rule,
            "--status",
            status,
            "--reason",
            reason,
            "--by",
            "Claire Martin",
        ]
        .map(String::from)
        .to_vec();
        let output = run(args, db.clone()).await.unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // The first audit's own folder shows them at once.
    let report = std::fs::read_to_string(first.path().join("report.html")).unwrap();
    assert!(
        report.contains("Status set by Claire Martin on"),
        "the first report shows the judgement"
    );
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(first.path().join("audit.json")).unwrap())
            .unwrap();
    let check = |v: &Value, id: &str| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(check(&stored, "phone-every-page")["status"], "pass");
    assert_eq!(
        check(&stored, "phone-every-page")["consultant"]["tool_status"],
        "partial"
    );
    assert_eq!(
        check(&stored, "channel-live-chat")["status"],
        "not_applicable"
    );

    // A month later: the live chat is still missing (the judgement holds); the phone left more pages (to review).
    let second = audit_shop(&served, &shop(false, true, true), &db, None).await;
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(second.path().join("audit.json")).unwrap())
            .unwrap();
    let chat = check(&stored, "channel-live-chat");
    assert_eq!(chat["status"], "not_applicable", "{chat:#}");
    assert_eq!(chat["consultant"]["by"], "Claire Martin");
    assert!(chat["consultant"]["stale"].is_null() || chat["consultant"]["stale"] == false);
    let phone = check(&stored, "phone-every-page");
    assert_eq!(
        phone["status"], "partial",
        "the tool's status again: {phone:#}"
    );
    assert_eq!(phone["consultant"]["stale"], true);
    let report = std::fs::read_to_string(second.path().join("report.html")).unwrap();
    assert!(report.contains("Status set by Claire Martin on"));
    assert!(report.contains("To review: what the rule finds changed since Claire Martin"));
    assert!(report.contains("A one-person workshop: customers call."));
}

/// Two audits finishing at once write to one store: neither is lost, the file stays whole.
#[test]
fn two_processes_recording_at_once_lose_nothing() {
    let store = tempfile::tempdir().unwrap();
    let db = store.path().join("shared.sqlite");
    let outs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let children: Vec<std::process::Child> = outs
        .iter()
        .map(|out| {
            cxaudit()
                .args(["audit", "--demo", "--quiet", "-o"])
                .arg(out.path())
                .env("CXAUDIT_DB", &db)
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let status = child.wait_with_output().unwrap().status;
        assert!(status.success());
    }
    let output = cxaudit()
        .args(["history", "--json"])
        .env("CXAUDIT_DB", &db)
        .output()
        .unwrap();
    let audits: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(audits.as_array().unwrap().len(), 3);
    for audit in audits.as_array().unwrap() {
        let id = audit["id"].as_i64().unwrap().to_string();
        let output = cxaudit()
            .args(["show", &id, "--audit-json"])
            .env("CXAUDIT_DB", &db)
            .output()
            .unwrap();
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["crawl"]["counts"]["html_pages"], 13);
    }
}

/// A re-audit that read fewer pages (a lower page budget) says so before its setbacks: they may be the audit's.
#[test]
fn fewer_pages_read_is_said_before_the_setbacks() {
    let store = tempfile::tempdir().unwrap();
    let db = store.path().join("history.sqlite");
    let (whole, capped) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_ok(
        cxaudit()
            .args(["audit", "--demo", "--quiet", "-o"])
            .arg(whole.path())
            .env("CXAUDIT_DB", &db),
    );
    run_ok(
        cxaudit()
            .args(["audit", "--demo", "--max-pages", "6", "--quiet", "-o"])
            .arg(capped.path())
            .env("CXAUDIT_DB", &db),
    );
    let html = std::fs::read_to_string(capped.path().join("report.html")).unwrap();
    assert!(
        html.contains("Attention : cet audit a lu 6 pages, le précédent 13"),
        "the caveat is said"
    );
    let html = std::fs::read_to_string(whole.path().join("report.html")).unwrap();
    assert!(!html.contains("Attention : cet audit a lu"));
}

/// The consultant's month, end to end: an audit, an override and a phone-call test (with its log attached), notes
/// on the priorities; the shop changes; a month later (the clock set by `CXAUDIT_TEST_NOW`) the re-audit's report
/// says what changed, shows both judgements still in force with who, why and when, and reads right in Chromium.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_later_the_report_says_what_changed_with_the_judgements_in_force() {
    let store = tempfile::tempdir().unwrap();
    let db = store.path().join("history.sqlite");
    let served = common::ChangingShop::serve(&[]).await;
    let at = |now: &'static str, args: Vec<String>| {
        let db = db.clone();
        tokio::task::spawn_blocking(move || {
            run_ok(
                cxaudit()
                    .args(&args)
                    .env("CXAUDIT_DB", &db)
                    .env("CXAUDIT_TEST_NOW", now),
            )
        })
    };
    let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();

    let first = audit_shop(
        &served,
        &shop(true, false, true),
        &db,
        Some("2026-11-02T09:00:00Z"),
    )
    .await;
    at(
        "2026-11-03T10:00:00Z",
        words(&[
            "override",
            "1",
            "channel-live-chat",
            "--status",
            "not_applicable",
            "--reason",
            "A one-person workshop: customers call.",
            "--by",
            "Claire Martin",
        ]),
    )
    .await
    .unwrap();
    let call_log = store.path().join("call log.txt");
    std::fs::write(
        &call_log,
        "Tue 3 Nov 10:40, 3 rings, Paul, knew the stock.\n",
    )
    .unwrap();
    at(
        "2026-11-03T11:00:00Z",
        [
            "manual", "phone-answered", "--status", "pass", "--note",
            "Called on Tuesday at 10:40: answered at the third ring by a person who knew the stock.",
            "--by", "Claire Martin", "--on", "2026-11-03", "--file",
        ]
        .map(String::from)
        .into_iter()
        .chain([call_log.display().to_string()])
        .collect::<Vec<_>>()
        .into_iter()
        .enumerate()
        // `manual ID RULE`: the id goes after the subcommand.
        .flat_map(|(i, a)| if i == 0 { vec![a, "1".to_string()] } else { vec![a] })
        .collect(),
    )
    .await
    .unwrap();
    // A test cannot be dated after the day it is recorded.
    let future = cxaudit()
        .args([
            "manual",
            "1",
            "phone-answered",
            "--status",
            "pass",
            "--note",
            "n",
            "--by",
            "C",
            "--on",
            "2026-11-20",
        ])
        .env("CXAUDIT_DB", &db)
        .env("CXAUDIT_TEST_NOW", "2026-11-03T11:00:00Z")
        .output()
        .unwrap();
    assert_eq!(
        future.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&future.stderr)
    );
    let attachment = "attachment-phone-answered-call-log.txt";
    assert!(
        first.path().join(attachment).exists(),
        "the log is beside the first report"
    );
    let manifest = std::fs::read_to_string(first.path().join("manifest.sha256")).unwrap();
    assert!(manifest.contains(attachment), "and covered by its manifest");
    // Notes on the priorities, kept in the store when the report is rendered with them.
    std::fs::write(
        first.path().join("notes.toml"),
        "[[priority]]\nrule = \"legal-notice-complete\"\nnote = \"The owner will send the company details.\"\n",
    )
    .unwrap();
    at(
        "2026-11-03T12:00:00Z",
        vec![
            "report".into(),
            first.path().join("audit.json").display().to_string(),
        ],
    )
    .await
    .unwrap();

    // A month later the phone has left the product pages (the number itself is the same), a FAQ is there, and the
    // legal notice was emptied.
    let second = audit_shop(
        &served,
        &shop(false, true, false),
        &db,
        Some("2026-12-02T09:00:00Z"),
    )
    .await;
    let history: Value = serde_json::from_slice(
        &at("2026-12-02T10:00:00Z", words(&["history", "--json"]))
            .await
            .unwrap()
            .stdout,
    )
    .unwrap();
    let dates: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["finished_at"].as_str().unwrap()[..10])
        .collect();
    assert_eq!(dates, ["2026-11-02", "2026-12-02"]);

    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(second.path().join("audit.json")).unwrap())
            .unwrap();
    let check = |id: &str| {
        stored["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let chat = check("channel-live-chat");
    assert_eq!(chat["status"], "not_applicable", "{chat:#}");
    assert_eq!(chat["consultant"]["at"], "2026-11-03T10:00:00Z");
    let call = check("phone-answered");
    assert_eq!(call["status"], "pass", "the call still counts: {call:#}");
    assert_eq!(call["consultant"]["kind"], "manual");
    assert_eq!(call["consultant"]["tested_on"], "2026-11-03");
    assert!(call["consultant"]["stale"].is_null(), "{call:#}");
    let changes: Vec<(String, String)> = stored["history"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().into(),
                c["change"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        changes.contains(&("faq".into(), "fixed".into())),
        "{changes:?}"
    );
    // The shop's address was in the legal notice: it left the site with it.
    assert!(
        changes.contains(&("channel-postal-address".into(), "regressed".into())),
        "{changes:?}"
    );
    let diff: Value = serde_json::from_slice(
        &at(
            "2026-12-02T10:00:00Z",
            words(&["diff", "--previous", &served.key(), "--json"]),
        )
        .await
        .unwrap()
        .stdout,
    )
    .unwrap();
    let phone = diff["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "phone-every-page")
        .unwrap();
    assert_eq!(
        phone["lost"],
        serde_json::json!(["/produit/acacia/", "/produit/lavande/"])
    );
    assert!(
        second.path().join(attachment).exists(),
        "the log follows the test"
    );
    let notes = std::fs::read_to_string(second.path().join("notes.toml")).unwrap();
    assert!(notes.starts_with("# Carried over from audit 1"), "{notes}");
    assert!(notes.contains("The owner will send the company details."));

    // In Chromium: the section, its lists and its trend as a reader sees them.
    let html = std::fs::read_to_string(second.path().join("report.html")).unwrap();
    assert!(html.contains("Test made by hand by Claire Martin on 2026-11-03: Called on Tuesday"));
    assert!(html.contains("Status set by Claire Martin on 2026-11-03: A one-person workshop"));
    assert!(
        !html.contains("Not tested yet"),
        "a test made is not said untested"
    );
    let Some(browser) = common::chromium() else {
        return;
    };
    let url = format!("file://{}", second.path().join("report.html").display());
    let dom = tokio::task::spawn_blocking(move || {
        let profile = tempfile::tempdir().unwrap();
        let output = std::process::Command::new("timeout")
            .arg("60")
            .arg(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(&url)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    })
    .await
    .unwrap();
    let doc = scraper::Html::parse_document(&dom);
    let select = |css: &str| -> Vec<String> {
        let selector = scraper::Selector::parse(css).unwrap();
        doc.select(&selector)
            .map(|e| e.text().collect::<String>())
            .collect()
    };
    let links = |css: &str| -> Vec<String> {
        let selector = scraper::Selector::parse(css).unwrap();
        doc.select(&selector)
            .filter_map(|e| e.value().attr("href").map(str::to_string))
            .collect()
    };
    assert_eq!(
        links("#report-history ul.changes.fixed a"),
        ["#contact-depth", "#faq", "#order-tracking"]
    );
    assert_eq!(
        links("#report-history ul.changes.regressed a"),
        ["#channel-postal-address"]
    );
    // Each listed change says what was found then and what is found now.
    let regressed = select("#report-history ul.changes.regressed li").join(" ");
    assert!(
        regressed.contains("Then:") && regressed.contains("Now:"),
        "{regressed}"
    );
    let scores = select("#report-history svg.trend text.trend-score");
    assert_eq!(scores.len(), 2, "one point per audit: {scores:?}");
    let since = select("#report-history p.since").join(" ");
    assert!(since.contains("2026-11-02"), "{since}");
    let consultant = select("article#phone-answered p.consultant").join(" ");
    assert!(consultant.contains(attachment), "{consultant}");
    assert_eq!(links("article#phone-answered p.consultant a"), [attachment]);
}

/// A campaign reported into an audit lands in the history with it: `history` lists its figures, `diff` compares
/// them, and the next audit's report shows the replies audit after audit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_reported_into_an_audit_lands_in_its_history() {
    use cxaudit::store::{CampaignStore, Claim, NewCampaign, NewProbe, NewReply, ReplyStore};
    let store_dir = tempfile::tempdir().unwrap();
    let db = store_dir.path().join("history.sqlite");
    let served = common::ChangingShop::serve(&[]).await;
    let first = audit_shop(
        &served,
        &shop(true, true, true),
        &db,
        Some("2026-11-02T09:00:00Z"),
    )
    .await;

    // The campaign as sending and collecting leave it in the store: two probes out, one answered by a person 6 h on.
    let t = |text: &str| text.parse::<jiff::Timestamp>().unwrap();
    {
        let mut store = cxaudit::store::SqliteStore::open(&db).unwrap();
        let probes: Vec<NewProbe> = (1..=2)
            .map(|i| NewProbe {
                token: format!("TOKEN{i}"),
                to_addr: "bonjour@miels.test".into(),
                scenario: "delivery-question".into(),
                subject: "Délai de livraison".into(),
                body: "Bonjour, sous quel délai livrez-vous à Lyon ?".into(),
                message_id: format!("<cxaudit.token{i}@auditor.test>"),
                reply_to: None,
                send_after: t("2026-11-02T10:00:00Z"),
            })
            .collect();
        let campaign = store
            .create_campaign(
                &NewCampaign {
                    created_at: t("2026-11-02T09:30:00Z"),
                    shop_host: "127.0.0.1".into(),
                    audit_path: Some(first.path().join("audit.json").display().to_string()),
                    lang: "fr".into(),
                    country: Some("FR".into()),
                    persona_name: "Marie Dupont".into(),
                    persona_email: "auditor@auditor.test".into(),
                    promise_hours: Some(24.0),
                    promise_business: false,
                    promise_text: Some("Réponse sous 24h".into()),
                    opening_hours: None,
                    deadline_hours: 168.0,
                },
                &probes,
            )
            .unwrap();
        let claim = Claim {
            owner: "test".into(),
            until: t("2026-11-02T10:05:00Z"),
        };
        for probe in 1..=2 {
            store.claim_probe(probe, &claim).unwrap().unwrap();
            assert!(store
                .mark_sent(probe, "test", t("2026-11-02T10:00:00Z"), "250 ok")
                .unwrap());
        }
        store
            .add_reply(&NewReply {
                probe_id: 1,
                mailbox: "INBOX".into(),
                uidvalidity: 1,
                uid: 1,
                message_id: Some("answer.1@miels.test".into()),
                from_addr: Some("paul@miels.test".into()),
                subject: Some("Re: Délai de livraison".into()),
                arrived_at: t("2026-11-02T16:00:00Z"),
                received_at: None,
                class: cxaudit::store::ReplyClass::Human,
                matched_by: "in-reply-to".into(),
                quality: Some(
                    serde_json::to_string(&cxaudit::campaign::Quality::default()).unwrap(),
                ),
                text: "Bonjour Madame Dupont, sous 48 h. Paul".into(),
                stored_at: t("2026-11-02T16:01:00Z"),
            })
            .unwrap();
        assert_eq!(campaign, 1);
    }
    let reported = run_ok(
        cxaudit()
            .args([
                "campaign",
                "report",
                "--campaign",
                "1",
                "--as-of",
                "2026-11-12T10:00:00Z",
            ])
            .env("CXAUDIT_DB", &db),
    );
    let said = String::from_utf8_lossy(&reported.stdout);
    assert!(
        said.contains("recorded with audit 1 in the history"),
        "{said}"
    );
    let history: Value = serde_json::from_slice(
        &run_ok(cxaudit().args(["history", "--json"]).env("CXAUDIT_DB", &db)).stdout,
    )
    .unwrap();
    let campaign = &history[0]["campaign"];
    assert_eq!(
        (campaign["sent"].as_u64(), campaign["answered"].as_u64()),
        (Some(2), Some(1)),
        "{history:#}"
    );
    assert_eq!(campaign["median_human_delay_hours"], 6.0);
    let listed =
        String::from_utf8_lossy(&run_ok(cxaudit().arg("history").env("CXAUDIT_DB", &db)).stdout)
            .to_string();
    assert!(
        listed.contains("campaign 1: 1/2 answered by a person, median 6 h"),
        "{listed}"
    );
    // The stored audit is the one with the campaign in it: its rules on replies are judged.
    let shown: Value = serde_json::from_slice(
        &run_ok(
            cxaudit()
                .args(["show", "1", "--json"])
                .env("CXAUDIT_DB", &db),
        )
        .stdout,
    )
    .unwrap();
    let answered = shown["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "email-answered")
        .unwrap();
    assert_eq!(answered["status"], "partial", "{shown:#}");

    // A month later, no campaign yet: the replies of the last one are in the report's table, this one's "–".
    let second = audit_shop(
        &served,
        &shop(true, true, true),
        &db,
        Some("2026-12-02T09:00:00Z"),
    )
    .await;
    let html = std::fs::read_to_string(second.path().join("report.html")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let rows: Vec<String> = doc
        .select(&scraper::Selector::parse("table.replies-over-time tbody tr").unwrap())
        .map(|r| r.text().collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(
        rows,
        ["2026-11-02|1 / 2|6 h|6 h|24 h", "2026-12-02|–|–|–|–"],
        "{rows:?}"
    );
    let diff: Value = serde_json::from_slice(
        &run_ok(
            cxaudit()
                .args(["diff", "--previous", &served.key(), "--json"])
                .env("CXAUDIT_DB", &db),
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(
        diff["replies"]["before"]["answered"], 1,
        "{:#}",
        diff["replies"]
    );
    assert!(diff["replies"]["after"].is_null());
}
