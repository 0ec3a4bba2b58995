//! The API's filter grammar (`../shared/conversocial-api.md` §2.6 to §2.9) as the typed
//! query types produce it: the docs' own paging example, repeated-key OR filters,
//! comma-joined `fields`, `include`, `_isnull` flags, sort keys, ranges from Rust ranges,
//! percent-encoded timestamps; checks made before anything is sent; and enums that
//! survive values the client does not know.

use std::ops::Bound;

use conversocial::models::*;
use conversocial::queries::*;
use conversocial::{Client, Date, Error, RateLimit, RetryPolicy, SortKey, Timestamp};
use futures::StreamExt;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The query string of the docs' paging example (a `next_page` link of conversations).
const DOCS_PAGING_EXAMPLE: &str = "sort=-oldest_sort_date&is_priority=false&oldest_sort_date_lte=2017-02-20T11%3A58%3A34&page_size=20&skip=1";

fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

fn date(text: &str) -> Date {
    text.parse().expect("a valid date")
}

fn client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials("token-name", "token-secret")
        .rate_limit(RateLimit::disabled())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("the client builds")
}

async fn serving(body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_json(body)).mount(&server).await;
    server
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("wiremock records requests")
}

/// Matches a request whose raw query string is exactly this text.
struct RawQuery(&'static str);

impl wiremock::Match for RawQuery {
    fn matches(&self, request: &Request) -> bool {
        request.url.query() == Some(self.0)
    }
}

fn empty_conversations() -> Value {
    json!({"conversations": [], "paging": {"next_page": null, "prev_page": null}})
}

/// The docs' paging example, filled in with the typed API.
fn docs_paging_query() -> ListConversationsQuery {
    ListConversationsQuery {
        sort: vec![SortKey::desc(ConversationSortField::OldestSortDate)],
        is_priority: Some(false),
        oldest_sort_date_lte: Some(ts("2017-02-20T11:58:34")),
        page_size: Some(20),
        skip: Some(1),
        ..Default::default()
    }
}

// ------------------------------------------------------------------ the docs' paging example

/// `to_query()` emits parameters in spec order, and the spec lists `sort` first as the docs'
/// example does, so the typed query produces the docs' string byte for byte.
#[test]
fn docs_paging_example_from_the_typed_query() {
    let query = docs_paging_query();
    let same_via_setters = ListConversationsQuery::new()
        .sort([SortKey::desc(ConversationSortField::OldestSortDate)])
        .is_priority(false)
        .oldest_sort_date_lte(ts("2017-02-20T11:58:34"))
        .page_size(20)
        .skip(1);
    assert_eq!(query, same_via_setters);
    assert_eq!(query.validate().map_err(|e| e.to_string()), Ok(()));

    assert_eq!(query.to_query().to_string(), DOCS_PAGING_EXAMPLE);
}

/// On the wire: `list_conversations` sends the docs' query string exactly.
#[tokio::test]
async fn docs_paging_example_is_sent_exactly() {
    let server = MockServer::start().await;
    Mock::given(RawQuery(DOCS_PAGING_EXAMPLE))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_conversations()))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());

    client.list_conversations(&docs_paging_query()).await.unwrap();
    let received = requests(&server).await;
    let sent: Vec<Option<&str>> = received.iter().map(|r| r.url.query()).collect();
    assert_eq!(sent, [Some(DOCS_PAGING_EXAMPLE)]);
    assert!(received.iter().all(|r| r.url.path() == "/conversations"));
}

// --------------------------------------------------------------------------------- filters

#[test]
fn repeated_key_or_filters() {
    let conversations =
        ListConversationsQuery::new().status([ConversationStatus::Unread, ConversationStatus::Archived]);
    assert_eq!(conversations.to_query().to_string(), "status=unread&status=archived");

    let channels = ListChannelsQuery::new().id(["6", "14", "9"].map(ChannelId::from));
    assert_eq!(channels.to_query().to_string(), "id=6&id=14&id=9");

    let accounts =
        ListAccountsQuery { id: ["6", "14", "9"].map(AccountId::from).to_vec(), ..Default::default() };
    assert_eq!(accounts.to_query().to_string(), "id=6&id=14&id=9");
}

#[tokio::test]
async fn repeated_key_filters_on_the_wire() {
    let server = serving(json!({"channels": [], "paging": {}})).await;
    let query = ListChannelsQuery::new().id(["6", "14", "9"].map(ChannelId::from));

    client(&server.uri()).list_channels_with(&query).await.unwrap();

    let received = requests(&server).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].url.query(), Some("id=6&id=14&id=9"));
}

#[test]
fn fields_are_comma_joined_in_the_given_order() {
    let users = ListUsersQuery::new().fields([UserField::Url, UserField::FirstName, UserField::Id]);
    assert_eq!(users.to_query().to_string(), "fields=url,first_name,id");
    let user = GetUserQuery { fields: vec![UserField::Url, UserField::FirstName, UserField::Id] };
    assert_eq!(user.to_query().to_string(), "fields=url,first_name,id");
    assert_eq!(GetUserQuery::new().to_query().to_string(), "", "no fields, no parameter");
}

#[test]
fn include_is_sent_as_repeated_keys() {
    let one = GetConversationQuery::new().include([ConversationInclude::Content, ConversationInclude::Notes]);
    assert_eq!(one.to_query().to_string(), "include=content&include=notes");
    let list = ListConversationsQuery::new().is_priority(true).include([
        ConversationInclude::Content,
        ConversationInclude::Notes,
        ConversationInclude::Actions,
    ]);
    assert_eq!(list.to_query().to_string(), "is_priority=true&include=content&include=notes&include=actions");
}

#[test]
fn isnull_flags_are_sent_as_1_and_0() {
    let users = ListUsersQuery::new().first_name_isnull(true).last_login_isnull(false);
    assert_eq!(users.to_query().to_string(), "first_name_isnull=1&last_login_isnull=0");
    let reports = ListReportsQuery { generated_date_isnull: Some(true), ..Default::default() };
    assert_eq!(reports.to_query().to_string(), "generated_date_isnull=1");
    let reports = ListReportsQuery::new().generated_date_isnull(false);
    assert_eq!(reports.to_query().to_string(), "generated_date_isnull=0");
}

#[test]
fn sort_keys_render_with_a_minus_for_descending() {
    let reports = ListReportsQuery::new()
        .sort([SortKey::desc(ReportSortField::DateFrom), SortKey::asc(ReportSortField::DateTo)]);
    assert_eq!(reports.to_query().to_string(), "sort=-date_from,date_to");
    let users = ListUsersQuery::new().sort([SortKey::asc(UserSortField::DateJoined)]);
    assert_eq!(users.to_query().to_string(), "sort=date_joined");
    let conversations =
        ListConversationsQuery::new().sort([SortKey::desc(ConversationSortField::OldestSortDate)]);
    assert_eq!(conversations.to_query().to_string(), "sort=-oldest_sort_date");
}

// ---------------------------------------------------------------------------------- ranges

#[test]
fn timestamp_ranges_from_rust_ranges() {
    let (a, b) = (ts("2014-10-01T00:00:00"), ts("2014-10-15T12:30:00"));
    let half_open = ListConversationsQuery::new().oldest_sort_date_in(a..b);
    assert_eq!(
        half_open.to_query().to_string(),
        "oldest_sort_date_gte=2014-10-01T00%3A00%3A00&oldest_sort_date_lt=2014-10-15T12%3A30%3A00"
    );
    let closed = ListConversationsQuery::new().oldest_sort_date_in(a..=b);
    assert_eq!(
        closed.to_query().to_string(),
        "oldest_sort_date_gte=2014-10-01T00%3A00%3A00&oldest_sort_date_lte=2014-10-15T12%3A30%3A00"
    );
    let up_to = ListConversationsQuery::new().oldest_sort_date_in(..=b);
    assert_eq!(up_to.to_query().to_string(), "oldest_sort_date_lte=2014-10-15T12%3A30%3A00");
    let from = ListConversationsQuery::new().oldest_sort_date_in(a..);
    assert_eq!(from.to_query().to_string(), "oldest_sort_date_gte=2014-10-01T00%3A00%3A00");
    let after = ListConversationsQuery::new().oldest_sort_date_in((Bound::Excluded(a), Bound::Unbounded));
    assert_eq!(after.to_query().to_string(), "oldest_sort_date_gt=2014-10-01T00%3A00%3A00");
    let everything = ListConversationsQuery::new().oldest_sort_date_in(..);
    assert_eq!(everything.to_query().to_string(), "");
}

#[test]
fn a_range_replaces_bounds_set_before() {
    let query = ListConversationsQuery::new()
        .oldest_sort_date_gt(ts("2001-01-01T00:00:00"))
        .oldest_sort_date_lt(ts("2002-01-01T00:00:00"))
        .oldest_sort_date_in(..=ts("2017-02-20T11:58:34"));
    assert_eq!(query.oldest_sort_date_gt, None);
    assert_eq!(query.oldest_sort_date_lt, None);
    assert_eq!(query.to_query().to_string(), "oldest_sort_date_lte=2017-02-20T11%3A58%3A34");
}

#[test]
fn date_ranges_from_rust_ranges() {
    let reports = ListReportsQuery::new()
        .date_from_in(date("2013-01-01")..date("2014-01-01"))
        .date_to_in(date("2013-01-31")..=date("2014-01-31"));
    assert_eq!(
        reports.to_query().to_string(),
        "date_from_gte=2013-01-01&date_from_lt=2014-01-01&date_to_gte=2013-01-31&date_to_lte=2014-01-31"
    );
    let users =
        ListUsersQuery::new().date_joined_in(..=date("2015-01-01")).last_login_in(date("2017-01-01")..);
    assert_eq!(users.to_query().to_string(), "date_joined_lte=2015-01-01&last_login_gte=2017-01-01");
    let accounts = ListAccountsQuery::new().created_date_in(date("2013-01-01")..date("2014-01-01"));
    assert_eq!(accounts.to_query().to_string(), "created_date_gte=2013-01-01&created_date_lt=2014-01-01");
}

/// `:` is percent-encoded in query values; offsets are converted to UTC, and sub-second
/// parts are dropped (the API's timestamps are whole seconds).
#[test]
fn timestamps_are_percent_encoded() {
    let query = ListConversationsQuery::new()
        .oldest_sort_date_gt(ts("2017-02-20T11:58:34"))
        .oldest_sort_date_lt(ts("2017-02-20T12:58:34+01:00"))
        .oldest_sort_date_lte(ts("2017-02-20T11:58:34.250"));
    assert_eq!(
        query.to_query().to_string(),
        "oldest_sort_date_gt=2017-02-20T11%3A58%3A34&oldest_sort_date_lt=2017-02-20T11%3A58%3A34\
         &oldest_sort_date_lte=2017-02-20T11%3A58%3A34"
    );
}

// ----------------------------------------------------------------- validation before sending

fn assert_invalid_request(error: &Error, words: &[&str]) {
    let Error::InvalidRequest { message, .. } = error else {
        panic!("expected InvalidRequest, got {error:?}")
    };
    for word in words {
        assert!(message.contains(word), "{message:?} should mention {word:?}");
    }
    assert_eq!(error.status(), None, "nothing was sent, so there is no status");
}

#[tokio::test]
async fn page_size_above_50_is_refused_before_sending() {
    let server = serving(empty_conversations()).await;
    let query =
        ListConversationsQuery { is_priority: Some(false), page_size: Some(51), ..Default::default() };

    let error = query.validate().unwrap_err();
    assert_invalid_request(&error, &["page_size", "50", "51"]);
    let error = client(&server.uri()).list_conversations(&query).await.unwrap_err();
    assert_invalid_request(&error, &["page_size", "50"]);
    let mut pages = client(&server.uri()).list_conversations_pages(&query).pages();
    assert_invalid_request(&pages.next().await.expect("one item").unwrap_err(), &["page_size", "50"]);
    assert!(pages.next().await.is_none());

    assert_eq!(requests(&server).await.len(), 0, "no request reached the server");
    let at_cap = ListConversationsQuery { page_size: Some(50), ..query };
    assert_eq!(at_cap.validate().map_err(|e| e.to_string()), Ok(()));
}

#[tokio::test]
async fn a_conversations_query_needs_is_priority_or_status() {
    let server = serving(empty_conversations()).await;
    let query = ListConversationsQuery { page_size: Some(20), ..Default::default() };

    let error = query.validate().unwrap_err();
    assert_invalid_request(&error, &["is_priority", "status"]);
    let error = client(&server.uri()).list_conversations(&query).await.unwrap_err();
    assert_invalid_request(&error, &["is_priority", "status"]);
    let first = client(&server.uri()).list_conversations_pages(&query).items().next().await;
    assert_invalid_request(&first.expect("one item").unwrap_err(), &["is_priority", "status"]);
    assert_eq!(requests(&server).await.len(), 0, "no request reached the server");

    let with_status = ListConversationsQuery { status: vec![ConversationStatus::Unread], ..query.clone() };
    assert!(with_status.validate().is_ok());
    let with_priority = ListConversationsQuery { is_priority: Some(true), ..query };
    assert!(with_priority.validate().is_ok());
}

/// Two sort keys switch off the API's paging links, so the paginator refuses them.
#[tokio::test]
async fn conversation_pages_with_two_sort_keys_fail_before_any_request() {
    let server = serving(empty_conversations()).await;
    let query = ListConversationsQuery::new().is_priority(false).sort([
        SortKey::desc(ConversationSortField::OldestSortDate),
        SortKey::asc(ConversationSortField::from("id")),
    ]);
    assert_eq!(query.to_query().to_string(), "sort=-oldest_sort_date,id&is_priority=false");

    let mut items = client(&server.uri()).list_conversations_pages(&query).items();
    let first = items.next().await.expect("the stream yields the error");
    assert_invalid_request(&first.unwrap_err(), &["sort", "one field"]);
    assert!(items.next().await.is_none(), "the stream ends after the error");
    assert_eq!(requests(&server).await.len(), 0, "no request reached the server");
}

// ------------------------------------------------------------------ unknown values and fields

#[test]
fn unknown_enum_values_decode_into_unknown_and_round_trip() {
    let status: ConversationStatus = serde_json::from_value(json!("snoozed")).unwrap();
    assert_eq!(status, ConversationStatus::Unknown("snoozed".to_owned()));
    assert_eq!(serde_json::to_value(&status).unwrap(), json!("snoozed"));
    assert_eq!(status.as_str(), "snoozed");
    let known: ConversationStatus = serde_json::from_value(json!("archived")).unwrap();
    assert_eq!(known, ConversationStatus::Archived);

    let date_type: ReportDateType = serde_json::from_value(json!("generated_date")).unwrap();
    assert_eq!(date_type, ReportDateType::Unknown("generated_date".to_owned()));
    assert_eq!(serde_json::to_string(&date_type).unwrap(), r#""generated_date""#);

    // An unknown value can be sent back as a filter, unchanged.
    let query = ListConversationsQuery::new().status([status, ConversationStatus::from("needs review")]);
    assert_eq!(query.to_query().to_string(), "status=snoozed&status=needs%20review");
}

#[test]
fn unknown_fields_are_ignored_and_unknown_values_survive_a_full_response() {
    let body = json!({
        "conversations": [{
            "id": "5399e4ff0e4b3d76a56e5533",
            "url": "https://api.conversocial.com/v1.3/conversations/5399e4ff0e4b3d76a56e5533",
            "status": "escalated",
            "oldest_sort_date": "2017-02-20T11:58:34",
            "sla_breached": true,
            "brand_new_object": {"nested": [1, 2, 3]},
        }],
        "paging": {"next_page": null, "prev_page": null, "total_count": 1},
        "meta": {"request_id": "abc"},
    });
    let list: ConversationList = serde_json::from_value(body).unwrap();
    let conversation = &list.conversations[0];
    assert_eq!(conversation.id, ConversationId::from("5399e4ff0e4b3d76a56e5533"));
    assert_eq!(conversation.status, Some(ConversationStatus::Unknown("escalated".to_owned())));
    assert_eq!(conversation.oldest_sort_date, Some(ts("2017-02-20T11:58:34")));

    let again: ConversationList = serde_json::from_value(serde_json::to_value(&list).unwrap()).unwrap();
    assert_eq!(again, list, "re-encoding keeps the unknown status");
    assert_eq!(serde_json::to_value(&list).unwrap()["conversations"][0]["status"], json!("escalated"));
}

#[tokio::test]
async fn unknown_values_and_fields_through_the_client() {
    let server = serving(json!({
        "report": {
            "id": "3571",
            "url": "https://api.conversocial.com/v1.3/reports/3571",
            "date_type": "closed_date",
            "date_from": "2013-01-01",
            "priority": "high",
        },
        "warnings": [],
    }))
    .await;

    let envelope = client(&server.uri()).get_report(&ReportId::from("3571")).await.unwrap();

    assert_eq!(envelope.date_type, Some(ReportDateType::Unknown("closed_date".to_owned())));
    assert_eq!(envelope.date_from, Some(date("2013-01-01")));
}
