//! The consultant's settings file, `cxaudit.toml`: found with `--config PATH`, `CXAUDIT_CONFIG`, or in the user's
//! config dir (`~/.config/cxaudit/cxaudit.toml` on Linux). Flags win over environment variables, which win over the
//! file. Unknown keys are errors: a misspelt setting must not be silently ignored.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A settings file that cannot be used: the one file error type.
pub type ConfigError = crate::files::FileError;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub report: ReportConfig,
    #[serde(default)]
    pub mail: MailConfig,
    #[serde(default)]
    pub campaign: CampaignConfig,
    #[serde(default)]
    pub crawl: CrawlConfig,
    #[serde(default)]
    pub store: StoreConfig,
    /// Where the file was read from; relative paths in it are relative to its folder.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// How reports look and which files an audit writes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// "fr" or "en".
    pub lang: Option<String>,
    /// Named on the cover: "Prepared by …".
    pub consultancy: Option<String>,
    /// A PNG, JPEG, GIF, WebP or SVG file, embedded in the report.
    pub logo: Option<PathBuf>,
    /// `#rrggbb`.
    pub accent: Option<String>,
    /// A folder of templates replacing the bundled ones of the same name.
    pub templates: Option<PathBuf>,
    /// What an audit writes beside audit.json: any of html, csv, md.
    pub formats: Option<Vec<String>>,
}

/// Where the history, campaigns, judgements and schedules are kept.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// A SQLite file, or a team's PostgreSQL (`postgres://user:pass@host/db`; the password is never printed).
    /// Wins over `[campaign] db`.
    pub url: Option<String>,
}

/// How the crawler presents itself.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlConfig {
    /// The `User-Agent` header (robots.txt groups are still matched for `cxaudit`).
    pub user_agent: Option<String>,
    /// `auto`, `always` or `never`: when pages are rendered in headless Chromium (`--render`).
    pub render: Option<String>,
}

/// The auditor's mailbox. Each is overridden by its environment variable; passwords live in the URLs and are never
/// printed, logged or stored.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://user:pass@host:587` (STARTTLS required), `smtps://…:465` (TLS), `…?tls=none` for a plain loopback
    /// server. `CXAUDIT_SMTP_URL`.
    pub smtp_url: Option<String>,
    /// `imap://user:pass@host:143/INBOX` (STARTTLS required), `imaps://…:993/INBOX`, `…?tls=none`.
    /// `CXAUDIT_IMAP_URL`.
    pub imap_url: Option<String>,
    /// `"Marie Dupont <marie@example.test>"`: the persona. `CXAUDIT_FROM`.
    pub from: Option<String>,
    /// Replies go to `local+TOKEN@domain` (the mailbox must accept plus addresses).
    #[serde(default)]
    pub plus_addressing: bool,
    /// A PEM certificate to trust besides the system's (a self-signed test server).
    pub ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for MailConfig {
    /// Never prints the URLs: they hold passwords.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("imap_url", &self.imap_url.as_ref().map(|_| "<set>"))
            .field("from", &self.from)
            .field("plus_addressing", &self.plus_addressing)
            .finish()
    }
}

/// Limits and defaults of mystery-shopper campaigns.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignConfig {
    /// The store (`CXAUDIT_DB`); default in the user's data dir.
    pub db: Option<PathBuf>,
    /// Probes one campaign may create for one shop.
    pub max_probes_per_shop: u32,
    /// Probes sent in any hour, all shops together.
    pub max_sends_per_hour: u32,
    /// A probe without a human answer after this many days is "no answer".
    pub deadline_days: f64,
    /// Replies (other people's words) are deleted from the store after this many days.
    pub retention_days: u32,
    /// Opening hours assumed when the shop publishes none: `mon-fri 09:00-18:00`.
    pub default_hours: String,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        CampaignConfig {
            db: None,
            max_probes_per_shop: 8,
            max_sends_per_hour: 20,
            deadline_days: 7.0,
            retention_days: 90,
            default_hours: "mon-fri 09:00-18:00".into(),
        }
    }
}

/// Logos above this size are refused: the report is e-mailed.
pub const MAX_LOGO_BYTES: u64 = 512 * 1024;

impl Config {
    /// Reads the file named by `explicit` (which must exist), else `CXAUDIT_CONFIG`, else the user's config file
    /// if there is one; no file means the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let from_env = std::env::var_os("CXAUDIT_CONFIG").map(PathBuf::from);
        match explicit.map(Path::to_path_buf).or(from_env) {
            Some(path) => Self::read(&path),
            None => match Self::default_path() {
                Some(path) if path.is_file() => Self::read(&path),
                _ => Ok(Config::default()),
            },
        }
    }

    /// `<user config dir>/cxaudit/cxaudit.toml`.
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("cxaudit").join("cxaudit.toml"))
    }

    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        config.origin = Some(path.to_path_buf());
        Ok(config)
    }

    /// The store the file names (`[store] url`, else `[campaign] db`), a relative file resolved against its folder.
    pub fn store_location(&self) -> Option<crate::store::Location> {
        use crate::store::Location;
        let named = self
            .store
            .url
            .as_deref()
            .map(Location::parse)
            .or_else(|| self.campaign.db.clone().map(Location::File))?;
        Some(match named {
            Location::File(path) => Location::File(self.resolve(&path)),
            server => server,
        })
    }

    /// A path written in the file, resolved against the file's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match self.origin.as_deref().and_then(Path::parent) {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }
}

/// A logo file as a `data:` URI, so the report needs nothing beside it.
pub fn logo_data_uri(path: &Path) -> Result<String, ConfigError> {
    use base64::Engine;
    let invalid = |message: String| ConfigError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let mime = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        _ => {
            return Err(invalid(
                "a logo must be .png, .jpg, .gif, .webp or .svg".into(),
            ))
        }
    };
    let read_error = |source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_LOGO_BYTES {
        return Err(invalid(format!(
            "the logo is {} KiB; at most {} KiB, the report is sent by e-mail",
            size / 1024,
            MAX_LOGO_BYTES / 1024
        )));
    }
    let bytes = std::fs::read(path).map_err(read_error)?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_key_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cxaudit.toml");
        std::fs::write(&path, "[report]\nconsultancey = \"X\"\n").unwrap();
        let err = Config::read(&path).unwrap_err().to_string();
        assert!(err.contains("consultancey"), "{err}");
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cxaudit.toml");
        std::fs::write(&path, "[report]\nlogo = \"brand/logo.png\"\n").unwrap();
        let config = Config::read(&path).unwrap();
        let logo = config.resolve(config.report.logo.as_deref().unwrap());
        assert_eq!(logo, dir.path().join("brand/logo.png"));
    }

    #[test]
    fn a_logo_becomes_a_data_uri_and_other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("logo.svg");
        std::fs::write(&svg, "<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
        let uri = logo_data_uri(&svg).unwrap();
        assert!(uri.starts_with("data:image/svg+xml;base64,PHN2Zy"), "{uri}");
        let exe = dir.path().join("logo.exe");
        std::fs::write(&exe, "MZ").unwrap();
        assert!(logo_data_uri(&exe).is_err());
        let big = dir.path().join("big.png");
        std::fs::write(&big, vec![0u8; MAX_LOGO_BYTES as usize + 1]).unwrap();
        assert!(logo_data_uri(&big).unwrap_err().to_string().contains("KiB"));
    }
}
