//! Where an export's lines go: the main output (JSON Lines or CSV) and two JSON Lines
//! side streams, the side-loaded objects that belong to no exported line and the items
//! the client set aside as undecodable.
//!
//! With `--out FILE` the side streams are `FILE.sideloaded.jsonl` and
//! `FILE.set-aside.jsonl`, created on their first line. On standard output, JSON Lines
//! marks side lines `{"_sideloaded": ...}` and `{"_set_aside": ...}` among the others;
//! CSV leaves them to standard error, one JSON object a line after `set-aside: ` or
//! `sideloaded: `. Nothing is dropped.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::args::Format;
use crate::exit::Failure;
use crate::state::{State, sync_folder};

/// The lines one page produced.
#[derive(Debug, Default)]
pub struct Lines {
    pub main: Vec<Value>,
    pub sideloaded: Vec<Value>,
    pub set_aside: Vec<Value>,
}

/// One destination of lines.
enum Target {
    /// A file, opened on the first write; `len` is its length in bytes so far.
    File {
        path: PathBuf,
        file: Option<BufWriter<File>>,
        len: u64,
    },
    Stdout,
    /// Standard error, each line after this prefix.
    Stderr(&'static str),
}

impl Target {
    fn file(path: PathBuf, len: u64) -> Target {
        Target::File { path, file: None, len }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        match self {
            Target::File { path, file, len } => {
                if file.is_none() {
                    let opened = OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&*path)
                        .map_err(|e| Failure::io("cannot open the output file", path, &e))?;
                    *file = Some(BufWriter::with_capacity(256 * 1024, opened));
                }
                if let Some(out) = file {
                    out.write_all(bytes).map_err(|e| Failure::io("cannot write to", path, &e))?;
                }
                *len += bytes.len() as u64;
                Ok(())
            }
            Target::Stdout => write_std(io::stdout().lock(), bytes),
            Target::Stderr(prefix) => {
                let mut line = prefix.as_bytes().to_vec();
                line.extend_from_slice(bytes);
                write_std(io::stderr().lock(), &line)
            }
        }
    }

    /// Flushes, and syncs a file to disk.
    fn commit(&mut self) -> Result<(), Failure> {
        match self {
            Target::File { path, file: Some(out), .. } => {
                out.flush().map_err(|e| Failure::io("cannot write to", path, &e))?;
                out.get_ref().sync_data().map_err(|e| Failure::io("cannot sync", path, &e))
            }
            Target::File { .. } => Ok(()),
            Target::Stdout => io::stdout().flush().map_err(stdout_failure),
            Target::Stderr(_) => Ok(()),
        }
    }

    fn record(&self, state: &mut State) {
        if let Target::File { path, len, .. } = self {
            state.lengths.insert(path.clone(), *len);
        }
    }
}

fn write_std(mut out: impl Write, bytes: &[u8]) -> Result<(), Failure> {
    out.write_all(bytes).map_err(stdout_failure)
}

fn stdout_failure(e: io::Error) -> Failure {
    Failure::new(crate::exit::Code::Io, format!("cannot write to standard output: {e}"))
}

/// The destinations of one export.
pub struct Output {
    format: Format,
    columns: &'static [&'static str],
    main: Target,
    sideloaded: Target,
    set_aside: Target,
    /// Files created or truncated, whose folder must be synced once.
    folders_synced: bool,
}

/// The side files of `out`.
pub fn side_paths(out: &Path) -> (PathBuf, PathBuf) {
    let with = |suffix: &str| {
        let mut name = out.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    (with(".sideloaded.jsonl"), with(".set-aside.jsonl"))
}

impl Output {
    /// Standard output.
    pub fn stdout(format: Format, columns: &'static [&'static str]) -> Result<Output, Failure> {
        let side = |prefix| match format {
            Format::Jsonl => Target::Stdout,
            Format::Csv => Target::Stderr(prefix),
        };
        let mut output = Output {
            format,
            columns,
            main: Target::Stdout,
            sideloaded: side("sideloaded: "),
            set_aside: side("set-aside: "),
            folders_synced: true,
        };
        output.header()?;
        Ok(output)
    }

    /// The files of `out`, as `state` left them: each cut back to its recorded length (a
    /// file without a record to nothing), or all emptied when `state` is new.
    pub fn files(
        format: Format,
        columns: &'static [&'static str],
        out: &Path,
        state: &State,
    ) -> Result<Output, Failure> {
        let (sideloaded, set_aside) = side_paths(out);
        let mut targets = Vec::new();
        for path in [out.to_path_buf(), sideloaded, set_aside] {
            let len = state.lengths.get(&path).copied().unwrap_or(0);
            cut_back(&path, len)?;
            targets.push(Target::file(path, len));
        }
        let [main, sideloaded, set_aside]: [Target; 3] =
            targets.try_into().map_err(|_| Failure::config("internal: three output files expected"))?;
        let mut output = Output { format, columns, main, sideloaded, set_aside, folders_synced: false };
        if state.cursor.is_none() && !state.done && !state.lengths.values().any(|len| *len > 0) {
            output.header()?;
        }
        output.main.write(&[])?; // the main file exists even when nothing is listed
        Ok(output)
    }

    fn header(&mut self) -> Result<(), Failure> {
        if self.format == Format::Csv {
            let header: Vec<Value> = self.columns.iter().map(|c| Value::String((*c).to_owned())).collect();
            let bytes = csv_rows(std::iter::once(header))?;
            self.main.write(&bytes)?;
        }
        Ok(())
    }

    /// Writes one page's lines (not yet durable: see [`commit`](Self::commit)).
    pub fn write(&mut self, lines: &Lines) -> Result<(), Failure> {
        let stdout_jsonl = matches!(self.main, Target::Stdout) && self.format == Format::Jsonl;
        let mark = |key: &str, value: &Value| {
            if stdout_jsonl { serde_json::json!({ key: value }) } else { value.clone() }
        };
        let main = match self.format {
            Format::Jsonl => jsonl(lines.main.iter().cloned())?,
            Format::Csv => {
                let columns = self.columns;
                csv_rows(lines.main.iter().map(|item| {
                    columns.iter().map(|c| item.get(*c).cloned().unwrap_or(Value::Null)).collect()
                }))?
            }
        };
        self.main.write(&main)?;
        if !lines.sideloaded.is_empty() {
            let bytes = jsonl(lines.sideloaded.iter().map(|v| mark("_sideloaded", v)))?;
            self.sideloaded.write(&bytes)?;
        }
        if !lines.set_aside.is_empty() {
            let bytes = jsonl(lines.set_aside.iter().map(|v| mark("_set_aside", v)))?;
            self.set_aside.write(&bytes)?;
        }
        Ok(())
    }

    /// Makes everything written so far durable, and records each file's length in `state`.
    pub fn commit(&mut self, state: &mut State) -> Result<(), Failure> {
        for target in [&mut self.main, &mut self.sideloaded, &mut self.set_aside] {
            target.commit()?;
            target.record(state);
        }
        if !self.folders_synced {
            if let Target::File { path, .. } = &self.main {
                sync_folder(path).map_err(|e| Failure::io("cannot sync the folder of", path, &e))?;
            }
            self.folders_synced = true;
        }
        Ok(())
    }
}

/// Cuts the file at `path` back to `len` bytes (removes it for 0). A file shorter than
/// `len` was changed by someone else since the checkpoint: resuming would leave a gap.
fn cut_back(path: &Path, len: u64) -> Result<(), Failure> {
    let file = match OpenOptions::new().write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound && len == 0 => return Ok(()),
        Err(e) => return Err(Failure::io("cannot open the output file to resume", path, &e)),
    };
    let io = |e| Failure::io("cannot resume the output file", path, &e);
    let actual = file.metadata().map_err(io)?.len();
    if actual < len {
        return Err(Failure::new(
            crate::exit::Code::Io,
            format!(
                "`{}` is shorter ({actual} bytes) than when the state was saved ({len} bytes): it was \
                 changed since; remove the state file to export again from the start",
                path.display()
            ),
        ));
    }
    if len == 0 {
        drop(file);
        return fs::remove_file(path).map_err(io);
    }
    file.set_len(len).map_err(io)?;
    let mut file = file;
    file.seek(SeekFrom::End(0)).map_err(io)?;
    file.sync_data().map_err(io)
}

fn jsonl(values: impl Iterator<Item = Value>) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    for value in values {
        serde_json::to_writer(&mut bytes, &value)
            .map_err(|e| Failure::config(format!("internal: a line could not be encoded: {e}")))?;
        bytes.push(b'\n');
    }
    Ok(bytes)
}

/// CSV rows: strings as they are, numbers and booleans as JSON, arrays and objects as
/// JSON text, null and absent as an empty cell.
fn csv_rows(rows: impl Iterator<Item = Vec<Value>>) -> Result<Vec<u8>, Failure> {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(cell))
            .map_err(|e| Failure::config(format!("internal: a CSV row could not be encoded: {e}")))?;
    }
    writer.into_inner().map_err(|e| Failure::config(format!("internal: CSV: {e}")))
}

/// The text of one CSV cell.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_cells_keep_their_order_and_quote_what_needs_it() {
        let rows = vec![vec![json!("a,b"), json!(null), json!(3), json!({"k": [1]}), json!("line\nbreak")]];
        let text = String::from_utf8(csv_rows(rows.into_iter()).unwrap()).unwrap();
        assert_eq!(text, "\"a,b\",,3,\"{\"\"k\"\":[1]}\",\"line\nbreak\"\n");
    }

    #[test]
    fn side_files_are_named_after_the_output() {
        let (side, aside) = side_paths(Path::new("/x/out.jsonl"));
        assert_eq!(side, Path::new("/x/out.jsonl.sideloaded.jsonl"));
        assert_eq!(aside, Path::new("/x/out.jsonl.set-aside.jsonl"));
    }
}
