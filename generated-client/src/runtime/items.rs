//! [`Items`]: the stream of items of a [`Paginator`](super::Paginator), across pages.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::Stream;

use super::page_of::{Entry, raw_key};
use super::paginate::{Page, Pages};
use super::{Cursor, Drift, Error};

/// The stream of items of a [`Paginator`](super::Paginator): `Stream<Item = Result<P::Item, Error>>`,
/// `Send` and `Unpin`. It ends after the last item, after `max_items`, or after its first
/// error.
///
/// Items that could not be decoded are not yielded but set aside, in order, for
/// [`take_set_aside`](Self::take_set_aside); they count as delivered in the
/// [`cursor`](Self::cursor) once the stream has gone past them.
pub struct Items<P: Page> {
    pub(crate) pages: Pages<P>,
    pub(crate) buffer: VecDeque<Entry<P::Item>>,
    /// The page being drained.
    pub(crate) current: Option<Cursor>,
    /// Items of the current page delivered so far (its initial skip included).
    pub(crate) consumed: u64,
    /// The key of the last item delivered from the current page.
    pub(crate) last_key: Option<String>,
    pub(crate) set_aside: Vec<Drift>,
    pub(crate) yielded: u64,
    pub(crate) max_items: Option<u64>,
    pub(crate) done: bool,
}

impl<P: Page> Items<P> {
    /// Where to resume to get every item not yet yielded (even mid-page); `None` once
    /// the last item was yielded.
    pub fn cursor(&self) -> Option<Cursor> {
        match &self.current {
            Some(current) if !self.buffer.is_empty() => {
                Some(current.with_skip(self.consumed, self.last_key.clone()))
            }
            _ => self.pages.cursor(),
        }
    }

    /// The items set aside since the last call: listed items that could not be decoded,
    /// each kept as received in [`Drift::raw`] with the reason. Call it as often as you
    /// persist [`cursor`](Self::cursor), and nothing is lost.
    pub fn take_set_aside(&mut self) -> Vec<Drift> {
        std::mem::take(&mut self.set_aside)
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
            if let Some(entry) = this.buffer.pop_front() {
                this.consumed += 1;
                match entry {
                    Entry::Item(item) => {
                        this.last_key = P::item_key(&item);
                        this.yielded += 1;
                        return Poll::Ready(Some(Ok(item)));
                    }
                    Entry::SetAside(drift) => {
                        this.last_key = raw_key(&drift.raw);
                        this.set_aside.push(drift);
                        continue;
                    }
                }
            }
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => {
                    let (cursor, start, entries) = page.into_entries();
                    this.consumed = start as u64;
                    this.last_key = cursor.after().map(str::to_owned);
                    this.current = Some(cursor);
                    this.buffer = entries;
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
            .field("set_aside", &self.set_aside.len())
            .finish_non_exhaustive()
    }
}
