//! Client-side rate limiting: the [`RateLimiter`] trait, the [`RateLimit`] setting and
//! [`GcraLimiter`], its in-process GCRA implementation (governor on tokio's clock).
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
//! # Waiting is fair
//!
//! [`GcraLimiter`] serves waiting tasks first come, first served: a task that starts
//! waiting for a slot gets one before any task that starts later, so with many tasks on
//! one client no task waits longer than its place in the queue says. The client bounds
//! every wait for a slot by the retry policy's `max_elapsed`
//! ([`Error::LimiterTimeout`] when it runs out).

use std::fmt;
use std::num::NonZeroU32;
use std::ops::Add;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use governor::Quota;
use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};

use super::Error;
use super::defaults;

/// Decides when the next request may be sent. One limiter is shared by every clone of a
/// [`Client`](super::Client) and every task using it.
///
/// Implement it to share a quota between processes (e.g. a store in Redis) and pass it
/// with [`RateLimit::custom`]; generated code never sees the limiter.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits until one more request may be sent, and takes that slot. Every attempt,
    /// retries included, goes through here, so no retry leaves before the limiter's next
    /// slot. Dropping the future before it completes must not take a slot.
    fn acquire(&self) -> BoxFuture<'_, ()>;

    /// Told that the server answered 429 and that requests should pause for `pause`
    /// (the server's `Retry-After`, or the client's backoff); a shared limiter holds back
    /// every task until then.
    fn rate_limited(&self, pause: Duration);

    /// The shortest wait before retrying a 429 that came without `Retry-After`: the
    /// spacing of requests at the sustained rate. Zero by default.
    fn min_retry_delay(&self) -> Duration {
        Duration::ZERO
    }

    /// The window of the quota this limiter enforces (with its margin), if it knows one.
    /// After a 429 without a wait hint the client waits between half of it and all of it
    /// (see [`RetryPolicy`](super::RetryPolicy)); `None` (the default) falls back to the
    /// backoff.
    fn quota_window(&self) -> Option<Duration> {
        None
    }
}

/// The rate limit a [`Client`](super::Client) enforces; see the module docs for the
/// default and its burst. Built with [`ClientBuilder::rate_limit`](super::ClientBuilder::rate_limit).
#[derive(Clone)]
pub struct RateLimit {
    kind: Kind,
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
        RateLimit { kind: Kind::Quota { max_requests, window, burst: 1, margin: None } }
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
        RateLimit { kind: Kind::Disabled }
    }

    /// Uses `limiter`, e.g. one shared between processes.
    pub fn custom(limiter: Arc<dyn RateLimiter>) -> Self {
        RateLimit { kind: Kind::Custom(limiter) }
    }

    /// The spacing between requests at the sustained rate, for a valid quota.
    pub fn interval(&self) -> Option<Duration> {
        self.quota().ok().flatten().map(|(interval, _)| interval)
    }

    /// The GCRA parameters `(interval, burst)`, `None` for disabled or custom limiters.
    fn quota(&self) -> Result<Option<(Duration, NonZeroU32)>, Error> {
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

    /// The limiter this setting describes.
    pub(crate) fn build(&self) -> Result<Arc<dyn RateLimiter>, Error> {
        match (&self.kind, self.quota()?) {
            (Kind::Custom(limiter), _) => Ok(Arc::clone(limiter)),
            (_, Some((interval, burst))) => {
                let limiter = GcraLimiter::new(interval, burst)?;
                Ok(Arc::new(match self.span() {
                    Some(span) => limiter.with_window(span),
                    None => limiter,
                }))
            }
            _ => Ok(Arc::new(Unlimited)),
        }
    }
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
            Kind::Quota { max_requests, window, burst, margin } => f
                .debug_struct("RateLimit")
                .field("max_requests", max_requests)
                .field("window", window)
                .field("burst", burst)
                .field("margin", margin)
                .finish(),
            Kind::Custom(limiter) => f.debug_tuple("RateLimit::Custom").field(limiter).finish(),
        }
    }
}

/// No limit at all.
#[derive(Debug)]
struct Unlimited;

impl RateLimiter for Unlimited {
    fn acquire(&self) -> BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }

    fn rate_limited(&self, _pause: Duration) {}
}

/// tokio's clock for governor, so the limiter and the sleeps share one time source (and
/// tests with paused time see a consistent clock).
#[derive(Debug, Clone, Copy, Default)]
struct TokioClock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct TokioInstant(tokio::time::Instant);

impl Add<Nanos> for TokioInstant {
    type Output = Self;
    fn add(self, other: Nanos) -> Self {
        TokioInstant(self.0 + Duration::from(other))
    }
}

impl Reference for TokioInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        let nanos = self.0.saturating_duration_since(earlier.0).as_nanos();
        Nanos::new(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    fn saturating_sub(&self, duration: Nanos) -> Self {
        self.0.checked_sub(Duration::from(duration)).map_or(*self, TokioInstant)
    }
}

impl Clock for TokioClock {
    type Instant = TokioInstant;
    fn now(&self) -> TokioInstant {
        TokioInstant(tokio::time::Instant::now())
    }
}

type Gcra = governor::RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>;

/// The governor quota for one request every `interval`, `burst` at once.
fn gcra_quota(interval: Duration, burst: NonZeroU32) -> Result<Quota, Error> {
    Quota::with_period(interval)
        .map(|quota| quota.allow_burst(burst))
        .ok_or_else(|| Error::config("the rate limiter's interval must not be zero"))
}

/// An in-process GCRA limiter (governor): lets `burst` requests through at once, then
/// one every `interval`; pauses everyone after a 429. Waiting tasks are served in the
/// order they started waiting.
pub struct GcraLimiter {
    gcra: Gcra,
    interval: Duration,
    burst: NonZeroU32,
    window: Option<Duration>,
    paused_until: Mutex<Option<tokio::time::Instant>>,
    /// The queue of waiting tasks: tokio's mutex is fair (FIFO), and the task holding it is
    /// the only one that takes slots, so slots go out in arrival order.
    queue: tokio::sync::Mutex<()>,
}

impl GcraLimiter {
    /// One request every `interval`, up to `burst` at once. `interval` must not be zero.
    pub fn new(interval: Duration, burst: NonZeroU32) -> Result<Self, Error> {
        Ok(GcraLimiter {
            gcra: governor::RateLimiter::direct_with_clock(gcra_quota(interval, burst)?, TokioClock),
            interval,
            burst,
            window: None,
            paused_until: Mutex::new(None),
            queue: tokio::sync::Mutex::new(()),
        })
    }

    /// Records the window of the quota this limiter enforces, reported by
    /// [`RateLimiter::quota_window`] (a limiter built from a [`RateLimit`] quota has it).
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = Some(window).filter(|w| !w.is_zero());
        self
    }

    /// The spacing between requests at the sustained rate.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// How many requests may go back to back.
    pub fn burst(&self) -> NonZeroU32 {
        self.burst
    }

    fn paused_until(&self) -> Option<tokio::time::Instant> {
        *self.paused_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for GcraLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GcraLimiter")
            .field("interval", &self.interval)
            .field("burst", &self.burst)
            .field("window", &self.window)
            .field("paused_until", &self.paused_until())
            .finish()
    }
}

impl RateLimiter for GcraLimiter {
    fn acquire(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            // Dropping this future while queued or while holding the turn takes no slot:
            // the slot is only taken by `check()`, which does not await.
            let _turn = self.queue.lock().await;
            loop {
                if let Some(until) = self.paused_until()
                    && until > tokio::time::Instant::now()
                {
                    tokio::time::sleep_until(until).await;
                    continue;
                }
                match self.gcra.check() {
                    Ok(()) => return,
                    Err(not_until) => {
                        tokio::time::sleep(not_until.wait_time_from(TokioClock.now())).await;
                    }
                }
            }
        })
    }

    fn rate_limited(&self, pause: Duration) {
        let Some(until) = tokio::time::Instant::now().checked_add(pause) else {
            return;
        };
        let mut paused = self.paused_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    fn min_retry_delay(&self) -> Duration {
        self.interval
    }

    fn quota_window(&self) -> Option<Duration> {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

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
        let limiter = RateLimit::per_minute(30).build().unwrap();
        assert_eq!(limiter.quota_window(), Some(Duration::from_millis(61_200)));
        let limiter = RateLimit::per_second(5).with_margin(Duration::ZERO).build().unwrap();
        assert_eq!(limiter.quota_window(), Some(Duration::from_secs(1)));
        assert_eq!(RateLimit::disabled().build().unwrap().quota_window(), None);
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
            assert!(matches!(limit.build(), Err(Error::Config { .. })), "{limit:?}");
        }
        assert!(RateLimit::disabled().build().is_ok());
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
