//! The send loop of [`Client`]: every attempt takes a slot of the rate limiter, is sent,
//! and its response read within the body limits; failures are retried as the
//! [`RetryPolicy`](super::RetryPolicy) says.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret;
use tokio::time::Instant;

use tracing::Instrument;
use url::Url;

use super::body::{self, ERROR_BODY_BYTES};
use super::call::CallOptions;
use super::call_context::{CallContext, request_id};
use super::client::{Client, Prepared, Sent, same_origin};
use super::response;
use super::retry::{self, Attempt, Quota};
use super::{ApiErrorBody, Error, Request};

/// One response as received (an error body only in part).
struct Received {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// Why an attempt failed in a way that may be retried.
enum Failure {
    Status(StatusCode, Bytes),
    Transport(reqwest::Error),
}

/// Why an attempt failed: a transport error (maybe retried) or an error that ends the
/// request at once.
enum AttemptError {
    Transport(reqwest::Error),
    Fatal(Error),
}

/// What a call has done so far: read after it ends (or is abandoned at its deadline)
/// for the error, the span and the call context.
#[derive(Default)]
struct Progress {
    attempts: u32,
    last_status: Option<StatusCode>,
    limiter_wait: Duration,
    request_id: Option<String>,
}

impl Client {
    /// Sends `req` until it succeeds, fails for good, the retry policy runs out, or the
    /// call's deadline passes, in one `tracing` span named `conversocial.call`.
    ///
    /// The span's fields: `operation`, `method`, `path` (the template, e.g.
    /// `/accounts/{id}`, or the path for requests without one), and, once the call ends,
    /// `status` (the last HTTP status, 0 when none), `attempts`, `limiter_wait_ms` (time
    /// spent waiting for the rate limiter), `latency_ms` and `outcome` (`ok` or `error`).
    /// Every attempt first takes a slot of the rate limiter (the wait for it is bounded by
    /// `max_elapsed`); see [`RetryPolicy`](super::RetryPolicy) for what is retried and how long.
    pub(crate) async fn send(&self, req: &Request, options: &CallOptions) -> Result<Sent, Error> {
        let url = self.resolve(req)?;
        let template = if req.path_template.is_empty() { url.path() } else { req.path_template };
        let span = tracing::info_span!(
            "conversocial.call",
            operation = req.operation_id,
            method = %req.method,
            path = template,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            limiter_wait_ms = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let mut context = CallContext::new(req.operation_id, req.method.clone(), url.path());
        let started = Instant::now();
        let mut progress = Progress::default();
        let attempts = self.send_attempts(req, url, options, &mut progress).instrument(span.clone());
        let outcome = match options.within {
            Some(budget) => {
                tokio::time::timeout_at(deadline(started, budget), attempts).await.map_err(|_| budget)
            }
            None => Ok(attempts.await),
        };
        let result = match outcome {
            Ok(result) => result,
            Err(budget) => Err(Error::DeadlineExceeded {
                budget,
                attempts: progress.attempts,
                last_status: progress.last_status,
                context: None,
            }),
        };
        context.request_id = progress.request_id;
        let status = match &result {
            Ok(sent) => Some(sent.status),
            Err(_) => progress.last_status,
        };
        span.record("status", status.map_or(0, |s| s.as_u16()));
        span.record("attempts", progress.attempts);
        span.record("limiter_wait_ms", millis(progress.limiter_wait));
        span.record("latency_ms", millis(started.elapsed()));
        span.record("outcome", if result.is_ok() { "ok" } else { "error" });
        match result {
            Ok(mut sent) => {
                sent.context = context;
                Ok(sent)
            }
            Err(error) => Err(error.with_context(&context)),
        }
    }

    /// Takes a slot of the limiter (waiting at most until `by`), adding the wait to
    /// `progress`.
    async fn acquire(&self, by: Instant, progress: &mut Progress) -> Result<(), Error> {
        let queued = Instant::now();
        // (the timeout guards against a custom limiter that ignores the deadline)
        let result = tokio::time::timeout_at(by, self.inner.limiter.acquire(Some(by))).await;
        progress.limiter_wait += queued.elapsed();
        match result {
            Err(_) => Err(Error::LimiterTimeout { waited: queued.elapsed(), context: None }),
            Ok(result) => result,
        }
    }

    async fn send_attempts(
        &self,
        req: &Request,
        url: Url,
        options: &CallOptions,
        progress: &mut Progress,
    ) -> Result<Sent, Error> {
        let prepared = self.prepare(req, url)?;
        let url = &prepared.url;
        let inner = &*self.inner;
        let policy = options.retry.as_ref().unwrap_or(&inner.retry);
        let timeout = options.timeout.unwrap_or(inner.timeout);
        let idempotent = req.method.is_idempotent();
        self.acquire(deadline(Instant::now(), policy.max_elapsed), progress).await?;
        let first_sent = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            progress.attempts = attempt;
            tracing::debug!(
                operation = req.operation_id,
                method = %req.method,
                path = url.path(),
                attempt,
                "sending request"
            );
            let (failure, server_wait) = match self.send_once(req, &prepared, timeout).await {
                Ok(received) => {
                    progress.last_status = Some(received.status);
                    if let Some(id) = request_id(&received.headers) {
                        progress.request_id = Some(id);
                    }
                    if received.status.is_success() {
                        return Ok(Sent {
                            status: received.status,
                            body: received.body,
                            attempts: attempt,
                            context: CallContext::new(req.operation_id, req.method.clone(), ""),
                        });
                    }
                    if !retry::retryable_status(received.status, idempotent) {
                        return Err(response::status_error(received.status, &received.body, attempt));
                    }
                    let wait = retry::server_wait(&received.headers, SystemTime::now());
                    (Failure::Status(received.status, received.body), wait)
                }
                Err(AttemptError::Fatal(error)) => return Err(error),
                Err(AttemptError::Transport(error)) if error.is_builder() => {
                    return Err(Error::InvalidRequest {
                        message: format!("`{}`: the HTTP request could not be built", req.operation_id),
                        source: Some(Box::new(error)),
                    });
                }
                // Nothing was sent when the connection could not be made: safe for any method.
                Err(AttemptError::Transport(error)) if idempotent || error.is_connect() => {
                    (Failure::Transport(error), None)
                }
                Err(AttemptError::Transport(error)) => {
                    return Err(failure_error(
                        Failure::Transport(error),
                        attempt,
                        progress.last_status,
                        None,
                    ));
                }
            };
            let last_status = progress.last_status;
            let rate_limited = matches!(failure, Failure::Status(StatusCode::TOO_MANY_REQUESTS, _));
            let quota =
                Quota { window: inner.limiter.quota_window(), min_delay: inner.limiter.min_retry_delay() };
            let failed =
                Attempt { number: attempt, elapsed: first_sent.elapsed(), rate_limited, server_wait };
            let Some(wait) = policy.next_wait(failed, quota, rand::random::<f64>()) else {
                if server_wait.is_some_and(|hint| hint > policy.max_server_wait) {
                    tracing::warn!(
                        operation = req.operation_id,
                        attempt,
                        status = %describe(&failure),
                        server_wait = ?server_wait,
                        max_server_wait = ?policy.max_server_wait,
                        "the server asked for a wait beyond the retry policy's max_server_wait; giving up"
                    );
                }
                return Err(failure_error(failure, attempt, last_status, server_wait));
            };
            if rate_limited && !wait.is_zero() {
                tracing::warn!(
                    operation = req.operation_id,
                    attempt,
                    status = %describe(&failure),
                    wait = ?wait,
                    "rate limited; pausing every request of this client, then retrying"
                );
                inner.limiter.rate_limited(wait).await;
            } else {
                tracing::warn!(
                    operation = req.operation_id,
                    attempt,
                    status = %describe(&failure),
                    wait = ?wait,
                    "request failed; retrying"
                );
            }
            tokio::time::sleep(wait).await;
            match self.acquire(deadline(first_sent, policy.max_elapsed), progress).await {
                // out of time while queued for the limiter: the last failure stands
                Err(Error::LimiterTimeout { .. }) => {
                    return Err(failure_error(failure, attempt, last_status, server_wait));
                }
                Err(error) => return Err(error),
                Ok(()) => {}
            }
        }
    }

    /// One attempt: sends the request and reads the response, a success body up to the
    /// client's limit, an error body up to 64 KiB. The request hook sees the request
    /// before the `Authorization` header is added.
    async fn send_once(
        &self,
        req: &Request,
        prepared: &Prepared<'_>,
        timeout: Duration,
    ) -> Result<Received, AttemptError> {
        let inner = &*self.inner;
        let mut builder = inner
            .http
            .request(req.method.clone(), prepared.url.clone())
            .headers(prepared.headers.clone())
            .timeout(timeout);
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        if let Some(hook) = &inner.hooks.on_request {
            let (http, request) = builder.build_split();
            let mut request = request.map_err(AttemptError::Transport)?;
            hook(&mut request);
            builder = reqwest::RequestBuilder::from_parts(http, request);
        }
        if let Some(credentials) = prepared.basic {
            builder = builder.basic_auth(credentials.name(), Some(credentials.secret().expose_secret()));
        }
        if let Some(token) = prepared.bearer {
            builder = builder.bearer_auth(token.expose_secret());
        }
        let mut response = builder.send().await.map_err(AttemptError::Transport)?;
        if let Some(hook) = &inner.hooks.on_response {
            hook(&response);
        }
        if !same_origin(&inner.base_url, response.url()) {
            // Only an injected HTTP client follows redirects off the origin; its policy
            // cannot be inspected, so the response is refused here, its body unread.
            return Err(AttemptError::Fatal(Error::config(format!(
                "`{}`: the HTTP client followed a redirect off the API's origin {} to {}; \
                 responses from other origins are refused: build the client passed to \
                 ClientBuilder::http_client with reqwest::redirect::Policy::none()",
                req.operation_id,
                inner.base_url.origin().ascii_serialization(),
                response.url().origin().ascii_serialization(),
            ))));
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = if status.is_success() {
            match body::read_capped(&mut response, inner.max_body_bytes)
                .await
                .map_err(AttemptError::Transport)?
            {
                Ok(body) => body,
                Err(too_large) => {
                    return Err(AttemptError::Fatal(Error::BodyTooLarge {
                        status,
                        limit: inner.max_body_bytes,
                        content_length: too_large.content_length,
                        context: None,
                    }));
                }
            }
        } else {
            body::read_prefix(&mut response, ERROR_BODY_BYTES).await
        };
        Ok(Received { status, headers, body })
    }
}

/// `start + budget` (a budget of more than a century counts as one).
fn deadline(start: Instant, budget: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 86_400);
    start.checked_add(budget.min(CENTURY)).unwrap_or(start)
}

/// The error that ends a request whose last attempt failed with `failure`.
fn failure_error(
    failure: Failure,
    attempts: u32,
    last_status: Option<StatusCode>,
    server_wait: Option<Duration>,
) -> Error {
    match failure {
        Failure::Status(StatusCode::TOO_MANY_REQUESTS, body) => Error::RateLimited {
            attempts,
            retry_after: server_wait,
            body: Box::new(ApiErrorBody::parse(&body)),
            context: None,
        },
        Failure::Status(status, body) => response::status_error(status, &body, attempts),
        Failure::Transport(source) if source.is_timeout() => {
            Error::Timeout { attempts, last_status, source, context: None }
        }
        Failure::Transport(source) => Error::Transport { attempts, last_status, source, context: None },
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn describe(failure: &Failure) -> String {
    match failure {
        Failure::Status(status, _) => status.to_string(),
        Failure::Transport(e) if e.is_timeout() => "timeout".to_owned(),
        Failure::Transport(e) if e.is_connect() => "connection failed".to_owned(),
        Failure::Transport(_) => "transport error".to_owned(),
    }
}
