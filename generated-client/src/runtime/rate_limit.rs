//! [`RateLimit`]: the rate limit a client enforces, and where its limiter lives.
//!
//! # The default: 30 requests per minute, burst 1
//!
//! The API allows each token 30 requests per minute and does not say how it counts the
//! minute. A GCRA limiter that lets `b` requests through at once and then one every
//! `T` admits `b + ceil(W / T) - 1` requests in the worst window of length `W`. The
//! runtime therefore takes the burst *out of* the sustained rate:
//! `T = (window + margin) / (max_requests - burst + 1)`, so at most `max_requests`
//! requests are sent in any window of `window + margin`, whatever its alignment.
//!
//! The default burst is **1**: a long export (the case the limiter exists for) gets the
//! whole quota as throughput, one request every 2.04 s, and the limit cannot be tripped
//! by a burst followed by steady traffic. A larger burst buys quick back-to-back calls
//! for interactive use at the cost of throughput: `RateLimit::per_minute(30).with_burst(5)`
//! sends five at once and then one every 2.35 s.
//!
//! The default margin is 2% of the window (1.2 s a minute): requests are counted where
//! they arrive, and network jitter can bring two requests sent exactly a window apart
//! inside one window on the server.
//!
//! # One quota per token, however many clients
//!
//! The quota belongs to the token, not to a [`Client`](super::Client). Clients built in
//! one process for the same API origin, token name and quota therefore share one limiter
//! (a process-wide registry holds it while any such client lives): calling
//! `Client::from_env()` twice does not double the rate. [`RateLimit::unshared`] opts out.
//! Across processes and machines, the `redis` feature's `RateLimit::through_redis`
//! keeps the quota in Redis.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use url::Url;

#[cfg(feature = "redis")]
use super::RedisLimit;
use super::limiter::{GcraLimiter, RateLimiter, Unlimited};
use super::{Error, defaults};

/// The rate limit a [`Client`](super::Client) enforces; see the module docs for the
/// default and its burst. Built with [`ClientBuilder::rate_limit`](super::ClientBuilder::rate_limit).
#[derive(Clone)]
pub struct RateLimit {
    kind: Kind,
    /// Share the limiter with the process's other clients of the same origin and token.
    shared: bool,
    #[cfg(feature = "redis")]
    redis: Option<RedisLimit>,
}

#[derive(Clone)]
enum Kind {
    Disabled,
    Quota { max_requests: u32, window: Duration, burst: u32, margin: Option<Duration> },
    Custom(Arc<dyn RateLimiter>),
}

impl RateLimit {
    /// At most `max_requests` requests in any window of `window` (plus the margin), with
    /// burst 1.
    pub fn new(max_requests: u32, window: Duration) -> Self {
        RateLimit::of(Kind::Quota { max_requests, window, burst: 1, margin: None })
    }

    fn of(kind: Kind) -> Self {
        RateLimit {
            kind,
            shared: true,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }

    /// At most `max_requests` per minute, with burst 1.
    pub fn per_minute(max_requests: u32) -> Self {
        RateLimit::new(max_requests, Duration::from_secs(60))
    }

    /// At most `max_requests` per second, with burst 1.
    pub fn per_second(max_requests: u32) -> Self {
        RateLimit::new(max_requests, Duration::from_secs(1))
    }

    /// Lets up to `burst` requests go back to back; the sustained rate is lowered so that
    /// the window limit still holds. Must be between 1 and `max_requests`.
    pub fn with_burst(mut self, burst: u32) -> Self {
        if let Kind::Quota { burst: b, .. } = &mut self.kind {
            *b = burst;
        }
        self
    }

    /// Extra time added to the window to absorb network jitter (default: 2% of the window).
    pub fn with_margin(mut self, margin: Duration) -> Self {
        if let Kind::Quota { margin: m, .. } = &mut self.kind {
            *m = Some(margin);
        }
        self
    }

    /// No client-side limit (429 responses are still retried).
    pub fn disabled() -> Self {
        RateLimit::of(Kind::Disabled)
    }

    /// Uses `limiter`, e.g. one shared between processes.
    pub fn custom(limiter: Arc<dyn RateLimiter>) -> Self {
        RateLimit::of(Kind::Custom(limiter))
    }

    /// Gives the client a limiter of its own instead of sharing one with the process's
    /// other clients of the same API origin, token name and quota. Only for a token that
    /// no other client uses: together they could exceed its quota.
    pub fn unshared(mut self) -> Self {
        self.shared = false;
        self
    }

    /// Keeps this quota in Redis, shared by every process and machine that uses the token
    /// with the same setting; see [`RedisLimit`]. Ignored for a disabled or custom limit.
    #[cfg(feature = "redis")]
    pub fn through_redis(mut self, redis: RedisLimit) -> Self {
        self.redis = Some(redis);
        self
    }

    /// Whether this setting names a Redis server already.
    #[cfg(feature = "redis")]
    pub(crate) fn has_redis(&self) -> bool {
        self.redis.is_some()
    }

    /// The spacing between requests at the sustained rate, for a valid quota.
    pub fn interval(&self) -> Option<Duration> {
        self.quota().ok().flatten().map(|(interval, _)| interval)
    }

    /// The GCRA parameters `(interval, burst)`, `None` for disabled or custom limiters.
    pub(crate) fn quota(&self) -> Result<Option<(Duration, NonZeroU32)>, Error> {
        let Kind::Quota { max_requests, window, burst, .. } = &self.kind else {
            return Ok(None);
        };
        if *max_requests == 0 || window.is_zero() {
            return Err(Error::config(
                "the rate limit needs at least one request per non-empty window; use \
                 RateLimit::disabled() for no limit",
            ));
        }
        let burst = NonZeroU32::new(*burst).filter(|b| b.get() <= *max_requests).ok_or_else(|| {
            Error::config(format!("the rate limit's burst must be between 1 and {max_requests}, not {burst}"))
        })?;
        let span = self.span().unwrap_or(*window);
        Ok(Some((span / (max_requests - burst.get() + 1), burst)))
    }

    /// The window plus its margin, for a quota.
    fn span(&self) -> Option<Duration> {
        let Kind::Quota { window, margin, .. } = &self.kind else {
            return None;
        };
        Some(window.saturating_add(margin.unwrap_or(*window / 50)))
    }

    /// The limiter this setting describes for clients of `origin` using token `token`
    /// (the basic user name; never a secret): the process's shared one when there is one.
    pub(crate) fn build(&self, origin: &Url, token: &str) -> Result<Arc<dyn RateLimiter>, Error> {
        let Some((interval, burst)) = self.quota()? else {
            return Ok(match &self.kind {
                Kind::Custom(limiter) => Arc::clone(limiter),
                _ => Arc::new(Unlimited),
            });
        };
        // a quota always has a window; a zero one would mean "unknown"
        let window = self.span().unwrap_or(Duration::ZERO);
        let make = || -> Result<Arc<dyn RateLimiter>, Error> {
            #[cfg(feature = "redis")]
            if let Some(redis) = &self.redis {
                return Ok(Arc::new(redis.build(origin, token, interval, burst)?.with_window(window)));
            }
            Ok(Arc::new(GcraLimiter::new(interval, burst)?.with_window(window)))
        };
        if !self.shared {
            return make();
        }
        let key = SharedKey {
            origin: origin.origin().ascii_serialization(),
            token: token.to_owned(),
            interval,
            burst,
            window: self.span(),
            store: self.store(),
        };
        let registry = REGISTRY.get_or_init(Mutex::default);
        let mut limiters = registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        limiters.retain(|_, limiter| limiter.strong_count() > 0);
        if let Some(limiter) = limiters.get(&key).and_then(Weak::upgrade) {
            return Ok(limiter);
        }
        let limiter = make()?;
        limiters.insert(key, Arc::downgrade(&limiter));
        Ok(limiter)
    }

    /// Where the quota is kept, for the registry key: `local`, or the Redis URL shown.
    fn store(&self) -> String {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            return format!("{redis:?}");
        }
        "local".to_owned()
    }
}

/// The process's limiters, by what they limit; weak, so a limiter goes with its last client.
static REGISTRY: OnceLock<Mutex<HashMap<SharedKey, Weak<dyn RateLimiter>>>> = OnceLock::new();

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SharedKey {
    origin: String,
    token: String,
    interval: Duration,
    burst: NonZeroU32,
    window: Option<Duration>,
    store: String,
}

impl Default for RateLimit {
    /// [`defaults::REQUESTS_PER_MINUTE`] (30) per minute, burst 1, 2% margin; disabled
    /// when the API documents no quota (`None`).
    fn default() -> Self {
        match defaults::REQUESTS_PER_MINUTE {
            Some(per_minute) => RateLimit::per_minute(per_minute),
            None => RateLimit::disabled(),
        }
    }
}

impl fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Disabled => f.write_str("RateLimit::Disabled"),
            Kind::Quota { max_requests, window, burst, margin } => {
                let mut out = f.debug_struct("RateLimit");
                out.field("max_requests", max_requests)
                    .field("window", window)
                    .field("burst", burst)
                    .field("margin", margin)
                    .field("shared", &self.shared);
                #[cfg(feature = "redis")]
                out.field("redis", &self.redis);
                out.finish()
            }
            Kind::Custom(limiter) => f.debug_tuple("RateLimit::Custom").field(limiter).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::limiter::gcra_quota;
    use governor::Quota;
    use governor::clock::{Clock, FakeRelativeClock};

    fn origin() -> Url {
        Url::parse("https://api.example.com/v1").unwrap()
    }

    /// Clients of one origin, token and quota share a limiter while one of them lives;
    /// another token, another quota, or `unshared` gets its own.
    #[test]
    fn limiters_are_shared_per_origin_token_and_quota() {
        let limit = RateLimit::per_minute(17);
        let other = Url::parse("https://API.example.com:443/v2").unwrap();
        let a = limit.build(&origin(), "shared-token").unwrap();
        let b = limit.build(&other, "shared-token").unwrap();
        assert!(Arc::ptr_eq(&a, &b), "same origin (scheme, host, port) and token");
        for c in [
            limit.build(&origin(), "another-token").unwrap(),
            limit.build(&Url::parse("https://api.example.org/v1").unwrap(), "shared-token").unwrap(),
            RateLimit::per_minute(18).build(&origin(), "shared-token").unwrap(),
            limit.clone().unshared().build(&origin(), "shared-token").unwrap(),
        ] {
            assert!(!Arc::ptr_eq(&a, &c));
        }
        let weak = Arc::downgrade(&a);
        drop((a, b));
        assert!(weak.upgrade().is_none(), "the registry does not keep a limiter alive");
        assert!(limit.build(&origin(), "shared-token").is_ok());
    }

    /// Sends a request whenever the GCRA of `limit` allows one (unbounded demand, as from
    /// any number of tasks) for `span` of simulated time; returns the send times.
    fn saturate(limit: &RateLimit, span: Duration) -> Vec<Duration> {
        let (interval, burst) = limit.quota().unwrap().unwrap();
        let clock = FakeRelativeClock::default();
        let gcra =
            governor::RateLimiter::direct_with_clock(gcra_quota(interval, burst).unwrap(), clock.clone());
        let mut now = Duration::ZERO;
        let mut sent = Vec::new();
        while now < span {
            match gcra.check() {
                Ok(()) => sent.push(now),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(clock.now());
                    clock.advance(wait);
                    now += wait;
                }
            }
        }
        sent
    }

    /// The largest number of `times` (sorted) in any half-open window of `window`.
    fn worst_window(times: &[Duration], window: Duration) -> usize {
        let mut worst = 0;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end] - times[start] >= window {
                start += 1;
            }
            worst = worst.max(end - start + 1);
        }
        worst
    }

    #[test]
    fn default_is_30_per_minute_burst_1() {
        // (a crate generated for another API may document another quota, or none)
        match defaults::REQUESTS_PER_MINUTE {
            Some(30) => assert_eq!(RateLimit::default().interval(), Some(Duration::from_millis(2040))),
            Some(n) => assert_eq!(RateLimit::default().interval(), RateLimit::per_minute(n).interval()),
            None => assert_eq!(RateLimit::default().interval(), None),
        }
        assert_eq!(
            RateLimit::per_minute(30).with_burst(5).interval(),
            Some(Duration::from_nanos(2_353_846_153))
        );
        assert_eq!(
            RateLimit::per_second(20).with_margin(Duration::ZERO).interval(),
            Some(Duration::from_millis(50))
        );
        assert_eq!(RateLimit::disabled().interval(), None);
    }

    #[test]
    fn a_quota_limiter_knows_its_window() {
        let limiter = RateLimit::per_minute(30).unshared().build(&origin(), "token").unwrap();
        assert_eq!(limiter.quota_window(), Some(Duration::from_millis(61_200)));
        let limiter = RateLimit::per_second(5)
            .with_margin(Duration::ZERO)
            .unshared()
            .build(&origin(), "token")
            .unwrap();
        assert_eq!(limiter.quota_window(), Some(Duration::from_secs(1)));
        assert_eq!(RateLimit::disabled().unshared().build(&origin(), "token").unwrap().quota_window(), None);
        let plain = GcraLimiter::new(Duration::from_secs(1), NonZeroU32::MIN).unwrap();
        assert_eq!(plain.quota_window(), None);
    }

    #[test]
    fn invalid_quotas_are_config_errors() {
        for limit in [
            RateLimit::per_minute(0),
            RateLimit::new(5, Duration::ZERO),
            RateLimit::per_minute(5).with_burst(0),
            RateLimit::per_minute(5).with_burst(6),
        ] {
            assert!(
                matches!(limit.clone().unshared().build(&origin(), "token"), Err(Error::Config { .. })),
                "{limit:?}"
            );
        }
        assert!(RateLimit::disabled().unshared().build(&origin(), "token").is_ok());
        assert!(matches!(GcraLimiter::new(Duration::ZERO, NonZeroU32::MIN), Err(Error::Config { .. })));
    }

    /// Unbounded demand on the default limiter for 20 simulated minutes never puts more
    /// than 30 requests into any 60-second window, and uses 98% of the quota.
    #[test]
    fn default_quota_holds_in_every_minute() {
        let sent = saturate(&RateLimit::per_minute(30), Duration::from_secs(20 * 60));
        let worst = worst_window(&sent, Duration::from_secs(60));
        let per_minute = sent.len() as f64 / 20.0;
        println!(
            "default limiter: {} requests in 20 min ({per_minute:.2}/min), worst 60 s window {worst}",
            sent.len()
        );
        assert_eq!(worst, 30);
        assert_eq!(sent.len(), 589, "one every 2.04 s");
        // the burst of a window-preserving quota never breaks the window either
        for burst in [2, 5, 15, 30] {
            let limit = RateLimit::per_minute(30).with_burst(burst);
            let sent = saturate(&limit, Duration::from_secs(20 * 60));
            assert_eq!(sent.iter().filter(|t| t.is_zero()).count(), burst as usize);
            assert_eq!(worst_window(&sent, Duration::from_secs(60)), 30, "burst {burst}");
            assert!(worst_window(&sent, Duration::from_secs(61)) <= 30, "burst {burst}");
        }
    }

    #[test]
    fn a_plain_governor_quota_of_30_per_minute_would_break_the_window() {
        // why the burst is taken out of the rate: governor's own `per_minute(30)` admits
        // 30 at once and then one every 2 s
        let clock = FakeRelativeClock::default();
        let quota = Quota::per_minute(NonZeroU32::new(30).unwrap());
        let gcra = governor::RateLimiter::direct_with_clock(quota, clock.clone());
        let mut sent = Vec::new();
        let mut now = Duration::ZERO;
        while now < Duration::from_secs(60) {
            match gcra.check() {
                Ok(()) => sent.push(now),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(clock.now());
                    clock.advance(wait);
                    now += wait;
                }
            }
        }
        assert_eq!(worst_window(&sent, Duration::from_secs(60)), 59);
    }
}
