//! Instruction counts under valgrind's callgrind: a figure that, unlike wall time, does
//! not move with the load of a shared machine. Used in full mode when `valgrind` is
//! installed; every function returns `None` otherwise.

use std::process::Command;

/// Instructions executed by `bench ARGS` under callgrind.
fn instructions(args: &[String]) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .find_map(|line| line.split_once("Collected :").and_then(|(_, n)| n.trim().parse().ok()))
}

/// Instructions per unit of work of `bench ARGS(n)`: the difference between `high` and
/// `low` units, so that start-up and set-up cancel out.
pub fn per_unit(args: impl Fn(u32) -> Vec<String>, low: u32, high: u32) -> Option<f64> {
    let (lo, hi) = (instructions(&args(low))?, instructions(&args(high))?);
    Some(hi.saturating_sub(lo) as f64 / f64::from(high - low))
}

/// Whether `valgrind` can be run.
pub fn available() -> bool {
    Command::new("valgrind").arg("--version").output().is_ok_and(|o| o.status.success())
}
