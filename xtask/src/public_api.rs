//! `cargo xtask public-api [--check]`: the `conversocial` crate's public API as sorted
//! lines, checked in as `generated-client/public-api.txt`, so that a change to the
//! user-facing surface shows up in review.
//!
//! The lines come from rustdoc's JSON output (`RUSTC_BOOTSTRAP=1`, stable toolchain),
//! read as plain `serde_json::Value`. The walk starts at the crate root and follows
//! `pub use` re-exports (globs included) to what they name; items marked
//! `#[doc(hidden)]` and the `#[doc(hidden)]` `runtime` module (the contract with generated
//! code) are left out, as are auto-trait and blanket impls. Each function is printed with
//! its full signature, each struct field and enum variant with its type, each trait
//! impl as `impl Trait for Type`.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::project_root;

/// Where the snapshot is checked in, relative to the workspace root.
pub const SNAPSHOT: &str = "generated-client/public-api.txt";

pub fn run(check: bool) -> Result<()> {
    let root = project_root();
    let lines = public_api(&root)?;
    let text = format!(
        "# The public API of the `conversocial` crate (default features), one item a line.\n\
         # Written by `cargo xtask public-api`; `cargo xtask public-api --check` fails when it is stale.\n{}",
        lines.iter().map(|l| format!("{l}\n")).collect::<String>()
    );
    let path = root.join(SNAPSHOT);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old == text {
        println!("{SNAPSHOT} is up to date ({} items)", lines.len());
        return Ok(());
    }
    if check {
        let old: BTreeSet<&str> = old.lines().filter(|l| !l.starts_with('#')).collect();
        let new: BTreeSet<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        for gone in old.difference(&new) {
            eprintln!("- {gone}");
        }
        for added in new.difference(&old) {
            eprintln!("+ {added}");
        }
        bail!("the public API changed: run `cargo xtask public-api` and review {SNAPSHOT}");
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    println!("wrote {SNAPSHOT} ({} items)", lines.len());
    Ok(())
}

/// Builds the rustdoc JSON of `conversocial` and walks it.
fn public_api(root: &Path) -> Result<BTreeSet<String>> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("public-api");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Its own target folder: RUSTC_BOOTSTRAP would otherwise invalidate the normal builds.
    let status = Command::new(cargo)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["rustdoc", "-p", "conversocial", "--lib", "--quiet", "--target-dir"])
        .arg(&target)
        .args(["--", "-Z", "unstable-options", "--output-format", "json", "--document-hidden-items"])
        .status()
        .context("running cargo rustdoc")?;
    if !status.success() {
        bail!("cargo rustdoc --output-format json failed");
    }
    let path = target.join("doc/conversocial.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).context("parsing rustdoc JSON")?;
    let mut walk = Walk { index: &doc["index"], lines: BTreeSet::new(), seen: BTreeSet::new() };
    let root_id = id_of(&doc["root"]);
    walk.module(&root_id, "conversocial");
    Ok(walk.lines)
}

fn id_of(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

struct Walk<'a> {
    index: &'a Value,
    lines: BTreeSet<String>,
    /// (item id, path) pairs already walked: re-exports may name an item twice.
    seen: BTreeSet<(String, String)>,
}

fn hidden(item: &Value) -> bool {
    item["attrs"].as_array().into_iter().flatten().any(|a| {
        let text = a.as_str().map(str::to_owned).unwrap_or_else(|| a.to_string());
        text.contains("doc(hidden)") || text.contains("Hidden")
    })
}

fn is_public(item: &Value) -> bool {
    item["visibility"] == "public" || item["visibility"] == "default"
}

impl Walk<'_> {
    fn item(&self, id: &str) -> Option<&Value> {
        self.index.get(id)
    }

    fn module(&mut self, id: &str, path: &str) {
        let Some(module) = self.item(id) else { return };
        let items: Vec<String> =
            module["inner"]["module"]["items"].as_array().into_iter().flatten().map(id_of).collect();
        for child in items {
            self.child(&child, path);
        }
    }

    fn child(&mut self, id: &str, path: &str) {
        let Some(item) = self.item(id).cloned() else { return };
        if !is_public(&item) || hidden(&item) {
            return;
        }
        if let Some(import) = item["inner"].get("use") {
            let target = id_of(&import["id"]);
            if import["is_glob"] == true {
                self.module(&target, path);
            } else if let Some(name) = import["name"].as_str() {
                self.named(&target, &format!("{path}::{name}"));
            }
            return;
        }
        let name = item["name"].as_str().unwrap_or_default().to_owned();
        self.named(id, &format!("{path}::{name}"));
    }

    /// An item reached under `path` (its own name, or the name a re-export gives it).
    fn named(&mut self, id: &str, path: &str) {
        if !self.seen.insert((id.to_owned(), path.to_owned())) {
            return;
        }
        let Some(item) = self.item(id).cloned() else {
            // An item of another crate (`pub use reqwest;`): listed, not walked.
            self.lines.insert(format!("pub use {path}"));
            return;
        };
        let inner = &item["inner"];
        let (kind, body) = match inner.as_object().and_then(|o| o.iter().next()) {
            Some((k, v)) => (k.as_str(), v),
            None => return,
        };
        match kind {
            "module" => {
                self.lines.insert(format!("pub mod {path}"));
                self.module(id, path);
            }
            "struct" => {
                self.lines.insert(format!("pub struct {path}{}", generics(&body["generics"])));
                let fields = match &body["kind"] {
                    Value::Object(o) if o.contains_key("plain") => o["plain"]["fields"].clone(),
                    Value::Object(o) if o.contains_key("tuple") => o["tuple"].clone(),
                    _ => Value::Null,
                };
                for (i, field) in fields.as_array().into_iter().flatten().enumerate() {
                    let Some(f) = self.item(&id_of(field)).cloned() else { continue };
                    if is_public(&f) && !hidden(&f) {
                        let name = f["name"].as_str().map(str::to_owned).unwrap_or_else(|| i.to_string());
                        self.lines.insert(format!("pub {path}::{name}: {}", ty(&f["inner"]["struct_field"])));
                    }
                }
                self.impls(&body["impls"], path);
            }
            "enum" => {
                self.lines.insert(format!("pub enum {path}{}", generics(&body["generics"])));
                for variant in body["variants"].as_array().into_iter().flatten() {
                    let Some(v) = self.item(&id_of(variant)).cloned() else { continue };
                    if hidden(&v) {
                        continue;
                    }
                    let name = v["name"].as_str().unwrap_or_default();
                    let shape = match &v["inner"]["variant"]["kind"] {
                        Value::Object(o) if o.contains_key("tuple") => {
                            let types: Vec<String> = o["tuple"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|f| self.item(&id_of(f)))
                                .map(|f| ty(&f["inner"]["struct_field"]))
                                .collect();
                            format!("({})", types.join(", "))
                        }
                        Value::Object(o) if o.contains_key("struct") => {
                            let fields: Vec<String> = o["struct"]["fields"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|f| self.item(&id_of(f)))
                                .map(|f| {
                                    format!(
                                        "{}: {}",
                                        f["name"].as_str().unwrap_or_default(),
                                        ty(&f["inner"]["struct_field"])
                                    )
                                })
                                .collect();
                            format!(" {{ {} }}", fields.join(", "))
                        }
                        _ => String::new(),
                    };
                    self.lines.insert(format!("{path}::{name}{shape}"));
                }
                self.impls(&body["impls"], path);
            }
            "trait" => {
                self.lines.insert(format!("pub trait {path}{}", generics(&body["generics"])));
                for member in body["items"].as_array().into_iter().flatten() {
                    let Some(m) = self.item(&id_of(member)).cloned() else { continue };
                    if !hidden(&m) {
                        self.member(&m, path);
                    }
                }
            }
            "function" => {
                self.lines.insert(function(path, body));
            }
            "constant" => {
                self.lines.insert(format!("pub const {path}: {}", ty(&body["type"])));
            }
            "static" => {
                self.lines.insert(format!("pub static {path}: {}", ty(&body["type"])));
            }
            "type_alias" => {
                self.lines.insert(format!("pub type {path} = {}", ty(&body["type"])));
            }
            "macro" => {
                self.lines.insert(format!("macro {path}!"));
            }
            other => {
                self.lines.insert(format!("{other} {path}"));
            }
        }
    }

    /// Inherent methods and trait impls of a type at `path`.
    fn impls(&mut self, impls: &Value, path: &str) {
        for imp in impls.as_array().into_iter().flatten() {
            let Some(item) = self.item(&id_of(imp)).cloned() else { continue };
            let body = &item["inner"]["impl"];
            if body["is_synthetic"] == true || !body["blanket_impl"].is_null() || hidden(&item) {
                continue;
            }
            match body["trait"].as_object() {
                Some(t) => {
                    let negative = if body["is_negative"] == true { "!" } else { "" };
                    self.lines.insert(format!(
                        "impl{} {negative}{} for {}",
                        generics(&body["generics"]),
                        path_ty(&Value::Object(t.clone())),
                        ty(&body["for"])
                    ));
                }
                None => {
                    for member in body["items"].as_array().into_iter().flatten() {
                        let Some(m) = self.item(&id_of(member)).cloned() else { continue };
                        if is_public(&m) && !hidden(&m) {
                            self.member(&m, path);
                        }
                    }
                }
            }
        }
    }

    /// A method, associated constant or type of the type or trait at `path`.
    fn member(&mut self, m: &Value, path: &str) {
        let name = m["name"].as_str().unwrap_or_default();
        let full = format!("{path}::{name}");
        let Some((kind, body)) = m["inner"].as_object().and_then(|o| o.iter().next()) else { return };
        let line = match kind.as_str() {
            "function" => function(&full, body),
            "assoc_const" => format!("const {full}: {}", ty(&body["type"])),
            "assoc_type" => format!("type {full}{}", bounds(&body["bounds"])),
            _ => return,
        };
        self.lines.insert(line);
    }
}

fn function(path: &str, body: &Value) -> String {
    let header = &body["header"];
    let mut prefix = String::from("pub ");
    for (flag, word) in [("is_const", "const "), ("is_async", "async "), ("is_unsafe", "unsafe ")] {
        if header[flag] == true {
            prefix.push_str(word);
        }
    }
    let inputs: Vec<String> = body["sig"]["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|pair| {
            let name = pair[0].as_str().unwrap_or("_");
            let t = ty(&pair[1]);
            match name {
                "self" => match t.as_str() {
                    "Self" => "self".to_owned(),
                    "&Self" => "&self".to_owned(),
                    "&mut Self" => "&mut self".to_owned(),
                    _ => format!("self: {t}"),
                },
                _ => format!("{name}: {t}"),
            }
        })
        .collect();
    let output = match &body["sig"]["output"] {
        Value::Null => String::new(),
        t => format!(" -> {}", ty(t)),
    };
    format!(
        "{prefix}fn {path}{}({}){output}{}",
        generics(&body["generics"]),
        inputs.join(", "),
        where_clause(&body["generics"])
    )
}

/// `<T: Bound, 'a>`, leaving out the parameters rustdoc made for `impl Trait` arguments.
fn generics(g: &Value) -> String {
    let params: Vec<String> = g["params"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            let kind = &p["kind"];
            if let Some(t) = kind.get("type") {
                if t["is_synthetic"] == true {
                    return None;
                }
                return Some(format!("{name}{}", bounds(&t["bounds"])));
            }
            if let Some(c) = kind.get("const") {
                return Some(format!("const {name}: {}", ty(&c["type"])));
            }
            Some(name.to_owned())
        })
        .collect();
    if params.is_empty() { String::new() } else { format!("<{}>", params.join(", ")) }
}

fn where_clause(g: &Value) -> String {
    let preds: Vec<String> = g["where_predicates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("bound_predicate"))
        .map(|b| format!("{}{}", ty(&b["type"]), bounds(&b["bounds"])))
        .collect();
    if preds.is_empty() { String::new() } else { format!(" where {}", preds.join(", ")) }
}

fn bounds(b: &Value) -> String {
    let list: Vec<String> = b.as_array().into_iter().flatten().map(bound).collect();
    if list.is_empty() { String::new() } else { format!(": {}", list.join(" + ")) }
}

fn bound(b: &Value) -> String {
    if let Some(t) = b.get("trait_bound") {
        let maybe = if t["modifier"] == "maybe" { "?" } else { "" };
        return format!("{maybe}{}", path_ty(&t["trait"]));
    }
    if let Some(l) = b.get("outlives") {
        return l.as_str().unwrap_or_default().to_owned();
    }
    "use<..>".to_owned()
}

/// A path with its generic arguments: `Option<T>`, `Fn(&str) -> bool`.
fn path_ty(p: &Value) -> String {
    let name = p["path"].as_str().or_else(|| p["name"].as_str()).unwrap_or_default();
    format!("{name}{}", args(&p["args"]))
}

fn args(a: &Value) -> String {
    if let Some(angle) = a.get("angle_bracketed") {
        let mut list: Vec<String> = angle["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|arg| {
                if let Some(t) = arg.get("type") {
                    ty(t)
                } else if let Some(l) = arg.get("lifetime") {
                    l.as_str().unwrap_or_default().to_owned()
                } else if let Some(c) = arg.get("const") {
                    c["expr"].as_str().unwrap_or("_").to_owned()
                } else {
                    "_".to_owned()
                }
            })
            .collect();
        for c in angle["constraints"].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or_default();
            let binding = &c["binding"];
            if let Some(eq) = binding.get("equality") {
                let value = eq.get("type").map(ty).unwrap_or_else(|| "_".to_owned());
                list.push(format!("{name} = {value}"));
            } else if let Some(b) = binding.get("constraint") {
                list.push(format!("{name}{}", bounds(b)));
            }
        }
        return if list.is_empty() { String::new() } else { format!("<{}>", list.join(", ")) };
    }
    if let Some(paren) = a.get("parenthesized") {
        let inputs: Vec<String> = paren["inputs"].as_array().into_iter().flatten().map(ty).collect();
        let output = match &paren["output"] {
            Value::Null => String::new(),
            t => format!(" -> {}", ty(t)),
        };
        return format!("({}){output}", inputs.join(", "));
    }
    String::new()
}

/// A type as Rust source, close enough for review.
fn ty(t: &Value) -> String {
    let Some((kind, v)) = t.as_object().and_then(|o| o.iter().next()) else {
        return t.as_str().map(str::to_owned).unwrap_or_else(|| "_".to_owned());
    };
    match kind.as_str() {
        "resolved_path" => path_ty(v),
        "generic" | "primitive" => v.as_str().unwrap_or_default().to_owned(),
        "borrowed_ref" => {
            let lifetime = v["lifetime"].as_str().map(|l| format!("{l} ")).unwrap_or_default();
            let mutable = if v["is_mutable"] == true { "mut " } else { "" };
            format!("&{lifetime}{mutable}{}", ty(&v["type"]))
        }
        "raw_pointer" => {
            let m = if v["is_mutable"] == true { "mut" } else { "const" };
            format!("*{m} {}", ty(&v["type"]))
        }
        "slice" => format!("[{}]", ty(v)),
        "array" => format!("[{}; {}]", ty(&v["type"]), v["len"].as_str().unwrap_or("_")),
        "tuple" => {
            let list: Vec<String> = v.as_array().into_iter().flatten().map(ty).collect();
            format!("({})", list.join(", "))
        }
        "impl_trait" => {
            let list: Vec<String> = v.as_array().into_iter().flatten().map(bound).collect();
            format!("impl {}", list.join(" + "))
        }
        "dyn_trait" => {
            let mut list: Vec<String> =
                v["traits"].as_array().into_iter().flatten().map(|p| path_ty(&p["trait"])).collect();
            if let Some(l) = v["lifetime"].as_str() {
                list.push(l.to_owned());
            }
            format!("dyn {}", list.join(" + "))
        }
        "qualified_path" => {
            let self_ty = ty(&v["self_type"]);
            let name = v["name"].as_str().unwrap_or_default();
            let trait_path = v["trait"].as_object().map(|tr| path_ty(&Value::Object(tr.clone())));
            match trait_path.filter(|p| !p.is_empty()) {
                Some(tr) => format!("<{self_ty} as {tr}>::{name}"),
                None => format!("{self_ty}::{name}"),
            }
        }
        "function_pointer" => {
            let inputs: Vec<String> =
                v["sig"]["inputs"].as_array().into_iter().flatten().map(|p| ty(&p[1])).collect();
            let output = match &v["sig"]["output"] {
                Value::Null => String::new(),
                o => format!(" -> {}", ty(o)),
            };
            format!("fn({}){output}", inputs.join(", "))
        }
        "infer" => "_".to_owned(),
        other => other.to_owned(),
    }
}
