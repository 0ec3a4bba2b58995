//! Client-side rate limiting: the [`RateLimiter`] trait and [`GcraLimiter`], its
//! in-process GCRA implementation (governor on tokio's clock). The setting that picks a
//! limiter, and the process-wide sharing of limiters, is [`RateLimit`](super::RateLimit).
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
use std::sync::Mutex;
use std::time::Duration;

use futures::future::BoxFuture;
use governor::Quota;
use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};

use tokio::time::Instant;

use super::Error;

/// Decides when the next request may be sent. One limiter is shared by every clone of a
/// [`Client`](super::Client) and every task using it, and by default by every client of
/// the process built for the same API origin, token name and quota.
///
/// Implement it to keep the quota somewhere else and pass it with [`RateLimit::custom`](super::RateLimit::custom);
/// the `redis` feature's `RedisLimit` is such a limiter. Generated
/// code never sees the limiter.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits until one more request may be sent, and takes that slot. Every attempt,
    /// retries included, goes through here, so no retry leaves before the limiter's next
    /// slot. Dropping the future before it completes must not take a slot.
    ///
    /// Fails with [`Error::LimiterTimeout`] when no slot can be had before `deadline`
    /// (without waiting for it to pass when the limiter knows that in advance), and with
    /// [`Error::RateLimiter`] when the limiter cannot work (its store is unreachable).
    fn acquire(&self, deadline: Option<Instant>) -> BoxFuture<'_, Result<(), Error>>;

    /// Told that the server answered 429 and that requests should pause for `pause`
    /// (the server's capped `Retry-After`, or the client's wait); a shared limiter holds
    /// back every task, and every process sharing it, until then. A pause only ever moves
    /// later.
    fn rate_limited(&self, pause: Duration) -> BoxFuture<'_, ()>;

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

/// No limit at all.
#[derive(Debug)]
pub(crate) struct Unlimited;

impl RateLimiter for Unlimited {
    fn acquire(&self, _deadline: Option<Instant>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn rate_limited(&self, _pause: Duration) -> BoxFuture<'_, ()> {
        Box::pin(std::future::ready(()))
    }
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
pub(crate) fn gcra_quota(interval: Duration, burst: NonZeroU32) -> Result<Quota, Error> {
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
    /// [`RateLimiter::quota_window`] (a limiter built from a [`RateLimit`](super::RateLimit) quota has it).
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

impl GcraLimiter {
    /// Takes a slot, waiting for it at most until `deadline`; see [`RateLimiter::acquire`].
    pub(crate) async fn acquire_by(&self, deadline: Option<Instant>) -> Result<(), Error> {
        let queued = Instant::now();
        let too_late = || Error::LimiterTimeout { waited: queued.elapsed(), context: None };
        // Dropping this future while queued or while holding the turn takes no slot:
        // the slot is only taken by `check()`, which does not await.
        let _turn = match deadline {
            Some(deadline) => {
                tokio::time::timeout_at(deadline, self.queue.lock()).await.map_err(|_| too_late())?
            }
            None => self.queue.lock().await,
        };
        loop {
            let now = Instant::now();
            let wake = match self.paused_until() {
                Some(until) if until > now => until,
                _ => match self.gcra.check() {
                    Ok(()) => return Ok(()),
                    Err(not_until) => now + not_until.wait_time_from(TokioClock.now()),
                },
            };
            if deadline.is_some_and(|deadline| wake > deadline) {
                return Err(too_late());
            }
            tokio::time::sleep_until(wake).await;
        }
    }

    /// Holds every waiter back for `pause` (a longer pause already set stands).
    pub(crate) fn pause_for(&self, pause: Duration) {
        let Some(until) = Instant::now().checked_add(pause) else {
            return;
        };
        let mut paused = self.paused_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }
}

impl RateLimiter for GcraLimiter {
    fn acquire(&self, deadline: Option<Instant>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(self.acquire_by(deadline))
    }

    fn rate_limited(&self, pause: Duration) -> BoxFuture<'_, ()> {
        self.pause_for(pause);
        Box::pin(std::future::ready(()))
    }

    fn min_retry_delay(&self) -> Duration {
        self.interval
    }

    fn quota_window(&self) -> Option<Duration> {
        self.window
    }
}
