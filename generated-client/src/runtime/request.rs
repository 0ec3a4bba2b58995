//! [`Request`]: one API call before it is sent (method, operation id, encoded path or
//! absolute URL, query, headers, cookies, optional body, accepted media type, security
//! requirement). Cheap to clone, so retries can resend it.

use std::borrow::Cow;

use bytes::Bytes;
use reqwest::Method;
use url::Url;

use super::query::encode;
use super::{AuthScheme, Error, Multipart, Query, QueryValue};

/// Where a request goes: a path under the base URL, or an absolute URL that must be on
/// the base URL's origin (a `next_page` link or a resumed cursor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Path(String),
    Url(Url),
}

/// One API call: built by generated operations, sent by [`Client::execute`](super::Client::execute)
/// (and its siblings for other responses) or [`Client::paginate`](super::Client::paginate).
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
    /// The path template, e.g. `/accounts/{id}` (empty when not given), for spans.
    pub(crate) path_template: &'static str,
    pub(crate) target: Target,
    pub(crate) query: Query,
    pub(crate) body: Option<Bytes>,
    /// The body's media type; `None` with a body means `application/json`.
    pub(crate) content_type: Option<Cow<'static, str>>,
    /// `(name, value)` header parameters, values not encoded.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// `(name, percent-encoded value)` cookie parameters.
    pub(crate) cookies: Vec<(&'static str, String)>,
    pub(crate) accept: &'static str,
    /// `None`: no requirement given (basic credentials when configured, else the bearer
    /// token when configured).
    pub(crate) security: Option<&'static [&'static [AuthScheme]]>,
}

/// The media type accepted when none is set with [`Request::accept`].
const DEFAULT_ACCEPT: &str = "application/json";

impl Request {
    /// A request for `path` (already encoded, relative to the base URL, e.g.
    /// `/accounts/14054`); `operation_id` names it in logs.
    pub fn new(method: Method, operation_id: &'static str, path: String) -> Self {
        Request::with_target(method, operation_id, Target::Path(path))
    }

    fn with_target(method: Method, operation_id: &'static str, target: Target) -> Self {
        Request {
            method,
            operation_id,
            path_template: "",
            target,
            query: Query::new(),
            body: None,
            content_type: None,
            headers: Vec::new(),
            cookies: Vec::new(),
            accept: DEFAULT_ACCEPT,
            security: None,
        }
    }

    /// A `GET` of an absolute URL, which must be on the base URL's origin.
    pub(crate) fn follow(operation_id: &'static str, url: Url) -> Self {
        Request::with_target(Method::GET, operation_id, Target::Url(url))
    }

    /// A `GET` of an absolute URL (a next-page link) with this request's operation id,
    /// headers, cookies, accepted media type and security requirement, but not its query
    /// or body.
    pub(crate) fn follow_like(&self, url: Url) -> Self {
        Request {
            headers: self.headers.clone(),
            cookies: self.cookies.clone(),
            accept: self.accept,
            security: self.security,
            path_template: self.path_template,
            ..Request::follow(self.operation_id, url)
        }
    }

    /// The operation's path template as the API description writes it, e.g.
    /// `/accounts/{id}`: recorded in the call's span instead of the concrete path.
    pub fn path_template(mut self, template: &'static str) -> Self {
        self.path_template = template;
        self
    }

    /// Appends `query`'s parameters to the request's.
    pub fn query(mut self, query: Query) -> Self {
        self.query.extend(query);
        self
    }

    /// Adds a header parameter; the value is rendered with [`QueryValue`] and sent as is
    /// (not percent-encoded). A header already set by the runtime (`User-Agent`) is
    /// replaced; `Accept`, `Content-Type` and `Authorization` are ignored, as OpenAPI 3.0
    /// says of header parameters with those names (use [`accept`](Self::accept), the body
    /// setters and [`security`](Self::security)).
    ///
    /// An invalid header name or value makes the send fail with [`Error::InvalidRequest`]
    /// naming the header.
    pub fn header<V: QueryValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        self.headers.push((name, value.to_query_value().into_owned()));
        self
    }

    /// Adds a cookie parameter. All cookies go out in one `Cookie: a=1; b=2` header,
    /// values percent-encoded like query values.
    pub fn cookie<V: QueryValue + ?Sized>(mut self, name: &'static str, value: &V) -> Self {
        self.cookies.push((name, encode(&value.to_query_value())));
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
        self.content_type = Some(Cow::Borrowed("application/json"));
        Ok(self)
    }

    /// Sets an `application/x-www-form-urlencoded` body: `form`'s encoded text
    /// (`a=1&b=x%20y`).
    pub fn form_body(mut self, form: Query) -> Self {
        self.body = Some(Bytes::from(form.to_string()));
        self.content_type = Some(Cow::Borrowed("application/x-www-form-urlencoded"));
        self
    }

    /// Sets a `multipart/form-data` body, with a random boundary that occurs in no part.
    /// The body is encoded here, once, so every retry sends the same bytes.
    pub fn multipart_body(mut self, form: Multipart) -> Self {
        let boundary = form.boundary();
        self.body = Some(form.encode(&boundary));
        self.content_type = Some(Cow::Owned(format!("multipart/form-data; boundary={boundary}")));
        self
    }

    /// Sets any other body with its media type (`text/plain`, `application/octet-stream`,
    /// `application/xml`, ...).
    pub fn raw_body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self.content_type = Some(Cow::Borrowed(content_type));
        self
    }

    /// The `Accept` header (default `application/json`).
    pub fn accept(mut self, media_type: &'static str) -> Self {
        self.accept = media_type;
        self
    }

    /// The operation's security requirement: alternatives (OR) of scheme sets (AND), as
    /// OpenAPI's `security` lists them. `&[]` means no authentication; an empty set among
    /// the alternatives means authentication is optional. At send time the first
    /// non-empty alternative whose schemes all have credentials configured is used; see
    /// [`AuthScheme`] for where each credential comes from.
    ///
    /// Without this call the client sends its basic credentials when it has them, else
    /// its bearer token when it has one.
    ///
    /// ```
    /// use conversocial::{ApiKeyLocation, AuthScheme};
    /// use conversocial::runtime::Request;
    /// // bearer, or an API key in a header together with one in the query
    /// let req = Request::new(reqwest::Method::GET, "get_pet", "/pets/1".into()).security(&[
    ///     &[AuthScheme::Bearer],
    ///     &[
    ///         AuthScheme::ApiKey { location: ApiKeyLocation::Header, name: "X-API-Key" },
    ///         AuthScheme::ApiKey { location: ApiKeyLocation::Query, name: "api_key" },
    ///     ],
    /// ]);
    /// // no authentication, and optional authentication
    /// let public = Request::new(reqwest::Method::GET, "ping", "/ping".into()).security(&[]);
    /// let optional = Request::new(reqwest::Method::GET, "feed", "/feed".into())
    ///     .security(&[&[], &[AuthScheme::Basic]]);
    /// # let _ = (req, public, optional);
    /// ```
    pub fn security(mut self, alternatives: &'static [&'static [AuthScheme]]) -> Self {
        self.security = Some(alternatives);
        self
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

    /// The serialised body, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// The body's media type (with its parameters, e.g. the multipart boundary), if there
    /// is a body.
    pub fn content_type(&self) -> Option<&str> {
        self.body.as_ref().map(|_| self.content_type.as_deref().unwrap_or("application/json"))
    }

    /// The header parameters, in order, values as they will be sent.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.headers.iter().map(|(name, value)| (*name, value.as_str()))
    }

    /// The `Cookie` header the cookie parameters make (`a=1; b=2`), without any API key.
    pub fn cookie_header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(
            self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; "),
        )
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
    fn headers_cookies_and_bodies() {
        let mut form = Query::new();
        form.push("a", "x y");
        form.push("b", &2);
        static SECURITY: &[&[AuthScheme]] = &[&[AuthScheme::Bearer]];
        let req = Request::new(Method::POST, "op", "/x".into())
            .header("X-Trace", "a b")
            .header("X-Count", &3)
            .cookie("session", "a;b c")
            .cookie("n", &true)
            .form_body(form)
            .accept("text/csv")
            .security(SECURITY);
        assert_eq!(req.headers().collect::<Vec<_>>(), [("X-Trace", "a b"), ("X-Count", "3")]);
        assert_eq!(req.cookie_header().as_deref(), Some("session=a%3Bb%20c; n=true"));
        assert_eq!(req.body(), Some(&b"a=x%20y&b=2"[..]));
        assert_eq!(req.content_type(), Some("application/x-www-form-urlencoded"));
        assert_eq!(req.accept, "text/csv");
        assert_eq!(req.security, Some(SECURITY));

        let req = req.raw_body("text/plain", "hello");
        assert_eq!((req.body(), req.content_type()), (Some(&b"hello"[..]), Some("text/plain")));
        let mut parts = Multipart::new();
        parts.text("a", "1");
        let req = req.multipart_body(parts);
        let content_type = req.content_type().unwrap().to_owned();
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
        let body = std::str::from_utf8(req.body().unwrap()).unwrap();
        assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
        assert!(body.ends_with(&format!("\r\n--{boundary}--\r\n")), "{body}");

        let plain = Request::new(Method::GET, "op", "/x".into());
        assert_eq!(
            (plain.content_type(), plain.cookie_header(), plain.accept),
            (None, None, "application/json")
        );
        assert_eq!(plain.security, None);
    }

    #[test]
    fn follow_like_keeps_headers_and_security_but_not_payload() {
        static NONE: &[&[AuthScheme]] = &[];
        let mut q = Query::new();
        q.push("a", "1");
        let req = Request::new(Method::POST, "list", "/x".into())
            .query(q)
            .header("X-V", "2")
            .cookie("c", "3")
            .accept("application/xml")
            .security(NONE)
            .raw_body("text/plain", "b");
        let next = req.follow_like(Url::parse("https://h/x?offset=2").unwrap());
        assert_eq!(next.method(), Method::GET);
        assert_eq!(next.operation_id(), "list");
        assert_eq!((next.query_string(), next.body()), (String::new(), None));
        assert_eq!(next.headers().collect::<Vec<_>>(), [("X-V", "2")]);
        assert_eq!(next.cookie_header().as_deref(), Some("c=3"));
        assert_eq!((next.accept, next.security), ("application/xml", Some(NONE)));
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
