//! Contract test: every operation of the generated client against a Stoplight Prism mock
//! of `spec/conversocial-v1.3.yaml`.
//!
//! Run `scripts/contract-test`: it starts `prism mock --errors` on a free loopback port and
//! runs these tests with `PRISM_URL` set to it. A plain `cargo test` skips them (ignored).
//!
//! Prism is an independent reading of the spec. With `--errors` it answers a request that
//! does not match the spec (a query or path parameter, the JSON body, missing credentials)
//! with 422 or 401 and the list of violations, and answers with 500 when the response
//! example it would send does not match its own schema. Every call below must succeed and
//! decode; a failure names the call, the client's error and Prism's full explanation.
//! Decoding must also lose nothing: the decoded value, serialised again, must equal the
//! spec's example that Prism sent (static mode), nulls and absent properties included.
//!
//! Prism ignores query parameters the spec does not declare, so the test checks names
//! itself: together the calls must send every query parameter of every operation, and
//! nothing else. That list is read from the spec file here, not from the generator.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::ops::Bound;
use std::time::Duration;

use conversocial::models::*;
use conversocial::queries::*;
use conversocial::runtime::Query;
use conversocial::{Client, Date, Error, Nullable, RateLimit, RetryPolicy, SortKey, Timestamp};
use futures::TryStreamExt;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Prism only checks that basic credentials are present and well-formed.
const NAME: &str = "contract-test";
const SECRET: &str = "prism-does-not-check-the-secret";
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/conversocial-v1.3.yaml");

/// The document Prism serves: `PRISM_SPEC` when set (scripts/contract-test sets it), else
/// the Conversocial spec.
fn spec_path() -> String {
    std::env::var("PRISM_SPEC").ok().filter(|path| !path.is_empty()).unwrap_or_else(|| SPEC.to_owned())
}

/// The Prism root URL from `PRISM_URL`.
fn prism_url() -> String {
    match std::env::var("PRISM_URL") {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "PRISM_URL is not set: this test needs a Prism mock server of the spec; run \
             scripts/contract-test, which starts one and sets PRISM_URL"
        ),
    }
}

/// The generated client, pointed at Prism. Prism serves the spec's paths at its root:
/// `/accounts`, not `/v1.3/accounts` as under the spec's server URL, so the base URL is
/// the Prism root. No client-side rate limit and no retries: every call is sent once.
/// Strict decoding: a response that does not match the spec fails the test instead of
/// being decoded as drift.
fn client(url: &str) -> Client {
    Client::builder()
        .strict_decoding(true)
        .base_url(url)
        .credentials(NAME, SECRET)
        .rate_limit(RateLimit::disabled())
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("the client builds")
}

fn date(year: i32, month: u32, day: u32) -> Date {
    Date::from_ymd(year, month, day).expect("a valid date")
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp")
}

/// A request as the client sends it: kept to check coverage, and replayed without the
/// client when the call fails, to show Prism's whole answer (the client's error keeps
/// only an excerpt of the body).
struct Sent {
    method: Method,
    path: String,
    query: String,
    body: Option<Vec<u8>>,
}

impl Sent {
    fn get(path: impl Into<String>, query: Query) -> Self {
        Sent { method: Method::GET, path: path.into(), query: query.to_string(), body: None }
    }

    fn post(path: impl Into<String>, body: &impl serde::Serialize) -> Self {
        let body = serde_json::to_vec(body).expect("the body serialises");
        Sent { method: Method::POST, path: path.into(), query: String::new(), body: Some(body) }
    }

    fn target(&self) -> String {
        if self.query.is_empty() { self.path.clone() } else { format!("{}?{}", self.path, self.query) }
    }

    fn query_names(&self) -> impl Iterator<Item = &str> {
        self.query.split('&').filter_map(|pair| pair.split('=').next()).filter(|name| !name.is_empty())
    }
}

/// An operation as the spec declares it.
struct SpecOperation {
    id: String,
    method: Method,
    path: String,
    query: Vec<String>,
    body: bool,
    /// The example of the first 2xx JSON response: what Prism answers in static mode.
    example: Option<Value>,
}

/// Every operation of the spec, read from the YAML file (`$ref` parameters resolved).
fn spec_operations() -> Vec<SpecOperation> {
    let path = spec_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let resolve = |node: &Value| -> Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(pointer) => doc
                .pointer(pointer.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("{path}: unresolved {pointer}"))
                .clone(),
            None => node.clone(),
        }
    };
    let list = |node: &Value, key: &str| node.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("the spec has paths") {
        let shared = list(item, "parameters");
        for method in ["get", "put", "post", "delete", "patch", "head", "options", "trace"] {
            let Some(operation) = item.get(method) else { continue };
            let query = shared
                .iter()
                .chain(&list(operation, "parameters"))
                .map(resolve)
                .filter(|parameter| parameter["in"] == "query")
                .map(|parameter| parameter["name"].as_str().expect("a parameter name").to_owned())
                .collect();
            let example = operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .find(|(status, _)| status.starts_with('2'))
                .map(|(_, response)| resolve(response))
                .and_then(|response| response.pointer("/content/application~1json/example").cloned());
            operations.push(SpecOperation {
                id: operation["operationId"].as_str().expect("an operationId").to_owned(),
                method: method.to_uppercase().parse().expect("an HTTP method"),
                path: path.clone(),
                query,
                body: operation.get("requestBody").is_some(),
                example,
            });
        }
    }
    operations
}

/// Whether `path` fits the path template `template` (`/users/{id}`).
fn fits(template: &str, path: &str) -> bool {
    let (template, path): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

/// Where `actual` differs from `expected`, as `path: expected / actual` lines.
fn differences(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for key in e.keys().chain(a.keys().filter(|key| !e.contains_key(*key))) {
                let here = format!("{path}.{key}");
                match (e.get(key), a.get(key)) {
                    (Some(e), Some(a)) => differences(e, a, &here, out),
                    (Some(e), None) => out.push(format!("{here}: {e} in the example, absent once decoded")),
                    (None, Some(a)) => out.push(format!("{here}: absent from the example, {a} once decoded")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (e, a)) in e.iter().zip(a).enumerate() {
                differences(e, a, &format!("{path}[{i}]"), out);
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!("{path}: {expected} in the example, {actual} once decoded")),
    }
}

/// One run over every operation: collects failures instead of stopping at the first.
struct Run {
    url: String,
    client: Client,
    raw: reqwest::Client,
    spec: Vec<SpecOperation>,
    calls: Vec<(&'static str, Sent)>,
    failures: Vec<String>,
}

impl Run {
    fn new() -> Self {
        let url = prism_url();
        Run {
            client: client(&url),
            url,
            raw: reqwest::Client::new(),
            spec: spec_operations(),
            calls: Vec::new(),
            failures: Vec::new(),
        }
    }

    /// The decoded value of a call that succeeded; records the failure of one that did not,
    /// or that decoded into something other than the operation's example.
    async fn call<T: serde::Serialize>(
        &mut self,
        operation: &'static str,
        sent: Sent,
        call: impl std::future::IntoFuture<Output = Result<T, Error>>,
    ) -> Option<T> {
        self.call_at(operation, "", sent, call).await
    }

    /// [`call`](Self::call) for a value that stands for the part of the example at the
    /// JSON `pointer` (the items of a list, for a paginator's item stream).
    async fn call_at<T: serde::Serialize>(
        &mut self,
        operation: &'static str,
        pointer: &str,
        sent: Sent,
        call: impl std::future::IntoFuture<Output = Result<T, Error>>,
    ) -> Option<T> {
        match call.await {
            Ok(value) => {
                // Shown with the failures (cargo test captures it) or with --nocapture.
                eprintln!("ok {operation}: {} {}", sent.method, sent.target());
                self.round_trip(operation, pointer, &value);
                self.calls.push((operation, sent));
                Some(value)
            }
            Err(error) => {
                let prism = self.replay(&sent).await;
                self.failures.push(format!(
                    "{operation}: {} {}\n  client: {error}\n  Prism, asked again: {prism}",
                    sent.method,
                    sent.target()
                ));
                None
            }
        }
    }

    /// Records what the decoded `value`, serialised again, changed in the operation's example.
    fn round_trip(&mut self, operation: &str, pointer: &str, value: &impl serde::Serialize) {
        let Some(declared) = self.spec.iter().find(|op| op.id == operation) else { return };
        let Some(example) = declared.example.as_ref().and_then(|example| example.pointer(pointer)) else {
            self.failures.push(format!("{operation}: the spec has no response example at `{pointer}`"));
            return;
        };
        let actual = serde_json::to_value(value).expect("a decoded value serialises");
        let mut found = Vec::new();
        differences(example, &actual, pointer, &mut found);
        if !found.is_empty() {
            self.failures.push(format!(
                "{operation}: the decoded response differs from the example Prism sent:\n  {}",
                found.join("\n  ")
            ));
        }
    }

    /// Records a decoded value that is not the one in the spec's example.
    fn same<A: PartialEq<B> + Debug, B: Debug>(
        &mut self,
        operation: &str,
        what: &str,
        actual: A,
        expected: B,
    ) {
        if actual != expected {
            self.failures.push(format!("{operation}: {what} decoded as {actual:?}, expected {expected:?}"));
        }
    }

    /// Sends `sent` again with plain reqwest and describes Prism's answer.
    async fn replay(&self, sent: &Sent) -> String {
        let url = format!("{}{}", self.url, sent.target());
        let mut request = self.raw.request(sent.method.clone(), &url).basic_auth(NAME, Some(SECRET));
        if let Some(body) = &sent.body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let violations = response
                    .headers()
                    .get("sl-violations")
                    .map(|v| format!(" sl-violations: {}", String::from_utf8_lossy(v.as_bytes())))
                    .unwrap_or_default();
                let body = response.text().await.unwrap_or_else(|e| format!("(body unreadable: {e})"));
                format!("{status}{violations}\n    {body}")
            }
            Err(error) => format!("not reachable: {error}"),
        }
    }

    /// Fails unless the calls, together, cover the spec: every operation with its method
    /// and path, every query parameter, the request body, and no undeclared parameter.
    fn finish(mut self) {
        let spec = std::mem::take(&mut self.spec);
        for (operation, sent) in &self.calls {
            let Some(declared) = spec.iter().find(|op| op.id == *operation) else {
                self.failures.push(format!("{operation}: not an operationId of the spec"));
                continue;
            };
            if sent.method != declared.method || !fits(&declared.path, &sent.path) {
                self.failures.push(format!(
                    "{operation}: sent {} {}, but the spec declares {} {}",
                    sent.method, sent.path, declared.method, declared.path
                ));
            }
            for name in sent.query_names() {
                if !declared.query.iter().any(|q| q == name) {
                    self.failures.push(format!(
                        "{operation}: sent `{name}`, a query parameter the spec does not declare"
                    ));
                }
            }
        }
        for declared in &spec {
            let calls: Vec<&Sent> =
                self.calls.iter().filter(|(id, _)| *id == declared.id).map(|(_, sent)| sent).collect();
            if calls.is_empty() {
                self.failures.push(format!(
                    "{}: no successful call ({} {})",
                    declared.id, declared.method, declared.path
                ));
                continue;
            }
            let sent: BTreeSet<&str> = calls.iter().flat_map(|sent| sent.query_names()).collect();
            for name in &declared.query {
                if !sent.contains(name.as_str()) {
                    self.failures.push(format!("{}: query parameter `{name}` was never sent", declared.id));
                }
            }
            if declared.body && calls.iter().all(|sent| sent.body.is_none()) {
                self.failures.push(format!("{}: the request body was never sent", declared.id));
            }
        }
        assert!(
            self.failures.is_empty(),
            "{} contract check(s) failed (Prism's log: target/prism.log):\n\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
        eprintln!("{} calls covering {} operations passed Prism's validation", self.calls.len(), spec.len());
    }
}

#[tokio::test]
#[ignore = "needs a Prism mock server: run scripts/contract-test"]
async fn every_operation_matches_the_spec() {
    let mut run = Run::new();
    let c = run.client.clone();

    // ---------------------------------------------------------------- accounts

    let query = ListAccountsQuery::new()
        .id([AccountId::from("14054"), AccountId::from("14055")])
        .name("Acme Support")
        .created_date_in(date(2013, 1, 1)..date(2014, 1, 1))
        .fields([
            AccountField::Id,
            AccountField::Url,
            AccountField::Name,
            AccountField::CreatedDate,
            AccountField::Channels,
        ])
        .sort([SortKey::desc(AccountSortField::CreatedDate)])
        .page_size(10);
    let sent = Sent::get("/accounts", query.to_query());
    if let Some(list) = run.call("listAccounts", sent, c.list_accounts_with(&query)).await {
        let account = &list.accounts[0];
        run.same("listAccounts", "accounts[0].id", account.id.as_ref(), "14054");
        run.same(
            "listAccounts",
            "accounts[0].created_date",
            account.created_date,
            Some(ts("2013-09-25T00:16:06")),
        );
        run.same("listAccounts", "accounts[0].channels", account.channels.as_ref().map(Vec::len), Some(2));
        // null, not absent: `Nullable::Null`.
        run.same(
            "listAccounts",
            "paging.next_page",
            list.paging.map(|p| p.next_page),
            Some(Nullable::<String>::Null),
        );
    }
    let query = ListAccountsQuery::new()
        .created_date_in((Bound::Excluded(date(2012, 12, 31)), Bound::Included(date(2013, 12, 31))))
        .sort([SortKey::asc(AccountSortField::Id), SortKey::desc(AccountSortField::CreatedDate)]);
    let sent = Sent::get("/accounts", query.to_query());
    run.call("listAccounts", sent, c.list_accounts_with(&query)).await;

    let query = GetAccountQuery::new().fields([
        AccountField::Id,
        AccountField::Name,
        AccountField::Package,
        AccountField::Reports,
    ]);
    let sent = Sent::get("/accounts/14054", query.to_query());
    if let Some(envelope) = run
        .call_at("getAccount", "/account", sent, c.get_account_with(&AccountId::from("14054"), &query))
        .await
    {
        run.same("getAccount", "account.name", envelope.name.as_deref(), Some("Acme Support"));
    }

    // ---------------------------------------------------------------- channels

    let query = ListChannelsQuery::new()
        .id([ChannelId::from("64079"), ChannelId::from("64080")])
        .account("14054")
        .fields([
            ChannelField::Id,
            ChannelField::Name,
            ChannelField::Type,
            ChannelField::IsActive,
            ChannelField::Created,
            ChannelField::Fans,
            ChannelField::FbPageUrl,
        ])
        .sort([SortKey::asc(ChannelSortField::Id)])
        .page_size(50);
    let sent = Sent::get("/channels", query.to_query());
    if let Some(list) = run.call("listChannels", sent, c.list_channels_with(&query)).await {
        let urls: Vec<_> = list.channels.iter().map(|channel| channel.fb_page_url.clone()).collect();
        let facebook = "https://www.facebook.com/acme".to_owned();
        run.same("listChannels", "channels[].fb_page_url", urls, [Nullable::Null, Nullable::Value(facebook)]);
        run.same("listChannels", "channels[0].fans", list.channels[0].fans, Some(15230));
    }

    let query =
        GetChannelQuery::new().fields([ChannelField::Name, ChannelField::Account, ChannelField::SmallImage]);
    let sent = Sent::get("/channels/64079", query.to_query());
    if let Some(envelope) = run
        .call_at("getChannel", "/channel", sent, c.get_channel_with(&ChannelId::from("64079"), &query))
        .await
    {
        let account = envelope.account.map(|account| account.id);
        run.same("getChannel", "channel.account.id", account, Some(AccountId::from("14054")));
    }

    // ----------------------------------------------------------- conversations

    // The documentation's paging example, built with the typed API.
    let query = ListConversationsQuery::new()
        .sort([SortKey::desc(ConversationSortField::OldestSortDate)])
        .is_priority(false)
        .oldest_sort_date_lte(ts("2017-02-20T11:58:34"))
        .page_size(20)
        .skip(1);
    let sent = Sent::get("/conversations", query.to_query());
    run.call("listConversations", sent, c.list_conversations(&query)).await;

    let query = ListConversationsQuery::new()
        .status([ConversationStatus::Unread, ConversationStatus::Archived])
        .assigned_to("13112")
        .oldest_sort_date_in(ts("2017-02-01T00:00:00")..ts("2017-03-01T00:00:00"))
        .include([ConversationInclude::Content, ConversationInclude::Notes, ConversationInclude::Actions])
        .fields([
            ConversationField::Id,
            ConversationField::Url,
            ConversationField::Status,
            ConversationField::IsPriority,
            ConversationField::AssignedTo,
            ConversationField::ContentIds,
            ConversationField::OldestSortDate,
        ])
        .sort([SortKey::asc(ConversationSortField::OldestSortDate)])
        .page_size(50);
    let sent = Sent::get("/conversations", query.to_query());
    if let Some(list) = run.call("listConversations", sent, c.list_conversations(&query)).await {
        let op = "listConversations";
        let statuses: Vec<_> =
            list.conversations.iter().map(|conversation| conversation.status.clone()).collect();
        run.same(
            op,
            "conversations[].status",
            statuses,
            vec![Some(ConversationStatus::Archived), Some(ConversationStatus::Unread)],
        );
        run.same(
            op,
            "conversations[1].assigned_to",
            list.conversations[1].assigned_to.clone(),
            Nullable::Null,
        );
        run.same(op, "content (side-loaded)", list.content.as_ref().map(Vec::len), Some(3));
        run.same(op, "notes (side-loaded)", list.notes.as_ref().map(Vec::len), Some(1));
        run.same(op, "actions (side-loaded)", list.actions.as_ref().map(Vec::len), Some(1));
        let sentiment = list.content.as_ref().and_then(|content| content[0].sentiment.clone().into_value());
        let sentiment = sentiment.and_then(|sentiment| sentiment.value);
        run.same(op, "content[0].sentiment.value", sentiment, Some(-1));
    }

    let query = ListConversationsQuery::new()
        .is_priority(true)
        .status([ConversationStatus::Unread])
        .oldest_sort_date_in((Bound::Excluded(ts("2014-10-01T00:00:00")), Bound::Unbounded));
    let sent = Sent::get("/conversations", query.to_query());
    run.call("listConversations", sent, c.list_conversations(&query)).await;

    // The item stream of a paginator (the examples' next_page is null: one page).
    let query = ListConversationsQuery::new()
        .status([ConversationStatus::Unread])
        .include([ConversationInclude::Content])
        .sort([SortKey::desc(ConversationSortField::OldestSortDate)])
        .page_size(50);
    let sent = Sent::get("/conversations", query.to_query());
    let items = c.list_conversations_pages(&query).items().try_collect::<Vec<_>>();
    if let Some(items) = run.call_at("listConversations", "/conversations", sent, items).await {
        let ids: Vec<_> = items.iter().map(|conversation| conversation.id.as_ref()).collect();
        run.same(
            "listConversations (items stream)",
            "ids",
            ids,
            ["5399e4ff0e4b3d76a56e5533", "58aad9e20e4b3d1f6c2a91b7"],
        );
    }

    let query = GetConversationQuery::new()
        .include([ConversationInclude::Content, ConversationInclude::Notes, ConversationInclude::Actions])
        .fields([
            ConversationField::Id,
            ConversationField::Status,
            ConversationField::ContentIds,
            ConversationField::Tags,
        ]);
    let id = ConversationId::from("5399e4ff0e4b3d76a56e5533");
    let sent = Sent::get("/conversations/5399e4ff0e4b3d76a56e5533", query.to_query());
    if let Some(envelope) = run.call("getConversation", sent, c.get_conversation_with(&id, &query)).await {
        let sentiment =
            envelope.content.as_ref().and_then(|content| content[0].sentiment.clone().into_value());
        let created_by =
            sentiment.and_then(|sentiment| sentiment.created_by.into_value()).map(|user| user.id);
        run.same(
            "getConversation",
            "content[0].sentiment.created_by.id",
            created_by,
            Some(UserId::from("13112")),
        );
        run.same(
            "getConversation",
            "conversation.oldest_sort_date",
            envelope.conversation.oldest_sort_date,
            Some(ts("2017-02-20T11:58:34")),
        );
    }

    // ----------------------------------------------------------------- authors

    let query = GetAuthorQuery::new().fields([
        AuthorField::ScreenName,
        AuthorField::RealName,
        AuthorField::Website,
        AuthorField::ProfileLink,
    ]);
    let sent = Sent::get("/authors/87413302", query.to_query());
    if let Some(envelope) = run
        .call_at("getAuthor", "/author", sent, c.get_author_with(&AuthorId::from("87413302"), &query))
        .await
    {
        run.same("getAuthor", "author.real_name", envelope.real_name, Nullable::Value("Jane Doe".to_owned()));
        run.same("getAuthor", "author.website", envelope.website, Nullable::Null);
    }

    // ----------------------------------------------------------------- reports

    let query = ListReportsQuery::new()
        .account("14054")
        .date_from_in(date(2013, 1, 1)..=date(2013, 12, 31))
        .date_to_in((Bound::Excluded(date(2012, 12, 31)), Bound::Excluded(date(2014, 1, 1))))
        .generated_date_isnull(false)
        .fields([
            ReportField::Id,
            ReportField::Name,
            ReportField::DateFrom,
            ReportField::DateTo,
            ReportField::GeneratedDate,
            ReportField::Download,
        ])
        .sort([SortKey::desc(ReportSortField::DateFrom), SortKey::desc(ReportSortField::DateTo)])
        .page_size(25);
    let sent = Sent::get("/reports", query.to_query());
    if let Some(list) = run.call("listReports", sent, c.list_reports_with(&query)).await {
        let downloads: Vec<_> = list.reports.iter().map(|report| report.download.is_some()).collect();
        run.same("listReports", "reports[].download present", downloads, [true, false]);
        run.same("listReports", "reports[0].date_to", list.reports[0].date_to, Some(date(2013, 1, 31)));
    }
    let query = ListReportsQuery::new()
        .channel("64079")
        .date_from_in((Bound::Excluded(date(2012, 12, 31)), Bound::Excluded(date(2014, 1, 1))))
        .date_to_in(date(2013, 1, 31)..=date(2013, 12, 31))
        .generated_date_isnull(true)
        .sort([SortKey::asc(ReportSortField::Id)]);
    let sent = Sent::get("/reports", query.to_query());
    run.call("listReports", sent, c.list_reports_with(&query)).await;

    let body = ReportCreate {
        scope: ReportCreateScope::Account(AccountId::from("14054")),
        date_from: date(2013, 1, 1),
        date_to: date(2013, 1, 31),
        date_type: Some(ReportDateType::CreatedDate),
    };
    let sent = Sent::post("/reports", &body);
    if let Some(envelope) = run.call_at("createReport", "/report", sent, c.create_report(&body)).await {
        run.same("createReport", "report.id", envelope.id.as_ref(), "3573");
        run.same("createReport", "report.generated_date (queued)", envelope.generated_date, None);
    }
    let body = ReportCreate {
        scope: ReportCreateScope::Channel(ChannelId::from("64079")),
        date_from: date(2013, 2, 1),
        date_to: date(2013, 2, 28),
        date_type: None,
    };
    let sent = Sent::post("/reports", &body);
    run.call_at("createReport", "/report", sent, c.create_report(&body)).await;

    let query = GetReportQuery::new().fields([
        ReportField::Id,
        ReportField::GeneratedDate,
        ReportField::Download,
        ReportField::Failure,
    ]);
    let sent = Sent::get("/reports/3571", query.to_query());
    if let Some(envelope) =
        run.call_at("getReport", "/report", sent, c.get_report_with(&ReportId::from("3571"), &query)).await
    {
        run.same(
            "getReport",
            "report.generated_date",
            envelope.generated_date,
            Some(ts("2013-02-01T09:04:55")),
        );
    }

    // -------------------------------------------------------------------- tags

    let query = ListTagsQuery::new()
        .is_active(true)
        .fields([TagField::Name, TagField::IsActive])
        .sort([SortKey::desc(TagSortField::Id)])
        .page_size(100);
    let sent = Sent::get("/tags", query.to_query());
    if let Some(list) = run.call("listTags", sent, c.list_tags_with(&query)).await {
        let names: Vec<_> = list.tags.iter().map(|tag| tag.name.as_deref()).collect();
        run.same("listTags", "tags[].name", names, [Some("Complaint"), Some("Antag")]);
        // paging is `{}`: next_page absent.
        run.same(
            "listTags",
            "paging.next_page",
            list.paging.map(|p| p.next_page),
            Some(Nullable::<String>::Absent),
        );
    }

    let query = GetTagQuery::new().fields([TagField::Name]);
    let sent = Sent::get("/tags/2", query.to_query());
    if let Some(envelope) =
        run.call_at("getTag", "/tag", sent, c.get_tag_with(&TagId::from("2"), &query)).await
    {
        run.same("getTag", "tag.is_active", envelope.is_active, Some(true));
    }

    // ------------------------------------------------------------------- users

    let query = ListUsersQuery::new()
        .timezone("Europe/London")
        .date_joined_in(date(2014, 1, 1)..date(2015, 1, 1))
        .last_login_in(date(2017, 1, 1)..=date(2017, 3, 1))
        .first_name_isnull(false)
        .last_login_isnull(false)
        .fields([
            UserField::FirstName,
            UserField::LastName,
            UserField::Email,
            UserField::LastLogin,
            UserField::CrowdsName,
        ])
        .sort([SortKey::desc(UserSortField::LastLogin)])
        .page_size(30);
    let sent = Sent::get("/users", query.to_query());
    if let Some(list) = run.call("listUsers", sent, c.list_users_with(&query)).await {
        let first_names: Vec<_> = list.users.iter().map(|user| user.first_name.clone()).collect();
        run.same(
            "listUsers",
            "users[].first_name",
            first_names,
            [Nullable::Value("Sam".to_owned()), Nullable::Null],
        );
        let last_logins: Vec<_> = list.users.iter().map(|user| user.last_login).collect();
        run.same(
            "listUsers",
            "users[].last_login",
            last_logins,
            [Nullable::Value(ts("2017-02-20T08:01:17")), Nullable::Null],
        );
    }
    let query = ListUsersQuery::new()
        .timezone("US/Eastern")
        .date_joined_in((Bound::Excluded(date(2016, 1, 1)), Bound::Included(date(2016, 12, 31))))
        .last_login_in((Bound::Excluded(date(2017, 1, 1)), Bound::Excluded(date(2017, 3, 1))))
        .first_name_isnull(true)
        .last_login_isnull(true)
        .sort([SortKey::asc(UserSortField::DateJoined), SortKey::asc(UserSortField::Id)]);
    let sent = Sent::get("/users", query.to_query());
    run.call("listUsers", sent, c.list_users_with(&query)).await;

    let query = GetUserQuery::new().fields([
        UserField::Email,
        UserField::Timezone,
        UserField::DateJoined,
        UserField::Account,
    ]);
    let sent = Sent::get("/users/13112", query.to_query());
    if let Some(envelope) =
        run.call_at("getUser", "/user", sent, c.get_user_with(&UserId::from("13112"), &query)).await
    {
        run.same("getUser", "user.date_joined", envelope.date_joined, Some(ts("2014-03-05T10:12:40")));
    }

    run.finish();
}

/// Sends a request with plain reqwest; `None` credentials sends none.
async fn raw(method: Method, target: &str, body: Option<&str>, credentials: bool) -> (StatusCode, String) {
    let url = format!("{}{target}", prism_url());
    let mut request = reqwest::Client::new().request(method, &url);
    if credentials {
        request = request.basic_auth(NAME, Some(SECRET));
    }
    if let Some(body) = body {
        request = request.header(CONTENT_TYPE, "application/json").body(body.to_owned());
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The negative control: Prism does reject what the spec does not allow, so a request the
/// client got wrong would fail the contract test above.
#[tokio::test]
#[ignore = "needs a Prism mock server: run scripts/contract-test"]
async fn prism_rejects_requests_that_break_the_spec() {
    let url = prism_url();

    // Through the generated client: a status value that the spec does not list.
    let query = ListConversationsQuery::new().status([ConversationStatus::Unknown("escalated".into())]);
    let error =
        client(&url).list_conversations(&query).await.expect_err("Prism must reject status=escalated");
    assert_eq!(error.status(), Some(StatusCode::UNPROCESSABLE_ENTITY), "{error:?}");

    // The client refuses page_size=500 itself (the spec's maximum is 50) ...
    let query = ListConversationsQuery::new().status([ConversationStatus::Unread]).page_size(500);
    let error =
        client(&url).list_conversations(&query).await.expect_err("the client must refuse page_size=500");
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    // ... and so does Prism, sent without the client.
    let (status, body) = raw(Method::GET, "/conversations?status=unread&page_size=500", None, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("page_size must be <= 50"), "{body}");

    // Comma-joined values where the spec says repeated keys (explode: true).
    let (status, body) =
        raw(Method::GET, "/conversations?status=unread&include=content,notes", None, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A sort field outside x-sort-fields / the pattern.
    let (status, body) = raw(Method::GET, "/users?sort=-email", None, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("sort"), "{body}");

    // An _isnull flag that is not 0 or 1, and a date that is not a date.
    let (status, body) =
        raw(Method::GET, "/users?first_name_isnull=true&date_joined_gt=2014-13-01", None, true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // A report request without its required date_to.
    let body = r#"{"account": "14054", "date_from": "2013-01-01"}"#;
    let (status, body) = raw(Method::POST, "/reports", Some(body), true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("date_to"), "{body}");

    // No credentials: the spec's global basicAuth requirement.
    let (status, body) = raw(Method::GET, "/accounts", None, false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    // A path the spec does not have (under the server URL's base path, which Prism does not serve).
    let (status, body) = raw(Method::GET, "/v1.3/accounts", None, true).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
