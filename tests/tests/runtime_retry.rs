//! Retries against a loopback server: 429 waits, idempotent retries, POST rules, and the
//! errors when retries run out.

mod raw_server;
mod runtime_support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use conversocial::{Error, RateLimit, RetryPolicy};
use futures::TryStreamExt;
use raw_server::{Action, RawServer};
use runtime_support::{ItemsPage, Paged, Recorder, builder, client, get, quick_retries, worst_window};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request as WireRequest, Respond, ResponseTemplate};

/// Answers with the statuses in `script`, then 200 `{"ok": true}` forever.
struct Script {
    script: Vec<ResponseTemplate>,
    calls: Arc<AtomicUsize>,
}

impl wiremock::Respond for Script {
    fn respond(&self, _: &WireRequest) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.script
            .get(n)
            .cloned()
            .unwrap_or_else(|| ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
    }
}

async fn scripted(http: &str, script: Vec<ResponseTemplate>) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method(http))
        .and(path("/op"))
        .respond_with(Script { script, calls: calls.clone() })
        .mount(&server)
        .await;
    (server, calls)
}

fn status(code: u16) -> ResponseTemplate {
    ResponseTemplate::new(code)
        .set_body_json(serde_json::json!({"status": "error", "message": format!("status {code}")}))
}

fn post(op: &'static str) -> conversocial::runtime::Request {
    conversocial::runtime::Request::new(reqwest::Method::POST, op, "/op".into())
        .json_body(&serde_json::json!({"name": "report"}))
        .unwrap()
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_the_item_count_stays_exact() {
    let server = MockServer::start().await;
    let paged = Arc::new(Paged::new(&server.uri(), 250, 50).failing_once(100, 429, Some("1")));
    Mock::given(path("/items")).respond_with(ArcRespond(paged.clone())).mount(&server).await;
    let client = client(&server.uri());
    let items: Vec<_> =
        client.paginate::<ItemsPage>(get("list_items", "/items")).items().try_collect().await.unwrap();
    let ids: HashSet<u64> = items.iter().map(|i| i.id).collect();
    assert_eq!(items.len(), 250);
    assert_eq!(ids, (0..250).collect());
    let times = paged.times.lock().unwrap().clone();
    assert_eq!(times.len(), 6, "5 pages and one retry");
    let limited = times.iter().position(|(_, s)| *s == 429).unwrap();
    let waited = times[limited + 1].0 - times[limited].0;
    println!("429 with Retry-After: 1 -> retried after {waited:?}");
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    assert!(waited < Duration::from_millis(1500), "retried after {waited:?}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_and_x_ratelimit_reset_are_honoured() {
    let date = httpdate(SystemTime::now() + Duration::from_secs(2));
    let (server, calls) = scripted(
        "GET",
        vec![
            status(429).insert_header("Retry-After", date.as_str()),
            status(429).insert_header("X-RateLimit-Reset", "1"),
        ],
    )
    .await;
    let started = Instant::now();
    let _: serde_json::Value = client(&server.uri()).execute(get("op", "/op")).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // the date has one-second resolution: at least 1 s, then 1 s more
    assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
}

fn httpdate(t: SystemTime) -> String {
    // RFC 7231 IMF-fixdate, built by hand to keep the tests free of extra dependencies.
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() + 1;
    let days = secs / 86_400;
    let (h, m, s) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // civil-from-days (Howard Hinnant)
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        [(month - 1) as usize];
    format!("{weekday}, {d:02} {mon} {year} {h:02}:{m:02}:{s:02} GMT")
}

#[tokio::test]
async fn get_retries_502_503_504_then_succeeds() {
    let (server, calls) = scripted("GET", vec![status(502), status(503), status(504)]).await;
    let v: serde_json::Value = client(&server.uri()).execute(get("op", "/op")).await.unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn get_retries_408_and_500_but_not_4xx() {
    let (server, calls) = scripted("GET", vec![status(408), status(500), status(500)]).await;
    let v: serde_json::Value = client(&server.uri()).execute(get("op", "/op")).await.unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    for code in [400, 404, 409, 501] {
        let (server, calls) = scripted("GET", vec![status(code)]).await;
        let err = client(&server.uri()).execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(code));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{code}");
    }
}

#[tokio::test]
async fn post_is_retried_on_429_but_not_on_5xx() {
    let (server, calls) = scripted("POST", vec![status(503)]).await;
    let err = client(&server.uri()).execute::<serde_json::Value>(post("create_report")).await.unwrap_err();
    assert!(matches!(&err, Error::Api { status, attempts: 1, .. } if status.as_u16() == 503), "{err:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let (server, calls) = scripted("POST", vec![status(429).insert_header("Retry-After", "0")]).await;
    let v: serde_json::Value = client(&server.uri()).execute(post("create_report")).await.unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[1].body, received[0].body, "the retry resends the body");
}

#[tokio::test]
async fn exhausted_retries_say_how_many_attempts_and_the_last_status() {
    let (server, calls) = scripted("GET", vec![status(503); 10]).await;
    let client = builder(&server.uri())
        .retry_policy(RetryPolicy { max_attempts: 3, ..quick_retries() })
        .build()
        .unwrap();
    let err = client.execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert!(matches!(&err, Error::Api { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.status().unwrap().as_u16(), 503);
    let text = err.to_string();
    println!("{text}");
    assert!(text.contains("after 3 attempts") && text.contains("503"), "{text}");

    let (server, calls) = scripted("GET", vec![status(429).insert_header("Retry-After", "0"); 10]).await;
    let client = builder(&server.uri())
        .retry_policy(RetryPolicy { max_attempts: 3, ..quick_retries() })
        .build()
        .unwrap();
    let err = client.execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert!(
        matches!(&err, Error::RateLimited { attempts: 3, retry_after: Some(d), .. } if d.is_zero()),
        "{err:?}"
    );
    println!("{err}");
    assert!(err.to_string().contains("after 3 attempts"));
}

#[tokio::test]
async fn a_wait_beyond_max_elapsed_gives_up_at_once() {
    let (server, calls) = scripted("GET", vec![status(429).insert_header("Retry-After", "3600")]).await;
    let started = Instant::now();
    let err = client(&server.uri()).execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(
        matches!(&err, Error::RateLimited { attempts: 1, retry_after: Some(d), .. } if *d == Duration::from_secs(3600)),
        "{err:?}"
    );
}

#[tokio::test]
async fn get_retries_timeouts_and_reports_the_last_status() {
    let mut script = vec![status(503)];
    script.extend(vec![ResponseTemplate::new(200).set_delay(Duration::from_millis(500)); 5]);
    let (server, calls) = scripted("GET", script).await;
    let client = builder(&server.uri())
        .timeout(Duration::from_millis(150))
        .retry_policy(RetryPolicy { max_attempts: 3, ..quick_retries() })
        .build()
        .unwrap();
    let err = client.execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    assert!(matches!(&err, Error::Timeout { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "the last status seen");
    assert!(std::error::Error::source(&err).is_some());
    println!("{err}");
    assert!(err.to_string().contains("after 3 attempts") && err.to_string().contains("503"));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn post_is_not_retried_on_timeout() {
    let (server, calls) =
        scripted("POST", vec![ResponseTemplate::new(200).set_delay(Duration::from_millis(500)); 5]).await;
    let client = builder(&server.uri()).timeout(Duration::from_millis(150)).build().unwrap();
    let err = client.execute::<serde_json::Value>(post("create_report")).await.unwrap_err();
    assert!(matches!(&err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn get_retries_transport_errors() {
    // a port with nothing listening
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = client(&format!("http://127.0.0.1:{port}/v1.3"));
    let err = client.execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { attempts: 4, last_status: None, .. }), "{err:?}");
    println!("{err}");
    assert!(err.to_string().contains("after 4 attempts"));
}

#[tokio::test]
async fn post_is_retried_when_the_connection_could_not_be_made() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = client(&format!("http://127.0.0.1:{port}/v1.3"));
    let err = client.execute::<serde_json::Value>(post("create_report")).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { attempts: 4, .. }), "{err:?}");

    // a connection that dies once the request was sent: the POST may have been processed
    let server = RawServer::start(|_| Action::Reset).await;
    let client = runtime_support::client(&server.uri());
    let err = client.execute::<serde_json::Value>(post("create_report")).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { attempts: 1, .. }), "{err:?}");
    assert_eq!(server.requests(), 1);
    // ... while a GET is retried
    let err = client.execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    assert!(matches!(&err, Error::Transport { attempts: 4, .. }), "{err:?}");
    assert_eq!(server.requests(), 5);
}

/// A wait hint beyond `max_server_wait` (here `Retry-After: 86400`, and a reset sent in
/// milliseconds) fails that call at once and does not pause the client: the next call
/// goes out at once.
#[tokio::test]
async fn a_wait_hint_beyond_the_cap_fails_that_call_and_the_next_proceeds_at_once() {
    for (header, value, wait) in [
        ("Retry-After", "86400", Duration::from_secs(86_400)),
        ("X-RateLimit-Reset", "45000", Duration::from_secs(45_000)),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/limited"))
            .respond_with(status(429).insert_header(header, value))
            .mount(&server)
            .await;
        Mock::given(path("/other")).respond_with(Recorder::default()).mount(&server).await;
        // the default retry policy, and a limiter that allows the next call at once
        let client = builder(&server.uri())
            .rate_limit(RateLimit::per_second(20))
            .retry_policy(RetryPolicy::default())
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client.execute::<serde_json::Value>(get("op", "/limited")).await.unwrap_err();
        let failed_after = started.elapsed();
        assert!(
            matches!(&err, Error::RateLimited { attempts: 1, retry_after: Some(d), .. } if *d == wait),
            "{err:?}"
        );
        assert!(failed_after < Duration::from_secs(1), "{failed_after:?}");
        let started = Instant::now();
        let v: serde_json::Value = client.execute(get("op", "/other")).await.unwrap();
        let next_after = started.elapsed();
        println!(
            "{header}: {value}: failed after {failed_after:?}; the next call took {next_after:?}\n  {err}"
        );
        assert_eq!(v["ok"], true);
        assert!(next_after < Duration::from_millis(500), "the client was paused: {next_after:?}");
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }
}

/// A 429 without a wait hint waits half to all of the quota's window (jittered), and
/// holds back every task of the client meanwhile, instead of retrying at the limiter's
/// spacing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hintless_429_waits_out_a_fraction_of_the_window_for_every_task() {
    let (server, calls) = scripted("GET", vec![status(429)]).await;
    let window = Duration::from_secs(1);
    let client = builder(&server.uri())
        .rate_limit(RateLimit::per_second(10).with_margin(Duration::ZERO))
        .retry_policy(RetryPolicy { max_elapsed: Duration::from_secs(30), ..RetryPolicy::default() })
        .build()
        .unwrap();
    let started = Instant::now();
    let first = {
        let client = client.clone();
        tokio::spawn(async move { client.execute::<serde_json::Value>(get("op", "/op")).await })
    };
    // another task starts once the 429 has come back
    while calls.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let second: serde_json::Value = client.execute(get("op", "/op")).await.unwrap();
    let second_done = started.elapsed();
    let first: serde_json::Value = first.await.unwrap().unwrap();
    let first_done = started.elapsed();
    assert_eq!((first["ok"].as_bool(), second["ok"].as_bool()), (Some(true), Some(true)));
    println!(
        "hint-less 429 with a 1 s window: retried after {first_done:?}; the other task waited until {second_done:?}"
    );
    assert!(first_done >= window / 2, "{first_done:?}");
    assert!(first_done < window + Duration::from_millis(400), "{first_done:?}");
    assert!(second_done >= window / 2, "the other task was not held back: {second_done:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// Retries take slots of the limiter like fresh requests: with half the answers 503,
/// the requests arriving at the server still respect the quota in every window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_never_push_the_client_over_its_quota() {
    let server = MockServer::start().await;
    let recorder = Recorder::default();
    let n = Arc::new(AtomicUsize::new(0));
    let (r, count) = (recorder.clone(), n.clone());
    Mock::given(path("/op"))
        .respond_with(move |request: &WireRequest| {
            let i = count.fetch_add(1, Ordering::SeqCst);
            if i % 2 == 0 {
                r.0.lock().unwrap().push(Instant::now());
                status(503)
            } else {
                r.respond(request)
            }
        })
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .rate_limit(RateLimit::per_second(10))
        .retry_policy(RetryPolicy { max_attempts: u32::MAX, ..quick_retries() })
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..4 {
                    let _: serde_json::Value = client.execute(get("op", "/op")).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let times = recorder.times();
    let worst = worst_window(&times, Duration::from_secs(1));
    println!("16 calls, every other answer 503: {} requests, worst 1 s window {worst}", times.len());
    assert_eq!(times.len(), 32);
    assert!(worst <= 10, "{worst}");
}

/// Waiting for a slot of the limiter is bounded by `max_elapsed`: requests queued behind
/// a slow quota fail with `LimiterTimeout` instead of waiting forever (at once, when the
/// limiter can tell no slot comes in time), and send nothing.
#[tokio::test]
async fn waiting_for_the_limiter_has_a_deadline() {
    let server = MockServer::start().await;
    Mock::given(path("/op")).respond_with(Recorder::default()).mount(&server).await;
    let client = builder(&server.uri())
        .rate_limit(RateLimit::per_minute(1))
        .retry_policy(RetryPolicy { max_elapsed: Duration::from_millis(300), ..RetryPolicy::default() })
        .build()
        .unwrap();
    let started = Instant::now();
    let results =
        futures::future::join_all((0..3).map(|_| client.execute::<serde_json::Value>(get("op", "/op"))))
            .await;
    let elapsed = started.elapsed();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let timed_out: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(ok, 1);
    assert_eq!(timed_out.len(), 2);
    for err in &timed_out {
        assert!(
            // the limiter knows at once that no slot comes within 300 ms: no need to wait it out
            matches!(err, Error::LimiterTimeout { waited, .. } if *waited <= Duration::from_millis(300)),
            "{err:?}"
        );
        assert_eq!(err.status(), None);
    }
    println!("{}", timed_out[0]);
    assert!(timed_out[0].to_string().contains("max_elapsed"));
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// wiremock wants the responder by value; share the `Paged` state with the test.
struct ArcRespond(Arc<Paged>);

impl wiremock::Respond for ArcRespond {
    fn respond(&self, request: &WireRequest) -> ResponseTemplate {
        self.0.respond(request)
    }
}
