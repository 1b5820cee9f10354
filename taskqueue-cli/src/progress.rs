//! Progress on long work: a bar or a spinner on stderr, on a terminal only,
//! never with `--quiet`, never in JSON output. Server text in a message is
//! made terminal-safe.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::terminal::safe;

/// What the user is shown of long work, and what it has counted.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    done: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
}

impl Progress {
    fn new(bar: Option<ProgressBar>) -> Self {
        Progress {
            bar,
            done: Arc::default(),
            failed: Arc::default(),
        }
    }

    /// A bar over `total` items (done / total, rate, failures, time left), when `shown`.
    pub(crate) fn bar(total: u64, shown: bool) -> Self {
        let bar = shown.then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} {msg} ({elapsed}, ~{eta} left)")
            {
                bar.set_style(style);
            }
            bar.set_message("0 failed");
            bar
        });
        Progress::new(bar)
    }

    /// A spinner saying `message`, when `shown`.
    pub(crate) fn spinner(message: &str, shown: bool) -> Self {
        let bar = shown.then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.set_message(safe(message).into_owned());
            bar
        });
        Progress::new(bar)
    }

    /// One item more is done (and failed, when not `ok`).
    pub(crate) fn item(&self, ok: bool) {
        self.done.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(format!("{} failed", self.failed.load(Ordering::Relaxed)));
        }
    }

    /// Replaces the spinner's message.
    pub(crate) fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(safe(text).into_owned());
        }
    }

    /// Items done and failed so far.
    #[cfg(test)]
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.done.load(Ordering::Relaxed), self.failed.load(Ordering::Relaxed))
    }

    /// Takes the bar off the screen.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_counted_with_or_without_a_bar() {
        for shown in [false, true] {
            let progress = Progress::bar(3, shown);
            let reporter = progress.clone(); // what a callback holds
            reporter.item(true);
            reporter.item(false);
            reporter.item(true);
            assert_eq!(progress.counts(), (3, 1));
            progress.finish();
        }
    }
}
