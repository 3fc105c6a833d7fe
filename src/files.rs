//! The one error type for the files a consultant writes or passes (settings, rule packs, lexicons, scenarios):
//! which file, where in it (the line, when the parser knows it) and why. Neutral: imports no stage.

/// (path relative to `checks/`, contents) of every file of the bundled rule pack and probe scenarios.
pub use bundled::BUNDLED as BUNDLED_CHECKS;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_checks.rs"));
}

/// A file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    /// Every problem of a set of files at once (a rule pack), each naming its file.
    #[error("{origin}: {} problem(s):\n  {}", .problems.len(), .problems.join("\n  "))]
    Problems {
        origin: String,
        problems: Vec<String>,
    },
}

impl FileError {
    pub fn read(path: &std::path::Path, source: std::io::Error) -> FileError {
        FileError::Read {
            path: path.display().to_string(),
            source,
        }
    }

    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> FileError {
        FileError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A TOML parse error as "line N: message", the line counted from the error's place in `text`.
pub fn toml_problem(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", error.message())
        }
        None => error.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_error_names_its_line() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Rule {
            id: String,
        }
        let text = "id = \"faq\"\n\nweigth = 3\n";
        let error = toml::from_str::<Rule>(text).unwrap_err();
        let problem = toml_problem(text, &error);
        assert!(problem.starts_with("line 3: "), "{problem}");
        assert!(problem.contains("weigth"), "{problem}");
    }
}
