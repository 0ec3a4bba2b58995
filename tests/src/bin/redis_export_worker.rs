//! One worker process of the shared-quota test (`tests/tests/redis_limiter.rs`): runs
//! `TASKS` exports at once with one token, every client limited through Redis, and
//! checkpoints each export so that a worker killed with SIGKILL resumes exactly where
//! its files say, delivering nothing twice.
//!
//! `redis_export_worker BASE_URL REDIS_URL NAME TASKS STATE_DIR WINDOW_SECS QUOTA`
//!
//! Export `NAME-t` lists the conversations assigned to user `NAME-t`, appends their ids
//! to `STATE_DIR/NAME-t.out` (synced), then replaces `STATE_DIR/NAME-t.state` with the
//! next cursor and the number of lines written. On start, the output is cut back to the
//! lines the state vouches for, and the export resumes from the saved cursor.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use conversocial::models::{ConversationList, ConversationStatus, UserId};
use conversocial::queries::ListConversationsQuery;
use conversocial::{Client, Cursor, RateLimit, RedisLimit, RetryPolicy};
use futures::TryStreamExt;

struct Export {
    out: PathBuf,
    state: PathBuf,
}

impl Export {
    /// `(cursor to resume from, lines already written)`, or `None` for a fresh start;
    /// `Some((None, n))` means the export had finished.
    fn load(&self) -> Result<Option<(Option<Cursor>, u64)>, String> {
        let Ok(text) = fs::read_to_string(&self.state) else { return Ok(None) };
        let (lines, cursor) = text.split_once(' ').ok_or("bad state file")?;
        let lines: u64 = lines.parse().map_err(|e| format!("bad line count: {e}"))?;
        let cursor = match cursor.trim() {
            "done" => None,
            text => Some(text.parse::<Cursor>().map_err(|e| e.to_string())?),
        };
        // drop whatever was written after the last checkpoint
        let kept: Vec<String> = fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .take(usize::try_from(lines).map_err(|e| e.to_string())?)
            .map(str::to_owned)
            .collect();
        if kept.len() as u64 != lines {
            return Err(format!("{} has {} lines, the state says {lines}", self.out.display(), kept.len()));
        }
        let mut file = File::create(&self.out).map_err(|e| e.to_string())?;
        for line in &kept {
            writeln!(file, "{line}").map_err(|e| e.to_string())?;
        }
        file.sync_all().map_err(|e| e.to_string())?;
        Ok(Some((cursor, lines)))
    }

    fn checkpoint(&self, ids: &[String], lines: u64, next: Option<&Cursor>) -> Result<(), String> {
        let mut file =
            OpenOptions::new().create(true).append(true).open(&self.out).map_err(|e| e.to_string())?;
        for id in ids {
            writeln!(file, "{id}").map_err(|e| e.to_string())?;
        }
        file.sync_all().map_err(|e| e.to_string())?;
        let tmp = self.state.with_extension("tmp");
        let text = format!("{lines} {}", next.map_or("done".to_owned(), Cursor::to_string));
        fs::write(&tmp, text).map_err(|e| e.to_string())?;
        File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| e.to_string())?;
        fs::rename(&tmp, &self.state).map_err(|e| e.to_string())
    }
}

async fn export(client: Client, user: String, dir: &Path) -> Result<(), String> {
    let files = Export { out: dir.join(format!("{user}.out")), state: dir.join(format!("{user}.state")) };
    let (mut pages, mut lines) = match files.load()? {
        Some((None, _)) => return Ok(()),
        Some((Some(cursor), lines)) => (client.resume::<ConversationList>(cursor).pages(), lines),
        None => {
            let query = ListConversationsQuery {
                status: vec![ConversationStatus::Unread],
                assigned_to: Some(UserId::from(user.as_str())),
                ..Default::default()
            };
            (client.list_conversations_pages(&query).pages(), 0)
        }
    };
    while let Some(page) = pages.try_next().await.map_err(|e| format!("{user}: {e}"))? {
        let next = page.next_cursor();
        let ids: Vec<String> = page.into_items().into_iter().map(|c| c.id.to_string()).collect();
        lines += ids.len() as u64;
        files.checkpoint(&ids, lines, next.as_ref())?;
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, redis, name, tasks, dir, window, quota] = args.as_slice() else {
        eprintln!("usage: redis_export_worker BASE_URL REDIS_URL NAME TASKS STATE_DIR WINDOW_SECS QUOTA");
        return ExitCode::from(2);
    };
    let (Ok(tasks), Ok(window), Ok(quota)) =
        (tasks.parse::<u32>(), window.parse::<u64>(), quota.parse::<u32>())
    else {
        eprintln!("TASKS, WINDOW_SECS and QUOTA are numbers");
        return ExitCode::from(2);
    };
    let limit =
        RateLimit::new(quota, Duration::from_secs(window)).through_redis(RedisLimit::new(redis.as_str()));
    let mut handles = Vec::new();
    for t in 0..tasks {
        // one client per task, as separate parts of a program would build them
        let client = match Client::builder()
            .base_url(base.as_str())
            .credentials("shared-token", "shared-secret")
            .rate_limit(limit.clone())
            .retry_policy(RetryPolicy { max_elapsed: Duration::from_secs(120), ..RetryPolicy::default() })
            .build()
        {
            Ok(client) => client,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let dir = PathBuf::from(dir);
        let user = format!("{name}-{t}");
        handles.push(tokio::spawn(async move { export(client, user, &dir).await }));
    }
    let mut failed = false;
    for handle in handles {
        match handle.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                eprintln!("{e}");
                failed = true;
            }
            Err(e) => {
                eprintln!("task failed: {e}");
                failed = true;
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
