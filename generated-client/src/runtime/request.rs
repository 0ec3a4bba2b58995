//! [`Request`]: one API call before it is sent (method, operation id, encoded path or
//! absolute URL, query, optional JSON body). Cheap to clone, so retries can resend it.

use bytes::Bytes;
use reqwest::Method;
use url::Url;

use super::{Error, Query};

/// Where a request goes: a path under the base URL, or an absolute URL that must be on
/// the base URL's origin (a `next_page` link or a resumed cursor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Path(String),
    Url(Url),
}

/// One API call: built by generated operations, sent by [`Client::execute`](super::Client::execute)
/// or [`Client::paginate`](super::Client::paginate).
///
/// ```
/// use conversocial::runtime::{Query, Request, encode_path_segment};
/// let mut query = Query::new();
/// query.push_joined("fields", &["id", "name"], ',');
/// let req = Request::new(
///     reqwest::Method::GET,
///     "get_account",
///     format!("/accounts/{}", encode_path_segment("14054")),
/// )
/// .query(query);
/// assert_eq!(req.path(), Some("/accounts/14054"));
/// assert_eq!(req.query_string(), "fields=id,name");
/// ```
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) operation_id: &'static str,
    pub(crate) target: Target,
    pub(crate) query: Query,
    pub(crate) body: Option<Bytes>,
}

impl Request {
    /// A request for `path` (already encoded, relative to the base URL, e.g.
    /// `/accounts/14054`); `operation_id` names it in logs.
    pub fn new(method: Method, operation_id: &'static str, path: String) -> Self {
        Request { method, operation_id, target: Target::Path(path), query: Query::new(), body: None }
    }

    /// A `GET` of an absolute URL, which must be on the base URL's origin.
    pub(crate) fn follow(operation_id: &'static str, url: Url) -> Self {
        Request {
            method: Method::GET,
            operation_id,
            target: Target::Url(url),
            query: Query::new(),
            body: None,
        }
    }

    /// Appends `query`'s parameters to the request's.
    pub fn query(mut self, query: Query) -> Self {
        self.query.extend(query);
        self
    }

    /// Sets a JSON body (sent with `Content-Type: application/json`).
    ///
    /// Fails with [`Error::InvalidRequest`] when `body` cannot be serialised.
    pub fn json_body<B: serde::Serialize>(mut self, body: &B) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidRequest {
            message: format!("the body of `{}` cannot be serialised as JSON", self.operation_id),
            source: Some(Box::new(e)),
        })?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The operation id given to [`Request::new`].
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The encoded path, or `None` for a request that follows an absolute URL.
    pub fn path(&self) -> Option<&str> {
        match &self.target {
            Target::Path(path) => Some(path),
            Target::Url(_) => None,
        }
    }

    /// The encoded query string, without `?`.
    pub fn query_string(&self) -> String {
        self.query.to_string()
    }

    /// The serialised JSON body, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_serialises_body() {
        let mut q = Query::new();
        q.push("a", "1");
        let mut q2 = Query::new();
        q2.push("b", "2");
        let req = Request::new(Method::POST, "create_report", "/reports".into())
            .query(q)
            .query(q2)
            .json_body(&serde_json::json!({"name": "x"}))
            .unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.operation_id(), "create_report");
        assert_eq!(req.query_string(), "a=1&b=2");
        assert_eq!(req.body(), Some(&br#"{"name":"x"}"#[..]));
    }

    #[test]
    fn unserialisable_body_is_invalid_request() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        let err = Request::new(Method::POST, "op", "/x".into()).json_body(&map).unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }));
        assert!(std::error::Error::source(&err).is_some());
    }
}
