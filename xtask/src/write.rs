//! Syncing a folder with a set of generated files: write what changed, delete orphans,
//! or (in check mode) only report the difference.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
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
    for (rel, contents) in files {
        put(dir, rel, contents)?;
    }
    remove_orphans(dir, &files.keys().cloned().collect())?;
    Ok(d)
}

/// Writes one file below `dir` unless it already holds `contents`.
pub fn put(dir: &Path, rel: &str, contents: &str) -> Result<()> {
    let path = dir.join(rel);
    if holds(&path, contents.as_bytes()) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))
}

/// Whether the file at `path` holds exactly `contents`, read a block at a time (a large
/// generated file is not read into memory whole).
fn holds(path: &Path, contents: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut file) = fs::File::open(path) else { return false };
    if file.metadata().map(|m| m.len()).ok() != Some(contents.len() as u64) {
        return false;
    }
    let mut block = vec![0; 64 * 1024];
    let mut rest = contents;
    loop {
        match file.read(&mut block) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if n <= rest.len() && block[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) | Err(_) => return false,
        }
    }
}

/// Deletes the `.rs` files below `dir` that are not in `keep` (relative paths).
pub fn remove_orphans(dir: &Path, keep: &BTreeSet<String>) -> Result<()> {
    for path in rust_files(dir)? {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if !keep.contains(&rel) {
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
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
