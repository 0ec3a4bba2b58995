//! Syncing a folder with a set of generated files: write what changed, delete orphans,
//! or (in check mode) only report the difference.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, BufRead, Write};
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
    let stale = files
        .iter()
        .filter(|(rel, contents)| !holds(&dir.join(rel), contents.as_bytes()))
        .map(|(rel, _)| dir.join(rel))
        .collect();
    Ok(Diff { stale, orphans: orphans(dir, |rel| files.contains_key(rel))? })
}

/// Makes `dir` hold exactly `files`: writes changed files only, deletes orphans.
pub fn sync(dir: &Path, files: &BTreeMap<String, String>) -> Result<Diff> {
    let d = diff(dir, files)?;
    for path in &d.stale {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let contents = files.get(&relative(dir, path)).map(String::as_str).unwrap_or_default();
        fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    for path in &d.orphans {
        fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(d)
}

/// Whether the file at `path` holds exactly `contents` (compared a block at a time, so a
/// large generated file is never read into memory whole).
fn holds(path: &Path, contents: &[u8]) -> bool {
    let Ok(file) = fs::File::open(path) else { return false };
    file.metadata().is_ok_and(|m| m.len() == contents.len() as u64)
        && same_bytes(io::BufReader::with_capacity(BLOCK, file), contents)
}

/// Whether two readers yield the same bytes.
fn same_bytes(mut a: impl BufRead, mut b: impl BufRead) -> bool {
    loop {
        let (Ok(ba), Ok(bb)) = (a.fill_buf(), b.fill_buf()) else { return false };
        if ba.is_empty() || bb.is_empty() {
            return ba.is_empty() && bb.is_empty();
        }
        let n = ba.len().min(bb.len());
        if ba[..n] != bb[..n] {
            return false;
        }
        a.consume(n);
        b.consume(n);
    }
}

/// A [`codegen::Sink`] writing each generated file below `dir` as its text arrives, into a
/// `.partial` file beside it that replaces the file only if the contents differ: an
/// unchanged file keeps its modification time, so cargo does not rebuild it.
pub struct DiskSink {
    dir: PathBuf,
    /// The file being written: its path, the partial file's and the writer.
    current: Option<(PathBuf, PathBuf, io::BufWriter<fs::File>)>,
    /// Relative paths of the files written so far.
    pub written: BTreeSet<String>,
    /// Lines and bytes written so far.
    pub lines: usize,
    pub bytes: usize,
}

impl DiskSink {
    pub fn new(dir: &Path) -> Self {
        DiskSink { dir: dir.to_path_buf(), current: None, written: BTreeSet::new(), lines: 0, bytes: 0 }
    }
}

impl codegen::Sink for DiskSink {
    fn start(&mut self, rel: &str) -> io::Result<()> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let partial = path.with_extension("rs.partial");
        let file = fs::File::create(&partial)?;
        self.current = Some((path, partial, io::BufWriter::with_capacity(BLOCK, file)));
        self.written.insert(rel.to_owned());
        Ok(())
    }

    fn write(&mut self, text: &str) -> io::Result<()> {
        let (_, _, writer) = self.current.as_mut().ok_or_else(|| io::Error::other("no file started"))?;
        self.lines += text.bytes().filter(|&b| b == b'\n').count();
        self.bytes += text.len();
        writer.write_all(text.as_bytes())
    }

    fn finish(&mut self) -> io::Result<()> {
        let Some((path, partial, writer)) = self.current.take() else { return Ok(()) };
        drop(writer.into_inner().map_err(io::IntoInnerError::into_error)?);
        if same_contents(&path, &partial) { fs::remove_file(&partial) } else { fs::rename(&partial, &path) }
    }
}

impl Drop for DiskSink {
    /// A file left unfinished (generation failed) leaves no partial file behind.
    fn drop(&mut self) {
        if let Some((_, partial, writer)) = self.current.take() {
            drop(writer);
            let _ = fs::remove_file(partial);
        }
    }
}

const BLOCK: usize = 64 * 1024;

/// Whether two files hold the same bytes, read a block at a time.
fn same_contents(a: &Path, b: &Path) -> bool {
    let (Ok(fa), Ok(fb)) = (fs::File::open(a), fs::File::open(b)) else { return false };
    let len = |f: &fs::File| f.metadata().map(|m| m.len()).ok();
    len(&fa).is_some()
        && len(&fa) == len(&fb)
        && same_bytes(io::BufReader::with_capacity(BLOCK, fa), io::BufReader::with_capacity(BLOCK, fb))
}

/// Deletes the `.rs` files below `dir` that are not in `keep` (relative paths).
pub fn remove_orphans(dir: &Path, keep: &BTreeSet<String>) -> Result<()> {
    for path in orphans(dir, |rel| keep.contains(rel))? {
        fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

/// The `.rs` files below `dir` whose relative paths `keep` refuses.
fn orphans(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>> {
    Ok(rust_files(dir)?.into_iter().filter(|path| !keep(&relative(dir, path))).collect())
}

/// `path` relative to `dir`, with `/` separators (the keys of the generated files).
fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).to_string_lossy().replace('\\', "/")
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

#[cfg(test)]
mod tests {
    use super::*;
    use codegen::Sink;

    fn write_file(sink: &mut DiskSink, rel: &str, pieces: &[&str]) {
        sink.start(rel).unwrap();
        for piece in pieces {
            sink.write(piece).unwrap();
        }
        sink.finish().unwrap();
    }

    #[test]
    fn disk_sink_rewrites_only_what_changed_and_leaves_no_partial_files() {
        let dir = std::env::temp_dir().join(format!("xtask-disk-sink-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut sink = DiskSink::new(&dir);
        write_file(&mut sink, "a.rs", &["fn a() {}\n", "// more\n"]);
        write_file(&mut sink, "b.rs", &["fn b() {}\n"]);
        assert_eq!(fs::read_to_string(dir.join("a.rs")).unwrap(), "fn a() {}\n// more\n");
        assert_eq!((sink.lines, sink.bytes, sink.written.len()), (3, 28, 2));
        let modified = |rel: &str| fs::metadata(dir.join(rel)).unwrap().modified().unwrap();
        let (a_before, b_before) = (modified("a.rs"), modified("b.rs"));
        std::thread::sleep(std::time::Duration::from_millis(20));

        let mut again = DiskSink::new(&dir);
        write_file(&mut again, "a.rs", &["fn a() {}\n// more\n"]);
        write_file(&mut again, "b.rs", &["fn b() { changed }\n"]);
        assert_eq!(modified("a.rs"), a_before, "unchanged text keeps the file untouched");
        assert_ne!(modified("b.rs"), b_before);
        assert_eq!(fs::read_to_string(dir.join("b.rs")).unwrap(), "fn b() { changed }\n");

        // A file left unfinished leaves nothing behind.
        let mut broken = DiskSink::new(&dir);
        broken.start("c.rs").unwrap();
        broken.write("half").unwrap();
        drop(broken);
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.rs", "b.rs"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
