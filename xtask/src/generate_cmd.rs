//! `cargo xtask generate --spec FILE --out DIR --name CRATE [--stats] [--strict]`: a standalone
//! client crate from any OpenAPI 3.0 document. Corners of the document that were worked
//! around are printed as warnings (`--strict` refuses the document at the first instead). The crate gets its own copy of the hand-written
//! runtime and a `Cargo.toml` whose dependencies are the runtime's, resolved from this
//! workspace. `--stats` prints one JSON line instead of the summary: the sizes of the
//! document and of the output, the time taken and the process's peak RSS (Linux only).
//! The crate gets cargo features (`codegen::Options::features`): one per operation tag,
//! all on by default, and `full-serde`; `--no-features` leaves every item ungated.

use crate::{project_root, write};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

pub fn run(spec: &Path, out: &Path, name: &str, stats: bool, strict: bool, features: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let generated = generate_crate(spec, out, name, strict, features)?;
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    if !stats {
        eprintln!("wrote crate {name} to {} ({} generated files)", out.display(), generated.files);
        return Ok(());
    }
    let stats = serde_json::json!({
        "doc_bytes": generated.doc_bytes,
        "files": generated.files,
        "lines": generated.lines,
        "bytes": generated.bytes,
        "secs": started.elapsed().as_secs_f64(),
        "peak_rss_kb": peak_rss_kb(),
        "warnings": generated.warnings.len(),
        "area_features": generated.features.len(),
    });
    println!("{stats}");
    Ok(())
}

/// What [`generate_crate`] wrote.
pub struct Generated {
    /// Size of the document's text.
    pub doc_bytes: usize,
    /// Generated files (the copied runtime not counted), their lines and bytes.
    pub files: usize,
    pub lines: usize,
    pub bytes: usize,
    /// The corners of the document that were worked around.
    pub warnings: Vec<codegen::Warning>,
    /// The area features (feature → operation tags); empty without features or areas.
    pub features: BTreeMap<String, Vec<String>>,
}

/// `VmHWM` of this process, in KiB (`None` where `/proc` does not say).
fn peak_rss_kb() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes the crate.
pub fn generate_crate(
    spec: &Path,
    out: &Path,
    name: &str,
    strict: bool,
    features: bool,
) -> Result<Generated> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        bail!("crate name {name:?} must be ASCII letters, digits, `-` or `_`");
    }
    let text = fs::read_to_string(spec).with_context(|| format!("reading {}", spec.display()))?;
    let doc_bytes = text.len();
    let options = codegen::Options {
        source: spec.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        command: "cargo xtask generate".to_owned(),
        strict,
        features,
        crate_name: name.replace('-', "_"),
    };
    let generating = || format!("generating from {}", spec.display());
    let document = codegen::load::parse(&text).with_context(generating)?;
    // The copied runtime's one API-specific file, rewritten for this document.
    let defaults = defaults_rs(&document.servers, name);
    // Everything needed is in the loaded document: free the text before generating.
    drop(text);
    // The generated files are written as their text is rendered: no file is held whole.
    let src = out.join("src");
    let generated_dir = src.join("generated");
    let mut sink = write::DiskSink::new(&generated_dir);
    let report = codegen::generate_to(document, &options, &mut sink).with_context(generating)?;
    write::remove_orphans(&generated_dir, &sink.written)?;
    let has_queries = sink.written.contains("queries.rs");

    let root = project_root();
    let runtime_dir = root.join("generated-client/src/runtime");
    let mut runtime = BTreeMap::new();
    for entry in fs::read_dir(&runtime_dir).with_context(|| format!("reading {}", runtime_dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            runtime.insert(file, fs::read_to_string(&path)?);
        }
    }

    runtime.insert("defaults.rs".to_owned(), defaults);

    write::sync(&src.join("runtime"), &runtime)?;
    let gated = features.then_some(&report.features);
    fs::write(src.join("lib.rs"), lib_rs(name, &options.source, has_queries, gated))?;
    fs::write(out.join("Cargo.toml"), cargo_toml(&root, name, gated)?)?;
    Ok(Generated {
        doc_bytes,
        files: sink.written.len(),
        lines: sink.lines,
        bytes: sink.bytes,
        warnings: report.warnings,
        features: report.features,
    })
}

/// `runtime/defaults.rs` for another API: its first server as the base URL, environment
/// variables named after the crate, no rate limit (none is known) and credentials optional
/// (each operation says which scheme it needs).
fn defaults_rs(servers: &[openapiv3::Server], name: &str) -> String {
    let base_url = servers
        .first()
        .map(|server| {
            let mut url = server.url.clone();
            for (var, value) in server.variables.iter().flatten() {
                url = url.replace(&format!("{{{var}}}"), &value.default);
            }
            url
        })
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .unwrap_or_else(|| "http://localhost".to_owned());
    let prefix: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!(
        "// @generated by `cargo xtask generate`. Do not edit.\n\
         //! The constants that tie the runtime to this API.\n\n\
         /// The base URL used when none is configured (the document's first server).\n\
         pub const BASE_URL: &str = {base_url:?};\n\n\
         /// Environment variable holding the basic-auth user name.\n\
         pub const ENV_TOKEN_NAME: &str = \"{prefix}_TOKEN_NAME\";\n\n\
         /// Environment variable holding the basic-auth password.\n\
         pub const ENV_TOKEN_SECRET: &str = \"{prefix}_TOKEN_SECRET\";\n\n\
         /// Optional environment variable overriding [`BASE_URL`].\n\
         pub const ENV_BASE_URL: &str = \"{prefix}_BASE_URL\";\n\n\
         /// Optional environment variable naming a Redis server that shares the rate limit (`redis` feature).\n\
         pub const ENV_REDIS_URL: &str = \"{prefix}_REDIS_URL\";\n\n\
         /// The `User-Agent` sent when none is configured.\n\
         pub const USER_AGENT: &str = concat!(env!(\"CARGO_PKG_NAME\"), \"-rust/\", env!(\"CARGO_PKG_VERSION\"));\n\n\
         /// The documented quota, if any: `None` leaves the rate limiter off by default.\n\
         pub const REQUESTS_PER_MINUTE: Option<u32> = None;\n\n\
         /// Whether `ClientBuilder::build` insists on credentials: no, each operation says what it needs.\n\
         pub const REQUIRE_CREDENTIALS: bool = false;\n"
    )
}

fn lib_rs(
    name: &str,
    source: &str,
    has_queries: bool,
    features: Option<&BTreeMap<String, Vec<String>>>,
) -> String {
    let queries = if has_queries { "pub use generated::queries;\n" } else { "" };
    let features = features.map(|f| features_doc(name, f)).unwrap_or_default();
    format!(
        "// @generated by `cargo xtask generate` from {source}. Do not edit: change the spec or the generator.\n\
         //! Client crate `{name}`, generated from `{source}`.\n\
         //!\n\
         //! Build a [`Client`] with [`Client::builder`], then call one method per operation.\n\
         //! The runtime's user-facing types ([`ClientBuilder`], [`Error`], [`Paginator`], ...) are\n\
         //! re-exported here.\n\
         {features}\
         #![deny(missing_docs)]\n\n\
         mod generated;\n\
         // The contract between generated code and the runtime: hidden from the docs.\n\
         #[doc(hidden)]\n\
         pub mod runtime;\n\n\
         pub use generated::models;\n\
         {queries}\
         // The user-facing runtime types and the foreign crates in signatures.\n\
         pub use runtime::surface::*;\n"
    )
}

/// The lib docs' section on the crate's features.
fn features_doc(name: &str, areas: &BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::from("//!\n//! # Cargo features\n//!\n");
    if !areas.is_empty() {
        let example: Vec<String> = areas.keys().take(2).map(|f| format!("{f:?}")).collect();
        out.push_str(&format!(
            "//! Each area of the API (an operation tag) is a feature, and all are on by default. A type\n\
             //! is compiled when an enabled operation needs it, so a program that uses a few areas\n\
             //! compiles only those:\n\
             //!\n\
             //! ```toml\n\
             //! {name} = {{ path = \"...\", default-features = false, features = [{}] }}\n\
             //! ```\n\
             //!\n\
             //! | feature | operation tags |\n//! |---|---|\n",
            example.join(", ")
        ));
        for (feature, tags) in areas {
            let tags = if feature == "other-schemas" {
                "the schemas no operation uses".to_owned()
            } else if tags.is_empty() {
                "operations without tags".to_owned()
            } else {
                tags.iter().map(|t| format!("`{}`", t.replace('`', "'"))).collect::<Vec<_>>().join(", ")
            };
            out.push_str(&format!("//! | `{feature}` | {tags} |\n"));
        }
        out.push_str("//!\n");
    }
    out.push_str(
        "//! Types implement only the serde direction they travel in: `Serialize` for request bodies\n\
         //! and parameters, `Deserialize` for responses and for schemas no operation uses. The\n\
         //! `full-serde` feature adds the other direction to every type (to write responses out\n\
         //! again, e.g. as JSON Lines).\n",
    );
    out
}

/// `Cargo.toml` of the standalone crate: the runtime's dependencies with the workspace's
/// versions and features filled in, and the area features.
fn cargo_toml(root: &Path, name: &str, areas: Option<&BTreeMap<String, Vec<String>>>) -> Result<String> {
    let read = |p: &str| -> Result<toml::Table> {
        let text = fs::read_to_string(root.join(p)).with_context(|| format!("reading {p}"))?;
        text.parse::<toml::Table>().with_context(|| format!("parsing {p}"))
    };
    let workspace = read("Cargo.toml")?;
    let client = read("generated-client/Cargo.toml")?;
    let shared = workspace
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    let mut deps = toml::Table::new();
    if let Some(own) = client.get("dependencies").and_then(|d| d.as_table()) {
        for (dep, spec) in own {
            deps.insert(dep.clone(), resolve(dep, spec, &shared)?);
        }
    }
    let mut package = toml::Table::new();
    package.insert("name".into(), name.into());
    package.insert("version".into(), "0.1.0".into());
    package.insert("edition".into(), "2024".into());
    if let Some(msrv) =
        workspace.get("workspace").and_then(|w| w.get("package")).and_then(|p| p.get("rust-version"))
    {
        package.insert("rust-version".into(), msrv.clone());
    }
    package.insert("publish".into(), false.into());
    let mut manifest = toml::Table::new();
    manifest.insert("package".into(), package.into());
    manifest.insert("dependencies".into(), deps.into());
    let mut features = client.get("features").and_then(|f| f.as_table()).cloned().unwrap_or_default();
    if let Some(areas) = areas {
        features.insert("full-serde".into(), toml::Value::Array(Vec::new()));
        for area in areas.keys() {
            features.insert(area.clone(), toml::Value::Array(Vec::new()));
        }
        if !areas.is_empty() {
            let all: Vec<toml::Value> = areas.keys().map(|a| a.clone().into()).collect();
            features.insert("default".into(), all.into());
        }
    }
    if !features.is_empty() {
        manifest.insert("features".into(), features.into());
    }
    // Its own workspace, so that it builds wherever it is written.
    manifest.insert("workspace".into(), toml::Table::new().into());
    Ok(format!("# @generated by `cargo xtask generate`.\n{}", toml::to_string(&manifest)?))
}

/// Replaces `{ workspace = true, features = [...] }` with the workspace's entry plus those features.
fn resolve(dep: &str, spec: &toml::Value, shared: &toml::Table) -> Result<toml::Value> {
    let Some(table) = spec.as_table() else { return Ok(spec.clone()) };
    if table.get("workspace").and_then(|w| w.as_bool()) != Some(true) {
        return Ok(spec.clone());
    }
    let Some(base) = shared.get(dep) else { bail!("{dep} is not in [workspace.dependencies]") };
    let mut out = match base {
        toml::Value::String(v) => {
            let mut t = toml::Table::new();
            t.insert("version".into(), v.clone().into());
            t
        }
        toml::Value::Table(t) => t.clone(),
        _ => bail!("unexpected [workspace.dependencies] entry for {dep}"),
    };
    if let Some(optional) = table.get("optional") {
        out.insert("optional".into(), optional.clone());
    }
    if let Some(extra) = table.get("features").and_then(|f| f.as_array()) {
        let mut features = out.get("features").and_then(|f| f.as_array()).cloned().unwrap_or_default();
        for f in extra {
            if !features.contains(f) {
                features.push(f.clone());
            }
        }
        out.insert("features".into(), features.into());
    }
    Ok(out.into())
}
