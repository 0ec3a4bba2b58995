//! Syncing a folder with a set of generated files: write what changed, delete orphans,
//! or (in check mode) only report the difference.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// What differs between the wanted files and the folder.
#[derive(Debug, Default)]
pub struct Diff {
    /// Files whose contents differ or that are missing.
    pub stale: Vec<PathBuf>,
    /// `.rs` files in the folder that the generator no longer produces.
    pub orphans: Vec<PathBuf>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.stale.is_empty() && self.orphans.is_empty()
    }
}

/// Compares `files` (relative path → contents) with `dir`.
pub fn diff(dir: &Path, files: &BTreeMap<String, String>) -> Result<Diff> {
    let mut out = Diff::default();
    for (rel, contents) in files {
        let path = dir.join(rel);
        match fs::read_to_string(&path) {
            Ok(existing) if &existing == contents => {}
            _ => out.stale.push(path),
        }
    }
    for path in rust_files(dir)? {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if !files.contains_key(&rel) {
            out.orphans.push(path);
        }
    }
    Ok(out)
}

/// Makes `dir` hold exactly `files`: writes changed files only, deletes orphans.
pub fn sync(dir: &Path, files: &BTreeMap<String, String>) -> Result<Diff> {
    let d = diff(dir, files)?;
    for path in &d.stale {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let rel = path.strip_prefix(dir).unwrap_or(path).to_string_lossy().replace('\\', "/");
        let contents = files.get(&rel).map(String::as_str).unwrap_or_default();
        fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    for path in &d.orphans {
        fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(d)
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
