//! Authentication: the document's security schemes ([`AuthScheme`], [`ApiKeyLocation`]),
//! the secrets a client holds besides HTTP basic [`Credentials`], and choosing which of
//! them to send for an operation's security requirement.
//!
//! An operation's requirement ([`Request::security`](super::Request::security)) lists
//! alternatives (OR), each a set of schemes (AND). At send time the client picks the first
//! non-empty alternative whose schemes all have a credential configured; when none does,
//! an empty alternative (authentication optional) sends the request without credentials,
//! and otherwise the request fails before anything is sent with an [`Error::Config`]
//! naming the schemes and the [`ClientBuilder`] methods that configure them.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use super::config::Credentials;
use super::{ClientBuilder, Error};

/// One security scheme of the API description (`components/securitySchemes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// HTTP basic authentication (`type: http, scheme: basic`), sent from
    /// [`ClientBuilder::credentials`].
    Basic,
    /// HTTP bearer authentication (`type: http, scheme: bearer`): `Authorization: Bearer
    /// <token>`, from [`ClientBuilder::bearer_token`].
    Bearer,
    /// An API key (`type: apiKey`), from [`ClientBuilder::api_key_for`] with this `name`,
    /// else [`ClientBuilder::api_key`].
    ApiKey {
        /// Where the key goes.
        location: ApiKeyLocation,
        /// The header, query parameter or cookie name.
        name: &'static str,
    },
}

/// Where an [`AuthScheme::ApiKey`] is sent (`in: header | query | cookie`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header named after the scheme.
    Header,
    /// A query parameter named after the scheme (never logged, and redacted from errors).
    Query,
    /// A cookie named after the scheme, in the request's `Cookie` header.
    Cookie,
}

impl fmt::Display for AuthScheme {
    /// What the scheme is and which builder method configures it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthScheme::Basic => f.write_str("HTTP basic credentials (ClientBuilder::credentials)"),
            AuthScheme::Bearer => f.write_str("a bearer token (ClientBuilder::bearer_token)"),
            AuthScheme::ApiKey { location, name } => {
                let place = match location {
                    ApiKeyLocation::Header => "header",
                    ApiKeyLocation::Query => "query parameter",
                    ApiKeyLocation::Cookie => "cookie",
                };
                write!(
                    f,
                    "an API key in the {place} `{name}` (ClientBuilder::api_key_for(\"{name}\", ..) \
                     or ClientBuilder::api_key)"
                )
            }
        }
    }
}

/// The secrets a [`ClientBuilder`] holds besides basic credentials. Never shown by `Debug`.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    bearer: Option<SecretString>,
    api_key: Option<SecretString>,
    /// `(scheme parameter name, key)`, one per name.
    api_keys: Vec<(String, SecretString)>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |set: bool| if set { "[REDACTED]" } else { "None" };
        f.debug_struct("Secrets")
            .field("bearer_token", &redacted(self.bearer.is_some()))
            .field("api_key", &redacted(self.api_key.is_some()))
            .field(
                "api_keys",
                &self.api_keys.iter().map(|(name, _)| (name.as_str(), "[REDACTED]")).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Secrets {
    fn is_empty(&self) -> bool {
        self.bearer.is_none() && self.api_key.is_none() && self.api_keys.is_empty()
    }
}

impl ClientBuilder {
    /// The token for [`AuthScheme::Bearer`], sent as `Authorization: Bearer <token>`.
    pub fn bearer_token(mut self, token: impl Into<SecretString>) -> Self {
        self.secrets.bearer = Some(token.into());
        self
    }

    /// The key for every [`AuthScheme::ApiKey`] that has no key of its own from
    /// [`api_key_for`](Self::api_key_for).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.secrets.api_key = Some(key.into());
        self
    }

    /// The key for the [`AuthScheme::ApiKey`] whose header, query parameter or cookie is
    /// called `name` (header names match in any case); it wins over [`api_key`](Self::api_key).
    pub fn api_key_for(mut self, name: impl Into<String>, key: impl Into<SecretString>) -> Self {
        let name = name.into();
        self.secrets.api_keys.retain(|(existing, _)| *existing != name);
        self.secrets.api_keys.push((name, key.into()));
        self
    }
}

/// Every credential of a built client.
#[derive(Clone)]
pub(crate) struct Auth {
    basic: Option<Credentials>,
    secrets: Secrets,
}

/// A credential chosen for one request.
#[derive(Clone, Copy)]
pub(crate) enum Chosen<'a> {
    Basic(&'a Credentials),
    Bearer(&'a SecretString),
    ApiKey { location: ApiKeyLocation, name: &'static str, key: &'a SecretString },
}

impl Auth {
    /// Checks the credentials; `require` refuses a client without any.
    pub(crate) fn new(basic: Option<Credentials>, secrets: Secrets, require: bool) -> Result<Self, Error> {
        let auth = Auth { basic, secrets };
        if require && auth.basic.is_none() && auth.secrets.is_empty() {
            return Err(Error::config(format!(
                "no credentials: call ClientBuilder::credentials, or set {} and {} and use \
                 Client::from_env",
                super::defaults::ENV_TOKEN_NAME,
                super::defaults::ENV_TOKEN_SECRET
            )));
        }
        if let Some(basic) = &auth.basic {
            basic.validate()?;
        }
        if let Some(token) = &auth.secrets.bearer {
            let token = token.expose_secret();
            if token.is_empty() || reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).is_err()
            {
                return Err(Error::config(
                    "the bearer token must be non-empty and printable (no line breaks or \
                     control characters)",
                ));
            }
        }
        if auth.secrets.api_key.as_ref().is_some_and(|key| key.expose_secret().is_empty()) {
            return Err(Error::config("the API key must not be empty"));
        }
        for (name, key) in &auth.secrets.api_keys {
            if name.is_empty() || key.expose_secret().is_empty() {
                return Err(Error::config(format!(
                    "the API key for `{name}` and its name must not be empty"
                )));
            }
        }
        Ok(auth)
    }

    /// The basic credentials, if configured.
    pub(crate) fn basic(&self) -> Option<&Credentials> {
        self.basic.as_ref()
    }

    /// The secrets other than basic credentials (for `Debug`, which redacts them).
    pub(crate) fn others(&self) -> &Secrets {
        &self.secrets
    }

    /// Every configured secret, to scrub from errors.
    pub(crate) fn secret_values(&self) -> impl Iterator<Item = &str> {
        self.basic
            .iter()
            .map(|c| c.secret().expose_secret())
            .chain(self.secrets.bearer.iter().map(|t| t.expose_secret()))
            .chain(self.secrets.api_key.iter().map(|k| k.expose_secret()))
            .chain(self.secrets.api_keys.iter().map(|(_, k)| k.expose_secret()))
    }

    /// The credential for `scheme`, if configured.
    fn credential(&self, scheme: AuthScheme) -> Option<Chosen<'_>> {
        match scheme {
            AuthScheme::Basic => self.basic.as_ref().map(Chosen::Basic),
            AuthScheme::Bearer => self.secrets.bearer.as_ref().map(Chosen::Bearer),
            AuthScheme::ApiKey { location, name } => {
                let own = |exact: bool| {
                    self.secrets
                        .api_keys
                        .iter()
                        .find(|(n, _)| if exact { n == name } else { n.eq_ignore_ascii_case(name) })
                };
                let named =
                    own(true).or_else(|| if location == ApiKeyLocation::Header { own(false) } else { None });
                named.map(|(_, key)| key).or(self.secrets.api_key.as_ref()).map(|key| Chosen::ApiKey {
                    location,
                    name,
                    key,
                })
            }
        }
    }

    /// The credentials to send for `security` (see the module docs). Without a requirement
    /// (`None`), basic credentials when configured, else the bearer token when configured,
    /// else nothing.
    pub(crate) fn select(
        &self,
        operation_id: &str,
        security: Option<&'static [&'static [AuthScheme]]>,
    ) -> Result<Vec<Chosen<'_>>, Error> {
        let Some(alternatives) = security else {
            return Ok(match (&self.basic, &self.secrets.bearer) {
                (Some(basic), _) => vec![Chosen::Basic(basic)],
                (None, Some(token)) => vec![Chosen::Bearer(token)],
                (None, None) => Vec::new(),
            });
        };
        for alternative in alternatives.iter().filter(|a| !a.is_empty()) {
            if let Some(chosen) = alternative.iter().map(|s| self.credential(*s)).collect::<Option<Vec<_>>>()
            {
                return Ok(chosen);
            }
        }
        if alternatives.is_empty() || alternatives.iter().any(|a| a.is_empty()) {
            return Ok(Vec::new());
        }
        let options = alternatives
            .iter()
            .map(|alt| alt.iter().map(ToString::to_string).collect::<Vec<_>>().join(" together with "))
            .collect::<Vec<_>>();
        let needs =
            if options.len() == 1 { options.join("") } else { format!("one of: {}", options.join("; or ")) };
        Err(Error::config(format!(
            "`{operation_id}` requires authentication and the client has no credentials for it: \
             configure {needs}"
        )))
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth").field("basic", &self.basic).field("secrets", &self.secrets).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEADER: AuthScheme = AuthScheme::ApiKey { location: ApiKeyLocation::Header, name: "X-Api-Key" };
    const KEY_QUERY: AuthScheme = AuthScheme::ApiKey { location: ApiKeyLocation::Query, name: "api_key" };

    fn auth(basic: bool, builder: ClientBuilder) -> Auth {
        let basic = basic.then(|| Credentials::new("name", "basic-secret"));
        Auth::new(basic, builder.secrets, false).unwrap()
    }

    fn kinds(chosen: &[Chosen<'_>]) -> Vec<String> {
        chosen
            .iter()
            .map(|c| match c {
                Chosen::Basic(_) => "basic".to_owned(),
                Chosen::Bearer(t) => format!("bearer:{}", t.expose_secret()),
                Chosen::ApiKey { name, key, .. } => format!("{name}:{}", key.expose_secret()),
            })
            .collect()
    }

    #[test]
    fn without_a_requirement_basic_then_bearer() {
        let both = auth(true, ClientBuilder::new().bearer_token("tok-1234"));
        assert_eq!(kinds(&both.select("op", None).unwrap()), ["basic"]);
        let bearer = auth(false, ClientBuilder::new().bearer_token("tok-1234"));
        assert_eq!(kinds(&bearer.select("op", None).unwrap()), ["bearer:tok-1234"]);
        let none = auth(false, ClientBuilder::new());
        assert!(none.select("op", None).unwrap().is_empty());
    }

    #[test]
    fn picks_the_first_satisfiable_alternative() {
        static ALTS: &[&[AuthScheme]] = &[&[AuthScheme::Bearer], &[KEY_HEADER, KEY_QUERY]];
        let keys = auth(false, ClientBuilder::new().api_key("any-key").api_key_for("x-api-key", "own-key"));
        assert_eq!(kinds(&keys.select("op", Some(ALTS)).unwrap()), ["X-Api-Key:own-key", "api_key:any-key"]);
        let bearer = auth(false, ClientBuilder::new().bearer_token("tok-1234").api_key("any-key"));
        assert_eq!(kinds(&bearer.select("op", Some(ALTS)).unwrap()), ["bearer:tok-1234"]);
    }

    #[test]
    fn query_key_names_match_exactly() {
        static ALTS: &[&[AuthScheme]] = &[&[KEY_QUERY]];
        let keys = auth(false, ClientBuilder::new().api_key_for("API_KEY", "own-key"));
        assert!(keys.select("op", Some(ALTS)).is_err());
    }

    #[test]
    fn optional_and_no_authentication() {
        static OPTIONAL: &[&[AuthScheme]] = &[&[], &[AuthScheme::Bearer]];
        let none = auth(false, ClientBuilder::new());
        assert!(none.select("op", Some(OPTIONAL)).unwrap().is_empty());
        let bearer = auth(true, ClientBuilder::new().bearer_token("tok-1234"));
        assert_eq!(kinds(&bearer.select("op", Some(OPTIONAL)).unwrap()), ["bearer:tok-1234"]);
        assert!(bearer.select("op", Some(&[])).unwrap().is_empty());
    }

    #[test]
    fn unsatisfiable_names_schemes_and_methods() {
        static ALTS: &[&[AuthScheme]] = &[&[AuthScheme::Bearer], &[KEY_QUERY, AuthScheme::Basic]];
        let err = auth(false, ClientBuilder::new()).select("get_pet", Some(ALTS)).err().unwrap();
        assert!(matches!(err, Error::Config { .. }));
        let text = err.to_string();
        for needle in [
            "`get_pet`",
            "ClientBuilder::bearer_token",
            "query parameter `api_key`",
            "ClientBuilder::api_key_for(\"api_key\", ..)",
            "together with HTTP basic credentials (ClientBuilder::credentials)",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
    }

    #[test]
    fn validation_and_debug() {
        let secrets = |b: ClientBuilder| b.secrets;
        assert!(Auth::new(None, Secrets::default(), true).is_err());
        assert!(Auth::new(None, Secrets::default(), false).is_ok());
        assert!(Auth::new(None, secrets(ClientBuilder::new().bearer_token("a\nb")), false).is_err());
        assert!(Auth::new(None, secrets(ClientBuilder::new().bearer_token("")), false).is_err());
        assert!(Auth::new(None, secrets(ClientBuilder::new().api_key("")), false).is_err());
        assert!(Auth::new(None, secrets(ClientBuilder::new().api_key_for("", "k")), false).is_err());
        let all = ClientBuilder::new()
            .bearer_token("tok-secret-1")
            .api_key("key-secret-2")
            .api_key_for("X-Key", "key-secret-3");
        let auth = Auth::new(Some(Credentials::new("n", "basic-secret-0")), all.secrets, true).unwrap();
        let text = format!("{auth:?} {auth:#?}");
        assert!(text.contains("X-Key") && text.contains("[REDACTED]"), "{text}");
        assert!(!text.contains("secret-"), "{text}");
        assert_eq!(auth.secret_values().count(), 4);
    }
}
