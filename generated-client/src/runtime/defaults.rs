//! The constants that tie this runtime to one API: base URL, environment variable names,
//! user agent and documented quota. Everything else in `runtime/` is API-neutral.

/// The base URL used when none is configured: version 1.3 of the Conversocial API.
pub const BASE_URL: &str = "https://api.conversocial.com/v1.3";

/// Environment variable holding the API token name (the HTTP basic user name).
pub const ENV_TOKEN_NAME: &str = "CONVERSOCIAL_TOKEN_NAME";

/// Environment variable holding the API token secret (the HTTP basic password).
pub const ENV_TOKEN_SECRET: &str = "CONVERSOCIAL_TOKEN_SECRET";

/// Optional environment variable overriding [`BASE_URL`].
pub const ENV_BASE_URL: &str = "CONVERSOCIAL_BASE_URL";

/// Optional environment variable naming a Redis server through which every process using
/// the token shares one rate limit (with the `redis` feature; see `RedisLimit`).
pub const ENV_REDIS_URL: &str = "CONVERSOCIAL_REDIS_URL";

/// The `User-Agent` sent when none is configured: `conversocial-rust/<crate version>`.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "-rust/", env!("CARGO_PKG_VERSION"));

/// The API's documented quota: at most this many requests per token per minute, the
/// default [`RateLimit`](super::RateLimit). `None`: the API documents no quota, and the
/// default rate limit is [`RateLimit::disabled`](super::RateLimit::disabled).
pub const REQUESTS_PER_MINUTE: Option<u32> = Some(30);

/// Whether [`ClientBuilder::build`](super::ClientBuilder::build) refuses a client without
/// any credential. `false` for APIs whose operations can be called anonymously.
pub const REQUIRE_CREDENTIALS: bool = true;
