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
    for path in outputs::write_formats(&result, &out, &formats, &look)? {
        println!("{}", path.display());
    }
    Ok(())
}
