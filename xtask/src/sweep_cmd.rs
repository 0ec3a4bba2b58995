//! `cargo xtask sweep DIR [--generate-only] [--limit N] [--jobs-log FILE]`: generate a crate from
//! every OpenAPI document (`.yaml`, `.yml`, `.json`) below DIR and type-check it (`cargo check`),
//! sharing one target dir, then print a table: document, generate result, build result, time,
//! first error. Nothing is written outside `target/sweep*`.

use crate::{generate_cmd, project_root};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

pub struct Options {
    pub dir: PathBuf,
    pub generate_only: bool,
    pub limit: Option<usize>,
}

struct Row {
    doc: String,
    generated: Result<(), String>,
    built: Option<Result<(), String>>,
    secs: f64,
}

pub fn run(opts: &Options) -> Result<()> {
    let root = project_root();
    let mut docs = Vec::new();
    collect(&opts.dir, &mut docs)?;
    docs.sort();
    if let Some(limit) = opts.limit {
        docs.truncate(limit);
    }
    if docs.is_empty() {
        bail!("no .yaml, .yml or .json documents below {}", opts.dir.display());
    }
    let out_root = root.join("target/sweep");
    let target_dir = root.join("target/sweep-target");
    let mut rows = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let name = doc.strip_prefix(&opts.dir).unwrap_or(doc).display().to_string();
        let started = Instant::now();
        let crate_dir = out_root.join(format!("c{i:04}"));
        let generated = generate_cmd::generate_crate(doc, &crate_dir, &format!("sweep-{i:04}"))
            .map(|_| ())
            .map_err(|e| format!("{e:#}"));
        let built = match (&generated, opts.generate_only) {
            (Ok(()), false) => Some(check(&crate_dir, &target_dir)),
            _ => None,
        };
        let row = Row { doc: name, generated, built, secs: started.elapsed().as_secs_f64() };
        eprintln!("{}", line(&row));
        rows.push(row);
    }
    print_table(&rows);
    Ok(())
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

fn check(crate_dir: &Path, target_dir: &Path) -> Result<(), String> {
    let output = Command::new(crate::cargo())
        .args(["check", "--quiet", "--message-format=short", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("running cargo: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
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
        Some(Ok(())) => "ok",
        Some(Err(_)) => "FAILED",
        None => "-",
    };
    let error = match (&row.generated, &row.built) {
        (Err(e), _) | (_, Some(Err(e))) => short(e),
        _ => String::new(),
    };
    format!("| {} | {generate} | {build} | {:.1}s | {error} |", row.doc, row.secs)
}

fn print_table(rows: &[Row]) {
    println!("| document | generate | build (cargo check) | time | first error |");
    println!("|---|---|---|---|---|");
    for row in rows {
        println!("{}", line(row));
    }
    let generated = rows.iter().filter(|r| r.generated.is_ok()).count();
    let built = rows.iter().filter(|r| matches!(r.built, Some(Ok(())))).count();
    let failed_build = rows.iter().filter(|r| matches!(r.built, Some(Err(_)))).count();
    println!(
        "\n{} documents: {generated} generated, {} refused with an error; {built} built, {failed_build} failed to build",
        rows.len(),
        rows.len() - generated
    );
}
