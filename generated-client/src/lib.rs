//! A typed client for the Conversocial Agent Workspace Customer API v1.3.
//!
//! Everything under [`models`] and [`queries`] and every API method on [`Client`] is
//! generated from `spec/conversocial-v1.3.yaml` by `cargo xtask codegen`; the [`runtime`]
//! (credentials, rate limiting, retries, pagination, errors, time) is written by hand.
//!
//! # Quick start
//!
//! ```no_run
//! use conversocial::models::{AccountId, ConversationInclude, ConversationStatus};
//! use conversocial::queries::{GetAccountQuery, ListConversationsQuery};
//! use conversocial::{Client, Error};
//! use futures::TryStreamExt;
//!
//! # async fn run() -> Result<(), Error> {
//! // Reads CONVERSOCIAL_TOKEN_NAME, CONVERSOCIAL_TOKEN_SECRET (and CONVERSOCIAL_BASE_URL).
//! let client = Client::from_env()?;
//!
//! let account = client.get_account(&AccountId::from("14054"), &GetAccountQuery::default()).await?;
//! println!("{:?}", account.account.name);
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
#![deny(missing_docs)]

#[rustfmt::skip] // prettyplease formats it; `cargo xtask codegen --check` guards it
mod generated;
pub mod runtime;

pub use generated::{models, queries};
pub use runtime::{Client, ClientBuilder, Error};
