//! Benchmark 2: requests per second against a loopback server, the generated client
//! (limiter off, no retries) against raw reqwest doing the same work by hand, with the
//! same `reqwest::Client` (the runtime takes it through `ClientBuilder::http_client`).

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use conversocial::models::{ConversationInclude, ConversationStatus};
use conversocial::queries::ListConversationsQuery;
use conversocial::{RateLimit, RetryPolicy};
use hyper::StatusCode;
use reqwest::header::{ACCEPT, USER_AGENT};
use tokio::time::Instant;

use crate::baseline;
use crate::callgrind;
use crate::fixture;
use crate::report::{Report, Row, Status};
use crate::server::{self, Server};
use crate::stats::summarize;

pub const NAME: &str = "bench-token";
pub const SECRET: &str = "bench-secret-value";
const AGENT: &str = "conversocial-bench/0.1";

/// The connection settings both sides share: the runtime's defaults (10 s connect
/// timeout, 60 s request timeout), no proxy lookup for loopback.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .no_proxy()
        .build()
        .expect("build the reqwest client")
}

/// A generated client on `base_url` with `http`, no limiter and no retries.
pub fn client(base_url: &str, http: reqwest::Client) -> conversocial::Client {
    conversocial::Client::builder()
        .base_url(base_url)
        .credentials(NAME, SECRET)
        .user_agent(AGENT)
        .timeout(Duration::from_secs(60))
        .rate_limit(RateLimit::disabled())
        .retry_policy(RetryPolicy::none())
        .http_client(http)
        .build()
        .expect("build the client")
}

/// What a hand-written client does per call: a GET with basic auth, user agent, `Accept`
/// and timeout, a status check, the body, and `serde_json::from_slice` into its structs.
async fn raw_get<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> T {
    let response = http
        .get(url)
        .basic_auth(NAME, Some(SECRET))
        .header(USER_AGENT, AGENT)
        .header(ACCEPT, "application/json")
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("raw request");
    assert!(response.status().is_success(), "raw request failed: {}", response.status());
    let body = response.bytes().await.expect("raw body");
    serde_json::from_slice(&body).expect("raw decode")
}

/// Requests per second with `concurrency` tasks calling `op` back to back for `span`.
async fn rate<F, Fut>(concurrency: usize, span: Duration, op: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let start = Instant::now();
    let deadline = start + span;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let op = op.clone();
        tasks.spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                op().await;
                done += 1;
            }
            done
        });
    }
    let mut total = 0;
    while let Some(done) = tasks.join_next().await {
        total += done.expect("a benchmark task panicked");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

/// `bench overhead-profile <raw|generated> <tags|conversations> N`: sends `N` requests one
/// after another with one side only, for a profiler. Run it with two values of `N` and
/// subtract, to get the cost of one request without the set-up.
pub fn profile(side: &str, page: &str, requests: u32) -> Result<(), String> {
    let generated = match side {
        "raw" => false,
        "generated" => true,
        other => return Err(format!("unknown side {other:?}: raw or generated")),
    };
    let large = match page {
        "tags" => false,
        "conversations" => true,
        other => return Err(format!("unknown page {other:?}: tags or conversations")),
    };
    let server = start_server();
    let base = server.base_url();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let http = http_client();
        let client = client(&base, http.clone());
        let (tags_url, page_url) = (format!("{base}/tags"), format!("{base}/{PAGE_PATH}"));
        let query = conversations_query();
        for _ in 0..requests {
            match (generated, large) {
                (true, true) => {
                    drop(black_box(client.list_conversations(&query).await.expect("listConversations")))
                }
                (true, false) => drop(black_box(client.list_tags().await.expect("listTags"))),
                (false, true) => {
                    drop(black_box(raw_get::<baseline::ConversationList>(&http, &page_url).await))
                }
                (false, false) => drop(black_box(raw_get::<baseline::TagList>(&http, &tags_url).await)),
            }
        }
    });
    Ok(())
}

/// The path and query both sides request for the large page.
const PAGE_PATH: &str = "conversations?status=unread&include=content&page_size=50";

fn conversations_query() -> ListConversationsQuery {
    ListConversationsQuery {
        status: vec![ConversationStatus::Unread],
        include: vec![ConversationInclude::Content],
        page_size: Some(50),
        ..Default::default()
    }
}

/// The loopback server: `/tags` answers a small page of tags, `/conversations` a page of
/// 50 conversations with side-loaded content.
fn start_server() -> Server {
    let tags = Bytes::from(fixture::tag_page().to_string());
    let page = Bytes::from(fixture::conversation_page(0, 50, Some(NEXT)).to_string());
    Server::start(Arc::new(move |req| match req.uri().path() {
        "/v1.3/tags" => server::json(StatusCode::OK, tags.clone()),
        "/v1.3/conversations" => server::json(StatusCode::OK, page.clone()),
        _ => server::not_found(),
    }))
}

/// The `next_page` link of the large page (the single-request benchmark does not follow it).
const NEXT: &str =
    "https://api.conversocial.com/v1.3/conversations?status=unread&include=content&page_size=50&page=2";

struct Scenario {
    label: &'static str,
    concurrency: usize,
    large: bool,
    target: bool,
}

/// The overhead benchmark; `smoke` runs two short rounds per scenario.
pub fn run(smoke: bool) -> Report {
    let tags_len = fixture::tag_page().to_string().len();
    let page_len = fixture::conversation_page(0, 50, Some(NEXT)).to_string().len();
    let server = start_server();
    let base = server.base_url();
    let (rounds, span, warm) = if smoke {
        (2, Duration::from_millis(150), Duration::from_millis(100))
    } else {
        (30, Duration::from_millis(300), Duration::from_secs(1))
    };
    let scenarios = [
        Scenario {
            label: "small list page (listTags), 1 in flight",
            concurrency: 1,
            large: false,
            target: true,
        },
        Scenario {
            label: "small list page (listTags), 8 in flight",
            concurrency: 8,
            large: false,
            target: true,
        },
        Scenario {
            label: "50 conversations + content (listConversations), 1 in flight",
            concurrency: 1,
            large: true,
            target: false,
        },
    ];
    // the client side runs on this thread alone; the server has its own
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("build the client runtime");
    let mut rows = Vec::new();
    runtime.block_on(async {
        let http = http_client();
        let client = client(&base, http.clone());
        let tags_url = format!("{base}/tags");
        let page_url = format!("{base}/{PAGE_PATH}");
        let query = conversations_query();
        for scenario in &scenarios {
            let generated = {
                let (client, query, large) = (client.clone(), query.clone(), scenario.large);
                move || {
                    let (client, query) = (client.clone(), query.clone());
                    async move {
                        if large {
                            black_box(client.list_conversations(&query).await.expect("listConversations"));
                        } else {
                            black_box(client.list_tags().await.expect("listTags"));
                        }
                    }
                }
            };
            let raw = {
                let (http, large) = (http.clone(), scenario.large);
                let url = if large { page_url.clone() } else { tags_url.clone() };
                move || {
                    let (http, url) = (http.clone(), url.clone());
                    async move {
                        if large {
                            black_box(raw_get::<baseline::ConversationList>(&http, &url).await);
                        } else {
                            black_box(raw_get::<baseline::TagList>(&http, &url).await);
                        }
                    }
                }
            };
            rate(scenario.concurrency, warm, raw.clone()).await;
            rate(scenario.concurrency, warm, generated.clone()).await;
            let (mut raw_rates, mut gen_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..rounds {
                // alternate which side goes first
                let (r, g) = if round % 2 == 0 {
                    let r = rate(scenario.concurrency, span, raw.clone()).await;
                    (r, rate(scenario.concurrency, span, generated.clone()).await)
                } else {
                    let g = rate(scenario.concurrency, span, generated.clone()).await;
                    (rate(scenario.concurrency, span, raw.clone()).await, g)
                };
                raw_rates.push(r);
                gen_rates.push(g);
                ratios.push(g / r);
            }
            let (raw_s, gen_s, ratio) = (summarize(&raw_rates), summarize(&gen_rates), summarize(&ratios));
            let rps = |v: f64| format!("{v:.0}");
            rows.push(Row::new(
                format!("req/s, generated ÷ raw reqwest: {}", scenario.label),
                format!("{:.3} ({} vs {} req/s)", ratio.median, rps(gen_s.median), rps(raw_s.median)),
                format!("per-round ratio {}", ratio.spread(|v| format!("{v:.3}"))),
                if scenario.target { "≥ 0.95" } else { "≥ 0.95 (informational)" },
                if scenario.target { Status::check(ratio.median >= 0.95) } else { Status::Info },
            ));
        }
    });
    if !smoke && callgrind::available() {
        eprintln!("  overhead: counting instructions under callgrind");
        let count = |side: &'static str, page: &'static str, low: u32, high: u32| {
            callgrind::per_unit(
                |n| vec!["overhead-profile".into(), side.into(), page.into(), n.to_string()],
                low,
                high,
            )
        };
        let pairs = [
            ("small list page (listTags)", "tags", 200, 1200),
            ("50 conversations + content", "conversations", 10, 40),
        ];
        for (label, page, low, high) in pairs {
            if let (Some(raw), Some(generated)) =
                (count("raw", page, low, high), count("generated", page, low, high))
            {
                rows.push(Row::info(
                    format!("instructions per request (callgrind, load-independent, client + server), generated ÷ raw: {label}"),
                    format!("{:.3}× ({:.0} k vs {:.0} k)", generated / raw, generated / 1e3, raw / 1e3),
                    format!("{} requests one after another, minus {}", high, low),
                ));
            }
        }
    }
    let notes = vec![format!(
        "Server: hyper 1 HTTP/1.1 on 127.0.0.1 on its own thread; client: one current-thread tokio runtime, \
         one shared reqwest::Client (keep-alive). Bodies: tags {tags_len} B, conversations {page_len} B. \
         {rounds} rounds of {:.1} s per side, alternating which side goes first; the ratio is taken per round. \
         Raw reqwest does what a hand-written client does per call: basic auth, user agent, Accept, timeout, \
         status check, body, serde_json into hand-written structs.",
        span.as_secs_f64()
    )];
    Report { benchmark: "overhead", title: "2. Request overhead".to_owned(), rows, notes }
}
