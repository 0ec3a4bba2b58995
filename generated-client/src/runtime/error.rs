//! The runtime's one error type, [`Error`], and the parsed API error body, [`ApiErrorBody`].
//!
//! Retries are folded into the kinds: an error that ends a retried request keeps the kind
//! of its last attempt (`RateLimited`, `Api`, `Transport`, `Timeout`) and records how
//! many attempts were made and the last HTTP status seen. No variant holds a configured
//! secret (basic secret, bearer token, API keys); the client also scrubs them from any
//! text the server echoes back and from the URLs of transport errors (an API key may be a
//! query parameter).

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use super::call_context::CallContext;
use super::defaults;
pub use super::error_body::ApiErrorBody;
pub(crate) use super::error_body::excerpt;
use super::error_body::scrub;
use super::query::encode;

/// A boxed error, the source of [`Error::Config`] and [`Error::InvalidRequest`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when calling the API.
///
/// Match on the kind to decide what to do; [`Error::status`] gives the HTTP status where
/// there was one, and [`std::error::Error::source`] leads to the underlying transport,
/// decoding or configuration error. The `Display` text says what happened and what to do.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// 401: the API rejected the token name or secret.
    Unauthorized {
        /// The API's error body, if any.
        body: Box<ApiErrorBody>,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// 403, or a 2xx body with `"success": false, "permsError": true`: the token's role
    /// lacks a permission.
    Forbidden {
        /// The API's explanation (`message` or `error`), if any.
        message: Option<String>,
        /// The API's error body.
        body: Box<ApiErrorBody>,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// 404: the object does not exist (the API says e.g. `"No such author"`).
    NotFound {
        /// The API's error body, if any.
        body: Box<ApiErrorBody>,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// 429 on the last attempt: the token's quota was exceeded and retries ran out, or the
    /// wait the server asked for is longer than the retry policy's `max_server_wait` or
    /// would pass its `max_elapsed` (then the request fails at once, and other requests of
    /// the client are not held back).
    RateLimited {
        /// Attempts made, the first one included.
        attempts: u32,
        /// The wait the server asked for on the last response, if it said.
        retry_after: Option<Duration>,
        /// The 429 response's body (the first 64 KiB, like every error body).
        body: Box<ApiErrorBody>,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// Any other unsuccessful status (including 5xx after retries, and a 2xx body with
    /// `"success": false`).
    Api {
        /// The HTTP status of the last response.
        status: StatusCode,
        /// The API's error body.
        body: Box<ApiErrorBody>,
        /// Attempts made, the first one included.
        attempts: u32,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// A successful response whose body did not match the expected type.
    Decode {
        /// The HTTP status of the response.
        status: StatusCode,
        /// JSON path of the value that failed, e.g. `accounts[3].created_date` (`.` for the root).
        path: String,
        /// Up to 200 characters of the body around the failure.
        excerpt: String,
        /// The JSON error.
        source: serde_json::Error,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// A response body was larger than the client reads: nothing was decoded, and the rest
    /// of the body was not read. Not retried.
    BodyTooLarge {
        /// The HTTP status of the response.
        status: StatusCode,
        /// The limit in bytes ([`ClientBuilder::max_body_bytes`](super::ClientBuilder::max_body_bytes)).
        limit: u64,
        /// The length the server announced, if it did.
        content_length: Option<u64>,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// No slot of the client-side rate limiter came free within the retry policy's
    /// `max_elapsed`: more requests are queued on the client than its quota lets through in
    /// that time (or it is paused after a 429). Nothing was sent.
    LimiterTimeout {
        /// How long the request waited for a slot.
        waited: Duration,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// The rate limiter could not work, e.g. the Redis server that shares the quota
    /// between processes cannot be reached (the message names it, without its password).
    /// Nothing was sent.
    RateLimiter {
        /// What went wrong and what to do.
        message: String,
        /// The underlying error, if any.
        source: Option<BoxError>,
    },
    /// The request could not be sent or its response not read (connection refused, DNS,
    /// TLS, reset), on the last attempt.
    Transport {
        /// Attempts made, the first one included.
        attempts: u32,
        /// The HTTP status of the last response seen before this failure, if any.
        last_status: Option<StatusCode>,
        /// The transport error.
        source: reqwest::Error,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// The request timed out (connect or total timeout) on the last attempt.
    Timeout {
        /// Attempts made, the first one included.
        attempts: u32,
        /// The HTTP status of the last response seen before this failure, if any.
        last_status: Option<StatusCode>,
        /// The timeout error.
        source: reqwest::Error,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// The call's overall deadline ([`Call::within`](super::Call::within)) passed, waits
    /// for the rate limiter and retries included; the attempt in flight was abandoned.
    DeadlineExceeded {
        /// The budget the call was given.
        budget: Duration,
        /// Attempts started, the abandoned one included (0: still waiting for the limiter).
        attempts: u32,
        /// The HTTP status of the last response seen, if any.
        last_status: Option<StatusCode>,
        /// Which call failed, when the error came from one ([`Error::context`]).
        context: Option<Box<CallContext>>,
    },
    /// The request was refused before anything was sent: a URL on another origin, a
    /// `next_page` URL that repeats, a body that cannot be serialised, a malformed cursor,
    /// an invalid header or cookie.
    InvalidRequest {
        /// What is wrong.
        message: String,
        /// The underlying error, if any.
        source: Option<BoxError>,
    },
    /// The client could not be configured: a missing environment variable, an invalid
    /// base URL or user agent, a plain `http` base URL off loopback, an invalid rate
    /// limit; an operation requires credentials the client was not given (nothing was
    /// sent); or an injected HTTP client followed a redirect off the API's origin (the
    /// response is refused).
    Config {
        /// What is wrong and how to fix it.
        message: String,
        /// The underlying error, if any.
        source: Option<BoxError>,
    },
}

impl Error {
    /// The HTTP status this error stands for, if a response was received.
    ///
    /// `Forbidden` reports 403 even when it came from a 2xx `permsError` body;
    /// `Transport` and `Timeout` report the last status seen by an earlier attempt.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Api { status, .. } | Error::Decode { status, .. } | Error::BodyTooLarge { status, .. } => {
                Some(*status)
            }
            Error::Transport { last_status, .. }
            | Error::Timeout { last_status, .. }
            | Error::DeadlineExceeded { last_status, .. } => *last_status,
            Error::InvalidRequest { .. }
            | Error::Config { .. }
            | Error::LimiterTimeout { .. }
            | Error::RateLimiter { .. } => None,
        }
    }

    /// How many attempts were made before this error, for the kinds that are retried.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::RateLimited { attempts, .. }
            | Error::Api { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::DeadlineExceeded { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// Whether the same call may succeed if made again later: a 429, a 408 or 5xx
    /// status, a transport failure or timeout, a deadline or limiter wait that ran out,
    /// an unreachable shared rate limiter. The client has already retried what its
    /// [`RetryPolicy`](super::RetryPolicy) allows; this is for the caller's own, later
    /// retry (a job queue, the next run). `false` for everything that would fail the same
    /// way again (4xx statuses, decoding, configuration, invalid requests).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. }
            | Error::Transport { .. }
            | Error::Timeout { .. }
            | Error::DeadlineExceeded { .. }
            | Error::LimiterTimeout { .. }
            | Error::RateLimiter { .. } => true,
            Error::Api { status, .. } => *status == StatusCode::REQUEST_TIMEOUT || status.is_server_error(),
            _ => false,
        }
    }

    /// How long the server asked to wait before trying again (`Retry-After` or the
    /// rate-limit reset of the last 429), when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The API's error body, for the kinds that carry one.
    pub fn body(&self) -> Option<&ApiErrorBody> {
        match self {
            Error::Unauthorized { body, .. }
            | Error::Forbidden { body, .. }
            | Error::NotFound { body, .. }
            | Error::RateLimited { body, .. }
            | Error::Api { body, .. } => Some(body.as_ref()),
            _ => None,
        }
    }

    /// An [`Error::InvalidRequest`] with `message` and no source: for checks made before
    /// a request is sent (generated `validate()` methods use it).
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Error::InvalidRequest { message: message.into(), source: None }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config { message: message.into(), source: None }
    }

    /// Replaces every occurrence of `secret`, as is or percent-encoded, in the error's own
    /// text and in the URL of a transport error by `[REDACTED]`. Secrets shorter than 4
    /// characters are left alone (they would mangle messages).
    pub(crate) fn redacted(mut self, secret: &str) -> Self {
        if secret.len() < 4 {
            return self;
        }
        self.scrub_secret(secret);
        let encoded = encode(secret);
        if encoded != secret {
            self.scrub_secret(&encoded);
        }
        self
    }

    fn scrub_secret(&mut self, secret: &str) {
        if let Some(Some(context)) = self.context_slot_mut() {
            scrub(&mut context.path, secret);
            if let Some(id) = &mut context.request_id {
                scrub(id, secret);
            }
        }
        match self {
            Error::Unauthorized { body, .. }
            | Error::NotFound { body, .. }
            | Error::Api { body, .. }
            | Error::RateLimited { body, .. } => body.scrub(secret),
            Error::Forbidden { message, body, .. } => {
                if let Some(message) = message {
                    scrub(message, secret);
                }
                body.scrub(secret);
            }
            Error::Decode { path, excerpt, source, .. } => {
                scrub(path, secret);
                scrub(excerpt, secret);
                let text = source.to_string();
                if text.contains(secret) {
                    *source =
                        <serde_json::Error as serde::de::Error>::custom(text.replace(secret, "[REDACTED]"));
                }
            }
            Error::InvalidRequest { message, source }
            | Error::Config { message, source }
            | Error::RateLimiter { message, source } => {
                scrub(message, secret);
                if let Some(error) = source.as_mut().and_then(|s| s.downcast_mut::<reqwest::Error>()) {
                    scrub_url(error, secret);
                }
            }
            Error::Transport { source, .. } | Error::Timeout { source, .. } => scrub_url(source, secret),
            Error::BodyTooLarge { .. } | Error::LimiterTimeout { .. } | Error::DeadlineExceeded { .. } => {}
        }
    }
}

/// ` after N attempts` when more than one attempt was made.
struct After(u32);

impl fmt::Display for After {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 { write!(f, " after {} attempts", self.0) } else { Ok(()) }
    }
}

/// `; last HTTP status: 503` when one was seen.
struct LastStatus(Option<StatusCode>);

impl fmt::Display for LastStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(status) => write!(f, " (last HTTP status seen: {status})"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(context) = self.context() {
            write!(f, "{context}: ")?;
        }
        match self {
            Error::Unauthorized { body, .. } => write!(
                f,
                "401 Unauthorized: the API rejected the token name or secret ({body}); check the \
                 credentials ({} / {} or ClientBuilder::credentials): a secret that was reset \
                 no longer works",
                defaults::ENV_TOKEN_NAME,
                defaults::ENV_TOKEN_SECRET
            ),
            Error::Forbidden { message, .. } => write!(
                f,
                "403 Forbidden: {}; the token's role lacks this permission: ask an \
                 administrator of the API account to grant it",
                message.as_deref().unwrap_or("no message")
            ),
            Error::NotFound { body, .. } => {
                write!(f, "404 Not Found: {body}; check the id or path in the request")
            }
            Error::RateLimited { attempts, retry_after, .. } => {
                write!(f, "429 Too Many Requests{}", After(*attempts))?;
                if let Some(wait) = retry_after {
                    write!(f, " (the API asked to wait {:.1} s)", wait.as_secs_f64())?;
                }
                f.write_str(
                    "; the token's quota is used up, perhaps by another process with the same \
                     token: lower the client's rate limit, raise the retry policy's \
                     max_elapsed, or try again later",
                )
            }
            Error::Api { status, body, attempts, .. } => {
                write!(f, "HTTP {status}{}: {body}", After(*attempts))?;
                if status.is_server_error() {
                    f.write_str("; the API failed: try again later")
                } else if status.is_redirection() {
                    f.write_str("; redirects to another origin are not followed: check the base URL")
                } else {
                    f.write_str("; the API refused the request: check its parameters")
                }
            }
            Error::Decode { status, path, excerpt, source, .. } => write!(
                f,
                "could not decode the {status} response at `{path}`: {source} (body: {excerpt}); \
                 the API sent data the client's types do not accept: report it with this message"
            ),
            Error::BodyTooLarge { status, limit, content_length, .. } => {
                write!(f, "the {status} response body is larger than the client's limit of {limit} bytes")?;
                if let Some(length) = content_length {
                    write!(f, " (Content-Length: {length})")?;
                }
                f.write_str(
                    "; it was not read: raise the limit with ClientBuilder::max_body_bytes, or ask \
                     for less (smaller pages, fewer fields)",
                )
            }
            Error::RateLimiter { message, .. } => write!(f, "rate limiter: {message}"),
            Error::LimiterTimeout { waited, .. } => write!(
                f,
                "request not sent: no slot of the client's rate limiter comes free within the \
                 retry policy's max_elapsed (gave up after waiting {:.1} s); too many requests \
                 are queued on this client for its quota: send fewer at once, or raise max_elapsed",
                waited.as_secs_f64()
            ),
            Error::Transport { attempts, last_status, .. } => write!(
                f,
                "could not reach the API{}{}; check network access, proxy settings and the \
                 base URL",
                After(*attempts),
                LastStatus(*last_status)
            ),
            Error::Timeout { attempts, last_status, .. } => write!(
                f,
                "the request timed out{}{}; the API may be slow or unreachable: try again \
                 later or raise ClientBuilder::timeout",
                After(*attempts),
                LastStatus(*last_status)
            ),
            Error::DeadlineExceeded { budget, attempts, last_status, .. } => write!(
                f,
                "the call's deadline of {:.1} s passed ({} attempt(s) started{}); waits for the \
                 rate limiter and retries count against it: give the call more time with \
                 Call::within, or try again later",
                budget.as_secs_f64(),
                attempts,
                LastStatus(*last_status)
            ),
            Error::InvalidRequest { message, .. } => write!(f, "request not sent: {message}"),
            Error::Config { message, .. } => write!(f, "invalid client configuration: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } => Some(source),
            Error::Transport { source, .. } | Error::Timeout { source, .. } => Some(source),
            Error::InvalidRequest { source, .. }
            | Error::Config { source, .. }
            | Error::RateLimiter { source, .. } => {
                source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
            }
            _ => None,
        }
    }
}

/// Scrubs `secret` from the URL a reqwest error carries (shown by its `Display` and `Debug`).
fn scrub_url(error: &mut reqwest::Error, secret: &str) {
    let Some(url) = error.url_mut() else { return };
    if !url.as_str().contains(secret) {
        return;
    }
    match Url::parse(&url.as_str().replace(secret, "[REDACTED]")) {
        Ok(scrubbed) if !scrubbed.as_str().contains(secret) => *url = scrubbed,
        _ => {
            url.set_query(None);
            url.set_fragment(None);
            url.set_path("/[REDACTED]");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_attempts() {
        let e =
            Error::Api { status: StatusCode::BAD_GATEWAY, body: Box::default(), attempts: 4, context: None };
        assert_eq!(e.status(), Some(StatusCode::BAD_GATEWAY));
        assert_eq!(e.attempts(), Some(4));
        let text = e.to_string();
        assert!(text.contains("502") && text.contains("after 4 attempts"), "{text}");
        let e = Error::RateLimited {
            attempts: 3,
            retry_after: Some(Duration::from_secs(7)),
            body: Box::default(),
            context: None,
        };
        assert!(e.to_string().contains("after 3 attempts"));
        assert!(e.to_string().contains("7.0 s"));
    }

    #[test]
    fn redaction_scrubs_echoed_secret() {
        let e = Error::Unauthorized {
            body: Box::new(ApiErrorBody::parse(br#"{"message": "bad secret s3cr3t-value"}"#)),
            context: Some(Box::new(CallContext::new("op", reqwest::Method::GET, "/x/s3cr3t-value"))),
        }
        .redacted("s3cr3t-value");
        assert!(!e.to_string().contains("s3cr3t-value"));
        assert!(!format!("{e:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn redaction_scrubs_encoded_secrets_and_decode_sources() {
        let e = Error::invalid_request("link https://h/x?api_key=k%2Fey%20value&a=1").redacted("k/ey value");
        assert_eq!(e.to_string(), "request not sent: link https://h/x?api_key=[REDACTED]&a=1");
        let source = serde_json::from_str::<u8>("\"tok-secret-value\"").unwrap_err();
        assert!(source.to_string().contains("tok-secret-value"));
        let e = Error::Decode {
            status: StatusCode::OK,
            path: ".".into(),
            excerpt: "\"tok-secret-value\"".into(),
            source,
            context: None,
        }
        .redacted("tok-secret-value");
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains("tok-secret-value") && text.contains("[REDACTED]"), "{text}");
        }
    }

    #[test]
    fn context_retryability_and_wait() {
        let context = CallContext::new("getAccount", reqwest::Method::GET, "/v1.3/accounts/7");
        let body = Box::new(ApiErrorBody::parse(br#"{"message": "slow down"}"#));
        let e = Error::RateLimited {
            attempts: 2,
            retry_after: Some(Duration::from_secs(3)),
            body,
            context: None,
        }
        .with_context(&context);
        assert_eq!(e.context(), Some(&context));
        assert!(e.to_string().starts_with("getAccount (GET /v1.3/accounts/7): 429 Too Many Requests"), "{e}");
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.body().and_then(|b| b.message.as_deref()), Some("slow down"));
        let not_found = Error::NotFound { body: Box::default(), context: None }.with_context(&context);
        assert!(!not_found.is_retryable());
        assert_eq!(not_found.retry_after(), None);
        let unavailable = Error::Api {
            status: StatusCode::SERVICE_UNAVAILABLE,
            body: Box::default(),
            attempts: 1,
            context: None,
        };
        assert!(unavailable.is_retryable());
        assert!(unavailable.context().is_none());
        // no room for a context: the message names the operation instead
        let invalid = Error::invalid_request("`getAccount`: bad").with_context(&context);
        assert!(invalid.context().is_none() && !invalid.is_retryable());
    }
}
