//! [`Nullable`]: a field the API may leave out and may also send as `null`.

use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A field that the API description marks both optional (it may be left out) and
/// `nullable` (it may be `null`), where the two say different things: absent means the
/// value was not sent (for example left out by a `fields=` projection, or not yet known),
/// `null` means it has no value.
///
/// Every other optional or nullable field is a plain `Option<T>`. Read either the same
/// way: [`value`](Self::value) (or [`as_deref`](Self::as_deref)) gives the `Option`
/// of the value, whichever of absent or `null` it was:
///
/// ```
/// use conversocial::Nullable;
/// let first_name: Nullable<String> = serde_json::from_str(r#""Sam""#)?;
/// assert_eq!(first_name.as_deref(), Some("Sam"));
/// assert_eq!(Nullable::<String>::Null.value(), None);
/// assert!(Nullable::<String>::default().is_absent());
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// In a request body, [`Absent`](Self::Absent) leaves the field out (the server keeps what
/// it has) and [`Null`](Self::Null) sends `null` (clears it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Nullable<T> {
    /// Not in the JSON object.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A value.
    Value(T),
}

impl<T> Nullable<T> {
    /// The value, `None` when absent or `null`.
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// The value by value, `None` when absent or `null`.
    pub fn into_value(self) -> Option<T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// The value dereferenced (`Option<&str>` for a `Nullable<String>`).
    pub fn as_deref(&self) -> Option<&T::Target>
    where
        T: Deref,
    {
        self.value().map(Deref::deref)
    }

    /// Whether the field was left out.
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// Whether the field was `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// Whether the field has a value.
    pub fn is_value(&self) -> bool {
        matches!(self, Nullable::Value(_))
    }

    /// The same state, borrowing the value.
    pub fn as_ref(&self) -> Nullable<&T> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(value) => Nullable::Value(value),
        }
    }

    /// The same state, with `f` applied to the value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(value) => Nullable::Value(f(value)),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

/// `null` reads as [`Nullable::Null`]; an absent field needs `#[serde(default)]` to read
/// as [`Nullable::Absent`] (generated structs have it).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Nullable::Value(value),
            None => Nullable::Null,
        })
    }
}

/// [`Nullable::Null`] is `null`; so is `Absent` when it is serialised at all (generated
/// structs skip it with `skip_serializing_if = "Nullable::is_absent"`).
impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(value) => serializer.serialize_some(value),
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Nullable;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Patch {
        #[serde(default, skip_serializing_if = "Nullable::is_absent")]
        name: Nullable<String>,
    }

    #[test]
    fn absent_null_and_value_stay_apart_both_ways() {
        for (json, name) in [
            ("{}", Nullable::Absent),
            (r#"{"name":null}"#, Nullable::Null),
            (r#"{"name":"x"}"#, Nullable::Value("x".to_owned())),
        ] {
            let decoded: Patch = serde_json::from_str(json).unwrap();
            assert_eq!(decoded, Patch { name: name.clone() });
            assert_eq!(serde_json::to_string(&decoded).unwrap(), json);
        }
    }

    #[test]
    fn reading_the_value_ignores_why_it_is_missing() {
        assert_eq!(Nullable::Value("x".to_owned()).as_deref(), Some("x"));
        assert_eq!(Nullable::<String>::Null.as_deref(), None);
        assert_eq!(Nullable::<String>::Absent.into_value(), None);
        assert!(Nullable::from(3).map(|v| v + 1).as_ref().value().is_some_and(|v| **v == 4));
    }
}
