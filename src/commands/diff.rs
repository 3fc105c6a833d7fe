//! `cxaudit diff A B`: what changed on a shop between two stored audits. Both are judged again with one rule pack
//! first (no network), so that a changed rule never passes for a change on the shop.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::commands::load_checks;

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier audit: its folder, its audit.json, or its id in the history store.
    #[arg(required_unless_present = "previous")]
    before: Option<String>,
    /// The later audit (folder, audit.json or id).
    #[arg(required_unless_present = "previous")]
    after: Option<String>,
    /// Compare the newest two audits of this shop (host or URL) in the history store.
    #[arg(long, conflicts_with_all = ["before", "after"])]
    previous: Option<String>,
    #[command(flatten)]
    store: crate::commands::campaign::StoreArgs,
    /// The rule pack both are judged with (default: the bundled one).
    #[arg(long)]
    checks: Option<PathBuf>,
    /// Print the comparison as JSON.
    #[arg(long)]
    json: bool,
}

fn audit_json(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("audit.json")
    } else {
        path.to_path_buf()
    }
}

/// An audit named by a path, or by its id in the store (a number that is no file), and where its page facts are:
/// beside the audit.json given, or in the folder the stored audit was written to while it still holds them.
fn load(
    name: &str,
    store: &mut Option<Box<dyn cxaudit::store::Store>>,
    open: &dyn Fn() -> anyhow::Result<Box<dyn cxaudit::store::Store>>,
) -> anyhow::Result<(cxaudit::result::AuditResult, Option<PathBuf>)> {
    let path = Path::new(name);
    match name.parse::<i64>() {
        Ok(id) if !path.exists() => {
            if store.is_none() {
                *store = Some(open()?);
            }
            let store = store.as_ref().expect("opened above");
            let json = store
                .audit_json(id)?
                .ok_or_else(|| anyhow::anyhow!("no audit {id} in the store"))?;
            let facts = store.audit(id)?.and_then(|record| {
                cxaudit::audit::page_facts_in_folder(
                    Path::new(&record.folder?),
                    &record.started_at,
                    &record.finished_at,
                )
            });
            Ok((serde_json::from_slice(&json)?, facts))
        }
        _ => {
            let json_path = audit_json(path);
            let result = cxaudit::audit::read_result(&json_path).map_err(anyhow::Error::msg)?;
            Ok((result, Some(json_path)))
        }
    }
}

/// Judges a stored audit again with `checks` from its page facts (`facts`: its audit.json, the companion beside);
/// without them at hand (the history store keeps none, and the audit's folder is gone), it is kept as it was
/// judged: returns false.
pub fn rejudge_or_keep(
    result: &mut cxaudit::result::AuditResult,
    facts: Option<&Path>,
    checks: &cxaudit::rules::pack::Checks,
) -> anyhow::Result<bool> {
    match cxaudit::audit::rejudge(result, facts, checks) {
        Ok(()) => Ok(true),
        Err(cxaudit::audit::AuditError::NoPageFacts(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn run(args: DiffArgs, config_path: Option<&Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    let store_file = crate::commands::campaign::store_path(&args.store, &config);
    let open = || -> anyhow::Result<Box<dyn cxaudit::store::Store>> {
        Ok(cxaudit::store::open_existing(&store_file)?)
    };
    let mut store = None;
    let names: [String; 2] = match &args.previous {
        Some(shop) => {
            let host = crate::commands::history::host_of(shop);
            let opened = open()?;
            let audits = opened.audits(Some(&host))?;
            store = Some(opened);
            match audits.as_slice() {
                [.., before, after] => [before.id.to_string(), after.id.to_string()],
                _ => anyhow::bail!("{host} has fewer than two audits in the store"),
            }
        }
        None => [
            args.before.clone().unwrap_or_default(),
            args.after.clone().unwrap_or_default(),
        ],
    };
    let checks = load_checks(args.checks.as_deref())?;
    let pack = match &args.checks {
        Some(dir) => format!("the rule pack {}", dir.display()),
        None => format!(
            "the bundled rule pack of cxaudit {}",
            env!("CARGO_PKG_VERSION")
        ),
    };
    let mut judged = Vec::new();
    let mut as_judged = Vec::new();
    for name in &names {
        let (mut result, facts) = load(name, &mut store, &open)?;
        if !rejudge_or_keep(&mut result, facts.as_deref(), &checks)? {
            as_judged.push(name.clone());
        }
        judged.push(result);
    }
    let diff = cxaudit::diff::diff(&judged[0], &judged[1]);
    // An audit whose page facts are gone is compared as it was judged then: said, since a changed rule may then
    // pass for a change on the shop.
    let kept = (!as_judged.is_empty()).then(|| {
        format!(
            "audit {} as judged when it was made (its page facts are no longer kept)",
            as_judged.join(" and ")
        )
    });
    if args.json {
        let mut value = serde_json::to_value(&diff)?;
        value["rule_pack"] = serde_json::Value::String(pack);
        if !as_judged.is_empty() {
            value["as_judged_then"] = serde_json::json!(as_judged);
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let pack = match kept {
            Some(kept) => format!("{pack}; {kept}"),
            None => pack,
        };
        print!("{}", cxaudit::diff::render(&diff, &pack));
    }
    Ok(())
}
