//! The generated client against a loopback wiremock server: every one of the 14 operations,
//! each checked for the HTTP method, the exact raw path (percent-encoded ids), the exact
//! raw query string, the `Authorization` header and the typed, decoded result. Then a list
//! followed through two pages, a 404 mapped to `Error::NotFound`, and a `fields=`
//! projection that decodes.
//!
//! Response bodies follow the examples of `spec/conversocial-v1.3.yaml` (string ids,
//! zone-less UTC timestamps).

use conversocial::models::*;
use conversocial::queries::*;
use conversocial::{Client, Date, Error, Nullable, RateLimit, RetryPolicy, SortKey, Timestamp};
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// `Basic ` + base64 of `token-name:token-secret`, computed outside the client
/// (`printf token-name:token-secret | base64`).
const AUTHORIZATION: &str = "Basic dG9rZW4tbmFtZTp0b2tlbi1zZWNyZXQ=";

const API: &str = "https://api.conversocial.com/v1.3";

fn client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials("token-name", "token-secret")
        .rate_limit(RateLimit::disabled())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("the client builds")
}

/// A server answering every request with `status` and the JSON `body`.
async fn serving(status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(status).set_body_json(body)).mount(&server).await;
    server
}

/// Every request `server` received, in order.
async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("wiremock records requests")
}

/// The one request `server` received.
async fn only_request(server: &MockServer) -> Request {
    let mut received = requests(server).await;
    assert_eq!(received.len(), 1, "expected exactly one request, got {received:#?}");
    received.remove(0)
}

/// Method, raw (still percent-encoded) path, the full raw query string (`None`: no `?`
/// at all) and the basic credentials of `request`.
fn assert_request(request: &Request, method: &str, path: &str, query: Option<&str>) {
    assert_eq!(request.method.as_str(), method, "method of {}", request.url);
    assert_eq!(request.url.path(), path, "path of {}", request.url);
    assert_eq!(request.url.query(), query, "query string of {}", request.url);
    let authorization = request.headers.get("authorization").map(|v| v.to_str().expect("ASCII header"));
    assert_eq!(authorization, Some(AUTHORIZATION), "Authorization header of {}", request.url);
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

fn date(text: &str) -> Date {
    text.parse().expect("a valid date")
}

fn account_ref(id: &str) -> Value {
    json!({"id": id, "url": format!("{API}/accounts/{id}")})
}

fn user_ref(id: &str) -> Value {
    json!({"id": id, "url": format!("{API}/users/{id}")})
}

fn channel_ref(id: &str) -> Value {
    json!({"id": id, "url": format!("{API}/channels/{id}")})
}

fn author_ref(id: &str) -> Value {
    json!({"id": id, "url": format!("{API}/authors/{id}")})
}

fn account_json() -> Value {
    json!({
        "id": "14054",
        "url": format!("{API}/accounts/14054"),
        "name": "Acme Support",
        "description": "Acme customer care",
        "package": "Enterprise",
        "created_date": "2013-09-25T00:16:06",
        "channels": [channel_ref("64079"), channel_ref("64080")],
        "reports": format!("{API}/reports?account=14054"),
    })
}

fn channel_json(id: &str, name: &str, kind: &str, created: &str, fans: i64, fb_page_url: Value) -> Value {
    json!({
        "id": id,
        "url": format!("{API}/channels/{id}"),
        "name": name,
        "type": kind,
        "is_active": true,
        "created": created,
        "account": account_ref("14054"),
        "reports": format!("{API}/reports?channel={id}"),
        "small_image": format!("https://images.example.com/channels/{id}.png"),
        "fans": fans,
        "fb_page_url": fb_page_url,
    })
}

fn conversation_json(id: &str, status: &str, oldest_sort_date: &str, content_ids: &[&str]) -> Value {
    json!({
        "id": id,
        "url": format!("{API}/conversations/{id}"),
        "status": status,
        "is_priority": false,
        "contains_private": false,
        "tags": [{"id": "2", "url": format!("{API}/tags/2"), "name": "Complaint"}],
        "author": author_ref("87413302"),
        "channels": [channel_ref("64079")],
        "assigned_to": user_ref("13112"),
        "content_ids": content_ids,
        "handling_times": {},
        "oldest_sort_date": oldest_sort_date,
    })
}

fn content_json(id: &str, text: &str, created_date: &str, parent: Option<&str>) -> Value {
    json!({
        "id": id,
        "url": format!("{API}/content/{id}"),
        "type": "tweet",
        "text": text,
        "created_date": created_date,
        "platform": "twitter",
        "platform_id": "833638426113671168",
        "link": "https://twitter.com/jane_doe/status/833638426113671168",
        "author": author_ref("87413302"),
        "user": null,
        "parent": parent.map(|p| json!({"id": p, "url": format!("{API}/content/{p}")})),
        "channels": [channel_ref("64079")],
        "tags": [],
        "sentiment": {"created_by": null, "value": -1},
        "attachments": [],
        "is_priority": false,
        "is_private": false,
        "is_by_source": parent.is_some(),
    })
}

fn note_json() -> Value {
    json!({
        "id": "7731",
        "url": format!("{API}/notes/7731"),
        "text": "Customer called as well, refund agreed.",
        "created_date": "2017-02-20T12:10:44",
        "user": user_ref("13112"),
        "details": {},
    })
}

fn report_json(id: &str, generated: bool) -> Value {
    let mut report = json!({
        "id": id,
        "url": format!("{API}/reports/{id}"),
        "name": "Acme Support 2013-01-01 to 2013-01-31",
        "account": account_ref("14054"),
        "date_from": "2013-01-01",
        "date_to": "2013-01-31",
        "date_type": "created_date",
        "generated_by": user_ref("13112"),
    });
    if generated {
        report["generation_start_date"] = json!("2013-02-01T09:00:12");
        report["generated_date"] = json!("2013-02-01T09:04:55");
        report["download"] = json!(format!("https://downloads.example.com/reports/{id}.zip"));
    }
    report
}

fn user_json(id: &str) -> Value {
    json!({
        "id": id,
        "url": format!("{API}/users/{id}"),
        "first_name": "Sam",
        "last_name": "Patel",
        "email": "sam.patel@example.com",
        "timezone": "Europe/London",
        "date_joined": "2014-03-05T10:12:40",
        "last_login": "2017-02-20T08:01:17",
        "is_expert": false,
        "crowds_name": null,
        "account": account_ref("14054"),
    })
}

// ---------------------------------------------------------------------------- accounts

#[tokio::test]
async fn list_accounts_sends_filters_ranges_fields_sort_and_decodes_accounts() {
    let server =
        serving(200, json!({"accounts": [account_json()], "paging": {"next_page": null, "prev_page": null}}))
            .await;
    let query = ListAccountsQuery::new()
        .id([AccountId::from("14054"), AccountId::from("14055")])
        .name("Acme Support")
        .created_date_in(date("2013-01-01")..date("2014-01-01"))
        .fields([AccountField::Name, AccountField::CreatedDate, AccountField::Channels])
        .sort([SortKey::desc(AccountSortField::CreatedDate)])
        .page_size(10);

    let list = client(&server.uri()).list_accounts_with(&query).await.unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/accounts",
        Some(
            "id=14054&id=14055&name=Acme%20Support&created_date_gte=2013-01-01&created_date_lt=2014-01-01\
             &fields=name,created_date,channels&sort=-created_date&page_size=10",
        ),
    );
    assert_eq!(list.accounts.len(), 1);
    let account = &list.accounts[0];
    assert_eq!(account.id, AccountId::from("14054"));
    assert_eq!(account.url, format!("{API}/accounts/14054"));
    assert_eq!(account.name.as_deref(), Some("Acme Support"));
    assert_eq!(account.package.as_deref(), Some("Enterprise"));
    assert_eq!(account.created_date, Some(ts("2013-09-25T00:16:06")));
    let channel_ids: Vec<&ChannelId> = account.channels.iter().flatten().map(|c| &c.id).collect();
    assert_eq!(channel_ids, [&ChannelId::from("64079"), &ChannelId::from("64080")]);
    assert_eq!(account.reports.as_deref(), Some(&*format!("{API}/reports?account=14054")));
    let paging = list.paging.expect("paging is present");
    assert_eq!((paging.next_page, paging.prev_page), (Nullable::Null, Nullable::Null)); // present and null
}

#[tokio::test]
async fn get_account_sends_fields_and_decodes_the_envelope() {
    let server = serving(200, json!({"account": account_json()})).await;
    let query = GetAccountQuery::new().fields([AccountField::Name, AccountField::Description]);

    let account = client(&server.uri()).get_account_with(&AccountId::from("14054"), &query).await.unwrap();

    assert_request(&only_request(&server).await, "GET", "/accounts/14054", Some("fields=name,description"));
    assert_eq!(account.id, AccountId::from("14054"));
    assert_eq!(account.description.as_deref(), Some("Acme customer care"));
    assert_eq!(account.created_date.map(Timestamp::naive_utc), Some(ts("2013-09-25T00:16:06").naive_utc()));
    assert_eq!(account.created_date.unwrap().to_string(), "2013-09-25T00:16:06");
}

// ---------------------------------------------------------------------------- channels

#[tokio::test]
async fn list_channels_sends_repeated_ids_and_decodes_channels() {
    let server = serving(
        200,
        json!({
            "channels": [
                channel_json("64079", "@AcmeHelp", "twitter", "2013-09-25T00:20:41", 15230, Value::Null),
                channel_json("64080", "Acme", "facebook", "2013-09-25T00:22:03", 48211,
                             json!("https://www.facebook.com/acme")),
            ],
            "paging": {"next_page": null, "prev_page": null},
        }),
    )
    .await;
    let query = ListChannelsQuery {
        id: vec![ChannelId::from("64079"), ChannelId::from("64080")],
        account: Some(AccountId::from("14054")),
        fields: vec![ChannelField::Name, ChannelField::Type, ChannelField::IsActive, ChannelField::Fans],
        sort: vec![SortKey::asc(ChannelSortField::Id)],
        page_size: Some(2),
    };

    let list = client(&server.uri()).list_channels_with(&query).await.unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/channels",
        Some("id=64079&id=64080&account=14054&fields=name,type,is_active,fans&sort=id&page_size=2"),
    );
    let [twitter, facebook] = &list.channels[..] else { panic!("two channels: {:?}", list.channels) };
    assert_eq!(twitter.id, ChannelId::from("64079"));
    assert_eq!(twitter.name.as_deref(), Some("@AcmeHelp"));
    assert_eq!(twitter.r#type.as_deref(), Some("twitter"));
    assert_eq!(twitter.is_active, Some(true));
    assert_eq!(twitter.created, Some(ts("2013-09-25T00:20:41")));
    assert_eq!(twitter.account.as_ref().map(|a| &a.id), Some(&AccountId::from("14054")));
    assert_eq!(twitter.fans, Some(15230));
    assert_eq!(twitter.fb_page_url, Nullable::Null); // present and null
    assert_eq!(facebook.id, ChannelId::from("64080"));
    assert_eq!(facebook.r#type.as_deref(), Some("facebook"));
    assert_eq!(facebook.fb_page_url.as_deref(), Some("https://www.facebook.com/acme"));
    assert_eq!(facebook.created, Some(ts("2013-09-25T00:22:03")));
}

/// An id with `/` stays one path segment (`%2F`), and an empty query sends no `?`.
#[tokio::test]
async fn get_channel_percent_encodes_a_slash_in_the_id() {
    let id = "twitter/AcmeHelp";
    let server = serving(
        200,
        json!({"channel": channel_json(id, "@AcmeHelp", "twitter", "2013-09-25T00:20:41", 15230, Value::Null)}),
    )
    .await;

    let envelope = client(&server.uri()).get_channel(&ChannelId::from(id)).await.unwrap();

    assert_request(&only_request(&server).await, "GET", "/channels/twitter%2FAcmeHelp", None);
    assert_eq!(envelope.id, ChannelId::from("twitter/AcmeHelp"));
    assert_eq!(
        envelope.small_image.as_deref(),
        Some("https://images.example.com/channels/twitter/AcmeHelp.png")
    );
}

// ----------------------------------------------------------------------- conversations

#[tokio::test]
async fn list_conversations_sends_every_kind_of_parameter_and_decodes_side_loads() {
    let server = serving(
        200,
        json!({
            "conversations": [
                conversation_json("5399e4ff0e4b3d76a56e5533", "archived", "2017-02-20T11:58:34",
                                  &["5399e4ff0e4b3d76a56e5534", "5399e51a0e4b3d76a56e5541"]),
                conversation_json("58aad9e20e4b3d1f6c2a91b7", "unread", "2017-02-20T12:03:10",
                                  &["58aad9e20e4b3d1f6c2a91b8"]),
            ],
            "content": [
                content_json("5399e4ff0e4b3d76a56e5534", "@AcmeHelp my order still has not arrived",
                             "2017-02-20T11:58:34", None),
                content_json("5399e51a0e4b3d76a56e5541", "@jane_doe Sorry to hear that",
                             "2017-02-20T12:05:02", Some("5399e4ff0e4b3d76a56e5534")),
            ],
            "notes": [note_json()],
            "paging": {"next_page": null, "prev_page": null},
        }),
    )
    .await;
    let query = ListConversationsQuery::new()
        .is_priority(false)
        .status([ConversationStatus::Unread, ConversationStatus::Archived])
        .assigned_to(UserId::from("13112"))
        .oldest_sort_date_in(ts("2014-10-01T00:00:00")..=ts("2017-02-20T11:58:34"))
        .include([ConversationInclude::Content, ConversationInclude::Notes])
        .fields([ConversationField::Status, ConversationField::OldestSortDate])
        .sort([SortKey::desc(ConversationSortField::OldestSortDate)])
        .page_size(20)
        .skip(0);

    let list = client(&server.uri()).list_conversations(&query).await.unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/conversations",
        Some(
            "sort=-oldest_sort_date&is_priority=false&status=unread&status=archived&assigned_to=13112\
             &oldest_sort_date_gte=2014-10-01T00%3A00%3A00&oldest_sort_date_lte=2017-02-20T11%3A58%3A34\
             &include=content&include=notes&fields=status,oldest_sort_date\
             &page_size=20&skip=0",
        ),
    );
    let [archived, unread] = &list.conversations[..] else { panic!("two conversations") };
    assert_eq!(archived.id, ConversationId::from("5399e4ff0e4b3d76a56e5533"));
    assert_eq!(archived.status, Some(ConversationStatus::Archived));
    assert_eq!(archived.oldest_sort_date, Some(ts("2017-02-20T11:58:34")));
    assert_eq!(archived.assigned_to.value().map(|u| &u.id), Some(&UserId::from("13112")));
    assert_eq!(archived.author.as_ref().map(|a| &a.id), Some(&AuthorId::from("87413302")));
    assert_eq!(
        archived.content_ids.as_deref(),
        Some(&[ContentId::from("5399e4ff0e4b3d76a56e5534"), ContentId::from("5399e51a0e4b3d76a56e5541")][..])
    );
    assert_eq!(archived.tags.as_ref().map(|t| t[0].name.as_deref()), Some(Some("Complaint")));
    assert_eq!(unread.status, Some(ConversationStatus::Unread));
    assert_eq!(unread.oldest_sort_date, Some(ts("2017-02-20T12:03:10")));

    let content = list.content.expect("content is side-loaded");
    assert_eq!(content.len(), 2);
    assert_eq!(content[0].id, ContentId::from("5399e4ff0e4b3d76a56e5534"));
    assert_eq!(content[0].created_date, Some(ts("2017-02-20T11:58:34")));
    assert_eq!(content[0].parent, Nullable::Null); // present and null
    assert_eq!(content[0].sentiment.value().and_then(|s| s.value), Some(-1));
    assert_eq!(content[1].parent.value().map(|p| &p.id), Some(&ContentId::from("5399e4ff0e4b3d76a56e5534")));
    assert_eq!(content[1].is_by_source, Some(true));
    let notes = list.notes.expect("notes are side-loaded");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].id, NoteId::from("7731"));
    assert_eq!(notes[0].created_date, Some(ts("2017-02-20T12:10:44")));
    assert_eq!(list.actions, None, "actions were not included");
}

/// An id with a space and a slash stays one path segment (`%20`, `%2F`), and `include`
/// side-loads content and notes next to the conversation.
#[tokio::test]
async fn get_conversation_percent_encodes_the_id_and_decodes_content_and_notes() {
    let server = serving(
        200,
        json!({
            "conversation": conversation_json("5399e4ff 0e4b/3d76", "archived", "2017-02-20T11:58:34",
                                              &["5399e4ff0e4b3d76a56e5534"]),
            "content": [content_json("5399e4ff0e4b3d76a56e5534", "@AcmeHelp my order still has not arrived",
                                     "2017-02-20T11:58:34", None)],
            "notes": [note_json()],
        }),
    )
    .await;
    let query =
        GetConversationQuery::new().include([ConversationInclude::Content, ConversationInclude::Notes]);

    let envelope = client(&server.uri())
        .get_conversation_with(&ConversationId::from("5399e4ff 0e4b/3d76"), &query)
        .await
        .unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/conversations/5399e4ff%200e4b%2F3d76",
        Some("include=content&include=notes"),
    );
    assert_eq!(envelope.conversation.id, ConversationId::from("5399e4ff 0e4b/3d76"));
    assert_eq!(envelope.conversation.status, Some(ConversationStatus::Archived));
    assert_eq!(envelope.conversation.is_priority, Some(false));
    let content = envelope.content.expect("content is side-loaded");
    assert_eq!(content.len(), 1);
    assert_eq!(content[0].id, ContentId::from("5399e4ff0e4b3d76a56e5534"));
    assert_eq!(content[0].text.as_deref(), Some("@AcmeHelp my order still has not arrived"));
    assert_eq!(content[0].author.as_ref().map(|a| &a.id), Some(&AuthorId::from("87413302")));
    let notes = envelope.notes.expect("notes are side-loaded");
    assert_eq!(notes[0].id, NoteId::from("7731"));
    assert_eq!(notes[0].text.as_deref(), Some("Customer called as well, refund agreed."));
    assert_eq!(notes[0].user.value().map(|u| &u.id), Some(&UserId::from("13112")));
    assert_eq!(envelope.actions, None);
}

// ----------------------------------------------------------------------------- authors

#[tokio::test]
async fn get_author_sends_fields_and_decodes_the_author() {
    let server = serving(
        200,
        json!({"author": {
            "id": "87413302",
            "url": format!("{API}/authors/87413302"),
            "platform": "twitter",
            "platform_id": "2825986021",
            "screen_name": "jane_doe",
            "real_name": "Jane Doe",
            "location": "Leeds, UK",
            "website": null,
            "description": "Coffee, cycling and the occasional complaint.",
            "profile_picture": "https://images.example.com/authors/87413302.jpg",
            "profile_link": "https://twitter.com/jane_doe",
        }}),
    )
    .await;
    let query =
        GetAuthorQuery::new().fields([AuthorField::ScreenName, AuthorField::RealName, AuthorField::Platform]);

    let author = client(&server.uri()).get_author_with(&AuthorId::from("87413302"), &query).await.unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/authors/87413302",
        Some("fields=screen_name,real_name,platform"),
    );
    assert_eq!(author.id, AuthorId::from("87413302"));
    assert_eq!(author.platform_id.as_deref(), Some("2825986021"));
    assert_eq!(author.screen_name.as_deref(), Some("jane_doe"));
    assert_eq!(author.real_name.as_deref(), Some("Jane Doe"));
    assert_eq!(author.website, Nullable::Null); // present and null
}

// ----------------------------------------------------------------------------- reports

#[tokio::test]
async fn list_reports_sends_date_ranges_flag_and_two_sort_keys() {
    let server = serving(
        200,
        json!({"reports": [report_json("3571", true), report_json("3572", false)],
               "paging": {"next_page": null, "prev_page": null}}),
    )
    .await;
    let query = ListReportsQuery::new()
        .account(AccountId::from("14054"))
        .date_from_in(date("2013-01-01")..date("2014-01-01"))
        .date_to_in(..=date("2014-01-31"))
        .generated_date_isnull(false)
        .fields([ReportField::Name, ReportField::Download])
        .sort([SortKey::desc(ReportSortField::DateFrom), SortKey::asc(ReportSortField::DateTo)])
        .page_size(25);

    let list = client(&server.uri()).list_reports_with(&query).await.unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/reports",
        Some(
            "account=14054&date_from_gte=2013-01-01&date_from_lt=2014-01-01&date_to_lte=2014-01-31\
             &generated_date_isnull=0&fields=name,download&sort=-date_from,date_to&page_size=25",
        ),
    );
    let [done, queued] = &list.reports[..] else { panic!("two reports") };
    assert_eq!(done.id, ReportId::from("3571"));
    assert_eq!(done.date_from, Some(date("2013-01-01")));
    assert_eq!(done.date_to, Some(date("2013-01-31")));
    assert_eq!(done.date_type, Some(ReportDateType::CreatedDate));
    assert_eq!(done.generation_start_date, Some(ts("2013-02-01T09:00:12")));
    assert_eq!(done.generated_date, Some(ts("2013-02-01T09:04:55")));
    assert_eq!(done.download.as_deref(), Some("https://downloads.example.com/reports/3571.zip"));
    assert_eq!(queued.id, ReportId::from("3572"));
    assert_eq!((queued.generated_date, queued.download.as_deref()), (None, None));
}

/// `createReport` is a POST with a JSON body and no query string.
#[tokio::test]
async fn create_report_posts_the_json_body() {
    let server = serving(200, json!({"report": report_json("3573", false)})).await;
    let body = ReportCreate {
        scope: ReportCreateScope::Account(AccountId::from("14054")),
        date_from: date("2013-01-01"),
        date_to: date("2013-01-31"),
        date_type: Some(ReportDateType::CreatedDate),
    };

    let report = client(&server.uri()).create_report(&body).await.unwrap();

    let request = only_request(&server).await;
    assert_request(&request, "POST", "/reports", None);
    assert_eq!(
        request.headers.get("content-type").map(|v| v.to_str().unwrap()),
        Some("application/json"),
        "content type"
    );
    assert_eq!(
        request.body_json::<Value>().unwrap(),
        json!({"account": "14054", "date_from": "2013-01-01", "date_to": "2013-01-31", "date_type": "created_date"}),
        "the body leaves out the unset channel"
    );
    assert_eq!(report.id, ReportId::from("3573"));
    assert_eq!(report.account.as_ref().map(|a| &a.id), Some(&AccountId::from("14054")));
    assert_eq!(report.generated_by.value().map(|u| &u.id), Some(&UserId::from("13112")));
    assert_eq!(report.date_type, Some(ReportDateType::CreatedDate));
    assert_eq!((report.generation_start_date, report.generated_date, report.download), (None, None, None));
}

#[tokio::test]
async fn get_report_sends_fields_and_decodes_timestamps() {
    let server = serving(200, json!({"report": report_json("3571", true)})).await;
    let query = GetReportQuery::new().fields([ReportField::GeneratedDate, ReportField::Download]);

    let report = client(&server.uri()).get_report_with(&ReportId::from("3571"), &query).await.unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/reports/3571",
        Some("fields=generated_date,download"),
    );
    assert_eq!(report.id, ReportId::from("3571"));
    assert_eq!(report.generated_date, Some(ts("2013-02-01T09:04:55")));
    assert_eq!(report.generated_date.unwrap().to_string(), "2013-02-01T09:04:55");
    assert_eq!(report.download.as_deref(), Some("https://downloads.example.com/reports/3571.zip"));
}

// -------------------------------------------------------------------------------- tags

#[tokio::test]
async fn list_tags_sends_is_active_and_decodes_an_empty_paging_object() {
    let server = serving(
        200,
        json!({"tags": [
            {"id": "2", "url": format!("{API}/tags/2"), "name": "Complaint", "is_active": true},
            {"id": "3", "url": format!("{API}/tags/3"), "name": "Antag", "is_active": false},
        ], "paging": {}}),
    )
    .await;
    let query = ListTagsQuery::new()
        .is_active(true)
        .fields([TagField::Name, TagField::IsActive])
        .sort([SortKey::asc(TagSortField::Id)])
        .page_size(50);

    let list = client(&server.uri()).list_tags_with(&query).await.unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/tags",
        Some("is_active=true&fields=name,is_active&sort=id&page_size=50"),
    );
    let ids: Vec<(&TagId, Option<bool>)> = list.tags.iter().map(|t| (&t.id, t.is_active)).collect();
    assert_eq!(ids, [(&TagId::from("2"), Some(true)), (&TagId::from("3"), Some(false))]);
    assert_eq!(list.paging, Some(Paging::default()));
}

#[tokio::test]
async fn get_tag_decodes_the_tag() {
    let server = serving(
        200,
        json!({"tag": {"id": "2", "url": format!("{API}/tags/2"), "name": "Complaint", "is_active": true}}),
    )
    .await;

    let envelope = client(&server.uri())
        .get_tag_with(&TagId::from("2"), &GetTagQuery::new().fields([TagField::Name]))
        .await
        .unwrap();

    assert_request(&only_request(&server).await, "GET", "/tags/2", Some("fields=name"));
    assert_eq!(envelope.id, TagId::from("2"));
    assert_eq!(envelope.name.as_deref(), Some("Complaint"));
    assert_eq!(envelope.is_active, Some(true));
}

// ------------------------------------------------------------------------------- users

#[tokio::test]
async fn list_users_sends_flags_ranges_and_an_encoded_timezone() {
    let mut second = user_json("13140");
    second["first_name"] = Value::Null;
    second["last_login"] = Value::Null;
    second["is_expert"] = json!(true);
    second["crowds_name"] = json!("Billing");
    let server = serving(
        200,
        json!({"users": [user_json("13112"), second], "paging": {"next_page": null, "prev_page": null}}),
    )
    .await;
    let query = ListUsersQuery::new()
        .timezone("Europe/London")
        .date_joined_in(date("2014-01-01")..date("2015-01-01"))
        .last_login_in(date("2017-01-01")..=date("2017-03-01"))
        .first_name_isnull(true)
        .last_login_isnull(false)
        .fields([UserField::Url, UserField::FirstName, UserField::Id])
        .sort([SortKey::desc(UserSortField::LastLogin)])
        .page_size(2);

    let list = client(&server.uri()).list_users_with(&query).await.unwrap();

    assert_request(
        &only_request(&server).await,
        "GET",
        "/users",
        Some(
            "timezone=Europe%2FLondon&date_joined_gte=2014-01-01&date_joined_lt=2015-01-01\
             &last_login_gte=2017-01-01&last_login_lte=2017-03-01&first_name_isnull=1&last_login_isnull=0\
             &fields=url,first_name,id&sort=-last_login&page_size=2",
        ),
    );
    let [sam, other] = &list.users[..] else { panic!("two users") };
    assert_eq!(sam.id, UserId::from("13112"));
    assert_eq!(sam.first_name.as_deref(), Some("Sam"));
    assert_eq!(sam.date_joined, Some(ts("2014-03-05T10:12:40")));
    assert_eq!(sam.last_login, Nullable::Value(ts("2017-02-20T08:01:17")));
    assert_eq!(sam.account.as_ref().map(|a| &a.id), Some(&AccountId::from("14054")));
    assert_eq!(other.id, UserId::from("13140"));
    // Present and null: `Some(None)`, distinct from an absent field (`None`).
    assert_eq!((other.first_name.clone(), other.last_login), (Nullable::Null, Nullable::Null));
    assert_eq!(other.is_expert, Some(true));
    assert_eq!(other.crowds_name.as_deref(), Some("Billing"));
}

#[tokio::test]
async fn get_user_decodes_the_user() {
    let server = serving(200, json!({"user": user_json("13112")})).await;

    let user = client(&server.uri())
        .get_user_with(
            &UserId::from("13112"),
            &GetUserQuery::new().fields([UserField::Email, UserField::Timezone]),
        )
        .await
        .unwrap();

    assert_request(&only_request(&server).await, "GET", "/users/13112", Some("fields=email,timezone"));
    assert_eq!(user.id, UserId::from("13112"));
    assert_eq!(user.email.as_deref(), Some("sam.patel@example.com"));
    assert_eq!(user.timezone.as_deref(), Some("Europe/London"));
    assert_eq!(user.is_expert, Some(false));
    assert_eq!(user.crowds_name, Nullable::Null); // present and null
}

// ---------------------------------------------------------- pagination, errors, projection

/// A server under `/v1.3` (as the real base URL) with two pages of users: the first is
/// the typed query's request, the second the `next_page` link, followed verbatim.
async fn two_pages_of_users() -> (MockServer, String, String) {
    let server = MockServer::start().await;
    let base = format!("{}/v1.3", server.uri());
    let next = format!("{base}/users?fields=url%2Cfirst_name&page_size=2&offset=2");
    let first = json!({
        "users": [user_json("13112"), user_json("13140")],
        "paging": {"next_page": next, "prev_page": null},
    });
    let second = json!({
        "users": [user_json("13150")],
        "paging": {"next_page": null, "prev_page": format!("{base}/users?page_size=2&offset=0")},
    });
    // The more specific mock first: wiremock tries mocks in mounting order.
    Mock::given(method("GET"))
        .and(path("/v1.3/users"))
        .and(wiremock::matchers::query_param("offset", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(second))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.3/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(&server)
        .await;
    (server, base, next)
}

fn users_query() -> ListUsersQuery {
    ListUsersQuery::new().fields([UserField::Url, UserField::FirstName]).page_size(2)
}

async fn assert_two_page_requests(server: &MockServer) {
    let received = requests(server).await;
    assert_eq!(received.len(), 2, "one request per page, prev_page never followed: {received:#?}");
    assert_request(&received[0], "GET", "/v1.3/users", Some("fields=url,first_name&page_size=2"));
    assert_request(&received[1], "GET", "/v1.3/users", Some("fields=url%2Cfirst_name&page_size=2&offset=2"));
}

#[tokio::test]
async fn list_users_pages_items_follow_next_page_through_two_pages() {
    let (server, base, _) = two_pages_of_users().await;

    let users: Vec<User> =
        client(&base).list_users_pages(&users_query()).items().try_collect().await.unwrap();

    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["13112", "13140", "13150"]);
    assert_eq!(users[2].date_joined, Some(ts("2014-03-05T10:12:40")));
    assert_two_page_requests(&server).await;
}

#[tokio::test]
async fn list_users_pages_pages_yield_each_page_with_its_cursor() {
    let (server, base, next) = two_pages_of_users().await;

    let pages: Vec<_> = client(&base).list_users_pages(&users_query()).pages().try_collect().await.unwrap();

    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].number(), 1);
    assert_eq!(pages[0].users.len(), 2);
    assert_eq!(pages[0].next_cursor().map(|c| c.url().to_owned()), Some(next.clone()));
    assert_eq!(pages[1].number(), 2);
    assert_eq!(pages[1].cursor().url(), next);
    assert_eq!(pages[1].page().users[0].id, UserId::from("13150"));
    assert_eq!(pages[1].next_cursor(), None, "the last page has no next cursor");
    assert_two_page_requests(&server).await;
}

#[tokio::test]
async fn a_404_becomes_not_found_with_the_api_message() {
    let server = serving(
        404,
        json!({"status": "error", "message": "No such author", "http_status": "404 Object Not Found"}),
    )
    .await;

    let error = client(&server.uri()).get_author(&AuthorId::from("1")).await.unwrap_err();

    assert_request(&only_request(&server).await, "GET", "/authors/1", None);
    let Error::NotFound { body, .. } = &error else { panic!("expected NotFound, got {error:?}") };
    assert_eq!(body.message.as_deref(), Some("No such author"));
    assert_eq!(body.status.as_deref(), Some("error"));
    assert_eq!(body.http_status.as_deref(), Some("404 Object Not Found"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert!(error.to_string().contains("No such author"), "{error}");
}

/// `fields=id,url`: the API returns objects with only `id` and `url`, and every other
/// property decodes as `None`.
#[tokio::test]
async fn a_projected_response_with_only_id_and_url_decodes() {
    let server = serving(
        200,
        json!({
            "channels": [
                {"id": "64079", "url": format!("{API}/channels/64079")},
                {"id": "64080", "url": format!("{API}/channels/64080")},
            ],
            "paging": {"next_page": null, "prev_page": null},
        }),
    )
    .await;
    let query = ListChannelsQuery::new().fields([ChannelField::Id, ChannelField::Url]);

    let list = client(&server.uri()).list_channels_with(&query).await.unwrap();

    assert_request(&only_request(&server).await, "GET", "/channels", Some("fields=id,url"));
    assert_eq!(list.channels.len(), 2);
    let channel = &list.channels[0];
    assert_eq!(channel.id, ChannelId::from("64079"));
    assert_eq!(channel.url, format!("{API}/channels/64079"));
    assert_eq!(
        (&channel.name, &channel.r#type, channel.is_active, channel.created, &channel.account, channel.fans),
        (&None, &None, None, None, &None, None)
    );
    assert_eq!(list.channels[1].id, ChannelId::from("64080"));
}

/// Ids that are dot segments (or empty) cannot be carried in a URL path: `Url` resolves
/// `/accounts/..` to `/` and `/accounts/.` to `/accounts/` (so does `%2E`, per the URL
/// standard), so the client would send a different request: `runtime::path_param` refuses
/// them before anything is sent.
#[tokio::test]
async fn dot_segment_and_empty_ids_are_refused_before_sending() {
    let server = serving(200, json!({"accounts": [], "paging": {}})).await;
    let client = client(&server.uri());
    for id in ["..", ".", ""] {
        let error = client.get_account(&AccountId::from(id)).await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest { .. }), "id {id:?}: {error:?}");
    }
    let sent: Vec<String> = requests(&server).await.iter().map(|r| r.url.path().to_owned()).collect();
    assert_eq!(sent, Vec::<String>::new(), "nothing should be sent");
}
