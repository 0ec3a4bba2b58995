//! A typed client for the Conversocial Agent Workspace Customer API v1.3.
//!
//! Everything under [`models`] and [`queries`] and every API method on [`Client`] is
//! generated from `spec/conversocial-v1.3.yaml` by `cargo xtask codegen`; the runtime
//! (credentials, rate limiting, retries, pagination, errors, time) is written by hand, and
//! its user-facing types are here at the root: [`ClientBuilder`], [`Error`], [`Cursor`],
//! [`Timestamp`], [`RateLimit`], [`RetryPolicy`], [`Paginator`], [`PageOf`], [`Drift`], ...
//! The foreign crates whose types appear in signatures are re-exported too: [`reqwest`],
//! [`chrono`], [`url`], [`serde_json`], [`bytes`], [`secrecy`].
//!
//! # Quick start
//!
//! ```no_run
//! use std::time::Duration;
//! use conversocial::models::{AccountField, AccountId, ConversationInclude, ConversationStatus};
//! use conversocial::queries::{GetAccountQuery, ListConversationsQuery};
//! use conversocial::{Client, Error};
//! use futures::TryStreamExt;
//!
//! # async fn run() -> Result<(), Error> {
//! // Reads CONVERSOCIAL_TOKEN_NAME, CONVERSOCIAL_TOKEN_SECRET (and CONVERSOCIAL_BASE_URL).
//! let client = Client::from_env()?;
//!
//! // A call returns the object; `_with` takes the optional query parameters, and options
//! // for this call only (a deadline, an attempt timeout, a retry policy) go before `.await`.
//! let id = AccountId::from("14054");
//! let account = client.get_account(&id).await?;
//! println!("{:?}", account.name);
//! let query = GetAccountQuery::new().fields([AccountField::Name]);
//! let named = client.get_account_with(&id, &query).within(Duration::from_secs(5)).await?;
//! println!("{:?}", named.name);
//!
//! // Every unread conversation, page after page, within the rate limit.
//! let query = ListConversationsQuery {
//!     status: vec![ConversationStatus::Unread],
//!     include: vec![ConversationInclude::Content],
//!     page_size: Some(50),
//!     ..Default::default()
//! };
//! let mut conversations = client.list_conversations_pages(&query).items();
//! while let Some(conversation) = conversations.try_next().await? {
//!     println!("{} {:?}", conversation.id, conversation.status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every call is a [`runtime::Call`]: nothing is sent until it is awaited. Errors name the
//! call ([`Error::context`]) and say whether a later retry may help
//! ([`Error::is_retryable`], [`Error::retry_after`]).
//!
//! ## Typed field names
//!
//! Sort keys and `fields=` projections take generated enums of the names the API
//! description lists, so a misspelt name is a compile error rather than a parameter the
//! server silently ignores. Correctly spelt:
//!
//! ```
//! use conversocial::models::{ConversationSortField, UserField};
//! use conversocial::queries::{ListConversationsQuery, ListUsersQuery};
//! use conversocial::SortKey;
//!
//! let conversations = ListConversationsQuery::new()
//!     .is_priority(false)
//!     .sort([SortKey::desc(ConversationSortField::OldestSortDate)]);
//! assert_eq!(conversations.to_query().to_string(), "sort=-oldest_sort_date&is_priority=false");
//!
//! let users = ListUsersQuery::new().fields([UserField::Url, UserField::FirstName, UserField::Id]);
//! assert_eq!(users.to_query().to_string(), "fields=url,first_name,id");
//! ```
//!
//! A misspelt sort field does not compile (`OldestSortDat` is no variant of
//! `ConversationSortField`):
//!
//! ```compile_fail,E0599
//! use conversocial::models::{ConversationSortField, UserField};
//! use conversocial::queries::{ListConversationsQuery, ListUsersQuery};
//! use conversocial::SortKey;
//!
//! let conversations = ListConversationsQuery::new()
//!     .is_priority(false)
//!     .sort([SortKey::desc(ConversationSortField::OldestSortDat)]);
//! # let users = ListUsersQuery::new().fields([UserField::Url, UserField::FirstName, UserField::Id]);
//! ```
//!
//! Nor does a misspelt projection field (`FirstNam` is no variant of `UserField`):
//!
//! ```compile_fail,E0599
//! use conversocial::models::{ConversationSortField, UserField};
//! use conversocial::queries::{ListConversationsQuery, ListUsersQuery};
//! use conversocial::SortKey;
//!
//! # let conversations = ListConversationsQuery::new()
//! #     .is_priority(false)
//! #     .sort([SortKey::desc(ConversationSortField::OldestSortDate)]);
//! let users = ListUsersQuery::new().fields([UserField::Url, UserField::FirstNam, UserField::Id]);
//! ```
//!
//! Names the client does not know yet can still be sent on purpose, spelt out as
//! `ConversationSortField::from("id")` (the `Unknown` variant).
#![deny(missing_docs)]

#[rustfmt::skip] // prettyplease formats it; `cargo xtask codegen --check` guards it
mod generated;
// The contract between generated code and the runtime (`crate::runtime::Request`, ...):
// public for generated code, hidden from the docs. Users name the root re-exports below.
#[doc(hidden)]
pub mod runtime;
// Hand-written helpers specific to this API, beside the generated operations.
mod reports;

pub use generated::{models, queries};
pub use runtime::surface::*;

/// The README's examples, compiled by `cargo test` (doctests).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
