//! Each distinct drift is logged once per client with `tracing::warn!`, naming the
//! operation, the path pattern, what was expected and the JSON kind seen, never the value.
//!
//! One test in its own binary: `tracing`'s thread-scoped subscribers miss events when
//! other tests of the same binary register the same callsites concurrently.

mod runtime_support;

use conversocial::models::{ConversationList, ConversationStatus};
use conversocial::queries::ListConversationsQuery;
use futures::TryStreamExt;
use runtime_support::{capture_logs, client};
use serde_json::json;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn each_distinct_drift_is_warned_about_once_per_client() {
    let server = MockServer::start().await;
    let page = |next: Option<String>, ids: [&str; 2]| {
        json!({
            "conversations": ids.map(|id| json!({"id": id, "url": "u", "is_priority": "yes"})),
            "content": [{"id": "k", "sentiment": {"created_by": "Sam Agent"}}],
            "paging": {"next_page": next},
        })
    };
    let second = format!("{}/conversations?offset=2", server.uri());
    Mock::given(path("/conversations"))
        .and(query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(None, ["c2", "c3"])))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(Some(second), ["c0", "c1"])))
        .with_priority(2)
        .mount(&server)
        .await;
    let (logs, _guard) = capture_logs();
    let client = client(&server.uri());
    let query = ListConversationsQuery { status: vec![ConversationStatus::Unread], ..Default::default() };
    let pages: Vec<_> = client.list_conversations_pages(&query).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 2);
    let all: Vec<&ConversationList> = pages.iter().map(|p| p.page()).collect();
    assert!(all.iter().all(|p| p.conversations.iter().all(|c| c.is_priority.is_none())));
    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains(" WARN ")).collect();
    assert_eq!(warnings.len(), 2, "two distinct drifts, each once: {text}");
    let sentiment = warnings.iter().find(|l| l.contains("content[].sentiment.created_by")).unwrap();
    assert!(sentiment.contains("operation=\"listConversations\""), "{sentiment}");
    assert!(sentiment.contains("seen=\"string\""), "{sentiment}");
    assert!(sentiment.contains("action=\"ignored\""), "{sentiment}");
    assert!(sentiment.contains("expected="), "{sentiment}");
    assert!(warnings.iter().any(|l| l.contains("conversations[].is_priority")), "{text}");
    assert!(!text.contains("Sam Agent") && !text.contains("\"yes\""), "values are never logged: {text}");
    let summary = client.drift_summary();
    assert_eq!(summary.iter().map(|s| s.count).collect::<Vec<_>>(), [2, 4], "{summary:?}");
}
