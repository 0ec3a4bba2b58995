//! Credentials never travel in clear text or off the API's origin: plain `http` base URLs
//! are refused outside loopback, and a redirect to another origin (here another loopback
//! port) is never followed with credentials by the runtime's own HTTP client, and refused
//! when an injected client followed it.

mod runtime_support;

use conversocial::{Client, Error, RateLimit, RetryPolicy};
use runtime_support::{NAME, SECRET, basic_header, builder, get};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `api` answers `/op` with a redirect to `/steal` on `other`, another port.
async fn redirecting_pair() -> (MockServer, MockServer) {
    let api = MockServer::start().await;
    let other = MockServer::start().await;
    Mock::given(path("/op"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", format!("{}/steal", other.uri())))
        .mount(&api)
        .await;
    Mock::given(path("/steal"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"stolen": true})))
        .mount(&other)
        .await;
    (api, other)
}

#[tokio::test]
async fn the_runtimes_client_does_not_follow_a_redirect_off_the_origin() {
    let (api, other) = redirecting_pair().await;
    let err = builder(&api.uri())
        .build()
        .unwrap()
        .execute::<serde_json::Value>(get("op", "/op"))
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Api { status, .. } if status.as_u16() == 302), "{err:?}");
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_response_an_injected_client_fetched_from_another_origin_is_refused() {
    let (api, other) = redirecting_pair().await;
    // reqwest's default policy follows up to 10 redirects anywhere
    let client = builder(&api.uri()).http_client(reqwest::Client::new()).build().unwrap();
    let err = client.execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    println!("{err}");
    assert!(matches!(&err, Error::Config { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("redirect") && text.contains(&other.uri()) && text.contains("Policy::none"),
        "{text}"
    );
    assert!(!text.contains(SECRET) && !format!("{err:?}").contains(SECRET));
    // the request did go there (the runtime cannot stop an injected client), without the
    // basic credentials, which reqwest drops on a change of host or port
    let stolen = other.received_requests().await.unwrap();
    assert_eq!(stolen.len(), 1);
    assert!(stolen[0].headers.get("authorization").is_none());
    assert_eq!(
        api.received_requests().await.unwrap()[0].headers.get("authorization").unwrap().to_str().unwrap(),
        basic_header()
    );

    // built as documented, the injected client leaves the redirect to the runtime
    let (api, other) = redirecting_pair().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let client = builder(&api.uri()).http_client(http).build().unwrap();
    let err = client.execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    assert!(matches!(&err, Error::Api { status, .. } if status.as_u16() == 302), "{err:?}");
    assert!(other.received_requests().await.unwrap().is_empty());
}

#[test]
fn plain_http_is_refused_outside_loopback_unless_allowed() {
    let build = |url: &str| {
        Client::builder()
            .base_url(url)
            .credentials(NAME, SECRET)
            .rate_limit(RateLimit::disabled())
            .retry_policy(RetryPolicy::none())
    };
    for url in ["http://api.conversocial.com/v1.3", "http://192.168.1.20:8080", "http://[fe80::1]"] {
        let err = build(url).build().unwrap_err();
        assert!(matches!(&err, Error::Config { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains("clear text"), "{err}");
        assert!(build(url).allow_insecure_http(true).build().is_ok(), "{url}");
    }
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost/v1.3",
        "http://[::1]:9000",
        "https://api.conversocial.com/v1.3",
    ] {
        assert!(build(url).build().is_ok(), "{url}");
    }
}
