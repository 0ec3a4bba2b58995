//! [`Call`]: one operation call, ready to be awaited, with per-call control
//! ([`CallOptions`]: an overall deadline, and overrides of the attempt timeout and the
//! retry policy) that keeps the client's connection pool and rate limiter.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::time::Duration;

use futures::future::BoxFuture;

use super::client::{Client, RawResponse};
use super::{Error, Request, RetryPolicy};

/// Per-call settings; unset ones are the client's. See [`Call`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// How long one attempt may take ([`ClientBuilder::timeout`](super::ClientBuilder::timeout)
    /// for this call).
    pub timeout: Option<Duration>,
    /// The retry policy for this call.
    pub retry: Option<RetryPolicy>,
    /// The whole call's budget, from the moment it is awaited: waiting for the rate
    /// limiter, every attempt and every wait between retries. Past it the call ends with
    /// [`Error::DeadlineExceeded`].
    pub within: Option<Duration>,
}

impl CallOptions {
    /// Sets [`timeout`](Self::timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets [`retry`](Self::retry).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sets [`within`](Self::within).
    pub fn within(mut self, budget: Duration) -> Self {
        self.within = Some(budget);
        self
    }
}

/// Turns the 2xx response of a call into its result (generated per operation).
pub type Finish<T> = fn(RawResponse) -> Result<T, Error>;

/// One operation call: `await` it (it implements [`IntoFuture`]), after setting any
/// per-call options. Nothing is sent until it is awaited.
///
/// The options apply to this call only; it still shares the client's connection pool,
/// rate limiter and credentials with every other call:
///
/// ```no_run
/// # async fn run(client: conversocial::Client) -> Result<(), conversocial::Error> {
/// use std::time::Duration;
/// use conversocial::models::AccountId;
/// use conversocial::runtime::RetryPolicy;
/// // an interactive lookup: at most 5 s in all, limiter wait and retries included
/// let account = client
///     .get_account(&AccountId::from("14054"))
///     .within(Duration::from_secs(5))
///     .retry(RetryPolicy::none())
///     .await?;
/// # let _ = account; Ok(()) }
/// ```
///
/// The future is `Send + 'static` (it owns a clone of the client), so it can be spawned.
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<T> {
    client: Client,
    request: Result<Request, Error>,
    options: CallOptions,
    finish: Finish<T>,
}

impl<T: Send + 'static> Call<T> {
    /// A call of `request` (or the error that kept it from being built) whose 2xx
    /// response `finish` turns into the result. Generated operations build these.
    #[doc(hidden)] // the contract with generated code
    pub fn new(client: &Client, request: Result<Request, Error>, finish: Finish<T>) -> Self {
        Call { client: client.clone(), request, options: CallOptions::default(), finish }
    }

    /// How long one attempt may take, for this call (default: the client's timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// The retry policy for this call (default: the client's), e.g. [`RetryPolicy::none`]
    /// for an interactive call that should fail fast.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// An overall deadline: the call ends with [`Error::DeadlineExceeded`] once `budget`
    /// has passed since it was awaited, whatever it was doing (waiting for the rate
    /// limiter, an attempt, a wait between retries).
    pub fn within(mut self, budget: Duration) -> Self {
        self.options.within = Some(budget);
        self
    }

    /// Replaces all per-call options at once.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends the call; the same as awaiting it.
    pub fn send(self) -> impl Future<Output = Result<T, Error>> + Send + 'static {
        self.into_future()
    }
}

impl<T: Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T, Error>;
    type IntoFuture = BoxFuture<'static, Result<T, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        let Call { client, request, options, finish } = self;
        Box::pin(async move {
            // `RawResponse`'s decoders scrub secrets and name the call in their errors
            let response = client.execute_raw_with(request?, &options).await?;
            finish(response)
        })
    }
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Call");
        match &self.request {
            Ok(request) => out.field("operation", &request.operation_id),
            Err(error) => out.field("error", error),
        };
        out.field("options", &self.options).finish_non_exhaustive()
    }
}
