//! Loading: YAML or JSON text into a [`Document`], with errors that name a JSON pointer.
//!
//! The text becomes a compact tree (`tree.rs`; JSON through `serde_json`, YAML through the
//! streaming `saphyr-parser`); the document's parts are deserialized into `openapiv3`
//! types only when lowering asks for them, one at a time. The whole document in
//! `openapiv3`'s types would take about ten times the text's size; the tree takes about
//! one and a half.

mod de;
mod document;
mod json;
mod tree;
mod yaml;

pub use document::{Components, Document, INTERNAL, Part};

use crate::error::Error;

/// Parses an OpenAPI 3.0 document from YAML or JSON text (JSON is a subset of YAML).
///
/// Only the document's outline is checked here (version, `info`, `security`, the maps of
/// paths and components); each path item and component is checked when it is read.
pub fn parse(text: &str) -> Result<Document, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = if text.trim_start().starts_with(['{', '[']) {
        // JSON, or YAML in flow style (`{openapi: 3.0.3, …}`): JSON first, then YAML. If
        // neither reads it, the JSON parser's error says more about text that looks like JSON.
        json::parse(text).or_else(|json_error| yaml::parse(text).map_err(|_| json_error))?
    } else {
        yaml::parse(text)?
    };
    Document::new(tree)
}
