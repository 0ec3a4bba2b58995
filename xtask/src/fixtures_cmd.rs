//! `cargo xtask fixtures`: generate a standalone crate from every fixture document in
//! `tests/fixtures/` and prove that each one compiles, clippy-clean with warnings denied
//! and with documentation that builds. The crates share one target dir under `target/`.

use crate::{generate_cmd, project_root};
use anyhow::{Context, Result, bail};
use std::process::Command;
use std::time::Instant;

/// What the behaviour tests need beyond the crate's own dependencies.
const DEV_DEPENDENCIES: &str = "
[dev-dependencies]
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }
wiremock = \"0.6\"
serde_json = \"1\"
";

pub fn run() -> Result<()> {
    let root = project_root();
    let fixtures = root.join("tests/fixtures");
    let out_root = root.join("target/fixture-crates");
    let target_dir = root.join("target/fixture-target");
    let mut specs: Vec<_> = std::fs::read_dir(&fixtures)
        .with_context(|| format!("reading {}", fixtures.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    specs.sort();
    let mut failures = Vec::new();
    for spec in &specs {
        let stem = spec.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let name = format!("fixture-{stem}");
        let dir = out_root.join(&stem);
        let started = Instant::now();
        // Fixtures are held to the letter: a warning is an error.
        let generated = generate_cmd::generate_crate(spec, &dir, &name, true, true)?;
        let manifest = dir.join("Cargo.toml");
        // Each area's feature alone, none at all, and all features (`full-serde`: both serde
        // directions on every type) compile clippy-clean too.
        let alone: Vec<(String, Vec<String>)> = generated
            .features
            .keys()
            .map(|area| (format!("clippy --features {area} alone"), one_area(area)))
            .chain((!generated.features.is_empty()).then(|| ("clippy, no features".to_owned(), one_area(""))))
            .collect();
        let mut steps: Vec<(&str, Vec<&str>)> = vec![
            ("clippy --all-features", vec!["clippy", "--quiet", "--all-features", "--", "-D", "warnings"]),
            ("clippy", vec!["clippy", "--quiet", "--", "-D", "warnings"]),
            // the behaviour tests decode request bodies and encode responses: both directions
            (
                "clippy --all-targets --features full-serde",
                vec![
                    "clippy",
                    "--quiet",
                    "--all-targets",
                    "--features",
                    "full-serde",
                    "--",
                    "-D",
                    "warnings",
                ],
            ),
            // the runtime's optional shared rate limiter compiles in every generated crate
            (
                "clippy --features redis",
                vec!["clippy", "--quiet", "--features", "redis", "--", "-D", "warnings"],
            ),
            ("doc", vec!["doc", "--quiet", "--no-deps"]),
        ];
        // Behaviour tests of the generated code against loopback servers: `<stem>.test.rs`.
        let behaviour = fixtures.join(format!("{stem}.test.rs"));
        if behaviour.exists() {
            std::fs::create_dir_all(dir.join("tests"))?;
            std::fs::copy(&behaviour, dir.join("tests/behaviour.rs"))
                .with_context(|| format!("copying {}", behaviour.display()))?;
            let mut toml = std::fs::read_to_string(&manifest)?;
            toml.push_str(DEV_DEPENDENCIES);
            std::fs::write(&manifest, toml)?;
            // Behaviour tests decode request bodies and encode responses too: both directions.
            steps.push(("test", vec!["test", "--quiet", "--features", "full-serde", "--test", "behaviour"]));
        }
        for (label, args) in &alone {
            steps.push((label.as_str(), args.iter().map(String::as_str).collect()));
        }
        for (label, args) in &steps {
            let status = Command::new(crate::cargo())
                .args(&args[..1])
                .arg("--manifest-path")
                .arg(&manifest)
                .args(&args[1..])
                .env("CARGO_TARGET_DIR", &target_dir)
                .env("RUSTDOCFLAGS", "-D warnings")
                .status()
                .with_context(|| format!("running cargo {label} on {name}"))?;
            if !status.success() {
                failures.push(format!("{name}: cargo {label} failed"));
            }
        }
        eprintln!("fixture {stem}: generated and checked in {:.1?}", started.elapsed());
    }
    if !failures.is_empty() {
        bail!("{} fixture check(s) failed:\n  {}", failures.len(), failures.join("\n  "));
    }
    eprintln!("all {} fixture crates compile clippy-clean with documentation", specs.len());
    Ok(())
}

/// `cargo clippy` with only `area`'s feature (none for `""`), warnings denied.
fn one_area(area: &str) -> Vec<String> {
    let mut args: Vec<String> = ["clippy", "--quiet", "--no-default-features"].map(String::from).to_vec();
    if !area.is_empty() {
        args.extend(["--features".to_owned(), area.to_owned()]);
    }
    args.extend(["--", "-D", "warnings"].map(String::from));
    args
}
