//! Query strings and path segments: [`Query`], [`QueryValue`], [`SortKey`],
//! [`ObjectStyle`] and [`encode_path_segment`].
//!
//! Names and values are percent-encoded except for the unreserved characters
//! `A-Z a-z 0-9 - . _ ~` (RFC 3986), so `2017-02-20T11:58:34` is sent as
//! `2017-02-20T11%3A58%3A34` and `+` never turns into a space on the server.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// Every byte except the RFC 3986 unreserved characters is percent-encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one path segment: everything but `A-Z a-z 0-9 - . _ ~`, so `/`, `?`,
/// `#`, `%` and spaces in an id cannot change the path.
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, COMPONENT).to_string()
}

/// Encodes the value of path parameter `name` of `operation` as one path segment, refusing
/// the values that would change which resource the request reaches: an empty value and
/// the dot segments `.` and `..` (URL parsers remove those, even percent-encoded).
///
/// ```
/// use conversocial::runtime::path_param;
/// assert_eq!(path_param("getAccount", "id", "a/b").unwrap(), "a%2Fb");
/// assert!(path_param("getAccount", "id", "..").is_err());
/// assert!(path_param("getAccount", "id", "").is_err());
/// ```
pub fn path_param(operation: &str, name: &str, value: &str) -> Result<String, super::Error> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(super::Error::invalid_request(format!(
            "`{operation}`: path parameter `{name}` is {value:?}, which would send the request to \
             another resource; pass the id of the object you want"
        )));
    }
    Ok(encode_path_segment(value))
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

/// How [`Query::push_object`] sends an object-valued parameter (OpenAPI 3.0 `style` and
/// `explode` of a query parameter whose schema is an object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `style: form, explode: true` (the default): the object's own keys, `a=1&b=2`.
    FormExploded,
    /// `style: form, explode: false`: `name=a,1,b,2`.
    Form,
    /// `style: deepObject`: `name[a]=1&name[b]=2`, nested objects as `name[a][b]=1`.
    DeepObject,
}

/// An ordered list of query parameters, encoded as they are added.
///
/// ```
/// use conversocial::SortKey;
/// use conversocial::runtime::Query;
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

    /// Adds `name=value` for a parameter with `allowReserved: true`: the RFC 3986 reserved
    /// characters (`:/?[]@!$'()*,;`) go out as they are, except the ones that would change
    /// the query's structure (`&`, `=`, `#`, `+`), which are still encoded.
    pub fn push_reserved<V: QueryValue + ?Sized>(&mut self, name: &str, value: &V) {
        self.pairs
            .push((encode(name), utf8_percent_encode(&value.to_query_value(), RESERVED_KEPT).to_string()));
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

    /// Adds an object-valued parameter: `value` is serialised with serde, in its
    /// serialisation order (struct fields in declaration order), then flattened as
    /// `style` says:
    ///
    /// * [`ObjectStyle::FormExploded`]: `a=1&b=2` (the object's own keys; `name` is unused);
    /// * [`ObjectStyle::Form`]: `name=a,1,b,2` (keys and values encoded, commas literal);
    /// * [`ObjectStyle::DeepObject`]: `name[a]=1&name[b]=2`, nested objects as
    ///   `name[a][b]=1` and arrays as repeated `name[a]=1&name[a]=2` keys (brackets are
    ///   sent literally).
    ///
    /// Scalars render like [`QueryValue`] (strings raw, numbers, `true`/`false`); nulls are
    /// skipped, and so is an object with no non-null member. Nested objects and arrays are
    /// sent as compact JSON text, except in `DeepObject` as said above (there, an object
    /// or array inside an array is JSON text). A value that is not an object (a scalar or
    /// an array) is sent like [`push`](Self::push), [`push_exploded`](Self::push_exploded)
    /// (`FormExploded` and `DeepObject`) or [`push_joined`](Self::push_joined) with `,`
    /// (`Form`).
    ///
    /// Never fails: a value that cannot be serialised is skipped with a `tracing` warning.
    ///
    /// ```
    /// use conversocial::ObjectStyle;
    /// use conversocial::runtime::Query;
    /// let filter = serde_json::json!({"role": "admin", "age": {"gte": 18}});
    /// let mut q = Query::new();
    /// q.push_object("filter", &filter, ObjectStyle::DeepObject);
    /// assert_eq!(q.to_string(), "filter[age][gte]=18&filter[role]=admin");
    /// ```
    pub fn push_object<T: serde::Serialize + ?Sized>(&mut self, name: &str, value: &T, style: ObjectStyle) {
        let node = match serde_json::to_vec(value).and_then(|json| serde_json::from_slice::<Node>(&json)) {
            Ok(node) => node,
            Err(error) => {
                tracing::warn!(
                    parameter = name,
                    error = %error,
                    "query parameter value cannot be serialised; it is not sent"
                );
                return;
            }
        };
        match (style, node) {
            (_, Node::Null) => {}
            (ObjectStyle::FormExploded, Node::Object(members)) => {
                for (key, value) in &members {
                    if let Some(text) = value.flat_text() {
                        self.push(key, &text);
                    }
                }
            }
            (ObjectStyle::Form, Node::Object(members)) => {
                let joined = members
                    .iter()
                    .filter_map(|(key, value)| {
                        value.flat_text().map(|text| format!("{},{}", encode(key), encode(&text)))
                    })
                    .collect::<Vec<_>>();
                if !joined.is_empty() {
                    self.pairs.push((encode(name), joined.join(",")));
                }
            }
            (ObjectStyle::DeepObject, Node::Object(members)) => {
                let prefix = encode(name);
                for (key, value) in &members {
                    self.push_deep(&format!("{prefix}[{}]", encode(key)), value);
                }
            }
            (ObjectStyle::Form, Node::Array(items)) => {
                let texts = items.iter().filter_map(Node::flat_text).collect::<Vec<_>>();
                self.push_joined(name, &texts, ',');
            }
            (_, Node::Array(items)) => {
                let texts = items.iter().filter_map(Node::flat_text).collect::<Vec<_>>();
                self.push_exploded(name, &texts);
            }
            (_, scalar) => {
                if let Some(text) = scalar.flat_text() {
                    self.push(name, &text);
                }
            }
        }
    }

    /// `key[a][b]=v` pairs of a `deepObject` member; `key` is already encoded.
    fn push_deep(&mut self, key: &str, value: &Node) {
        match value {
            Node::Null => {}
            Node::Object(members) => {
                for (member, value) in members {
                    self.push_deep(&format!("{key}[{}]", encode(member)), value);
                }
            }
            Node::Array(items) => {
                for text in items.iter().filter_map(Node::flat_text) {
                    self.pairs.push((key.to_owned(), encode(&text)));
                }
            }
            scalar => {
                if let Some(text) = scalar.flat_text() {
                    self.pairs.push((key.to_owned(), encode(&text)));
                }
            }
        }
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

/// Percent-encodes everything but `A-Z a-z 0-9 - . _ ~`.
/// [`COMPONENT`] less the reserved characters that may stand in a query value.
const RESERVED_KEPT: &AsciiSet = &COMPONENT
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b';');

pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// The key serde_json's `arbitrary_precision` feature wraps numbers in.
const ARBITRARY_PRECISION_NUMBER: &str = "$serde_json::private::Number";

/// A JSON value that keeps object members in the order they were serialised, whatever
/// serde_json's `preserve_order` feature says.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    /// A scalar as a query value renders it; an array or object as compact JSON; `None`
    /// for null.
    fn flat_text(&self) -> Option<String> {
        match self {
            Node::Null => None,
            Node::Bool(b) => Some(b.to_query_value().into_owned()),
            Node::Int(i) => Some(i.to_string()),
            Node::Uint(u) => Some(u.to_string()),
            Node::Float(f) => Some(f.to_string()),
            Node::String(s) => Some(s.clone()),
            Node::Array(_) | Node::Object(_) => serde_json::to_string(self).ok(),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Int(i) => serializer.serialize_i64(*i),
            Node::Uint(u) => serializer.serialize_u64(*u),
            Node::Float(f) => serializer.serialize_f64(*f),
            Node::String(s) => serializer.serialize_str(s),
            Node::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;

        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Uint(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::String(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut members: Vec<(String, Node)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == ARBITRARY_PRECISION_NUMBER && members.is_empty() {
                        // serde_json with `arbitrary_precision` (enabled by another crate)
                        // hands numbers over as this one-member map.
                        let text: String = map.next_value()?;
                        return Ok(text
                            .parse()
                            .map(Node::Int)
                            .or_else(|_| text.parse().map(Node::Uint))
                            .or_else(|_| text.parse().map(Node::Float))
                            .unwrap_or(Node::String(text)));
                    }
                    let value = map.next_value::<Node>()?;
                    // JSON allows a repeated key; like serde_json's map, the last one wins.
                    members.retain(|(k, _)| *k != key);
                    members.push((key, value));
                }
                Ok(Node::Object(members))
            }
        }

        deserializer.deserialize_any(NodeVisitor)
    }
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
    fn reserved_characters_kept_where_allowed() {
        let mut q = Query::new();
        q.push_reserved("$filter", "atScope() and x eq 'a/b:c' & d=e#f+g");
        assert_eq!(q.to_string(), "%24filter=atScope()%20and%20x%20eq%20'a/b:c'%20%26%20d%3De%23f%2Bg");
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

    #[derive(serde::Serialize)]
    struct Filter {
        zeta: &'static str,
        age: Option<u8>,
        note: Option<&'static str>,
        ratio: f64,
        whole: f64,
        ok: bool,
        inner: Inner,
        tags: Vec<&'static str>,
    }

    #[derive(serde::Serialize)]
    struct Inner {
        b: i32,
        a: Option<i32>,
    }

    fn filter() -> Filter {
        Filter {
            zeta: "x y&z",
            age: Some(30),
            note: None,
            ratio: 0.5,
            whole: 2.0,
            ok: true,
            inner: Inner { b: -1, a: Some(2) },
            tags: vec!["a", "b,c"],
        }
    }

    #[test]
    fn object_form_exploded() {
        let mut q = Query::new();
        q.push_object("filter", &filter(), ObjectStyle::FormExploded);
        assert_eq!(
            q.to_string(),
            "zeta=x%20y%26z&age=30&ratio=0.5&whole=2&ok=true\
             &inner=%7B%22b%22%3A-1%2C%22a%22%3A2%7D&tags=%5B%22a%22%2C%22b%2Cc%22%5D"
        );
    }

    #[test]
    fn object_form() {
        let mut q = Query::new();
        q.push_object("filter", &filter(), ObjectStyle::Form);
        assert_eq!(
            q.to_string(),
            "filter=zeta,x%20y%26z,age,30,ratio,0.5,whole,2,ok,true,\
             inner,%7B%22b%22%3A-1%2C%22a%22%3A2%7D,tags,%5B%22a%22%2C%22b%2Cc%22%5D"
        );
    }

    #[test]
    fn object_deep() {
        let mut q = Query::new();
        q.push_object("f ilter", &filter(), ObjectStyle::DeepObject);
        assert_eq!(
            q.to_string(),
            "f%20ilter[zeta]=x%20y%26z&f%20ilter[age]=30&f%20ilter[ratio]=0.5&f%20ilter[whole]=2\
             &f%20ilter[ok]=true&f%20ilter[inner][b]=-1&f%20ilter[inner][a]=2\
             &f%20ilter[tags]=a&f%20ilter[tags]=b%2Cc"
        );
        let mut q = Query::new();
        q.push_object(
            "d",
            &serde_json::json!({"k": [[1], {"x": null}, null, 3], "e": {}}),
            ObjectStyle::DeepObject,
        );
        assert_eq!(q.to_string(), "d[k]=%5B1%5D&d[k]=%7B%22x%22%3Anull%7D&d[k]=3");
    }

    #[test]
    fn non_objects_nulls_and_failures() {
        let mut q = Query::new();
        q.push_object("n", &Option::<Inner>::None, ObjectStyle::Form);
        q.push_object("e", &serde_json::json!({"a": null}), ObjectStyle::Form);
        q.push_object("s", "text", ObjectStyle::DeepObject);
        q.push_object("i", &[1, 2], ObjectStyle::Form);
        q.push_object("x", &[1, 2], ObjectStyle::FormExploded);
        q.push_object("d", &[true], ObjectStyle::DeepObject);
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        q.push_object("bad", &map, ObjectStyle::FormExploded);
        assert_eq!(q.to_string(), "s=text&i=1,2&x=1&x=2&d=true");
    }

    #[test]
    fn sort_key_display() {
        assert_eq!(SortKey::desc("oldest_sort_date").to_string(), "-oldest_sort_date");
        assert_eq!(SortKey::asc(String::from("id")).to_query_value(), "id");
    }
}
