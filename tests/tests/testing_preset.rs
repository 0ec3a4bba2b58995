//! `ClientBuilder::for_tests`: no limiter, no retries, strict decoding, dummy credentials.

use std::time::{Duration, Instant};

use conversocial::{ClientBuilder, Error};
use serde_json::json;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.3/tags"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn sends_credentials_and_does_not_wait_for_a_limiter() {
    let server = server(200, json!({"tags": [], "paging": {"next_page": null}})).await;
    let client = ClientBuilder::for_tests(format!("{}/v1.3", server.uri())).build().unwrap();
    let started = Instant::now();
    for _ in 0..40 {
        client.list_tags().await.unwrap();
    }
    // 40 requests at the API's 30 a minute would take over a minute.
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(server.received_requests().await.unwrap().len(), 40);
}

#[tokio::test]
async fn a_503_is_not_retried() {
    let server = server(503, json!({"error": "down"})).await;
    let client = ClientBuilder::for_tests(format!("{}/v1.3", server.uri())).build().unwrap();
    let error = client.list_tags().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_mock_body_off_the_spec_is_a_decode_error_naming_the_field() {
    let server = server(200, json!({"tags": [{"id": "2", "url": 7}], "paging": {"next_page": null}})).await;
    let client = ClientBuilder::for_tests(format!("{}/v1.3", server.uri())).build().unwrap();
    let error = client.list_tags().await.unwrap_err();
    let Error::Decode { path, .. } = &error else { panic!("expected Decode, got {error:?}") };
    assert_eq!(path, "tags[0].url");
}
