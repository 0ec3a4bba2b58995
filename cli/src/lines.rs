//! Turning a fetched page into output lines: one object a listed item, side-loaded
//! content joined to its conversation, and everything the client could not decode.

use std::collections::{HashMap, HashSet};

use conversocial::models::ConversationList;
use conversocial::{Drift, Page, PageOf};
use serde::Serialize;
use serde_json::{Value, json};

use crate::exit::Failure;
use crate::output::Lines;

fn to_value<T: Serialize>(item: &T) -> Result<Value, Failure> {
    serde_json::to_value(item)
        .map_err(|e| Failure::config(format!("internal: an item could not be encoded: {e}")))
}

/// The drift lines of a page, for the set-aside file: every item set aside whole and
/// every value left out of an item, each with the value as received. On the first page
/// of a resumed stream ([`PageOf::skipped`] > 0) only the items not delivered before.
fn drift_lines<P: Page>(page: &PageOf<P>) -> Vec<Value> {
    let at = page.cursor().url().to_owned();
    let line = |drift: &Drift| {
        json!({
            "page": at,
            "action": drift.action.as_str(),
            "path": drift.path,
            "field": drift.field,
            "reason": drift.reason,
            "raw": drift.raw,
        })
    };
    if page.skipped() > 0 {
        page.set_aside().map(line).collect()
    } else {
        page.drift().iter().map(line).collect()
    }
}

/// Lines for a list without side-loaded arrays.
pub fn plain<P: Page>(page: PageOf<P>) -> Result<Lines, Failure>
where
    P::Item: Serialize,
{
    let set_aside = drift_lines(&page);
    let main = page.into_items().iter().map(to_value).collect::<Result<_, _>>()?;
    Ok(Lines { main, sideloaded: Vec::new(), set_aside })
}

/// Lines for conversations: each conversation with a `content` array of its side-loaded
/// content (in `content_ids` order) when `with_content`; notes, actions and content no
/// conversation of the page names go to the sideloaded stream as
/// `{"kind": "note" | "action" | "content", "page": URL, "item": {...}}` (the API does not
/// say which conversation a note or action belongs to).
pub fn conversations(page: PageOf<ConversationList>, with_content: bool) -> Result<Lines, Failure> {
    let set_aside = drift_lines(&page);
    let at = page.cursor().url().to_owned();
    let first_delivery = page.skipped() == 0;
    let content = page.content.clone().unwrap_or_default();
    let notes = page.notes.clone().unwrap_or_default();
    let actions = page.actions.clone().unwrap_or_default();
    let items = page.into_items();

    let mut by_id: HashMap<&str, Value> = HashMap::new();
    for item in &content {
        by_id.insert(item.id.as_ref(), to_value(item)?);
    }
    let mut joined: HashSet<&str> = HashSet::new();
    let mut main = Vec::with_capacity(items.len());
    for conversation in &items {
        let mut line = to_value(conversation)?;
        if with_content {
            let mut own = Vec::new();
            for id in conversation.content_ids.iter().flatten() {
                if let Some(value) = by_id.get(id.as_ref()) {
                    own.push(value.clone());
                    joined.insert(id.as_ref());
                }
            }
            if let Value::Object(map) = &mut line {
                map.insert("content".to_owned(), Value::Array(own));
            }
        }
        main.push(line);
    }

    let mut sideloaded = Vec::new();
    if first_delivery {
        let side = |kind: &str, item: Value| json!({ "kind": kind, "page": at, "item": item });
        for item in &content {
            let id: &str = item.id.as_ref();
            if !with_content || !joined.contains(id) {
                sideloaded.push(side("content", to_value(item)?));
            }
        }
        for note in &notes {
            sideloaded.push(side("note", to_value(note)?));
        }
        for action in &actions {
            sideloaded.push(side("action", to_value(action)?));
        }
    }
    Ok(Lines { main, sideloaded, set_aside })
}
