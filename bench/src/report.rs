//! What every benchmark prints on stdout: one JSON line that `cargo xtask bench` turns
//! into the table and `BENCHMARKS.md`.

use serde::Serialize;

/// The outcome of one benchmark.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Short name (`decode`, `overhead`, …).
    pub benchmark: &'static str,
    /// Heading in the table.
    pub title: String,
    pub rows: Vec<Row>,
    /// Sentences printed under the table: set-up, method, caveats.
    pub notes: Vec<String>,
}

/// One figure.
#[derive(Debug, Serialize)]
pub struct Row {
    pub metric: String,
    pub value: String,
    /// How much the figure moved across repetitions (or why there is only one).
    pub spread: String,
    pub target: String,
    pub status: Status,
}

/// Whether a figure meets its target; `Info` for figures without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Miss,
    Info,
}

impl Status {
    pub fn check(ok: bool) -> Status {
        if ok { Status::Pass } else { Status::Miss }
    }
}

impl Row {
    pub fn new(
        metric: impl Into<String>,
        value: impl Into<String>,
        spread: impl Into<String>,
        target: impl Into<String>,
        status: Status,
    ) -> Row {
        Row {
            metric: metric.into(),
            value: value.into(),
            spread: spread.into(),
            target: target.into(),
            status,
        }
    }

    /// A figure without a target.
    pub fn info(metric: impl Into<String>, value: impl Into<String>, spread: impl Into<String>) -> Row {
        Row::new(metric, value, spread, "–", Status::Info)
    }
}

impl Report {
    pub fn print(&self) {
        println!("{}", serde_json::to_string(self).expect("a report serialises"));
    }
}

/// A peak-memory field of `/proc/self/status` (`VmHWM`, `VmRSS`), in KiB.
pub fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// A command running this binary again, as a fresh child process. When
/// `BENCH_CHILD_WRAPPER` is set (e.g. `valgrind --tool=dhat`), the child runs under it, to
/// profile what the `stream` and `codegen` benchmarks measure.
pub fn child_command() -> std::process::Command {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let wrapper = std::env::var("BENCH_CHILD_WRAPPER").unwrap_or_default();
    let mut parts = wrapper.split_whitespace();
    match parts.next() {
        Some(program) => {
            let mut command = std::process::Command::new(program);
            command.args(parts).arg(exe);
            command
        }
        None => std::process::Command::new(exe),
    }
}
