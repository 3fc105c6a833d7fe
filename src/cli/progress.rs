//! The crawl's progress bar on stderr: shown only when stderr is a terminal, so logs and CI stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { bar: None };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} URLs crawled ({per_sec}) {wide_msg}")
                .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Bar { bar: Some(bar) }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl cxaudit::crawl::Progress for Bar {
    fn page_done(&self, url: &str, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            bar.set_message(url.to_string());
        }
    }
}
