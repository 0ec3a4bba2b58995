//! Drift: where a response did not match the API description, what the client did about
//! it ([`Drift`], [`DriftAction`]), and the per-client record of it ([`DriftSummary`],
//! the `on_drift` hook, one warning per distinct drift).
//!
//! Much of an API description is written from documentation and examples; the real API
//! sends what it sends. By default a [`Client`](super::Client) decodes a response that
//! does not fit its schema anyway: a field of the wrong type reads as absent, an item that
//! cannot be decoded is set aside whole, a missing discriminator is inferred, and every
//! such repair is reported as a [`Drift`] that keeps the value as it came. Strict mode
//! ([`ClientBuilder::strict_decoding`](super::ClientBuilder::strict_decoding)) turns any
//! drift back into [`Error::Decode`](super::Error::Decode).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// What the client did with a value that did not match the API description.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DriftAction {
    /// A member of an object (an optional field, an entry of a map) was left out: it reads
    /// as absent (`None`, an empty list, or its default). [`Drift::raw`] holds it.
    Ignored,
    /// An element of an array (a listed item, a side-loaded record) could not be decoded
    /// and was set aside whole; the other elements decoded. [`Drift::raw`] holds it.
    SetAside,
    /// A `oneOf` came without its discriminator property; the variant was found by
    /// matching, as if the property had been this tag.
    TagInferred(String),
}

impl DriftAction {
    /// `ignored`, `set aside` or `tag inferred`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DriftAction::Ignored => "ignored",
            DriftAction::SetAside => "set aside",
            DriftAction::TagInferred(_) => "tag inferred",
        }
    }
}

/// One place where a response did not match the API description, and what was done.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Drift {
    /// JSON path, in the body as received, of the value that was left out, set aside or
    /// whose tag was inferred: `conversations[3].content[0].sentiment`.
    pub path: String,
    /// JSON path of the value that did not fit, at or inside [`path`](Self::path):
    /// `conversations[3].content[0].sentiment.created_by`.
    pub field: String,
    /// What the decoder expected, in its words: `invalid type: string "Sam", expected
    /// struct UserRef`, `missing field `id``.
    pub reason: String,
    /// The JSON kind of the value at [`field`](Self::field): `string`, `number`, `object`,
    /// `array`, `boolean`, `null`, or `absent`.
    pub seen: &'static str,
    /// The value at [`path`](Self::path), exactly as received.
    pub raw: Value,
    /// What the client did.
    pub action: DriftAction,
}

impl Drift {
    pub(crate) fn new(
        path: String,
        field: String,
        reason: String,
        seen: &'static str,
        raw: Value,
        action: DriftAction,
    ) -> Self {
        Drift { path, field, reason, seen, raw, action }
    }

    /// [`field`](Self::field) with every array index written `[]`: the same drift in
    /// every item of a list has one pattern.
    pub fn pattern(&self) -> String {
        pattern(&self.field)
    }

    /// What was expected, without the value seen: the part of [`reason`](Self::reason)
    /// after `expected`, or the whole reason.
    pub fn expected(&self) -> &str {
        match self.reason.rsplit_once(", expected ") {
            Some((_, expected)) => expected,
            None => &self.reason,
        }
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({} {})", self.field, self.reason, self.action.as_str(), self.path)
    }
}

/// The JSON kind of `value`, as [`Drift::seen`] names it.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' if in_index => in_index = false,
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// One distinct drift seen by a client, with how often it was seen: see
/// [`Client::drift_summary`](super::Client::drift_summary).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DriftSummary {
    /// The operation whose response drifted (`resume` for pages fetched from a cursor).
    pub operation: &'static str,
    /// The field's path with indices as `[]`: `conversations[].content[].sentiment.created_by`.
    pub pattern: String,
    /// What was expected ([`Drift::expected`]).
    pub expected: String,
    /// The JSON kind received ([`Drift::seen`]).
    pub seen: &'static str,
    /// What was done.
    pub action: DriftAction,
    /// How many times it was seen.
    pub count: u64,
}

/// A callback for every drift, with the operation it came from; see
/// [`ClientBuilder::on_drift`](super::ClientBuilder::on_drift).
pub(crate) type DriftHook = Arc<dyn Fn(&str, &Drift) + Send + Sync>;

/// An optional [`DriftHook`] that prints as whether it is set.
#[derive(Clone, Default)]
pub(crate) struct OnDrift(pub(crate) Option<DriftHook>);

impl fmt::Debug for OnDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Some(<hook>)" } else { "None" })
    }
}

/// Distinct drifts kept (and warned about) per client, at most; beyond it new ones are
/// only counted.
const MAX_DISTINCT: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    operation: &'static str,
    pattern: String,
    expected: String,
    seen: &'static str,
    action: DriftAction,
}

/// What one client has seen: distinct drifts and their counts.
#[derive(Default)]
pub(crate) struct DriftLog {
    seen: Mutex<Seen>,
    hook: Option<DriftHook>,
}

#[derive(Default)]
struct Seen {
    counts: HashMap<Key, u64>,
    /// Drifts not counted because `MAX_DISTINCT` was reached.
    dropped: u64,
}

impl DriftLog {
    pub(crate) fn new(hook: OnDrift) -> Self {
        DriftLog { seen: Mutex::default(), hook: hook.0 }
    }

    /// Records the drifts of one response of `operation`: the hook sees each, and each
    /// distinct one is logged once with `tracing::warn!` (never its value: it may be
    /// customer data).
    pub(crate) fn record(&self, operation: &'static str, drifts: &[Drift]) {
        if drifts.is_empty() {
            return;
        }
        if let Some(hook) = &self.hook {
            for drift in drifts {
                hook(operation, drift);
            }
        }
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for drift in drifts {
            let key = Key {
                operation,
                pattern: drift.pattern(),
                expected: drift.expected().to_owned(),
                seen: drift.seen,
                action: drift.action.clone(),
            };
            if let Some(count) = seen.counts.get_mut(&key) {
                *count += 1;
                continue;
            }
            if seen.counts.len() >= MAX_DISTINCT {
                seen.dropped += 1;
                continue;
            }
            tracing::warn!(
                operation,
                path = %key.pattern,
                expected = %key.expected,
                seen = key.seen,
                action = key.action.as_str(),
                "the response does not match the API description; decoded it anyway (logged once \
                 per client; see Client::drift_summary, or strict_decoding to make this an error)"
            );
            seen.counts.insert(key, 1);
        }
    }

    pub(crate) fn summary(&self) -> Vec<DriftSummary> {
        let seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out: Vec<DriftSummary> = seen
            .counts
            .iter()
            .map(|(key, count)| DriftSummary {
                operation: key.operation,
                pattern: key.pattern.clone(),
                expected: key.expected.clone(),
                seen: key.seen,
                action: key.action.clone(),
                count: *count,
            })
            .collect();
        out.sort_by(|a, b| {
            (a.operation, &a.pattern, &a.expected).cmp(&(b.operation, &b.pattern, &b.expected))
        });
        out
    }
}

impl fmt::Debug for DriftLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f.debug_struct("DriftLog")
            .field("distinct", &seen.counts.len())
            .field("hook", &self.hook.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drift(field: &str, reason: &str) -> Drift {
        Drift::new(
            field.into(),
            field.into(),
            reason.into(),
            "string",
            Value::from("x"),
            DriftAction::Ignored,
        )
    }

    #[test]
    fn patterns_and_expected() {
        let d = drift(
            "conversations[12].content[0].sentiment.created_by",
            r#"invalid type: string "Sam", expected struct UserRef"#,
        );
        assert_eq!(d.pattern(), "conversations[].content[].sentiment.created_by");
        assert_eq!(d.expected(), "struct UserRef");
        assert_eq!(drift("a", "missing field `id`").expected(), "missing field `id`");
    }

    #[test]
    fn the_log_counts_distinct_drifts_and_calls_the_hook_for_each() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&calls);
        let log = DriftLog::new(OnDrift(Some(Arc::new(move |op: &str, d: &Drift| {
            sink.lock().unwrap().push(format!("{op} {}", d.field));
        }))));
        let reason = r#"invalid type: string "A", expected i64"#;
        log.record("listThings", &[drift("things[0].n", reason), drift("things[1].n", reason)]);
        log.record("listThings", &[drift("things[0].n", r#"invalid type: string "B", expected i64"#)]);
        log.record("getThing", &[drift("thing.n", reason)]);
        let summary = log.summary();
        assert_eq!(summary.len(), 2);
        assert_eq!((summary[0].operation, summary[0].count), ("getThing", 1));
        assert_eq!((summary[1].pattern.as_str(), summary[1].count), ("things[].n", 3));
        assert_eq!(calls.lock().unwrap().len(), 4);
    }
}
