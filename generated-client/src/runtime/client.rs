//! [`Client`]: resolves request URLs against the base URL, and sends requests with the
//! credentials, the shared rate limiter and the retry policy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use super::auth::{Auth, Chosen};
use super::call::CallOptions;
use super::call_context::CallContext;
use super::config::Credentials;
use super::drift::DriftLog;
use super::hooks::Hooks;
use super::paginate::{Page, Paginator};
use super::query::encode;
use super::request::Target;
use super::response;
use super::retry::RetryPolicy;
use super::{ApiKeyLocation, ClientBuilder, Cursor, Drift, DriftSummary, Error, RateLimiter, Request};

/// A client for the API. Cheap to clone: clones share one connection pool, one rate
/// limiter and one configuration, so any number of tasks can use it at once.
///
/// Generated code adds one method per operation, returning a [`Call`](super::Call) to
/// await; they go through the runtime (`Client::execute_raw_with`, `Client::paginate`,
/// `Client::resume_like`: the contract, hidden from these docs).
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// The shared state behind every clone of a [`Client`].
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) auth: Auth,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Duration,
    pub(crate) limiter: Arc<dyn RateLimiter>,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body_bytes: u64,
    /// Decode errors are errors (no drift tolerance).
    pub(crate) strict: bool,
    pub(crate) drift: DriftLog,
    pub(crate) hooks: Hooks,
}

/// A successful response, read in full.
pub(crate) struct Sent {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) attempts: u32,
    /// The call, with the response's request id.
    pub(crate) context: CallContext,
}

/// A successful response before decoding: see [`Client::execute_raw`].
#[derive(Debug, Clone)]
pub struct RawResponse {
    status: StatusCode,
    body: Bytes,
    attempts: u32,
    context: CallContext,
    client: Client,
}

impl RawResponse {
    /// The 2xx status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body as it came.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as it came, by value.
    pub fn into_bytes(self) -> Bytes {
        self.body
    }

    /// Which call this response answers (operation, method, path, request id).
    pub fn context(&self) -> &CallContext {
        &self.context
    }

    /// Decodes the body as JSON, with the same checks, drift tolerance and error paths
    /// as [`Client::execute`].
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        self.client
            .decode(self.context.operation, self.status, &self.body, self.attempts)
            .map(|(value, _)| value)
            .map_err(|error| self.client.redact(error).with_context(&self.context))
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<String, Error> {
        response::text(self.status, self.body.clone())
            .map_err(|error| self.client.redact(error).with_context(&self.context))
    }

    /// Checks a body whose content is not needed: only a `"success": false` body is an
    /// error (see [`Client::execute_empty`]).
    pub fn empty(&self) -> Result<(), Error> {
        response::check_envelope(self.status, &self.body, self.attempts)
            .map_err(|error| self.client.redact(error).with_context(&self.context))
    }
}

/// What every attempt of one request sends: the URL (with any API key in the query), the
/// headers, and the credentials for the `Authorization` header.
pub(crate) struct Prepared<'a> {
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) basic: Option<&'a Credentials>,
    pub(crate) bearer: Option<&'a SecretString>,
}

impl Client {
    /// A [`ClientBuilder`] with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from `CONVERSOCIAL_TOKEN_NAME`, `CONVERSOCIAL_TOKEN_SECRET`
    /// and the optional `CONVERSOCIAL_BASE_URL`, with every other setting at its default.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Client { inner }
    }

    /// The base URL requests are sent under.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// Sends `req` and decodes the 2xx JSON body as `T`.
    ///
    /// Waits for the rate limiter before every attempt, sends the credentials the request's
    /// [security requirement](Request::security) asks for (HTTP basic credentials when it
    /// has none), retries as the [`RetryPolicy`] says, maps unsuccessful statuses (and a
    /// 2xx body with `"success": false`) to [`Error`], and reports the JSON path of a field
    /// that fails to decode. Unknown fields are ignored; an empty body decodes as JSON
    /// `null`. No configured secret appears in the error.
    ///
    /// Unless the client is [strict](ClientBuilder::strict_decoding), a body that does not
    /// match `T` is decoded anyway where it can be: see [`Drift`]. Each distinct drift is
    /// logged once per client ([`drift_summary`](Self::drift_summary) lists them).
    #[doc(hidden)] // the contract with generated code
    pub async fn execute<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        self.execute_decoded(req).await.map(|(value, _)| value)
    }

    /// [`execute`](Self::execute), also returning what did not match the API description.
    pub(crate) async fn execute_decoded<T: DeserializeOwned>(
        &self,
        req: Request,
    ) -> Result<(T, Vec<Drift>), Error> {
        let result = match self.send(&req, &CallOptions::default()).await {
            Ok(sent) => self
                .decode(req.operation_id, sent.status, &sent.body, sent.attempts)
                .map_err(|error| error.with_context(&sent.context)),
            Err(error) => Err(error),
        };
        result.map_err(|error| self.redact(error))
    }

    /// Decodes a 2xx body as this client does (strict or tolerant) and records any drift.
    fn decode<T: DeserializeOwned>(
        &self,
        operation_id: &'static str,
        status: StatusCode,
        body: &[u8],
        attempts: u32,
    ) -> Result<(T, Vec<Drift>), Error> {
        let (value, drift) = response::decode_tolerant(status, body, attempts, self.inner.strict)?;
        self.inner.drift.record(operation_id, &drift);
        Ok((value, drift))
    }

    /// Every distinct drift this client (and its clones) has met: where responses did not
    /// match the API description, what the client did, and how often. Report them so the
    /// description can be corrected; empty while every response matched.
    pub fn drift_summary(&self) -> Vec<DriftSummary> {
        self.inner.drift.summary()
    }

    /// Sends `req` like [`execute`](Self::execute) and ignores the body of the 2xx
    /// response (only a `"success": false` body is still an error).
    #[doc(hidden)] // the contract with generated code
    pub async fn execute_empty(&self, req: Request) -> Result<(), Error> {
        let result = match self.send(&req, &CallOptions::default()).await {
            Ok(sent) => response::check_envelope(sent.status, &sent.body, sent.attempts)
                .map_err(|error| error.with_context(&sent.context)),
            Err(error) => Err(error),
        };
        result.map_err(|error| self.redact(error))
    }

    /// Sends `req` like [`execute`](Self::execute) and returns the 2xx body as text.
    /// A body that is not UTF-8 is an [`Error::Decode`] saying so (nothing is replaced).
    /// Set the media type to ask for with [`Request::accept`].
    #[doc(hidden)] // the contract with generated code
    pub async fn execute_text(&self, req: Request) -> Result<String, Error> {
        let result = match self.send(&req, &CallOptions::default()).await {
            Ok(sent) => {
                response::text(sent.status, sent.body).map_err(|error| error.with_context(&sent.context))
            }
            Err(error) => Err(error),
        };
        result.map_err(|error| self.redact(error))
    }

    /// Sends `req` like [`execute`](Self::execute) and returns the 2xx body as it came.
    /// Set the media type to ask for with [`Request::accept`].
    #[doc(hidden)] // the contract with generated code
    pub async fn execute_bytes(&self, req: Request) -> Result<Bytes, Error> {
        let result = self.send(&req, &CallOptions::default()).await.map(|sent| sent.body);
        result.map_err(|error| self.redact(error))
    }

    /// Sends `req` like [`execute`](Self::execute) and returns the 2xx response as it came,
    /// for operations whose success statuses carry different bodies: the generated method
    /// matches on [`RawResponse::status`] and decodes with [`RawResponse::json`].
    #[doc(hidden)] // the contract with generated code
    pub async fn execute_raw(&self, req: Request) -> Result<RawResponse, Error> {
        self.execute_raw_with(req, &CallOptions::default()).await
    }

    /// [`execute_raw`](Self::execute_raw) with per-call options (what a [`Call`](super::Call) runs).
    #[doc(hidden)] // the contract with generated code
    pub async fn execute_raw_with(&self, req: Request, options: &CallOptions) -> Result<RawResponse, Error> {
        let result = self.send(&req, options).await.map(|sent| RawResponse {
            status: sent.status,
            body: sent.body,
            attempts: sent.attempts,
            context: sent.context,
            client: self.clone(),
        });
        result.map_err(|error| self.redact(error))
    }

    /// `error` with every configured secret scrubbed from it.
    pub(crate) fn redact(&self, error: Error) -> Error {
        self.inner.auth.secret_values().fold(error, Error::redacted)
    }

    /// A paginator over the list operation `req`; see [`Paginator`].
    #[doc(hidden)] // the contract with generated code
    pub fn paginate<P: Page>(&self, req: Request) -> Paginator<P> {
        Paginator::new(self.clone(), req)
    }

    /// A paginator that continues from `cursor` (saved from [`PageOf::next_cursor`](super::PageOf::next_cursor),
    /// [`Pages::cursor`](super::Pages::cursor) or [`Items::cursor`](super::Items::cursor)).
    ///
    /// Generated list operations have a typed form, e.g. `list_conversations_resume(cursor)`,
    /// which also names the operation in logs and spans and keeps its security requirement.
    pub fn resume<P: Page>(&self, cursor: Cursor) -> Paginator<P> {
        Paginator::resume_from(self.clone(), cursor)
    }

    /// A paginator that continues from `cursor` with the operation id, path template,
    /// headers, accepted media type and security requirement of `like` (its path, query
    /// and body are not used): what generated `*_resume` methods call.
    #[doc(hidden)] // the contract with generated code
    pub fn resume_like<P: Page>(&self, like: Request, cursor: Cursor) -> Paginator<P> {
        Paginator::resume_like(self.clone(), like, cursor)
    }

    /// The absolute URL for `req`, with its query. Refuses any URL that is not on the
    /// base URL's scheme, host and port, so credentials never go anywhere else.
    pub(crate) fn resolve(&self, req: &Request) -> Result<Url, Error> {
        let base = &self.inner.base_url;
        let mut url = match &req.target {
            Target::Path(path) => {
                let mut text = base.as_str().trim_end_matches('/').to_owned();
                if !path.starts_with('/') {
                    text.push('/');
                }
                text.push_str(path);
                Url::parse(&text).map_err(|e| Error::InvalidRequest {
                    message: format!("`{}`: the path `{path}` does not form a valid URL", req.operation_id),
                    source: Some(Box::new(e)),
                })?
            }
            Target::Url(url) => url.clone(),
        };
        if !same_origin(base, &url) {
            return Err(Error::invalid_request(format!(
                "`{}`: refusing to follow {url}: it is not on the API's origin {}, and \
                 credentials are only sent there (if the API moved, change the base URL)",
                req.operation_id,
                base.origin().ascii_serialization(),
            )));
        }
        if !req.query.is_empty() {
            let query = match url.query() {
                Some(existing) if !existing.is_empty() => format!("{existing}&{}", req.query),
                _ => req.query.to_string(),
            };
            url.set_query(Some(&query));
        }
        url.set_fragment(None);
        Ok(url)
    }

    /// The URL, headers and credentials of `req`, or the error that keeps it from being
    /// sent: a security requirement no configured credential meets, an invalid header.
    pub(crate) fn prepare<'a>(&'a self, req: &Request, mut url: Url) -> Result<Prepared<'a>, Error> {
        let inner = &*self.inner;
        let chosen = inner.auth.select(req.operation_id, req.security)?;
        let invalid = |what: String| Error::invalid_request(format!("`{}`: {what}", req.operation_id));
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, inner.user_agent.clone());
        let accept = HeaderValue::from_str(req.accept).map_err(|_| {
            invalid(format!("the accepted media type `{}` is not a valid header value", req.accept))
        })?;
        headers.insert(ACCEPT, accept);
        if req.body.is_some() {
            let content_type = req.content_type.as_deref().unwrap_or("application/json");
            let value = HeaderValue::from_str(content_type).map_err(|_| {
                invalid(format!("the content type `{content_type}` is not a valid header value"))
            })?;
            headers.insert(CONTENT_TYPE, value);
        }
        let mut named = Vec::new();
        for (name, value) in &req.headers {
            if ["accept", "content-type", "authorization"].iter().any(|n| name.eq_ignore_ascii_case(n)) {
                tracing::debug!(
                    operation = req.operation_id,
                    header = name,
                    "header parameter ignored (OpenAPI ignores Accept, Content-Type and Authorization)"
                );
                continue;
            }
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("`{name}` is not a valid HTTP header name")))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                invalid(format!(
                    "the value of header `{name}` is not a valid HTTP header value (line breaks \
                     and control characters are not allowed)"
                ))
            })?;
            if named.contains(&header) {
                headers.append(header, value);
            } else {
                named.push(header.clone());
                headers.insert(header, value);
            }
        }
        let mut cookies = Vec::new();
        for (name, value) in &req.cookies {
            if !valid_cookie_name(name) {
                return Err(invalid(format!("`{name}` is not a valid cookie name")));
            }
            cookies.push(format!("{name}={value}"));
        }
        let mut secret_cookie = false;
        let (mut basic, mut bearer) = (None, None);
        for credential in chosen {
            match credential {
                Chosen::Basic(credentials) => basic = Some(credentials),
                Chosen::Bearer(token) => bearer = Some(token),
                Chosen::ApiKey { location: ApiKeyLocation::Header, name, key } => {
                    let header = HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| invalid(format!("`{name}` is not a valid HTTP header name")))?;
                    let mut value = HeaderValue::from_str(key.expose_secret()).map_err(|_| {
                        invalid(format!(
                            "the API key for header `{name}` is not a valid HTTP header value \
                             (line breaks and control characters are not allowed)"
                        ))
                    })?;
                    value.set_sensitive(true);
                    headers.insert(header, value);
                }
                Chosen::ApiKey { location: ApiKeyLocation::Query, name, key } => {
                    set_query_parameter(&mut url, name, key.expose_secret());
                }
                Chosen::ApiKey { location: ApiKeyLocation::Cookie, name, key } => {
                    if !valid_cookie_name(name) {
                        return Err(invalid(format!("`{name}` is not a valid cookie name")));
                    }
                    cookies.retain(|cookie| cookie.split('=').next() != Some(name));
                    cookies.push(format!("{name}={}", encode(key.expose_secret())));
                    secret_cookie = true;
                }
            }
        }
        if !cookies.is_empty() {
            let mut value = HeaderValue::from_str(&cookies.join("; "))
                .map_err(|_| invalid("the cookies do not form a valid `Cookie` header".to_owned()))?;
            value.set_sensitive(secret_cookie);
            headers.insert(COOKIE, value);
        }
        Ok(Prepared { url, headers, basic, bearer })
    }
}

/// Sets the query parameter `name` to `value` (both percent-encoded), replacing any
/// parameter of that name already in `url` (a next-page link may echo it).
fn set_query_parameter(url: &mut Url, name: &str, value: &str) {
    let pair = format!("{}={}", encode(name), encode(value));
    let mut kept: Vec<&str> = Vec::new();
    if let Some(query) = url.query() {
        for part in query.split('&').filter(|part| !part.is_empty()) {
            let key = part.split('=').next().unwrap_or(part);
            let decoded = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
            if decoded != name {
                kept.push(part);
            }
        }
    }
    kept.push(&pair);
    let query = kept.join("&");
    url.set_query(Some(&query));
}

/// A cookie name is an HTTP token (RFC 6265): visible ASCII without separators.
fn valid_cookie_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

/// Same scheme, host and port, and no user information in `candidate`.
pub(crate) fn same_origin(base: &Url, candidate: &Url) -> bool {
    base.scheme() == candidate.scheme()
        && base.host_str() == candidate.host_str()
        && base.port_or_known_default() == candidate.port_or_known_default()
        && candidate.username().is_empty()
        && candidate.password().is_none()
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Client");
        out.field("base_url", &self.inner.base_url.as_str());
        if let Some(credentials) = self.inner.auth.basic() {
            out.field("credentials", credentials);
        }
        out.field("secrets", self.inner.auth.others())
            .field("timeout", &self.inner.timeout)
            .field("rate_limiter", &self.inner.limiter)
            .field("retry_policy", &self.inner.retry)
            .field("strict_decoding", &self.inner.strict)
            .field("drift", &self.inner.drift)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    fn client(base: &str) -> Client {
        Client::builder().base_url(base).credentials("name", "secret-value").build().unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn origin_rules() {
        let base = url("https://api.conversocial.com/v1.3");
        assert!(same_origin(&base, &url("https://api.conversocial.com/v1.3/x?y=1")));
        assert!(same_origin(&base, &url("https://API.conversocial.com:443/other")));
        assert!(!same_origin(&base, &url("http://api.conversocial.com/v1.3")));
        assert!(!same_origin(&base, &url("https://api.conversocial.com:8443/v1.3")));
        assert!(!same_origin(&base, &url("https://evil.example/v1.3")));
        assert!(!same_origin(&base, &url("https://api.conversocial.com.evil.example/")));
        assert!(!same_origin(&base, &url("https://u:p@api.conversocial.com/v1.3")));
    }

    #[test]
    fn resolves_paths_and_queries() {
        let c = client("https://api.conversocial.com/v1.3/");
        let mut q = super::super::Query::new();
        q.push("oldest_sort_date_lte", "2017-02-20T11:58:34");
        let req = Request::new(Method::GET, "op", "/accounts/1".into()).query(q.clone());
        assert_eq!(
            c.resolve(&req).unwrap().as_str(),
            "https://api.conversocial.com/v1.3/accounts/1?oldest_sort_date_lte=2017-02-20T11%3A58%3A34"
        );
        let req = Request::new(Method::GET, "op", "tags".into());
        assert_eq!(c.resolve(&req).unwrap().as_str(), "https://api.conversocial.com/v1.3/tags");
        let next =
            url("https://api.conversocial.com/v1.3/users?fields=first_name%2Clast_name&offset=10#frag");
        let req = Request::follow("op", next);
        assert_eq!(
            c.resolve(&req).unwrap().as_str(),
            "https://api.conversocial.com/v1.3/users?fields=first_name%2Clast_name&offset=10"
        );
        let req = Request::follow("op", url("https://elsewhere.example/v1.3/users"));
        let err = c.resolve(&req).unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }));
        assert!(err.to_string().contains("https://api.conversocial.com"), "{err}");
    }
}
