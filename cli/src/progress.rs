//! Progress of an export on standard error: a bar on a terminal, a plain line every few
//! seconds otherwise, nothing with `--quiet`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a line is logged when standard error is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

enum Show {
    Bar(ProgressBar),
    Log { last: Instant },
    Quiet,
}

/// Counts of an export, shown as it goes.
pub struct Progress {
    show: Show,
    started: Instant,
    /// Items and pages exported before this run (from the state file).
    items_before: u64,
    items: u64,
    pages: u64,
    set_aside: u64,
    /// Items expected in all (`--expect`).
    expect: Option<u64>,
    /// The most items a minute the quota lets through (requests a minute × page size).
    quota_pace: f64,
}

impl Progress {
    /// A bar on standard error when it is a terminal, log lines otherwise.
    pub fn new(quiet: bool, expect: Option<u64>, quota_pace: f64) -> Self {
        let show = if quiet {
            Show::Quiet
        } else if std::io::stderr().is_terminal() {
            Show::Bar(bar(ProgressDrawTarget::stderr(), expect))
        } else {
            Show::Log { last: Instant::now() }
        };
        Progress::with(show, expect, quota_pace)
    }

    /// A bar drawn to `target` (tests draw to a fake terminal).
    #[cfg(test)]
    pub fn to_target(target: ProgressDrawTarget, expect: Option<u64>, quota_pace: f64) -> Self {
        Progress::with(Show::Bar(bar(target, expect)), expect, quota_pace)
    }

    fn with(show: Show, expect: Option<u64>, quota_pace: f64) -> Self {
        Progress {
            show,
            started: Instant::now(),
            items_before: 0,
            items: 0,
            pages: 0,
            set_aside: 0,
            expect,
            quota_pace,
        }
    }

    /// Starts from the counts of an interrupted run.
    pub fn resume(&mut self, items: u64, pages: u64, set_aside: u64) {
        self.items_before = items;
        self.items = items;
        self.pages = pages;
        self.set_aside = set_aside;
        if let Show::Bar(bar) = &self.show {
            bar.set_position(items);
        }
        self.note(&format!("resuming after {items} items in {pages} pages"));
    }

    /// A page was written.
    pub fn page(&mut self, items: u64, set_aside: u64) {
        self.items += items;
        self.pages += 1;
        self.set_aside += set_aside;
        let summary = self.summary();
        match &mut self.show {
            Show::Bar(bar) => {
                bar.set_position(self.items);
                bar.set_message(summary);
            }
            Show::Log { last } => {
                if last.elapsed() >= LOG_EVERY {
                    *last = Instant::now();
                    eprintln!("conversocial: {summary}");
                }
            }
            Show::Quiet => {}
        }
    }

    /// The export ended: the last line stays.
    pub fn finish(&mut self) {
        let summary = format!("done: {}", self.summary());
        match &self.show {
            Show::Bar(bar) => bar.finish_with_message(summary),
            Show::Log { .. } => eprintln!("conversocial: {summary}"),
            Show::Quiet => {}
        }
    }

    /// A one-off message (not with `--quiet`).
    pub fn note(&self, message: &str) {
        match &self.show {
            Show::Bar(bar) => bar.println(message),
            Show::Log { .. } => eprintln!("conversocial: {message}"),
            Show::Quiet => {}
        }
    }

    /// Items, pages, rate, elapsed time, and an ETA: from the observed rate when the total
    /// is known (`--expect`), else the quota's pace, the fastest the export can go.
    fn summary(&self) -> String {
        let elapsed = self.started.elapsed();
        let secs = elapsed.as_secs_f64().max(0.001);
        let rate = (self.items - self.items_before) as f64 / secs;
        let mut text = format!(
            "{} items, {} pages, {:.1} items/s, {} elapsed",
            self.items,
            self.pages,
            rate,
            clock(elapsed.as_secs())
        );
        if self.set_aside > 0 {
            text.push_str(&format!(", {} set aside", self.set_aside));
        }
        match self.expect {
            Some(total) => {
                let left = total.saturating_sub(self.items) as f64;
                let pace = if rate > 0.0 { rate } else { self.quota_pace / 60.0 };
                if pace > 0.0 {
                    text.push_str(&format!(", ETA {}", clock((left / pace) as u64)));
                }
            }
            None => text.push_str(&format!(", quota pace ≤ {:.0} items/min", self.quota_pace)),
        }
        text
    }
}

fn bar(target: ProgressDrawTarget, expect: Option<u64>) -> ProgressBar {
    let bar = match expect {
        Some(total) => ProgressBar::with_draw_target(Some(total), target)
            .with_style(style("{bar:30} {pos}/{len} · {msg}")),
        None => ProgressBar::with_draw_target(None, target).with_style(style("{spinner} {msg}")),
    };
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// `h:mm:ss`.
fn clock(secs: u64) -> String {
    format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A terminal that keeps what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct FakeTerm(Arc<Mutex<String>>);

    impl FakeTerm {
        fn push(&self, text: &str) {
            if let Ok(mut screen) = self.0.lock() {
                screen.push_str(text);
            }
        }
    }

    impl indicatif::TermLike for FakeTerm {
        fn width(&self) -> u16 {
            160
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.push(s);
            self.push("\n");
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.push(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.push("\n");
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn screen(term: &FakeTerm) -> String {
        term.0.lock().map(|s| s.clone()).unwrap_or_default()
    }

    #[test]
    fn the_bar_shows_items_pages_rate_elapsed_and_the_quota_pace() {
        let term = FakeTerm::default();
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        let mut progress = Progress::to_target(target, None, 1500.0);
        progress.page(50, 0);
        progress.page(50, 1);
        std::thread::sleep(Duration::from_millis(300));
        progress.finish();
        let shown = screen(&term);
        assert!(shown.contains("100 items, 2 pages"), "{shown}");
        assert!(shown.contains("items/s") && shown.contains("0:00:00 elapsed"), "{shown}");
        assert!(shown.contains("1 set aside"), "{shown}");
        assert!(shown.contains("quota pace ≤ 1500 items/min"), "{shown}");
        assert!(shown.contains("done:"), "{shown}");
    }

    #[test]
    fn with_a_total_the_bar_shows_an_eta() {
        let term = FakeTerm::default();
        let target = ProgressDrawTarget::term_like(Box::new(term.clone()));
        let mut progress = Progress::to_target(target, Some(1000), 1500.0);
        progress.resume(100, 2, 0);
        progress.page(50, 0);
        progress.finish();
        let shown = screen(&term);
        assert!(shown.contains("150/1000") && shown.contains("ETA "), "{shown}");
        assert!(shown.contains("resuming after 100 items in 2 pages"), "{shown}");
    }
}
