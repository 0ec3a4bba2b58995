//! Benchmark 4: a long export against a server that enforces a strict quota (a sliding
//! window: at most `quota` accepted requests in any `window`, 429 beyond it), with the
//! client's matching `RateLimit`. Measures items per minute against `quota × page cap`
//! and counts the 429s.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use conversocial::{RateLimit, RetryPolicy};
use futures::TryStreamExt;
use hyper::StatusCode;

use crate::fixture::PageTemplate;
use crate::overhead;
use crate::report::{Report, Row, Status};
use crate::server::{self, Server};
use crate::stats::summarize;
use crate::stream::export_query;

const PAGE_CAP: u64 = 50;

#[derive(Default)]
struct Window {
    /// Arrival times of the accepted requests still inside the window.
    accepted: VecDeque<Instant>,
    total_accepted: u64,
    rejected: u64,
    /// Arrival time of every accepted request, to see the spacing the client achieved.
    arrivals: Vec<Instant>,
}

struct QuotaServer {
    server: Server,
    state: Arc<Mutex<Window>>,
}

fn quota_server(quota: usize, window: Duration) -> QuotaServer {
    let template = Arc::new(PageTemplate::conversations(PAGE_CAP));
    let state = Arc::new(Mutex::new(Window::default()));
    let link_base = Arc::new(std::sync::OnceLock::<String>::new());
    let (server_state, server_link) = (Arc::clone(&state), Arc::clone(&link_base));
    let server = Server::start(Arc::new(move |req| {
        if req.uri().path() != "/v1.3/conversations" {
            return server::not_found();
        }
        let now = Instant::now();
        {
            let mut w = server_state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            while w.accepted.front().is_some_and(|t| now.duration_since(*t) >= window) {
                w.accepted.pop_front();
            }
            if w.accepted.len() >= quota {
                w.rejected += 1;
                let oldest = w.accepted.front().copied().unwrap_or(now);
                let free_in = window.saturating_sub(now.duration_since(oldest));
                return server::too_many_requests(free_in.as_secs_f64().ceil() as u64);
            }
            w.accepted.push_back(now);
            w.arrivals.push(now);
            w.total_accepted += 1;
        }
        let page = server::query_u64(req, "page").unwrap_or(0);
        let next = format!(
            "{}/conversations?status=unread&include=content&page_size={PAGE_CAP}&page={}",
            server_link.get().map_or("", String::as_str),
            page + 1
        );
        server::json(StatusCode::OK, Bytes::from(template.render(Some(&next))))
    }));
    let _ = link_base.set(server.base_url());
    QuotaServer { server, state }
}

struct Outcome {
    items: u64,
    accepted: u64,
    rejected: u64,
    error: Option<String>,
    /// Gaps between consecutive accepted requests, in milliseconds.
    gaps_ms: Vec<f64>,
}

/// Exports from a fresh quota server with `limit` for `span`; the listing never ends,
/// so the stream is cut at `span`.
async fn export(quota: usize, window: Duration, limit: RateLimit, span: Duration) -> Outcome {
    let server = quota_server(quota, window);
    let client = conversocial::Client::builder()
        .base_url(server.server.base_url())
        .credentials(overhead::NAME, overhead::SECRET)
        .rate_limit(limit)
        .retry_policy(RetryPolicy::default())
        .http_client(overhead::http_client())
        .build()
        .expect("build the client");
    let deadline = tokio::time::Instant::now() + span;
    let mut items = client.list_conversations_pages(&export_query()).items();
    let mut count = 0u64;
    let mut error = None;
    loop {
        match tokio::time::timeout_at(deadline, items.try_next()).await {
            Err(_elapsed) => break,
            Ok(Ok(Some(_conversation))) => count += 1,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    drop(items);
    let w = server.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let gaps_ms = w.arrivals.windows(2).map(|p| p[1].duration_since(p[0]).as_secs_f64() * 1e3).collect();
    Outcome { items: count, accepted: w.total_accepted, rejected: w.rejected, error, gaps_ms }
}

/// The export benchmark: about a minute in full mode (600 per minute), under 2 s in smoke
/// mode (20 per second). Three clients run at the same time, each against its own server:
/// the default limit, the same without margin, and the same with burst 2.
pub fn run(smoke: bool) -> Report {
    let (quota, window, span) = if smoke {
        (20usize, Duration::from_secs(1), Duration::from_millis(1500))
    } else {
        (600usize, Duration::from_secs(60), Duration::from_secs(60))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build the runtime");
    let default_limit = RateLimit::new(quota as u32, window);
    let interval = default_limit.interval().unwrap_or_default();
    let (with_margin, no_margin, burst_two) = runtime.block_on(async {
        tokio::join!(
            export(quota, window, default_limit.clone(), span),
            export(quota, window, RateLimit::new(quota as u32, window).with_margin(Duration::ZERO), span),
            export(quota, window, RateLimit::new(quota as u32, window).with_burst(2), span),
        )
    });
    let burst_interval = RateLimit::new(quota as u32, window).with_burst(2).interval().unwrap_or_default();
    let ceiling = quota as f64 * PAGE_CAP as f64 * span.as_secs_f64() / window.as_secs_f64();
    let per_minute = |items: u64| items as f64 * 60.0 / span.as_secs_f64();
    let efficiency = |o: &Outcome| o.items as f64 / ceiling;
    let describe = |o: &Outcome| {
        format!(
            "{:.0} items/min, {} requests accepted, {} answered 429{}",
            per_minute(o.items),
            o.accepted,
            o.rejected,
            o.error.as_ref().map(|e| format!(", stream error: {e}")).unwrap_or_default()
        )
    };
    let eff = efficiency(&with_margin);
    let gap_summary = |o: &Outcome| summarize(if o.gaps_ms.is_empty() { &[0.0] } else { &o.gaps_ms });
    let gaps = gap_summary(&with_margin);
    let window_label = if smoke { format!("{quota}/s") } else { format!("{quota}/min") };
    let rows = vec![
        Row::new(
            format!(
                "items/min ÷ (quota × page cap), RateLimit::new({quota}, {window:?}) (default 2% margin)"
            ),
            format!("{eff:.4}"),
            format!("one {:.0} s run: {}", span.as_secs_f64(), describe(&with_margin)),
            "≥ 0.97",
            Status::check(eff >= 0.97 && with_margin.error.is_none()),
        ),
        Row::new(
            "429 responses, default margin",
            with_margin.rejected.to_string(),
            "one run",
            "0",
            Status::check(with_margin.rejected == 0),
        ),
        Row::info(
            "spacing of accepted requests, default margin (server side)",
            format!(
                "median {:.2} ms, {:+.2} ms over the limiter's interval of {:.2} ms",
                gaps.median,
                gaps.median - interval.as_secs_f64() * 1e3,
                interval.as_secs_f64() * 1e3
            ),
            gaps.spread(|v| format!("{v:.2} ms")),
        ),
        Row::info(
            "same with `.with_margin(Duration::ZERO)`: efficiency, 429s",
            format!("{:.4}, {} × 429", efficiency(&no_margin), no_margin.rejected),
            format!("one run, concurrent with the above: {}", describe(&no_margin)),
        ),
        Row::info(
            "same with `.with_burst(2)` (default margin): efficiency, 429s",
            format!("{:.4}, {} × 429", efficiency(&burst_two), burst_two.rejected),
            format!(
                "one run, concurrent with the above: {}; interval {:.2} ms, median spacing {:.2} ms",
                describe(&burst_two),
                burst_interval.as_secs_f64() * 1e3,
                gap_summary(&burst_two).median
            ),
        ),
    ];
    let notes = vec![format!(
        "Server: sliding window, at most {quota} accepted requests in any {window:?} ({window_label}), 429 with \
         Retry-After beyond it; pages of {PAGE_CAP} conversations with side-loaded content, endless next_page chain. \
         Client: the generated `list_conversations_pages(..).items()`, default retry policy, limiter interval \
         {interval:?} (window + 2% margin over the quota). The export is cut after {:.0} s; the ceiling is \
         {ceiling:.0} items in that time.",
        span.as_secs_f64()
    )];
    Report { benchmark: "export", title: "4. Export efficiency under the limit".to_owned(), rows, notes }
}
