//! Pagination against a loopback server: every item exactly once, resuming from saved
//! cursors, origin and loop protection, `prev_page` never followed, side-loaded arrays.

mod runtime_support;

use std::collections::HashSet;
use std::sync::Arc;

use conversocial::runtime::Query;
use conversocial::{Cursor, Error, SortKey};
use futures::{StreamExt, TryStreamExt};
use runtime_support::{ItemsPage, Paged, basic_header, client, get};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, Request as WireRequest, ResponseTemplate};

struct Shared(Arc<Paged>);

impl wiremock::Respond for Shared {
    fn respond(&self, request: &WireRequest) -> ResponseTemplate {
        self.0.respond(request)
    }
}

/// A server with `total` items, `page_size` per page; `/trap` (the `prev_page` target)
/// must never be requested.
async fn paged_server(paged: impl FnOnce(&str) -> Paged) -> (MockServer, Arc<Paged>) {
    let server = MockServer::start().await;
    let paged = Arc::new(paged(&server.uri()));
    Mock::given(path("/items")).respond_with(Shared(paged.clone())).mount(&server).await;
    Mock::given(path("/trap")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    (server, paged)
}

fn assert_exactly_once(ids: &[u64], total: u64) {
    let unique: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicates");
    assert_eq!(unique, (0..total).collect::<HashSet<_>>(), "missing items");
}

#[tokio::test]
async fn every_item_exactly_once_across_1037_items() {
    let (server, paged) = paged_server(|base| Paged::new(base, 1037, 50)).await;
    let items: Vec<_> = client(&server.uri())
        .paginate::<ItemsPage>(get("list_items", "/items"))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 1037);
    assert_exactly_once(&items.iter().map(|i| i.id).collect::<Vec<_>>(), 1037);
    assert_eq!(paged.hits.load(std::sync::atomic::Ordering::SeqCst), 21);
}

/// An export that persists the cursor after every page, dies on a failing page, and
/// resumes in a fresh client from the saved text.
#[tokio::test]
async fn an_export_resumes_from_a_saved_cursor_after_a_failure() {
    let (server, _) = paged_server(|base| Paged::new(base, 1037, 50).failing_once(450, 400, None)).await;
    let mut exported = Vec::new();
    let mut saved: Option<String> = None;

    let mut pages = client(&server.uri()).paginate::<ItemsPage>(get("list_items", "/items")).pages();
    let failure = loop {
        match pages.next().await {
            Some(Ok(page)) => {
                let next = page.next_cursor();
                exported.extend(page.into_items().into_iter().map(|i| i.id));
                saved = next.map(|c| serde_json::to_string(&c).unwrap());
            }
            Some(Err(error)) => break error,
            None => panic!("the injected failure did not happen"),
        }
    };
    assert!(matches!(&failure, Error::Api { status, .. } if status.as_u16() == 400), "{failure:?}");
    assert!(pages.next().await.is_none(), "the stream ends after an error");
    assert_eq!(exported.len(), 450);
    let saved = saved.unwrap();
    assert_eq!(
        serde_json::to_string(&pages.cursor().unwrap()).unwrap(),
        saved,
        "the stream knows where it stopped"
    );

    // a new process: new client, cursor read back from storage
    let cursor: Cursor = serde_json::from_str(&saved).unwrap();
    let rest: Vec<_> = client(&server.uri()).resume::<ItemsPage>(cursor).items().try_collect().await.unwrap();
    exported.extend(rest.iter().map(|i| i.id));
    assert_exactly_once(&exported, 1037);
}

/// The item stream can stop anywhere (here mid-page, by `max_items`, and then on a
/// failure) and resume from `Items::cursor` with nothing lost or repeated.
#[tokio::test]
async fn the_item_stream_resumes_mid_page_and_after_a_failure() {
    let (server, _) = paged_server(|base| Paged::new(base, 1000, 40).failing_once(520, 400, None)).await;
    let client = client(&server.uri());
    let mut exported = Vec::new();

    let mut items = client.paginate::<ItemsPage>(get("list_items", "/items")).max_items(75).items();
    while let Some(item) = items.try_next().await.unwrap() {
        exported.push(item.id);
    }
    assert_eq!(exported.len(), 75);
    let cursor = items.cursor().unwrap();
    assert_eq!(cursor.skip(), 35, "75 = one page of 40 and 35 of the next");
    let text = cursor.to_string();
    assert!(text.ends_with("#skip=35&after=74"), "the id of the last item delivered: {text}");

    let mut items = client.resume::<ItemsPage>(text.parse().unwrap()).items();
    let error = loop {
        match items.next().await {
            Some(Ok(item)) => exported.push(item.id),
            Some(Err(error)) => break error,
            None => panic!("the injected failure did not happen"),
        }
    };
    assert!(matches!(error, Error::Api { .. }));
    assert_eq!(exported.len(), 520);
    let cursor = items.cursor().unwrap();
    assert_eq!(cursor.skip(), 0);
    assert!(cursor.url().ends_with("offset=520"), "{cursor}");

    let rest: Vec<_> = client.resume::<ItemsPage>(cursor).items().try_collect().await.unwrap();
    exported.extend(rest.iter().map(|i| i.id));
    assert_exactly_once(&exported, 1000);
    assert!(items.next().await.is_none());
}

#[tokio::test]
async fn a_next_page_on_another_origin_is_refused_and_gets_no_request() {
    let other = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200)).mount(&other).await;
    let server = MockServer::start().await;
    // same host, another port: another origin
    let body = serde_json::json!({
        "items": [{"id": 1}, {"id": 2}],
        "paging": {"next_page": format!("{}/items?offset=2", other.uri()), "prev_page": null},
    });
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;

    let mut items = client(&server.uri()).paginate::<ItemsPage>(get("list_items", "/items")).items();
    assert_eq!(items.try_next().await.unwrap().unwrap().id, 1);
    assert_eq!(items.try_next().await.unwrap().unwrap().id, 2);
    let error = items.try_next().await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    let text = error.to_string();
    println!("{text}");
    assert!(text.contains(&other.uri()) && text.contains(&server.uri()), "{text}");
    assert!(other.received_requests().await.unwrap().is_empty(), "a request reached the other origin");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    for request in server.received_requests().await.unwrap() {
        assert_eq!(request.headers.get("authorization").unwrap().to_str().unwrap(), basic_header());
    }
}

#[tokio::test]
async fn a_repeated_next_page_ends_the_stream_with_an_error() {
    let server = MockServer::start().await;
    let first = serde_json::json!({
        "items": [{"id": 1}], "paging": {"next_page": format!("{}/items?page=2", server.uri())},
    });
    let second = serde_json::json!({
        "items": [{"id": 2}], "paging": {"next_page": format!("{}/items?page=1", server.uri())},
    });
    Mock::given(path("/items"))
        .and(wiremock::matchers::query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(second))
        .mount(&server)
        .await;
    Mock::given(path("/items"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(&server)
        .await;

    let mut query = Query::new();
    query.push("page", &1);
    let req = get("list_items", "/items").query(query);
    let results: Vec<_> = client(&server.uri()).paginate::<ItemsPage>(req).items().collect().await;
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().id, 1);
    assert_eq!(results[1].as_ref().unwrap().id, 2);
    let error = results[2].as_ref().unwrap_err();
    assert!(
        matches!(error, Error::InvalidRequest { .. }) && error.to_string().contains("already fetched"),
        "{error}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn side_loaded_arrays_stay_reachable_and_prev_page_is_never_followed() {
    let (server, _) = paged_server(|base| Paged::new(base, 120, 50)).await;
    let pages: Vec<_> = client(&server.uri())
        .paginate::<ItemsPage>(get("list_items", "/items"))
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    for (n, page) in pages.iter().enumerate() {
        assert_eq!(page.number(), n as u64 + 1);
        assert_eq!(page.content[0]["page_offset"], n * 50, "side-loaded array through Deref");
        assert!(page.page().paging.prev_page.is_some());
    }
    assert!(pages[2].next_cursor().is_none());
    // `/trap` (every prev_page) has `expect(0)`, verified when the server drops
}

#[tokio::test]
async fn max_pages_stops_and_the_cursor_continues() {
    let (server, paged) = paged_server(|base| Paged::new(base, 500, 50)).await;
    let client = client(&server.uri());
    let mut pages = client.paginate::<ItemsPage>(get("list_items", "/items")).max_pages(3).pages();
    let mut ids = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        ids.extend(page.into_items().into_iter().map(|i| i.id));
    }
    assert_eq!(ids.len(), 150);
    assert_eq!(paged.hits.load(std::sync::atomic::Ordering::SeqCst), 3, "no page fetched beyond the limit");
    let rest: Vec<_> =
        client.resume::<ItemsPage>(pages.cursor().unwrap()).items().try_collect().await.unwrap();
    ids.extend(rest.iter().map(|i| i.id));
    assert_exactly_once(&ids, 500);
}

/// The first request's query is encoded by the runtime; next links are followed
/// byte for byte (the API's `%2C` stays `%2C`).
#[tokio::test]
async fn queries_are_encoded_and_next_links_followed_verbatim() {
    let server = MockServer::start().await;
    let next = format!(
        "{}/conversations?sort=-oldest_sort_date&fields=first_name%2Clast_name&oldest_sort_date_lte=2017-02-20T11%3A58%3A34&skip=1",
        server.uri()
    );
    let first = serde_json::json!({"items": [{"id": 1}], "paging": {"next_page": next}});
    let last = serde_json::json!({"items": [{"id": 2}], "paging": {"next_page": null}});
    Mock::given(path("/conversations"))
        .and(wiremock::matchers::query_param("skip", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(last))
        .mount(&server)
        .await;
    Mock::given(path("/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(&server)
        .await;

    let mut query = Query::new();
    query.push_joined("sort", &[SortKey::desc("oldest_sort_date")], ',');
    query.push_joined("fields", &["first_name", "last_name"], ',');
    query.push("oldest_sort_date_lte", &"2017-02-20T11:58:34".parse::<conversocial::Timestamp>().unwrap());
    query.push_exploded("status", &["unread", "archived"]);
    query.push_flag("assigned_to_isnull", true);
    let req = get("list_conversations", "/conversations").query(query);
    let items: Vec<_> = client(&server.uri()).paginate::<ItemsPage>(req).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 2);
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received[0].url.query(),
        Some(
            "sort=-oldest_sort_date&fields=first_name,last_name&oldest_sort_date_lte=2017-02-20T11%3A58%3A34\
             &status=unread&status=archived&assigned_to_isnull=1"
        )
    );
    // wiremock rebuilds the URL with its own host; the path and query are as sent
    let sent = format!("{}?{}", received[1].url.path(), received[1].url.query().unwrap());
    assert_eq!(format!("{}{sent}", server.uri()), next);
}
