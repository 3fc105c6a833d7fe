//! Words as data: a rule pack that adds a language (German here) gives a German report with no code change, and
//! counts read with real plural forms ("1 requête simultanée", never "requête(s)").

use std::path::Path;

mod common;
use common::{copy_of_bundled_checks, cxaudit, run_ok};

/// Adds `de` beside every `en` of a TOML table's per-language texts (`{ fr = …, en = … }`), marked so the test
/// can tell the German pack's words from the fallbacks.
fn add_german(value: &mut toml::Value) {
    match value {
        toml::Value::Table(table) => {
            let en = table.get("en").and_then(|v| v.as_str()).map(str::to_string);
            if let (Some(en), true) = (en, table.contains_key("fr")) {
                table.insert("de".into(), toml::Value::String(format!("[de] {en}")));
            }
            for (_, v) in table.iter_mut() {
                add_german(v);
            }
        }
        toml::Value::Array(items) => items.iter_mut().for_each(add_german),
        _ => {}
    }
}

fn germanise_file(path: &Path) {
    let mut value: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    add_german(&mut value);
    std::fs::write(path, toml::to_string(&value).unwrap()).unwrap();
}

#[test]
fn a_pack_that_adds_german_renders_a_german_report() {
    let pack = copy_of_bundled_checks();
    for entry in std::fs::read_dir(pack.path().join("rules")).unwrap() {
        germanise_file(&entry.unwrap().path());
    }
    germanise_file(&pack.path().join("categories.toml"));
    germanise_file(&pack.path().join("key-pages.toml"));
    // The German catalogue: every English message, marked; German counts take the singular for 1 only.
    let en: toml::Table =
        toml::from_str(&std::fs::read_to_string(pack.path().join("messages/en.toml")).unwrap())
            .unwrap();
    let mut de = toml::Table::new();
    de.insert(
        "plural".into(),
        toml::Value::Table(toml::Table::from_iter([(
            "one".to_string(),
            toml::Value::Array(vec![toml::Value::Integer(1)]),
        )])),
    );
    let messages: toml::Table = en["messages"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                toml::Value::String(format!("[de] {}", v.as_str().unwrap())),
            )
        })
        .collect();
    assert!(!messages.is_empty(), "the bundled catalogue has messages");
    de.insert("messages".into(), toml::Value::Table(messages));
    std::fs::write(
        pack.path().join("messages/de.toml"),
        toml::to_string(&de).unwrap(),
    )
    .unwrap();
    // The report's own words in German: a partial table, the rest falls back to English.
    let templates = tempfile::tempdir().unwrap();
    let bundled = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates/strings.toml"),
    )
    .unwrap();
    std::fs::write(
        templates.path().join("strings.toml"),
        format!(
            "{bundled}\n[de]\nplural_one = [1]\nreport_title = \"Audit der Kundenbeziehung\"\n\
             priorities = \"Die fünf Prioritäten\"\npriorities_many = \"Die {{n}} Prioritäten\"\n\
             status_fail = \"Nicht erfüllt\"\n"
        ),
    )
    .unwrap();

    let out = tempfile::tempdir().unwrap();
    run_ok(
        cxaudit()
            .args(["audit", "--demo", "-q", "--report-lang", "de", "--checks"])
            .arg(pack.path())
            .arg("--templates")
            .arg(templates.path())
            .arg("-o")
            .arg(out.path()),
    );
    let audit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("audit.json")).unwrap())
            .unwrap();
    for check in audit["checks"].as_array().unwrap() {
        let finding = check["finding"]["de"].as_str().unwrap_or_default();
        assert!(
            finding.starts_with("[de] "),
            "{}: the finding in German comes from the German catalogue: {finding:?}",
            check["id"]
        );
        assert!(check["rule"]["title"]["de"]
            .as_str()
            .is_some_and(|t| t.starts_with("[de] ")));
    }
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("lang=\"de\""), "the page says its language");
    assert!(html.contains("Audit der Kundenbeziehung"));
    // The heading counts what it lists (four for the demo shop), in the German table's words.
    assert!(
        regex::Regex::new(r"Die (fünf|\d) Prioritäten")
            .unwrap()
            .is_match(&html),
        "the German heading of the priorities"
    );
    assert!(
        html.contains("[de] "),
        "rule titles and findings are German"
    );
    // Nothing French leaks into the German report's own words.
    assert!(!html.contains("Les cinq priorités"));
}

#[test]
fn counts_read_with_plural_forms_in_the_report() {
    let out = tempfile::tempdir().unwrap();
    run_ok(
        cxaudit()
            .args([
                "audit",
                "--demo",
                "-q",
                "--concurrency",
                "1",
                "--report-lang",
                "fr",
                "-o",
            ])
            .arg(out.path()),
    );
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("1 requête simultanée"), "singular for 1");
    assert!(html.contains("10 clics de profondeur"), "plural for 10");
    assert!(!html.contains("(s)"), "no « (s) » in the report");
}
