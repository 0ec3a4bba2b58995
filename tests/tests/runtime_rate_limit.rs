//! The client-side rate limiter against a loopback server: concurrent tasks sharing one
//! client (and its clones) never exceed the quota in any window, measured where the
//! requests arrive.

mod runtime_support;

use std::time::{Duration, Instant};

use conversocial::{Client, GcraLimiter, RateLimit, RateLimiter, RetryPolicy};
use futures::TryStreamExt;
use runtime_support::{ItemsPage, Paged, Recorder, builder, get, worst_window};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

const QUOTA: usize = 20;
const WINDOW: Duration = Duration::from_secs(1);

async fn recording_server() -> (MockServer, Recorder) {
    let server = MockServer::start().await;
    let recorder = Recorder::default();
    Mock::given(method("GET")).and(path("/ping")).respond_with(recorder.clone()).mount(&server).await;
    (server, recorder)
}

/// `tasks` tasks, each with its own clone of `client`, send `per_task` requests each.
async fn hammer(client: &Client, tasks: usize, per_task: usize) {
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    let _: serde_json::Value = client.execute(get("ping", "/ping")).await.unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tasks_never_exceed_the_quota_in_any_window() {
    let (server, recorder) = recording_server().await;
    let client = builder(&server.uri())
        .rate_limit(RateLimit::per_second(QUOTA as u32))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    hammer(&client, 8, 7).await;
    let elapsed = started.elapsed();
    let times = recorder.times();
    assert_eq!(times.len(), 56);
    let worst = worst_window(&times, WINDOW);
    let rate = (times.len() - 1) as f64 / (times[times.len() - 1] - times[0]).as_secs_f64();
    println!(
        "8 tasks x 7 requests at {QUOTA}/s: worst {worst} requests in any {WINDOW:?} window \
         (server side), sustained {rate:.2}/s, {elapsed:?} in all"
    );
    assert!(worst <= QUOTA, "{worst} requests in one window");
    // the limiter is the bottleneck, so the quota is nearly used (not trivially met)
    assert!(worst >= QUOTA - 4, "only {worst} requests in the busiest window");
}

/// The measurement above can see a violation: without the limiter the same load puts
/// far more than the quota into one window.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_the_limiter_the_same_load_exceeds_the_quota() {
    let (server, recorder) = recording_server().await;
    let client = builder(&server.uri()).rate_limit(RateLimit::disabled()).build().unwrap();
    hammer(&client, 8, 7).await;
    assert!(worst_window(&recorder.times(), WINDOW) > QUOTA);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_is_taken_out_of_the_sustained_rate() {
    let (server, recorder) = recording_server().await;
    let client =
        builder(&server.uri()).rate_limit(RateLimit::per_second(QUOTA as u32).with_burst(5)).build().unwrap();
    hammer(&client, 6, 8).await;
    let times = recorder.times();
    let worst = worst_window(&times, WINDOW);
    println!("burst 5 at {QUOTA}/s: worst {worst} in any {WINDOW:?} window");
    assert!(worst <= QUOTA, "{worst}");
    assert!(times[4] - times[0] < Duration::from_millis(150), "the burst was not let through at once");
}

/// A long paginated read (one request at a time) runs at the quota: how close it comes.
#[tokio::test]
async fn a_long_paginated_read_runs_close_to_the_quota() {
    let server = MockServer::start().await;
    Mock::given(path("/items")).respond_with(Paged::new(&server.uri(), 40 * 10, 10)).mount(&server).await;
    let client = builder(&server.uri()).rate_limit(RateLimit::per_second(QUOTA as u32)).build().unwrap();
    let started = Instant::now();
    let items: Vec<_> =
        client.paginate::<ItemsPage>(get("list_items", "/items")).items().try_collect().await.unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(items.len(), 400);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 40);
    let rate = 39.0 / elapsed;
    println!(
        "paginated read: 40 pages in {elapsed:.2} s = {rate:.2} requests/s, {:.1}% of the {QUOTA}/s quota",
        rate / QUOTA as f64 * 100.0
    );
    assert!(rate <= QUOTA as f64);
    assert!(rate >= QUOTA as f64 * 0.9, "{rate}");
}

/// After a 429 the shared limiter holds back every task until the pause is over; a
/// shorter pause reported later does not shorten it.
#[tokio::test]
async fn a_429_pause_holds_back_every_task() {
    let limiter = GcraLimiter::new(Duration::from_millis(10), std::num::NonZeroU32::MIN).unwrap();
    limiter.acquire(None).await.unwrap();
    let started = Instant::now();
    limiter.rate_limited(Duration::from_millis(300)).await;
    limiter.rate_limited(Duration::from_millis(50)).await;
    assert_eq!(limiter.min_retry_delay(), Duration::from_millis(10));
    let (a, b, c) = tokio::join!(limiter.acquire(None), limiter.acquire(None), limiter.acquire(None));
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(450), "{elapsed:?}");
}

/// Waiting tasks get their slots first come, first served: the order in which tasks
/// started waiting is the order in which they are let through.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiting_tasks_are_served_in_arrival_order() {
    let limiter =
        std::sync::Arc::new(GcraLimiter::new(Duration::from_millis(20), std::num::NonZeroU32::MIN).unwrap());
    limiter.acquire(None).await.unwrap();
    let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (limiter, order) = (limiter.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            limiter.acquire(None).await.unwrap();
            order.lock().unwrap().push(i);
        }));
        // let task `i` join the queue before task `i + 1` starts
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for task in tasks {
        task.await.unwrap();
    }
    let order = order.lock().unwrap().clone();
    assert_eq!(order, (0..12).collect::<Vec<_>>());
}
