//! The hand-written runtime that generated operations call into: configuration,
//! credentials, rate limiting, retries, pagination, errors, time and query encoding.
//!
//! Generated code uses only the items re-exported here (see `docs/ARCHITECTURE.md`).
//! The runtime never names generated types; it reaches them through the [`Page`] and
//! [`QueryValue`] traits and through generics such as [`Client::execute`].
//!
//! Module map:
//!
//! | module | owns |
//! |---|---|
//! | `defaults` | the few constants that tie the runtime to one API (base URL, environment variables) |
//! | `config` | [`ClientBuilder`], [`Credentials`], `from_env` |
//! | `auth` | [`AuthScheme`], [`ApiKeyLocation`], bearer tokens and API keys, choosing credentials per request |
//! | `client` | [`Client`]: resolving URLs, preparing requests |
//! | `call` | [`Call`], [`CallOptions`]: one awaitable operation call with per-call deadline, timeout and retry policy |
//! | `call_context` | [`CallContext`]: which call an error came from ([`Error::context`]); request id headers |
//! | `hooks` | request and response hooks ([`ClientBuilder::on_request`], [`ClientBuilder::on_response`]) |
//! | `send` | the send loop: one span per call, limiter slots, attempts, retries, the call's deadline, bounded reads |
//! | `body` | reading response bodies within their size limits |
//! | `response` | turning a response into a value or an [`Error`] |
//! | `drift` | [`Drift`], [`DriftSummary`]: what did not match the API description, per response and per client |
//! | `repair` | drift-tolerant decoding: the slow path that decodes a body that does not fit |
//! | `request` | [`Request`]: headers, cookies, bodies, accepted media type, security requirement |
//! | `multipart` | [`Multipart`] |
//! | `query` | [`Query`], [`QueryValue`], [`SortKey`], [`ObjectStyle`], [`encode_path_segment`] |
//! | `limiter` | [`RateLimiter`], [`GcraLimiter`] |
//! | `rate_limit` | [`RateLimit`]: the setting, and limiters shared per origin and token |
//! | `redis_limiter` | `RedisLimit` (feature `redis`): the quota kept in Redis, shared across processes |
//! | `retry` | [`RetryPolicy`], backoff, `Retry-After` parsing |
//! | `paginate` | [`Page`], [`Paginator`], [`Pages`] |
//! | `page_of` | [`PageOf`]: a page and its place in the listing; where a resumed page starts |
//! | `items` | [`Items`]: the item stream |
//! | `cursor` | [`Cursor`] |
//! | `error` | [`Error`] |
//! | `error_body` | [`ApiErrorBody`], bounded excerpts of bodies |
//! | `time` | [`Timestamp`], [`DateTime`], [`Date`] |

mod auth;
mod body;
mod call;
mod call_context;
mod client;
mod config;
mod cursor;
pub mod defaults;
mod drift;
mod error;
mod error_body;
mod hooks;
mod items;
mod limiter;
mod multipart;
mod page_of;
mod paginate;
mod query;
mod rate_limit;
#[cfg(feature = "redis")]
mod redis_limiter;
mod repair;
mod request;
mod response;
mod retry;
mod send;
mod strings;
mod time;

pub use auth::{ApiKeyLocation, AuthScheme};
pub use call::{Call, CallOptions, Finish};
pub use call_context::{CallContext, REQUEST_ID_HEADERS};
pub use client::{Client, RawResponse};
pub use config::{ClientBuilder, Credentials};
pub use cursor::Cursor;
pub use drift::{Drift, DriftAction, DriftSummary};
pub use error::{ApiErrorBody, BoxError, Error};
pub use hooks::{RequestHook, ResponseHook};
pub use items::Items;
pub use limiter::{GcraLimiter, RateLimiter};
pub use multipart::Multipart;
pub use page_of::PageOf;
pub use paginate::{DEFAULT_MAX_EMPTY_PAGES, Page, Pages, Paginator};
pub use query::{ObjectStyle, Query, QueryValue, SortKey, encode_path_segment, path_param};
pub use rate_limit::RateLimit;
#[cfg(feature = "redis")]
pub use redis_limiter::RedisLimit;
pub use repair::discriminator_error;
pub use request::Request;
pub use response::{decode_json, decode_json_tolerant};
pub use retry::RetryPolicy;
pub use strings::deserialize_str_as;
pub use time::{Date, DateTime, ParseTimeError, Timestamp};
