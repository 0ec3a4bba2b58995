//! JSON text into a [`Tree`] with `serde_json`, straight from its parser's callbacks.

use super::tree::{Builder, Tree};
use crate::error::Error;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::fmt;

pub fn parse(text: &str) -> Result<Tree, Error> {
    let mut sink = Sink { builder: Builder::new(text.len() / 2), failure: None };
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Value(&mut sink).deserialize(&mut de).and_then(|()| de.end());
    if let Some(failure) = sink.failure {
        return Err(failure);
    }
    if let Err(e) = parsed {
        return Err(Error::Parse { pointer: sink.builder.pointer(), message: e.to_string() });
    }
    sink.builder.finish()
}

struct Sink {
    builder: Builder,
    /// A builder error, kept whole (serde's error type only carries a message).
    failure: Option<Error>,
}

impl Sink {
    fn check<E: de::Error, T>(&mut self, result: Result<T, Error>) -> Result<(), E> {
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let message = e.to_string();
                self.failure.get_or_insert(e);
                Err(E::custom(message))
            }
        }
    }
}

/// Any JSON value, appended to the tree.
struct Value<'s>(&'s mut Sink);

impl<'de> DeserializeSeed<'de> for Value<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        let r = self.0.builder.scalar(if v { "true" } else { "false" }, true);
        self.0.check(r)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let r = self.0.builder.scalar(&v.to_string(), true);
        self.0.check(r)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let r = self.0.builder.scalar(&v.to_string(), true);
        self.0.check(r)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // `{:?}` keeps a decimal point (`1.0`), so the number reads back as a float.
        let r = self.0.builder.scalar(&format!("{v:?}"), true);
        self.0.check(r)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let r = self.0.builder.scalar(v, false);
        self.0.check(r)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        let r = self.0.builder.scalar("null", true);
        self.0.check(r)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let r = self.0.builder.start(false);
        self.0.check(r)?;
        while seq.next_element_seed(Value(self.0))?.is_some() {}
        let r = self.0.builder.end();
        self.0.check(r)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let r = self.0.builder.start(true);
        self.0.check(r)?;
        // Keys are JSON strings: `Value` stores them as quoted scalars.
        while map.next_key_seed(Value(self.0))?.is_some() {
            map.next_value_seed(Value(self.0))?;
        }
        let r = self.0.builder.end();
        self.0.check(r)
    }
}
