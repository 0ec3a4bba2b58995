//! The export loop: pages in, lines out, a checkpoint after each page.

use std::path::PathBuf;

use conversocial::{Client, Cursor, Page, PageOf, Paginator};
use futures::TryStreamExt;

use crate::args::Common;
use crate::exit::Failure;
use crate::output::{Lines, Output};
use crate::progress::Progress;
use crate::state::State;

/// One export: what it is (for the state file), its options, and its column order.
pub struct Job<'a> {
    /// Resource, filters, format and output: a resume must be of the same job.
    pub fingerprint: String,
    pub common: &'a Common,
    pub columns: &'static [&'static str],
    pub quiet: bool,
    /// Requests a minute the client may send.
    pub requests_per_minute: f64,
}

/// Runs `job`: from the start with `start`, or from the cursor its state file recorded.
pub async fn run<P: Page>(
    client: &Client,
    job: Job<'_>,
    start: impl FnOnce(&Client) -> Paginator<P>,
    lines: impl Fn(PageOf<P>) -> Result<Lines, Failure>,
) -> Result<(), Failure> {
    let common = job.common;
    let state_path: Option<PathBuf> = common.state.clone();
    let mut state = match &state_path {
        Some(path) => {
            if common.out.is_none() {
                return Err(Failure::config(
                    "--state needs --out FILE: standard output cannot be rewound to the last checkpoint",
                ));
            }
            State::load(path)?.unwrap_or_else(|| State::new(job.fingerprint.clone()))
        }
        None => State::new(job.fingerprint.clone()),
    };
    if state.command != job.fingerprint {
        return Err(Failure::config(format!(
            "the state file records another export ({}); give this one its own --state file, or \
             remove the old one to start over",
            state.command
        )));
    }
    let quota_pace = job.requests_per_minute * common.page_size as f64;
    let mut progress = Progress::new(job.quiet, common.expect, quota_pace);
    if state.done {
        progress.note(&format!(
            "this export is already complete ({} items); remove the state file to run it again",
            state.items
        ));
        return Ok(());
    }
    let mut output = match &common.out {
        Some(out) => Output::files(common.format, job.columns, out, &state)?,
        None => Output::stdout(common.format, job.columns)?,
    };
    let paginator = match &state.cursor {
        Some(text) => {
            progress.resume(state.items, state.pages, state.set_aside);
            let cursor: Cursor = text.parse().map_err(Failure::from)?;
            client.resume::<P>(cursor)
        }
        None => start(client),
    };
    checkpoint(&mut output, &mut state, state_path.as_deref())?;

    let mut pages = paginator.pages();
    while let Some(page) = pages.try_next().await.map_err(Failure::from)? {
        let next = page.next_cursor();
        let lines = lines(page)?;
        output.write(&lines)?;
        state.cursor = next.as_ref().map(Cursor::to_string);
        state.done = next.is_none();
        state.pages += 1;
        state.items += lines.main.len() as u64;
        state.set_aside += lines.set_aside.len() as u64;
        checkpoint(&mut output, &mut state, state_path.as_deref())?;
        progress.page(lines.main.len() as u64, lines.set_aside.len() as u64);
        if state.done {
            break;
        }
    }
    if !state.done {
        state.done = true;
        checkpoint(&mut output, &mut state, state_path.as_deref())?;
    }
    progress.finish();
    Ok(())
}

/// Makes the output durable, then records it: the state never runs ahead of the output.
fn checkpoint(output: &mut Output, state: &mut State, path: Option<&std::path::Path>) -> Result<(), Failure> {
    output.commit(state)?;
    match path {
        Some(path) => state.save(path),
        None => Ok(()),
    }
}
