//! `cargo xtask codegen [--check]`: the checked-in client from the checked-in spec.

use crate::{conformance, project_root, write};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::time::Instant;

/// The spec the checked-in client is generated from, relative to the root.
pub const SPEC: &str = "spec/conversocial-v1.3.yaml";
/// Where the generated module lives, relative to the root.
pub const OUT: &str = "generated-client/src/generated";

pub fn run(check: bool) -> Result<()> {
    let root = project_root();
    let started = Instant::now();
    let text = std::fs::read_to_string(root.join(SPEC)).with_context(|| format!("reading {SPEC}"))?;
    // Our own spec is held to the letter: any corner the generator would work around is an error.
    let options = codegen::Options {
        source: SPEC.to_owned(),
        command: "cargo xtask codegen".to_owned(),
        strict: true,
        features: false,
        crate_name: "conversocial".to_owned(),
    };
    let generated = codegen::generate(&text, &options).with_context(|| format!("generating from {SPEC}"))?;
    let files: BTreeMap<String, String> = generated.files.into_iter().map(|f| (f.path, f.contents)).collect();
    let dir = root.join(OUT);
    let conformance = rustfmt(&conformance::generate(&text, SPEC)?)?;
    let conformance_path = root.join(conformance::TEST_FILE);
    let conformance_stale =
        std::fs::read_to_string(&conformance_path).ok().as_deref() != Some(conformance.as_str());
    if check {
        let mut d = write::diff(&dir, &files)?;
        if conformance_stale {
            d.stale.push(conformance_path);
        }
        if d.is_empty() {
            eprintln!("{OUT} is up to date with {SPEC} ({} files)", files.len());
            return Ok(());
        }
        let mut msg = String::from("the generated client is stale:\n");
        for p in &d.stale {
            msg.push_str(&format!("  changed: {}\n", rel(&root, p)));
        }
        for p in &d.orphans {
            msg.push_str(&format!("  orphan:  {}\n", rel(&root, p)));
        }
        msg.push_str("run `cargo xtask codegen` and commit the result");
        bail!(msg);
    }
    let d = write::sync(&dir, &files)?;
    if conformance_stale {
        std::fs::write(&conformance_path, &conformance)
            .with_context(|| format!("writing {}", conformance::TEST_FILE))?;
    }
    let lines: usize = files.values().map(|c| c.lines().count()).sum();
    eprintln!(
        "generated {} files ({lines} lines) in {:.0?}: {} written, {} orphans removed",
        files.len(),
        started.elapsed(),
        d.stale.len(),
        d.orphans.len()
    );
    Ok(())
}

/// Formats generated test code the way `cargo fmt` would, so the file passes `cargo fmt --check`.
fn rustfmt(text: &str) -> Result<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(project_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("running rustfmt (install it with `rustup component add rustfmt`)")?;
    child.stdin.take().context("rustfmt stdin")?.write_all(text.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("rustfmt failed on the generated conformance test");
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn rel(root: &std::path::Path, p: &std::path::Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}
