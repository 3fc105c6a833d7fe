//! The `cxaudit` binary as a consultant runs it: the README's demo command, exit codes and error messages.

use serde_json::Value;

mod common;
use common::{copy_of_bundled_checks, cxaudit, edit, run_ok};

#[test]
fn demo_audit_writes_audit_json_and_a_summary() {
    let out = tempfile::tempdir().unwrap();
    let output = cxaudit()
        .args(["audit", "--demo", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Not a terminal: no progress bar, nothing on stderr for a log to trip on.
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The one-screen summary names what a consultant looks for first.
    assert!(stdout.contains("phone shown on 13 of 13 pages"), "{stdout}");
    assert!(stdout.contains("+33199004242"), "{stdout}");
    assert!(stdout.contains("broken links: 1"), "{stdout}");
    // Counted words agree with their count, and the summary names the report beside audit.json.
    assert!(stdout.contains("(linked from 1 page)"), "{stdout}");
    assert!(
        !stdout.contains(" 1 errors") && !stdout.contains(" 1 pages"),
        "{stdout}"
    );
    assert!(
        stdout.contains("report: ") && stdout.contains("report.html"),
        "{stdout}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("audit.json")).unwrap())
            .unwrap();
    assert_eq!(json["schema_version"], cxaudit::result::SCHEMA_VERSION);
    assert_eq!(json["crawl"]["counts"]["html_pages"], 13);
    assert_eq!(json["crawl"]["counts"]["sitemap_only"], 1);
    let cgv = json["crawl"]["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"].as_str().unwrap().ends_with("/cgv/"))
        .unwrap();
    assert_eq!(cgv["charset"]["name"], "windows-1252");
    // Its facts are in the page facts file beside, audit.json keeps the record.
    assert!(
        cgv.get("facts").is_none() && cgv["analysed"] == true,
        "{cgv}"
    );
    assert!(common::page_facts_of(out.path(), "/cgv/")["text"]["main"]
        .as_str()
        .unwrap()
        .contains("« Œuvre »"));
}

#[test]
fn unreachable_start_url_exits_1_with_a_clear_message() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = tempfile::tempdir().unwrap();
    let output = cxaudit()
        .args(["audit", &format!("http://127.0.0.1:{port}/"), "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot reach http://127.0.0.1:{port}/: connection failed"
        )),
        "{stderr}"
    );
    assert!(!out.path().join("audit.json").exists());
}

#[test]
fn usage_errors_exit_2() {
    let output = cxaudit().arg("audit").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = cxaudit()
        .args(["audit", "ftp://shop.example/"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("only http:// and https://"));
    // Values the flags cannot take are usage errors too, found before anything is crawled.
    for (flag, value, said) in [
        ("--country", "ZZ", "not an ISO 3166 country code"),
        ("--accent", "red", "write it #rrggbb"),
        ("--report-lang", "français", "a language code"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let output = cxaudit()
            .args(["audit", "--demo", flag, value, "-o"])
            .arg(out.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flag} {value}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(said),
            "{flag}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !out.path().join("audit.json").exists(),
            "{flag}: nothing crawled"
        );
    }
}

#[test]
fn a_plain_http_server_behind_https_is_a_tls_error() {
    // Something answers on the port, but speaks plain HTTP where TLS was expected.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            use std::io::{Read, Write};
            let mut stream = stream;
            let _ = stream.read(&mut [0u8; 1024]);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let out = tempfile::tempdir().unwrap();
    let output = cxaudit()
        .args(["audit", &format!("https://127.0.0.1:{port}/"), "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TLS/certificate error"), "{stderr}");
    assert!(stderr.contains("try the address with http://"), "{stderr}");
}

#[test]
fn a_consultant_adds_a_word_to_the_lexicon_without_rebuilding() {
    let checks = copy_of_bundled_checks();
    let bundled = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/checks/key-pages.toml"
    ))
    .unwrap();
    // The demo shop's "Qui sommes-nous ?" page is an about page; call it a store locator too, by its URL word.
    let edited = bundled.replace(
        r#"url = ["magasins","#,
        r#"url = ["qui-sommes-nous", "magasins","#,
    );
    assert_ne!(
        edited, bundled,
        "the store-locator line moved: update this test"
    );
    std::fs::write(checks.path().join("key-pages.toml"), edited).unwrap();
    let out = tempfile::tempdir().unwrap();
    run_ok(
        cxaudit()
            .args(["audit", "--demo", "-q", "--checks"])
            .arg(checks.path())
            .arg("-o")
            .arg(out.path()),
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("audit.json")).unwrap())
            .unwrap();
    let store = &json["site"]["key_page_candidates"]["store-locator"][0];
    assert!(
        store["url"]
            .as_str()
            .unwrap()
            .ends_with("/qui-sommes-nous/"),
        "{store}"
    );
    assert_eq!(store["matched_by"], serde_json::json!(["url"]));

    // A broken file is refused with its name, before any request is made.
    std::fs::write(
        checks.path().join("key-pages.toml"),
        "[contact]\ntext = 3\n",
    )
    .unwrap();
    let output = cxaudit()
        .args(["audit", "--demo", "--checks"])
        .arg(checks.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("key-pages.toml"));
}

fn audit_demo_with(checks: &std::path::Path) -> Value {
    let out = tempfile::tempdir().unwrap();
    run_ok(
        cxaudit()
            .args(["audit", "--demo", "-q", "--checks"])
            .arg(checks)
            .arg("-o")
            .arg(out.path()),
    );
    serde_json::from_str(&std::fs::read_to_string(out.path().join("audit.json")).unwrap()).unwrap()
}

fn check<'a>(audit: &'a Value, id: &str) -> Option<&'a Value> {
    audit["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
}

#[test]
fn a_consultant_reweights_and_switches_off_rules_without_rebuilding() {
    let checks = copy_of_bundled_checks();
    let before = audit_demo_with(checks.path());
    assert!(check(&before, "channel-fax").is_some());
    let rules = checks.path().join("rules");
    // Switch the fax rule off; give the FAQ rule (partial on the demo shop) all the weight of its category.
    edit(
        &rules.join("channel-fax.toml"),
        "detector =",
        "enabled = false\ndetector =",
    );
    edit(&rules.join("faq.toml"), "weight = 5", "weight = 500");
    let after = audit_demo_with(checks.path());
    assert!(
        check(&after, "channel-fax").is_none(),
        "a disabled rule is not judged"
    );
    assert_eq!(check(&after, "faq").unwrap()["weight"], 500.0);
    let self_service = |a: &Value| {
        a["scores"]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "self-service")
            .unwrap()["score"]
            .as_f64()
            .unwrap()
    };
    let faq_score = check(&after, "faq").unwrap()["score"].as_f64().unwrap() * 100.0;
    assert!(
        (self_service(&after) - faq_score).abs() <= 1.0,
        "the category is now (almost) the FAQ's score"
    );
    assert_ne!(self_service(&after), self_service(&before));
}

#[test]
fn checks_list_and_validate() {
    let output = cxaudit().args(["checks", "list"]).output().unwrap();
    assert!(output.status.success());
    let listing = String::from_utf8_lossy(&output.stdout);
    for id in [
        "phone-every-page",
        "mediator",
        "self-service-coverage",
        "spelling",
    ] {
        assert!(listing.contains(id), "{id} missing from:\n{listing}");
    }

    let checks = copy_of_bundled_checks();
    run_ok(cxaudit().args(["checks", "validate"]).arg(checks.path()));

    // A typo in a detector name, a weight that is not a number and a file named after no rule: all reported.
    let rules = checks.path().join("rules");
    let faq = std::fs::read_to_string(rules.join("faq.toml")).unwrap();
    edit(
        &rules.join("faq.toml"),
        "detector = \"faq\"",
        "detector = \"faqs\"",
    );
    edit(
        &rules.join("mediator.toml"),
        "weight = 4",
        "weight = \"heavy\"",
    );
    edit(
        &rules.join("payment-options.toml"),
        "label = { fr = \"Chèque\", en = \"Cheque\" }",
        "label = { fr = \"Chèque\" }",
    );
    // `\W` would be folded to `\w` with the rest of the pattern.
    edit(
        &rules.join("payment-options.toml"),
        "\"par virement\"",
        "\"par\\\\Wvirement\"",
    );
    std::fs::write(rules.join("renamed.toml"), faq).unwrap();
    let output = cxaudit()
        .args(["checks", "validate"])
        .arg(checks.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("rules/faq.toml: unknown detector \"faqs\""),
        "{stderr}"
    );
    assert!(stderr.contains("rules/mediator.toml"), "{stderr}");
    assert!(
        stderr.contains("rules/payment-options.toml: term \"cheque\": label.en is missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains("term \"transfer\": \\W in") && stderr.contains("[^a-z0-9]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rules/renamed.toml: id \"faq\" must be the file name"),
        "{stderr}"
    );
}

/// The page budget reached is said on the report's cover, in the client's words, with how much was left unread.
#[test]
fn the_cover_says_how_much_of_the_site_was_read() {
    let out = tempfile::tempdir().unwrap();
    run_ok(
        cxaudit()
            .args(["audit", "--demo", "--max-pages", "5", "--quiet", "-o"])
            .arg(out.path()),
    );
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let doc = scraper::Html::parse_document(&html);
    let limits: String = doc
        .select(&scraper::Selector::parse("#report-cover #report-limits").unwrap())
        .flat_map(|e| e.text())
        .collect();
    assert!(
        limits.contains("s'est arrêté à la limite fixée de 5 adresses"),
        "{limits}"
    );
    assert!(
        limits.contains("autres adresses connues du site n'ont pas été lues"),
        "{limits}"
    );

    // A whole site read: no such box.
    let whole = tempfile::tempdir().unwrap();
    let output = cxaudit()
        .args(["audit", "--demo", "--quiet", "-o"])
        .arg(whole.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let html = std::fs::read_to_string(whole.path().join("report.html")).unwrap();
    // Read whole: no budget reached, and its 404 is a broken link, not a page the audit missed; the page its
    // robots.txt excludes is said.
    assert!(
        !html.contains("limite fixée"),
        "the demo shop is read whole"
    );
    assert!(!html.contains("n'ont pas pu être lues") && !html.contains("n&#x27;a pas pu être lue"));
    assert!(html.contains("exclue par le fichier robots.txt"));
    // Times as a reader writes them, not RFC 3339.
    let raw_time = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d").unwrap();
    assert!(!raw_time.is_match(&html), "a raw timestamp in the report");
    assert!(regex::Regex::new(r"\d{4}-\d\d-\d\d à \d\d:\d\d UTC")
        .unwrap()
        .is_match(&html));
}

/// The crawler can present itself as the consultant chooses (flag, else config), one printable line only.
#[test]
fn the_user_agent_is_the_consultants_choice() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let recorded = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            use std::io::{BufRead, Write};
            let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some(agent) = line.to_ascii_lowercase().strip_prefix("user-agent:") {
                    recorded.lock().unwrap().push(agent.trim().to_string());
                }
                line.clear();
            }
            let body = "<html><body><p>Boutique</p></body></html>";
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let out = tempfile::tempdir().unwrap();
    run_ok(
        cxaudit()
            .args([
                "audit",
                &format!("http://127.0.0.1:{port}/"),
                "--no-sitemaps",
                "--quiet",
            ])
            .args([
                "--user-agent",
                "Mozilla/5.0 (compatible; ConseilDupont/1.0)",
                "-o",
            ])
            .arg(out.path()),
    );
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|a| a == "mozilla/5.0 (compatible; conseildupont/1.0)"),
        "{seen:?}"
    );
    let output = cxaudit()
        .args(["audit", "--demo", "--user-agent", "a\r\nX-Injected: 1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// Ctrl-C during a crawl says what became of the audit and leaves no hidden partial file behind.
#[test]
fn an_interrupted_audit_says_so_and_leaves_nothing_half_written() {
    // A server that accepts and never answers: the crawl is still waiting when the signal comes.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let out = tempfile::tempdir().unwrap();
    let child = cxaudit()
        .args([
            "audit",
            &format!("http://127.0.0.1:{port}/"),
            "--quiet",
            "-o",
        ])
        .arg(out.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The partial file exists once the crawl has begun.
    let partial = out.path().join(".audit.json.partial");
    for _ in 0..100 {
        if partial.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(partial.exists(), "the crawl began");
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("interrupted: no audit was written"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!partial.exists());
    assert!(!out.path().join("audit.json").exists());
}

/// The consultant reorders, drops and annotates priorities in `notes.toml` beside the audit; `report` follows it,
/// and a rule it names that the audit lacks is refused.
#[test]
fn the_consultant_ranks_drops_and_annotates_priorities() {
    let out = tempfile::tempdir().unwrap();
    let output = cxaudit()
        .args(["audit", "--demo", "--quiet", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let priorities = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        doc.select(&scraper::Selector::parse("#report-priorities li.priority h3 a").unwrap())
            .map(|a| {
                a.value()
                    .attr("href")
                    .unwrap()
                    .trim_start_matches('#')
                    .to_string()
            })
            .collect()
    };
    let before = priorities(&std::fs::read_to_string(out.path().join("report.html")).unwrap());
    assert!(before.len() >= 3, "{before:?}");
    let (first, third) = (before[0].clone(), before[2].clone());
    std::fs::write(
        out.path().join("notes.toml"),
        format!(
            "[[priority]]\nrule = \"{first}\"\ndrop = true\n\n[[priority]]\nrule = \"{third}\"\nrank = 1\nnote = \"Le gérant s'en occupe en janvier.\"\n"
        ),
    )
    .unwrap();
    run_ok(cxaudit().arg("report").arg(out.path().join("audit.json")));
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let after = priorities(&html);
    assert_eq!(after[0], third, "{after:?}");
    assert!(!after.contains(&first), "{after:?}");
    assert!(html.contains("Note du consultant :"));
    assert!(
        html.contains("Le gérant s&#x27;en occupe en janvier.")
            || html.contains("Le gérant s'en occupe en janvier.")
    );

    std::fs::write(
        out.path().join("notes.toml"),
        "[[priority]]\nrule = \"no-such-rule\"\ndrop = true\n",
    )
    .unwrap();
    let output = cxaudit()
        .arg("report")
        .arg(out.path().join("audit.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-rule"));
}

/// Replaces `from` with `to` in a rule file, as a consultant would.

#[test]
fn report_rerenders_from_audit_json_and_prints_to_pdf() {
    let out = tempfile::tempdir().unwrap();
    let audit = out.path().join("audit.json");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/minimal-audit.json"),
        &audit,
    )
    .unwrap();
    let has_chromium = std::process::Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut command = cxaudit();
    command.args(["report", "--lang", "en"]).arg(&audit);
    if has_chromium {
        command.arg("--pdf");
    } else if std::env::var("CXAUDIT_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("chromium is required (CXAUDIT_REQUIRE_BROWSER=1) but not installed");
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        html.contains("Customer relations audit"),
        "rendered in English"
    );
    if has_chromium {
        let pdf = std::fs::read(out.path().join("report.pdf")).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    // Re-rendered in French as HTML, CSV and Markdown: the PDF the folder holds follows, and the manifest covers
    // every file as it now is.
    run_ok(
        cxaudit()
            .args(["report", "--lang", "fr", "--format", "html,csv,md"])
            .arg(&audit),
    );
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "--strict", "manifest.sha256"])
        .current_dir(out.path())
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let manifest = std::fs::read_to_string(out.path().join("manifest.sha256")).unwrap();
    for name in ["audit.json", "report.html", "report.csv", "report.md"] {
        assert!(manifest.contains(&format!("  {name}\n")), "{manifest}");
    }
    if has_chromium {
        assert!(manifest.contains("  report.pdf\n"), "{manifest}");
        let pdf = std::fs::metadata(out.path().join("report.pdf")).unwrap();
        let html = std::fs::metadata(out.path().join("report.html")).unwrap();
        assert!(
            pdf.modified().unwrap() >= html.modified().unwrap(),
            "the PDF was printed again"
        );
    }
}

/// A consultant's `cxaudit.toml` brands the report and chooses the formats; every file lands in the manifest.
#[test]
fn the_config_file_brands_the_report_and_chooses_the_formats() {
    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join("cxaudit");
    std::fs::create_dir_all(config_dir.join("brand")).unwrap();
    std::fs::write(
        config_dir.join("brand/logo.svg"),
        "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>",
    )
    .unwrap();
    std::fs::write(
        config_dir.join("cxaudit.toml"),
        r##"[report]
lang = "en"
consultancy = "Conseil Dupont"
logo = "brand/logo.svg"
accent = "#8a1538"
formats = ["json", "html", "csv", "md"]
"##,
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    run_ok(
        cxaudit()
            // Found in the user's config dir, as on a consultant's machine.
            .env("XDG_CONFIG_HOME", home.path())
            .args(["audit", "--demo", "-q", "-o"])
            .arg(out.path()),
    );
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        html.contains("Customer relations audit"),
        "lang from the config"
    );
    assert!(html.contains("Conseil Dupont"));
    assert!(
        html.contains("src=\"data:image/svg+xml;base64,"),
        "logo embedded"
    );
    assert!(html.contains("#8a1538"));

    let audit: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("audit.json")).unwrap())
            .unwrap();
    let rules = audit["checks"].as_array().unwrap().len();
    let mut csv = csv::Reader::from_path(out.path().join("report.csv")).unwrap();
    let headers = csv.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), rules, "one row per rule");
    let phone = rows.iter().find(|r| &r[0] == "phone-every-page").unwrap();
    assert_eq!(&phone[2], "pass");

    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.starts_with("# Customer relations audit"), "{md}");
    let contact = audit["scores"]["categories"][0]["title"]["en"]
        .as_str()
        .unwrap();
    assert!(
        md.contains(&format!("| {contact} |")),
        "category table:\n{md}"
    );

    let manifest = std::fs::read_to_string(out.path().join("manifest.sha256")).unwrap();
    for file in ["audit.json", "report.html", "report.csv", "report.md"] {
        assert!(
            manifest.contains(&format!("  {file}\n")),
            "{file} in:\n{manifest}"
        );
    }

    // A flag wins over the file.
    let out = tempfile::tempdir().unwrap();
    let output = cxaudit()
        .env("XDG_CONFIG_HOME", home.path())
        .args(["audit", "--demo", "-q", "--format", "json", "-o"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(!out.path().join("report.html").exists());
    assert!(!out.path().join("report.csv").exists());
}

/// The report an audit writes is the one `cxaudit report` renders from its audit.json: nothing reaches the report
/// that the file does not hold.
#[test]
fn the_report_is_a_function_of_audit_json() {
    let out = tempfile::tempdir().unwrap();
    let status = cxaudit()
        .args([
            "audit",
            "--demo",
            "-q",
            "--format",
            "json,html,md,csv",
            "-o",
        ])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let again = out.path().join("again.html");
    let output = cxaudit()
        .arg("report")
        .arg(out.path().join("audit.json"))
        .args(["--format", "html,md,csv", "-o"])
        .arg(&again)
        .output()
        .unwrap();
    assert!(output.status.success());
    for ext in ["html", "md", "csv"] {
        let first = std::fs::read_to_string(out.path().join(format!("report.{ext}"))).unwrap();
        let second = std::fs::read_to_string(again.with_extension(ext)).unwrap();
        assert!(first == second, "report.{ext} differs when re-rendered");
    }
}

/// A misspelt setting or a bad colour is refused before any crawl, naming what is wrong.
#[test]
fn a_bad_config_fails_before_crawling() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cxaudit.toml");
    std::fs::write(&config, "[report]\nconsultancey = \"X\"\n").unwrap();
    let output = cxaudit()
        .args(["--config"])
        .arg(&config)
        .args(["audit", "http://127.0.0.1:9/"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("consultancey"), "{stderr}");
    assert!(
        !stderr.contains("connect"),
        "failed before crawling: {stderr}"
    );

    let output = cxaudit()
        .args(["audit", "http://127.0.0.1:9/", "--accent", "red"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("#rrggbb"));
}

/// `campaign start` takes a shop's URL and finds its latest audit under audits/; a dry run needs no mail server and
/// stores nothing.
#[test]
fn a_campaign_starts_from_the_shops_url() {
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("audits/example.test-2026-11-01");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/minimal-audit.json"),
        folder.join("audit.json"),
    )
    .unwrap();
    let db = work.path().join("store.sqlite");
    let run = |url: &str| {
        cxaudit()
            .current_dir(work.path())
            .env("CXAUDIT_FROM", "Marie Dupont <auditor@auditor.test>")
            .env("CXAUDIT_DB", &db)
            .args([
                "campaign",
                "start",
                url,
                "--to",
                "shop@shop.test",
                "--scenario",
                "order-tracking",
            ])
            .output()
            .unwrap()
    };
    let output = run("https://example.test/");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("To: shop@shop.test") && stdout.contains("dry run"),
        "{stdout}"
    );
    assert!(!db.exists(), "a dry run stores nothing");

    // A send time in the shop's week: the next Friday at 19:00 in Paris.
    let output = cxaudit()
        .current_dir(work.path())
        .env("CXAUDIT_FROM", "Marie Dupont <auditor@auditor.test>")
        .env("CXAUDIT_DB", &db)
        .args([
            "campaign",
            "start",
            "https://example.test/",
            "--to",
            "shop@shop.test",
        ])
        .args(["--scenario", "order-tracking", "--at", "fri-19:00"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The e-mail's Date is its planned send time, in the shop's zone.
    let date = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Date: "))
        .unwrap_or_else(|| panic!("{stdout}"));
    let local = jiff::fmt::rfc2822::parse(date.trim())
        .unwrap()
        .timestamp()
        .in_tz("Europe/Paris")
        .unwrap();
    assert_eq!(
        (local.weekday(), local.hour(), local.minute()),
        (jiff::civil::Weekday::Friday, 19, 0)
    );

    let output = run("https://unknown.test/");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no audit of unknown.test"));
}
