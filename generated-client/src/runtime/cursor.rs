//! [`Cursor`]: a saved position in a paginated listing, to persist and resume from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use super::Error;

/// A position in a paginated listing: the URL of the next page to fetch (the API's
/// `next_page`, which already carries every filter) and how many items at the start of
/// that page were already delivered.
///
/// Its text form (`Display`, `FromStr`, serde) is that URL, with `#skip=N` appended when
/// `N > 0` (a fragment is never sent to the server). Persist it after each page or item
/// and continue with [`Client::resume`](super::Client::resume): nothing is lost or
/// delivered twice.
///
/// ```
/// use conversocial::runtime::Cursor;
/// let cursor: Cursor = "https://api.conversocial.com/v1.3/users?offset=10#skip=3".parse().unwrap();
/// assert_eq!(cursor.url(), "https://api.conversocial.com/v1.3/users?offset=10");
/// assert_eq!(cursor.skip(), 3);
/// assert_eq!(cursor.to_string().parse::<Cursor>().unwrap(), cursor);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    url: Url,
    skip: u64,
}

impl Cursor {
    /// A cursor at the start of the page at `url`.
    pub(crate) fn new(mut url: Url, skip: u64) -> Self {
        url.set_fragment(None);
        Cursor { url, skip }
    }

    /// A cursor for a `next_page` URL sent by the API.
    pub(crate) fn from_next_url(text: &str) -> Result<Self, Error> {
        Url::parse(text).map(|url| Cursor::new(url, 0)).map_err(|e| Error::InvalidRequest {
            message: format!("the API's next-page link `{text}` is not an absolute URL"),
            source: Some(Box::new(e)),
        })
    }

    /// The URL of the page to fetch next.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// How many items at the start of that page were already delivered.
    pub fn skip(&self) -> u64 {
        self.skip
    }

    pub(crate) fn to_url(&self) -> Url {
        self.url.clone()
    }

    /// The same page, with `skip` items already delivered.
    pub(crate) fn with_skip(&self, skip: u64) -> Self {
        Cursor { url: self.url.clone(), skip }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())?;
        if self.skip > 0 {
            write!(f, "#skip={}", self.skip)?;
        }
        Ok(())
    }
}

impl FromStr for Cursor {
    type Err = Error;

    /// Parses the text form; a fragment other than `skip=N` is ignored.
    fn from_str(text: &str) -> Result<Self, Error> {
        let url = Url::parse(text.trim()).map_err(|e| Error::InvalidRequest {
            message: format!("`{text}` is not a saved cursor (expected an absolute URL)"),
            source: Some(Box::new(e)),
        })?;
        let skip = url
            .fragment()
            .and_then(|f| f.strip_prefix("skip="))
            .map(|n| {
                n.parse().map_err(|e| Error::InvalidRequest {
                    message: format!("`{text}` is not a saved cursor (bad skip count)"),
                    source: Some(Box::new(e)),
                })
            })
            .transpose()?
            .unwrap_or(0);
        Ok(Cursor::new(url, skip))
    }
}

impl Serialize for Cursor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text_and_json() {
        let next = "https://api.conversocial.com/v1.3/conversations?sort=-oldest_sort_date\
                    &oldest_sort_date_lte=2017-02-20T11%3A58%3A34&page_size=20&skip=1";
        let cursor = Cursor::from_next_url(next).unwrap();
        assert_eq!(cursor.to_string(), next);
        assert_eq!(cursor.url(), next);
        let json = serde_json::to_string(&cursor).unwrap();
        assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), cursor);
        let mid = cursor.with_skip(7);
        assert_eq!(mid.to_string(), format!("{next}#skip=7"));
        assert_eq!(mid.to_string().parse::<Cursor>().unwrap(), mid);
        let json = serde_json::to_string(&mid).unwrap();
        assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), mid);
    }

    #[test]
    fn rejects_bad_text() {
        assert!("/relative?x=1".parse::<Cursor>().is_err());
        assert!("https://h/x#skip=abc".parse::<Cursor>().is_err());
        assert!(Cursor::from_next_url("not a url").is_err());
        assert!(serde_json::from_str::<Cursor>("\"nope\"").is_err());
        assert_eq!("https://h/x#other".parse::<Cursor>().unwrap().skip(), 0);
    }
}
