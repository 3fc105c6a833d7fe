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
pub fn host_of(shop: &str) -> String {
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

#[derive(Args)]
pub struct OverrideArgs {
    /// The audit's id, as `history` lists it.
    id: i64,
    /// The rule's id (`phone-every-page`).
    rule: String,
    /// The status the consultant gives it.
    #[arg(long, value_parser = ["pass", "partial", "fail", "not_applicable"])]
    status: String,
    /// Why, as the report will say it.
    #[arg(long)]
    reason: String,
    /// Who, as the report will name them.
    #[arg(long)]
    by: String,
    /// The rule pack to score with (default: the bundled one).
    #[arg(long)]
    checks: Option<std::path::PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

fn status_of(word: &str) -> cxaudit::result::CheckStatus {
    serde_json::from_value(serde_json::Value::String(word.to_string()))
        .unwrap_or(cxaudit::result::CheckStatus::NotApplicable)
}

/// The judgements in force for a shop, as the audit applies them. No store: none.
pub fn judgements_in_force(
    host: &str,
    store: &StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<Vec<cxaudit::audit::Judgement>> {
    use cxaudit::store::OverrideStore;
    let path = store_path(store, config);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let store = SqliteStore::open_existing(&path)?;
    Ok(store
        .overrides(host)?
        .into_iter()
        .map(|o| cxaudit::audit::Judgement {
            rule: o.rule,
            status: status_of(&o.status),
            reason: o.reason,
            by: o.by,
            at: o.created_at,
            evidence: o.evidence,
        })
        .collect())
}

/// `cxaudit override ID RULE --status … --reason … --by …`: stored, applied to the audit's folder (its report
/// re-rendered) and to the shop's later audits while the rule sees the same.
pub fn override_rule(
    args: OverrideArgs,
    config_path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use cxaudit::store::OverrideStore;
    let config = cxaudit::config::Config::load(config_path)?;
    let checks = crate::commands::load_checks(args.checks.as_deref())?;
    let path = store_path(&args.store, &config);
    // Writes a judgement, but only to a store that holds the audit: a missing one is not created.
    SqliteStore::open_existing(&path)?;
    let mut store = SqliteStore::open(&path)?;
    let Some(record) = store.audit(args.id)? else {
        anyhow::bail!("no audit {} in the store", args.id);
    };
    let json = store.audit_json(args.id)?.unwrap_or_default();
    let audit: cxaudit::result::AuditResult = serde_json::from_slice(&json)?;
    let Some(check) = audit.checks.iter().find(|c| c.id == args.rule) else {
        anyhow::bail!("audit {} has no rule {:?}", args.id, args.rule);
    };
    if args.reason.trim().is_empty() || args.by.trim().is_empty() {
        crate::commands::usage!("--reason and --by say why and who: the report shows both");
    }
    store.add_override(&cxaudit::store::NewOverride {
        shop_host: record.shop_host.clone(),
        rule: args.rule.clone(),
        status: args.status.clone(),
        reason: args.reason.clone(),
        by: args.by.clone(),
        created_at: cxaudit::store::instant_text(jiff::Timestamp::now()),
        audit_id: args.id,
        evidence: check.evidence_fingerprint(),
    })?;
    println!(
        "{}: {} on audit {} of {}, by {}",
        args.rule, args.status, args.id, record.shop_host, args.by
    );
    // The audit's own folder follows, when it is still there.
    let Some(folder) = record.folder.map(std::path::PathBuf::from) else {
        return Ok(());
    };
    let json_path = folder.join("audit.json");
    if !json_path.exists() {
        return Ok(());
    }
    let judgements = judgements_in_force(&record.shop_host, &args.store, &config)?;
    let mut result = cxaudit::audit::read_result(&json_path).map_err(anyhow::Error::msg)?;
    cxaudit::audit::apply_judgements(&mut result, &judgements, &checks);
    cxaudit::audit::write_result(&json_path, &result)?;
    // Re-rendered in the language it was written in.
    let lang = std::fs::read_to_string(folder.join("report.html"))
        .ok()
        .and_then(|html| {
            let at = html.find("<html lang=\"")? + 12;
            Some(html[at..].split('"').next()?.to_string())
        });
    let look = crate::cli::outputs::Look::resolve(&Default::default(), lang.as_deref(), &config)?;
    let formats = crate::cli::outputs::formats_in(&folder);
    crate::cli::outputs::write_formats(&result, &folder.join("report.html"), &formats, &look)?;
    crate::cli::outputs::write_manifest(&folder)?;
    println!("  applied to {}", folder.display());
    Ok(())
}

#[derive(Args)]
pub struct ForgetArgs {
    /// The shop's host or URL.
    shop: String,
    /// Required: the deletion cannot be undone.
    #[arg(long)]
    yes: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// `cxaudit forget SHOP --yes`: a client who leaves takes their history with them (the replies' personal data too).
pub fn forget(args: ForgetArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    let host = host_of(&args.shop);
    if !args.yes {
        crate::commands::usage!(
            "forget deletes every audit, judgement, campaign and reply of {host}: add --yes"
        );
    }
    let path = store_path(&args.store, &config);
    SqliteStore::open_existing(&path)?;
    let mut store = SqliteStore::open(&path)?;
    let (audits, campaigns, replies) = store.forget_shop(&host)?;
    println!(
        "{host}: {audits} audits, {campaigns} campaigns and {replies} replies deleted from {}",
        path.display()
    );
    Ok(())
}

#[derive(Args)]
pub struct ExportArgs {
    /// The audit's id, as `history` lists it.
    id: i64,
    /// The folder to write (it must not hold an audit.json already).
    #[arg(long, short = 'o')]
    out: std::path::PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

/// `cxaudit export ID -o DIR`: the audit's folder written again from the store (audit.json, report, manifest).
pub fn export(args: ExportArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    let store = open(&args.store, config_path)?;
    let json = store
        .audit_json(args.id)?
        .ok_or_else(|| anyhow::anyhow!("no audit {} in the store", args.id))?;
    if args.out.join("audit.json").exists() {
        anyhow::bail!(
            "{} already holds an audit: give an empty folder",
            args.out.display()
        );
    }
    std::fs::create_dir_all(&args.out)?;
    let json_path = args.out.join("audit.json");
    std::fs::write(&json_path, &json)?;
    let result = cxaudit::audit::read_result(&json_path).map_err(anyhow::Error::msg)?;
    let look = crate::cli::outputs::Look::resolve(&Default::default(), None, &config)?;
    let formats =
        crate::commands::chosen_formats(&[], &config, &[crate::cli::outputs::Format::Html])?;
    crate::cli::outputs::write_formats(&result, &args.out.join("report.html"), &formats, &look)?;
    crate::cli::outputs::write_manifest(&args.out)?;
    println!("audit {} written to {}", args.id, args.out.display());
    Ok(())
}
