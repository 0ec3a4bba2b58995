//! `cargo xtask sweep DIR [--generate-only] [--limit N] [--every N] [--strict]`: generate a crate
//! from every OpenAPI document (`.yaml`, `.yml`, `.json`) below DIR (or every Nth, in sorted
//! order) and type-check it (`cargo check`), sharing one target dir, then print a table:
//! document, generate result, warnings, build result, time, first error; and the warnings
//! counted by cause. Nothing is written outside `target/sweep*`.

use crate::{generate_cmd, project_root};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub struct Options {
    pub dir: PathBuf,
    pub generate_only: bool,
    pub limit: Option<usize>,
    /// Take every Nth document of the sorted list (1: all).
    pub every: usize,
    /// Refuse a document at its first warning.
    pub strict: bool,
}

struct Row {
    doc: String,
    generated: Result<(), String>,
    warnings: usize,
    /// `cargo check`: the number of compiler warnings, or the first error.
    built: Option<Result<usize, String>>,
    secs: f64,
}

pub fn run(opts: &Options) -> Result<()> {
    let root = project_root();
    let mut docs = Vec::new();
    collect(&opts.dir, &mut docs)?;
    docs.sort();
    let mut docs: Vec<PathBuf> = docs.into_iter().step_by(opts.every.max(1)).collect();
    if let Some(limit) = opts.limit {
        docs.truncate(limit);
    }
    if docs.is_empty() {
        bail!("no .yaml, .yml or .json documents below {}", opts.dir.display());
    }
    let out_root = root.join("target/sweep");
    let target_dir = root.join("target/sweep-target");
    let mut rows = Vec::new();
    // Warnings by cause: how many, in how many documents, and one example.
    let mut causes: BTreeMap<String, (usize, usize, String)> = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        let name = doc.strip_prefix(&opts.dir).unwrap_or(doc).display().to_string();
        let started = Instant::now();
        let crate_dir = out_root.join(format!("c{i:04}"));
        let generated = generate_cmd::generate_crate(doc, &crate_dir, &format!("sweep-{i:04}"), opts.strict)
            .map_err(|e| format!("{e:#}"));
        let mut warnings = 0;
        if let Ok(done) = &generated {
            warnings = done.warnings.len();
            let mut seen = std::collections::BTreeSet::new();
            for warning in &done.warnings {
                let cause = cause_of(warning);
                let entry =
                    causes.entry(cause.clone()).or_insert_with(|| (0, 0, format!("{name}: {warning}")));
                entry.0 += 1;
                if seen.insert(cause) {
                    entry.1 += 1;
                }
            }
        }
        let generated = generated.map(|_| ());
        let built = match (&generated, opts.generate_only) {
            (Ok(()), false) => Some(check(&crate_dir, &target_dir)),
            _ => None,
        };
        let row = Row { doc: name, generated, warnings, built, secs: started.elapsed().as_secs_f64() };
        eprintln!("{}", line(&row));
        rows.push(row);
    }
    print_table(&rows);
    println!("\n| warnings | documents | cause | example |\n|---|---|---|---|");
    let mut by_count: Vec<_> = causes.into_iter().collect();
    by_count.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    for (cause, (count, docs, example)) in by_count {
        println!("| {count} | {docs} | {cause} | {} |", short(&example).replace('|', "\\|"));
    }
    Ok(())
}

/// A warning's cause without its specifics: the kind of problem and the message with
/// quoted names, numbers and `$ref` targets left out, so that warnings group.
fn cause_of(warning: &codegen::Warning) -> String {
    let message = match &warning.error {
        codegen::Error::Invalid { message, .. }
        | codegen::Error::Unsupported { message, .. }
        | codegen::Error::Parse { message, .. } => message.clone(),
        _ => String::new(),
    };
    let mut out = format!("{}: ", warning.cause());
    let mut quoted = false;
    for c in message.chars() {
        match c {
            '{' | '}' => quoted = c == '{',
            '"' | '`' => {
                quoted = !quoted;
                if quoted {
                    out.push('…');
                }
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            _ => out.push(c),
        }
    }
    let action = if warning.action.contains("without a body") {
        "body left out"
    } else if warning.action.contains("left out") {
        "operation left out"
    } else {
        "`serde_json::Value`"
    };
    format!("{} → {action}", short(out.trim()))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// `cargo check` of one generated crate: the number of compiler warnings it prints (a
/// generated crate should have none), or its first error.
fn check(crate_dir: &Path, target_dir: &Path) -> Result<usize, String> {
    let output = Command::new(crate::cargo())
        .args(["check", "--quiet", "--message-format=short", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("running cargo: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        // `--message-format=short`: one `path:line:col: warning: …` line per warning, and a
        // summary line (`warning: `x` generated N warnings`) that is not counted.
        return Ok(stderr.lines().filter(|l| l.contains(": warning: ")).count());
    }
    let first = stderr.lines().find(|l| l.contains("error")).unwrap_or("cargo check failed").to_owned();
    Err(first)
}

fn short(text: &str) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() > 160 {
        format!("{}…", one_line.chars().take(160).collect::<String>())
    } else {
        one_line
    }
}

fn line(row: &Row) -> String {
    let generate = if row.generated.is_ok() { "ok" } else { "refused" };
    let build = match &row.built {
        Some(Ok(0)) => "ok".to_owned(),
        Some(Ok(n)) => format!("ok, {n} compiler warnings"),
        Some(Err(_)) => "FAILED".to_owned(),
        None => "-".to_owned(),
    };
    let error = match (&row.generated, &row.built) {
        (Err(e), _) | (_, Some(Err(e))) => short(e),
        _ => String::new(),
    };
    format!("| {} | {generate} | {} | {build} | {:.1}s | {error} |", row.doc, row.warnings, row.secs)
}

fn print_table(rows: &[Row]) {
    println!("| document | generate | warnings | build (cargo check) | time | first error |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        println!("{}", line(row));
    }
    let generated = rows.iter().filter(|r| r.generated.is_ok()).count();
    let built = rows.iter().filter(|r| matches!(r.built, Some(Ok(_)))).count();
    let warned = rows.iter().filter(|r| matches!(r.built, Some(Ok(n)) if n > 0)).count();
    let failed_build = rows.iter().filter(|r| matches!(r.built, Some(Err(_)))).count();
    println!(
        "\n{} documents: {generated} generated, {} refused with an error; {built} built ({warned} with compiler warnings), {failed_build} failed to build",
        rows.len(),
        rows.len() - generated
    );
}
