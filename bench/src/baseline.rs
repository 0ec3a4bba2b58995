//! The hand-written baseline: the structs a careful developer would write for the same
//! responses with plain serde (same fields, same optionality, `String` ids, status as a
//! `String` so that unknown values still decode, and `chrono::NaiveDateTime` for the
//! zone-less timestamps), decoded with plain `serde_json::from_slice`.
//!
//! Most fields are decoded and never read, like the generated ones in the benchmark.
#![allow(dead_code)]

use std::fmt;

use chrono::NaiveDateTime;
use serde::Deserialize;
use serde::de::{Deserializer, Visitor};
use serde_json::{Map, Value};

/// `2013-11-18T11:20:24` as a `NaiveDateTime`, parsed with chrono's `FromStr` (what
/// chrono's own `serde` feature does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Naive(pub NaiveDateTime);

impl<'de> Deserialize<'de> for Naive {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NaiveVisitor;
        impl Visitor<'_> for NaiveVisitor {
            type Value = Naive;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a zone-less timestamp")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Naive, E> {
                v.parse().map(Naive).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(NaiveVisitor)
    }
}

#[derive(Debug, Deserialize)]
pub struct Ref {
    pub id: String,
    pub name: Option<String>,
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct Paging {
    pub next_page: Option<String>,
    pub prev_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Sentiment {
    pub created_by: Option<Ref>,
    pub value: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Conversation {
    pub assigned_to: Option<Ref>,
    pub author: Option<Ref>,
    pub channels: Option<Vec<Ref>>,
    pub contains_private: Option<bool>,
    pub content_ids: Option<Vec<String>>,
    pub handling_times: Option<Map<String, Value>>,
    pub id: String,
    pub is_priority: Option<bool>,
    pub oldest_sort_date: Option<Naive>,
    pub status: Option<String>,
    pub tags: Option<Vec<Ref>>,
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct Content {
    pub attachments: Option<Vec<Map<String, Value>>>,
    pub author: Option<Ref>,
    pub channels: Option<Vec<Ref>>,
    pub created_date: Option<Naive>,
    pub id: String,
    pub is_by_source: Option<bool>,
    pub is_priority: Option<bool>,
    pub is_private: Option<bool>,
    pub link: Option<String>,
    pub parent: Option<Ref>,
    pub platform: Option<String>,
    pub platform_id: Option<String>,
    pub sentiment: Option<Sentiment>,
    pub tags: Option<Vec<Ref>>,
    pub text: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub url: Option<String>,
    pub user: Option<Ref>,
}

#[derive(Debug, Deserialize)]
pub struct Note {
    pub created_date: Option<Naive>,
    pub details: Option<Map<String, Value>>,
    pub id: String,
    pub text: Option<String>,
    pub url: Option<String>,
    pub user: Option<Ref>,
}

#[derive(Debug, Deserialize)]
pub struct Action {
    pub created_date: Option<Naive>,
    pub details: Option<Map<String, Value>>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub url: Option<String>,
    pub user: Option<Ref>,
}

#[derive(Debug, Deserialize)]
pub struct ConversationList {
    pub actions: Option<Vec<Action>>,
    pub content: Option<Vec<Content>>,
    pub conversations: Vec<Conversation>,
    pub notes: Option<Vec<Note>>,
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub struct Tag {
    pub id: String,
    pub is_active: Option<bool>,
    pub name: Option<String>,
    pub url: String,
}

#[derive(Debug, Deserialize)]
pub struct TagList {
    pub paging: Option<Paging>,
    pub tags: Vec<Tag>,
}
