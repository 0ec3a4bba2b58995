//! When and how long to retry: [`RetryPolicy`], jittered exponential backoff, and the
//! server's wait hints (`Retry-After` in seconds or as an HTTP date, `X-RateLimit-Reset`).

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How a [`Client`](super::Client) retries.
///
/// * A 429 is retried for every method, after the server's `Retry-After` or
///   `X-RateLimit-Reset` wait when given, else after the backoff (never shorter than the
///   rate limiter's spacing). The wait the server asks for is honoured even when it is
///   longer than `max_delay`; if it would pass `max_elapsed` the client gives up at once
///   with [`Error::RateLimited`](super::Error::RateLimited).
/// * Idempotent methods (`GET`, `HEAD`, `PUT`, `DELETE`, ...) are also retried on
///   transport errors, timeouts, 502, 503 and 504. `POST` is retried only on 429.
///
/// The backoff before retry `n` (1-based) is drawn uniformly from `[d / 2, d]` with
/// `d = min(max_delay, base_delay * 2^(n - 1))`.
///
/// ```
/// use std::time::Duration;
/// use conversocial::runtime::RetryPolicy;
/// let quick = RetryPolicy {
///     max_attempts: 3,
///     base_delay: Duration::from_millis(10),
///     ..RetryPolicy::default()
/// };
/// assert!(quick.backoff(1) <= Duration::from_millis(10));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (0 counts as 1). Default 5.
    pub max_attempts: u32,
    /// No retry starts after this much time since the first attempt was sent. Default 180 s,
    /// enough to wait out a one-minute rate-limit window twice.
    pub max_elapsed: Duration,
    /// The backoff before the first retry is between half of this and this. Default 500 ms.
    pub base_delay: Duration,
    /// The backoff never exceeds this (a server's `Retry-After` may). Default 30 s.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(180),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
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
        let half = ceiling / 2;
        half + (ceiling - half).mul_f64(unit.clamp(0.0, 1.0))
    }

    /// Attempts allowed, at least 1.
    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }
}

/// Whether a response status is worth retrying for a request of this kind.
pub(crate) fn retryable_status(status: StatusCode, idempotent: bool) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (idempotent
            && matches!(
                status,
                StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
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
        assert!(retryable_status(StatusCode::SERVICE_UNAVAILABLE, true));
        assert!(!retryable_status(StatusCode::SERVICE_UNAVAILABLE, false));
        assert!(!retryable_status(StatusCode::INTERNAL_SERVER_ERROR, true));
        assert!(!retryable_status(StatusCode::NOT_FOUND, true));
    }
}
