//! The real `conversocial` binary against a loopback API that enforces a scaled-down
//! quota (30 requests a second) and deals 503s and connection resets: a full export, the
//! same export killed with SIGKILL at random moments and resumed until done (identical
//! to the uninterrupted one), CSV against JSON Lines, exit codes, `get`.

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::{Server, Setup, TOKEN_NAME, TOKEN_SECRET};

const CONVERSATIONS: usize = 2_000;

fn setup() -> Setup {
    Setup {
        conversations: CONVERSATIONS,
        quota: 30,
        window: Duration::from_secs(1),
        fail_every: 15,
        reset_every: 31,
    }
}

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conversocial-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary, with the server's credentials and quota; stderr is not a terminal.
fn cli(server: &Server) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_conversocial"));
    command
        .env("CONVERSOCIAL_TOKEN_NAME", TOKEN_NAME)
        .env("CONVERSOCIAL_TOKEN_SECRET", TOKEN_SECRET)
        .env("CONVERSOCIAL_BASE_URL", server.base_url())
        .env_remove("CONVERSOCIAL_REDIS_URL")
        // the server's quota, and 90% of it: arrival jitter on a loaded machine stays under it
        .args(["--quota", "30/1", "--rate", "0.9"])
        .stdin(Stdio::null());
    command
}

fn export_args(out: &Path, format: &str) -> Vec<String> {
    let out = out.display().to_string();
    ["export", "conversations", "--status", "unread", "--status", "archived", "--include", "content,notes"]
        .iter()
        .map(|s| s.to_string())
        .chain(["--page-size".into(), "20".into(), "--format".into(), format.into(), "--out".into(), out])
        .collect()
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains(TOKEN_SECRET), "the secret leaked: {stderr}");
    output
}

fn read_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn side(out: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", out.display()))
}

#[test]
fn export_survives_kills_without_duplicates_or_gaps_and_csv_agrees() {
    let server = Server::start(setup());
    let dir = folder("kill");

    // 1. Uninterrupted.
    let full = dir.join("full.jsonl");
    let started = Instant::now();
    let output = run(cli(&server).args(export_args(&full, "jsonl")));
    let took = started.elapsed();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(server.stats.rejected.load(Ordering::SeqCst), 0, "the client went over the quota");
    let expected_aside = (0..CONVERSATIONS).filter(|i| i % 97 == 50).count();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let done = format!("conversocial: done: {} items, 100 pages", CONVERSATIONS - expected_aside);
    assert!(stderr.contains(&done), "plain progress lines expected: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "no terminal escapes when stderr is not a terminal: {stderr}");
    let lines = read_lines(&full);
    let set_aside = read_lines(&side(&full, ".set-aside.jsonl"));
    assert_eq!(lines.len() + expected_aside, CONVERSATIONS);
    assert_eq!(set_aside.len(), expected_aside);
    assert!(
        set_aside.iter().all(|l| l["action"] == "set aside" && l["raw"]["id"].is_string()),
        "{set_aside:?}"
    );
    let ids: HashSet<&str> = lines.iter().filter_map(|l| l["id"].as_str()).collect();
    assert_eq!(ids.len(), lines.len(), "duplicate ids");
    let first = &lines[0];
    assert_eq!(first["content"].as_array().map(Vec::len), Some(2), "content joined: {first}");
    let notes = read_lines(&side(&full, ".sideloaded.jsonl"));
    // notes, and the content of the conversations set aside (no line to join it to)
    let count = |kind: &str| notes.iter().filter(|n| n["kind"] == kind).count();
    assert_eq!((count("note"), count("content")), (CONVERSATIONS / 10, 2 * expected_aside));
    assert_eq!(notes.len(), CONVERSATIONS / 10 + 2 * expected_aside);
    let faults = server.stats.failed.load(Ordering::SeqCst) + server.stats.resets.load(Ordering::SeqCst);
    assert!(faults >= 8, "too few faults injected: {faults}");
    eprintln!("full export: {} lines in {took:?}, {faults} faults ridden out", lines.len());

    // 2. Killed at random moments, resumed each time.
    let killed = dir.join("killed.jsonl");
    let state = dir.join("killed.state");
    let mut seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7) | 1;
    eprintln!("kill seed {seed}");
    let (mut kills, mut torn, mut progressed) = (0, 0, Vec::new());
    for round in 0..40 {
        let mut command = cli(&server);
        command.args(export_args(&killed, "jsonl")).args(["--state".as_ref(), state.as_os_str()]);
        if kills >= 6 || round >= 30 {
            let output = run(&mut command);
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            break;
        }
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wait = Duration::from_millis(20 + seed % 700);
        std::thread::sleep(wait);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        let _ = child.wait();
        // A crash can also leave a torn line after the last checkpoint: the resume must cut it.
        if kills % 2 == 0 && killed.exists() {
            let mut file = std::fs::OpenOptions::new().append(true).open(&killed).unwrap();
            std::io::Write::write_all(&mut file, b"{\"id\": \"torn").unwrap();
            torn += 1;
        }
        if let Ok(text) = std::fs::read_to_string(&state) {
            let saved: Value = serde_json::from_str(&text).unwrap();
            progressed.push(saved["items"].as_u64().unwrap_or(0));
        }
    }
    assert!(kills >= 5, "only {kills} kills landed");
    assert!(torn >= 2, "torn tails written: {torn}");
    let mid = progressed.iter().filter(|n| **n > 0 && (**n as usize) < lines.len()).count();
    assert!(mid >= 3, "too few kills landed mid-export (items saved after each: {progressed:?})");
    for suffix in ["", ".set-aside.jsonl", ".sideloaded.jsonl"] {
        let (a, b) = (side(&full, suffix), side(&killed, suffix));
        let (a, b) = (std::fs::read_to_string(a).unwrap(), std::fs::read_to_string(b).unwrap());
        assert_eq!(a.lines().count(), b.lines().count(), "line counts differ for `{suffix}`");
        assert!(a == b, "killed and resumed export differs from the uninterrupted one (`{suffix}`)");
    }
    let again =
        run(cli(&server).args(export_args(&killed, "jsonl")).args(["--state".as_ref(), state.as_os_str()]));
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already complete"));
    eprintln!(
        "resumed export identical after {kills} kills ({torn} torn tails); items saved after each: {progressed:?}"
    );

    // 3. CSV holds the same rows, in a stable column order.
    let csv = dir.join("full.csv");
    let output = run(cli(&server).args(export_args(&csv, "csv")).arg("--quiet"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "--quiet: {}", String::from_utf8_lossy(&output.stderr));
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&header[..4], ["id", "url", "assigned_to", "author"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), lines.len());
    for (row, line) in rows.iter().zip(&lines) {
        for (column, cell) in header.iter().zip(row.iter()) {
            let expected = match line.get(column) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            assert_eq!(cell, expected, "column {column} of {}", line["id"]);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exit_codes_say_what_failed_and_never_show_the_secret() {
    let server = Server::start(Setup { conversations: 30, fail_every: 0, reset_every: 0, ..setup() });
    let dir = folder("codes");
    let out = dir.join("o.jsonl");

    let wrong =
        run(cli(&server).env("CONVERSOCIAL_TOKEN_SECRET", "wrong-secret").args(export_args(&out, "jsonl")));
    assert_eq!(wrong.status.code(), Some(4), "{}", String::from_utf8_lossy(&wrong.stderr));
    assert!(!String::from_utf8_lossy(&wrong.stderr).contains("wrong-secret"));

    let missing = run(cli(&server).env_remove("CONVERSOCIAL_TOKEN_SECRET").args(export_args(&out, "jsonl")));
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("CONVERSOCIAL_TOKEN_SECRET"));

    let no_out = run(cli(&server).args(["export", "tags", "--state"]).arg(dir.join("s")));
    assert_eq!(no_out.status.code(), Some(3), "{}", String::from_utf8_lossy(&no_out.stderr));

    let no_filter = run(cli(&server).args(["export", "conversations"]));
    assert_eq!(no_filter.status.code(), Some(3));

    let usage = run(cli(&server).args(["export", "conversations", "--priority", "maybe"]));
    assert_eq!(usage.status.code(), Some(2));

    let not_found = run(cli(&server).args(["get", "conversation", "99999"]));
    assert_eq!(not_found.status.code(), Some(6));

    let help = run(cli(&server).arg("--help"));
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Exit codes:") && help.contains("5  rate limit"), "{help}");

    // a state file of another export is refused
    let state = dir.join("s.json");
    let tags = run(cli(&server).args(["export", "tags", "--out"]).arg(&out).arg("--state").arg(&state));
    assert!(tags.status.success(), "{}", String::from_utf8_lossy(&tags.stderr));
    let other = run(cli(&server).args(export_args(&out, "jsonl")).arg("--state").arg(&state));
    assert_eq!(other.status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn get_prints_one_object_and_export_writes_to_stdout() {
    let server = Server::start(Setup { conversations: 30, fail_every: 0, reset_every: 0, ..setup() });
    let got = run(cli(&server).args(["get", "conversation", "00003"]));
    assert!(got.status.success(), "{}", String::from_utf8_lossy(&got.stderr));
    let value: Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(value["conversation"]["id"], "00003");

    let tags = run(cli(&server).args(["export", "tags", "--quiet"]));
    assert!(tags.status.success(), "{}", String::from_utf8_lossy(&tags.stderr));
    let text = String::from_utf8_lossy(&tags.stdout);
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[6]["name"], "tag 6");
}
