//! Pagination: the [`Page`] trait generated list responses implement, the [`Paginator`]
//! that list operations return, and its streams of pages ([`Pages`]) and items ([`Items`]).
//!
//! The paginator follows the API's `next_page` link (it already carries every filter and
//! the keyset position; a relative link is resolved against the page that carried it)
//! until it is null, and never follows `prev_page`. A link off the base URL's origin ends
//! the stream with [`Error::InvalidRequest`] before any request is made; so do a link to a
//! page already fetched, a link that is not a URL or that did not decode, and a run of
//! [`max_empty_pages`](Paginator::max_empty_pages) pages without an item. Both streams stop
//! after their first error, and can then tell where to resume: an error never looks like
//! the end of the list.
//!
//! Pages decode drift-tolerantly unless the client is strict: an item that cannot be
//! decoded is set aside ([`PageOf::set_aside`], [`Items::take_set_aside`]) and keeps its
//! place in the listing, so cursors count it like any other item.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::Stream;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use super::items::Items;
use super::page_of::{PageOf, resume_point, set_aside_positions};
use super::repair::is_within;
use super::{Client, Cursor, Drift, Error, Request};

/// A decoded page of a list response. Generated list response types implement it.
pub trait Page: DeserializeOwned + Send + 'static {
    /// The type of the listed items.
    type Item: Send + 'static;
    /// Member names from the top of the response to the item array, e.g.
    /// `&["conversations"]`: where items set aside by drift-tolerant decoding are found.
    #[doc(hidden)]
    const ITEMS_PATH: &'static [&'static str];
    /// Member names from the top of the response to the next-page link, e.g.
    /// `&["paging", "next_page"]`: a link that does not decode is an error, not the end.
    #[doc(hidden)]
    const NEXT_PATH: &'static [&'static str];
    /// The absolute URL of the next page (`paging.next_page`), `None` (or empty) on the last.
    #[doc(hidden)]
    fn next_url(&self) -> Option<&str>;
    /// The page's items, in order.
    fn items(&self) -> &[Self::Item];
    /// The page's items, in order, by value.
    fn into_items(self) -> Vec<Self::Item>;
    /// A stable identity of an item (its `id`), used to resume after the last delivered
    /// item even when the page changed; `None` when items have none (resuming then
    /// counts items).
    #[doc(hidden)]
    fn item_key(_item: &Self::Item) -> Option<String> {
        None
    }
}

/// Where a paginator starts.
#[derive(Debug)]
enum Start {
    Request(Client, Request),
    Cursor(Client, Cursor),
    /// A cursor, fetched like the template request (operation id, headers, security).
    CursorLike(Client, Request, Cursor),
    Failed(Error),
}

/// A paginated listing, not yet started: choose limits, then stream [`pages`](Self::pages)
/// or [`items`](Self::items).
///
/// ```no_run
/// # use conversocial::Client;
/// # use conversocial::queries::ListUsersQuery;
/// # use futures::TryStreamExt;
/// # async fn run(client: Client) -> Result<(), conversocial::Error> {
/// let mut pages = client.list_users_pages(&ListUsersQuery::new()).max_pages(100).pages();
/// while let Some(page) = pages.try_next().await? {
///     // ... store page.into_items() and page.next_cursor() together; after a restart,
///     // client.list_users_resume(cursor) goes on from there ...
/// #   let _ = page;
/// }
/// # Ok(()) }
/// ```
pub struct Paginator<P> {
    start: Start,
    max_pages: Option<u64>,
    max_items: Option<u64>,
    max_empty_pages: u32,
    page: PhantomData<fn() -> P>,
}

/// Pages in a row without an item, each with a next link, before a stream gives up.
pub const DEFAULT_MAX_EMPTY_PAGES: u32 = 5;

impl<P: Page> Paginator<P> {
    fn from_start(start: Start) -> Self {
        Paginator {
            start,
            max_pages: None,
            max_items: None,
            max_empty_pages: DEFAULT_MAX_EMPTY_PAGES,
            page: PhantomData,
        }
    }

    pub(crate) fn new(client: Client, req: Request) -> Self {
        Paginator::from_start(Start::Request(client, req))
    }

    /// A paginator that continues from a saved `cursor` (same as [`Client::resume`]).
    pub fn resume_from(client: Client, cursor: Cursor) -> Self {
        Paginator::from_start(Start::Cursor(client, cursor))
    }

    /// A paginator that continues from `cursor`, fetching pages like `like` (same as
    /// [`Client::resume_like`]).
    pub(crate) fn resume_like(client: Client, like: Request, cursor: Cursor) -> Self {
        Paginator::from_start(Start::CursorLike(client, like, cursor))
    }

    /// A paginator whose streams yield `error` and end, without sending anything: for a
    /// list operation whose request could not be built.
    #[doc(hidden)]
    pub fn failed(error: Error) -> Self {
        Paginator::from_start(Start::Failed(error))
    }

    /// Fetches at most `n` pages.
    pub fn max_pages(mut self, n: u64) -> Self {
        self.max_pages = Some(n);
        self
    }

    /// Yields at most `n` items from [`items`](Self::items). A page stream cannot stop
    /// within a page, so [`pages`](Self::pages) refuses it: its first item is an
    /// [`Error::InvalidRequest`] saying so, and nothing is sent (use
    /// [`max_pages`](Self::max_pages) with pages).
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// Stops with an error after `n` pages in a row that hold no item but link to a next
    /// page (default [`DEFAULT_MAX_EMPTY_PAGES`]): a server that keeps answering empty
    /// pages with ever new links would otherwise use the quota forever. At least 1.
    pub fn max_empty_pages(mut self, n: u32) -> Self {
        self.max_empty_pages = n.max(1);
        self
    }

    /// The stream of pages. Each [`PageOf`] gives the decoded page, side-loaded arrays
    /// included, and the cursor of the page after it.
    ///
    /// The first page is fetched with the request as given; every later page, and the
    /// page a cursor points to, with a `GET` of the link. Later pages keep the first
    /// request's headers, cookies, accepted media type and security requirement; a page a
    /// cursor points to is fetched as a request without them (see [`Request::security`]).
    pub fn pages(mut self) -> Pages<P> {
        if self.max_items.is_some() {
            let operation = match &self.start {
                Start::Request(_, req) | Start::CursorLike(_, req, _) => req.operation_id,
                Start::Cursor(..) | Start::Failed(_) => RESUMED,
            };
            self.start = Start::Failed(Error::invalid_request(format!(
                "`{operation}`: max_items limits items(), but pages() was asked for: a page \
                 stream cannot stop within a page; use max_pages, or stream items()"
            )));
        }
        self.pages_unlimited()
    }

    /// [`pages`](Self::pages) without the `max_items` check ([`items`](Self::items) counts).
    fn pages_unlimited(self) -> Pages<P> {
        let mut pages = Pages {
            client: None,
            operation_id: RESUMED,
            template: None,
            next: None,
            position: None,
            pending_error: None,
            in_flight: None,
            seen: HashSet::new(),
            fetched: 0,
            max_pages: self.max_pages,
            empty_run: 0,
            max_empty_pages: self.max_empty_pages,
            done: false,
        };
        match self.start {
            Start::Request(client, req) => {
                pages.operation_id = req.operation_id;
                match client.resolve(&req) {
                    Ok(url) => {
                        let cursor = Cursor::new(url, 0);
                        pages.position = Some(cursor.clone());
                        pages.template = Some(req.clone());
                        pages.next = Some((req, cursor));
                    }
                    Err(error) => pages.pending_error = Some(error),
                }
                pages.client = Some(client);
            }
            Start::Cursor(client, cursor) => {
                pages.next = Some((Request::follow(RESUMED, cursor.to_url()), cursor.clone()));
                pages.position = Some(cursor);
                pages.client = Some(client);
            }
            Start::CursorLike(client, like, cursor) => {
                pages.operation_id = like.operation_id;
                pages.next = Some((like.follow_like(cursor.to_url()), cursor.clone()));
                pages.template = Some(like);
                pages.position = Some(cursor);
                pages.client = Some(client);
            }
            Start::Failed(error) => pages.pending_error = Some(error),
        }
        pages
    }

    /// The stream of items, across pages.
    pub fn items(self) -> Items<P> {
        let max_items = self.max_items;
        Items {
            pages: self.pages_unlimited(),
            buffer: VecDeque::new(),
            current: None,
            consumed: 0,
            last_key: None,
            set_aside: Vec::new(),
            yielded: 0,
            max_items,
            done: false,
        }
    }
}

/// The operation name logged for pages fetched from a resumed cursor.
const RESUMED: &str = "resume";

impl<P> fmt::Debug for Paginator<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("start", &self.start)
            .field("max_pages", &self.max_pages)
            .field("max_items", &self.max_items)
            .field("max_empty_pages", &self.max_empty_pages)
            .finish_non_exhaustive()
    }
}

/// A page being fetched: the decoded page and its drift.
type Fetch<P> = BoxFuture<'static, Result<(P, Vec<Drift>), Error>>;

/// The stream of pages of a [`Paginator`]: `Stream<Item = Result<PageOf<P>, Error>>`,
/// `Send` and `Unpin`. It ends after the last page, after `max_pages`, or after its first
/// error.
pub struct Pages<P: Page> {
    client: Option<Client>,
    operation_id: &'static str,
    /// The first request, whose headers, cookies, accepted media type and security
    /// requirement every next-page request keeps (`None` when resumed from a cursor).
    template: Option<Request>,
    /// The next page to fetch.
    next: Option<(Request, Cursor)>,
    /// Where to resume to get everything not yet yielded.
    position: Option<Cursor>,
    /// An error to yield instead of fetching the next page.
    pending_error: Option<Error>,
    in_flight: Option<(Fetch<P>, Cursor)>,
    /// Fingerprints of the page URLs fetched so far: 16 bytes a page, however long the
    /// URLs, so memory stays flat over a long export.
    seen: HashSet<u128>,
    fetched: u64,
    max_pages: Option<u64>,
    /// Pages in a row without an item.
    empty_run: u32,
    max_empty_pages: u32,
    done: bool,
}

impl<P: Page> Pages<P> {
    /// Where to resume to get every page not yet yielded: the page that failed after an
    /// error, the next page after `max_pages` or when the stream is dropped early; `None`
    /// once the last page was yielded.
    pub fn cursor(&self) -> Option<Cursor> {
        self.position.clone()
    }

    fn accept(&mut self, page: P, drift: Vec<Drift>, cursor: Cursor) -> PageOf<P> {
        self.fetched += 1;
        let set_aside = set_aside_positions::<P>(&drift);
        let total = page.items().len() + set_aside.len();
        let (start, last_key) = resume_point(&page, &drift, &set_aside, &cursor, self.operation_id);
        let next_path = P::NEXT_PATH.join(".");
        let link_drift = (!next_path.is_empty())
            .then(|| drift.iter().find(|d| is_within(&next_path, &d.path) || is_within(&d.path, &next_path)))
            .flatten();
        let text = page.next_url().map(str::trim).filter(|url| !url.is_empty());
        let next = match (link_drift, text) {
            (Some(drift), _) => Err(Error::invalid_request(format!(
                "`{}`: the next-page link of page {} did not decode ({drift}); stopping here \
                 rather than taking it for the last page",
                self.operation_id, self.fetched
            ))),
            (None, None) => Ok(None),
            (None, Some(text)) => Cursor::from_next_url(text, cursor.page_url()).map(Some),
        };
        let next = match next {
            Ok(next) => next,
            Err(error) => {
                // the cursor stays on this page, every item delivered: resuming meets the
                // same link again instead of ending quietly
                self.pending_error = Some(error);
                let here = cursor.with_skip(total as u64, last_key);
                self.position = Some(here.clone());
                self.next = None;
                return PageOf {
                    page,
                    cursor,
                    next: Some(here),
                    number: self.fetched,
                    drift,
                    set_aside,
                    start,
                };
            }
        };
        self.empty_run = if total == 0 && next.is_some() { self.empty_run + 1 } else { 0 };
        if self.empty_run >= self.max_empty_pages {
            self.pending_error = Some(Error::invalid_request(format!(
                "`{}`: {} pages in a row held no item but linked to a next page; stopping \
                 (Paginator::max_empty_pages sets how many are allowed)",
                self.operation_id, self.empty_run
            )));
        }
        self.position = next.clone();
        self.next = next.clone().map(|next| {
            let req = match &self.template {
                Some(first) => first.follow_like(next.to_url()),
                None => Request::follow(self.operation_id, next.to_url()),
            };
            (req, next)
        });
        PageOf { page, cursor, next, number: self.fetched, drift, set_aside, start }
    }

    fn finish(&mut self, item: Option<Result<PageOf<P>, Error>>) -> Poll<Option<Result<PageOf<P>, Error>>> {
        self.done = true;
        self.next = None;
        Poll::Ready(item)
    }
}

impl<P: Page> Unpin for Pages<P> {}

impl<P: Page> Stream for Pages<P> {
    type Item = Result<PageOf<P>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some((future, cursor)) = &mut this.in_flight {
                let result = ready!(future.as_mut().poll(cx));
                let cursor = cursor.clone();
                this.in_flight = None;
                return match result {
                    Ok((page, drift)) => Poll::Ready(Some(Ok(this.accept(page, drift, cursor)))),
                    Err(error) => this.finish(Some(Err(error))),
                };
            }
            if let Some(error) = this.pending_error.take() {
                return this.finish(Some(Err(error)));
            }
            let Some((req, cursor)) = this.next.take() else {
                return this.finish(None);
            };
            if this.max_pages.is_some_and(|max| this.fetched >= max) {
                return this.finish(None);
            }
            if !this.seen.insert(fingerprint(cursor.url())) {
                let error = Error::invalid_request(format!(
                    "`{}`: the API's next-page link {} points to a page already fetched; \
                     stopping instead of looping",
                    this.operation_id,
                    cursor.url()
                ));
                return this.finish(Some(Err(error)));
            }
            let Some(client) = this.client.clone() else {
                return this.finish(None);
            };
            this.in_flight = Some((Box::pin(async move { client.execute_decoded::<P>(req).await }), cursor));
        }
    }
}

impl<P: Page> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("operation_id", &self.operation_id)
            .field("position", &self.position)
            .field("fetched", &self.fetched)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// A 128-bit fingerprint of a URL (two SipHash runs with fixed, different keys). A false
/// match would need about 2^64 pages, and would stop the stream with an error, never
/// skip a page silently.
fn fingerprint(url: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    let mut first = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut first);
    let mut second = std::collections::hash_map::DefaultHasher::new();
    (0x5eed_u16, url).hash(&mut second);
    (u128::from(first.finish()) << 64) | u128::from(second.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::DriftAction;
    use crate::runtime::page_of::Entry;

    #[derive(serde::Deserialize)]
    struct Numbers {
        items: Vec<u32>,
        next: Option<String>,
    }

    impl Page for Numbers {
        type Item = u32;
        const ITEMS_PATH: &'static [&'static str] = &["items"];
        const NEXT_PATH: &'static [&'static str] = &["next"];
        fn next_url(&self) -> Option<&str> {
            self.next.as_deref()
        }
        fn items(&self) -> &[u32] {
            &self.items
        }
        fn into_items(self) -> Vec<u32> {
            self.items
        }
        fn item_key(item: &u32) -> Option<String> {
            Some(item.to_string())
        }
    }

    fn assert_send_unpin<T: Send + Unpin>() {}

    #[test]
    fn streams_are_send_and_unpin() {
        assert_send_unpin::<Pages<Numbers>>();
        assert_send_unpin::<Items<Numbers>>();
        assert_send_unpin::<Paginator<Numbers>>();
    }

    fn page_of(items: Vec<u32>, drift: Vec<Drift>, cursor: Cursor) -> PageOf<Numbers> {
        let mut pages = Paginator::<Numbers>::failed(Error::invalid_request("unused")).pages();
        pages.pending_error = None;
        pages.accept(Numbers { items, next: None }, drift, cursor)
    }

    fn aside(index: usize, id: u32) -> Drift {
        Drift::new(
            format!("items[{index}]"),
            format!("items[{index}].n"),
            "missing field `n`".into(),
            "absent",
            serde_json::json!({ "id": id }),
            DriftAction::SetAside,
        )
    }

    #[test]
    fn page_of_skips_delivered_items() {
        let url = url::Url::parse("https://h/x").unwrap();
        let page = page_of(vec![1, 2, 3], Vec::new(), Cursor::new(url.clone(), 2));
        assert_eq!(page.skipped(), 2);
        assert_eq!(page.items.len(), 3);
        assert_eq!(page.into_items(), vec![3]);
        let page = page_of(vec![1], Vec::new(), Cursor::new(url, 5));
        assert!(page.into_items().is_empty());
    }

    #[test]
    fn resuming_after_an_id_survives_a_shifted_page() {
        let url = url::Url::parse("https://h/x").unwrap();
        // 1 and 2 were delivered; since then 0 was inserted before them
        let cursor = Cursor::new(url.clone(), 2).with_skip(2, Some("2".into()));
        let page = page_of(vec![0, 1, 2, 3, 4], Vec::new(), cursor);
        assert_eq!(page.skipped(), 3);
        assert_eq!(page.into_items(), vec![3, 4]);
        // 1 was deleted since: by count, 3 would be skipped
        let cursor = Cursor::new(url.clone(), 2).with_skip(2, Some("2".into()));
        assert_eq!(page_of(vec![2, 3, 4], Vec::new(), cursor).into_items(), vec![3, 4]);
        // the id is gone: the count decides
        let cursor = Cursor::new(url, 2).with_skip(2, Some("9".into()));
        assert_eq!(page_of(vec![1, 2, 3], Vec::new(), cursor).into_items(), vec![3]);
    }

    #[test]
    fn set_aside_items_keep_their_place() {
        let url = url::Url::parse("https://h/x").unwrap();
        // received: [1, <bad 7>, 3, <bad 8>]
        let drift = vec![aside(1, 7), aside(3, 8)];
        let page = page_of(vec![1, 3], drift.clone(), Cursor::new(url.clone(), 0));
        assert_eq!(page.set_aside().map(|d| d.path.as_str()).collect::<Vec<_>>(), ["items[1]", "items[3]"]);
        let (_, start, entries) = page.into_entries();
        assert_eq!(start, 0);
        let order: Vec<String> = entries
            .iter()
            .map(|e| match e {
                Entry::Item(n) => n.to_string(),
                Entry::SetAside(d) => format!("raw {}", d.raw["id"]),
            })
            .collect();
        assert_eq!(order, ["1", "raw 7", "3", "raw 8"]);
        // resumed after the first set-aside item (by its raw id)
        let cursor = Cursor::new(url, 2).with_skip(2, Some("7".into()));
        let page = page_of(vec![1, 3], drift, cursor);
        assert_eq!(page.skipped(), 2);
        assert_eq!(page.set_aside().count(), 1);
        assert_eq!(page.into_items(), vec![3]);
    }

    /// Polls once: enough for streams that fail before sending anything.
    fn poll_once<S: Stream + Unpin>(stream: &mut S) -> Poll<Option<S::Item>> {
        Pin::new(stream).poll_next(&mut Context::from_waker(std::task::Waker::noop()))
    }

    #[test]
    fn a_failed_paginator_yields_its_error() {
        let mut items = Paginator::<Numbers>::failed(Error::invalid_request("bad sort")).items();
        assert!(matches!(poll_once(&mut items), Poll::Ready(Some(Err(Error::InvalidRequest { .. })))));
        assert!(matches!(poll_once(&mut items), Poll::Ready(None)));
        assert!(items.cursor().is_none());
    }

    #[test]
    fn pages_refuse_max_items() {
        let client =
            Client::builder().base_url("https://api.example").credentials("n", "secret").build().unwrap();
        let req = Request::new(reqwest::Method::GET, "listNumbers", "/numbers".into());
        let mut pages = client.paginate::<Numbers>(req).max_items(3).pages();
        let Poll::Ready(Some(Err(error))) = poll_once(&mut pages) else { panic!("expected an error") };
        assert!(error.to_string().contains("`listNumbers`: max_items limits items()"), "{error}");
        assert!(matches!(poll_once(&mut pages), Poll::Ready(None)));
    }

    #[test]
    fn a_cursor_off_the_api_origin_is_refused_before_sending() {
        let client =
            Client::builder().base_url("https://api.example").credentials("n", "secret").build().unwrap();
        let cursor: Cursor = "https://elsewhere.example/x".parse().unwrap();
        let mut pages = client.resume::<Numbers>(cursor).pages();
        assert!(matches!(poll_once(&mut pages), Poll::Ready(Some(Err(Error::InvalidRequest { .. })))));
        assert!(matches!(poll_once(&mut pages), Poll::Ready(None)));
    }
}
