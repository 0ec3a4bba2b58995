//! The send loop of [`Client`]: every attempt takes a slot of the rate limiter, is sent,
//! and its response read within the body limits; failures are retried as the
//! [`RetryPolicy`](super::RetryPolicy) says.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret;
use tokio::time::Instant;

use super::body::{self, ERROR_BODY_BYTES};
use super::client::{Client, Prepared, Sent, same_origin};
use super::response;
use super::retry::{self, Attempt, Quota};
use super::{Error, Request};

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

impl Client {
    /// Sends `req` until it succeeds, fails for good, or the retry policy runs out.
    ///
    /// Every attempt first takes a slot of the rate limiter (the wait for it is bounded by
    /// `max_elapsed`); see [`RetryPolicy`](super::RetryPolicy) for what is retried and how long.
    pub(crate) async fn send(&self, req: &Request) -> Result<Sent, Error> {
        let url = self.resolve(req)?;
        let prepared = self.prepare(req, url)?;
        let url = &prepared.url;
        let inner = &*self.inner;
        let policy = &inner.retry;
        let idempotent = req.method.is_idempotent();
        let queued = Instant::now();
        let by = deadline(queued, policy.max_elapsed);
        // (the timeout guards against a custom limiter that ignores the deadline)
        match tokio::time::timeout_at(by, inner.limiter.acquire(Some(by))).await {
            Err(_) => return Err(Error::LimiterTimeout { waited: queued.elapsed() }),
            Ok(Err(error)) => return Err(error),
            Ok(Ok(())) => {}
        }
        let first_sent = Instant::now();
        let mut last_status = None;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            tracing::debug!(
                operation = req.operation_id,
                method = %req.method,
                path = url.path(),
                attempt,
                "sending request"
            );
            let (failure, server_wait) = match self.send_once(req, &prepared).await {
                Ok(received) if received.status.is_success() => {
                    return Ok(Sent { status: received.status, body: received.body, attempts: attempt });
                }
                Ok(received) => {
                    last_status = Some(received.status);
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
                    return Err(failure_error(Failure::Transport(error), attempt, last_status, None));
                }
            };
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
            let by = deadline(first_sent, policy.max_elapsed);
            match tokio::time::timeout_at(by, inner.limiter.acquire(Some(by))).await {
                // out of time while queued for the limiter: the last failure stands
                Err(_) | Ok(Err(Error::LimiterTimeout { .. })) => {
                    return Err(failure_error(failure, attempt, last_status, server_wait));
                }
                Ok(Err(error)) => return Err(error),
                Ok(Ok(())) => {}
            }
        }
    }

    /// One attempt: sends the request and reads the response, a success body up to the
    /// client's limit, an error body up to 64 KiB.
    async fn send_once(&self, req: &Request, prepared: &Prepared<'_>) -> Result<Received, AttemptError> {
        let inner = &*self.inner;
        let mut builder = inner.http.request(req.method.clone(), prepared.url.clone());
        if let Some(credentials) = prepared.basic {
            builder = builder.basic_auth(credentials.name(), Some(credentials.secret().expose_secret()));
        }
        if let Some(token) = prepared.bearer {
            builder = builder.bearer_auth(token.expose_secret());
        }
        builder = builder.headers(prepared.headers.clone()).timeout(inner.timeout);
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder.send().await.map_err(AttemptError::Transport)?;
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
        Failure::Status(StatusCode::TOO_MANY_REQUESTS, _) => {
            Error::RateLimited { attempts, retry_after: server_wait }
        }
        Failure::Status(status, body) => response::status_error(status, &body, attempts),
        Failure::Transport(source) if source.is_timeout() => Error::Timeout { attempts, last_status, source },
        Failure::Transport(source) => Error::Transport { attempts, last_status, source },
    }
}

fn describe(failure: &Failure) -> String {
    match failure {
        Failure::Status(status, _) => status.to_string(),
        Failure::Transport(e) if e.is_timeout() => "timeout".to_owned(),
        Failure::Transport(e) if e.is_connect() => "connection failed".to_owned(),
        Failure::Transport(_) => "transport error".to_owned(),
    }
}
