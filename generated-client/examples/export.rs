//! Exports conversations with their side-loaded content to a JSON Lines file, resumably
//! and exactly once, then creates one report and waits until it is generated.
//!
//! ```sh
//! CONVERSOCIAL_TOKEN_NAME=… CONVERSOCIAL_TOKEN_SECRET=… \
//!     cargo run -p conversocial --example export -- out-dir --max-pages 20
//! ```
//!
//! Output in `out-dir`: `conversations.jsonl` (one `{"conversation": …, "content": […]}`
//! a line) and `state.json`, the checkpoint. Before each page the checkpoint records where
//! that page starts (its cursor) and how long the output file was; after it, the cursor of
//! the next page. Run again after an interruption (a crash, `kill -9`, a failed request)
//! and the output is cut back to the recorded length and the listing goes on from the
//! cursor with `list_conversations_resume`: no line is lost or written twice.
//! `--crash-after-items N` stops the process in the middle of a page, after N lines, to
//! try it. `--max-pages N` bounds the pages fetched per run (default 10).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use conversocial::models::{
    AccountId, ConversationInclude, ConversationStatus, Report, ReportCreate, ReportCreateScope,
};
use conversocial::queries::ListConversationsQuery;
use conversocial::{Client, Cursor, Date, Waiter};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

/// The checkpoint: where to go on, and how much of the output is complete.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    cursor: Option<Cursor>,
    output_len: u64,
    complete: bool,
}

struct Args {
    dir: PathBuf,
    max_pages: u64,
    crash_after_items: Option<u64>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    fs::create_dir_all(&args.dir)?;
    let client = Client::from_env()?;
    export(&client, &args).await?;
    let report = create_and_await_report(&client, Duration::from_secs(600)).await?;
    println!(
        "report {} generated: {}",
        report.id,
        report.download.as_deref().unwrap_or("(no download link)")
    );
    Ok(())
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: export DIR [--max-pages N] [--crash-after-items N]";
    let mut args = std::env::args().skip(1);
    let mut parsed = Args { dir: PathBuf::new(), max_pages: 10, crash_after_items: None };
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u64, String> {
            args.next().and_then(|v| v.parse().ok()).ok_or_else(|| format!("{name} needs a number; {usage}"))
        };
        match arg.as_str() {
            "--max-pages" => parsed.max_pages = number("--max-pages")?,
            "--crash-after-items" => parsed.crash_after_items = Some(number("--crash-after-items")?),
            _ if parsed.dir.as_os_str().is_empty() && !arg.starts_with('-') => parsed.dir = arg.into(),
            _ => return Err(usage.to_owned()),
        }
    }
    if parsed.dir.as_os_str().is_empty() {
        return Err(usage.to_owned());
    }
    Ok(parsed)
}

async fn export(client: &Client, args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let state_path = args.dir.join("state.json");
    let state: State = match fs::read(&state_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => State::default(),
        Err(error) => return Err(error.into()),
    };
    if state.complete {
        println!("the export is already complete");
        return Ok(());
    }
    let mut output = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(args.dir.join("conversations.jsonl"))?;
    // Anything after the checkpoint belongs to a page that was not finished: cut it off.
    output.set_len(state.output_len)?;
    let mut output_len = state.output_len;
    let mut pages = match state.cursor {
        Some(cursor) => {
            println!("resuming from {cursor}");
            client.list_conversations_resume(cursor).max_pages(args.max_pages).pages()
        }
        None => {
            let query = ListConversationsQuery::new()
                .status([ConversationStatus::Unread])
                .include([ConversationInclude::Content])
                .page_size(50);
            client.list_conversations_pages(&query).max_pages(args.max_pages).pages()
        }
    };
    let mut written = 0u64;
    while let Some(page) = pages.try_next().await? {
        save(&state_path, &State { cursor: Some(page.cursor().clone()), output_len, complete: false })?;
        let next = page.next_cursor();
        let content = page.page().content.clone().unwrap_or_default();
        // into_items() leaves out what a resumed page had already delivered (page.skipped()).
        for conversation in page.into_items() {
            let ids = conversation.content_ids.as_deref().unwrap_or_default();
            let own: Vec<_> = content.iter().filter(|item| ids.contains(&item.id)).collect();
            let mut line =
                serde_json::to_vec(&serde_json::json!({"conversation": conversation, "content": own}))?;
            line.push(b'\n');
            output.write_all(&line)?;
            written += 1;
            if args.crash_after_items == Some(written) {
                output.sync_data()?;
                eprintln!("stopping after {written} lines, in the middle of a page (--crash-after-items)");
                std::process::exit(75);
            }
            output_len += line.len() as u64;
        }
        output.sync_data()?;
        let complete = next.is_none();
        save(&state_path, &State { cursor: next, output_len, complete })?;
    }
    println!("wrote {written} conversations");
    Ok(())
}

/// Replaces the checkpoint atomically (a new file, synced, renamed over the old one).
fn save(path: &Path, state: &State) -> std::io::Result<()> {
    let temporary = path.with_extension("json.tmp");
    let mut file = File::create(&temporary)?;
    file.write_all(&serde_json::to_vec(state)?)?;
    file.sync_all()?;
    fs::rename(&temporary, path)
}

/// Creates a report of January 2024 for one account and waits, polling with a growing
/// pause, until it is generated or has failed, or `budget` runs out.
async fn create_and_await_report(
    client: &Client,
    budget: Duration,
) -> Result<Report, Box<dyn std::error::Error>> {
    let (Some(date_from), Some(date_to)) = (Date::from_ymd(2024, 1, 1), Date::from_ymd(2024, 1, 31)) else {
        return Err("invalid report dates".into());
    };
    let body = ReportCreate {
        scope: ReportCreateScope::Account(AccountId::from("14054")),
        date_from,
        date_to,
        date_type: None,
    };
    let queued = client.create_report(&body).await?;
    println!("report {} queued", queued.id);
    let waiter = Waiter::new(budget).delays(Duration::from_secs(2), Duration::from_secs(60));
    Ok(client.wait_for_report(&queued.id, waiter).await?)
}
