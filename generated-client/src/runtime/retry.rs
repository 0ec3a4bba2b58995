//! When and how long to retry: [`RetryPolicy`], jittered exponential backoff, the wait
//! after a 429 without a hint, and the server's wait hints (`Retry-After` in seconds or as
//! an HTTP date, `X-RateLimit-Reset`).

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How a [`Client`](super::Client) retries.
///
/// # What is retried
///
/// * A **429** is retried for every method. The wait is the server's `Retry-After` or
///   `X-RateLimit-Reset` when it sends one (see `max_server_wait`), else a jittered
///   fraction of the rate limit's window (see below). The shared rate limiter is paused
///   for that wait, so every task of the client waits it out together (a warning is
///   logged), and the retry then takes a slot of the limiter like any fresh request:
///   retries never push the client over its quota.
/// * **Idempotent methods** (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`, `TRACE`) are
///   also retried on transport errors, timeouts, **408, 500, 502, 503 and 504**.
/// * **Every method**, `POST` included, is retried when the connection could not be
///   made (nothing was sent). A `POST` that may have reached the server is not retried.
///
/// # How long
///
/// Retries are bounded by **time**, not by a small count: no retry starts once
/// `max_elapsed` has passed since the first attempt was sent, and none is scheduled whose
/// wait would end after it. The default (`max_attempts` unbounded, `max_elapsed` 5
/// minutes) rides out a deploy or an outage of a minute or two, so a long export does not
/// die on it; a 90 s outage of 503s is retried through with about three minutes to spare.
///
/// The backoff before retry `n` (1-based) is drawn uniformly from `[d / 2, d]` with
/// `d = min(max_delay, base_delay * 2^(n - 1))`: 0.5 s, 1 s, 2 s, ... 30 s, then 30 s
/// (halved at worst by the jitter) until `max_elapsed`.
///
/// # A 429 without a wait hint
///
/// The server counts its quota over a window (a minute for the default
/// [`RateLimit`](super::RateLimit)) whose alignment the client does not know; the next
/// slot frees somewhere in the next window. The client waits a time drawn uniformly from
/// `[window / 2, window]` (at least the backoff), taken from
/// [`RateLimiter::quota_window`](super::RateLimiter::quota_window): the retry then finds
/// a free slot three times out of four on average, and two retries almost surely, while
/// retries at the limiter's 2 s spacing would find the quota still used up and each spend
/// a request of it. The jitter keeps processes that share a token from retrying in step.
/// A limiter that reports no window ([`RateLimit::disabled`](super::RateLimit::disabled),
/// most custom limiters) falls back to the backoff, never shorter than
/// [`RateLimiter::min_retry_delay`](super::RateLimiter::min_retry_delay).
///
/// # Server wait hints
///
/// A `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset` on a retried status is
/// honoured up to `max_server_wait` (default 120 s: two one-minute windows). A longer
/// hint, e.g. a reset sent in milliseconds and read as seconds, or `Retry-After: 86400`,
/// fails **that** request at once ([`Error::RateLimited`](super::Error::RateLimited) with
/// the hint in `retry_after` for a 429) and does not pause the shared limiter, so other
/// requests go on. A hint that would end after `max_elapsed` also fails the request at
/// once.
///
/// ```
/// use std::time::Duration;
/// use conversocial::RetryPolicy;
/// let quick = RetryPolicy {
///     max_attempts: 3,
///     base_delay: Duration::from_millis(10),
///     ..RetryPolicy::default()
/// };
/// assert!(quick.backoff(1) <= Duration::from_millis(10));
/// assert_eq!(RetryPolicy::default().max_elapsed, Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (0 counts as 1). Default `u32::MAX`: no limit
    /// by count, `max_elapsed` bounds the retries.
    pub max_attempts: u32,
    /// No retry starts after this much time since the first attempt was sent, and no wait
    /// is begun that would end after it. Also bounds the wait for a slot of the rate
    /// limiter. Default 5 minutes: a one- or two-minute outage (a deploy, a failover) is
    /// waited out.
    pub max_elapsed: Duration,
    /// The backoff before the first retry is between half of this and this. Default 500 ms.
    pub base_delay: Duration,
    /// The backoff never exceeds this. Default 30 s: once an outage ends, a request
    /// notices within 30 s.
    pub max_delay: Duration,
    /// The longest server wait hint (`Retry-After`, `X-RateLimit-Reset`) that is waited
    /// out; a longer one fails the request at once, without pausing other requests.
    /// Default 120 s, two windows of a per-minute quota.
    pub max_server_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: u32::MAX,
            max_elapsed: Duration::from_secs(300),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_server_wait: Duration::from_secs(120),
        }
    }
}

/// What an attempt that may be retried ended with, as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempt {
    /// 1-based number of the attempt that just failed.
    pub(crate) number: u32,
    /// Time since the first attempt was sent.
    pub(crate) elapsed: Duration,
    /// Whether it was a 429.
    pub(crate) rate_limited: bool,
    /// The server's wait hint, uncapped.
    pub(crate) server_wait: Option<Duration>,
}

/// What the limiter knows about the quota, for the wait after a hint-less 429.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Quota {
    /// [`RateLimiter::quota_window`](super::RateLimiter::quota_window).
    pub(crate) window: Option<Duration>,
    /// [`RateLimiter::min_retry_delay`](super::RateLimiter::min_retry_delay).
    pub(crate) min_delay: Duration,
}

impl RetryPolicy {
    /// Never retry: every request is sent once.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// A jittered backoff before retry number `retry` (1-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        self.backoff_at(retry, rand::random::<f64>())
    }

    /// The backoff before retry `retry` with jitter `unit` in `[0, 1]`.
    pub(crate) fn backoff_at(&self, retry: u32, unit: f64) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let ceiling = self.base_delay.saturating_mul(1u32 << exponent).min(self.max_delay);
        jittered(ceiling, unit)
    }

    /// Attempts allowed, at least 1.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// How long to wait before retrying after `attempt`, or `None` to give up now:
    /// attempts used up, a server hint beyond `max_server_wait`, or a wait that would end
    /// after `max_elapsed`. `unit` in `[0, 1]` is the jitter.
    pub(crate) fn next_wait(&self, attempt: Attempt, quota: Quota, unit: f64) -> Option<Duration> {
        if attempt.number >= self.attempts() {
            return None;
        }
        let backoff = self.backoff_at(attempt.number, unit);
        let wait = match attempt.server_wait {
            Some(hint) if hint > self.max_server_wait => return None,
            Some(hint) => hint,
            None if attempt.rate_limited => match quota.window {
                Some(window) => jittered(window, unit).max(backoff),
                None => backoff.max(quota.min_delay),
            },
            None => backoff,
        };
        (attempt.elapsed.saturating_add(wait) <= self.max_elapsed).then_some(wait)
    }
}

/// A duration drawn from `[ceiling / 2, ceiling]` by `unit` in `[0, 1]`.
fn jittered(ceiling: Duration, unit: f64) -> Duration {
    let half = ceiling / 2;
    half + (ceiling - half).mul_f64(unit.clamp(0.0, 1.0))
}

/// Whether a response status is worth retrying for a request of this kind.
pub(crate) fn retryable_status(status: StatusCode, idempotent: bool) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (idempotent
            && matches!(
                status,
                StatusCode::REQUEST_TIMEOUT
                    | StatusCode::INTERNAL_SERVER_ERROR
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ))
}

/// The wait the server asks for: `Retry-After`, else `X-RateLimit-Reset`.
pub(crate) fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    text(RETRY_AFTER.as_str())
        .and_then(|v| parse_retry_after(v, now))
        .or_else(|| text("x-ratelimit-reset").and_then(|v| parse_rate_limit_reset(v, now)))
}

/// `Retry-After`: delay seconds (a decimal fraction is tolerated) or an HTTP date.
/// A date in the past means no wait.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    seconds(value).or_else(|| {
        let at = httpdate::parse_http_date(value).ok()?;
        Some(at.duration_since(now).unwrap_or(Duration::ZERO))
    })
}

/// `X-RateLimit-Reset`: seconds to wait (as the API's v3.0 endpoints send it). A value
/// above 10^9 cannot be a wait and is read as a Unix time instead, as other APIs use it.
pub(crate) fn parse_rate_limit_reset(value: &str, now: SystemTime) -> Option<Duration> {
    let wait = seconds(value.trim())?;
    if wait.as_secs() < 1_000_000_000 {
        return Some(wait);
    }
    let at = SystemTime::UNIX_EPOCH.checked_add(wait)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn seconds(value: &str) -> Option<Duration> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Duration::try_from_secs_f64(value.parse::<f64>().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_bounds_grow_and_cap() {
        let p = RetryPolicy { base_delay: ms(100), max_delay: ms(1000), ..RetryPolicy::default() };
        assert_eq!(p.backoff_at(1, 0.0), ms(50));
        assert_eq!(p.backoff_at(1, 1.0), ms(100));
        assert_eq!(p.backoff_at(3, 0.0), ms(200));
        assert_eq!(p.backoff_at(3, 1.0), ms(400));
        assert_eq!(p.backoff_at(10, 1.0), ms(1000));
        assert_eq!(p.backoff_at(u32::MAX, 0.0), ms(500));
        for retry in 1..40 {
            let d = p.backoff(retry);
            let ceiling = (ms(100) * 2u32.pow(retry.min(20) - 1)).min(ms(1000));
            assert!(d >= ceiling / 2 && d <= ceiling, "retry {retry}: {d:?}");
        }
    }

    #[test]
    fn none_sends_once() {
        assert_eq!(RetryPolicy::none().attempts(), 1);
        let zero = RetryPolicy { max_attempts: 0, ..RetryPolicy::default() };
        assert_eq!(zero.attempts(), 1);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5", now), Some(ms(1500)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        for bad in ["", "-5", "soon", "1e3", "99999999999999999999999999999"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn rate_limit_reset_seconds_or_epoch() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_rate_limit_reset("17", now), Some(Duration::from_secs(17)));
        assert_eq!(parse_rate_limit_reset("1700000042", now), Some(Duration::from_secs(42)));
        assert_eq!(parse_rate_limit_reset("1600000000", now), Some(Duration::ZERO));
    }

    #[test]
    fn server_wait_prefers_retry_after() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        assert_eq!(server_wait(&headers, now), None);
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("9"));
        assert_eq!(server_wait(&headers, now), Some(Duration::from_secs(9)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(server_wait(&headers, now), Some(Duration::from_secs(3)));
    }

    #[test]
    fn which_statuses_retry() {
        assert!(retryable_status(StatusCode::TOO_MANY_REQUESTS, false));
        for code in [408, 500, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(retryable_status(status, true), "{code}");
            assert!(!retryable_status(status, false), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 422, 501, 505] {
            assert!(!retryable_status(StatusCode::from_u16(code).unwrap(), true), "{code}");
        }
    }

    fn failed(number: u32, elapsed: Duration) -> Attempt {
        Attempt { number, elapsed, rate_limited: false, server_wait: None }
    }

    #[test]
    fn the_default_is_bounded_by_time_not_count() {
        let p = RetryPolicy::default();
        assert_eq!(p.attempts(), u32::MAX);
        assert_eq!(p.max_elapsed, Duration::from_secs(300));
        assert_eq!(p.max_server_wait, Duration::from_secs(120));
        // the 100th retry still goes, if time allows
        assert_eq!(
            p.next_wait(failed(100, Duration::from_secs(10)), Quota::default(), 1.0),
            Some(p.max_delay)
        );
        // ... and none is begun that would end after max_elapsed
        assert_eq!(p.next_wait(failed(3, Duration::from_millis(299_500)), Quota::default(), 0.0), None);
        assert_eq!(RetryPolicy::none().next_wait(failed(1, Duration::ZERO), Quota::default(), 0.0), None);
    }

    /// A 90 s outage of 503s under the default policy: each attempt takes `latency` to
    /// fail, every attempt waits for the default limiter's 2.04 s spacing on top of the
    /// backoff (a worst case: the spacing overlaps the backoff in practice). Whatever the
    /// jitter, an attempt goes out after the outage has ended, well inside `max_elapsed`.
    #[test]
    fn a_90_second_outage_fits_the_default_budget() {
        let outage = Duration::from_secs(90);
        let spacing = Duration::from_millis(2040);
        let run = |policy: &RetryPolicy, unit: f64, latency: Duration| -> Option<(u32, Duration)> {
            let mut elapsed = Duration::ZERO;
            let mut number = 1;
            while elapsed < outage {
                elapsed += latency;
                let wait = policy.next_wait(failed(number, elapsed), Quota::default(), unit)?;
                elapsed += wait + spacing;
                number += 1;
            }
            Some((number, elapsed))
        };
        let p = RetryPolicy::default();
        for unit in [0.0, 0.5, 1.0] {
            for latency in [Duration::ZERO, Duration::from_secs(1), Duration::from_secs(10)] {
                let (attempts, at) =
                    run(&p, unit, latency).expect("the default policy gave up during the outage");
                println!("jitter {unit}, {latency:?} per failure: attempt {attempts} at {at:?} succeeds");
                assert!(at <= outage + p.max_delay + spacing + latency, "{at:?}");
                assert!(at + Duration::from_secs(120) < p.max_elapsed, "less than 2 min to spare: {at:?}");
            }
        }
        // the old default (5 attempts) gave up after about 15 s
        let old = RetryPolicy { max_attempts: 5, max_elapsed: Duration::from_secs(180), ..p };
        assert_eq!(run(&old, 1.0, Duration::ZERO), None);
    }

    #[test]
    fn a_hintless_429_waits_a_fraction_of_the_window() {
        let p = RetryPolicy::default();
        let minute =
            Quota { window: Some(Duration::from_millis(61_200)), min_delay: Duration::from_millis(2040) };
        let limited = Attempt { rate_limited: true, ..failed(1, Duration::ZERO) };
        assert_eq!(p.next_wait(limited, minute, 0.0), Some(Duration::from_millis(30_600)));
        assert_eq!(p.next_wait(limited, minute, 1.0), Some(Duration::from_millis(61_200)));
        // four hint-less 429s span at least two windows, not one
        let mut elapsed = Duration::ZERO;
        for number in 1..=4 {
            elapsed += p.next_wait(Attempt { number, elapsed, ..limited }, minute, 0.0).unwrap();
        }
        assert!(elapsed >= Duration::from_secs(120), "{elapsed:?}");
        // without a known window: the backoff, at least the limiter's spacing
        let spacing = Quota { window: None, min_delay: Duration::from_millis(2040) };
        assert_eq!(p.next_wait(limited, spacing, 0.0), Some(Duration::from_millis(2040)));
        assert_eq!(p.next_wait(limited, Quota::default(), 1.0), Some(Duration::from_millis(500)));
    }

    #[test]
    fn server_hints_are_capped() {
        let p = RetryPolicy::default();
        let hinted = |secs| Attempt {
            server_wait: Some(Duration::from_secs(secs)),
            rate_limited: true,
            ..failed(1, Duration::from_secs(5))
        };
        assert_eq!(p.next_wait(hinted(120), Quota::default(), 0.5), Some(Duration::from_secs(120)));
        assert_eq!(p.next_wait(hinted(121), Quota::default(), 0.5), None);
        assert_eq!(p.next_wait(hinted(86_400), Quota::default(), 0.5), None);
        assert_eq!(p.next_wait(hinted(0), Quota::default(), 0.5), Some(Duration::ZERO));
        // within the cap but past max_elapsed
        let late = Attempt { elapsed: Duration::from_secs(250), ..hinted(60) };
        assert_eq!(p.next_wait(late, Quota::default(), 0.5), None);
    }
}
