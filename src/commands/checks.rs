//! `cxaudit checks`: list a rule pack, or validate a folder of rule files.

use std::path::PathBuf;

use clap::Subcommand;

use cxaudit::rules::pack::Checks;

use crate::commands::load_checks;

#[derive(Subcommand)]
pub enum ChecksCommand {
    /// List the rules: id, category, weight, scope, detector, title.
    List {
        /// A folder of rule files instead of the bundled ones.
        #[arg(long)]
        checks: Option<PathBuf>,
        /// Titles in this language (fr, en).
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Check a folder of rule files: every problem is reported with its file; exit 1 if any.
    Validate {
        /// The folder (with key-pages.toml, categories.toml and rules/).
        dir: PathBuf,
    },
}

pub fn run(command: ChecksCommand) -> anyhow::Result<()> {
    match command {
        ChecksCommand::List { checks, lang } => {
            let checks = load_checks(checks.as_deref())?;
            println!(
                "{:<26} {:<14} {:>6}  {:<10} {:<24} TITLE",
                "ID", "CATEGORY", "WEIGHT", "SCOPE", "DETECTOR"
            );
            for rule in &checks.rules {
                let scope = serde_json::to_value(rule.scope)?;
                println!(
                    "{:<26} {:<14} {:>6}  {:<10} {:<24} {}{}",
                    rule.id,
                    rule.category,
                    rule.weight,
                    scope.as_str().unwrap_or_default(),
                    rule.detector,
                    rule.title.get(&lang),
                    if rule.enabled { "" } else { " (disabled)" }
                );
            }
            println!("{} rules from {}", checks.rules.len(), checks.origin);
            Ok(())
        }
        ChecksCommand::Validate { dir } => {
            let checks = Checks::load(&dir)?;
            let enabled = checks.rules.iter().filter(|r| r.enabled).count();
            let messages = checks
                .messages
                .by_lang
                .get("en")
                .map(|c| c.messages.len())
                .unwrap_or(0);
            println!(
                "{}: valid — {} rules ({enabled} enabled), {} categories, {} terms, {messages} messages; \
                 languages: {}",
                dir.display(),
                checks.rules.len(),
                checks.categories.len(),
                checks.readers.terms.len(),
                checks.languages.join(", ")
            );
            Ok(())
        }
    }
}
