//! `cxaudit rejudge`: judge a stored audit again with a rule pack (no network), into a new folder or in place,
//! with its report files and manifest re-rendered. The gathering is not repeated: the page facts are reused.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::cli::outputs::{self, Format, Look, ReportLook};
use crate::commands::{chosen_formats, load_checks};

#[derive(Args)]
pub struct RejudgeArgs {
    /// The audit folder or its audit.json.
    audit: PathBuf,
    /// The rule pack to judge with (default: the bundled one).
    #[arg(long)]
    checks: Option<PathBuf>,
    /// The folder for the judged audit. Default: the audit's own folder, rewritten in place.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// The report's language (default: the config's, else fr).
    #[arg(long)]
    report_lang: Option<String>,
    /// What to write besides audit.json, comma-separated (default: the config's formats, else html).
    #[arg(long, value_delimiter = ',')]
    format: Vec<Format>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    look: ReportLook,
}

pub fn run(args: RejudgeArgs, config_path: Option<&Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    let look = Look::resolve(&args.look, args.report_lang.as_deref(), &config)?;
    let formats = chosen_formats(&args.format, &config, &[Format::Json, Format::Html])?;
    let checks = load_checks(args.checks.as_deref())?;
    let source = if args.audit.is_dir() {
        args.audit.join("audit.json")
    } else {
        args.audit.clone()
    };
    let mut result = cxaudit::audit::read_result(&source).map_err(anyhow::Error::msg)?;
    let before = result.scores.overall;
    cxaudit::audit::rejudge(&mut result, Some(&source), &checks)?;
    let folder = match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => source
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    let json_path = folder.join("audit.json");
    // Into another folder, the page facts go too (first: a file of schema ≤ 3 writes its own there).
    cxaudit::audit::carry_page_facts(&source, &json_path)?;
    cxaudit::audit::write_result(&json_path, &result)?;
    outputs::write_formats(&result, &folder.join("report.html"), &formats, &look)?;
    outputs::write_manifest(&folder)?;
    if !args.quiet {
        let before = before
            .map(|s| format!("{s:.0}"))
            .unwrap_or_else(|| "–".into());
        println!(
            "{} judged again with {} ({} rules): score {before} before, now {}",
            source.display(),
            checks.origin,
            checks.rules.iter().filter(|r| r.enabled).count(),
            crate::commands::score_line(&result.scores)
        );
        println!("{}", json_path.display());
    }
    Ok(())
}
