//! Benchmarks of the generated Conversocial client and of the generator (issue 6).
//!
//! Run them with `cargo xtask bench` (or `cargo xtask bench --smoke`), which builds this
//! binary in release mode, runs every benchmark, prints the table and writes
//! `BENCHMARKS.md`. By hand: `bench <decode|overhead|stream|export|codegen> [--smoke]
//! [--work-dir DIR]` prints one JSON report line on stdout and progress on stderr.
//!
//! `stream-child` and `codegen-child` are internal: the fresh processes whose peak RSS
//! the `stream` and `codegen` benchmarks read. `decode-profile` and `overhead-profile` run one
//! variant of a benchmark alone, to run under a profiler (see `BENCHMARKS.md`).

mod baseline;
mod callgrind;
mod codegen_bench;
mod decode;
mod export;
mod fixture;
mod overhead;
mod redis_bench;
mod report;
mod server;
mod stats;
mod stream;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: bench <decode|overhead|stream|export|codegen|redis> [--smoke] [--work-dir DIR]
       bench stream-child BASE_URL ITEMS
       bench codegen-child FILE RUNS
       bench synth MIN_BYTES MIN_OPERATIONS OUT_FILE
       bench decode-profile <baseline|runtime|plain|scan> CALLS
       bench overhead-profile <raw|generated> <tags|conversations> N";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    match (command.as_str(), rest) {
        ("stream-child", [url, items]) => {
            stream::child(url, items.parse().expect("ITEMS must be a number"));
            return ExitCode::SUCCESS;
        }
        ("decode-profile", [variant, calls]) => {
            return match decode::profile(variant, calls.parse().expect("CALLS must be a number")) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            };
        }
        ("overhead-profile", [side, page, requests]) => {
            return match overhead::profile(side, page, requests.parse().expect("N must be a number")) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::FAILURE
                }
            };
        }
        ("synth", [bytes, ops, out]) => {
            let synth = codegen_bench::synthesize(
                bytes.parse().expect("MIN_BYTES must be a number"),
                ops.parse().expect("MIN_OPERATIONS must be a number"),
            );
            std::fs::write(out, &synth.text).expect("write the synthesized document");
            eprintln!(
                "{} bytes, {} operations, {} schemas",
                synth.text.len(),
                synth.operations,
                synth.schemas
            );
            return ExitCode::SUCCESS;
        }
        ("codegen-child", [file, runs]) => {
            codegen_bench::child(&PathBuf::from(file), runs.parse().expect("RUNS must be a number"));
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let mut smoke = false;
    let mut work_dir = None;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--smoke" => smoke = true,
            "--work-dir" => match it.next() {
                Some(dir) => work_dir = Some(PathBuf::from(dir)),
                None => {
                    eprintln!("--work-dir needs a value\n{USAGE}");
                    return ExitCode::FAILURE;
                }
            },
            other => {
                eprintln!("unknown flag {other:?}\n{USAGE}");
                return ExitCode::FAILURE;
            }
        }
    }
    let work_dir = work_dir.unwrap_or_else(|| codegen_bench::project_root().join("target/bench"));
    let report = match command.as_str() {
        "decode" => decode::run(smoke),
        "overhead" => overhead::run(smoke),
        "stream" => stream::run(smoke),
        "export" => export::run(smoke),
        "codegen" => codegen_bench::run(smoke, &work_dir),
        "redis" => redis_bench::run(smoke),
        other => {
            eprintln!("unknown benchmark {other:?}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    report.print();
    ExitCode::SUCCESS
}
