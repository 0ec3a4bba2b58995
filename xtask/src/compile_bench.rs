//! The compile benchmark of `cargo xtask bench` (issue 12): what a user waits for after
//! generating, the `cargo check` of the generated crate alone (its dependencies already
//! built, `CARGO_INCREMENTAL=0`), and the compiler's peak memory, for GitHub's REST
//! description and the synthesized 10 MB document. Beside it, in the same run, the crate
//! openapi-generator writes for the same document (`rust` generator, `reqwest` library).
//!
//! Tools are installed pinned on first use under `<target>/bench/tools/`: GitHub's
//! description with `npm pack`, openapi-generator from PyPI into a virtualenv (it bundles
//! its jar; Java must be installed). A tool that cannot be installed is skipped and the
//! report says so. Measurements run one after another, never two at once.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// GitHub's description, pinned.
const OCTOKIT: &str = "@octokit/openapi@23.0.2";
/// openapi-generator, pinned (PyPI `openapi-generator-cli` bundles the jar).
const OPENAPI_GENERATOR: &str = "openapi-generator-cli==7.26.0";

/// One `cargo check`: wall seconds, user + system seconds, peak RSS in KiB (when
/// `/usr/bin/time` is there to read it).
struct Check {
    wall: f64,
    cpu: Option<f64>,
    peak_kb: Option<u64>,
}

/// The compile benchmark's report (same shape as the other benchmarks').
pub fn run(root: &Path, xtask: &Path, work_dir: &Path, synthesized: &Path) -> Result<Value> {
    let tools = work_dir.join("tools");
    let dir = work_dir.join("compile");
    std::fs::create_dir_all(&tools).with_context(|| format!("creating {}", tools.display()))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let oag = match install_openapi_generator(&tools) {
        Ok(exe) => Some(exe),
        Err(e) => {
            notes.push(format!("openapi-generator was not measured: it could not be installed ({e:#})."));
            None
        }
    };
    let mut documents = vec![("synthesized 10 MB document", synthesized.to_path_buf(), "synth")];
    match fetch_github(&tools) {
        Ok(path) => documents.insert(0, ("GitHub's description", path, "github")),
        Err(e) => notes.push(format!("GitHub's description was not measured: {e:#}.")),
    }
    for (label, spec, short) in &documents {
        eprintln!("    compile cost: {label} ({})", spec.display());
        let ours = dir.join(format!("{short}-ours"));
        let started = Instant::now();
        let status = Command::new(xtask)
            .args(["generate", "--spec"])
            .arg(spec)
            .arg("--out")
            .arg(&ours)
            .args(["--name", &format!("{short}-client")])
            .current_dir(root)
            .stdout(Stdio::null())
            .status()
            .context("running xtask generate")?;
        if !status.success() {
            bail!("`xtask generate` failed on {}", spec.display());
        }
        let generate_secs = started.elapsed().as_secs_f64();
        let areas = area_features(&ours)?;
        let target = dir.join("target-ours");
        build_dependencies(&ours, &target)?;
        let all = check(&ours, &target, &[])?;
        eprintln!("      every area: {}", describe(&all));
        let peer = match &oag {
            Some(exe) => {
                match peer_check(exe, spec, &dir.join(format!("{short}-oag")), &dir.join("target-oag")) {
                    Ok(peer) => Some(peer),
                    Err(e) => {
                        notes.push(format!(
                            "openapi-generator's crate for the {label} was not measured: {e:#}."
                        ));
                        None
                    }
                }
            }
            None => None,
        };
        let (lines, files) = rust_lines(&ours.join("src/generated"))?;
        rows.push(row(
            &format!("{label}: `cargo check` of our crate alone, every area (default features)"),
            &all,
            peer.as_ref().map(|(c, _)| c),
            &format!(
                "{lines} lines in {files} files, {} area features; generated in {generate_secs:.1} s",
                areas.len()
            ),
            *short == "github",
        ));
        if let Some((c, size)) = &peer {
            rows.push(json!({
                "metric": format!("{label}: `cargo check` of openapi-generator's crate alone (rust, reqwest)"),
                "value": describe(c),
                "spread": format!("{size}; one run"),
                "target": "–",
                "status": "info",
            }));
        }
        let one = if areas.iter().any(|a| a == "repos") {
            Some("repos".to_owned())
        } else {
            areas.first().cloned()
        };
        if let Some(area) = one {
            let c = check(&ours, &target, &["--no-default-features", "--features", &area])?;
            eprintln!("      only `{area}`: {}", describe(&c));
            let github = *short == "github";
            rows.push(json!({
                "metric": format!("{label}: `cargo check` of our crate alone, only the `{area}` area"),
                "value": describe(&c),
                "spread": "one run; `--no-default-features --features` the area",
                "target": if github { "< 30 s" } else { "–" },
                "status": if !github { "info" } else if c.wall < 30.0 { "pass" } else { "miss" },
            }));
        }
    }
    for r in &rows {
        eprintln!(
            "    {}: {}",
            r["metric"].as_str().unwrap_or_default(),
            r["value"].as_str().unwrap_or_default()
        );
    }
    notes.push(
        "Each figure is one `cargo check -q` of the generated crate alone (`CARGO_INCREMENTAL=0`), its \
         dependencies built beforehand from the same `Cargo.toml` in the same target dir; wall time, \
         user + system CPU time and the peak resident set size of the compiler (`/usr/bin/time -v`). \
         The machine is shared: compare the figures of one run."
            .to_owned(),
    );
    Ok(json!({ "title": "7. Compile cost of generated crates", "rows": rows, "notes": notes }))
}

fn row(metric: &str, ours: &Check, peer: Option<&Check>, spread: &str, targets: bool) -> Value {
    let (value, target, status) = match peer {
        Some(p) => {
            let ratio = ours.wall / p.wall;
            let under_3gb = ours.peak_kb.is_none_or(|kb| kb < 3 * 1024 * 1024);
            let met = ratio <= 0.5 && under_3gb;
            (
                format!("{} = {ratio:.2}× openapi-generator's", describe(ours)),
                "≤ 0.5× openapi-generator's time, < 3 GB",
                if !targets {
                    "info"
                } else if met {
                    "pass"
                } else {
                    "miss"
                },
            )
        }
        None => (describe(ours), "≤ 0.5× openapi-generator's time (not measured), < 3 GB", "info"),
    };
    json!({ "metric": metric, "value": value, "spread": spread, "target": target, "status": status })
}

fn describe(c: &Check) -> String {
    let cpu = c.cpu.map(|s| format!(", {s:.0} s CPU")).unwrap_or_default();
    let peak = c.peak_kb.map(|kb| format!(", {:.2} GB peak", kb as f64 / 1048576.0)).unwrap_or_default();
    format!("{:.0} s{cpu}{peak}", c.wall)
}

/// Builds the dependencies of the crate in `dir` once, through a stand-in crate with the
/// same manifest and an empty library, so that the timed checks cover the crate alone.
fn build_dependencies(dir: &Path, target: &Path) -> Result<()> {
    let stub = dir.with_extension("deps");
    std::fs::create_dir_all(stub.join("src"))?;
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))?;
    std::fs::write(stub.join("Cargo.toml"), manifest.replacen("name = \"", "name = \"deps-of-", 1))?;
    std::fs::write(stub.join("src/lib.rs"), "")?;
    eprintln!("      building the dependencies of {}", dir.display());
    let status = Command::new(crate::cargo())
        .args(["check", "-q"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(&stub)
        .status()
        .context("running cargo check")?;
    if !status.success() {
        bail!("building the dependencies of {} failed", dir.display());
    }
    Ok(())
}

/// One timed `cargo check` of the crate in `dir` (made stale first).
fn check(dir: &Path, target: &Path, args: &[&str]) -> Result<Check> {
    let lib = dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).with_context(|| format!("reading {}", lib.display()))?;
    std::fs::write(&lib, text).with_context(|| format!("touching {}", lib.display()))?;
    eprintln!("      cargo check {} in {}", args.join(" "), dir.display());
    let time = Path::new("/usr/bin/time");
    let mut command = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-v").arg(crate::cargo());
        c
    } else {
        Command::new(crate::cargo())
    };
    command
        .args(["check", "-q"])
        .args(args)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .current_dir(dir)
        .stdout(Stdio::null());
    let started = Instant::now();
    let output = command.output().context("running cargo check")?;
    let wall = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("`cargo check {}` failed in {}:\n{stderr}", args.join(" "), dir.display());
    }
    let field = |name: &str| -> Option<f64> {
        stderr.lines().find_map(|l| l.trim().strip_prefix(name)).and_then(|v| v.trim().parse().ok())
    };
    let cpu = field("User time (seconds):").zip(field("System time (seconds):")).map(|(u, s)| u + s);
    let peak_kb = field("Maximum resident set size (kbytes):").map(|kb| kb as u64);
    Ok(Check { wall, cpu, peak_kb })
}

/// The area features in the generated crate's `Cargo.toml`.
fn area_features(dir: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml"))?;
    let manifest: toml::Table = text.parse().context("parsing the generated Cargo.toml")?;
    let default = manifest.get("features").and_then(|f| f.get("default")).and_then(|d| d.as_array());
    Ok(default.into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect())
}

/// Lines and files of Rust below `dir`.
fn rust_lines(dir: &Path) -> Result<(usize, usize)> {
    let (mut lines, mut files) = (0, 0);
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                lines += std::fs::read_to_string(&path)?.lines().count();
                files += 1;
            }
        }
    }
    Ok((lines, files))
}

/// GitHub's description, fetched with `npm pack` on first use.
fn fetch_github(tools: &Path) -> Result<PathBuf> {
    let dir = tools.join("octokit-openapi-23.0.2");
    let doc = dir.join("package/generated/api.github.com.json");
    if doc.exists() {
        return Ok(doc);
    }
    std::fs::create_dir_all(&dir)?;
    eprintln!("    installing {OCTOKIT} (npm pack)");
    let output = Command::new("npm")
        .args(["pack", OCTOKIT, "--silent", "--pack-destination"])
        .arg(&dir)
        .output()
        .context("running npm (is Node installed?)")?;
    if !output.status.success() {
        bail!("npm pack {OCTOKIT} failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    let tarball =
        String::from_utf8_lossy(&output.stdout).trim().lines().last().unwrap_or_default().to_owned();
    let status = Command::new("tar").arg("xzf").arg(dir.join(&tarball)).arg("-C").arg(&dir).status()?;
    if !status.success() || !doc.exists() {
        bail!("unpacking {tarball} did not give {}", doc.display());
    }
    Ok(doc)
}

/// The `openapi-generator-cli` launcher in its own virtualenv, installed on first use.
fn install_openapi_generator(tools: &Path) -> Result<PathBuf> {
    let venv = tools.join("openapi-generator-7.26.0");
    let exe = venv.join("bin/openapi-generator-cli");
    if !exe.exists() {
        eprintln!("    installing {OPENAPI_GENERATOR} (PyPI, into {})", venv.display());
        let status =
            Command::new("python3").arg("-m").arg("venv").arg(&venv).status().context("running python3")?;
        if !status.success() {
            bail!("python3 -m venv failed");
        }
        let status = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", OPENAPI_GENERATOR])
            .status()
            .context("running pip")?;
        if !status.success() {
            bail!("pip install {OPENAPI_GENERATOR} failed");
        }
    }
    let status =
        Command::new("java").arg("-version").stderr(Stdio::null()).status().context("running java")?;
    if !status.success() {
        bail!("java -version failed");
    }
    Ok(exe)
}

/// openapi-generator's crate for `spec`: generated, its dependencies built, then checked.
fn peer_check(exe: &Path, spec: &Path, out: &Path, target: &Path) -> Result<(Check, String)> {
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    // openapi-generator's YAML parser refuses documents over 3 MiB of text: give it JSON.
    let spec = if spec.extension().is_some_and(|e| e == "yaml" || e == "yml") {
        let json = spec.with_extension("json");
        let text = std::fs::read_to_string(spec)?;
        let value: serde_json::Value = serde_yaml::from_str(&text).context("reading the YAML document")?;
        std::fs::write(&json, serde_json::to_vec(&value)?)?;
        json
    } else {
        spec.to_path_buf()
    };
    let started = Instant::now();
    let output = Command::new(exe)
        .args(["generate", "-g", "rust", "--library", "reqwest", "--skip-validate-spec", "-i"])
        .arg(&spec)
        .arg("-o")
        .arg(out)
        .args(["--additional-properties", "packageName=peer-client"])
        .output()
        .context("running openapi-generator")?;
    if !output.status.success() {
        bail!("openapi-generator failed on {}: {}", spec.display(), String::from_utf8_lossy(&output.stderr));
    }
    let generate_secs = started.elapsed().as_secs_f64();
    // Its own workspace, wherever it is written.
    let manifest = out.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest)?;
    if !text.contains("[workspace]") {
        text.push_str("\n[workspace]\n");
        std::fs::write(&manifest, text)?;
    }
    build_dependencies(out, target)?;
    let c = check(out, target, &[])?;
    eprintln!("      openapi-generator's crate: {}", describe(&c));
    let (lines, files) = rust_lines(&out.join("src"))?;
    Ok((c, format!("{lines} lines in {files} files, generated in {generate_secs:.1} s")))
}
