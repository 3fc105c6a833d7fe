//! One module per subcommand, and the few helpers several of them share (formats, rule pack, start URL).

pub mod audit;
pub mod campaign;
pub mod checks;
pub mod daemon;
pub mod demo;
pub mod diff;
pub mod history;
pub mod rejudge;
pub mod report;
pub mod schedule;

use anyhow::Context;
use url::Url;

use cxaudit::rules::pack::Checks;

use crate::cli::outputs::Format;

/// A value the user gave that cannot be used (a country code, a colour): exit code 2, like clap's own errors.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Fails with a [`Usage`] error.
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err(anyhow::Error::new(crate::commands::Usage(format!($($arg)*))))
    };
}
pub(crate) use usage;

/// The formats asked for: the flag, else the config file's list, else `fallback`.
pub fn chosen_formats(
    flag: &[Format],
    config: &cxaudit::config::Config,
    fallback: &[Format],
) -> anyhow::Result<Vec<Format>> {
    use clap::ValueEnum;
    if !flag.is_empty() {
        return Ok(flag.to_vec());
    }
    match &config.report.formats {
        Some(names) => names
            .iter()
            .map(|n| {
                Format::from_str(n, true).map_err(|_| {
                    anyhow::anyhow!(
                        "cxaudit.toml: report.formats: {n:?} is not json, html, csv, md or pdf"
                    )
                })
            })
            .collect(),
        None => Ok(fallback.to_vec()),
    }
}

pub fn load_checks(dir: Option<&std::path::Path>) -> anyhow::Result<Checks> {
    Ok(match dir {
        Some(dir) => Checks::load(dir)?,
        None => Checks::bundled(),
    })
}

/// Accepts `shop.example` as well as `https://shop.example/`.
pub fn parse_start_url(raw: &str) -> anyhow::Result<Url> {
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = Url::parse(&with_scheme).with_context(|| format!("{raw:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        usage!("{raw:?}: only http:// and https:// sites can be audited");
    }
    Ok(url)
}

/// "score 91, grade A" (or "score –" when no rule applied), as the commands print it.
pub fn score_line(scores: &cxaudit::result::Scores) -> String {
    format!(
        "score {}{}",
        scores
            .overall
            .map(|s| format!("{s:.0}"))
            .unwrap_or_else(|| "–".into()),
        scores
            .grade
            .as_deref()
            .map(|g| format!(", grade {g}"))
            .unwrap_or_default()
    )
}
