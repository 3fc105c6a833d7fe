//! The crawl's progress bar on stderr: shown only when stderr is a terminal, so logs and CI stay clean.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// `max_pages` is the crawl's budget: the bar runs against it, as no one knows a site's size beforehand.
    pub fn new(quiet: bool, max_pages: usize) -> Bar {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { bar: None };
        }
        let bar = ProgressBar::new(max_pages as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {bar:24} {pos} of at most {len} URLs · {rate} · at most {eta} left  {wide_msg}",
            )
            .expect("valid template")
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} URLs/s", state.per_sec());
                },
            ),
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
