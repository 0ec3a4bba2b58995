//! Header and cookie parameters, non-JSON request bodies (form, multipart, raw), non-JSON
//! responses (`execute_text`, `execute_bytes`) and object-valued query parameters
//! (`push_object`), as a loopback server receives them.

mod runtime_support;

use conversocial::runtime::{Query, Request};
use conversocial::{Error, Multipart, ObjectStyle};
use reqwest::Method;
use runtime_support::{NAME, SECRET, client, get};
use serde::Serialize;
use wiremock::matchers::{any, basic_auth, body_bytes, body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok_json() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true}))
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

fn header_of<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn headers_and_cookies_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things"))
        .and(header("x-request-id", "abc 123/x"))
        .and(header("x-count", "3"))
        .and(header("cookie", "session=a%20b%3Bc%3D; theme=dark"))
        .and(header("accept", "application/json"))
        .and(basic_auth(NAME, SECRET))
        .respond_with(ok_json())
        .expect(1)
        .mount(&server)
        .await;
    let req = get("list_things", "/things")
        .header("X-Request-Id", "abc 123/x")
        .header("X-Count", &3)
        .header("Accept", "text/html") // ignored, as OpenAPI says
        .header("Authorization", "Bearer forged") // ignored
        .cookie("session", "a b;c=")
        .cookie("theme", &String::from("dark"));
    let v: serde_json::Value = client(&server.uri()).execute(req).await.unwrap();
    assert_eq!(v["ok"], true);
    let requests = received(&server).await;
    assert_eq!(requests[0].headers.get_all("authorization").iter().count(), 1);
    assert_eq!(requests[0].headers.get_all("cookie").iter().count(), 1);
}

#[tokio::test]
async fn a_header_parameter_replaces_the_user_agent() {
    let server = MockServer::start().await;
    Mock::given(header("user-agent", "custom/1")).respond_with(ok_json()).expect(1).mount(&server).await;
    let req = get("op", "/x").header("User-Agent", "custom/1");
    client(&server.uri()).execute_empty(req).await.unwrap();
}

#[tokio::test]
async fn invalid_headers_and_cookies_fail_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ok_json()).expect(0).mount(&server).await;
    let client = client(&server.uri());
    let cases = [
        (get("op", "/x").header("X-Bad", "line\nbreak"), "header `X-Bad`"),
        (get("op", "/x").header("Bad Name", "v"), "`Bad Name` is not a valid HTTP header name"),
        (get("op", "/x").cookie("bad;name", "v"), "`bad;name` is not a valid cookie name"),
        (get("op", "/x").accept("text/\nplain"), "accepted media type"),
        (get("op", "/x").raw_body("text/\rplain", "x"), "content type"),
    ];
    for (req, words) in cases {
        let err = client.execute_empty(req).await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(words) && text.contains("`op`"), "{words}: {text}");
        assert!(!text.contains("line\nbreak"), "{text}");
    }
}

#[tokio::test]
async fn form_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("user=a%20b&tags=x&tags=y&note=1%2B1%3D2"))
        .respond_with(ok_json())
        .expect(1)
        .mount(&server)
        .await;
    let mut form = Query::new();
    form.push("user", "a b");
    form.push_exploded("tags", &["x", "y"]);
    form.push("note", "1+1=2");
    let req = Request::new(Method::POST, "login", "/login".into()).form_body(form);
    client(&server.uri()).execute_empty(req).await.unwrap();
}

/// One part of a `multipart/form-data` body, parsed independently of the runtime.
#[derive(Debug, PartialEq)]
struct Part {
    headers: Vec<String>,
    data: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits `body` on `--boundary` delimiters (RFC 2046): every part starts after a
/// `--boundary\r\n` line and ends before the next `\r\n--boundary`; the body ends with
/// `--boundary--\r\n`.
fn parse_multipart(content_type: &str, body: &[u8]) -> (String, Vec<Part>) {
    let boundary =
        content_type.strip_prefix("multipart/form-data; boundary=").expect(content_type).to_owned();
    assert!(!boundary.is_empty() && boundary.len() <= 70, "{boundary}");
    assert!(boundary.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'), "{boundary}");
    let delimiter = format!("--{boundary}");
    let close = format!("\r\n--{boundary}--\r\n");
    assert!(body.starts_with(format!("{delimiter}\r\n").as_bytes()));
    assert!(body.ends_with(close.as_bytes()), "{}", String::from_utf8_lossy(body));
    let mut parts = Vec::new();
    let mut rest = &body[delimiter.len() + 2..];
    loop {
        let end = find(rest, format!("\r\n{delimiter}").as_bytes()).unwrap();
        let part = &rest[..end];
        let split = find(part, b"\r\n\r\n").unwrap();
        let headers = String::from_utf8(part[..split].to_vec()).unwrap();
        parts.push(Part {
            headers: headers.split("\r\n").map(str::to_owned).collect(),
            data: part[split + 4..].to_vec(),
        });
        rest = &rest[end + 2 + delimiter.len()..];
        if rest == b"--\r\n" {
            break;
        }
        rest = rest.strip_prefix(b"\r\n").unwrap();
    }
    (boundary, parts)
}

#[derive(Serialize)]
struct Meta {
    tags: Vec<&'static str>,
    n: u32,
}

#[tokio::test]
async fn multipart_body_is_parsed_back_and_resent_identically() {
    let server = MockServer::start().await;
    // PUT is idempotent: the 503 is retried, with the same bytes
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/upload"))
        .respond_with(ok_json())
        .with_priority(2)
        .mount(&server)
        .await;

    let binary: Vec<u8> = (0u8..=255).chain(b"\r\n--not-the-boundary\r\n".iter().copied()).collect();
    let mut form = Multipart::new();
    form.text("title", "Q3 \"report\"");
    form.text("count", &42);
    form.json("meta", &Meta { tags: vec!["a", "b"], n: 1 }).unwrap();
    form.bytes("file", Some("data.bin"), "application/octet-stream", binary.clone());
    let req = Request::new(Method::PUT, "upload", "/upload".into()).multipart_body(form);
    client(&server.uri()).execute_empty(req).await.unwrap();

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body, "a retry resends the same body");
    let content_type = header_of(&requests[1], "content-type").unwrap();
    assert_eq!(header_of(&requests[0], "content-type"), Some(content_type));
    let (boundary, parts) = parse_multipart(content_type, &requests[1].body);
    assert!(find(&binary, boundary.as_bytes()).is_none());
    assert_eq!(
        parts,
        [
            Part {
                headers: vec!["Content-Disposition: form-data; name=\"title\"".into()],
                data: b"Q3 \"report\"".to_vec()
            },
            Part {
                headers: vec!["Content-Disposition: form-data; name=\"count\"".into()],
                data: b"42".to_vec()
            },
            Part {
                headers: vec![
                    "Content-Disposition: form-data; name=\"meta\"".into(),
                    "Content-Type: application/json".into()
                ],
                data: br#"{"tags":["a","b"],"n":1}"#.to_vec()
            },
            Part {
                headers: vec![
                    "Content-Disposition: form-data; name=\"file\"; filename=\"data.bin\"".into(),
                    "Content-Type: application/octet-stream".into()
                ],
                data: binary
            },
        ]
    );
}

#[tokio::test]
async fn raw_bodies_keep_their_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/notes"))
        .and(header("content-type", "text/plain; charset=utf-8"))
        .and(body_string("héllo\nworld"))
        .respond_with(ok_json())
        .expect(1)
        .mount(&server)
        .await;
    let bytes = vec![0u8, 159, 146, 150, 255];
    Mock::given(method("PUT"))
        .and(path("/blob"))
        .and(header("content-type", "application/octet-stream"))
        .and(body_bytes(bytes.clone()))
        .respond_with(ok_json())
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let req = Request::new(Method::POST, "note", "/notes".into())
        .raw_body("text/plain; charset=utf-8", "héllo\nworld");
    client.execute_empty(req).await.unwrap();
    let req = Request::new(Method::PUT, "blob", "/blob".into()).raw_body("application/octet-stream", bytes);
    client.execute_empty(req).await.unwrap();
}

#[tokio::test]
async fn text_and_bytes_responses() {
    let server = MockServer::start().await;
    Mock::given(path("/report.csv"))
        .and(header("accept", "text/csv"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("a,b\n1,☃\n", "text/csv"))
        .mount(&server)
        .await;
    let binary = vec![0x89u8, b'P', b'N', b'G', 0, 0xff, 0xfe];
    Mock::given(path("/image"))
        .and(header("accept", "image/png"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(binary.clone(), "image/png"))
        .mount(&server)
        .await;
    Mock::given(path("/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_raw("<html>no such file</html>", "text/html"))
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let text = client.execute_text(get("export", "/report.csv").accept("text/csv")).await.unwrap();
    assert_eq!(text, "a,b\n1,☃\n");
    let bytes = client.execute_bytes(get("image", "/image").accept("image/png")).await.unwrap();
    assert_eq!(bytes.as_ref(), binary.as_slice());

    let err = client.execute_text(get("image", "/image").accept("image/png")).await.unwrap_err();
    assert!(matches!(&err, Error::Decode { status, .. } if status.as_u16() == 200), "{err:?}");
    assert!(err.to_string().contains("body is not UTF-8"), "{err}");

    let err = client.execute_text(get("missing", "/missing").accept("text/plain")).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { body, .. } if body.raw.contains("no such file")), "{err:?}");
    let err = client.execute_bytes(get("missing", "/missing")).await.unwrap_err();
    assert!(matches!(&err, Error::NotFound { .. }), "{err:?}");
}

#[derive(Serialize)]
struct Filter {
    role: &'static str,
    min_age: Option<u32>,
    nickname: Option<&'static str>,
    score: f64,
    active: bool,
    address: Address,
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
struct Address {
    city: &'static str,
    zip: Option<&'static str>,
}

fn filter() -> Filter {
    Filter {
        role: "site admin",
        min_age: Some(18),
        nickname: None,
        score: 2.5,
        active: true,
        address: Address { city: "Zürich", zip: Some("8001") },
        tags: vec!["a&b", "c"],
    }
}

#[tokio::test]
async fn object_query_parameters_in_every_style() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ok_json()).mount(&server).await;
    let client = client(&server.uri());
    for style in [ObjectStyle::FormExploded, ObjectStyle::Form, ObjectStyle::DeepObject] {
        let mut query = Query::new();
        query.push("page", &1);
        query.push_object("filter", &filter(), style);
        client.execute_empty(get("search", "/search").query(query)).await.unwrap();
    }
    let queries: Vec<String> =
        received(&server).await.iter().map(|r| r.url.query().unwrap_or_default().to_owned()).collect();
    assert_eq!(
        queries,
        [
            "page=1&role=site%20admin&min_age=18&score=2.5&active=true\
             &address=%7B%22city%22%3A%22Z%C3%BCrich%22%2C%22zip%22%3A%228001%22%7D\
             &tags=%5B%22a%26b%22%2C%22c%22%5D",
            "page=1&filter=role,site%20admin,min_age,18,score,2.5,active,true,\
             address,%7B%22city%22%3A%22Z%C3%BCrich%22%2C%22zip%22%3A%228001%22%7D,\
             tags,%5B%22a%26b%22%2C%22c%22%5D",
            "page=1&filter[role]=site%20admin&filter[min_age]=18&filter[score]=2.5&filter[active]=true\
             &filter[address][city]=Z%C3%BCrich&filter[address][zip]=8001\
             &filter[tags]=a%26b&filter[tags]=c",
        ]
    );
    // and the server reads the deepObject keys back
    let pairs: Vec<(String, String)> = received(&server).await[2].url.query_pairs().into_owned().collect();
    assert!(pairs.contains(&("filter[address][city]".into(), "Zürich".into())), "{pairs:?}");
    assert!(pairs.contains(&("filter[tags]".into(), "a&b".into())), "{pairs:?}");
}
