//! Serde for generated structs, written out by the generator instead of derived.
//!
//! `#[derive(Deserialize)]` expands every struct into a field-identifier enum with three
//! visitors, a sequence visitor and a map visitor; for a large API that expansion is most
//! of what `cargo check` spends its time and memory on (see BENCHMARKS.md, "Compile cost").
//! Generated structs instead implement [`Object`]: one loop over the keys, each read as
//! the index of its field by [`Object::field`] (a `match` on the name, as in the derive's
//! field visitor, through [`FieldIndex`], without allocating), with one match arm per
//! field index that calls [`put`] or [`put_some`] (one `?` for the whole match), then one
//! match over the required fields.
//! That decodes what the derive decodes from JSON: unknown keys are skipped, a missing
//! required field is `missing field `x``, optional fields default to absent. Two
//! differences: a repeated key keeps its last value (as `serde_json::Value` does) instead
//! of failing, and a struct does not decode from a sequence (formats that write structs as
//! tuples are not supported).
//!
//! Decoding stays streaming, so `serde_path_to_error` (the decode error's JSON path and
//! drift-tolerant repair) sees every key and index.

// A generated crate may use only some of these (no required fields: no `missing_field`).
#![allow(dead_code)]

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// A struct decoded from a JSON object, one key at a time.
pub(crate) trait Object: Sized {
    /// What the decode error says was expected, `struct Name` as the derive says it.
    const EXPECTING: &'static str;
    /// The index of the field a key names (`None`: a key the struct does not have).
    fn field(name: &str) -> Option<usize>;

    /// Decodes the struct from the object's entries.
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// `Deserialize::deserialize` of a generated struct: a map, decoded by [`Object::from_map`].
pub(crate) fn deserialize_object<'de, D: Deserializer<'de>, T: Object>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map)
    }
}

/// Reads an object key as the index of `T`'s field ([`Object::field`]; `None` for a key
/// the struct does not have), without allocating.
pub(crate) struct FieldIndex<T>(PhantomData<T>);

impl<T> FieldIndex<T> {
    /// The seed for `T`'s keys.
    pub(crate) fn new() -> Self {
        Self(PhantomData)
    }
}

impl<'de, T: Object> DeserializeSeed<'de> for FieldIndex<T> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<T: Object> Visitor<'_> for FieldIndex<T> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(T::field(value))
    }

    // Formats that write keys as bytes (as the derive accepts).
    fn visit_bytes<E: serde::de::Error>(self, value: &[u8]) -> Result<Self::Value, E> {
        Ok(std::str::from_utf8(value).ok().and_then(T::field))
    }
}

/// Decodes the value of a required field into its slot.
pub(crate) fn put_some<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
) -> Result<(), A::Error> {
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Decodes the value of an optional field (`Option` or [`Nullable`](super::Nullable))
/// into its slot.
pub(crate) fn put<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut T,
) -> Result<(), A::Error> {
    *slot = map.next_value()?;
    Ok(())
}

/// Reads and drops the value of a key the struct does not have.
pub(crate) fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// `missing field `x`` for the first of the required fields whose flag says it is absent.
pub(crate) fn missing_field<E: serde::de::Error>(required: &[(&'static str, bool)]) -> E {
    let name = required.iter().find(|(_, absent)| *absent).map_or("", |(name, _)| name);
    E::missing_field(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the generator writes for `{id: string (required), note: string}`.
    #[derive(Debug, PartialEq)]
    struct Tag {
        id: String,
        note: Option<String>,
    }

    impl<'de> Deserialize<'de> for Tag {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize_object(deserializer)
        }
    }

    impl Object for Tag {
        const EXPECTING: &'static str = "struct Tag";

        fn field(name: &str) -> Option<usize> {
            match name {
                "id" => Some(0),
                "note" => Some(1),
                _ => None,
            }
        }

        fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let mut id = None;
            let mut note = None;
            while let Some(key) = map.next_key_seed(FieldIndex::<Self>::new())? {
                match key {
                    Some(0) => put_some(&mut map, &mut id),
                    Some(1) => put(&mut map, &mut note),
                    _ => skip_value(&mut map),
                }?;
            }
            match id {
                Some(id) => Ok(Self { id, note }),
                None => Err(missing_field(&[("id", true)])),
            }
        }
    }

    #[test]
    fn decodes_like_the_derive() {
        let tag: Tag = serde_json::from_str(r#"{"x": [1, {"y": 2}], "note": null, "i\u0064": "7"}"#).unwrap();
        assert_eq!(tag, Tag { id: "7".into(), note: None });
        let tag: Tag = serde_json::from_value(serde_json::json!({"id": "7", "note": "n"})).unwrap();
        assert_eq!(tag.note.as_deref(), Some("n"));
        let missing = serde_json::from_str::<Tag>(r#"{"note": "n"}"#).unwrap_err();
        assert!(missing.to_string().starts_with("missing field `id`"), "{missing}");
        let wrong = serde_json::from_str::<Tag>("[]").unwrap_err();
        assert!(wrong.to_string().starts_with("invalid type: sequence, expected struct Tag"), "{wrong}");
    }

    #[test]
    fn errors_keep_their_path() {
        let mut de = serde_json::Deserializer::from_str(r#"{"id": "1", "note": 5}"#);
        let err = serde_path_to_error::deserialize::<_, Tag>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "note");
    }
}
