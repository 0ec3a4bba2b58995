//! Pagination: the [`Page`] trait generated list responses implement, the [`Paginator`]
//! that list operations return, and its streams of pages ([`Pages`]) and items ([`Items`]).
//!
//! The paginator follows the API's `next_page` link verbatim (it already carries every
//! filter and the keyset position) until it is null, and never follows `prev_page`. A
//! link off the base URL's origin ends the stream with [`Error::InvalidRequest`] before
//! any request is made; so does a link to a page already fetched. Both streams stop
//! after their first error, and can then tell where to resume.

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::Stream;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use super::{Client, Cursor, Error, Request};

/// A decoded page of a list response. Generated list response types implement it.
pub trait Page: DeserializeOwned + Send + 'static {
    /// The type of the listed items.
    type Item: Send + 'static;
    /// The absolute URL of the next page (`paging.next_page`), `None` (or empty) on the last.
    fn next_url(&self) -> Option<&str>;
    /// The page's items, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

/// Where a paginator starts.
#[derive(Debug)]
enum Start {
    Request(Client, Request),
    Cursor(Client, Cursor),
    Failed(Error),
}

/// A paginated listing, not yet started: choose limits, then stream [`pages`](Self::pages)
/// or [`items`](Self::items).
///
/// ```no_run
/// # use conversocial::runtime::{Client, Page, Request};
/// # use futures::TryStreamExt;
/// # #[derive(serde::Deserialize)] struct Users { users: Vec<String>, next: Option<String> }
/// # impl Page for Users { type Item = String;
/// #   fn next_url(&self) -> Option<&str> { self.next.as_deref() }
/// #   fn into_items(self) -> Vec<String> { self.users } }
/// # async fn run(client: Client) -> Result<(), conversocial::runtime::Error> {
/// let req = Request::new(reqwest::Method::GET, "list_users", "/users".into());
/// let mut pages = client.paginate::<Users>(req).max_pages(100).pages();
/// while let Some(page) = pages.try_next().await? {
///     // ... store page.users, then persist page.next_cursor() ...
/// }
/// # Ok(()) }
/// ```
pub struct Paginator<P> {
    start: Start,
    max_pages: Option<u64>,
    max_items: Option<u64>,
    page: PhantomData<fn() -> P>,
}

impl<P: Page> Paginator<P> {
    fn from_start(start: Start) -> Self {
        Paginator { start, max_pages: None, max_items: None, page: PhantomData }
    }

    pub(crate) fn new(client: Client, req: Request) -> Self {
        Paginator::from_start(Start::Request(client, req))
    }

    /// A paginator that continues from a saved `cursor` (same as [`Client::resume`]).
    pub fn resume_from(client: Client, cursor: Cursor) -> Self {
        Paginator::from_start(Start::Cursor(client, cursor))
    }

    /// A paginator whose streams yield `error` and end, without sending anything: for a
    /// list operation whose request could not be built.
    pub fn failed(error: Error) -> Self {
        Paginator::from_start(Start::Failed(error))
    }

    /// Fetches at most `n` pages.
    pub fn max_pages(mut self, n: u64) -> Self {
        self.max_pages = Some(n);
        self
    }

    /// Yields at most `n` items from [`items`](Self::items) (ignored by [`pages`](Self::pages),
    /// which cannot count items without consuming the page).
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// The stream of pages. Each [`PageOf`] gives the decoded page, side-loaded arrays
    /// included, and the cursor of the page after it.
    ///
    /// The first page is fetched with the request as given; every later page, and the
    /// page a cursor points to, with a `GET` of the link. Later pages keep the first
    /// request's headers, cookies, accepted media type and security requirement; a page a
    /// cursor points to is fetched as a request without them (see [`Request::security`]).
    pub fn pages(self) -> Pages<P> {
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
            Start::Failed(error) => pages.pending_error = Some(error),
        }
        pages
    }

    /// The stream of items, across pages.
    pub fn items(self) -> Items<P> {
        let max_items = self.max_items;
        Items {
            pages: self.pages(),
            buffer: Vec::new().into_iter(),
            current: None,
            consumed: 0,
            yielded: 0,
            max_items,
            done: false,
        }
    }
}

/// The operation name logged for pages fetched from a resumed cursor.
const RESUMED: &str = "resume_paginated";

impl<P> fmt::Debug for Paginator<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("start", &self.start)
            .field("max_pages", &self.max_pages)
            .field("max_items", &self.max_items)
            .finish_non_exhaustive()
    }
}

/// One fetched page: the decoded `P` (reachable through `Deref`, [`page`](Self::page) or
/// [`into_page`](Self::into_page), side-loaded arrays included) and where it sits in the
/// listing.
pub struct PageOf<P: Page> {
    page: P,
    cursor: Cursor,
    next: Option<Cursor>,
    number: u64,
}

impl<P: Page> PageOf<P> {
    /// The decoded page.
    pub fn page(&self) -> &P {
        &self.page
    }

    /// The decoded page, by value.
    pub fn into_page(self) -> P {
        self.page
    }

    /// The page's items, without the first [`skipped`](Self::skipped) ones (already
    /// delivered before a resume).
    pub fn into_items(self) -> Vec<P::Item> {
        let mut items = self.page.into_items();
        let skip = usize::try_from(self.cursor.skip()).unwrap_or(usize::MAX).min(items.len());
        items.drain(..skip);
        items
    }

    /// Where to resume to fetch everything after this page; `None` on the last page.
    /// Persist it once the page is processed.
    pub fn next_cursor(&self) -> Option<Cursor> {
        self.next.clone()
    }

    /// The position of this page itself.
    pub fn cursor(&self) -> &Cursor {
        &self.cursor
    }

    /// How many items at the start of this page had been delivered before a resume
    /// (0 except for the first page of a stream resumed mid-page).
    pub fn skipped(&self) -> u64 {
        self.cursor.skip()
    }

    /// The 1-based number of this page within the stream.
    pub fn number(&self) -> u64 {
        self.number
    }
}

impl<P: Page> Deref for PageOf<P> {
    type Target = P;
    fn deref(&self) -> &P {
        &self.page
    }
}

impl<P: Page + fmt::Debug> fmt::Debug for PageOf<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageOf")
            .field("number", &self.number)
            .field("cursor", &self.cursor)
            .field("next", &self.next)
            .field("page", &self.page)
            .finish()
    }
}

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
    in_flight: Option<(BoxFuture<'static, Result<P, Error>>, Cursor)>,
    /// Fingerprints of the page URLs fetched so far: 16 bytes a page, however long the
    /// URLs, so memory stays flat over a long export.
    seen: HashSet<u128>,
    fetched: u64,
    max_pages: Option<u64>,
    done: bool,
}

impl<P: Page> Pages<P> {
    /// Where to resume to get every page not yet yielded: the page that failed after an
    /// error, the next page after `max_pages` or when the stream is dropped early; `None`
    /// once the last page was yielded.
    pub fn cursor(&self) -> Option<Cursor> {
        self.position.clone()
    }

    fn accept(&mut self, page: P, cursor: Cursor) -> PageOf<P> {
        self.fetched += 1;
        let next = match page.next_url().map(str::trim).filter(|url| !url.is_empty()) {
            None => None,
            Some(text) => match Cursor::from_next_url(text) {
                Ok(next) => Some(next),
                Err(error) => {
                    self.pending_error = Some(error);
                    None
                }
            },
        };
        self.position = next.clone();
        self.next = next.clone().map(|next| {
            let req = match &self.template {
                Some(first) => first.follow_like(next.to_url()),
                None => Request::follow(self.operation_id, next.to_url()),
            };
            (req, next)
        });
        PageOf { page, cursor, next, number: self.fetched }
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
                    Ok(page) => Poll::Ready(Some(Ok(this.accept(page, cursor)))),
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
            this.in_flight = Some((Box::pin(async move { client.execute::<P>(req).await }), cursor));
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

/// The stream of items of a [`Paginator`]: `Stream<Item = Result<P::Item, Error>>`,
/// `Send` and `Unpin`. It ends after the last item, after `max_items`, or after its first
/// error.
pub struct Items<P: Page> {
    pages: Pages<P>,
    buffer: std::vec::IntoIter<P::Item>,
    /// The page being drained.
    current: Option<Cursor>,
    /// Items of the current page delivered so far (its initial skip included).
    consumed: u64,
    yielded: u64,
    max_items: Option<u64>,
    done: bool,
}

impl<P: Page> Items<P> {
    /// Where to resume to get every item not yet yielded (even mid-page); `None` once
    /// the last item was yielded.
    pub fn cursor(&self) -> Option<Cursor> {
        match &self.current {
            Some(current) if self.buffer.len() > 0 => Some(current.with_skip(self.consumed)),
            _ => self.pages.cursor(),
        }
    }
}

impl<P: Page> Unpin for Items<P> {}

impl<P: Page> Stream for Items<P> {
    type Item = Result<P::Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.done || this.max_items.is_some_and(|max| this.yielded >= max) {
                this.done = true;
                return Poll::Ready(None);
            }
            if let Some(item) = this.buffer.next() {
                this.consumed += 1;
                this.yielded += 1;
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => {
                    this.consumed = page.skipped();
                    this.current = Some(page.cursor().clone());
                    this.buffer = page.into_items().into_iter();
                }
                Some(Err(error)) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(error)));
                }
                None => {
                    this.done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl<P: Page> fmt::Debug for Items<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .field("yielded", &self.yielded)
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

    #[derive(serde::Deserialize)]
    struct Numbers {
        items: Vec<u32>,
        next: Option<String>,
    }

    impl Page for Numbers {
        type Item = u32;
        fn next_url(&self) -> Option<&str> {
            self.next.as_deref()
        }
        fn into_items(self) -> Vec<u32> {
            self.items
        }
    }

    fn assert_send_unpin<T: Send + Unpin>() {}

    #[test]
    fn streams_are_send_and_unpin() {
        assert_send_unpin::<Pages<Numbers>>();
        assert_send_unpin::<Items<Numbers>>();
        assert_send_unpin::<Paginator<Numbers>>();
    }

    #[test]
    fn page_of_skips_delivered_items() {
        let url = url::Url::parse("https://h/x").unwrap();
        let page = PageOf {
            page: Numbers { items: vec![1, 2, 3], next: None },
            cursor: Cursor::new(url.clone(), 2),
            next: None,
            number: 1,
        };
        assert_eq!(page.skipped(), 2);
        assert_eq!(page.items.len(), 3);
        assert_eq!(page.into_items(), vec![3]);
        let page = PageOf {
            page: Numbers { items: vec![1], next: None },
            cursor: Cursor::new(url, 5),
            next: None,
            number: 1,
        };
        assert!(page.into_items().is_empty());
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
    fn a_cursor_off_the_api_origin_is_refused_before_sending() {
        let client =
            Client::builder().base_url("https://api.example").credentials("n", "secret").build().unwrap();
        let cursor: Cursor = "https://elsewhere.example/x".parse().unwrap();
        let mut pages = client.resume::<Numbers>(cursor).pages();
        assert!(matches!(poll_once(&mut pages), Poll::Ready(Some(Err(Error::InvalidRequest { .. })))));
        assert!(matches!(poll_once(&mut pages), Poll::Ready(None)));
    }
}
