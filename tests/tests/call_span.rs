//! One `tracing` span per operation call, `conversocial.call`, with the operation, method,
//! path template, final status, attempts, rate-limiter wait and latency.
//!
//! One test in its own binary: `tracing`'s thread-scoped subscribers miss events when
//! other tests of the same binary register the same callsites concurrently.

mod runtime_support;

use conversocial::models::AccountId;
use runtime_support::{LogBuffer, builder};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn each_call_is_one_span_with_its_outcome() {
    let server = MockServer::start().await;
    Mock::given(path("/accounts/14054"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/accounts/14054"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"account": {"id": "14054", "url": "u"}})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let client = builder(&server.uri()).build().unwrap();
    client.get_account(&AccountId::from("14054")).await.unwrap();
    let text = logs.text();
    let closes: Vec<&str> =
        text.lines().filter(|l| l.contains("conversocial.call") && l.contains("close")).collect();
    assert_eq!(closes.len(), 1, "one span per call: {text}");
    let span = closes[0];
    for field in [
        "operation=\"getAccount\"",
        "method=GET",
        "path=\"/accounts/{id}\"",
        "status=200",
        "attempts=2",
        "outcome=\"ok\"",
        "limiter_wait_ms=",
        "latency_ms=",
    ] {
        assert!(span.contains(field), "{field} missing: {span}");
    }
    // the per-attempt events are inside the span
    assert!(
        text.lines().any(|l| l.contains("conversocial.call{") && l.contains("request failed; retrying")),
        "{text}"
    );
    assert!(!text.contains(runtime_support::SECRET));
}
