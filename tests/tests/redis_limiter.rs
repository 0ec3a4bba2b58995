//! One token, many workers: the rate limit shared through a real Redis server.
//!
//! Run by `scripts/redis-test`, which starts `redis-server` on a free loopback port and
//! passes its URL in `CONVERSOCIAL_TEST_REDIS_URL` (these tests are ignored by a plain
//! `cargo test`). The exports run in separate worker processes
//! (`tests/src/bin/redis_export_worker.rs`) against a loopback server that enforces a
//! scaled-down quota of 30 requests per 10 s and answers 429 beyond it.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conversocial::{Client, Error, RateLimit, RedisLimit, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const QUOTA: usize = 30;
const WINDOW: Duration = Duration::from_secs(10);
const ITEMS: usize = 40;
const PAGE: usize = 5;

fn redis_url() -> String {
    std::env::var("CONVERSOCIAL_TEST_REDIS_URL")
        .expect("CONVERSOCIAL_TEST_REDIS_URL: run these tests with scripts/redis-test")
}

/// A conversations endpoint that enforces the quota over any window of `WINDOW`, and
/// serves `ITEMS` conversations per `assigned_to` user, `PAGE` a page.
#[derive(Default)]
struct QuotaServer {
    base: String,
    state: Mutex<QuotaState>,
}

#[derive(Default)]
struct QuotaState {
    /// Times of the requests served, in order.
    served: Vec<Instant>,
    /// Served requests inside the current window.
    window: VecDeque<Instant>,
    rejected: usize,
    /// Pages served per `assigned_to` user.
    pages: HashMap<String, usize>,
}

impl Respond for Shared {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let now = Instant::now();
        {
            let mut state = self.0.state.lock().unwrap();
            while state.window.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                state.window.pop_front();
            }
            if state.window.len() >= QUOTA {
                state.rejected += 1;
                return ResponseTemplate::new(429).set_body_json(serde_json::json!({"message": "quota"}));
            }
            state.window.push_back(now);
            state.served.push(now);
        }
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let user = query.get("assigned_to").cloned().unwrap_or_default();
        *self.0.state.lock().unwrap().pages.entry(user.clone()).or_default() += 1;
        let offset: usize = query.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        let end = (offset + PAGE).min(ITEMS);
        let conversations: Vec<_> = (offset..end)
            .map(|i| serde_json::json!({"id": format!("{user}-{i}"), "url": "u", "status": "unread"}))
            .collect();
        let next =
            (end < ITEMS).then(|| format!("{}/conversations?assigned_to={user}&offset={end}", self.0.base));
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"conversations": conversations, "paging": {"next_page": next}}))
    }
}

struct Shared(Arc<QuotaServer>);

async fn quota_server() -> (MockServer, Arc<QuotaServer>) {
    let server = MockServer::start().await;
    let quota = Arc::new(QuotaServer { base: server.uri(), state: Mutex::default() });
    Mock::given(path("/conversations")).respond_with(Shared(quota.clone())).mount(&server).await;
    (server, quota)
}

fn worker(base: &str, redis: &str, name: &str, dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_redis_export_worker"))
        .args([base, redis, name, "4", &dir.display().to_string(), &WINDOW.as_secs().to_string()])
        .arg(QUOTA.to_string())
        .stdin(Stdio::null())
        .spawn()
        .expect("the worker starts")
}

fn finish(mut child: Child, name: &str) {
    let status = child.wait().expect("the worker ends");
    assert!(status.success(), "worker {name} failed: {status}");
}

/// Every export of every worker delivered each of its items exactly once.
fn assert_exports_complete(dir: &Path, workers: &[&str]) {
    for name in workers {
        for t in 0..4 {
            let user = format!("{name}-{t}");
            let text = std::fs::read_to_string(dir.join(format!("{user}.out"))).unwrap();
            let got: Vec<&str> = text.lines().collect();
            let want: Vec<String> = (0..ITEMS).map(|i| format!("{user}-{i}")).collect();
            assert_eq!(got, want, "export {user}");
        }
    }
}

/// The most requests served inside any window of `WINDOW`, and the rate over the run as
/// a share of the quota.
fn worst_window_and_rate(served: &[Instant]) -> (usize, f64) {
    let mut worst = 0;
    let mut start = 0;
    for end in 0..served.len() {
        while served[end].duration_since(served[start]) >= WINDOW {
            start += 1;
        }
        worst = worst.max(end - start + 1);
    }
    let span = served.last().unwrap().duration_since(served[0]).as_secs_f64();
    let rate = (served.len() - 1) as f64 / span;
    (worst, rate / (QUOTA as f64 / WINDOW.as_secs_f64()))
}

// Each test's quota server listens on a new port, and the limiter's keys are per API
// origin and token name: runs never share Redis state, so nothing needs flushing.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: run scripts/redis-test"]
async fn four_processes_of_four_tasks_share_one_quota() {
    let redis = redis_url();
    let (server, quota) = quota_server().await;
    let dir = tempdir("four");
    let names = ["w0", "w1", "w2", "w3"];
    let children: Vec<Child> = names.iter().map(|n| worker(&server.uri(), &redis, n, &dir)).collect();
    for (child, name) in children.into_iter().zip(names) {
        finish(child, name);
    }
    assert_exports_complete(&dir, &names);
    let state = quota.state.lock().unwrap();
    let (worst, share) = worst_window_and_rate(&state.served);
    println!(
        "4 processes x 4 tasks: {} requests, worst {}-s window {worst} (quota {QUOTA}), rate {:.3} of the quota, {} rejected",
        state.served.len(),
        WINDOW.as_secs(),
        share,
        state.rejected
    );
    assert_eq!(state.rejected, 0, "no 429");
    assert!(worst <= QUOTA, "worst window {worst}");
    assert!(share >= 0.95, "combined rate {share:.3} of the quota");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis: run scripts/redis-test"]
async fn a_worker_killed_mid_export_resumes_and_the_others_go_on() {
    let redis = redis_url();
    let (server, quota) = quota_server().await;
    let dir = tempdir("kill");
    let names = ["k0", "k1", "k2", "k3"];
    let mut children: Vec<Option<Child>> =
        names.iter().map(|n| Some(worker(&server.uri(), &redis, n, &dir))).collect();
    tokio::time::sleep(Duration::from_secs(12)).await;
    let mut victim = children[1].take().unwrap();
    victim.kill().expect("SIGKILL");
    let _ = victim.wait();
    let written: Vec<usize> = (0..4)
        .map(|t| std::fs::read_to_string(dir.join(format!("k1-{t}.out"))).unwrap_or_default().lines().count())
        .collect();
    // (slots are not handed out first come, first served across processes, so one of the
    // victim's exports may be done and another not started)
    assert!(written.iter().any(|n| *n < ITEMS), "the victim was killed mid-export: {written:?}");
    assert!(written.iter().any(|n| *n > 0), "and after its first pages: {written:?}");
    let restarted = worker(&server.uri(), &redis, "k1", &dir);
    for (child, name) in children.into_iter().zip(names) {
        if let Some(child) = child {
            finish(child, name);
        }
    }
    finish(restarted, "k1 (restarted)");
    assert_exports_complete(&dir, &names);
    let state = quota.state.lock().unwrap();
    let (worst, share) = worst_window_and_rate(&state.served);
    println!("with a kill: {} requests, worst window {worst}, rate {share:.3}", state.served.len());
    // the restarted worker went on from its cursors: at most the page in flight at the
    // kill is fetched twice, never the pages already written
    let pages_per_export = ITEMS.div_ceil(PAGE);
    for t in 0..4 {
        let fetched = state.pages.get(&format!("k1-{t}")).copied().unwrap_or(0);
        assert!(fetched <= pages_per_export + 1, "k1-{t} fetched {fetched} pages");
    }
    assert_eq!(state.rejected, 0, "no 429");
    assert!(worst <= QUOTA, "worst window {worst}");
}

/// A private redis-server, stopped by PID when dropped.
struct PrivateRedis {
    child: Child,
    port: u16,
}

impl PrivateRedis {
    fn start(password: &str) -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
            .args(["--requirepass", password])
            .stdout(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/redis-test installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        PrivateRedis { child, port }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn client(base: &str, redis: RedisLimit) -> Client {
    Client::builder()
        .base_url(base)
        .credentials("stop-token", "stop-secret")
        .rate_limit(RateLimit::new(100, Duration::from_secs(1)).through_redis(redis))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs Redis: run scripts/redis-test"]
async fn redis_stopped_mid_run_fails_closed_naming_the_url_without_its_password() {
    let mut redis = PrivateRedis::start("hunter2-password");
    let url = format!("redis://:hunter2-password@127.0.0.1:{}/0", redis.port);
    let server = MockServer::start().await;
    Mock::given(path("/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"tags": []})))
        .mount(&server)
        .await;
    let closed = client(&server.uri(), RedisLimit::new(url.as_str()));
    let open = client(&server.uri(), RedisLimit::new(url.as_str()).fallback_to_local(true));
    closed.list_tags().await.expect("works while Redis runs");
    open.list_tags().await.expect("works while Redis runs");
    redis.stop();
    let err = closed.list_tags().await.unwrap_err();
    let text = format!("{err} / {err:?}");
    println!("{err}");
    assert!(matches!(err, Error::RateLimiter { .. }), "{text}");
    assert!(text.contains(&format!("redis://127.0.0.1:{}/0", redis.port)), "{text}");
    assert!(!text.contains("hunter2"), "the password never shows: {text}");
    // the user who chose it falls back to the in-process limiter, and is told
    open.list_tags().await.expect("falls back to the local limiter");
}

/// One worker's 429 pauses every worker: the pause is a key in Redis, which a 429 only
/// ever moves later.
#[tokio::test]
#[ignore = "needs Redis: run scripts/redis-test"]
async fn one_workers_429_pauses_every_worker() {
    let redis = redis_url();
    let server = MockServer::start().await;
    Mock::given(path("/limited"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/limited"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    Mock::given(path("/other"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    // two limiters, as in two processes: the in-process registry is bypassed
    let worker = || {
        Client::builder()
            .base_url(server.uri())
            .credentials("pause-token", "pause-secret")
            .rate_limit(RateLimit::per_second(100).unshared().through_redis(RedisLimit::new(redis.as_str())))
            .build()
            .unwrap()
    };
    let (first, second) = (worker(), worker());
    let get = |p: &'static str| conversocial::runtime::Request::new(reqwest::Method::GET, "op", p.to_owned());
    let started = Instant::now();
    let limited = tokio::spawn(async move { first.execute::<serde_json::Value>(get("/limited")).await });
    // let the 429 arrive and the pause be set, then ask from the other worker
    tokio::time::sleep(Duration::from_millis(300)).await;
    second.execute::<serde_json::Value>(get("/other")).await.unwrap();
    let waited = started.elapsed();
    limited.await.unwrap().unwrap();
    println!("the other worker's request went out after {waited:?}");
    assert!(waited >= Duration::from_millis(1900), "held back by the shared pause: {waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
}

fn tempdir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("redis-limiter-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
