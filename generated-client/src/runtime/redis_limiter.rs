//! A rate limit shared by every process and machine that uses one token: GCRA kept in
//! Redis ([`RedisLimit`], behind the `redis` cargo feature).
//!
//! Each acquire runs one Lua script, atomically, on the Redis server:
//!
//! * the clock is the server's `TIME`, the same for every worker whatever its own clock
//!   says;
//! * a "paused until" key, which a 429 moves later and never earlier, holds every worker
//!   back after any worker's 429;
//! * the GCRA state is one key, the theoretical arrival time in microseconds, with an
//!   expiry once the quota has recovered, so idle tokens leave nothing behind.
//!
//! Keys are `PREFIX:ORIGIN:TOKEN_NAME:tat` and `...:paused` (the token *name*, never the
//! secret). The quota is the [`RateLimit`](super::RateLimit) the limiter is built from:
//! every worker must use the same one, as they would with one token anyway.
//!
//! Redis unreachable: by default the request fails with
//! [`Error::RateLimiter`](super::Error::RateLimiter) naming the Redis URL (without its
//! password) — fail closed, so no worker can silently double the rate. With
//! [`RedisLimit::fallback_to_local`] the client falls back to its in-process limiter and
//! warns once per outage.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;
use tokio::time::Instant;
use url::Url;

use super::limiter::{GcraLimiter, RateLimiter};
use super::{Error, defaults};

/// GCRA in one step: `KEYS[1]` the theoretical arrival time (µs), `KEYS[2]` paused-until
/// (µs); `ARGV[1]` the interval (µs), `ARGV[2]` the burst. Returns `{1, 0}` when a slot
/// was taken, else `{0, µs to wait}`.
const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  return {0, paused - now}
end
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then
  tat = now
end
local allow_at = tat - (burst - 1) * interval
if allow_at > now then
  return {0, allow_at - now}
end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.floor((next_tat - now) / 1000) + 1000)
return {1, 0}
";

/// Moves `KEYS[1]` (paused-until, µs) to now + `ARGV[1]` µs unless it is already later.
const PAUSE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local target = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if target > current then
  redis.call('SET', KEYS[1], string.format('%.0f', target), 'PX', math.floor(tonumber(ARGV[1]) / 1000) + 1000)
end
return 1
";

/// How a client shares its rate limit through Redis; pass it to
/// [`RateLimit::through_redis`](super::RateLimit::through_redis), or set
/// [`defaults::ENV_REDIS_URL`] for [`ClientBuilder::from_env`](super::ClientBuilder::from_env).
///
/// ```no_run
/// # fn run() -> Result<(), conversocial::Error> {
/// use conversocial::{RateLimit, RedisLimit};
/// let client = conversocial::Client::builder()
///     .credentials("my-token", "my-secret")
///     .rate_limit(RateLimit::default().through_redis(RedisLimit::new("redis://10.0.0.5:6379/0")))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisLimit {
    url: String,
    fallback_to_local: bool,
    key_prefix: String,
    timeout: Duration,
}

impl RedisLimit {
    /// Shares the limit through the Redis server at `url` (`redis://[:password@]host:port/db`,
    /// or `rediss://` for TLS when the `redis` crate is built with TLS support).
    pub fn new(url: impl Into<String>) -> Self {
        RedisLimit {
            url: url.into(),
            fallback_to_local: false,
            key_prefix: format!("{}:ratelimit", env!("CARGO_PKG_NAME")),
            timeout: Duration::from_secs(2),
        }
    }

    /// From [`defaults::ENV_REDIS_URL`], when it is set and not empty.
    pub fn from_env() -> Option<Self> {
        std::env::var(defaults::ENV_REDIS_URL).ok().filter(|url| !url.trim().is_empty()).map(RedisLimit::new)
    }

    /// When Redis cannot be reached, use the client's in-process limiter (with the same
    /// quota) instead of failing the request. Each process then keeps the quota on its own,
    /// so several processes together may exceed it until Redis is back. Default `false`.
    pub fn fallback_to_local(mut self, fallback: bool) -> Self {
        self.fallback_to_local = fallback;
        self
    }

    /// The prefix of the limiter's keys (default `<crate name>:ratelimit`).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long one Redis call may take, connecting included (default 2 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limiter for `origin` and `token_name`, one request every `interval`, `burst` at once.
    pub(crate) fn build(
        &self,
        origin: &Url,
        token_name: &str,
        interval: Duration,
        burst: NonZeroU32,
    ) -> Result<RedisLimiter, Error> {
        let shown = shown_url(&self.url);
        let client = redis::Client::open(self.url.as_str()).map_err(|e| Error::Config {
            message: format!("the Redis URL {shown} is not valid: {}", scrub(&e.to_string(), &self.url)),
            source: None,
        })?;
        let base = format!("{}:{}:{}", self.key_prefix, origin.origin().ascii_serialization(), token_name);
        let micros = u64::try_from(interval.as_micros()).unwrap_or(u64::MAX).max(1);
        let password = password_of(&self.url);
        Ok(RedisLimiter {
            shown_url: shown,
            password,
            client,
            connection: OnceCell::new(),
            tat_key: format!("{base}:tat"),
            pause_key: format!("{base}:paused"),
            interval_us: micros,
            interval,
            window: None,
            burst: burst.get(),
            timeout: self.timeout,
            fallback: if self.fallback_to_local { Some(GcraLimiter::new(interval, burst)?) } else { None },
            acquire: redis::Script::new(ACQUIRE),
            pause: redis::Script::new(PAUSE),
            falling_back: AtomicBool::new(false),
        })
    }
}

impl fmt::Debug for RedisLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimit")
            .field("url", &shown_url(&self.url))
            .field("fallback_to_local", &self.fallback_to_local)
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The URL as it may be shown: without user name or password.
fn shown_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            parsed.to_string()
        }
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}

/// `text` without the password of `url`, should an error message echo it.
fn scrub(text: &str, url: &str) -> String {
    without_password(text, password_of(url).as_deref())
}

fn password_of(url: &str) -> Option<String> {
    Url::parse(url).ok().and_then(|u| u.password().map(str::to_owned))
}

fn without_password(text: &str, password: Option<&str>) -> String {
    match password {
        Some(password) if !password.is_empty() => text.replace(password, "***"),
        _ => text.to_owned(),
    }
}

/// The limiter itself; see the module docs.
pub(crate) struct RedisLimiter {
    shown_url: String,
    /// Only to scrub it from error texts; never shown.
    password: Option<String>,
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    tat_key: String,
    pause_key: String,
    interval_us: u64,
    interval: Duration,
    window: Option<Duration>,
    burst: u32,
    timeout: Duration,
    fallback: Option<GcraLimiter>,
    acquire: redis::Script,
    pause: redis::Script,
    /// Whether the fallback is in use (to warn once per outage).
    falling_back: AtomicBool,
}

impl RedisLimiter {
    async fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            .set_number_of_retries(1);
        self.connection
            .get_or_try_init(|| self.client.get_connection_manager_with_config(config))
            .await
            .cloned()
    }

    /// One run of the acquire script: `Ok(None)` when a slot was taken, else the wait.
    async fn try_acquire(&self) -> Result<Option<Duration>, redis::RedisError> {
        let mut connection = self.connection().await?;
        let mut invocation = self.acquire.key(&self.tat_key);
        invocation.key(&self.pause_key).arg(self.interval_us).arg(self.burst);
        let call = invocation.invoke_async::<(i64, i64)>(&mut connection);
        let (taken, wait) = match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => result?,
            Err(_) => return Err(timeout_error()),
        };
        Ok(if taken == 1 { None } else { Some(Duration::from_micros(wait.max(1).unsigned_abs())) })
    }

    /// The error's text without the Redis password, should it echo it.
    fn scrubbed(&self, error: &redis::RedisError) -> String {
        without_password(&error.to_string(), self.password.as_deref())
    }

    fn unreachable(&self, error: &redis::RedisError) -> Error {
        Error::RateLimiter {
            message: format!(
                "the shared rate limiter's Redis at {} cannot be reached ({}); nothing was sent. \
                 Start Redis, or choose RedisLimit::fallback_to_local to go on with an \
                 in-process limit meanwhile",
                self.shown_url,
                self.scrubbed(error)
            ),
            source: None,
        }
    }

    /// Takes a slot, waiting at most until `deadline`.
    pub(crate) async fn acquire_by(&self, deadline: Option<Instant>) -> Result<(), Error> {
        loop {
            match self.try_acquire().await {
                Ok(None) => {
                    if self.falling_back.swap(false, Ordering::Relaxed) {
                        tracing::warn!(redis = %self.shown_url, "Redis is back: the rate limit is shared again");
                    }
                    return Ok(());
                }
                Ok(Some(wait)) => {
                    let wake = Instant::now() + wait;
                    if deadline.is_some_and(|d| wake > d) {
                        return Err(Error::RateLimiter {
                            message: format!(
                                "no slot of the shared rate limit before the deadline (next in {wait:?})"
                            ),
                            source: None,
                        });
                    }
                    tokio::time::sleep_until(wake).await;
                }
                Err(error) => match &self.fallback {
                    Some(local) => {
                        if !self.falling_back.swap(true, Ordering::Relaxed) {
                            tracing::warn!(
                                redis = %self.shown_url,
                                error = %self.scrubbed(&error),
                                "Redis cannot be reached: falling back to this process's own rate limit"
                            );
                        }
                        return local.acquire_by(deadline).await;
                    }
                    None => return Err(self.unreachable(&error)),
                },
            }
        }
    }

    /// Pauses every worker for `pause` (never shortening a longer pause already set).
    pub(crate) async fn pause_all(&self, pause: Duration) {
        if let Some(local) = &self.fallback {
            local.pause_for(pause);
        }
        let micros = u64::try_from(pause.as_micros()).unwrap_or(u64::MAX);
        let result = async {
            let mut connection = self.connection().await?;
            let mut invocation = self.pause.key(&self.pause_key);
            invocation.arg(micros);
            let call = invocation.invoke_async::<i64>(&mut connection);
            match tokio::time::timeout(self.timeout, call).await {
                Ok(result) => result.map(drop),
                Err(_) => Err(timeout_error()),
            }
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(redis = %self.shown_url, error = %self.scrubbed(&error), "could not share a 429 pause through Redis");
        }
    }

    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    /// Records the window of the quota, reported by [`RateLimiter::quota_window`].
    pub(crate) fn with_window(mut self, window: Duration) -> Self {
        self.window = Some(window).filter(|w| !w.is_zero());
        if let Some(local) = self.fallback.take() {
            self.fallback = Some(local.with_window(window));
        }
        self
    }
}

fn timeout_error() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(std::io::ErrorKind::TimedOut, "Redis did not answer in time"))
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("url", &self.shown_url)
            .field("key", &self.tat_key)
            .field("interval", &self.interval)
            .field("burst", &self.burst)
            .field("fallback_to_local", &self.fallback.is_some())
            .finish()
    }
}

impl RateLimiter for RedisLimiter {
    fn acquire(&self, deadline: Option<Instant>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(self.acquire_by(deadline))
    }

    fn rate_limited(&self, pause: Duration) -> BoxFuture<'_, ()> {
        Box::pin(self.pause_all(pause))
    }

    fn min_retry_delay(&self) -> Duration {
        self.interval()
    }

    fn quota_window(&self) -> Option<Duration> {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials() {
        assert_eq!(shown_url("redis://:hunter2@10.0.0.5:6379/0"), "redis://10.0.0.5:6379/0");
        assert_eq!(shown_url("redis://user:pw@h/1"), "redis://h/1");
        assert_eq!(shown_url("::"), "(an unparsable URL)");
        assert_eq!(scrub("auth failed for hunter2", "redis://:hunter2@h/0"), "auth failed for ***");
        let debug = format!("{:?}", RedisLimit::new("redis://:hunter2@h:1/0"));
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn keys_name_the_origin_and_token_never_the_secret() {
        let origin = Url::parse("https://api.example.com/v1.3").unwrap();
        let limiter = RedisLimit::new("redis://127.0.0.1:1/0")
            .build(&origin, "export-bot", Duration::from_millis(2040), NonZeroU32::MIN)
            .unwrap();
        assert_eq!(
            limiter.tat_key,
            format!("{}:ratelimit:https://api.example.com:export-bot:tat", env!("CARGO_PKG_NAME"))
        );
        assert!(matches!(
            RedisLimit::new("http://not-redis").build(&origin, "t", Duration::from_secs(1), NonZeroU32::MIN),
            Err(Error::Config { .. })
        ));
    }
}
