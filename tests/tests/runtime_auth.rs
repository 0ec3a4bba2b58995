//! Security schemes against a loopback server: bearer tokens, API keys in a header, the
//! query or a cookie, choosing among alternatives, optional and absent authentication, the
//! error when no configured credential fits (before anything is sent), and every secret
//! kept out of errors and `Debug`.

mod runtime_support;

use std::time::Duration;

use conversocial::runtime::Request;
use conversocial::{ApiKeyLocation, AuthScheme, Client, ClientBuilder, Error, RateLimit};
use futures::TryStreamExt;
use runtime_support::{ItemsPage, NAME, SECRET, basic_header, builder, get, quick_retries};
use wiremock::matchers::{any, basic_auth, header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "bearer-T0ken-5e6f7a8b";
const HEADER_KEY_VALUE: &str = "hdr-key-1a2b3c4d";
/// Needs percent-encoding in a query or cookie.
const QUERY_KEY_VALUE: &str = "q/key+val=ue 9z8y";
const ANY_KEY_VALUE: &str = "any-key-7x6w5v4u";

const HEADER_KEY: AuthScheme = AuthScheme::ApiKey { location: ApiKeyLocation::Header, name: "X-API-Key" };
const QUERY_KEY: AuthScheme = AuthScheme::ApiKey { location: ApiKeyLocation::Query, name: "api_key" };
const COOKIE_KEY: AuthScheme = AuthScheme::ApiKey { location: ApiKeyLocation::Cookie, name: "sid" };

static BEARER: &[&[AuthScheme]] = &[&[AuthScheme::Bearer]];

/// A builder without any credential.
fn anonymous(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .rate_limit(RateLimit::disabled())
        .retry_policy(quick_retries())
        .timeout(Duration::from_secs(5))
}

/// Every kind of credential: basic, bearer, a key per header and query scheme, and a
/// fallback key for the others.
fn everything(base_url: &str) -> Client {
    builder(base_url)
        .bearer_token(TOKEN)
        .api_key_for("X-API-Key", HEADER_KEY_VALUE)
        .api_key_for("api_key", QUERY_KEY_VALUE)
        .api_key(ANY_KEY_VALUE)
        .build()
        .unwrap()
}

async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;
    server
}

async fn last(server: &MockServer) -> wiremock::Request {
    server.received_requests().await.unwrap().pop().unwrap()
}

fn header_of(request: &wiremock::Request, name: &str) -> Option<String> {
    request.headers.get(name).map(|v| v.to_str().unwrap().to_owned())
}

fn query_pairs(request: &wiremock::Request) -> Vec<(String, String)> {
    request.url.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn bearer_token() {
    let server = MockServer::start().await;
    Mock::given(path("/me"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 1})))
        .expect(2)
        .mount(&server)
        .await;
    // a bearer token alone satisfies the credentials requirement of `build`
    let client = anonymous(&server.uri()).bearer_token(TOKEN).build().unwrap();
    let me: serde_json::Value = client.execute(get("me", "/me").security(BEARER)).await.unwrap();
    assert_eq!(me["id"], 1);
    // without a requirement, the only credential there is
    client.execute_empty(get("me", "/me")).await.unwrap();
}

#[tokio::test]
async fn without_a_requirement_basic_credentials_are_sent_as_before() {
    let server = MockServer::start().await;
    Mock::given(basic_auth(NAME, SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    everything(&server.uri()).execute_empty(get("op", "/x")).await.unwrap();
    let request = last(&server).await;
    assert_eq!(header_of(&request, "authorization"), Some(basic_header()));
    assert_eq!(header_of(&request, "x-api-key"), None);
    assert_eq!(request.url.query(), None);
}

#[tokio::test]
async fn api_keys_in_header_query_and_cookie() {
    static IN_HEADER: &[&[AuthScheme]] = &[&[HEADER_KEY]];
    static IN_QUERY: &[&[AuthScheme]] = &[&[QUERY_KEY]];
    static IN_COOKIE: &[&[AuthScheme]] = &[&[COOKIE_KEY]];
    let server = ok_server().await;
    let client = everything(&server.uri());

    client.execute_empty(get("op", "/h").security(IN_HEADER)).await.unwrap();
    let request = last(&server).await;
    assert_eq!(header_of(&request, "x-api-key").as_deref(), Some(HEADER_KEY_VALUE));
    assert_eq!(header_of(&request, "authorization"), None);

    let mut query = conversocial::runtime::Query::new();
    query.push("page", &2);
    client.execute_empty(get("op", "/q").query(query).security(IN_QUERY)).await.unwrap();
    let request = last(&server).await;
    assert_eq!(request.url.query(), Some("page=2&api_key=q%2Fkey%2Bval%3Due%209z8y"));
    assert_eq!(query_pairs(&request)[1], ("api_key".into(), QUERY_KEY_VALUE.into()));
    assert_eq!(header_of(&request, "authorization"), None);

    // no key of its own: the fallback key, in one Cookie header with the cookie parameters
    client.execute_empty(get("op", "/c").cookie("theme", "dark").security(IN_COOKIE)).await.unwrap();
    let request = last(&server).await;
    assert_eq!(
        header_of(&request, "cookie").as_deref(),
        Some(format!("theme=dark; sid={ANY_KEY_VALUE}").as_str())
    );
    assert_eq!(header_of(&request, "authorization"), None);
}

#[tokio::test]
async fn the_first_satisfiable_alternative_is_used() {
    static ALTERNATIVES: &[&[AuthScheme]] = &[&[AuthScheme::Bearer], &[HEADER_KEY, QUERY_KEY]];
    let server = ok_server().await;

    let keys_only = anonymous(&server.uri())
        .api_key_for("x-api-key", HEADER_KEY_VALUE) // header names match in any case
        .api_key(ANY_KEY_VALUE)
        .build()
        .unwrap();
    keys_only.execute_empty(get("op", "/x").security(ALTERNATIVES)).await.unwrap();
    let request = last(&server).await;
    assert_eq!(header_of(&request, "authorization"), None);
    assert_eq!(header_of(&request, "x-api-key").as_deref(), Some(HEADER_KEY_VALUE));
    assert_eq!(query_pairs(&request), [("api_key".to_owned(), ANY_KEY_VALUE.to_owned())]);

    everything(&server.uri()).execute_empty(get("op", "/x").security(ALTERNATIVES)).await.unwrap();
    let request = last(&server).await;
    assert_eq!(header_of(&request, "authorization"), Some(format!("Bearer {TOKEN}")));
    assert_eq!(header_of(&request, "x-api-key"), None);
    assert_eq!(request.url.query(), None);
}

#[tokio::test]
async fn optional_and_no_authentication() {
    static OPTIONAL: &[&[AuthScheme]] = &[&[], &[AuthScheme::Bearer]];
    static NONE: &[&[AuthScheme]] = &[];
    let server = ok_server().await;
    let basic_only = builder(&server.uri()).build().unwrap();

    basic_only.execute_empty(get("op", "/x").security(OPTIONAL)).await.unwrap();
    assert_eq!(header_of(&last(&server).await, "authorization"), None);

    everything(&server.uri()).execute_empty(get("op", "/x").security(OPTIONAL)).await.unwrap();
    assert_eq!(header_of(&last(&server).await, "authorization"), Some(format!("Bearer {TOKEN}")));

    everything(&server.uri()).execute_empty(get("op", "/x").security(NONE)).await.unwrap();
    let request = last(&server).await;
    assert_eq!(header_of(&request, "authorization"), None);
    assert_eq!(header_of(&request, "x-api-key"), None);
    assert_eq!(header_of(&request, "cookie"), None);
    assert_eq!(request.url.query(), None);
}

#[tokio::test]
async fn missing_credentials_fail_before_any_request() {
    static NEEDS: &[&[AuthScheme]] = &[&[AuthScheme::Bearer], &[QUERY_KEY, AuthScheme::Basic]];
    let server = ok_server().await;
    let basic_only = builder(&server.uri()).build().unwrap();
    let err = basic_only.execute_empty(get("find_pets", "/pets").security(NEEDS)).await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    let text = err.to_string();
    println!("{text}");
    for words in [
        "`find_pets` requires authentication",
        "ClientBuilder::bearer_token",
        "query parameter `api_key`",
        "ClientBuilder::api_key_for(\"api_key\", ..)",
        "ClientBuilder::credentials",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    // paginated listings fail the same way
    let pages = basic_only.paginate::<ItemsPage>(get("list", "/items").security(BEARER)).items();
    let err = pages.try_collect::<Vec<_>>().await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());

    // and a client with no credential at all is still refused by `build`
    let err = anonymous(&server.uri()).build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }) && err.to_string().contains("no credentials"), "{err}");
}

#[tokio::test]
async fn next_pages_keep_the_security_and_headers_of_the_first() {
    static KEYED: &[&[AuthScheme]] = &[&[AuthScheme::Bearer, QUERY_KEY]];
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(path("/items"))
        .respond_with(move |request: &wiremock::Request| {
            let offset = request.url.query_pairs().find(|(k, _)| k == "offset").map(|(_, v)| v.into_owned());
            let body = match offset.as_deref() {
                // the next link echoes a stale key: it is replaced, not repeated
                None => serde_json::json!({
                    "items": [{"id": 0}],
                    "paging": {"next_page": format!("{base}/items?api_key=stale-key&offset=1"), "prev_page": null},
                }),
                _ => serde_json::json!({"items": [{"id": 1}], "paging": {"next_page": null, "prev_page": null}}),
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(&server)
        .await;
    let client = everything(&server.uri());
    let req = get("list_items", "/items").header("X-Api-Version", "2").security(KEYED);
    let items: Vec<_> = client.paginate::<ItemsPage>(req).items().try_collect().await.unwrap();
    assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), [0, 1]);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(header_of(request, "authorization"), Some(format!("Bearer {TOKEN}")));
        assert_eq!(header_of(request, "x-api-version").as_deref(), Some("2"));
    }
    assert_eq!(query_pairs(&requests[0]), [("api_key".to_owned(), QUERY_KEY_VALUE.to_owned())]);
    assert_eq!(
        query_pairs(&requests[1]),
        [("offset".to_owned(), "1".to_owned()), ("api_key".to_owned(), QUERY_KEY_VALUE.to_owned())]
    );
}

fn assert_no_secret(shown: &str) {
    let encoded_query_key = "q%2Fkey%2Bval%3Due%209z8y";
    let encoded_basic = basic_header().trim_start_matches("Basic ").to_owned();
    for secret in
        [SECRET, TOKEN, HEADER_KEY_VALUE, QUERY_KEY_VALUE, ANY_KEY_VALUE, encoded_query_key, &encoded_basic]
    {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[tokio::test]
async fn secrets_are_redacted_from_errors_and_debug() {
    static ALL: &[&[AuthScheme]] = &[&[AuthScheme::Bearer, HEADER_KEY, QUERY_KEY, COOKIE_KEY]];
    let server = MockServer::start().await;
    let echo = format!(
        "rejected {TOKEN} / {HEADER_KEY_VALUE} / {QUERY_KEY_VALUE} / q%2Fkey%2Bval%3Due%209z8y / \
         {ANY_KEY_VALUE} / {SECRET}"
    );
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({"message": echo})))
        .mount(&server)
        .await;
    let client = everything(&server.uri());
    let err = client.execute::<serde_json::Value>(get("op", "/x").security(ALL)).await.unwrap_err();
    assert!(matches!(&err, Error::Api { .. }), "{err:?}");
    assert!(err.to_string().contains("rejected [REDACTED]"), "{err}");
    assert_no_secret(&err.to_string());
    assert_no_secret(&format!("{err:?}"));
    let err = client.execute_text(get("op", "/x").security(ALL)).await.unwrap_err();
    assert_no_secret(&format!("{err} {err:?}"));
    // the request did carry them
    let request = last(&server).await;
    assert_eq!(header_of(&request, "x-api-key").as_deref(), Some(HEADER_KEY_VALUE));

    // a transport error's URL holds the query key: scrubbed too
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = everything(&format!("http://127.0.0.1:{closed}"));
    let err = client.execute_bytes(get("op", "/x").security(ALL)).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { .. }), "{err:?}");
    let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
    println!("{shown}");
    assert!(shown.contains("api_key=[REDACTED]"), "{shown}");
    assert_no_secret(&shown);

    for shown in [format!("{client:?}"), format!("{client:#?}")] {
        assert!(shown.contains("[REDACTED]") && shown.contains("X-API-Key"), "{shown}");
        assert_no_secret(&shown);
    }
    let builder =
        builder("http://x").bearer_token(TOKEN).api_key(ANY_KEY_VALUE).api_key_for("k", HEADER_KEY_VALUE);
    assert_no_secret(&format!("{builder:?} {builder:#?}"));
    let req: Request = get("op", "/x").security(ALL);
    assert_no_secret(&format!("{req:?}"));
}
