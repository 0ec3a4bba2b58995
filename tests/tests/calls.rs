//! The generated call shape: short calls that return the object, `_with` variants, per-call
//! control (deadline, attempt timeout, retry policy) that shares the client's limiter,
//! errors that name the call, request/response hooks, and typed resume.

mod runtime_support;

use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conversocial::models::{AccountId, ReportId, UserId};
use conversocial::queries::{GetAccountQuery, ListUsersQuery};
use conversocial::runtime::{RateLimit, RetryPolicy};
use conversocial::{CallOptions, Client, Error};
use futures::TryStreamExt;
use runtime_support::{builder, client};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn account(id: &str) -> serde_json::Value {
    json!({"account": {"id": id, "url": format!("https://api/v1.3/accounts/{id}"), "name": "Acme"}})
}

fn assert_send_static<T: Send + 'static>(_: &T) {}

#[test]
fn operation_futures_are_send_and_static() {
    let client = client("http://127.0.0.1:9");
    let id = AccountId::from("1");
    let call = client.get_account(&id);
    assert_send_static(&call);
    assert_send_static(&call.into_future());
    assert_send_static(&client.list_users_pages(&ListUsersQuery::new()).items());
    // nothing is borrowed from the arguments: the call outlives them
    let call = {
        let id = UserId::from("2");
        client.get_user(&id).within(Duration::from_secs(1))
    };
    assert_send_static(&call.into_future());
}

#[tokio::test]
async fn a_short_call_returns_the_object_and_with_sends_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/accounts/14054"))
        .and(query_param("fields", "name"))
        .respond_with(ResponseTemplate::new(200).set_body_json(account("14054")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/accounts/14054"))
        .respond_with(ResponseTemplate::new(200).set_body_json(account("14054")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let id = AccountId::from("14054");
    let plain = client.get_account(&id).await.unwrap();
    assert_eq!(plain.name.as_deref(), Some("Acme"));
    let query = GetAccountQuery::new().fields([conversocial::models::AccountField::Name]);
    let named = client.get_account_with(&id, &query).send().await.unwrap();
    assert_eq!(named.id, id);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.iter().filter(|r| r.url.query().is_none()).count(),
        1,
        "the short call sends no query"
    );
}

#[tokio::test]
async fn errors_name_the_operation_method_path_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(path("/accounts/404"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-request-id", "req-77")
                .set_body_json(json!({"status": "error", "message": "No such account"})),
        )
        .mount(&server)
        .await;
    let error = client(&server.uri()).get_account(&AccountId::from("404")).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    let context = error.context().expect("a call context");
    assert_eq!(context.operation, "getAccount");
    assert_eq!(context.method, reqwest::Method::GET);
    assert_eq!(context.path, "/accounts/404");
    assert_eq!(context.request_id.as_deref(), Some("req-77"));
    assert_eq!(
        error.to_string(),
        "getAccount (GET /accounts/404, request id req-77): 404 Not Found: No such account; check the id or \
         path in the request"
    );
    assert!(!error.is_retryable());
    assert!(!error.to_string().contains(runtime_support::SECRET));
}

#[tokio::test]
async fn a_429_keeps_its_body_and_wait() {
    let server = MockServer::start().await;
    Mock::given(path("/reports/1"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(json!({"status": "error", "message": "Rate limit exceeded"})),
        )
        .mount(&server)
        .await;
    let error = client(&server.uri()).get_report(&ReportId::from("1")).await.unwrap_err();
    assert!(matches!(error, Error::RateLimited { attempts: 1, .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert!(error.is_retryable());
    assert_eq!(error.body().and_then(|b| b.message.as_deref()), Some("Rate limit exceeded"));
    assert!(error.to_string().starts_with("getReport (GET /reports/1): 429 Too Many Requests"), "{error}");
}

#[tokio::test]
async fn a_deadline_covers_retries_and_ends_the_call() {
    let server = MockServer::start().await;
    Mock::given(path("/accounts/1"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"message": "down"})))
        .mount(&server)
        .await;
    // retries would go on for 10 s; the deadline ends the call after 300 ms
    let slow_retries = RetryPolicy {
        max_attempts: 1000,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    };
    let client = builder(&server.uri()).retry_policy(slow_retries).build().unwrap();
    let started = Instant::now();
    let error =
        client.get_account(&AccountId::from("1")).within(Duration::from_millis(300)).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    let Error::DeadlineExceeded { budget, attempts, last_status, .. } = &error else { panic!("{error:?}") };
    assert_eq!(*budget, Duration::from_millis(300));
    assert!(*attempts >= 2, "{attempts}");
    assert_eq!(*last_status, Some(reqwest::StatusCode::SERVICE_UNAVAILABLE));
    assert!(error.is_retryable());
    let text = error.to_string();
    assert!(text.starts_with("getAccount (GET /accounts/1): the call's deadline of 0.3 s passed"), "{text}");
}

#[tokio::test]
async fn per_call_retry_and_timeout_overrides() {
    let server = MockServer::start().await;
    Mock::given(path("/accounts/503")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    Mock::given(path("/accounts/slow"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(account("slow")).set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    // the client retries 4 times; this call not at all
    let error = client.get_account(&AccountId::from("503")).retry(RetryPolicy::none()).await.unwrap_err();
    assert_eq!(error.attempts(), Some(1), "{error:?}");
    let error = client.get_account(&AccountId::from("503")).await.unwrap_err();
    assert_eq!(error.attempts(), Some(4), "{error:?}");
    // the client waits 5 s per attempt; this call 200 ms
    let options = CallOptions::default().timeout(Duration::from_millis(200)).retry(RetryPolicy::none());
    let started = Instant::now();
    let error = client.get_account(&AccountId::from("slow")).options(options).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(error.context().map(|c| c.operation), Some("getAccount"));
}

#[tokio::test]
async fn calls_with_overrides_share_the_clients_quota() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(account("1")))
        .mount(&server)
        .await;
    // two requests at once, then one every 500 ms
    let client = builder(&server.uri()).rate_limit(RateLimit::per_second(2).with_burst(2)).build().unwrap();
    let id = AccountId::from("1");
    let started = Instant::now();
    client.get_account(&id).timeout(Duration::from_secs(2)).await.unwrap();
    client.get_account(&id).retry(RetryPolicy::none()).await.unwrap();
    let quick = started.elapsed();
    client.get_account(&id).within(Duration::from_secs(5)).await.unwrap();
    let third = started.elapsed();
    assert!(quick < Duration::from_millis(300), "the burst of two goes at once: {quick:?}");
    assert!(third >= Duration::from_millis(400), "the third call waits for the shared quota: {third:?}");
}

#[tokio::test]
async fn hooks_see_every_attempt_but_not_the_authorization_header() {
    let server = MockServer::start().await;
    Mock::given(path("/accounts/1"))
        .and(header("x-trace", "job-42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(account("1")))
        .expect(1)
        .mount(&server)
        .await;
    let saw_authorization = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let requests = Arc::new(AtomicUsize::new(0));
    let client = builder(&server.uri())
        .on_request({
            let saw = saw_authorization.clone();
            let requests = requests.clone();
            move |request| {
                requests.fetch_add(1, Ordering::SeqCst);
                saw.fetch_or(request.headers().contains_key("authorization"), Ordering::SeqCst);
                request.headers_mut().insert("x-trace", "job-42".parse().unwrap());
            }
        })
        .on_response({
            let statuses = statuses.clone();
            move |response| statuses.lock().unwrap().push(response.status().as_u16())
        })
        .build()
        .unwrap();
    client.get_account(&AccountId::from("1")).await.unwrap();
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert!(!saw_authorization.load(Ordering::SeqCst), "the hook runs before credentials are added");
    assert_eq!(*statuses.lock().unwrap(), [200]);
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        sent.headers.get("authorization").map(|v| v.to_str().unwrap().to_owned()),
        Some(runtime_support::basic_header())
    );
}

#[tokio::test]
async fn typed_resume_goes_on_as_the_operation() {
    let server = MockServer::start().await;
    let second = format!("{}/users?offset=2", server.uri());
    Mock::given(path("/users"))
        .and(query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"message": "boom"})))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "users": [{"id": "1", "url": "u1"}, {"id": "2", "url": "u2"}],
            "paging": {"next_page": second},
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    let client: Client = builder(&server.uri()).retry_policy(RetryPolicy::none()).build().unwrap();
    let mut pages = client.list_users_pages(&ListUsersQuery::new()).max_pages(1).pages();
    let first = pages.try_next().await.unwrap().unwrap();
    let cursor = first.next_cursor().expect("a next page");
    let error = client.list_users_resume(cursor).items().try_collect::<Vec<_>>().await.unwrap_err();
    let context = error.context().expect("context");
    assert_eq!(context.operation, "listUsers", "{error}");
    assert_eq!(context.path, "/users");
    assert!(error.to_string().starts_with("listUsers (GET /users): HTTP 500"), "{error}");
}

#[tokio::test]
async fn pages_refuse_max_items() {
    let client = client("http://127.0.0.1:9");
    let error =
        client.list_users_pages(&ListUsersQuery::new()).max_items(5).pages().try_next().await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(error.to_string().contains("`listUsers`: max_items limits items()"), "{error}");
}
