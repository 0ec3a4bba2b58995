//! `serde` deserialization straight from a [`Tree`] node, with YAML 1.2 core-schema typing.
//!
//! Plain scalars are typed by their text when the target type asks for anything
//! (`null`/`~`, `true`/`false`, integers, floats, else strings); quoted and block scalars are
//! always strings. A field that wants a string gets any scalar's text as written, so
//! `version: 1.0` still reads as the string `"1.0"`.

use super::tree::{Node, NodeId, Tree, is_null_word};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::fmt;

/// A deserialization failure; the caller adds where it happened.
#[derive(Debug)]
pub struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

/// One node of a tree, as a `serde` deserializer.
#[derive(Clone, Copy)]
pub struct NodeDe<'t> {
    pub tree: &'t Tree,
    pub id: NodeId,
}

/// What a plain scalar's text means in the YAML 1.2 core schema.
#[derive(Debug, PartialEq)]
pub enum Plain<'a> {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Str(&'a str),
}

pub fn resolve(text: &str) -> Plain<'_> {
    if is_null_word(text) {
        return Plain::Null;
    }
    match text {
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        // `.inf` and `.nan` stay strings: JSON has no such numbers, and every reading of a
        // value must agree with its reading through `serde_json::Value` (see `tree::dedupe_keys`).
        _ => {}
    }
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let radix = |prefix: &str, radix: u32| {
        let rest = digits.strip_prefix(prefix).filter(|r| !r.is_empty() && !r.starts_with(['+', '-']))?;
        let magnitude = u64::from_str_radix(rest, radix).ok()?;
        Some(signed(negative, magnitude).unwrap_or(Plain::Str(text)))
    };
    if let Some(value) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return value;
    }
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if is_digits(digits) {
        // A leading zero makes `0123` a string (YAML 1.2), not an octal or a decimal.
        if digits.len() > 1 && digits.starts_with('0') {
            return Plain::Str(text);
        }
        // Integers beyond 64 bits read as floats, as JSON parsers read them.
        return match digits.parse::<u64>().ok().and_then(|magnitude| signed(negative, magnitude)) {
            Some(value) => value,
            None => float(text),
        };
    }
    if looks_like_float(digits) { float(text) } else { Plain::Str(text) }
}

fn signed(negative: bool, magnitude: u64) -> Option<Plain<'static>> {
    if !negative {
        return Some(Plain::Unsigned(magnitude));
    }
    if magnitude == 0 {
        return Some(Plain::Signed(0));
    }
    let value = 0i64.checked_sub_unsigned(magnitude)?;
    Some(Plain::Signed(value))
}

fn float(text: &str) -> Plain<'_> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Plain::Float(v),
        _ => Plain::Str(text),
    }
}

/// `1.5`, `.5`, `1.`, `1e3`, `1.5E-3`: digits with a dot or an exponent (sign already removed).
fn looks_like_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok =
        digits(int) && frac.is_none_or(digits) && !(int.is_empty() && frac.is_none_or(str::is_empty));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok && (frac.is_some() || exponent.is_some())
}

impl<'t> NodeDe<'t> {
    fn at(self, id: NodeId) -> Self {
        NodeDe { tree: self.tree, id }
    }
}

impl<'t> de::Deserializer<'t> for NodeDe<'t> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'t>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.tree.node(self.id) {
            Node::Scalar { .. } => {
                let (text, plain) = self.tree.scalar(self.id).unwrap_or(("", false));
                if !plain {
                    return visitor.visit_borrowed_str(text);
                }
                match resolve(text) {
                    Plain::Null => visitor.visit_unit(),
                    Plain::Bool(b) => visitor.visit_bool(b),
                    Plain::Unsigned(n) => visitor.visit_u64(n),
                    Plain::Signed(n) => visitor.visit_i64(n),
                    Plain::Float(f) => visitor.visit_f64(f),
                    Plain::Str(s) => visitor.visit_borrowed_str(s),
                }
            }
            Node::Seq { .. } => {
                let items = self.tree.items(self.id).unwrap_or_default();
                let mut access = Seq { de: self, items: items.iter() };
                let value = visitor.visit_seq(&mut access)?;
                match access.items.len() {
                    0 => Ok(value),
                    left => Err(de::Error::invalid_length(items.len() - left, &"fewer elements")),
                }
            }
            Node::Map { .. } => {
                let pairs = self.tree.pairs(self.id).unwrap_or_default();
                let mut access = Map { de: self, pairs: pairs.chunks_exact(2), value: None };
                visitor.visit_map(&mut access)
            }
        }
    }

    fn deserialize_str<V: Visitor<'t>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.tree.scalar(self.id) {
            Some((text, _)) => visitor.visit_borrowed_str(text),
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'t>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'t>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'t>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.tree.is_null(self.id) { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_newtype_struct<V: Visitor<'t>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'t>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if let Some((text, _)) = self.tree.scalar(self.id) {
            return visitor.visit_enum(text.into_deserializer());
        }
        let mut entries = self.tree.entries(self.id).into_iter().flatten();
        match (entries.next(), entries.next()) {
            (Some((key, value)), None) => {
                visitor.visit_enum(Enum { key: self.at(key), value: self.at(value) })
            }
            _ => Err(de::Error::custom("expected a string or a map with one key (an enum variant)")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'t>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        <W: Visitor<'t>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct
    }
}

struct Seq<'t, 'i> {
    de: NodeDe<'t>,
    items: std::slice::Iter<'i, NodeId>,
}

impl<'t> de::SeqAccess<'t> for Seq<'t, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'t>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(&id) => seed.deserialize(self.de.at(id)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'t> {
    de: NodeDe<'t>,
    pairs: std::slice::ChunksExact<'t, NodeId>,
    value: Option<NodeId>,
}

impl<'t> de::MapAccess<'t> for Map<'t> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'t>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.pairs.next() {
            Some(&[key, value]) => {
                self.value = Some(value);
                seed.deserialize(self.de.at(key)).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'t>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.value.take() {
            Some(id) => seed.deserialize(self.de.at(id)),
            None => Err(de::Error::custom("a map value was asked for before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.pairs.len())
    }
}

struct Enum<'t> {
    key: NodeDe<'t>,
    value: NodeDe<'t>,
}

impl<'t> de::EnumAccess<'t> for Enum<'t> {
    type Error = DeError;
    type Variant = NodeDe<'t>;

    fn variant_seed<V: DeserializeSeed<'t>>(self, seed: V) -> Result<(V::Value, NodeDe<'t>), DeError> {
        Ok((seed.deserialize(self.key)?, self.value))
    }
}

impl<'t> de::VariantAccess<'t> for NodeDe<'t> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'t>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'t>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'t>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        assert_eq!(resolve("~"), Plain::Null);
        assert_eq!(resolve(""), Plain::Null);
        assert_eq!(resolve("True"), Plain::Bool(true));
        assert_eq!(resolve("yes"), Plain::Str("yes"));
        assert_eq!(resolve("200"), Plain::Unsigned(200));
        assert_eq!(resolve("-7"), Plain::Signed(-7));
        assert_eq!(resolve("+7"), Plain::Unsigned(7));
        assert_eq!(resolve("0x1F"), Plain::Unsigned(31));
        assert_eq!(resolve("0o17"), Plain::Unsigned(15));
        assert_eq!(resolve("0123"), Plain::Str("0123"));
        assert_eq!(resolve("1.0"), Plain::Float(1.0));
        assert_eq!(resolve("1e3"), Plain::Float(1000.0));
        assert_eq!(resolve(".5"), Plain::Float(0.5));
        assert_eq!(resolve("-.inf"), Plain::Str("-.inf"));
        assert_eq!(resolve(".nan"), Plain::Str(".nan"));
        assert_eq!(resolve("1.2.3"), Plain::Str("1.2.3"));
        assert_eq!(resolve("inf"), Plain::Str("inf"));
        assert_eq!(resolve("NaN"), Plain::Str("NaN"));
        assert_eq!(resolve("."), Plain::Str("."));
        assert_eq!(resolve("e3"), Plain::Str("e3"));
        assert_eq!(resolve("-9223372036854775808"), Plain::Signed(i64::MIN));
        assert_eq!(resolve("-9223372036854775809"), Plain::Float(-9223372036854775809.0));
        assert_eq!(resolve("18446744073709551616"), Plain::Float(18446744073709551616.0));
    }
}
