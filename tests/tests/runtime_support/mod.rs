//! Shared helpers for the `runtime_*` tests: a hand-written `Page` type, a paging
//! responder for wiremock, a request-time recorder and a tracing capture buffer.
#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conversocial::runtime::Request;
use conversocial::{Client, ClientBuilder, Page, RateLimit, RetryPolicy};
use serde::Deserialize;
use wiremock::{Respond, ResponseTemplate};

pub const NAME: &str = "export-bot";
pub const SECRET: &str = "s3cr3t-T0ken-value-9f8e7d";

/// `Basic base64(NAME:SECRET)`, as it goes over the wire.
pub fn basic_header() -> String {
    format!("Basic {}", base64(format!("{NAME}:{SECRET}").as_bytes()))
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Fast retries, no client-side limit: the settings most tests start from.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

pub fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .credentials(NAME, SECRET)
        .rate_limit(RateLimit::disabled())
        .retry_policy(quick_retries())
        .timeout(Duration::from_secs(5))
}

pub fn client(base_url: &str) -> Client {
    builder(base_url).build().unwrap()
}

pub fn get(operation: &'static str, path: &str) -> Request {
    Request::new(reqwest::Method::GET, operation, path.to_owned())
}

#[derive(Debug, Deserialize, PartialEq, Eq, Hash, Clone)]
pub struct Item {
    pub id: u64,
}

#[derive(Debug, Deserialize)]
pub struct Paging {
    pub next_page: Option<String>,
    pub prev_page: Option<String>,
}

/// `{"items": [...], "paging": {...}, "content": [...]}`: a list response with a
/// side-loaded array, as the API's conversations have.
#[derive(Debug, Deserialize)]
pub struct ItemsPage {
    pub items: Vec<Item>,
    pub paging: Paging,
    #[serde(default)]
    pub content: Vec<serde_json::Value>,
}

impl Page for ItemsPage {
    type Item = Item;
    const ITEMS_PATH: &'static [&'static str] = &["items"];
    const NEXT_PATH: &'static [&'static str] = &["paging", "next_page"];
    fn next_url(&self) -> Option<&str> {
        self.paging.next_page.as_deref()
    }
    fn items(&self) -> &[Item] {
        &self.items
    }
    fn into_items(self) -> Vec<Item> {
        self.items
    }
    fn item_key(item: &Item) -> Option<String> {
        Some(item.id.to_string())
    }
}

/// Serves `total` items `0..total`, `page_size` per page, on `/items?offset=N`; the next
/// link keeps every other query parameter and carries `offset`. Each page has a
/// `prev_page` pointing at `/trap` and a side-loaded `content` array.
///
/// `fail_once` holds offsets whose first request answers `fail_status` (with
/// `Retry-After: retry_after` for 429).
pub struct Paged {
    pub base: String,
    pub total: u64,
    pub page_size: u64,
    pub fail_once: Mutex<HashSet<u64>>,
    pub fail_status: u16,
    pub retry_after: Option<String>,
    pub hits: AtomicUsize,
    pub times: Mutex<Vec<(Instant, u16)>>,
}

impl Paged {
    pub fn new(base: &str, total: u64, page_size: u64) -> Self {
        Paged {
            base: base.to_owned(),
            total,
            page_size,
            fail_once: Mutex::new(HashSet::new()),
            fail_status: 500,
            retry_after: None,
            hits: AtomicUsize::new(0),
            times: Mutex::new(Vec::new()),
        }
    }

    pub fn failing_once(mut self, offset: u64, status: u16, retry_after: Option<&str>) -> Self {
        self.fail_once.get_mut().unwrap().insert(offset);
        self.fail_status = status;
        self.retry_after = retry_after.map(str::to_owned);
        self
    }

    pub fn page(&self, offset: u64, rest: &str) -> serde_json::Value {
        let end = (offset + self.page_size).min(self.total);
        let items: Vec<_> =
            (offset..end).map(|id| serde_json::json!({"id": id, "extra": "ignored"})).collect();
        let next = (end < self.total).then(|| format!("{}/items?{rest}offset={end}", self.base));
        serde_json::json!({
            "items": items,
            "paging": {"next_page": next, "prev_page": format!("{}/trap", self.base)},
            "content": [{"page_offset": offset}],
        })
    }
}

impl Respond for Paged {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let mut offset = 0;
        let mut rest = String::new();
        for (k, v) in request.url.query_pairs() {
            if k == "offset" {
                offset = v.parse().unwrap();
            } else {
                rest.push_str(&format!("{k}={v}&"));
            }
        }
        let fail = self.fail_once.lock().unwrap().remove(&offset);
        let status = if fail { self.fail_status } else { 200 };
        self.times.lock().unwrap().push((Instant::now(), status));
        if fail {
            let mut t = ResponseTemplate::new(status)
                .set_body_json(serde_json::json!({"status": "error", "message": "injected failure"}));
            if let Some(r) = &self.retry_after {
                t = t.insert_header("Retry-After", r.as_str());
            }
            return t;
        }
        ResponseTemplate::new(200).set_body_json(self.page(offset, &rest))
    }
}

/// Records when each request arrived, and answers `{"ok": true}`.
#[derive(Clone, Default)]
pub struct Recorder(pub Arc<Mutex<Vec<Instant>>>);

impl Recorder {
    pub fn times(&self) -> Vec<Instant> {
        let mut t = self.0.lock().unwrap().clone();
        t.sort();
        t
    }
}

impl Respond for Recorder {
    fn respond(&self, _request: &wiremock::Request) -> ResponseTemplate {
        self.0.lock().unwrap().push(Instant::now());
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true}))
    }
}

/// The largest number of sorted `times` inside any half-open window of `window`.
pub fn worst_window(times: &[Instant], window: Duration) -> usize {
    let mut worst = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= window {
            start += 1;
        }
        worst = worst.max(end - start + 1);
    }
    worst
}

/// A `tracing` writer into memory.
#[derive(Clone, Default)]
pub struct LogBuffer(pub Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> LogBuffer {
        self.clone()
    }
}

/// Captures every event of this thread at TRACE level until the guard is dropped.
pub fn capture_logs() -> (LogBuffer, tracing::subscriber::DefaultGuard) {
    let buffer = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}
