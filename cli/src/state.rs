//! The checkpoint of an export (`--state FILE`): where the listing goes on, and how long
//! each output file was after the last complete page.
//!
//! The order of writes makes an export exactly-once under `kill -9` at any moment: a
//! page's lines are written, flushed and synced to disk first; only then is the state
//! replaced, atomically (a temporary file, synced, renamed over the old one, the folder
//! synced). On resume every output file is truncated to the length the state recorded,
//! which drops a partial page or a page written after the last checkpoint, and the
//! listing goes on from the recorded cursor.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit::Failure;

/// The state file's format version.
const VERSION: u32 = 1;

/// The recorded progress of one export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// What was asked for (resource, filters, format, output): a resume must ask the same.
    pub command: String,
    /// Where the listing goes on; `None` before the first page.
    pub cursor: Option<String>,
    /// The last page was written.
    pub done: bool,
    /// Each output file's length in bytes after the last complete page.
    pub lengths: BTreeMap<PathBuf, u64>,
    pub pages: u64,
    pub items: u64,
    pub set_aside: u64,
}

impl State {
    /// A new export of `command`.
    pub fn new(command: String) -> Self {
        State {
            version: VERSION,
            command,
            cursor: None,
            done: false,
            lengths: BTreeMap::new(),
            pages: 0,
            items: 0,
            set_aside: 0,
        }
    }

    /// The state at `path`, `None` when there is none yet.
    pub fn load(path: &Path) -> Result<Option<State>, Failure> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Failure::io("cannot read the state file", path, &e)),
        };
        let state: State = serde_json::from_str(&text).map_err(|e| {
            Failure::config(format!(
                "the state file `{}` is not one this program wrote ({e}); remove it to start the export over",
                path.display()
            ))
        })?;
        if state.version != VERSION {
            return Err(Failure::config(format!(
                "the state file `{}` has format version {}, this program reads {VERSION}; remove it to start over",
                path.display(),
                state.version
            )));
        }
        Ok(Some(state))
    }

    /// Replaces the state at `path` atomically and durably.
    pub fn save(&self, path: &Path) -> Result<(), Failure> {
        let io = |e: std::io::Error| Failure::io("cannot write the state file", path, &e);
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| Failure::config(format!("the state could not be encoded: {e}")))?;
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        {
            let mut file =
                OpenOptions::new().write(true).create(true).truncate(true).open(&temporary).map_err(io)?;
            file.write_all(&text).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        fs::rename(&temporary, path).map_err(io)?;
        sync_folder(path).map_err(io)
    }
}

/// Syncs the folder holding `path`, so a rename or a new file survives a crash.
pub fn sync_folder(path: &Path) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(folder)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads() {
        let folder = std::env::temp_dir().join(format!("conversocial-state-{}", std::process::id()));
        fs::create_dir_all(&folder).unwrap();
        let path = folder.join("s.json");
        assert_eq!(State::load(&path).unwrap(), None);
        let mut state = State::new("export".into());
        state.cursor = Some("https://h/x?page=2".into());
        state.lengths.insert(folder.join("out.jsonl"), 42);
        state.save(&path).unwrap();
        assert_eq!(State::load(&path).unwrap(), Some(state));
        fs::write(&path, "{").unwrap();
        assert!(State::load(&path).is_err());
        fs::remove_dir_all(&folder).unwrap();
    }
}
