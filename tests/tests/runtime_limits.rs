//! Bounded bodies against loopback servers: a 100 MB success body is refused (before
//! reading when its length is announced, at the limit when it is not), error bodies are
//! read only in part, a gzip bomb is never inflated, and errors stay small.

mod raw_server;
mod runtime_support;

use std::time::{Duration, Instant};

use conversocial::{Error, RetryPolicy};
use raw_server::{Action, RawServer};
use runtime_support::{builder, client, get};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const MB_100: u64 = 100 * 1000 * 1000;
const MIB: u64 = 1024 * 1024;

/// Peak resident memory of this test process (all its threads), from `/proc`.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Waits until the server's count of written bytes stops moving (the client has gone).
async fn settled(server: &RawServer) -> u64 {
    let mut last = server.written();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = server.written();
        if now == last {
            return now;
        }
        last = now;
    }
}

fn stream(total: u64, announce: bool) -> Action {
    Action::Stream {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        total,
        announce,
        fill: b' ',
    }
}

#[tokio::test]
async fn a_100_mb_body_with_its_length_announced_is_refused_before_reading() {
    let server = RawServer::start(|_| stream(MB_100, true)).await;
    let started = Instant::now();
    let err = client(&server.uri()).execute::<serde_json::Value>(get("op", "/big")).await.unwrap_err();
    let elapsed = started.elapsed();
    let written = settled(&server).await;
    println!("announced 100 MB: {err}\n  error after {elapsed:?}; the server wrote {written} body bytes");
    assert!(
        matches!(&err, Error::BodyTooLarge { limit, content_length: Some(MB_100), status, .. }
            if *limit == 32 * MIB && status.as_u16() == 200),
        "{err:?}"
    );
    assert!(err.to_string().contains("max_body_bytes"), "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(server.requests(), 1, "not retried");
    assert!(written < 8 * MIB, "{written} bytes written");
}

#[tokio::test]
async fn a_100_mb_body_of_unknown_length_stops_at_the_limit() {
    let server = RawServer::start(|_| stream(MB_100, false)).await;
    let started = Instant::now();
    let err = client(&server.uri()).execute_bytes(get("op", "/big")).await.unwrap_err();
    let elapsed = started.elapsed();
    let written = settled(&server).await;
    println!(
        "chunked 100 MB, default limit: error after {elapsed:?}; the server wrote {:.1} MiB; peak RSS of \
         the test process {:?} MiB",
        written as f64 / MIB as f64,
        peak_rss_mib()
    );
    assert!(
        matches!(&err, Error::BodyTooLarge { content_length: None, limit, .. } if *limit == 32 * MIB),
        "{err:?}"
    );
    assert_eq!(server.requests(), 1, "not retried");
    assert!(written >= 32 * MIB, "{written}");
    assert!(written < 32 * MIB + 40 * MIB, "{written} bytes written: the client read on");

    // a small configured limit, for memory: the client holds at most about that much
    let server = RawServer::start(|_| stream(MB_100, false)).await;
    let client = builder(&server.uri()).max_body_bytes(MIB).build().unwrap();
    let err = client.execute_bytes(get("op", "/big")).await.unwrap_err();
    let written = settled(&server).await;
    println!("chunked 100 MB, 1 MiB limit: {err}\n  the server wrote {:.1} MiB", written as f64 / MIB as f64);
    assert!(matches!(&err, Error::BodyTooLarge { limit, .. } if *limit == MIB), "{err:?}");
    assert!(written < MB_100 / 4, "{written}");
    let peak = peak_rss_mib();
    println!("peak RSS of the test process: {peak:?} MiB");
    assert!(peak.is_none_or(|p| p < 250), "{peak:?} MiB");
}

#[tokio::test]
async fn bodies_up_to_the_limit_are_read_whole() {
    let server = RawServer::start(|head| {
        let announce = head.target.contains("announce");
        stream(2 * MIB, announce)
    })
    .await;
    let client = builder(&server.uri()).max_body_bytes(2 * MIB).build().unwrap();
    for target in ["/chunked", "/announce"] {
        let body = client.execute_bytes(get("op", target)).await.unwrap();
        assert_eq!(body.len() as u64, 2 * MIB, "{target}");
    }
    let client = builder(&server.uri()).max_body_bytes(2 * MIB - 1).build().unwrap();
    for target in ["/chunked", "/announce"] {
        let err = client.execute_bytes(get("op", target)).await.unwrap_err();
        assert!(matches!(err, Error::BodyTooLarge { .. }), "{target}: {err:?}");
    }
}

/// A 100 MB error page: only its first 64 KiB are read, the status error comes through
/// (after the retries a 503 earns), and the error holds a bounded excerpt.
#[tokio::test]
async fn error_bodies_are_read_only_in_part() {
    let server = RawServer::start(|_| Action::Stream {
        status: 503,
        headers: vec![("content-type".into(), "text/html".into())],
        total: MB_100,
        announce: false,
        fill: b'x',
    })
    .await;
    let client = builder(&server.uri())
        .retry_policy(RetryPolicy { max_attempts: 3, ..runtime_support::quick_retries() });
    let started = Instant::now();
    let err = client.build().unwrap().execute::<serde_json::Value>(get("op", "/err")).await.unwrap_err();
    let written = settled(&server).await;
    println!(
        "3 x 100 MB error bodies: {:?} after {:?}; the server wrote {:.1} MiB in all",
        err.status(),
        started.elapsed(),
        written as f64 / MIB as f64
    );
    assert!(matches!(&err, Error::Api { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(written < 3 * 24 * MIB, "{written}");
    let body = err.body().unwrap();
    assert!(body.raw.chars().count() <= 202, "{}", body.raw.len());
    assert!(format!("{err:?}").len() < 2_000);
    assert!(err.to_string().len() < 2_000);
}

/// A JSON error body larger than 64 KiB is cut: its summary fields are lost, its excerpt
/// stays, and nothing large is kept.
#[tokio::test]
async fn a_large_json_error_body_is_cut_to_64_kib() {
    let server = MockServer::start().await;
    let filler = "y".repeat(200_000);
    Mock::given(path("/op"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(serde_json::json!({"message": "bad", "filler": filler})),
        )
        .mount(&server)
        .await;
    let err = client(&server.uri()).execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    let body = err.body().unwrap();
    assert_eq!(body.json, None, "a cut body is not JSON");
    assert!(body.raw.starts_with("{\"filler\":\"yyy"), "{}", body.raw);
    assert!(format!("{err:?}").len() < 2_000);
    // under 64 KiB it is parsed as usual
    let server = MockServer::start().await;
    Mock::given(path("/op"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"message": "bad", "f": "y".repeat(60_000)})),
        )
        .mount(&server)
        .await;
    let err = client(&server.uri()).execute::<serde_json::Value>(get("op", "/op")).await.unwrap_err();
    assert_eq!(err.body().unwrap().message.as_deref(), Some("bad"));
    assert!(format!("{err:?}").len() < 2_000, "{}", format!("{err:?}").len());
}

/// A gzip stream of `zeros` zero bytes, deflated by hand: one literal, then
/// back-references of length 258 at distance 1 (fixed Huffman codes, 13 bits per 258
/// bytes), so 1 GiB takes about 6.5 MB.
fn gzip_bomb(refs: u64) -> (Vec<u8>, u64) {
    let zeros = 1 + 258 * refs;
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }
    impl Bits {
        fn bit(&mut self, b: u32) {
            self.acc |= b << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            for i in (0..len).rev() {
                self.bit((code >> i) & 1);
            }
        }
    }
    let mut bits = Bits { out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3], acc: 0, n: 0 };
    bits.bit(1); // BFINAL
    bits.bit(1); // BTYPE = 01 (fixed Huffman), least significant bit first
    bits.bit(0);
    bits.code(0x30, 8); // literal 0
    for _ in 0..refs {
        bits.code(0xC5, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1 (code 0)
    }
    bits.code(0, 7); // end of block
    if bits.n > 0 {
        bits.out.push(bits.acc as u8);
    }
    let mut out = bits.out;
    out.extend_from_slice(&crc32_of_zeros(zeros).to_le_bytes());
    out.extend_from_slice(&(zeros as u32).to_le_bytes());
    (out, zeros)
}

/// CRC-32 of `n` zero bytes in O(log n): feeding a zero byte is a linear map of the
/// register over GF(2), raised to the `n`th power by squaring (as zlib's `crc32_combine`).
fn crc32_of_zeros(mut n: u64) -> u32 {
    fn step(mut s: u32) -> u32 {
        for _ in 0..8 {
            s = if s & 1 == 1 { (s >> 1) ^ 0xEDB8_8320 } else { s >> 1 };
        }
        s
    }
    fn times(m: &[u32; 32], v: u32) -> u32 {
        (0..32).filter(|i| v >> i & 1 == 1).fold(0, |acc, i| acc ^ m[i])
    }
    let mut m = [0u32; 32];
    for (i, col) in m.iter_mut().enumerate() {
        *col = step(1 << i);
    }
    let mut state = 0xFFFF_FFFFu32;
    while n > 0 {
        if n & 1 == 1 {
            state = times(&m, state);
        }
        let squared: Vec<u32> = m.iter().map(|&col| times(&m, col)).collect();
        m.copy_from_slice(&squared);
        n >>= 1;
    }
    !state
}

#[test]
fn the_crc_of_zeros_matches_the_bytewise_crc() {
    fn bytewise(n: usize) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for _ in 0..n {
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    for n in [0, 1, 2, 3, 258, 1000, 65_537] {
        assert_eq!(crc32_of_zeros(n as u64), bytewise(n), "{n}");
    }
    assert_eq!(crc32_of_zeros(1), 0xD202_EF8D);
}

/// A body served with `Content-Encoding: gzip` that would inflate to 1 GiB: the client
/// asks for no compression and inflates nothing, so it gets the bytes as sent (or the
/// typed error when they pass the limit), never a gigabyte.
#[tokio::test]
async fn a_gzip_bomb_is_not_inflated() {
    let (bomb, inflated) = gzip_bomb((1u64 << 30) / 258);
    println!("gzip bomb: {} bytes, inflating to {inflated} bytes", bomb.len());
    assert!(inflated >= 1 << 29);
    let server = MockServer::start().await;
    Mock::given(path("/bomb"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .set_body_raw(bomb.clone(), "application/octet-stream"),
        )
        .mount(&server)
        .await;
    let body = client(&server.uri()).execute_bytes(get("op", "/bomb")).await.unwrap();
    assert_eq!(body.len(), bomb.len(), "the bytes as received");
    assert!(body[..] == bomb[..]);
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("accept-encoding").is_none(), "{:?}", requests[0].headers);

    let client = builder(&server.uri()).max_body_bytes(MIB).build().unwrap();
    let err = client.execute::<serde_json::Value>(get("op", "/bomb")).await.unwrap_err();
    assert!(
        matches!(&err, Error::BodyTooLarge { limit, content_length: Some(n), .. } if *limit == MIB && *n == bomb.len() as u64),
        "{err:?}"
    );
    println!("{err}");
}
