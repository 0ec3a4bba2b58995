//! Drift-tolerant decoding and pagination progress, against a loopback server that sends
//! what the real API might: a field of another type than the spec says, an item missing a
//! required field, a side-loaded array of the wrong shape, a next link that does not
//! decode or is relative, endless empty pages, a page whose items shifted.

mod runtime_support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use conversocial::models::{Conversation, ConversationInclude, ConversationList, ConversationStatus};
use conversocial::queries::ListConversationsQuery;
use conversocial::{Cursor, DriftAction, Error};
use futures::TryStreamExt;
use runtime_support::builder;
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request as WireRequest, Respond, ResponseTemplate};

type Edit = Box<dyn Fn(u64, &mut Value) + Send + Sync>;

/// Serves `total` conversations (ids `c0`, `c1`, ...) on `/conversations?offset=N`,
/// `page_size` a page, each with two side-loaded content items; `edit` may change each
/// page's JSON before it is sent (given the page's offset).
struct Conversations {
    base: String,
    total: u64,
    page_size: u64,
    edit: Edit,
    /// Ids whose conversations are left out from now on (deleted on the server).
    deleted: Mutex<HashSet<u64>>,
}

impl Conversations {
    fn page(&self, offset: u64) -> Value {
        let deleted = self.deleted.lock().unwrap();
        let live: Vec<u64> = (0..self.total).filter(|id| !deleted.contains(id)).collect();
        let start = usize::try_from(offset).unwrap().min(live.len());
        let end = (start + usize::try_from(self.page_size).unwrap()).min(live.len());
        let ids = &live[start..end];
        let conversations: Vec<Value> = ids
            .iter()
            .map(|id| json!({"id": format!("c{id}"), "url": format!("{}/conversations/c{id}", self.base), "status": "unread"}))
            .collect();
        let content: Vec<Value> = ids
            .iter()
            .flat_map(|id| {
                (0..2).map(move |n| {
                    json!({"id": format!("k{id}-{n}"), "sentiment": {"value": 1, "created_by": {"id": "7", "url": "u"}}})
                })
            })
            .collect();
        let next = (end < live.len()).then(|| format!("{}/conversations?offset={end}", self.base));
        json!({"conversations": conversations, "content": content, "paging": {"next_page": next}})
    }
}

impl Respond for Shared {
    fn respond(&self, request: &WireRequest) -> ResponseTemplate {
        let offset =
            request.url.query_pairs().find(|(k, _)| k == "offset").map_or(0, |(_, v)| v.parse().unwrap());
        let mut page = self.0.page(offset);
        (self.0.edit)(offset, &mut page);
        ResponseTemplate::new(200).set_body_json(page)
    }
}

struct Shared(Arc<Conversations>);

async fn serve(total: u64, page_size: u64, edit: Edit) -> (MockServer, Arc<Conversations>) {
    let server = MockServer::start().await;
    let conversations = Arc::new(Conversations {
        base: server.uri(),
        total,
        page_size,
        edit,
        deleted: Mutex::new(HashSet::new()),
    });
    Mock::given(path("/conversations")).respond_with(Shared(conversations.clone())).mount(&server).await;
    (server, conversations)
}

fn query() -> ListConversationsQuery {
    ListConversationsQuery {
        status: vec![ConversationStatus::Unread],
        include: vec![ConversationInclude::Content],
        ..Default::default()
    }
}

fn ids(conversations: &[Conversation]) -> Vec<String> {
    conversations.iter().map(|c| c.id.to_string()).collect()
}

fn expected_ids(range: std::ops::Range<u64>) -> Vec<String> {
    range.map(|id| format!("c{id}")).collect()
}

/// The drift of the report that started this: `content[].sentiment.created_by` is a name,
/// not the `UserRef` object the spec infers. Every conversation still arrives, the
/// side-loaded content too, and the drift is counted once for the whole export (the
/// warning itself is checked in `runtime_drift_logging.rs`).
#[tokio::test]
async fn a_drifted_optional_field_does_not_fail_the_export() {
    let edit: Edit = Box::new(|_, page| {
        for content in page["content"].as_array_mut().unwrap() {
            content["sentiment"]["created_by"] = json!("Sam Agent");
        }
    });
    let (server, _) = serve(600, 50, edit).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook_seen = Arc::clone(&seen);
    let client = builder(&server.uri())
        .on_drift(move |operation, drift| {
            hook_seen.lock().unwrap().push((operation.to_owned(), drift.clone()))
        })
        .build()
        .unwrap();
    let mut pages = client.list_conversations_pages(&query()).pages();
    let mut conversations = Vec::new();
    let mut content = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        assert_eq!(page.drift().len(), 100, "two content items per conversation");
        let first = &page.drift()[0];
        assert_eq!(first.path, "content[0].sentiment.created_by");
        assert_eq!(first.action, DriftAction::Ignored);
        assert_eq!(first.raw, json!("Sam Agent"));
        assert_eq!(first.seen, "string");
        assert_eq!(page.set_aside().count(), 0);
        let list: &ConversationList = page.page();
        let side = list.content.as_ref().unwrap();
        content += side.len();
        assert!(side.iter().all(|c| c.sentiment.clone().into_value().unwrap().created_by.is_absent()));
        assert!(side.iter().all(|c| c.sentiment.clone().into_value().unwrap().value == Some(1)));
        conversations.extend(page.into_items());
    }
    assert_eq!(ids(&conversations), expected_ids(0..600));
    assert_eq!(content, 1200);
    let summary = client.drift_summary();
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert_eq!(summary[0].operation, "listConversations");
    assert_eq!(summary[0].pattern, "content[].sentiment.created_by");
    assert_eq!(summary[0].seen, "string");
    assert_eq!(summary[0].count, 1200);
    assert_eq!(seen.lock().unwrap().len(), 1200);
}

#[tokio::test]
async fn strict_decoding_makes_drift_an_error() {
    let edit: Edit = Box::new(|_, page| page["content"][0]["sentiment"]["created_by"] = json!("Sam"));
    let (server, _) = serve(10, 5, edit).await;
    let client = builder(&server.uri()).strict_decoding(true).build().unwrap();
    let err = client.list_conversations_pages(&query()).items().try_collect::<Vec<_>>().await.unwrap_err();
    let Error::Decode { path, .. } = &err else { panic!("{err:?}") };
    assert_eq!(path, "content[0].sentiment.created_by");
}

/// One conversation per page lacks its required `url`, another has a numeric id: both are
/// set aside whole, in their place; the others decode and nothing is lost.
#[tokio::test]
async fn an_item_with_a_drifted_required_field_is_set_aside_not_lost() {
    let edit: Edit = Box::new(|_, page| {
        let conversations = page["conversations"].as_array_mut().unwrap();
        if let Some(c) = conversations.get_mut(3) {
            c.as_object_mut().unwrap().remove("url");
        }
        if let Some(c) = conversations.get_mut(7) {
            c["id"] = json!(12345);
        }
    });
    let (server, _) = serve(1000, 50, edit).await;
    let client = builder(&server.uri()).build().unwrap();
    let mut items = client.list_conversations_pages(&query()).items();
    let mut delivered = Vec::new();
    let mut set_aside = Vec::new();
    while let Some(conversation) = items.try_next().await.unwrap() {
        delivered.push(conversation.id.to_string());
        set_aside.extend(items.take_set_aside());
    }
    set_aside.extend(items.take_set_aside());
    assert_eq!(delivered.len(), 960);
    assert_eq!(set_aside.len(), 40);
    assert!(set_aside.iter().all(|d| d.action == DriftAction::SetAside));
    assert_eq!(set_aside[0].path, "conversations[3]");
    assert_eq!(set_aside[0].field, "conversations[3].url");
    assert_eq!(set_aside[0].reason, "missing field `url`");
    assert_eq!(set_aside[1].path, "conversations[7]");
    assert_eq!(set_aside[1].field, "conversations[7].id");
    assert_eq!(set_aside[1].raw["id"], json!(12345));
    // every conversation is there, decoded or kept raw, exactly once
    let mut all: Vec<String> = delivered;
    for drift in &set_aside {
        all.push(match &drift.raw["id"] {
            Value::String(id) => id.clone(),
            _ => "numeric".to_owned(),
        });
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len() - 19, "only the 20 numeric ids coincide");
    assert_eq!(all.len(), 1000);
}

#[tokio::test]
async fn a_side_loaded_array_of_the_wrong_shape_is_ignored() {
    let edit: Edit = Box::new(|_, page| page["content"] = json!({"k0-0": {"id": "k0-0"}}));
    let (server, _) = serve(20, 10, edit).await;
    let client = builder(&server.uri()).build().unwrap();
    let mut pages = client.list_conversations_pages(&query()).pages();
    let page = pages.try_next().await.unwrap().unwrap();
    assert!(page.content.is_none());
    assert_eq!(page.drift().len(), 1);
    assert_eq!(page.drift()[0].path, "content");
    assert_eq!(page.drift()[0].seen, "object");
    assert_eq!(page.conversations.len(), 10);
}

/// A next link that does not decode must not look like the end of the list.
#[tokio::test]
async fn a_next_link_that_does_not_decode_is_an_error_not_the_end() {
    let edit: Edit = Box::new(|offset, page| {
        if offset == 10 {
            page["paging"]["next_page"] = json!(20);
        }
    });
    let (server, _) = serve(30, 10, edit).await;
    let client = builder(&server.uri()).build().unwrap();
    let mut pages = client.list_conversations_pages(&query()).pages();
    let first = pages.try_next().await.unwrap().unwrap();
    assert!(first.next_cursor().is_some());
    let second = pages.try_next().await.unwrap().unwrap();
    let here = second.next_cursor().expect("never None: the list has not ended");
    assert_eq!(here.url(), format!("{}/conversations?offset=10", server.uri()));
    assert_eq!(here.skip(), 10);
    assert_eq!(here.after(), Some("c19"));
    let err = pages.try_next().await.unwrap_err();
    assert!(err.to_string().contains("next-page link of page 2 did not decode"), "{err}");
    assert_eq!(pages.cursor(), Some(here.clone()));
    // resuming meets the same error again, delivering nothing twice
    let mut resumed = client.resume::<ConversationList>(here).items();
    let err = resumed.try_next().await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
}

#[tokio::test]
async fn a_relative_next_link_is_resolved_against_its_page() {
    let edit: Edit = Box::new(|_, page| {
        if let Some(next) = page["paging"]["next_page"].as_str() {
            let relative = next.rsplit_once('/').unwrap().1.to_owned();
            page["paging"]["next_page"] = json!(relative);
        }
    });
    let (server, _) = serve(95, 10, edit).await;
    let client = builder(&server.uri()).build().unwrap();
    let all: Vec<Conversation> =
        client.list_conversations_pages(&query()).items().try_collect().await.unwrap();
    assert_eq!(ids(&all), expected_ids(0..95));
}

#[tokio::test]
async fn endless_empty_pages_stop_with_a_reason() {
    let edit: Edit = Box::new(|offset, page| {
        page["conversations"] = json!([]);
        page["content"] = json!([]);
        page["paging"]["next_page"] = json!(format!("/conversations?offset={}", offset + 1));
    });
    let (server, conversations) = serve(1000, 10, edit).await;
    let client = builder(&server.uri()).build().unwrap();
    let mut pages = client.list_conversations_pages(&query()).pages();
    let mut fetched = 0;
    let err = loop {
        match pages.try_next().await {
            Ok(Some(_)) => fetched += 1,
            Ok(None) => panic!("an endless list cannot end"),
            Err(err) => break err,
        }
    };
    assert_eq!(fetched, conversocial::DEFAULT_MAX_EMPTY_PAGES);
    assert!(err.to_string().contains("pages in a row held no item"), "{err}");
    assert!(pages.cursor().is_some(), "the position is kept");
    drop(conversations);
}

/// An export stops mid-page, and two conversations already delivered are deleted on the
/// server before it resumes: counting would skip two undelivered conversations; the id
/// in the cursor finds the exact place.
#[tokio::test]
async fn resuming_after_items_shifted_neither_skips_nor_repeats() {
    let (server, conversations) = serve(100, 20, Box::new(|_, _| {})).await;
    let client = builder(&server.uri()).build().unwrap();
    let mut items = client.list_conversations_pages(&query()).items();
    let mut delivered = Vec::new();
    for _ in 0..27 {
        delivered.push(items.try_next().await.unwrap().unwrap().id.to_string());
    }
    let saved = items.cursor().unwrap().to_string();
    assert!(saved.ends_with("#skip=7&after=c26"), "{saved}");
    drop(items);
    conversations.deleted.lock().unwrap().extend([21, 22]);
    let cursor: Cursor = saved.parse().unwrap();
    let rest: Vec<Conversation> =
        client.resume::<ConversationList>(cursor).items().try_collect().await.unwrap();
    delivered.extend(ids(&rest));
    assert_eq!(delivered, expected_ids(0..100));
}
