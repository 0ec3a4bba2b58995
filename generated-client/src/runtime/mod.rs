//! The hand-written runtime that generated operations call into: configuration,
//! credentials, rate limiting, retries, pagination, errors, time and query encoding.
//!
//! Generated code uses only the items re-exported here (see `docs/ARCHITECTURE.md`).
//! The runtime never names generated types; it reaches them through the [`Page`] and
//! [`QueryValue`] traits and through generics such as [`Client::execute`].
//!
//! The crate root declares this module `#[doc(hidden)]`: its paths are the contract with
//! generated code (`crate::runtime::Request`, `crate::runtime::Query`, ...), not the
//! user's API. What users name is in [`surface`], which the root re-exports whole
//! (`pub use runtime::surface::*;`), so the documentation shows those items at the root
//! and nothing of the contract.
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
//! | `nullable` | [`Nullable`]: a field that may be absent and may be `null` |
//! | `object` | `Object`: the serde of generated structs, written out instead of derived |
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
//! | `waiter` | [`Waiter`], [`Progress`], [`WaitError`]: polling until a final state, with a deadline |
//! | `testing` | [`ClientBuilder::for_tests`]: the preset for tests against a mock server |

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
mod nullable;
mod object;
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
mod testing;
mod time;
mod waiter;

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
pub use nullable::Nullable;
// Crate-private: generated structs' serde, not part of the API. A crate whose structs need
// only some of these helpers leaves the others unused.
#[allow(unused_imports)]
pub(crate) use object::{FieldIndex, Object, deserialize_object, missing_field, put, put_some, skip_value};
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
pub use waiter::{Progress, WaitError, Waiter};

/// Everything a user of the crate names, re-exported at the crate root: the client and its
/// configuration, errors, pagination, cursors, drift, time and query value types, and the
/// foreign crates whose types appear in public signatures. The rest of this module is the
/// contract with generated code.
pub mod surface {
    #[cfg(feature = "redis")]
    pub use super::RedisLimit;
    pub use super::{
        ApiErrorBody, ApiKeyLocation, AuthScheme, BoxError, Call, CallContext, CallOptions, Client,
        ClientBuilder, Credentials, Cursor, DEFAULT_MAX_EMPTY_PAGES, Date, DateTime, Drift, DriftAction,
        DriftSummary, Error, GcraLimiter, Items, Multipart, Nullable, ObjectStyle, Page, PageOf, Pages,
        Paginator, ParseTimeError, Progress, REQUEST_ID_HEADERS, RateLimit, RateLimiter, RequestHook,
        ResponseHook, RetryPolicy, SortKey, Timestamp, WaitError, Waiter, decode_json, decode_json_tolerant,
        defaults,
    };
    pub use {bytes, chrono, reqwest, secrecy, serde_json, url};
}
