//! Decoding string-valued types (generated enums) straight from the JSON text, without
//! allocating a `String` for values that are known.

use std::fmt;

use serde::Deserializer;
use serde::de::{Error as _, Visitor};

/// Deserializes a string and converts it with `from`, borrowing the text when the input
/// allows it. Generated enums use it: known values never allocate.
pub fn deserialize_str_as<'de, D, T>(deserializer: D, from: fn(&str) -> T) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct StrVisitor<T>(fn(&str) -> T);

    impl<T> Visitor<'_> for StrVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.0)(value))
        }

        fn visit_bytes<E: serde::de::Error>(self, value: &[u8]) -> Result<T, E> {
            std::str::from_utf8(value).map(self.0).map_err(|_| E::custom("a string that is not UTF-8"))
        }
    }

    deserializer.deserialize_str(StrVisitor(from)).map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Colour {
        Red,
        Other(String),
    }

    fn colour(s: &str) -> Colour {
        if s == "red" { Colour::Red } else { Colour::Other(s.to_owned()) }
    }

    #[test]
    fn borrows_and_converts() {
        let mut de = serde_json::Deserializer::from_str("\"red\"");
        assert_eq!(deserialize_str_as(&mut de, colour).unwrap(), Colour::Red);
        let mut de = serde_json::Deserializer::from_str("\"bl\\u0075e\"");
        assert_eq!(deserialize_str_as(&mut de, colour).unwrap(), Colour::Other("blue".into()));
        let mut de = serde_json::Deserializer::from_str("3");
        assert!(deserialize_str_as(&mut de, colour).is_err());
    }
}
