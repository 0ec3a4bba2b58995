//! Errors and credentials against a loopback server: status kinds carry the API's
//! message, decode errors name the field, and the secret never shows in an error
//! (Debug and logs: `runtime_logging.rs`).

mod runtime_support;

use std::time::Duration;

use conversocial::{Client, Error};
use runtime_support::{NAME, SECRET, basic_header, builder, client, get};
use serde::Deserialize;
use wiremock::matchers::{any, basic_auth, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answering(code: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(code).set_body_json(body)).mount(&server).await;
    server
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    let basic = basic_header();
    let encoded = basic.trim_start_matches("Basic ");
    assert!(!text.contains(encoded), "encoded credentials leaked: {text}");
}

#[tokio::test]
async fn sends_basic_auth_user_agent_and_accept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.3/accounts"))
        .and(basic_auth(NAME, SECRET))
        .and(header("accept", "application/json"))
        .and(header("user-agent", format!("conversocial-rust/{}", "0.1.0").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"accounts": []})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&format!("{}/v1.3", server.uri()));
    let v: serde_json::Value = client.execute(get("list_accounts", "/accounts")).await.unwrap();
    assert_eq!(v["accounts"], serde_json::json!([]));
}

#[tokio::test]
async fn a_secret_echoed_by_the_server_is_scrubbed_from_errors() {
    let server =
        answering(403, serde_json::json!({"message": format!("token {NAME}:{SECRET} lacks role")})).await;
    let err = client(&server.uri()).execute::<serde_json::Value>(get("op", "/x")).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
    assert_no_secret(&err.to_string());
    assert_no_secret(&format!("{err:?}"));
}

#[tokio::test]
async fn statuses_become_kinds_with_the_api_message() {
    let cases = [
        (403, serde_json::json!({"status": "error", "message": "You may not read reports"})),
        (
            404,
            serde_json::json!({"status": "error", "message": "No such author", "http_status": "404 Object Not Found"}),
        ),
        (
            400,
            serde_json::json!({"status": "error", "message": "Bad filter", "error_code": "bad_param", "param": "sort"}),
        ),
    ];
    let mut errors = Vec::new();
    for (code, body) in cases {
        let server = answering(code, body).await;
        errors.push(client(&server.uri()).execute::<serde_json::Value>(get("op", "/x")).await.unwrap_err());
    }
    assert!(
        matches!(&errors[0], Error::Forbidden { message: Some(m), .. } if m == "You may not read reports")
    );
    assert!(
        matches!(&errors[1], Error::NotFound { body, .. } if body.message.as_deref() == Some("No such author"))
    );
    let Error::Api { status, body, attempts, .. } = &errors[2] else { panic!("{:?}", errors[2]) };
    assert_eq!((status.as_u16(), *attempts), (400, 1));
    assert_eq!(body.error_code.as_deref(), Some("bad_param"));
    assert_eq!(body.param.as_deref(), Some("sort"));
    for (err, code, words) in [
        (&errors[0], 403, "You may not read reports"),
        (&errors[1], 404, "No such author"),
        (&errors[2], 400, "param: sort"),
    ] {
        assert_eq!(err.status().unwrap().as_u16(), code);
        let text = err.to_string();
        println!("{text}");
        assert!(text.contains(words), "{text}");
        assert_no_secret(&text);
    }
}

#[tokio::test]
async fn a_200_with_perms_error_is_forbidden() {
    let server = answering(
        200,
        serde_json::json!({"success": false, "permsError": true, "error": "Your role cannot export conversations"}),
    )
    .await;
    let err = client(&server.uri()).execute::<serde_json::Value>(get("op", "/x")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Forbidden { message: Some(m), .. } if m.contains("cannot export")),
        "{err:?}"
    );
    let err = client(&server.uri()).execute_empty(get("op", "/x")).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }));
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Accounts {
    accounts: Vec<Account>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Account {
    id: String,
    name: Option<String>,
    created_date: Option<conversocial::Timestamp>,
}

#[tokio::test]
async fn decode_errors_name_the_field_and_show_an_excerpt() {
    let server = answering(
        200,
        serde_json::json!({"accounts": [
            {"id": "1", "name": "a", "created_date": "2013-11-18T11:20:24", "unknown": [1, 2]},
            {"id": "2", "created_date": "18/11/2013"},
        ]}),
    )
    .await;
    let strict = builder(&server.uri()).strict_decoding(true).build().unwrap();
    let err = strict.execute::<Accounts>(get("list_accounts", "/accounts")).await.unwrap_err();
    let Error::Decode { path, excerpt, .. } = &err else { panic!("{err:?}") };
    assert_eq!(path, "accounts[1].created_date");
    assert!(excerpt.contains("18/11/2013") && excerpt.chars().count() <= 202, "{excerpt}");
    let text = err.to_string();
    println!("{text}");
    assert!(text.contains("accounts[1].created_date"), "{text}");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("18/11/2013"), "{source}");
    // a tolerant client (the default) reads the optional field as absent instead
    let accounts: Accounts = client(&server.uri()).execute(get("list_accounts", "/accounts")).await.unwrap();
    assert_eq!(accounts.accounts.len(), 2);
    assert!(accounts.accounts[1].created_date.is_none());
}

#[tokio::test]
async fn unknown_fields_and_absent_optional_fields_decode() {
    let server = answering(
        200,
        serde_json::json!({"accounts": [{"id": "1", "brand_new_field": {"x": 1}}], "paging": {"next_page": null}}),
    )
    .await;
    let accounts: Accounts = client(&server.uri()).execute(get("list_accounts", "/accounts")).await.unwrap();
    assert_eq!(accounts.accounts.len(), 1);
}

#[tokio::test]
async fn redirects_to_another_origin_are_not_followed() {
    let other = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200)).mount(&other).await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", format!("{}/steal", other.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let err = client(&server.uri()).execute::<serde_json::Value>(get("op", "/x")).await.unwrap_err();
    assert!(matches!(&err, Error::Api { status, .. } if status.as_u16() == 302), "{err:?}");
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn configuration_errors_say_what_to_fix() {
    let err = Client::builder().build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert!(err.to_string().contains("CONVERSOCIAL_TOKEN_NAME"), "{err}");
    let err = builder("https://user:pw@example.com").build().unwrap_err();
    assert!(err.to_string().contains("must not contain credentials"), "{err}");
    assert_no_secret(&err.to_string());
    let err = builder("http://127.0.0.1:1").timeout(Duration::ZERO).build();
    assert!(err.is_ok(), "a zero timeout is the caller's choice");
}
