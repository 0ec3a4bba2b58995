//! What the runtime logs with `tracing`: every retry (operation, attempt, status, wait),
//! and never the secret, also in a run that ends with a 401.
//!
//! One test in its own binary: `tracing`'s thread-scoped subscribers miss events when
//! other tests of the same binary register the same callsites concurrently.

mod runtime_support;

use conversocial::Error;
use runtime_support::{SECRET, basic_header, capture_logs, client, get};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn json(code: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(body)
}

#[tokio::test]
async fn retries_are_logged_and_the_secret_never_is() {
    let server = MockServer::start().await;
    // /retry: 503, then 429, then 200
    Mock::given(path("/retry"))
        .respond_with(json(503, serde_json::json!({"message": "busy"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/retry"))
        .respond_with(json(429, serde_json::json!({})).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path("/retry"))
        .respond_with(json(200, serde_json::json!({"ok": true})))
        .with_priority(3)
        .mount(&server)
        .await;
    // /denied: 503 (retried), then 401
    Mock::given(path("/denied"))
        .respond_with(json(503, serde_json::json!({"message": "busy"})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(json(
            401,
            serde_json::json!({"status": "error", "message": "Invalid credentials", "http_status": "401 Unauthorized"}),
        ))
        .with_priority(4)
        .mount(&server)
        .await;

    let (logs, guard) = capture_logs();
    let client = client(&server.uri());
    let ok: serde_json::Value = client.execute(get("list_things", "/retry")).await.unwrap();
    assert_eq!(ok["ok"], true);
    let err = client.execute::<serde_json::Value>(get("list_accounts", "/denied")).await.unwrap_err();
    drop(guard);
    let text = logs.text();

    // every retry is a WARN with operation, attempt, status and wait
    let warnings: Vec<_> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 3, "{text}");
    assert!(warnings[0].contains("list_things") && warnings[0].contains("attempt=1"), "{text}");
    assert!(warnings[0].contains("503") && warnings[0].contains("wait="), "{text}");
    assert!(warnings[1].contains("list_things") && warnings[1].contains("attempt=2"), "{text}");
    assert!(warnings[1].contains("429") && warnings[1].contains("wait=0ns"), "{text}");
    assert!(warnings[2].contains("list_accounts") && warnings[2].contains("503"), "{text}");
    println!("{}", warnings.join("\n"));

    // the 401 run: the secret is nowhere, though it went over the wire
    assert!(
        matches!(&err, Error::Unauthorized { body, .. } if body.message.as_deref() == Some("Invalid credentials"))
    );
    let encoded = basic_header().trim_start_matches("Basic ").to_owned();
    for shown in [text, err.to_string(), format!("{err:?}"), format!("{client:?}"), format!("{client:#?}")] {
        assert!(!shown.contains(SECRET), "secret leaked: {shown}");
        assert!(!shown.contains(&encoded), "encoded credentials leaked: {shown}");
    }
    assert!(format!("{client:?}").contains("[REDACTED]"));
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 5);
    assert!(
        received.iter().all(|r| r.headers.get("authorization").unwrap().to_str().unwrap() == basic_header())
    );
}
