//! `cxaudit history [SHOP]` and `cxaudit show ID`: the audits the store remembers. Read only: never creates a store.

use clap::Args;

use cxaudit::store::{HistoryStore, SqliteStore};

use crate::commands::campaign::{store_path, StoreArgs};

#[derive(Args)]
pub struct HistoryArgs {
    /// A shop's host or URL (default: every shop).
    shop: Option<String>,
    /// Print the list as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The audit's id, as `history` lists it.
    id: i64,
    /// Print it as JSON (the record and its rules; `--audit-json` for the whole audit.json).
    #[arg(long)]
    json: bool,
    /// Print the stored audit.json itself.
    #[arg(long, conflicts_with = "json")]
    audit_json: bool,
    #[command(flatten)]
    store: StoreArgs,
}

fn open(store: &StoreArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<SqliteStore> {
    let config = cxaudit::config::Config::load(config_path)?;
    Ok(SqliteStore::open_existing(&store_path(store, &config))?)
}

/// `https://shop.example/fr/` and `shop.example` name one shop: its host.
fn host_of(shop: &str) -> String {
    let with_scheme = if shop.contains("://") {
        shop.to_string()
    } else {
        format!("https://{shop}")
    };
    url::Url::parse(&with_scheme)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| shop.to_string())
}

pub fn history(args: HistoryArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let store = open(&args.store, config_path)?;
    let host = args.shop.as_deref().map(host_of);
    let audits = store.audits(host.as_deref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&audits)?);
        return Ok(());
    }
    if audits.is_empty() {
        println!(
            "no audit recorded{}",
            host.map(|h| format!(" for {h}")).unwrap_or_default()
        );
        return Ok(());
    }
    for a in &audits {
        println!(
            "{:>4}  {}  {:<28} {:>5} {}  score {}{}",
            a.id,
            a.finished_at
                .get(..16)
                .unwrap_or(&a.finished_at)
                .replace('T', " "),
            a.shop_host,
            a.html_pages,
            if a.html_pages == 1 { "page " } else { "pages" },
            a.score
                .map(|s| format!("{s:.0}"))
                .unwrap_or_else(|| "–".into()),
            a.grade
                .as_deref()
                .map(|g| format!(", grade {g}"))
                .unwrap_or_default(),
        );
    }
    Ok(())
}

pub fn show(args: ShowArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let store = open(&args.store, config_path)?;
    let Some(record) = store.audit(args.id)? else {
        anyhow::bail!("no audit {} in the store", args.id);
    };
    if args.audit_json {
        let json = store.audit_json(args.id)?.unwrap_or_default();
        use std::io::Write;
        std::io::stdout().write_all(&json)?;
        return Ok(());
    }
    let rules = store.audit_rules(args.id)?;
    if args.json {
        let rules: Vec<serde_json::Value> = rules
            .iter()
            .map(|(rule, status, score)| serde_json::json!({"rule": rule, "status": status, "score": score}))
            .collect();
        let mut value = serde_json::to_value(&record)?;
        value["rules"] = serde_json::Value::Array(rules);
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!(
        "audit {} — {} ({})",
        record.id, record.shop_host, record.start_url
    );
    println!(
        "  {} → {}, {} pages, score {}{}, cxaudit {}",
        record.started_at,
        record.finished_at,
        record.html_pages,
        record
            .score
            .map(|s| format!("{s:.0}"))
            .unwrap_or_else(|| "–".into()),
        record
            .grade
            .as_deref()
            .map(|g| format!(", grade {g}"))
            .unwrap_or_default(),
        record.tool_version
    );
    if let Some(folder) = &record.folder {
        println!("  folder {folder}");
    }
    for (rule, status, score) in &rules {
        println!(
            "    {rule:<28} {status:<15} {}",
            score.map(|s| format!("{s:.2}")).unwrap_or_default()
        );
    }
    Ok(())
}
