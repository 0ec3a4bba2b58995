//! Two `Client::from_env()` in one process share one quota: the rate limit belongs to the
//! token, so a second client of the same token does not double the rate.
//!
//! One test in its own binary: it sets the process's environment variables.

mod runtime_support;

use std::time::{Duration, Instant};

use conversocial::{Client, RateLimit, RetryPolicy};
use runtime_support::{Recorder, worst_window};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_from_env_share_one_quota() {
    let server = MockServer::start().await;
    let recorder = Recorder::default();
    Mock::given(path("/op")).respond_with(recorder.clone()).mount(&server).await;
    // SAFETY: the only test of this binary; nothing else reads the environment meanwhile.
    unsafe {
        std::env::set_var("CONVERSOCIAL_TOKEN_NAME", "shared-name");
        std::env::set_var("CONVERSOCIAL_TOKEN_SECRET", "shared-secret-value");
        std::env::set_var("CONVERSOCIAL_BASE_URL", server.uri());
    }
    // 10 requests per second, as each would enforce on its own
    let limit = RateLimit::per_second(10).with_margin(Duration::ZERO);
    let build = || {
        conversocial::ClientBuilder::from_env()
            .unwrap()
            .rate_limit(limit.clone())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let (first, second): (Client, Client) = (build(), build());
    let started = Instant::now();
    let calls = |client: Client| async move {
        for _ in 0..20 {
            client.execute::<serde_json::Value>(runtime_support::get("op", "/op")).await.unwrap();
        }
    };
    tokio::join!(calls(first.clone()), calls(second.clone()));
    let elapsed = started.elapsed();
    let times = recorder.times();
    let worst = worst_window(&times, Duration::from_secs(1));
    let rate = (times.len() - 1) as f64 / times.last().unwrap().duration_since(times[0]).as_secs_f64();
    println!(
        "two clients from the environment, 40 requests: {elapsed:.2?}, {rate:.2}/s, worst 1 s window {worst}"
    );
    assert_eq!(times.len(), 40);
    assert!(worst <= 10, "one quota for both clients: worst window {worst}");
    assert!(rate <= 10.5, "{rate}");
    // and opting out gives each its own quota: 40 requests in about half the time
    let own = || {
        conversocial::ClientBuilder::from_env()
            .unwrap()
            .rate_limit(limit.clone().unshared())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let started = Instant::now();
    tokio::join!(calls(own()), calls(own()));
    let unshared = started.elapsed();
    println!("unshared: {unshared:.2?}");
    assert!(unshared < elapsed.mul_f64(0.75), "{unshared:?} vs {elapsed:?}");
}
