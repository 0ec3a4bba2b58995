//! Benchmark 3: peak RSS of a process streaming 100,000 items against one streaming
//! 10,000, through `list_conversations_pages(..).items()`. Each run is a fresh child
//! process (`bench stream-child URL ITEMS`) so that `VmHWM` is its own; the server runs
//! in the parent.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use conversocial::models::{ConversationInclude, ConversationStatus};
use conversocial::queries::ListConversationsQuery;
use futures::TryStreamExt;
use hyper::StatusCode;
use serde::{Deserialize, Serialize};

use crate::fixture::PageTemplate;
use crate::overhead;
use crate::report::{Report, Row, Status, child_command, proc_status_kb};
use crate::server::{self, Server};
use crate::stats::{median, summarize};

const PER_PAGE: u64 = 50;

/// What a child reports.
#[derive(Debug, Serialize, Deserialize)]
struct ChildResult {
    items: u64,
    /// `VmHWM` once the runtime and client are built, before the first request.
    hwm_before_kb: u64,
    /// `VmHWM` after the last item.
    hwm_kb: u64,
    rss_end_kb: u64,
    secs: f64,
}

/// A server for a listing of `total` conversations in pages of 50 with side-loaded content;
/// page `n` links to `n + 1` until the last.
pub fn listing_server(total: Option<u64>) -> Server {
    let template = Arc::new(PageTemplate::conversations(PER_PAGE));
    let next_base = Arc::new(std::sync::OnceLock::<String>::new());
    let link_base = Arc::clone(&next_base);
    let server = Server::start(Arc::new(move |req| {
        if req.uri().path() != "/v1.3/conversations" {
            return server::not_found();
        }
        let page = server::query_u64(req, "page").unwrap_or(0);
        let last = total.is_some_and(|total| (page + 1) * PER_PAGE >= total);
        let next = (!last).then(|| {
            format!(
                "{}/conversations?status=unread&include=content&page_size={PER_PAGE}&page={}",
                link_base.get().map_or("", String::as_str),
                page + 1
            )
        });
        server::json(StatusCode::OK, Bytes::from(template.render(next.as_deref())))
    }));
    let _ = next_base.set(server.base_url());
    server
}

/// The query of an export: unread conversations with their content, 50 a page.
pub fn export_query() -> ListConversationsQuery {
    ListConversationsQuery {
        status: vec![ConversationStatus::Unread],
        include: vec![ConversationInclude::Content],
        page_size: Some(PER_PAGE as i64),
        ..Default::default()
    }
}

/// `bench stream-child URL ITEMS`: streams the listing and prints a [`ChildResult`].
pub fn child(base_url: &str, items: u64) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build the runtime");
    let result = runtime.block_on(async {
        let client = overhead::client(base_url, overhead::http_client());
        let hwm_before_kb = proc_status_kb("VmHWM").unwrap_or(0);
        let start = Instant::now();
        let mut stream = client.list_conversations_pages(&export_query()).items();
        let mut count = 0u64;
        let mut id_bytes = 0usize;
        while let Some(conversation) = stream.try_next().await.expect("the stream yields every item") {
            count += 1;
            id_bytes += conversation.id.as_str().len();
        }
        std::hint::black_box(id_bytes);
        ChildResult {
            items: count,
            hwm_before_kb,
            hwm_kb: proc_status_kb("VmHWM").unwrap_or(0),
            rss_end_kb: proc_status_kb("VmRSS").unwrap_or(0),
            secs: start.elapsed().as_secs_f64(),
        }
    });
    assert_eq!(result.items, items, "the stream must yield every item exactly once");
    println!("{}", serde_json::to_string(&result).expect("serialise the child's result"));
}

fn run_child(items: u64) -> ChildResult {
    let server = listing_server(Some(items));
    let output = child_command()
        .args(["stream-child", &server.base_url(), &items.to_string()])
        .output()
        .expect("run the streaming child");
    assert!(
        output.status.success(),
        "the streaming child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).expect("parse the child's result")
}

/// The streaming-memory benchmark.
pub fn run(smoke: bool) -> Report {
    let (small, large, repeats) = if smoke { (500, 5_000, 1) } else { (10_000, 100_000, 3) };
    let mut small_runs = Vec::new();
    let mut large_runs = Vec::new();
    for _ in 0..repeats {
        small_runs.push(run_child(small));
        large_runs.push(run_child(large));
        eprintln!(
            "  stream: {small} items peak {} KiB, {large} items peak {} KiB",
            small_runs.last().map_or(0, |r| r.hwm_kb),
            large_runs.last().map_or(0, |r| r.hwm_kb)
        );
    }
    let peak = |runs: &[ChildResult]| runs.iter().map(|r| r.hwm_kb as f64).collect::<Vec<_>>();
    let (small_peak, large_peak) = (summarize(&peak(&small_runs)), summarize(&peak(&large_runs)));
    let ratio = large_peak.median / small_peak.median;
    let before = median(&large_runs.iter().map(|r| r.hwm_before_kb as f64).collect::<Vec<_>>());
    let rate =
        |runs: &[ChildResult], n: u64| median(&runs.iter().map(|r| n as f64 / r.secs).collect::<Vec<_>>());
    let mib = |kb: f64| format!("{:.1} MiB", kb / 1024.0);
    let range = |s: &crate::stats::Summary| format!("min–max {}–{} (n={})", mib(s.min), mib(s.max), s.n);
    let mut rows = vec![
        Row::new(
            format!("peak RSS, {large} items ÷ {small} items"),
            format!("{ratio:.3} ({} vs {})", mib(large_peak.median), mib(small_peak.median)),
            format!("{large}: {}; {small}: {}", range(&large_peak), range(&small_peak)),
            "≤ 1.2",
            Status::check(ratio <= 1.2),
        ),
        Row::info(
            format!("peak RSS growth from {small} to {large} items"),
            format!(
                "{:+.0} KiB ({:.2} bytes per extra item)",
                large_peak.median - small_peak.median,
                (large_peak.median - small_peak.median) * 1024.0 / (large - small) as f64
            ),
            format!("RSS before the first request: {}", mib(before)),
        ),
        Row::info(
            "streaming rate (items/s, limiter off, loopback)",
            format!(
                "{:.0} ({large} items), {:.0} ({small} items)",
                rate(&large_runs, large),
                rate(&small_runs, small)
            ),
            "median of the runs",
        ),
    ];
    if !smoke {
        // one much longer export, to see whether the growth is per page
        let huge = 1_000_000;
        let run = run_child(huge);
        eprintln!("  stream: {huge} items peak {} KiB", run.hwm_kb);
        rows.push(Row::info(
            format!("peak RSS, {huge} items ÷ {small} items"),
            format!(
                "{:.3} ({}; {:+.0} KiB over {small} items = {:.2} bytes per extra item)",
                run.hwm_kb as f64 / small_peak.median,
                mib(run.hwm_kb as f64),
                run.hwm_kb as f64 - small_peak.median,
                (run.hwm_kb as f64 - small_peak.median) * 1024.0 / (huge - small) as f64
            ),
            format!("one run, {:.0} s", run.secs),
        ));
    }
    let notes = vec![format!(
        "Each run is a fresh child process with a 2-worker tokio runtime and the generated client (limiter off, no \
         retries) streaming `list_conversations_pages(..).items()` from a loopback server in the parent: pages of \
         {PER_PAGE} conversations with side-loaded content (~{} KB each) linked by next_page. Peak = VmHWM of the \
         child after the last item; {repeats} run(s) per size, alternating sizes.",
        PageTemplate::conversations(PER_PAGE).render(None).len() / 1000
    )];
    Report { benchmark: "stream", title: "3. Streaming memory".to_owned(), rows, notes }
}
