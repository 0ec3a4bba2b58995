//! `Client::wait_for_report` against a wiremock server, with the test preset
//! (`ClientBuilder::for_tests`): generated, failed, and a deadline that passes first.

use std::time::Duration;

use conversocial::models::ReportId;
use conversocial::{Client, ClientBuilder, WaitError, Waiter};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn report(state: &str) -> Value {
    let mut report = json!({"id": "3571", "url": "https://api.conversocial.com/v1.3/reports/3571"});
    match state {
        "started" => report["generation_start_date"] = json!("2013-02-01T09:00:12"),
        "generated" => {
            report["generation_start_date"] = json!("2013-02-01T09:00:12");
            report["generated_date"] = json!("2013-02-01T09:04:55");
            report["download"] = json!("https://downloads.example.com/reports/3571.zip");
        }
        "failed" => report["failure"] = json!("export"),
        _ => {}
    }
    json!({ "report": report })
}

async fn serve(server: &MockServer, body: Value, times: Option<u64>) {
    let mock = Mock::given(method("GET"))
        .and(path("/v1.3/reports/3571"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body));
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

fn client(server: &MockServer) -> Client {
    ClientBuilder::for_tests(format!("{}/v1.3", server.uri())).build().unwrap()
}

fn quick(timeout: Duration) -> Waiter {
    Waiter::new(timeout).delays(Duration::from_millis(5), Duration::from_millis(20))
}

#[tokio::test]
async fn polls_until_the_report_is_generated() {
    let server = MockServer::start().await;
    serve(&server, report("queued"), Some(1)).await;
    serve(&server, report("started"), Some(1)).await;
    serve(&server, report("generated"), None).await;

    let report = client(&server)
        .wait_for_report(&ReportId::from("3571"), quick(Duration::from_secs(5)))
        .await
        .unwrap();

    assert_eq!(report.download.as_deref(), Some("https://downloads.example.com/reports/3571.zip"));
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "queued, started, generated");
}

#[tokio::test]
async fn a_failed_report_is_an_error_holding_the_report() {
    let server = MockServer::start().await;
    serve(&server, report("queued"), Some(1)).await;
    serve(&server, report("failed"), None).await;

    let error = client(&server)
        .wait_for_report(&ReportId::from("3571"), quick(Duration::from_secs(5)))
        .await
        .unwrap_err();

    assert_eq!(error.to_string(), "it reached its failed state");
    let WaitError::Failed(report) = error else { panic!("expected Failed, got {error:?}") };
    assert_eq!(report.failure.as_deref(), Some("export"));
}

#[tokio::test]
async fn the_deadline_ends_the_wait_with_the_last_state_seen() {
    let server = MockServer::start().await;
    serve(&server, report("started"), None).await;

    let started = std::time::Instant::now();
    let error = client(&server)
        .wait_for_report(&ReportId::from("3571"), quick(Duration::from_millis(300)))
        .await
        .unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(error.to_string().contains("the deadline passed"), "{error}");
    let WaitError::TimedOut { checks, last: Some(last), .. } = error else {
        panic!("expected TimedOut, got {error:?}")
    };
    assert!(checks >= 2, "{checks} checks");
    assert!(last.generation_start_date.is_some() && last.generated_date.is_none());
}

#[tokio::test]
async fn a_request_error_ends_the_wait_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.3/reports/3571"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": "No such report"})))
        .mount(&server)
        .await;

    let error = client(&server)
        .wait_for_report(&ReportId::from("3571"), quick(Duration::from_secs(5)))
        .await
        .unwrap_err();

    let WaitError::Request(inner) = &error else { panic!("expected Request, got {error:?}") };
    assert_eq!(inner.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
