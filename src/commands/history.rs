//! `cxaudit history [SHOP]` and `cxaudit show ID`: the audits the store remembers. Read only: never creates a store.

use clap::Args;

use cxaudit::store::Store;

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

fn open(
    store: &StoreArgs,
    config_path: Option<&std::path::Path>,
) -> anyhow::Result<Box<dyn Store>> {
    let config = cxaudit::config::Config::load(config_path)?;
    Ok(cxaudit::store::open_existing(&store_path(store, &config))?)
}

/// (rule id, status word, score) of every rule of an audit, as the history keeps them.
pub fn rule_rows(result: &cxaudit::result::AuditResult) -> Vec<(String, String, Option<f64>)> {
    result
        .checks
        .iter()
        .map(|c| {
            let status = serde_json::to_value(c.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            (c.id.clone(), status, c.score)
        })
        .collect()
}

/// A campaign reported into an audit's folder: the audit recorded there takes its results (audit.json, scores,
/// rules, the campaign's figures). Returns the audit's id; none when no recorded audit was written there.
pub fn record_campaign(
    folder: &std::path::Path,
    result: &cxaudit::result::AuditResult,
    store: &mut dyn Store,
) -> anyhow::Result<Option<i64>> {
    let Some(campaign) = &result.campaign else {
        return Ok(None);
    };
    let canonical = std::fs::canonicalize(folder)?;
    let Some(record) = store.audit_in_folder(&canonical.to_string_lossy())? else {
        return Ok(None);
    };
    store.attach_campaign(
        record.id,
        &cxaudit::store::CampaignUpdate {
            summary: cxaudit::figures::campaign_summary(campaign),
            audit_json: std::fs::read(folder.join("audit.json"))?,
            score: result.scores.overall,
            grade: result.scores.grade.clone(),
            rules: rule_rows(result),
        },
    )?;
    Ok(Some(record.id))
}

/// `https://shop.example/fr/` and `shop.example` name one shop: its host (and a port it gives).
pub fn host_of(shop: &str) -> String {
    let with_scheme = if shop.contains("://") {
        shop.to_string()
    } else {
        format!("https://{shop}")
    };
    url::Url::parse(&with_scheme)
        .ok()
        .filter(|u| u.host_str().is_some())
        .map(|u| cxaudit::target::shop_key(&u))
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
            "{:>4}  {}  {:<28} {:>5} {}  score {}{}{}",
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
            a.campaign
                .as_ref()
                .map(|c| format!(
                    "  campaign {}: {}",
                    c.id,
                    cxaudit::diff::replies_line(Some(c))
                ))
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
    if let Some(campaign) = &record.campaign {
        println!(
            "  campaign {}: {}",
            campaign.id,
            cxaudit::diff::replies_line(Some(campaign))
        );
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

/// What the consultant decided for a shop, as the audit applies it: the judgements and their attached files.
#[derive(Default)]
pub struct InForce {
    pub judgements: Vec<cxaudit::audit::Judgement>,
    /// (file name in the audit's folder, bytes).
    pub attachments: Vec<(String, Vec<u8>)>,
    /// The newest notes.toml saved for the shop, with the audit it was saved with.
    pub notes: Option<cxaudit::store::SavedNotes>,
}

impl InForce {
    /// Writes the attached files beside the report (the manifest, written after, covers them).
    pub fn write_attachments(&self, folder: &std::path::Path) -> anyhow::Result<()> {
        for (name, bytes) in &self.attachments {
            std::fs::write(folder.join(name), bytes)?;
        }
        Ok(())
    }
}

/// The judgements in force for a shop, as the audit applies them. No store: none.
pub fn judgements_in_force(
    host: &str,
    store: &StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<InForce> {
    let location = store_path(store, config);
    if !location.may_exist() {
        return Ok(InForce::default());
    }
    let store = cxaudit::store::open_existing(&location)?;
    let mut in_force = InForce {
        notes: store.notes(host, None)?,
        ..Default::default()
    };
    for o in store.overrides(host)? {
        let attachment = o.attachment.map(|a| {
            let name = cxaudit::audit::attachment_file_name(&o.rule, &a.name);
            in_force.attachments.push((name.clone(), a.bytes));
            name
        });
        in_force.judgements.push(cxaudit::audit::Judgement {
            status: status_of(&o.status),
            kind: if o.kind == "manual" {
                cxaudit::result::JudgementKind::Manual
            } else {
                cxaudit::result::JudgementKind::Override
            },
            rule: o.rule,
            reason: o.reason,
            by: o.by,
            at: o.created_at,
            evidence: o.evidence,
            tested_on: o.tested_on,
            attachment,
        });
    }
    Ok(in_force)
}

#[derive(Args)]
pub struct ManualArgs {
    /// The audit's id, as `history` lists it.
    id: i64,
    /// The rule the test judges (`phone-answered`, `chat-answered`, `checkout-assistance`...).
    rule: String,
    /// What the test showed.
    #[arg(long, value_parser = ["pass", "partial", "fail", "not_applicable"])]
    status: String,
    /// What was done and seen, as the report will say it ("called Tuesday 10:40, answered after 3 rings").
    #[arg(long)]
    note: String,
    /// Who made the test.
    #[arg(long)]
    by: String,
    /// The day of the test, YYYY-MM-DD (default: today).
    #[arg(long)]
    on: Option<String>,
    /// A file to keep with the test (a screenshot, a call log), at most 10 MiB; shown or linked in the report.
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// The rule pack to score with (default: the bundled one).
    #[arg(long)]
    checks: Option<std::path::PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

/// An attached file is kept in the store and copied into every report of the shop: bounded.
const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// A judgement as a command gives it.
struct GivenJudgement<'a> {
    id: i64,
    rule: &'a str,
    status: &'a str,
    reason: &'a str,
    by: &'a str,
    kind: &'static str,
    tested_on: Option<String>,
    attachment: Option<cxaudit::store::Attachment>,
    checks: Option<&'a std::path::Path>,
    store: &'a StoreArgs,
}

/// `cxaudit override ID RULE --status … --reason … --by …`: stored, applied to the audit's folder (its report
/// re-rendered) and to the shop's later audits while the rule sees the same.
pub fn override_rule(
    args: OverrideArgs,
    config_path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    record_judgement(
        GivenJudgement {
            id: args.id,
            rule: &args.rule,
            status: &args.status,
            reason: &args.reason,
            by: &args.by,
            kind: "override",
            tested_on: None,
            attachment: None,
            checks: args.checks.as_deref(),
            store: &args.store,
        },
        config_path,
    )
}

/// `cxaudit manual ID RULE --status … --note … --by … [--on DAY] [--file F]`: a test made by hand, kept and carried
/// over like an override.
pub fn manual(args: ManualArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let today = cxaudit::time::today();
    let tested_on = match &args.on {
        Some(day) => {
            let Ok(date) = day.parse::<jiff::civil::Date>() else {
                crate::commands::usage!("--on {day:?}: give the day of the test as YYYY-MM-DD");
            };
            if date > today {
                crate::commands::usage!("--on {day}: the test cannot be in the future");
            }
            date
        }
        None => today,
    };
    let attachment = match &args.file {
        Some(path) => {
            let size = std::fs::metadata(path)
                .map_err(|e| anyhow::anyhow!("--file {}: {e}", path.display()))?
                .len();
            if size > MAX_ATTACHMENT_BYTES {
                crate::commands::usage!(
                    "--file {}: {} MiB; attach at most 10 MiB (a screenshot, a call log)",
                    path.display(),
                    size / (1024 * 1024)
                );
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "file".into());
            Some(cxaudit::store::Attachment {
                name,
                bytes: std::fs::read(path)?,
            })
        }
        None => None,
    };
    record_judgement(
        GivenJudgement {
            id: args.id,
            rule: &args.rule,
            status: &args.status,
            reason: &args.note,
            by: &args.by,
            kind: "manual",
            tested_on: Some(tested_on.to_string()),
            attachment,
            checks: args.checks.as_deref(),
            store: &args.store,
        },
        config_path,
    )
}

fn record_judgement(
    given: GivenJudgement<'_>,
    config_path: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    let checks = crate::commands::load_checks(given.checks)?;
    let location = store_path(given.store, &config);
    // Writes a judgement, but only to a store that holds the audit: a missing one is not created.
    cxaudit::store::open_existing(&location)?;
    let mut store = cxaudit::store::open(&location)?;
    let Some(record) = store.audit(given.id)? else {
        anyhow::bail!("no audit {} in the store", given.id);
    };
    let json = store.audit_json(given.id)?.unwrap_or_default();
    let audit: cxaudit::result::AuditResult = serde_json::from_slice(&json)?;
    let Some(check) = audit.checks.iter().find(|c| c.id == given.rule) else {
        anyhow::bail!("audit {} has no rule {:?}", given.id, given.rule);
    };
    if given.reason.trim().is_empty() || given.by.trim().is_empty() {
        crate::commands::usage!(
            "say why and who (--reason or --note, and --by): the report shows both"
        );
    }
    store.add_override(&cxaudit::store::NewOverride {
        shop_host: record.shop_host.clone(),
        rule: given.rule.to_string(),
        status: given.status.to_string(),
        reason: given.reason.to_string(),
        by: given.by.to_string(),
        created_at: cxaudit::store::instant_text(cxaudit::time::now()),
        audit_id: given.id,
        evidence: check.evidence_fingerprint(),
        kind: given.kind.to_string(),
        tested_on: given.tested_on.clone(),
        attachment: given.attachment,
    })?;
    println!(
        "{}: {} on audit {} of {}, by {}{}",
        given.rule,
        given.status,
        given.id,
        record.shop_host,
        given.by,
        given
            .tested_on
            .map(|d| format!(", tested on {d}"))
            .unwrap_or_default()
    );
    // The audit's own folder follows, when it is still there.
    let Some(folder) = record.folder.map(std::path::PathBuf::from) else {
        return Ok(());
    };
    let json_path = folder.join("audit.json");
    if !json_path.exists() {
        return Ok(());
    }
    let in_force = judgements_in_force(&record.shop_host, given.store, &config)?;
    let mut result = cxaudit::audit::read_result(&json_path).map_err(anyhow::Error::msg)?;
    cxaudit::audit::apply_judgements(&mut result, &in_force.judgements, &checks);
    cxaudit::audit::write_result(&json_path, &result)?;
    in_force.write_attachments(&folder)?;
    rerender(&folder, &result, &config)?;
    println!("  applied to {}", folder.display());
    Ok(())
}

/// The folder's report files written again, in the language they were written in, and the manifest.
fn rerender(
    folder: &std::path::Path,
    result: &cxaudit::result::AuditResult,
    config: &cxaudit::config::Config,
) -> anyhow::Result<()> {
    let lang = std::fs::read_to_string(folder.join("report.html"))
        .ok()
        .and_then(|html| {
            let at = html.find("<html lang=\"")? + 12;
            Some(html[at..].split('"').next()?.to_string())
        });
    let look = crate::cli::outputs::Look::resolve(&Default::default(), lang.as_deref(), config)?;
    let formats = crate::cli::outputs::formats_in(folder);
    crate::cli::outputs::write_formats(result, &folder.join("report.html"), &formats, &look)?;
    crate::cli::outputs::write_manifest(folder)?;
    Ok(())
}

/// Keeps the folder's notes.toml in the store with the audit recorded there, when they differ from the newest kept.
/// No store, or a folder no recorded audit was written to: nothing to do.
pub fn save_notes(
    folder: &std::path::Path,
    store: &StoreArgs,
    config: &cxaudit::config::Config,
) -> anyhow::Result<()> {
    let Ok(toml) = std::fs::read_to_string(folder.join("notes.toml")) else {
        return Ok(());
    };
    let location = store_path(store, config);
    if !location.may_exist() {
        return Ok(());
    }
    let canonical = std::fs::canonicalize(folder)?;
    let Some(record) =
        cxaudit::store::open_existing(&location)?.audit_in_folder(&canonical.to_string_lossy())?
    else {
        return Ok(());
    };
    let mut store = cxaudit::store::open(&location)?;
    if store
        .notes(&record.shop_host, Some(record.id))?
        .is_some_and(|n| n.audit_id == record.id && n.toml == toml)
    {
        return Ok(());
    }
    store.save_notes(&cxaudit::store::SavedNotes {
        shop_host: record.shop_host,
        audit_id: record.id,
        saved_at: cxaudit::store::instant_text(cxaudit::time::now()),
        toml,
    })?;
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
    let location = store_path(&args.store, &config);
    cxaudit::store::open_existing(&location)?;
    let mut store = cxaudit::store::open(&location)?;
    let (audits, campaigns, replies) = store.forget_shop(&host)?;
    println!(
        "{host}: {audits} audits, {campaigns} campaigns and {replies} replies deleted from {}",
        location.describe()
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
    // The files the report links to and the notes it was rendered with, as the store keeps them.
    let mut facts_kept = false;
    if let Some(record) = store.audit(args.id)? {
        // The store keeps no page facts: the audit's own folder does, while it is there (`rejudge` needs them).
        if let Some(source) = record.folder.as_deref().and_then(|folder| {
            cxaudit::audit::page_facts_in_folder(
                std::path::Path::new(folder),
                &record.started_at,
                &record.finished_at,
            )
        }) {
            cxaudit::audit::carry_page_facts(&source, &json_path)?;
            facts_kept = true;
        }
        let in_force = judgements_in_force(&record.shop_host, &args.store, &config)?;
        for (name, bytes) in &in_force.attachments {
            let linked = result
                .checks
                .iter()
                .any(|c| c.consultant.as_ref().and_then(|j| j.attachment.as_ref()) == Some(name));
            if linked {
                std::fs::write(args.out.join(name), bytes)?;
            }
        }
        if let Some(notes) = store.notes(&record.shop_host, Some(args.id))? {
            std::fs::write(args.out.join("notes.toml"), notes.toml)?;
        }
    }
    let look = crate::cli::outputs::Look::resolve(&Default::default(), None, &config)?;
    let formats =
        crate::commands::chosen_formats(&[], &config, &[crate::cli::outputs::Format::Html])?;
    crate::cli::outputs::write_formats(&result, &args.out.join("report.html"), &formats, &look)?;
    crate::cli::outputs::write_manifest(&args.out)?;
    println!(
        "audit {} written to {}{}",
        args.id,
        args.out.display(),
        if facts_kept || result.crawl.counts.html_pages == 0 {
            ""
        } else {
            " (without its page facts: its folder is gone, so it can be read and re-rendered, not judged again)"
        }
    );
    Ok(())
}
