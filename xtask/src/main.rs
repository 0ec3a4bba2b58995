//! Project automation, run as `cargo xtask <command>`.
//!
//! * `codegen [--check]`: regenerate `generated-client/src/generated/` from `spec/`,
//!   or fail when it is stale.
//! * `generate --spec FILE --out DIR --name CRATE`: turn any OpenAPI 3.0 document into a
//!   standalone client crate.
//! * `sweep DIR`: generate and type-check a crate from every document in a folder.
//! * `fixtures`: generate a crate from every `tests/fixtures/*.yaml` and check that it
//!   compiles clippy-clean, with documentation.
//! * `public-api [--check]`: write (or check) `generated-client/public-api.txt`, the
//!   `conversocial` crate's public API, one item a line.
//! * `bench [--smoke]`: run the benchmarks (`bench/`) and write `BENCHMARKS.md`; `--smoke`
//!   runs them with tiny sizes in seconds and writes nothing.

mod bench_cmd;
mod codegen_cmd;
mod conformance;
mod fixtures_cmd;
mod generate_cmd;
mod public_api;
mod sweep_cmd;
mod write;

use anyhow::{Result, bail};
use std::path::PathBuf;

const USAGE: &str = "usage:
  cargo xtask codegen [--check]
  cargo xtask generate --spec FILE --out DIR --name CRATE [--stats] [--strict]
  cargo xtask fixtures
  cargo xtask public-api [--check]
  cargo xtask sweep DIR [--generate-only] [--limit N] [--every N] [--strict]
  cargo xtask bench [--smoke]";

fn main() -> std::process::ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let Some((command, rest)) = args.split_first() else { bail!("{USAGE}") };
    match command.as_str() {
        "codegen" => {
            let check = match rest {
                [] => false,
                [flag] if flag == "--check" => true,
                _ => bail!("{USAGE}"),
            };
            codegen_cmd::run(check)
        }
        "generate" => {
            let mut spec = None;
            let mut out = None;
            let mut name = None;
            let mut stats = false;
            let mut strict = false;
            let mut it = rest.iter();
            while let Some(flag) = it.next() {
                if flag == "--stats" || flag == "--strict" {
                    stats |= flag == "--stats";
                    strict |= flag == "--strict";
                    continue;
                }
                let value = it.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value\n{USAGE}"))?;
                match flag.as_str() {
                    "--spec" => spec = Some(PathBuf::from(value)),
                    "--out" => out = Some(PathBuf::from(value)),
                    "--name" => name = Some(value.clone()),
                    _ => bail!("unknown flag {flag}\n{USAGE}"),
                }
            }
            match (spec, out, name) {
                (Some(spec), Some(out), Some(name)) => generate_cmd::run(&spec, &out, &name, stats, strict),
                _ => bail!("generate needs --spec, --out and --name\n{USAGE}"),
            }
        }
        "fixtures" if rest.is_empty() => fixtures_cmd::run(),
        "public-api" => match rest {
            [] => public_api::run(false),
            [flag] if flag == "--check" => public_api::run(true),
            _ => bail!("{USAGE}"),
        },
        "bench" => match rest {
            [] => bench_cmd::run(false),
            [flag] if flag == "--smoke" => bench_cmd::run(true),
            _ => bail!("{USAGE}"),
        },
        "sweep" => {
            let mut dir = None;
            let mut generate_only = false;
            let mut strict = false;
            let mut limit = None;
            let mut every = 1;
            let mut it = rest.iter();
            let number = |flag: &str, value: Option<&String>| -> Result<usize> {
                let n = value.ok_or_else(|| anyhow::anyhow!("{flag} needs a number"))?;
                n.parse().map_err(|_| anyhow::anyhow!("{flag} needs a number, not {n:?}"))
            };
            while let Some(arg) = it.next() {
                match arg.as_str() {
                    "--generate-only" => generate_only = true,
                    "--strict" => strict = true,
                    "--limit" => limit = Some(number(arg, it.next())?),
                    "--every" => every = number(arg, it.next())?.max(1),
                    other if dir.is_none() && !other.starts_with("--") => dir = Some(PathBuf::from(other)),
                    other => bail!("unexpected argument {other:?}\n{USAGE}"),
                }
            }
            let dir = dir.ok_or_else(|| anyhow::anyhow!("sweep needs a folder\n{USAGE}"))?;
            sweep_cmd::run(&sweep_cmd::Options { dir, generate_only, limit, every, strict })
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

/// The cargo to run: the one that runs us (`cargo xtask` sets `CARGO`, and rustup's proxy
/// sets the toolchain for everything below), else the `cargo` on the path. Not the cargo
/// that built xtask: run directly, it would let rustup pick a toolchain per dependency
/// (some crates ship a `rust-toolchain` file).
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The workspace root (the parent of this crate's folder).
pub fn project_root() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}
