//! [`CallContext`]: which call an [`Error`] came from (operation, method, path, the
//! server's request id), the response headers the request id is read from, and the
//! context slot of the error variants that carry one ([`Error::context`]).

use std::fmt;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName};

use super::Error;

/// Response headers read, in this order, for the server's request id
/// ([`CallContext::request_id`]). The first one present with a usable value wins.
pub const REQUEST_ID_HEADERS: [&str; 5] =
    ["x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id", "x-correlation-id"];

/// The longest request id kept, in bytes; a longer header value is ignored.
const MAX_REQUEST_ID: usize = 128;

/// Which call failed: the operation, the HTTP method, the concrete path (without the
/// query string, which may carry an API key), and the request id the server sent with its
/// last response, when it sent one (see [`REQUEST_ID_HEADERS`]). No secret is ever in it.
///
/// Read it with [`Error::context`](super::Error::context); the error's `Display` starts
/// with it, e.g. ``getAccount (GET /v1.3/accounts/14054): 404 Not Found: …``.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallContext {
    /// The operation id, e.g. `getAccount`.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path requested, percent-encoded as sent, e.g. `/v1.3/accounts/14054`.
    pub path: String,
    /// The server's id for the last response, when it sent one.
    pub request_id: Option<String>,
}

impl CallContext {
    pub(crate) fn new(operation: &'static str, method: Method, path: &str) -> Self {
        CallContext { operation, method, path: path.to_owned(), request_id: None }
    }
}

impl fmt::Display for CallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {}", self.operation, self.method, self.path)?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        f.write_str(")")
    }
}

/// The request id in `headers`: the first of [`REQUEST_ID_HEADERS`] whose value is
/// visible ASCII of at most 128 bytes.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    // Parsed once: looking a header up by `&str` would parse the name on every response.
    const NAMES: [HeaderName; 5] = [
        HeaderName::from_static(REQUEST_ID_HEADERS[0]),
        HeaderName::from_static(REQUEST_ID_HEADERS[1]),
        HeaderName::from_static(REQUEST_ID_HEADERS[2]),
        HeaderName::from_static(REQUEST_ID_HEADERS[3]),
        HeaderName::from_static(REQUEST_ID_HEADERS[4]),
    ];
    NAMES.iter().find_map(|name| {
        let value = headers.get(name)?.to_str().ok()?.trim();
        let usable =
            !value.is_empty() && value.len() <= MAX_REQUEST_ID && value.bytes().all(|b| b.is_ascii_graphic());
        usable.then(|| value.to_owned())
    })
}

impl Error {
    /// Which call failed (operation, method, path, the server's request id), for errors
    /// that came from sending a request; `None` for errors raised before the request had
    /// a URL ([`Error::InvalidRequest`], [`Error::Config`], [`Error::RateLimiter`], whose
    /// messages name the operation instead).
    pub fn context(&self) -> Option<&CallContext> {
        self.context_slot().and_then(|slot| slot.as_deref())
    }

    fn context_slot(&self) -> Option<&Option<Box<CallContext>>> {
        match self {
            Error::Unauthorized { context, .. }
            | Error::Forbidden { context, .. }
            | Error::NotFound { context, .. }
            | Error::RateLimited { context, .. }
            | Error::Api { context, .. }
            | Error::Decode { context, .. }
            | Error::BodyTooLarge { context, .. }
            | Error::LimiterTimeout { context, .. }
            | Error::Transport { context, .. }
            | Error::Timeout { context, .. }
            | Error::DeadlineExceeded { context, .. } => Some(context),
            Error::InvalidRequest { .. } | Error::Config { .. } | Error::RateLimiter { .. } => None,
        }
    }

    /// Sets the call context where the variant has room for one and none is set yet.
    pub(crate) fn with_context(mut self, call: &CallContext) -> Self {
        if let Some(context @ None) = self.context_slot_mut() {
            *context = Some(Box::new(call.clone()));
        }
        self
    }

    pub(crate) fn context_slot_mut(&mut self) -> Option<&mut Option<Box<CallContext>>> {
        match self {
            Error::Unauthorized { context, .. }
            | Error::Forbidden { context, .. }
            | Error::NotFound { context, .. }
            | Error::RateLimited { context, .. }
            | Error::Api { context, .. }
            | Error::Decode { context, .. }
            | Error::BodyTooLarge { context, .. }
            | Error::LimiterTimeout { context, .. }
            | Error::Transport { context, .. }
            | Error::Timeout { context, .. }
            | Error::DeadlineExceeded { context, .. } => Some(context),
            Error::InvalidRequest { .. } | Error::Config { .. } | Error::RateLimiter { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn reads_the_first_usable_request_id() {
        let mut headers = HeaderMap::new();
        assert_eq!(request_id(&headers), None);
        headers.insert("x-amzn-requestid", HeaderValue::from_static("amzn-1"));
        assert_eq!(request_id(&headers).as_deref(), Some("amzn-1"));
        headers.insert("x-request-id", HeaderValue::from_static("has space"));
        assert_eq!(request_id(&headers).as_deref(), Some("amzn-1"));
        headers.insert("x-request-id", HeaderValue::from_static("req-7"));
        assert_eq!(request_id(&headers).as_deref(), Some("req-7"));
        headers.insert("x-request-id", HeaderValue::from_str(&"a".repeat(129)).unwrap());
        assert_eq!(request_id(&headers).as_deref(), Some("amzn-1"));
    }

    #[test]
    fn display_names_the_call() {
        let mut context = CallContext::new("getAccount", Method::GET, "/v1.3/accounts/1");
        assert_eq!(context.to_string(), "getAccount (GET /v1.3/accounts/1)");
        context.request_id = Some("r-1".into());
        assert_eq!(context.to_string(), "getAccount (GET /v1.3/accounts/1, request id r-1)");
    }
}
