//! [`Waiter`]: polls something until it reaches a final state, with backoff and an
//! overall deadline (every check included: its rate-limiter wait, its retries).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::Error;

/// What one check found.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<T> {
    /// The final, successful state: waiting is over.
    Done(T),
    /// The final, failed state: waiting is over, with [`WaitError::Failed`].
    Failed(T),
    /// Not there yet: check again after the next delay.
    Pending(T),
}

/// Why [`Waiter::wait`] did not return the final value.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<T> {
    /// The thing waited for reached its failed state; here is what the last check saw.
    Failed(T),
    /// The deadline passed first. `last` is what the last completed check saw, if any.
    TimedOut {
        /// Time since the first check began.
        waited: Duration,
        /// Checks that completed.
        checks: u32,
        /// The last state seen.
        last: Option<T>,
    },
    /// A check failed (the request's own error, after its retries).
    Request(Error),
}

impl<T> From<Error> for WaitError<T> {
    fn from(error: Error) -> Self {
        WaitError::Request(error)
    }
}

impl<T> fmt::Display for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Failed(_) => write!(f, "it reached its failed state"),
            WaitError::TimedOut { waited, checks, .. } => {
                write!(
                    f,
                    "still not done after {:.1} s ({checks} checks); the deadline passed",
                    waited.as_secs_f64()
                )
            }
            WaitError::Request(error) => write!(f, "a check failed: {error}"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for WaitError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Request(error) => Some(error),
            WaitError::Failed(_) | WaitError::TimedOut { .. } => None,
        }
    }
}

/// How to poll: the first delay, doubled after each pending check up to `max_delay`
/// (each delay jittered down to half, so many waiters do not check in step), and an
/// overall `timeout` that bounds the checks themselves too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiter {
    /// Delay after the first pending check.
    pub first_delay: Duration,
    /// The longest delay between checks.
    pub max_delay: Duration,
    /// The deadline, from the start of the first check.
    pub timeout: Duration,
}

impl Waiter {
    /// Polls for at most `timeout`: first delay 2 s, doubling to at most 30 s.
    pub fn new(timeout: Duration) -> Self {
        Waiter { first_delay: Duration::from_secs(2), max_delay: Duration::from_secs(30), timeout }
    }

    /// The same waiter with other delays between checks.
    pub fn delays(self, first_delay: Duration, max_delay: Duration) -> Self {
        Waiter { first_delay, max_delay: max_delay.max(first_delay), ..self }
    }

    /// Runs `check` until it returns [`Progress::Done`] (its value is returned) or
    /// [`Progress::Failed`], or until the deadline. No delay is begun that would end after
    /// the deadline, and a check still running at the deadline is dropped.
    pub async fn wait<T, F, Fut>(&self, mut check: F) -> Result<T, WaitError<T>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Progress<T>, Error>>,
    {
        let start = Instant::now();
        let deadline = start + self.timeout;
        let mut delay = self.first_delay;
        let mut checks = 0u32;
        let mut last = None;
        loop {
            let timed_out = |checks, last| WaitError::TimedOut { waited: start.elapsed(), checks, last };
            let state = match tokio::time::timeout_at(deadline, check()).await {
                Ok(state) => state?,
                Err(_) => return Err(timed_out(checks, last)),
            };
            checks += 1;
            match state {
                Progress::Done(value) => return Ok(value),
                Progress::Failed(value) => return Err(WaitError::Failed(value)),
                Progress::Pending(value) => last = Some(value),
            }
            let pause = delay.mul_f64(0.5 + rand::random::<f64>() / 2.0);
            if Instant::now() + pause >= deadline {
                return Err(timed_out(checks, last));
            }
            tokio::time::sleep(pause).await;
            delay = (delay * 2).min(self.max_delay);
        }
    }
}
