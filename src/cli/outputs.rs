//! What an audit folder holds besides `audit.json`: the report in the formats asked for, and `manifest.sha256`
//! over all of it. Settings come from the flags, then the environment, then `cxaudit.toml`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use cxaudit::config::Config;
use cxaudit::report::{Branding, ReportOptions};
use cxaudit::result::AuditResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// audit.json, the record everything else is rendered from (always written by an audit).
    Json,
    /// report.html, the client's report.
    Html,
    /// report.csv, one row per rule.
    Csv,
    /// report.md, the summary for an e-mail or a ticket.
    Md,
    /// report.pdf, printed by headless Chromium.
    Pdf,
}

/// How the report reads and looks; each falls back to `cxaudit.toml`'s `[report]`.
#[derive(Args, Clone, Default)]
pub struct ReportLook {
    /// A folder of templates, partials or strings.toml replacing the bundled ones of the same name.
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// The consultancy named on the cover.
    #[arg(long, env = "CXAUDIT_CONSULTANCY")]
    pub consultancy: Option<String>,
    /// The cover's accent colour (#rrggbb).
    #[arg(long)]
    pub accent: Option<String>,
    /// A logo for the cover (.png, .jpg, .gif, .webp or .svg), embedded in the report.
    #[arg(long)]
    pub logo: Option<PathBuf>,
}

/// The settings resolved once, for every format.
pub struct Look {
    pub lang: String,
    pub templates: Option<PathBuf>,
    pub branding: Branding,
}

impl Look {
    pub fn resolve(
        flags: &ReportLook,
        lang: Option<&str>,
        config: &Config,
    ) -> anyhow::Result<Look> {
        let file = &config.report;
        let lang = lang.or(file.lang.as_deref()).unwrap_or("fr").to_string();
        // Any language the string table and the rule pack speak; the report says so when one is missing.
        if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
            crate::commands::usage!(
                "report language {lang:?}: a language code such as fr, en or de"
            );
        }
        let accent = flags.accent.clone().or(file.accent.clone());
        if let Some(accent) = &accent {
            let is_colour = accent.len() == 7
                && accent.starts_with('#')
                && accent[1..].chars().all(|c| c.is_ascii_hexdigit());
            if !is_colour {
                crate::commands::usage!(
                    "accent colour {accent:?}: write it #rrggbb, such as #1f4e79"
                );
            }
        }
        let logo = match (&flags.logo, &file.logo) {
            (Some(path), _) => Some(path.clone()),
            (None, Some(path)) => Some(config.resolve(path)),
            (None, None) => None,
        };
        let logo_data_uri = logo
            .map(|path| cxaudit::config::logo_data_uri(&path))
            .transpose()?;
        Ok(Look {
            lang,
            templates: flags
                .templates
                .clone()
                .or_else(|| file.templates.as_deref().map(|t| config.resolve(t))),
            branding: Branding {
                consultancy: flags.consultancy.clone().or(file.consultancy.clone()),
                logo_data_uri,
                accent,
            },
        })
    }

    fn options(&self) -> ReportOptions<'_> {
        ReportOptions {
            lang: &self.lang,
            templates: self.templates.as_deref(),
            branding: self.branding.clone(),
        }
    }
}

/// Writes `formats` (json excepted: the audit wrote it) next to `html`'s path, with its stem; returns the files.
pub fn write_formats(
    result: &AuditResult,
    html: &Path,
    formats: &[Format],
    look: &Look,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let write = |path: PathBuf, text: String| -> anyhow::Result<PathBuf> {
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    };
    let notes = consultant_notes(html.parent().unwrap_or(Path::new(".")))?;
    for note in &notes.priorities {
        if !result.checks.iter().any(|c| c.id == note.rule) {
            anyhow::bail!(
                "notes.toml: rule {:?} is not a rule of this audit",
                note.rule
            );
        }
    }
    // The PDF is printed from the HTML, so asking for it writes both.
    if formats.contains(&Format::Html) || formats.contains(&Format::Pdf) {
        let page = cxaudit::report::render_with_notes(result, &look.options(), &notes)?;
        written.push(write(html.to_path_buf(), page)?);
    }
    if formats.contains(&Format::Csv) {
        let csv = cxaudit::report::render_csv(result, &look.lang);
        written.push(write(html.with_extension("csv"), csv)?);
    }
    if formats.contains(&Format::Md) {
        let md = cxaudit::report::render_markdown(result, &look.options())?;
        written.push(write(html.with_extension("md"), md)?);
    }
    if formats.contains(&Format::Pdf) {
        let pdf = html.with_extension("pdf");
        print_to_pdf(html, &pdf)?;
        written.push(pdf);
    }
    Ok(written)
}

/// The consultant's `notes.toml` in the audit's folder (priorities ranked, dropped, annotated), if there is one;
/// a rule it names that the audit does not have is an error, as a typo would silently do nothing.
pub fn consultant_notes(folder: &Path) -> anyhow::Result<cxaudit::result::ConsultantNotes> {
    let path = folder.join("notes.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Default::default());
    };
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {}",
            path.display(),
            cxaudit::files::toml_problem(&text, &e)
        )
    })
}

/// `manifest.sha256` beside the artefacts (`sha256sum -c` format), so a client can check later that nothing changed.
/// The report formats a folder already holds (`report.html`, `report.csv`...): what a re-render rewrites.
pub fn formats_in(folder: &Path) -> Vec<Format> {
    [
        ("html", Format::Html),
        ("csv", Format::Csv),
        ("md", Format::Md),
        ("pdf", Format::Pdf),
    ]
    .into_iter()
    .filter(|(ext, _)| folder.join(format!("report.{ext}")).exists())
    .map(|(_, f)| f)
    .collect()
}

pub fn write_manifest(dir: &Path) -> anyhow::Result<()> {
    use sha2::{Digest, Sha256};
    let mut lines = String::new();
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n != "manifest.sha256" && !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        // Streamed: audit.json of a large shop runs to tens of megabytes.
        let mut hasher = Sha256::new();
        std::io::copy(&mut std::fs::File::open(dir.join(&name))?, &mut hasher)?;
        let digest = hasher.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        lines.push_str(&format!("{hex}  {name}\n"));
    }
    std::fs::write(dir.join("manifest.sha256"), lines)?;
    Ok(())
}

/// Prints `html` to `pdf` with headless Chromium (Debian's `chromium`), the report's own print CSS laying it out.
fn print_to_pdf(html: &Path, pdf: &Path) -> anyhow::Result<()> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .context(
            "a PDF needs Chromium, which is not installed (Debian: apt-get install chromium)",
        )?;
    let html = std::fs::canonicalize(html)?;
    let profile = std::env::temp_dir().join(format!("cxaudit-chromium-{}", std::process::id()));
    let status = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stderr(std::process::Stdio::null())
        .status()
        .with_context(|| format!("cannot run {browser}"))?;
    let _ = std::fs::remove_dir_all(&profile);
    if !status.success() || !pdf.exists() {
        bail!("{browser} could not print {} to PDF", html.display());
    }
    Ok(())
}
