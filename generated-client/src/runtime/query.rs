//! Query strings and path segments: [`Query`], [`QueryValue`], [`SortKey`] and
//! [`encode_path_segment`].
//!
//! Names and values are percent-encoded except for the unreserved characters
//! `A-Z a-z 0-9 - . _ ~` (RFC 3986), so `2017-02-20T11:58:34` is sent as
//! `2017-02-20T11%3A58%3A34` and `+` never turns into a space on the server.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every byte except the RFC 3986 unreserved characters is percent-encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one path segment: everything but `A-Z a-z 0-9 - . _ ~`, so `/`, `?`,
/// `#`, `%` and spaces in an id cannot change the path.
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, COMPONENT).to_string()
}

/// A value that can be sent as a query parameter.
///
/// Implemented for `str`, `String`, `bool` (`true`/`false`), all integer types, `f32`,
/// `f64`, [`Timestamp`](super::Timestamp), [`DateTime`](super::DateTime),
/// [`Date`](super::Date), [`SortKey`] and references to any of them. The returned text is
/// not yet encoded: [`Query`] encodes it.
pub trait QueryValue {
    /// The value's text form, before percent-encoding.
    fn to_query_value(&self) -> Cow<'_, str>;
}

impl QueryValue for str {
    fn to_query_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl QueryValue for String {
    fn to_query_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl QueryValue for Cow<'_, str> {
    fn to_query_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl QueryValue for bool {
    fn to_query_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

impl<T: QueryValue + ?Sized> QueryValue for &T {
    fn to_query_value(&self) -> Cow<'_, str> {
        (**self).to_query_value()
    }
}

macro_rules! display_query_value {
    ($($t:ty),*) => {$(
        impl QueryValue for $t {
            fn to_query_value(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}

display_query_value!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

/// One sort field, ascending or descending: renders as `field` or `-field`
/// (`sort=-oldest_sort_date`).
///
/// `F` is usually a generated enum of the sortable fields, or a `&str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortKey<F> {
    /// The field to sort by.
    pub field: F,
    /// `true` for descending order (sent as `-field`).
    pub descending: bool,
}

impl<F> SortKey<F> {
    /// Sort by `field`, ascending.
    pub fn asc(field: F) -> Self {
        SortKey { field, descending: false }
    }

    /// Sort by `field`, descending.
    pub fn desc(field: F) -> Self {
        SortKey { field, descending: true }
    }
}

impl<F: AsRef<str>> fmt::Display for SortKey<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        f.write_str(self.field.as_ref())
    }
}

impl<F: AsRef<str>> QueryValue for SortKey<F> {
    fn to_query_value(&self) -> Cow<'_, str> {
        if self.descending {
            Cow::Owned(format!("-{}", self.field.as_ref()))
        } else {
            Cow::Borrowed(self.field.as_ref())
        }
    }
}

/// An ordered list of query parameters, encoded as they are added.
///
/// ```
/// use conversocial::runtime::{Query, SortKey};
/// let mut q = Query::new();
/// q.push("oldest_sort_date_lte", "2017-02-20T11:58:34");
/// q.push_exploded("id", &[1, 2]);
/// q.push_joined("fields", &["id", "name"], ',');
/// q.push("sort", &SortKey::desc("oldest_sort_date"));
/// q.push_flag("first_name_isnull", true);
/// assert_eq!(
///     q.to_string(),
///     "oldest_sort_date_lte=2017-02-20T11%3A58%3A34&id=1&id=2&fields=id,name\
///      &sort=-oldest_sort_date&first_name_isnull=1"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Encoded `(name, value)` pairs.
    pairs: Vec<(String, String)>,
}

impl Query {
    /// An empty query.
    pub fn new() -> Self {
        Query::default()
    }

    /// Adds `name=value`.
    pub fn push<V: QueryValue + ?Sized>(&mut self, name: &str, value: &V) {
        self.pairs.push((encode(name), encode(&value.to_query_value())));
    }

    /// Adds `name=a&name=b` (OpenAPI `style: form, explode: true`); nothing when empty.
    pub fn push_exploded<V: QueryValue>(&mut self, name: &str, values: &[V]) {
        for value in values {
            self.push(name, value);
        }
    }

    /// Adds `name=a,b` (OpenAPI `explode: false`) with `sep` between the encoded values;
    /// nothing when `values` is empty.
    ///
    /// The separator is sent literally, unless it is one of `& = # + %`, a space, a
    /// control or a non-ASCII character, which would change the meaning of the query:
    /// those are percent-encoded.
    pub fn push_joined<V: QueryValue>(&mut self, name: &str, values: &[V], sep: char) {
        if values.is_empty() {
            return;
        }
        let sep = if sep.is_ascii_graphic() && !matches!(sep, '&' | '=' | '#' | '+' | '%') {
            sep.to_string()
        } else {
            encode(sep.encode_utf8(&mut [0; 4]))
        };
        let joined = values.iter().map(|v| encode(&v.to_query_value())).collect::<Vec<_>>().join(&sep);
        self.pairs.push((encode(name), joined));
    }

    /// Adds `name=1` or `name=0`, the API's form for flags such as `first_name_isnull`.
    pub fn push_flag(&mut self, name: &str, value: bool) {
        self.push(name, if value { "1" } else { "0" });
    }

    /// Appends every parameter of `other`, after those already here.
    pub fn extend(&mut self, other: Query) {
        self.pairs.extend(other.pairs);
    }

    /// `true` when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The number of `name=value` pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// The encoded pairs, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl fmt::Display for Query {
    /// The encoded query string, without a leading `?`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.pairs.iter().enumerate() {
            if i > 0 {
                f.write_str("&")?;
            }
            write!(f, "{name}={value}")?;
        }
        Ok(())
    }
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{Date, DateTime, Timestamp};

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode("a b+c&d=e/f?g#h%i,j:k"), "a%20b%2Bc%26d%3De%2Ff%3Fg%23h%25i%2Cj%3Ak");
        assert_eq!(encode("é☃"), "%C3%A9%E2%98%83");
        assert_eq!(encode_path_segment("a/b c?"), "a%2Fb%20c%3F");
        assert_eq!(encode_path_segment("5399e4ff0e4b3d76a56e5533"), "5399e4ff0e4b3d76a56e5533");
    }

    #[test]
    fn scalar_values() {
        let mut q = Query::new();
        q.push("b", &true);
        q.push("c", &false);
        q.push("i", &-42i64);
        q.push("u", &7u8);
        q.push("f", &1.5f64);
        q.push("s", &String::from("x y"));
        q.push("r", &&"ref");
        assert_eq!(q.to_string(), "b=true&c=false&i=-42&u=7&f=1.5&s=x%20y&r=ref");
        assert_eq!(q.len(), 7);
    }

    #[test]
    fn time_values() {
        let mut q = Query::new();
        q.push("t", &"2017-02-20T11:58:34".parse::<Timestamp>().unwrap());
        q.push("d", &"2014-10-01".parse::<Date>().unwrap());
        q.push("z", &"2017-02-20T12:58:34+01:00".parse::<DateTime>().unwrap());
        assert_eq!(q.to_string(), "t=2017-02-20T11%3A58%3A34&d=2014-10-01&z=2017-02-20T11%3A58%3A34Z");
    }

    #[test]
    fn arrays_and_sort() {
        let mut q = Query::new();
        q.push_exploded("status", &["unread", "archived"]);
        q.push_joined("fields", &["first_name", "last_name"], ',');
        q.push_joined("sort", &[SortKey::asc("a"), SortKey::desc("b")], ',');
        q.push_joined("x", &["a&b", "c"], '&');
        q.push_joined::<&str>("empty", &[], ',');
        q.push_exploded::<&str>("none", &[]);
        assert_eq!(
            q.to_string(),
            "status=unread&status=archived&fields=first_name,last_name&sort=a,-b&x=a%26b%26c"
        );
    }

    #[test]
    fn flags_and_extend() {
        let mut q = Query::new();
        q.push_flag("first_name_isnull", true);
        let mut other = Query::new();
        other.push_flag("last_name_isnull", false);
        q.extend(other);
        assert_eq!(q.to_string(), "first_name_isnull=1&last_name_isnull=0");
        assert_eq!(
            q.pairs().collect::<Vec<_>>(),
            vec![("first_name_isnull", "1"), ("last_name_isnull", "0")]
        );
    }

    #[test]
    fn sort_key_display() {
        assert_eq!(SortKey::desc("oldest_sort_date").to_string(), "-oldest_sort_date");
        assert_eq!(SortKey::asc(String::from("id")).to_query_value(), "id");
    }
}
