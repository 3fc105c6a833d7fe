//! `cxaudit diff A B`: what changed on a shop between two stored audits. Both are judged again with one rule pack
//! first (no network), so that a changed rule never passes for a change on the shop.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::commands::load_checks;

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier audit: its folder or its audit.json.
    before: PathBuf,
    /// The later audit.
    after: PathBuf,
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

pub fn run(args: DiffArgs) -> anyhow::Result<()> {
    let checks = load_checks(args.checks.as_deref())?;
    let pack = match &args.checks {
        Some(dir) => format!("the rule pack {}", dir.display()),
        None => format!(
            "the bundled rule pack of cxaudit {}",
            env!("CARGO_PKG_VERSION")
        ),
    };
    let mut judged = Vec::new();
    for path in [&args.before, &args.after] {
        let path = audit_json(path);
        let mut result = cxaudit::audit::read_result(&path).map_err(anyhow::Error::msg)?;
        cxaudit::audit::rejudge(&mut result, &checks)?;
        judged.push(result);
    }
    let diff = cxaudit::diff::diff(&judged[0], &judged[1]);
    if args.json {
        let mut value = serde_json::to_value(&diff)?;
        value["rule_pack"] = serde_json::Value::String(pack);
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", cxaudit::diff::render(&diff, &pack));
    }
    Ok(())
}
