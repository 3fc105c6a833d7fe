//! Test helpers: fixture sites under `tests/sites/` served by cxaudit's own loopback server, and audits run
//! through the library exactly as the CLI runs them.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use cxaudit::serve::{self, Reply, Responder};

/// Every file of `tests/sites/<name>/`, as `(url path, content type, body)`; `{BASE}` is replaced by `base`.
pub fn site_files(name: &str, base: &str) -> Vec<(String, String, Bytes)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sites")
        .join(name);
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = format!(
                "/{}",
                path.strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            );
            let mut body = std::fs::read(&path).unwrap();
            if rel.ends_with(".xml") || rel.ends_with(".txt") {
                body = String::from_utf8(body)
                    .unwrap()
                    .replace("{BASE}", base)
                    .into_bytes();
            }
            let content_type = serve::content_type_for(&rel).to_string();
            (rel, content_type, Bytes::from(body))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Serves a fixture site; `special` answers first, for the paths it knows.
pub async fn serve_site(
    name: &'static str,
    special: impl Fn(&str) -> Option<Reply> + Send + Sync + 'static,
) -> serve::Server {
    serve::start(0, move |base| {
        let site = serve::static_site(site_files(name, base));
        let responder: Responder =
            Arc::new(move |path: &str| special(path).unwrap_or_else(|| site(path)));
        responder
    })
    .await
    .unwrap()
}
