//! Configuring a client: [`Credentials`], [`ClientBuilder`] and reading both from the
//! environment.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::auth::{Auth, Secrets};
use super::body::DEFAULT_MAX_BODY_BYTES;
use super::client::{Client, Inner, same_origin};
use super::defaults;
use super::drift::{DriftLog, OnDrift};
use super::hooks::Hooks;
use super::{Error, RateLimit, RetryPolicy};

/// HTTP basic credentials: the API token's name and its secret.
///
/// The secret is held in a [`SecretString`] (zeroed on drop) and never shown by `Debug`.
#[derive(Clone)]
pub struct Credentials {
    name: String,
    secret: SecretString,
}

impl Credentials {
    /// Credentials from a token name and secret.
    pub fn new(name: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        Credentials { name: name.into(), secret: secret.into() }
    }

    /// Reads `CONVERSOCIAL_TOKEN_NAME` and `CONVERSOCIAL_TOKEN_SECRET`.
    pub fn from_env() -> Result<Self, Error> {
        Credentials::from_lookup(&|name| std::env::var(name))
    }

    fn from_lookup(lookup: &Lookup<'_>) -> Result<Self, Error> {
        Ok(Credentials::new(
            required(lookup, defaults::ENV_TOKEN_NAME, "the API token's name")?,
            required(lookup, defaults::ENV_TOKEN_SECRET, "the API token's secret")?,
        ))
    }

    /// The token name (the basic-auth user name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The token secret; reading it takes an explicit `expose_secret()`.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    pub(super) fn validate(&self) -> Result<(), Error> {
        if self.name.is_empty() || self.secret.expose_secret().is_empty() {
            return Err(Error::config(
                "the token name and secret must not be empty; both are shown where the API \
                 token was created",
            ));
        }
        if self.name.contains(':') {
            return Err(Error::config(
                "the token name must not contain `:` (HTTP basic authentication cannot carry \
                 it); check that name and secret were not swapped",
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("name", &self.name).field("secret", &"[REDACTED]").finish()
    }
}

type Lookup<'a> = dyn Fn(&str) -> Result<String, std::env::VarError> + 'a;

fn required(lookup: &Lookup<'_>, var: &str, what: &str) -> Result<String, Error> {
    match optional(lookup, var)? {
        Some(value) => Ok(value),
        None => Err(Error::config(format!(
            "environment variable {var} is not set: set it to {what}, or pass credentials \
             with ClientBuilder::credentials"
        ))),
    }
}

fn optional(lookup: &Lookup<'_>, var: &str) -> Result<Option<String>, Error> {
    match lookup(var) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value.trim().to_owned())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::config(format!("environment variable {var} is not valid UTF-8")))
        }
    }
}

/// Builds a [`Client`]. Every setting has a default except the credentials: HTTP basic
/// [`credentials`](Self::credentials), a [`bearer_token`](Self::bearer_token) or API keys
/// ([`api_key`](Self::api_key), [`api_key_for`](Self::api_key_for)), whichever the API's
/// security schemes use. [`build`](Self::build) refuses a builder without any credential
/// unless [`defaults::REQUIRE_CREDENTIALS`] is `false`.
///
/// ```no_run
/// # async fn run() -> Result<(), conversocial::Error> {
/// use std::time::Duration;
/// use conversocial::{Client, RateLimit, RetryPolicy};
/// let client = Client::builder()
///     .credentials("my-token", "my-secret")
///     .timeout(Duration::from_secs(30))
///     .rate_limit(RateLimit::per_minute(30).with_burst(3))
///     .retry_policy(RetryPolicy { max_attempts: 3, ..RetryPolicy::default() })
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    pub(super) secrets: Secrets,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    rate_limit: RateLimit,
    retry_policy: RetryPolicy,
    http_client: Option<reqwest::Client>,
    max_body_bytes: u64,
    allow_insecure_http: bool,
    strict_decoding: bool,
    on_drift: OnDrift,
    pub(super) hooks: Hooks,
    /// From the Redis environment variable: applied to the rate limit at build time.
    #[cfg(feature = "redis")]
    env_redis: Option<super::RedisLimit>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder::new()
    }
}

impl ClientBuilder {
    /// A builder with the defaults: [`defaults::BASE_URL`], connect timeout 10 s, request
    /// timeout 60 s, user agent [`defaults::USER_AGENT`], [`RateLimit::default`]
    /// ([`defaults::REQUESTS_PER_MINUTE`] per minute, burst 1), [`RetryPolicy::default`],
    /// response bodies up to 32 MiB, `https` only (loopback excepted), and no credentials.
    pub fn new() -> Self {
        ClientBuilder {
            base_url: defaults::BASE_URL.to_owned(),
            credentials: None,
            secrets: Secrets::default(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            user_agent: defaults::USER_AGENT.to_owned(),
            rate_limit: RateLimit::default(),
            retry_policy: RetryPolicy::default(),
            http_client: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            allow_insecure_http: false,
            strict_decoding: false,
            on_drift: OnDrift::default(),
            hooks: Hooks::default(),
            #[cfg(feature = "redis")]
            env_redis: None,
        }
    }

    /// A builder with credentials from `CONVERSOCIAL_TOKEN_NAME` and
    /// `CONVERSOCIAL_TOKEN_SECRET`, and the base URL from `CONVERSOCIAL_BASE_URL` when set.
    /// A missing variable is an [`Error::Config`] naming it. When
    /// [`defaults::REQUIRE_CREDENTIALS`] is `false`, the credentials are optional: both
    /// variables unset means none (only one set is still an error).
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_lookup(&|name| std::env::var(name))
    }

    fn from_lookup(lookup: &Lookup<'_>) -> Result<Self, Error> {
        ClientBuilder::from_lookup_requiring(lookup, defaults::REQUIRE_CREDENTIALS)
    }

    fn from_lookup_requiring(lookup: &Lookup<'_>, require: bool) -> Result<Self, Error> {
        let mut builder = ClientBuilder::new();
        let absent = |var| optional(lookup, var).map(|v| v.is_none());
        if require || !(absent(defaults::ENV_TOKEN_NAME)? && absent(defaults::ENV_TOKEN_SECRET)?) {
            builder.credentials = Some(Credentials::from_lookup(lookup)?);
        }
        if let Some(base_url) = optional(lookup, defaults::ENV_BASE_URL)? {
            builder.base_url = base_url;
        }
        if let Some(redis_url) = optional(lookup, defaults::ENV_REDIS_URL)? {
            #[cfg(feature = "redis")]
            {
                builder.env_redis = Some(super::RedisLimit::new(redis_url));
            }
            #[cfg(not(feature = "redis"))]
            {
                let _ = redis_url;
                return Err(Error::config(format!(
                    "{} is set, but this build of the client has no `redis` feature, so it could \
                     not share the rate limit and would use the whole quota on its own: enable the \
                     feature, or unset the variable",
                    defaults::ENV_REDIS_URL
                )));
            }
        }
        Ok(builder)
    }

    /// The API's base URL, e.g. `https://api.conversocial.com/v1.3`; request paths are
    /// appended to it and credentials are sent only to its scheme, host and port.
    ///
    /// It must be `https`, except on a loopback host (`127.0.0.0/8`, `::1`, `localhost`),
    /// since the credentials travel with every request; see
    /// [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// The token name and secret: HTTP basic credentials ([`AuthScheme::Basic`](super::AuthScheme::Basic)).
    pub fn credentials(mut self, name: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        self.credentials = Some(Credentials::new(name, secret));
        self
    }

    /// Credentials built elsewhere, e.g. with [`Credentials::from_env`].
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// How long to wait for a connection (default 10 s). Not applied to an injected
    /// [`http_client`](Self::http_client), which keeps its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from connecting to the end of the body (default
    /// 60 s). Applied to every request, also with an injected client.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header (default [`defaults::USER_AGENT`]).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The client-side rate limit (default 30 requests per minute, burst 1).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry_policy: RetryPolicy) -> Self {
        self.retry_policy = retry_policy;
        self
    }

    /// Sends requests with `client` (proxies, custom TLS roots, connection pools...). The
    /// runtime still sets the timeout, user agent and credentials on every request.
    ///
    /// **Build it with `.redirect(reqwest::redirect::Policy::none())`.** A reqwest client's
    /// redirect policy cannot be inspected, and its default follows redirects to any host.
    /// The runtime refuses every response that arrives from another origin than the base
    /// URL's ([`Error::Config`], the body unread), but by then the request has gone there:
    /// reqwest drops `Authorization` and `Cookie` when a redirect changes host, port or
    /// scheme, an API key in a custom header goes along. With `Policy::none()` the runtime
    /// sees the 3xx itself and reports it as [`Error::Api`]. Its decompression settings
    /// apply too: [`max_body_bytes`](Self::max_body_bytes) then counts inflated bytes.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Makes any response that does not match the API description an
    /// [`Error::Decode`] (default `false`: decode it anyway and report [`Drift`](super::Drift)).
    /// For tests that keep an API description honest, and for users who prefer a failed
    /// call to a partly read value.
    pub fn strict_decoding(mut self, strict: bool) -> Self {
        self.strict_decoding = strict;
        self
    }

    /// Calls `hook` with the operation id and each [`Drift`](super::Drift) met while decoding
    /// (the value as received included), e.g. to keep set-aside items in a quarantine
    /// file. It runs on the task that decoded the response: keep it short.
    pub fn on_drift(mut self, hook: impl Fn(&str, &super::Drift) + Send + Sync + 'static) -> Self {
        self.on_drift = OnDrift(Some(Arc::new(hook)));
        self
    }

    /// The largest success body read, in bytes (default 32 MiB). A response that
    /// announces a longer `Content-Length` is refused before its body is read, and reading
    /// stops as soon as more arrives: [`Error::BodyTooLarge`], not retried. Error bodies
    /// are read up to 64 KiB whatever this says (the rest is dropped).
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Allows an `http://` base URL on a host that is not loopback (default `false`).
    /// The credentials then travel in clear text, readable by anyone on the path (and
    /// by any proxy in `HTTP_PROXY`): only for test servers on a trusted network.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = parse_base_url(&self.base_url)?;
        if base_url.scheme() == "http" && !self.allow_insecure_http && !is_loopback(&base_url) {
            return Err(Error::config(format!(
                "the base URL `{}` is not encrypted (http): the credentials would travel in clear \
                 text; use https, or allow it with ClientBuilder::allow_insecure_http(true) (plain \
                 http is allowed without it only on loopback hosts: 127.0.0.0/8, ::1, localhost)",
                self.base_url.trim()
            )));
        }
        // the quota's key: the token name, never a secret
        let token = self.credentials.as_ref().map_or_else(String::new, |c| c.name().to_owned());
        let auth = Auth::new(self.credentials, self.secrets, defaults::REQUIRE_CREDENTIALS)?;
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|e| Error::Config {
            message: "the user agent is not a valid HTTP header value".into(),
            source: Some(Box::new(e)),
        })?;
        #[cfg(feature = "redis")]
        let rate_limit = match self.env_redis {
            Some(redis) if !self.rate_limit.has_redis() => self.rate_limit.through_redis(redis),
            _ => self.rate_limit,
        };
        #[cfg(not(feature = "redis"))]
        let rate_limit = self.rate_limit;
        let limiter = rate_limit.build(&base_url, &token)?;
        let http = match self.http_client {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .redirect(same_origin_redirects())
                .https_only(base_url.scheme() == "https")
                // no decompression, no `Accept-Encoding`: the body limit counts the bytes
                // received (reqwest's features may be switched on by another crate)
                .no_gzip()
                .no_brotli()
                .no_deflate()
                .no_zstd()
                .build()
                .map_err(|e| Error::Config {
                    message: "the HTTP client could not be built".into(),
                    source: Some(Box::new(e)),
                })?,
        };
        Ok(Client::from_inner(Arc::new(Inner {
            http,
            base_url,
            auth,
            user_agent,
            timeout: self.timeout,
            limiter,
            retry: self.retry_policy,
            max_body_bytes: self.max_body_bytes,
            strict: self.strict_decoding,
            drift: DriftLog::new(self.on_drift),
            hooks: self.hooks,
        })))
    }
}

/// Follows at most five redirects, and only on the origin they started from (reqwest
/// would drop the credentials on another origin; this does not even go there).
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first();
        if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else if first.is_some_and(|first| same_origin(first, attempt.url())) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// A loopback host: `127.0.0.0/8`, `::1` (or an IPv4-mapped loopback), `localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn parse_base_url(text: &str) -> Result<Url, Error> {
    let url = Url::parse(text.trim()).map_err(|e| Error::Config {
        message: format!("the base URL `{text}` is not a valid URL"),
        source: Some(Box::new(e)),
    })?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err(Error::config(format!(
            "the base URL `{text}` must be an http(s) URL with a host, e.g. {}",
            defaults::BASE_URL
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "the base URL must not contain credentials; pass them with \
             ClientBuilder::credentials",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!("the base URL `{text}` must not have a query or fragment")));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::env::VarError;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Result<String, VarError> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.get(name).cloned().ok_or(VarError::NotPresent)
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        let err = ClientBuilder::from_lookup(&env(&[("CONVERSOCIAL_TOKEN_NAME", "n")])).unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        assert!(err.to_string().contains("CONVERSOCIAL_TOKEN_SECRET"), "{err}");
        let err = ClientBuilder::from_lookup(&env(&[("CONVERSOCIAL_TOKEN_SECRET", "s")])).unwrap_err();
        assert!(err.to_string().contains("CONVERSOCIAL_TOKEN_NAME"), "{err}");
        let err = ClientBuilder::from_lookup(&env(&[
            ("CONVERSOCIAL_TOKEN_NAME", "n"),
            ("CONVERSOCIAL_TOKEN_SECRET", "  "),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("CONVERSOCIAL_TOKEN_SECRET"), "{err}");
    }

    #[test]
    fn from_env_reads_all_three() {
        let builder = ClientBuilder::from_lookup(&env(&[
            ("CONVERSOCIAL_TOKEN_NAME", "name"),
            ("CONVERSOCIAL_TOKEN_SECRET", "hunter2-secret"),
            ("CONVERSOCIAL_BASE_URL", "http://127.0.0.1:9/v1.3"),
        ]))
        .unwrap();
        let client = builder.build().unwrap();
        assert_eq!(client.base_url().as_str(), "http://127.0.0.1:9/v1.3");
        let builder = ClientBuilder::from_lookup(&env(&[
            ("CONVERSOCIAL_TOKEN_NAME", "name"),
            ("CONVERSOCIAL_TOKEN_SECRET", "hunter2-secret"),
        ]))
        .unwrap();
        assert_eq!(builder.build().unwrap().base_url().as_str(), defaults::BASE_URL);
    }

    #[test]
    fn plain_http_only_on_loopback_or_when_allowed() {
        let base = |url: &str| ClientBuilder::new().credentials("n", "secret").base_url(url);
        for url in
            ["http://127.0.0.1:9/v1.3", "http://127.8.9.10", "http://[::1]:80", "http://LOCALHOST:8080/x"]
        {
            assert!(base(url).build().is_ok(), "{url}");
        }
        let err = base("http://api.conversocial.com/v1.3").build().unwrap_err();
        assert!(matches!(err, Error::Config { .. }));
        assert!(err.to_string().contains("allow_insecure_http"), "{err}");
        assert!(base("http://api.conversocial.com/v1.3").allow_insecure_http(true).build().is_ok());
        // from the environment too
        let err = ClientBuilder::from_lookup(&env(&[
            (defaults::ENV_TOKEN_NAME, "name"),
            (defaults::ENV_TOKEN_SECRET, "hunter2-secret"),
            (defaults::ENV_BASE_URL, "http://api.conversocial.com/v1.3"),
        ]))
        .unwrap()
        .build()
        .unwrap_err();
        assert!(err.to_string().contains("not encrypted"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let creds = Credentials::new("token-name", "hunter2-secret");
        let text = format!("{creds:?}");
        assert!(text.contains("token-name") && text.contains("[REDACTED]"), "{text}");
        assert!(!text.contains("hunter2"));
        let builder = ClientBuilder::new().with_credentials(creds);
        assert!(!format!("{builder:?}").contains("hunter2"));
        assert!(!format!("{builder:#?}").contains("hunter2"));
    }

    #[test]
    fn client_debug_never_shows_the_secret() {
        let client = ClientBuilder::new().credentials("token-name", "hunter2-secret").build().unwrap();
        for text in [format!("{client:?}"), format!("{client:#?}")] {
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("[REDACTED]"), "{text}");
        }
    }

    #[test]
    fn optional_credentials_from_env() {
        use defaults::{ENV_TOKEN_NAME as NAME, ENV_TOKEN_SECRET as SECRET};
        let builder = ClientBuilder::from_lookup_requiring(&env(&[]), false).unwrap();
        assert!(builder.credentials.is_none());
        let err = ClientBuilder::from_lookup_requiring(&env(&[]), true).unwrap_err();
        assert!(err.to_string().contains(NAME), "{err}");
        let err = ClientBuilder::from_lookup_requiring(&env(&[(NAME, "n")]), false).unwrap_err();
        assert!(err.to_string().contains(SECRET), "{err}");
        let builder =
            ClientBuilder::from_lookup_requiring(&env(&[(NAME, "n"), (SECRET, "s")]), false).unwrap();
        assert_eq!(builder.credentials.map(|c| c.name().to_owned()).as_deref(), Some("n"));
    }

    #[test]
    fn other_credentials_satisfy_the_requirement() {
        let client = ClientBuilder::new().bearer_token("tok-hunter2").build().unwrap();
        let client2 = ClientBuilder::new().api_key_for("X-Key", "key-hunter2").build().unwrap();
        for text in [format!("{client:?}"), format!("{client2:#?}")] {
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("[REDACTED]"), "{text}");
        }
        let builder = ClientBuilder::new().bearer_token("tok-hunter2").api_key("key-hunter2");
        assert!(!format!("{builder:?}").contains("hunter2"));
    }

    #[test]
    fn bad_settings_are_config_errors() {
        let base = || ClientBuilder::new().credentials("n", "secret");
        let cases = [
            base().base_url("not a url"),
            base().base_url("ftp://example.com"),
            base().base_url("https://user:pw@example.com"),
            base().base_url("https://example.com/v1.3?x=1"),
            base().base_url("http://api.conversocial.com/v1.3"),
            base().base_url("http://10.0.0.7:8080"),
            base().base_url("http://localhost.evil.example"),
            base().base_url("http://[::2]"),
            base().user_agent("bad\nagent"),
            base().rate_limit(RateLimit::per_minute(0)),
            ClientBuilder::new().credentials("a:b", "secret"),
            ClientBuilder::new().credentials("", "secret"),
        ];
        for builder in cases {
            let err = builder.build().unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{err:?}");
        }
        let anonymous = ClientBuilder::new().build();
        if defaults::REQUIRE_CREDENTIALS {
            assert!(matches!(anonymous, Err(Error::Config { .. })), "{anonymous:?}");
        } else {
            assert!(anonymous.is_ok(), "{anonymous:?}");
        }
    }
}
