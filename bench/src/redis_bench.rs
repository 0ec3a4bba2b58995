//! Benchmark 6: the cost of one acquire of the Redis-shared rate limiter on loopback,
//! against the in-process limiter, through the public API (`Client` with a quota far
//! above what the loop can reach, so every acquire is the limiter's bookkeeping alone).
//!
//! Starts its own `redis-server` on a free loopback port (no persistence) and stops it
//! by PID; without `redis-server` on the PATH the benchmark reports that and measures
//! nothing (`scripts/redis-test` installs it).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use conversocial::runtime::Request;
use conversocial::{RateLimit, RedisLimit, RetryPolicy};

use crate::report::{Report, Row};
use crate::stats::summarize;

struct RedisServer(Child);

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_redis() -> Option<(RedisServer, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stdin(Stdio::null())
        .spawn()
        .ok()?;
    let server = RedisServer(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some((server, port))
}

/// Microseconds per request sent through a client whose every request fails at once
/// (nothing listens on the base URL's port), so each round trip is the limiter's acquire
/// plus a refused loopback connection; `baseline` is the same with no limiter.
async fn per_request(limit: RateLimit, requests: u32) -> Vec<f64> {
    let client = conversocial::Client::builder()
        .base_url("http://127.0.0.1:9")
        .credentials("bench-token", "bench-secret")
        .rate_limit(limit)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("the client builds");
    let mut samples = Vec::new();
    for _ in 0..requests {
        let started = Instant::now();
        let result = client
            .execute::<serde_json::Value>(Request::new(reqwest::Method::GET, "bench", "/x".into()))
            .await;
        assert!(result.is_err(), "nothing listens on port 9");
        samples.push(started.elapsed().as_nanos() as f64 / 1e3);
    }
    samples
}

pub fn run(smoke: bool) -> Report {
    let title = "6. Shared rate limiter (Redis) per-acquire overhead".to_owned();
    let Some((server, port)) = start_redis() else {
        return Report {
            benchmark: "redis",
            title,
            rows: vec![Row::info("per-acquire overhead", "not measured", "redis-server is not installed")],
            notes: vec![
                "`scripts/redis-test` installs redis-server (Debian package) on first use.".to_owned(),
            ],
        };
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio");
    let requests = if smoke { 50 } else { 2000 };
    let url = format!("redis://127.0.0.1:{port}/0");
    let quota = || RateLimit::per_second(1_000_000).unshared();
    let (local, redis) = runtime.block_on(async {
        // warm up the connection pool and the Redis connection
        per_request(quota(), 20).await;
        per_request(quota().through_redis(RedisLimit::new(url.as_str())), 20).await;
        let local = per_request(quota(), requests).await;
        let redis = per_request(quota().through_redis(RedisLimit::new(url.as_str())), requests).await;
        (local, redis)
    });
    drop(server);
    let local = summarize(&local);
    let redis = summarize(&redis);
    let us = |v: f64| format!("{v:.0} µs");
    Report {
        benchmark: "redis",
        title,
        rows: vec![
            Row::info(
                "one acquire through Redis on loopback (request with the Redis limiter − with the in-process one)",
                us(redis.median - local.median),
                format!("p95 difference {}", us(redis.p95 - local.p95)),
            ),
            Row::info(
                "request through the Redis limiter (acquire + refused loopback connection)",
                us(redis.median),
                format!("p5–p95 {}–{} (n={})", us(redis.p5), us(redis.p95), redis.n),
            ),
            Row::info(
                "the same with the in-process limiter",
                us(local.median),
                format!("p5–p95 {}–{} (n={})", us(local.p5), us(local.p95), local.n),
            ),
        ],
        notes: vec![
            "Each request goes through the client's send path to a loopback port where nothing listens, so it \
             fails at once; the difference between the two limiters is the Redis acquire (one EVALSHA of the \
             GCRA script, on a ConnectionManager). Against the API's 2 s spacing at 30 requests per minute it \
             is negligible."
                .to_owned(),
        ],
    }
}
