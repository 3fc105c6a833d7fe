//! `cxaudit report`: re-render the report files from a stored audit.json, without crawling.

use std::path::PathBuf;

use clap::Args;

use crate::cli::outputs::{self, Format, Look, ReportLook};

#[derive(Args)]
pub struct ReportArgs {
    /// The audit.json to render.
    audit: PathBuf,
    /// Where the HTML report goes; the other formats take its name. Default: report.html beside the audit.json.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// The report's language (default: the config's, else fr).
    #[arg(long)]
    lang: Option<String>,
    /// What to write, comma-separated: html, csv (one row per rule), md (a summary), pdf.
    #[arg(long, value_delimiter = ',', default_value = "html")]
    format: Vec<Format>,
    /// Also print the report to PDF (the same as adding pdf to --format).
    #[arg(long)]
    pdf: bool,
    #[command(flatten)]
    look: ReportLook,
    #[command(flatten)]
    store: crate::commands::campaign::StoreArgs,
}

pub fn run(args: ReportArgs, config_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let config = cxaudit::config::Config::load(config_path)?;
    let look = Look::resolve(&args.look, args.lang.as_deref(), &config)?;
    let mut formats = args.format.clone();
    if args.pdf {
        formats.push(Format::Pdf);
    }
    let result = cxaudit::audit::read_result(&args.audit).map_err(anyhow::Error::msg)?;
    let out = args
        .out
        .unwrap_or_else(|| args.audit.with_file_name("report.html"));
    let folder = args
        .audit
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let same = |a: &std::path::Path, b: &std::path::Path| {
        let canonical = |p: &std::path::Path| {
            let p = if p.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                p
            };
            std::fs::canonicalize(p).ok()
        };
        canonical(a).is_some_and(|a| Some(a) == canonical(b))
    };
    let out_folder = out.parent().map(|p| p.to_path_buf()).unwrap_or_default();
    // The audit's own report files are one set: re-rendering one re-renders those the folder holds, so an English
    // HTML never sits beside a French PDF, and the manifest is written again over all of them.
    let in_audit_folder =
        same(&folder, &out_folder) && out.file_name() == Some(std::ffi::OsStr::new("report.html"));
    if in_audit_folder {
        for held in outputs::formats_in(&folder) {
            if !formats.contains(&held) {
                formats.push(held);
            }
        }
    }
    let written = match outputs::write_formats(&result, &out, &formats, &look) {
        Ok(written) => written,
        Err(e) if in_audit_folder && formats.contains(&Format::Pdf) => {
            // The other files are written; a PDF of the previous rendering would contradict them.
            let stale = folder.join("report.pdf");
            if stale.exists() {
                std::fs::remove_file(&stale)?;
                eprintln!("warning: report.pdf removed: it no longer matched the report ({e:#})");
            }
            formats.retain(|f| *f != Format::Pdf);
            outputs::write_formats(&result, &out, &formats, &look)?
        }
        Err(e) => return Err(e),
    };
    for path in written {
        println!("{}", path.display());
    }
    if in_audit_folder {
        outputs::write_manifest(&folder)?;
        // The notes the report was rendered with are the shop's: the next audit starts from them.
        if let Err(e) = crate::commands::history::save_notes(&folder, &args.store, &config) {
            eprintln!("warning: the notes are in the report but not kept in the history: {e:#}");
        }
    }
    Ok(())
}
