//! [`PageOf`]: one fetched page with its place in the listing, and where delivery
//! starts on a page fetched again from a saved cursor (by the last item's id, else by
//! count); the items set aside by drift-tolerant decoding keep their places.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Deref;

use super::paginate::Page;
use super::{Cursor, Drift, DriftAction};

/// One fetched page: the decoded `P` (reachable through `Deref`, [`page`](Self::page) or
/// [`into_page`](Self::into_page), side-loaded arrays included), where it sits in the
/// listing, and what did not match the API description ([`drift`](Self::drift),
/// [`set_aside`](Self::set_aside)).
pub struct PageOf<P: Page> {
    pub(crate) page: P,
    pub(crate) cursor: Cursor,
    pub(crate) next: Option<Cursor>,
    pub(crate) number: u64,
    pub(crate) drift: Vec<Drift>,
    /// `(position in the item array, index into drift)` of the items set aside, by position.
    pub(crate) set_aside: Vec<(usize, usize)>,
    /// Items (set aside or not) at the start already delivered before a resume.
    pub(crate) start: usize,
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

    /// The page's decoded items, without those at its start already delivered before a
    /// resume ([`skipped`](Self::skipped)).
    pub fn into_items(self) -> Vec<P::Item> {
        let mut items = self.page.into_items();
        let skip = typed_before(&self.set_aside, self.start).min(items.len());
        items.drain(..skip);
        items
    }

    /// Items of the listing that could not be decoded and were set aside whole (each
    /// [`Drift::raw`] holds one as received), without those already delivered before a
    /// resume. Empty when the page matched the API description.
    pub fn set_aside(&self) -> impl Iterator<Item = &Drift> + '_ {
        self.set_aside
            .iter()
            .filter(|(position, _)| *position >= self.start)
            .filter_map(|(_, i)| self.drift.get(*i))
    }

    /// Everything in this page's response that did not match the API description, and
    /// what the client did about it (side-loaded arrays and the set-aside items included).
    pub fn drift(&self) -> &[Drift] {
        &self.drift
    }

    /// Where to resume to fetch everything after this page; `None` on the last page.
    /// Persist it once the page is processed. When the page's next link could not be
    /// read, this points at the page itself with all its items delivered, so resuming
    /// meets the same error rather than ending quietly.
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
        self.start as u64
    }

    /// The 1-based number of this page within the stream.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The not yet delivered items, decoded or set aside, in the order of the listing.
    pub(crate) fn into_entries(self) -> (Cursor, usize, VecDeque<Entry<P::Item>>) {
        let PageOf { page, cursor, drift, set_aside, start, .. } = self;
        let mut drift: Vec<Option<Drift>> = drift.into_iter().map(Some).collect();
        let mut typed = page.into_items().into_iter();
        let mut set_aside = set_aside.into_iter().peekable();
        let mut entries = VecDeque::new();
        let mut position = 0;
        loop {
            let entry = match set_aside.next_if(|(p, _)| *p == position) {
                Some((_, i)) => match drift.get_mut(i).and_then(Option::take) {
                    Some(drift) => Entry::SetAside(drift),
                    None => continue,
                },
                None => match typed.next() {
                    Some(item) => Entry::Item(item),
                    None => break,
                },
            };
            if position >= start {
                entries.push_back(entry);
            }
            position += 1;
        }
        (cursor, start, entries)
    }
}

/// An item of the listing: decoded, or set aside.
pub(crate) enum Entry<T> {
    Item(T),
    SetAside(Drift),
}

/// How many decoded items stand before `position`, given the set-aside positions.
fn typed_before(set_aside: &[(usize, usize)], position: usize) -> usize {
    position - set_aside.iter().filter(|(p, _)| *p < position).count()
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
            .field("skipped", &self.start)
            .field("drift", &self.drift.len())
            .field("page", &self.page)
            .finish()
    }
}

/// `(position, drift index)` of the items of `P`'s item array that were set aside.
pub(crate) fn set_aside_positions<P: Page>(drift: &[Drift]) -> Vec<(usize, usize)> {
    let items = P::ITEMS_PATH.join(".");
    let mut out: Vec<(usize, usize)> = drift
        .iter()
        .enumerate()
        .filter(|(_, d)| d.action == DriftAction::SetAside)
        .filter_map(|(i, d)| {
            let index = d.path.strip_prefix(items.as_str())?.strip_prefix('[')?.strip_suffix(']')?;
            Some((index.parse().ok()?, i))
        })
        .collect();
    out.sort_unstable();
    out
}

/// The id of an item kept as received: its `id` member, as text.
pub(crate) fn raw_key(raw: &serde_json::Value) -> Option<String> {
    match raw.get("id")? {
        serde_json::Value::String(id) => Some(id.clone()),
        serde_json::Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// Where delivery starts on a page fetched from `cursor`, and the key of the page's last
/// item: after the item named by [`Cursor::after`] when it is on the page, else after
/// [`Cursor::skip`] items.
pub(crate) fn resume_point<P: Page>(
    page: &P,
    drift: &[Drift],
    set_aside: &[(usize, usize)],
    cursor: &Cursor,
    operation_id: &str,
) -> (usize, Option<String>) {
    let typed = page.items();
    let total = typed.len() + set_aside.len();
    let mut keys = Vec::with_capacity(total);
    let mut next_typed = typed.iter();
    let mut aside = set_aside.iter().peekable();
    for position in 0..total {
        let key = match aside.next_if(|(p, _)| *p == position) {
            Some((_, i)) => drift.get(*i).and_then(|d| raw_key(&d.raw)),
            None => next_typed.next().and_then(P::item_key),
        };
        keys.push(key);
    }
    let last_key = keys.last().cloned().flatten();
    let skip = usize::try_from(cursor.skip()).unwrap_or(usize::MAX);
    if skip == 0 {
        return (0, last_key);
    }
    if let Some(after) = cursor.after() {
        if let Some(position) = keys.iter().position(|key| key.as_deref() == Some(after)) {
            return (position + 1, last_key);
        }
        tracing::warn!(
            operation = operation_id,
            after,
            skip,
            "the item a cursor resumed after is no longer on its page; resuming by count"
        );
    }
    (skip.min(total), last_key)
}
