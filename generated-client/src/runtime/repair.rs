//! The slow path of drift-tolerant decoding: a body that plain serde refused is read into
//! a `serde_json::Value` and decoded again, one repair at a time, until it fits.
//!
//! Each failed attempt names the JSON path of the value at fault (serde_path_to_error).
//! The repair removes the smallest thing that lets decoding go on:
//!
//! * a member of an object (an optional field, or an entry of a map): it reads as absent,
//!   and a [`Drift`] with [`DriftAction::Ignored`] keeps the value;
//! * when that member was required (the next attempt says `missing field` at the object
//!   holding it), the object itself, one level up, and so on;
//! * an element of an array (a listed item, a side-loaded record): it is set aside whole,
//!   [`DriftAction::SetAside`], and the other elements still decode;
//! * a `oneOf` whose discriminator property is missing: each mapped tag is tried in turn,
//!   [`DriftAction::TagInferred`] for the first that decodes.
//!
//! A failure at the root, a body that is not JSON, or more than [`MAX_REPAIRS`] repairs
//! cannot be repaired: the caller reports the strict error. Drift paths are given in the
//! body as received (array indices before anything was set aside), and each drift keeps
//! the value as received.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::drift::{Drift, DriftAction, json_kind};

/// The most repairs one body may need; beyond it the body is refused as a whole (every
/// repair decodes the body again, so this bounds the work at about this many decodes).
pub(crate) const MAX_REPAIRS: usize = 2000;

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A JSON path in the runtime's text form: `conversations[3].content[0].sentiment`, `.`
/// for the root.
pub(crate) struct PathText<'a>(pub(crate) &'a [Seg]);

impl fmt::Display for PathText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(".");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(key) if i == 0 => f.write_str(key)?,
                Seg::Key(key) => write!(f, ".{key}")?,
                Seg::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Why a body could not be repaired.
#[derive(Debug)]
pub(crate) enum Unrepairable {
    /// The body is not JSON at all.
    NotJson,
    /// The value at the root does not fit (nothing above it to set aside).
    Root,
    /// More than [`MAX_REPAIRS`] repairs.
    TooMany,
}

/// A discriminator being guessed: the object at `at` had no `property`; `next` indexes
/// the candidate tags still to try.
struct Guess {
    at: Vec<Seg>,
    property: String,
    tags: Vec<String>,
    next: usize,
}

struct Repair<'a> {
    original: &'a Value,
    work: Value,
    /// Original indices already removed from each array, keyed by the array's original path.
    removed: HashMap<Vec<Seg>, Vec<usize>>,
    drift: Vec<Drift>,
    guess: Option<Guess>,
}

/// Decodes `body` as `T`, repairing what does not fit; see the module docs.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<(T, Vec<Drift>), Unrepairable> {
    let original: Value = serde_json::from_slice(body).map_err(|_| Unrepairable::NotJson)?;
    decode_value(&original)
}

/// [`decode`] for a body already read as a `Value`.
pub(crate) fn decode_value<T: DeserializeOwned>(original: &Value) -> Result<(T, Vec<Drift>), Unrepairable> {
    let mut repair =
        Repair { original, work: original.clone(), removed: HashMap::new(), drift: Vec::new(), guess: None };
    for _ in 0..=MAX_REPAIRS {
        match serde_path_to_error::deserialize::<_, T>(&repair.work) {
            Ok(value) => {
                repair.accept_guess();
                return Ok((value, repair.drift));
            }
            Err(error) => {
                let at = segments(error.path());
                let message = error.into_inner().to_string();
                repair.step(at, message)?;
            }
        }
    }
    Err(Unrepairable::TooMany)
}

/// serde_path_to_error's path as steps; anything after a step it could not name is cut
/// (the repair then works on the nearest value it can name).
fn segments(path: &serde_path_to_error::Path) -> Vec<Seg> {
    let mut out = Vec::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push(Seg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => out.push(Seg::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => out.push(Seg::Key(variant.clone())),
            serde_path_to_error::Segment::Unknown => break,
        }
    }
    out
}

impl Repair<'_> {
    fn step(&mut self, at: Vec<Seg>, message: String) -> Result<(), Unrepairable> {
        if let Some(guess) = &self.guess {
            if at.starts_with(&guess.at) {
                // the tag tried last did not decode: try the next one
                if self.try_next_tag() {
                    return Ok(());
                }
                // none did: take the tag out again and treat the object as not fitting
                let guess = self.guess.take();
                if let Some(guess) = guess
                    && let Some(Value::Object(map)) = get_mut(&mut self.work, &guess.at)
                {
                    map.remove(&guess.property);
                }
            } else {
                self.accept_guess();
            }
        }
        if let Some((property, tags)) = parse_missing_discriminator(&message)
            && !tags.is_empty()
            && matches!(get(&self.work, &at), Some(Value::Object(_)))
        {
            self.guess = Some(Guess { at, property, tags, next: 0 });
            if self.try_next_tag() {
                return Ok(());
            }
            let Some(guess) = self.guess.take() else { return Err(Unrepairable::Root) };
            return self.set_aside(guess.at, message);
        }
        self.set_aside(at, message)
    }

    /// Writes the next candidate tag into the guessed object; `false` when none is left.
    fn try_next_tag(&mut self) -> bool {
        let Some(guess) = &mut self.guess else { return false };
        let Some(tag) = guess.tags.get(guess.next).cloned() else { return false };
        guess.next += 1;
        let property = guess.property.clone();
        match get_mut(&mut self.work, &guess.at) {
            Some(Value::Object(map)) => {
                map.insert(property, Value::String(tag));
                true
            }
            _ => false,
        }
    }

    /// The tag tried last decoded: record it.
    fn accept_guess(&mut self) {
        let Some(guess) = self.guess.take() else { return };
        let Some(tag) = guess.next.checked_sub(1).and_then(|i| guess.tags.get(i)).cloned() else { return };
        let at = self.to_original(&guess.at);
        let mut field = at.clone();
        field.push(Seg::Key(guess.property.clone()));
        let raw = get(self.original, &at).cloned().unwrap_or(Value::Null);
        self.drift.push(Drift::new(
            PathText(&at).to_string(),
            PathText(&field).to_string(),
            format!("the discriminator `{}` is missing", guess.property),
            "absent",
            raw,
            DriftAction::TagInferred(tag),
        ));
    }

    /// Removes the value at `at` (or, when there is none there, the nearest value above it
    /// that exists) and records why.
    fn set_aside(&mut self, mut at: Vec<Seg>, message: String) -> Result<(), Unrepairable> {
        while !at.is_empty() && get(&self.work, &at).is_none() {
            at.pop();
        }
        let Some(last) = at.last().cloned() else { return Err(Unrepairable::Root) };
        let original_at = self.to_original(&at);
        let parent = &at[..at.len() - 1];
        let removed = match (get_mut(&mut self.work, parent), &last) {
            (Some(Value::Object(map)), Seg::Key(key)) => map.remove(key).is_some(),
            (Some(Value::Array(items)), Seg::Index(index)) if *index < items.len() => {
                items.remove(*index);
                true
            }
            _ => false,
        };
        if !removed {
            return Err(Unrepairable::Root);
        }
        let action = match last {
            Seg::Key(_) => DriftAction::Ignored,
            Seg::Index(index) => {
                let array = original_at[..original_at.len() - 1].to_vec();
                let original_index = match original_at.last() {
                    Some(Seg::Index(i)) => *i,
                    _ => index,
                };
                let list = self.removed.entry(array).or_default();
                let position = list.partition_point(|&r| r < original_index);
                list.insert(position, original_index);
                DriftAction::SetAside
            }
        };
        // A value inside the one removed now was recorded before (it was removed first and
        // turned out to be required): keep its words, which say what really did not fit.
        let path = PathText(&original_at).to_string();
        let mut field = path.clone();
        let mut reason = message;
        let mut seen = None;
        let inside = |drift: &Drift| is_within(&drift.path, &path);
        // the member whose absence the message names, else the first value inside
        let named =
            reason.strip_prefix("missing field ").map(|name| child_path(&path, name.trim_matches('`')));
        let cause = named
            .and_then(|named| self.drift.iter().find(|d| d.path == named))
            .or_else(|| self.drift.iter().find(|d| inside(d)));
        if let Some(first) = cause {
            field = first.field.clone();
            reason = first.reason.clone();
            seen = Some(first.seen);
        }
        self.drift.retain(|d| !inside(d));
        let raw = get(self.original, &original_at).cloned().unwrap_or(Value::Null);
        let seen = seen
            .unwrap_or_else(|| if reason.starts_with("missing field") { "absent" } else { json_kind(&raw) });
        let reason = match reason.strip_prefix("missing field ") {
            Some(name) if field == path => {
                field = child_path(&path, name.trim_matches('`'));
                format!("missing field {name}")
            }
            _ => reason,
        };
        self.drift.push(Drift::new(path, field, reason, seen, raw, action));
        Ok(())
    }

    /// `at` (in the working value) as a path in the body as received.
    fn to_original(&self, at: &[Seg]) -> Vec<Seg> {
        let mut out: Vec<Seg> = Vec::with_capacity(at.len());
        for seg in at {
            match seg {
                Seg::Key(key) => out.push(Seg::Key(key.clone())),
                Seg::Index(index) => {
                    let mut original = *index;
                    if let Some(removed) = self.removed.get(&out) {
                        for &r in removed {
                            if r <= original {
                                original += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    out.push(Seg::Index(original));
                }
            }
        }
        out
    }
}

/// Whether the text path `inner` is `outer` or lies inside it.
pub(crate) fn is_within(inner: &str, outer: &str) -> bool {
    if outer == "." {
        return true;
    }
    inner.strip_prefix(outer).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

fn child_path(path: &str, key: &str) -> String {
    if path == "." { key.to_owned() } else { format!("{path}.{key}") }
}

fn get<'v>(mut value: &'v Value, at: &[Seg]) -> Option<&'v Value> {
    for seg in at {
        value = match (value, seg) {
            (Value::Object(map), Seg::Key(key)) => map.get(key)?,
            (Value::Array(items), Seg::Index(index)) => items.get(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

fn get_mut<'v>(mut value: &'v mut Value, at: &[Seg]) -> Option<&'v mut Value> {
    for seg in at {
        value = match (value, seg) {
            (Value::Object(map), Seg::Key(key)) => map.get_mut(key)?,
            (Value::Array(items), Seg::Index(index)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

const DISCRIMINATOR: &str = "discriminator `";
const MISSING: &str = "` is missing; expected one of ";

/// The error a generated `oneOf` with a discriminator reports when the discriminator
/// property is missing or holds a value it does not map. Generated code calls it; the
/// drift-tolerant decoder reads the tags back out of it to try them in turn.
pub fn discriminator_error<E: serde::de::Error>(property: &str, found: Option<&str>, tags: &[&str]) -> E {
    let list = serde_json::to_string(tags).unwrap_or_default();
    let mut text = String::new();
    match found {
        None => {
            let _ = write!(text, "{DISCRIMINATOR}{property}{MISSING}{list}");
        }
        Some(value) => {
            let _ = write!(text, "{DISCRIMINATOR}{property}` is {value:?}, not one of {list}");
        }
    }
    E::custom(text)
}

/// The property and the tags of a [`discriminator_error`] for a missing discriminator.
fn parse_missing_discriminator(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(DISCRIMINATOR)?;
    let (property, list) = rest.split_once(MISSING)?;
    let tags = serde_json::from_str(list).ok()?;
    Some((property.to_owned(), tags))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Page {
        items: Vec<Item>,
        #[serde(default)]
        side: Option<Vec<u32>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        id: String,
        #[serde(default)]
        count: Option<i64>,
        #[serde(default)]
        owner: Option<Owner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Owner {
        id: String,
        #[serde(default)]
        name: Option<String>,
    }

    fn repair<T: DeserializeOwned>(body: &str) -> (T, Vec<Drift>) {
        decode::<T>(body.as_bytes()).unwrap()
    }

    #[test]
    fn an_optional_field_of_the_wrong_type_reads_as_absent() {
        let (page, drift) =
            repair::<Page>(r#"{"items": [{"id": "1", "count": "many"}, {"id": "2", "count": 3}]}"#);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0].count, None);
        assert_eq!(page.items[1].count, Some(3));
        assert_eq!(drift.len(), 1);
        assert_eq!(drift[0].path, "items[0].count");
        assert_eq!(drift[0].field, "items[0].count");
        assert_eq!(drift[0].action, DriftAction::Ignored);
        assert_eq!(drift[0].raw, Value::from("many"));
        assert_eq!(drift[0].seen, "string");
        assert!(drift[0].reason.contains("expected i64"), "{}", drift[0].reason);
    }

    #[test]
    fn an_item_whose_required_field_does_not_fit_is_set_aside_and_kept_whole() {
        let body = r#"{"items": [{"id": "1"}, {"id": 2, "count": "x"}, {"count": 1}, {"id": "4"}]}"#;
        let (page, drift) = repair::<Page>(body);
        assert_eq!(page.items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["1", "4"]);
        assert_eq!(drift.len(), 2, "{drift:#?}");
        assert_eq!(drift[0].path, "items[1]");
        assert_eq!(drift[0].field, "items[1].id");
        assert_eq!(drift[0].action, DriftAction::SetAside);
        assert_eq!(drift[0].raw, serde_json::json!({"id": 2, "count": "x"}));
        assert_eq!(drift[0].seen, "number");
        // indices are those of the body as received, after an earlier item was set aside
        assert_eq!(drift[1].path, "items[2]");
        assert_eq!(drift[1].field, "items[2].id");
        assert_eq!(drift[1].reason, "missing field `id`");
        assert_eq!(drift[1].seen, "absent");
        assert_eq!(drift[1].raw, serde_json::json!({"count": 1}));
    }

    #[test]
    fn a_nested_optional_object_missing_its_required_field_goes_not_the_item() {
        let body = r#"{"items": [{"id": "1", "owner": {"name": "x"}}]}"#;
        let (page, drift) = repair::<Page>(body);
        assert_eq!(page.items[0].id, "1");
        assert_eq!(page.items[0].owner, None);
        assert_eq!(drift.len(), 1);
        assert_eq!(drift[0].path, "items[0].owner");
        assert_eq!(drift[0].field, "items[0].owner.id");
        assert_eq!(drift[0].action, DriftAction::Ignored);
    }

    #[test]
    fn a_side_loaded_array_of_the_wrong_shape_is_ignored() {
        let (page, drift) = repair::<Page>(r#"{"items": [], "side": {"a": 1}}"#);
        assert_eq!(page.side, None);
        assert_eq!(drift[0].path, "side");
        assert_eq!(drift[0].seen, "object");
        let (page, drift) = repair::<Page>(r#"{"items": [], "side": [1, "two", 3]}"#);
        assert_eq!(page.side, Some(vec![1, 3]));
        assert_eq!(drift[0].path, "side[1]");
        assert_eq!(drift[0].action, DriftAction::SetAside);
    }

    #[test]
    fn what_cannot_be_repaired() {
        assert!(matches!(decode::<Page>(b"{\"items\": 3}"), Err(Unrepairable::Root)));
        assert!(matches!(decode::<Page>(b"[1, 2]"), Err(Unrepairable::Root)));
        assert!(matches!(decode::<Page>(b"{\"items\": [}"), Err(Unrepairable::NotJson)));
        let many = format!(
            "{{\"items\": [{}]}}",
            (0..MAX_REPAIRS + 1).map(|_| "{\"count\": 1}").collect::<Vec<_>>().join(",")
        );
        assert!(matches!(decode::<Page>(many.as_bytes()), Err(Unrepairable::TooMany)));
    }

    #[derive(Debug, PartialEq)]
    enum Pet {
        Cat(Cat),
        Dog(Dog),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Cat {
        kind: String,
        lives: u8,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Dog {
        kind: String,
        good: bool,
    }

    impl<'de> Deserialize<'de> for Pet {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let value = Value::deserialize(deserializer)?;
            match value.get("kind").and_then(Value::as_str) {
                Some("cat") => serde_json::from_value(value).map(Pet::Cat).map_err(serde::de::Error::custom),
                Some("dog") => serde_json::from_value(value).map(Pet::Dog).map_err(serde::de::Error::custom),
                other => {
                    Err(discriminator_error("kind", other.map(str::to_owned).as_deref(), &["cat", "dog"]))
                }
            }
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pets {
        pets: Vec<Pet>,
    }

    #[test]
    fn a_missing_discriminator_is_inferred_by_matching_the_variants() {
        let body = r#"{"pets": [{"kind": "cat", "lives": 9}, {"good": true}, {"lives": 3}, {"other": 1}]}"#;
        let (pets, drift) = repair::<Pets>(body);
        assert_eq!(
            pets.pets,
            [
                Pet::Cat(Cat { kind: "cat".into(), lives: 9 }),
                Pet::Dog(Dog { kind: "dog".into(), good: true }),
                Pet::Cat(Cat { kind: "cat".into(), lives: 3 }),
            ]
        );
        assert_eq!(drift.len(), 3, "{drift:#?}");
        assert_eq!(drift[0].path, "pets[1]");
        assert_eq!(drift[0].field, "pets[1].kind");
        assert_eq!(drift[0].action, DriftAction::TagInferred("dog".into()));
        assert_eq!(drift[0].raw, serde_json::json!({"good": true}));
        assert_eq!(drift[1].action, DriftAction::TagInferred("cat".into()));
        assert_eq!(drift[1].path, "pets[2]");
        assert_eq!(drift[2].action, DriftAction::SetAside);
        assert_eq!(drift[2].path, "pets[3]");
        assert_eq!(drift[2].raw, serde_json::json!({"other": 1}));
        // a tag the client does not know is not guessed over
        let (pets, drift) = repair::<Pets>(r#"{"pets": [{"kind": "bird", "lives": 1}]}"#);
        assert!(pets.pets.is_empty());
        assert_eq!(drift[0].action, DriftAction::SetAside);
        assert!(drift[0].reason.contains("\"bird\""), "{}", drift[0].reason);
    }

    #[test]
    fn paths_print_like_serde_path_to_error() {
        let at = [Seg::Key("a".into()), Seg::Index(3), Seg::Key("b".into())];
        assert_eq!(PathText(&at).to_string(), "a[3].b");
        assert_eq!(PathText(&[]).to_string(), ".");
        assert!(is_within("a[3].b", "a[3]"));
        assert!(!is_within("a[31]", "a[3]"));
        assert!(is_within("a", "."));
    }
}
