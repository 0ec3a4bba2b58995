//! Long exports through outages and flaky connections, against a hand-written loopback
//! server: a 90 s outage of 503s under the default retry policy (on tokio's paused clock,
//! so it takes a moment of real time), the same shape in real time, and an export of
//! more than 1000 items through 25% 5xx answers and dropped or reset connections.

mod raw_server;
mod runtime_support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use conversocial::{RateLimit, RetryPolicy};
use futures::TryStreamExt;
use raw_server::{Action, Head, RawServer};
use runtime_support::{ItemsPage, NAME, SECRET, get};
use tokio::time::Instant;

/// The page at `offset` of `total` items, `page_size` per page, with the next link on
/// the host the request came to.
fn page(head: &Head, total: u64, page_size: u64) -> Action {
    let offset: u64 = head.query("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let end = (offset + page_size).min(total);
    let host = head.header("host").unwrap_or("127.0.0.1");
    let items: Vec<_> = (offset..end).map(|id| serde_json::json!({"id": id})).collect();
    let next = (end < total).then(|| format!("http://{host}/items?offset={end}"));
    Action::json(200, &serde_json::json!({"items": items, "paging": {"next_page": next, "prev_page": null}}))
}

fn assert_exactly_once(ids: &[u64], total: u64) {
    let unique: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicates");
    assert_eq!(unique, (0..total).collect::<HashSet<_>>(), "missing items");
}

/// What the server saw during an outage export.
struct Outage {
    items: usize,
    failures: usize,
    requests: usize,
    took: Duration,
}

/// Exports `total` items, 50 a page, with `policy` and `limit`; from the third request on,
/// the server answers 503 for `outage`.
async fn export_through_outage(outage: Duration, policy: RetryPolicy, limit: RateLimit) -> Outage {
    let total = 1000;
    let started = Instant::now();
    let outage_start: Arc<Mutex<Option<Instant>>> = Arc::default();
    let failures = Arc::new(AtomicUsize::new(0));
    let (start, failed) = (outage_start.clone(), failures.clone());
    let server = RawServer::start(move |head| {
        let mut start = start.lock().unwrap();
        let now = Instant::now();
        let offset: u64 = head.query("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        if offset >= 100 && now - *start.get_or_insert(now) < outage {
            failed.fetch_add(1, Ordering::SeqCst);
            return Action::json(503, &serde_json::json!({"status": "error", "message": "deploying"}));
        }
        page(head, total, 50)
    })
    .await;
    let client = conversocial::Client::builder()
        .base_url(server.uri())
        .credentials(NAME, SECRET)
        .rate_limit(limit)
        .retry_policy(policy)
        .build()
        .unwrap();
    let items: Vec<_> =
        client.paginate::<ItemsPage>(get("list_items", "/items")).items().try_collect().await.unwrap();
    assert_exactly_once(&items.iter().map(|i| i.id).collect::<Vec<_>>(), total);
    Outage {
        items: items.len(),
        failures: failures.load(Ordering::SeqCst),
        requests: server.requests(),
        took: started.elapsed(),
    }
}

/// A 90 s outage of 503s in the middle of an export, under the default retry policy
/// and the default rate limit: the export waits it out and delivers every item once.
///
/// tokio's clock is paused and driven by a ticker task that advances it 5 ms per turn of
/// the scheduler (the server runs on the same runtime). tokio's own auto-advance would
/// jump to the next timer whenever the thread waits on the loopback socket, firing
/// request timeouts at random; with the ticker always runnable it never kicks in, and
/// simulated time only moves while this thread runs, so 90 s take well under a second.
#[tokio::test(start_paused = true)]
async fn a_90_second_outage_does_not_end_an_export_under_the_default_policy() {
    let ticker = tokio::spawn(async {
        loop {
            tokio::time::advance(Duration::from_millis(5)).await;
            tokio::task::yield_now().await;
        }
    });
    let real = std::time::Instant::now();
    let run =
        export_through_outage(Duration::from_secs(90), RetryPolicy::default(), RateLimit::default()).await;
    ticker.abort();
    println!(
        "90 s outage, default policy and rate limit: {} items, {} requests ({} answered 503), \
         {:.1} s simulated, {:?} real",
        run.items,
        run.requests,
        run.failures,
        run.took.as_secs_f64(),
        real.elapsed()
    );
    assert!(run.failures >= 5, "the outage did not happen: {}", run.failures);
    assert_eq!(run.requests, 20 + run.failures, "a request that failed otherwise (a timeout?)");
    // 20 pages at the default 2.04 s spacing (about 40 s) plus the outage, plus at most
    // one backoff of 30 s after it ended
    assert!(run.took >= Duration::from_secs(90), "{:?}", run.took);
    assert!(run.took < Duration::from_secs(90 + 45 + 30), "{:?}", run.took);
}

/// The same in real time: a 3 s outage under the default retry policy (with a fast rate
/// limit, so the run stays short).
#[tokio::test]
async fn a_short_outage_in_real_time_under_the_default_policy() {
    let run =
        export_through_outage(Duration::from_secs(3), RetryPolicy::default(), RateLimit::per_second(50))
            .await;
    println!(
        "3 s outage in real time, default policy: {} items, {} requests ({} answered 503) in {:?}",
        run.items, run.requests, run.failures, run.took
    );
    assert!(run.failures >= 2);
    assert!(run.took >= Duration::from_secs(3));
}

/// The full 90 s outage in real time, under the default retry policy and rate limit:
/// `cargo test -p tests --test runtime_outage -- --ignored` (about two minutes).
#[tokio::test]
#[ignore = "takes about two minutes of real time"]
async fn a_90_second_outage_in_real_time() {
    let run =
        export_through_outage(Duration::from_secs(90), RetryPolicy::default(), RateLimit::default()).await;
    println!(
        "90 s outage in real time, default policy and rate limit: {} items, {} requests ({} answered 503) in {:?}",
        run.items, run.requests, run.failures, run.took
    );
    assert!(run.took >= Duration::from_secs(90));
}

/// A deterministic coin: 1 in `n` on average (xorshift); and a deck of twenty cards,
/// dealt in a shuffled order and shuffled again once dealt.
struct Dice(AtomicU64, Mutex<Vec<u64>>);

impl Dice {
    fn new(seed: u64) -> Self {
        Dice(AtomicU64::new(seed), Mutex::default())
    }

    fn deal(&self) -> u64 {
        let mut deck = self.1.lock().unwrap();
        if deck.is_empty() {
            *deck = (0..20).collect();
            for i in (1..deck.len()).rev() {
                let j = self.roll(i as u64 + 1) as usize;
                deck.swap(i, j);
            }
        }
        deck.pop().unwrap()
    }

    fn roll(&self, n: u64) -> u64 {
        let mut x = self.0.load(Ordering::SeqCst);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.store(x, Ordering::SeqCst);
        x % n
    }
}

/// An export of 1234 items (62 pages) where a quarter of the requests are answered 500,
/// 502 or 503 and one in twenty has its connection closed or reset without an answer:
/// every item arrives exactly once.
#[tokio::test]
async fn an_export_through_5xx_and_connection_resets_delivers_every_item_once() {
    let total = 1234;
    let dice = Arc::new(Dice::new(0x9E37_79B9_7F4A_7C15));
    let faults: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let (d, f) = (dice.clone(), faults.clone());
    let server = RawServer::start(move |head| {
        // of every twenty requests, five (in a shuffled but fixed order) answer a 5xx and
        // one loses its connection: 25% and 5%
        let fault = match d.deal() {
            0..=4 => Some(["500", "502", "503"][d.roll(3) as usize]),
            5 => Some(if d.roll(2) == 0 { "close" } else { "reset" }),
            _ => None,
        };
        f.lock().unwrap().push(fault.unwrap_or("ok"));
        match fault {
            Some("close") => Action::Close,
            Some("reset") => Action::Reset,
            Some(code) => Action::json(code.parse().unwrap(), &serde_json::json!({"status": "error"})),
            None => page(head, total, 20),
        }
    })
    .await;
    let client = conversocial::Client::builder()
        .base_url(server.uri())
        .credentials(NAME, SECRET)
        .rate_limit(RateLimit::disabled())
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let items: Vec<_> =
        client.paginate::<ItemsPage>(get("list_items", "/items")).items().try_collect().await.unwrap();
    assert_exactly_once(&items.iter().map(|i| i.id).collect::<Vec<_>>(), total);
    let faults = faults.lock().unwrap();
    let count = |what: &str| faults.iter().filter(|f| **f == what).count();
    let (e500, e502, e503, closed, reset) =
        (count("500"), count("502"), count("503"), count("close"), count("reset"));
    println!(
        "{} items over {} requests: {e500} x 500, {e502} x 502, {e503} x 503, {closed} closed, {reset} reset",
        items.len(),
        faults.len()
    );
    assert_eq!(count("ok"), 62, "one good answer a page");
    assert!(e500 > 0 && e502 > 0 && e503 > 0 && closed > 0 && reset > 0);
    let share = (e500 + e502 + e503) as f64 / faults.len() as f64;
    let dropped = (closed + reset) as f64 / faults.len() as f64;
    println!("5xx share {share:.3}, dropped connections {dropped:.3}");
    assert!((0.2..0.3).contains(&share), "{share}");
    assert!((0.02..0.1).contains(&dropped), "{dropped}");
}
