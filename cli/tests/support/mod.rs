//! A loopback API for the CLI's tests: conversations and tags that page by offset, a
//! quota it enforces with 429s, 503s and connection resets dealt at a fixed share, and a
//! token it checks. HTTP/1.1 with keep-alive, on 127.0.0.1 only.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const TOKEN_NAME: &str = "cli-test";
pub const TOKEN_SECRET: &str = "s3cret-Never-Shown";
/// `cli-test:s3cret-Never-Shown` in base64.
const AUTHORIZATION: &str = "Basic Y2xpLXRlc3Q6czNjcmV0LU5ldmVyLVNob3du";

/// What the server does.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    pub conversations: usize,
    /// At most this many admitted requests in any trailing `window`.
    pub quota: u32,
    pub window: Duration,
    /// Every `n`th request answers 503 (0: never).
    pub fail_every: usize,
    /// Every `n`th request has its connection reset (0: never).
    pub reset_every: usize,
}

#[derive(Default)]
pub struct Stats {
    pub requests: AtomicUsize,
    pub rejected: AtomicUsize,
    pub failed: AtomicUsize,
    pub resets: AtomicUsize,
    pub served: AtomicUsize,
    admitted: Mutex<VecDeque<Instant>>,
}

pub struct Server {
    pub port: u16,
    pub stats: Arc<Stats>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    pub fn start(setup: Setup) -> Server {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stats = Arc::new(Stats::default());
        let shared = Arc::clone(&stats);
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let stats = Arc::clone(&shared);
                tokio::spawn(async move {
                    let _ = serve(socket, setup, port, &stats).await;
                });
            }
        });
        Server { port, stats, _runtime: runtime }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

async fn serve(mut socket: TcpStream, setup: Setup, port: u16, stats: &Stats) -> std::io::Result<()> {
    socket.set_nodelay(true)?;
    let mut buffer = Vec::new();
    loop {
        let head = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
                buffer.drain(..end + 4);
                break head;
            }
            let mut chunk = [0u8; 4096];
            let n = socket.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let n = stats.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
        let authorized = head.lines().any(|l| {
            l.split_once(':')
                .is_some_and(|(k, v)| k.eq_ignore_ascii_case("authorization") && v.trim() == AUTHORIZATION)
        });
        if !admit(stats, setup) {
            stats.rejected.fetch_add(1, Ordering::SeqCst);
            respond(&mut socket, 429, &json!({"success": false, "error": "rate limited"})).await?;
            continue;
        }
        if setup.reset_every > 0 && n.is_multiple_of(setup.reset_every) {
            stats.resets.fetch_add(1, Ordering::SeqCst);
            socket.set_zero_linger()?;
            return Ok(());
        }
        if setup.fail_every > 0 && n.is_multiple_of(setup.fail_every) {
            stats.failed.fetch_add(1, Ordering::SeqCst);
            respond(&mut socket, 503, &json!({"success": false, "error": "try again"})).await?;
            continue;
        }
        if !authorized {
            respond(&mut socket, 401, &json!({"success": false, "error": "bad token"})).await?;
            continue;
        }
        let (status, body) = route(&target, setup, port);
        stats.served.fetch_add(1, Ordering::SeqCst);
        respond(&mut socket, status, &body).await?;
    }
}

/// Admits a request if fewer than the quota were admitted in the trailing window.
fn admit(stats: &Stats, setup: Setup) -> bool {
    let now = Instant::now();
    let mut admitted = stats.admitted.lock().unwrap();
    while admitted.front().is_some_and(|t| now.duration_since(*t) >= setup.window) {
        admitted.pop_front();
    }
    if admitted.len() >= setup.quota as usize {
        return false;
    }
    admitted.push_back(now);
    true
}

async fn respond(socket: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(body).unwrap();
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(&body).await
}

fn query(target: &str) -> Vec<(String, String)> {
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%2C", ",")))
        .collect()
}

fn route(target: &str, setup: Setup, port: u16) -> (u16, Value) {
    let path = target.split('?').next().unwrap_or_default();
    let params = query(target);
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let includes: Vec<&str> =
        params.iter().filter(|(k, _)| k == "include").map(|(_, v)| v.as_str()).collect();
    let offset: usize = get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let page_size: usize = get("page_size").and_then(|v| v.parse().ok()).unwrap_or(20);
    let base = format!("http://127.0.0.1:{port}");
    match path {
        "/conversations" => {
            let end = (offset + page_size).min(setup.conversations);
            let conversations: Vec<Value> = (offset..end).map(|i| conversation(i, &base)).collect();
            let mut body = json!({ "conversations": conversations, "paging": { "next_page": null } });
            if end < setup.conversations {
                let mut next = format!("{base}/conversations?page_size={page_size}&offset={end}");
                for include in &includes {
                    next.push_str(&format!("&include={include}"));
                }
                body["paging"]["next_page"] = json!(next);
            }
            if includes.contains(&"content") {
                body["content"] = json!((offset..end).flat_map(|i| content(i, &base)).collect::<Vec<_>>());
            }
            if includes.contains(&"notes") {
                body["notes"] = json!(
                    (offset..end)
                        .filter(|i| i % 10 == 0)
                        .map(|i| json!({
                            "id": format!("n{i}"), "text": format!("note on {i}")
                        }))
                        .collect::<Vec<_>>()
                );
            }
            (200, body)
        }
        "/tags" => {
            let tags: Vec<Value> = (0..7)
                .map(|i| json!({"id": format!("{i}"), "url": format!("{base}/tags/{i}"), "name": format!("tag {i}"), "is_active": i % 2 == 0}))
                .collect();
            (200, json!({ "tags": tags, "paging": { "next_page": null } }))
        }
        _ if path.starts_with("/conversations/") => {
            let id = path.trim_start_matches("/conversations/");
            match id.parse::<usize>() {
                Ok(i) if i < setup.conversations => (200, json!({ "conversation": conversation(i, &base) })),
                _ => (404, json!({"success": false, "error": "No such conversation"})),
            }
        }
        _ => (404, json!({"success": false, "error": "not found"})),
    }
}

/// Conversation `i`. Every 97th has no `url` (required): the client sets it aside. Tag
/// names carry commas, quotes, line breaks and non-ASCII text, for CSV.
pub fn conversation(i: usize, base: &str) -> Value {
    let minute = i % 60;
    let hour = (i / 60) % 24;
    let day = 1 + i / 1440;
    let mut value = json!({
        "id": format!("{i:05}"),
        "url": format!("{base}/conversations/{i:05}"),
        "status": if i.is_multiple_of(2) { "unread" } else { "archived" },
        "is_priority": i.is_multiple_of(3),
        "oldest_sort_date": format!("2024-01-{day:02}T{hour:02}:{minute:02}:00"),
        "content_ids": [format!("m{i}a"), format!("m{i}b")],
        "tags": [{"id": format!("t{}", i % 5), "url": format!("{base}/tags/{}", i % 5), "name": format!("tag, \"{i}\"\nnext é")}],
    });
    if i % 97 == 50 {
        value.as_object_mut().unwrap().remove("url");
    }
    value
}

fn content(i: usize, base: &str) -> Vec<Value> {
    ["a", "b"]
        .iter()
        .map(|s| json!({"id": format!("m{i}{s}"), "url": format!("{base}/content/m{i}{s}"), "text": format!("message {s} of {i}")}))
        .collect()
}
