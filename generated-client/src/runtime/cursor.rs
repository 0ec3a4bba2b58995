//! [`Cursor`]: a saved position in a paginated listing, to persist and resume from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

use super::Error;

/// A position in a paginated listing: the URL of the next page to fetch (the API's
/// `next_page`, which already carries every filter), how many items at the start of
/// that page were already delivered, and the id of the last of them.
///
/// Its text form (`Display`, `FromStr`, serde) is that URL, with `#skip=N` appended when
/// `N > 0`, and `&after=ID` when the last delivered item had an id (a fragment is never
/// sent to the server). Persist it after each page or item and continue with
/// [`Client::resume`](super::Client::resume): nothing is lost or delivered twice. When
/// the page changed in between (items added or removed before the position), the id
/// says where to go on: delivery resumes after that item wherever it now stands; only
/// when it is no longer on the page does the count decide.
///
/// ```
/// use conversocial::Cursor;
/// let cursor: Cursor = "https://api.conversocial.com/v1.3/users?offset=10#skip=3".parse().unwrap();
/// assert_eq!(cursor.url(), "https://api.conversocial.com/v1.3/users?offset=10");
/// assert_eq!(cursor.skip(), 3);
/// assert_eq!(cursor.to_string().parse::<Cursor>().unwrap(), cursor);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    url: Url,
    skip: u64,
    after: Option<String>,
}

impl Cursor {
    /// A cursor at the start of the page at `url`.
    pub(crate) fn new(mut url: Url, skip: u64) -> Self {
        url.set_fragment(None);
        Cursor { url, skip, after: None }
    }

    /// A cursor for a `next_page` link sent by the API on the page at `page`: an absolute
    /// URL, or a relative one resolved against that page's URL.
    pub(crate) fn from_next_url(text: &str, page: &Url) -> Result<Self, Error> {
        page.join(text).map(|url| Cursor::new(url, 0)).map_err(|e| Error::InvalidRequest {
            message: format!("the API's next-page link `{text}` is not a URL"),
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

    /// The id of the last item delivered from that page, when items have ids.
    pub fn after(&self) -> Option<&str> {
        self.after.as_deref()
    }

    pub(crate) fn to_url(&self) -> Url {
        self.url.clone()
    }

    /// The same page, with `skip` items already delivered, the last of them `after`.
    pub(crate) fn with_skip(&self, skip: u64, after: Option<String>) -> Self {
        Cursor { url: self.url.clone(), skip, after: if skip == 0 { None } else { after } }
    }

    /// The URL of the page itself.
    pub(crate) fn page_url(&self) -> &Url {
        &self.url
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())?;
        if self.skip > 0 {
            write!(f, "#skip={}", self.skip)?;
            if let Some(after) = &self.after {
                write!(f, "&after={}", super::query::encode(after))?;
            }
        }
        Ok(())
    }
}

impl FromStr for Cursor {
    type Err = Error;

    /// Parses the text form; a fragment other than `skip=N[&after=ID]` is ignored.
    fn from_str(text: &str) -> Result<Self, Error> {
        let url = Url::parse(text.trim()).map_err(|e| Error::InvalidRequest {
            message: format!("`{text}` is not a saved cursor (expected an absolute URL)"),
            source: Some(Box::new(e)),
        })?;
        let (mut skip, mut after) = (0, None);
        for part in url.fragment().unwrap_or_default().split('&') {
            if let Some(n) = part.strip_prefix("skip=") {
                skip = n.parse().map_err(|e| Error::InvalidRequest {
                    message: format!("`{text}` is not a saved cursor (bad skip count)"),
                    source: Some(Box::new(e)),
                })?;
            } else if let Some(id) = part.strip_prefix("after=") {
                after = Some(percent_encoding::percent_decode_str(id).decode_utf8_lossy().into_owned());
            }
        }
        Ok(Cursor::new(url, 0).with_skip(skip, after))
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
        let cursor = Cursor::from_next_url(next, &Url::parse("https://h/").unwrap()).unwrap();
        assert_eq!(cursor.to_string(), next);
        assert_eq!(cursor.url(), next);
        let json = serde_json::to_string(&cursor).unwrap();
        assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), cursor);
        let mid = cursor.with_skip(7, None);
        assert_eq!(mid.to_string(), format!("{next}#skip=7"));
        assert_eq!(mid.to_string().parse::<Cursor>().unwrap(), mid);
        let json = serde_json::to_string(&mid).unwrap();
        assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), mid);
        let after = cursor.with_skip(7, Some("a b&c#1".into()));
        assert_eq!(after.to_string(), format!("{next}#skip=7&after=a%20b%26c%231"));
        let back = after.to_string().parse::<Cursor>().unwrap();
        assert_eq!(back, after);
        assert_eq!(back.after(), Some("a b&c#1"));
        assert_eq!(cursor.with_skip(0, Some("x".into())).after(), None);
    }

    #[test]
    fn rejects_bad_text() {
        assert!("/relative?x=1".parse::<Cursor>().is_err());
        assert!("https://h/x#skip=abc".parse::<Cursor>().is_err());
        let page = Url::parse("https://h/v1/users?offset=10").unwrap();
        assert!(Cursor::from_next_url("https://[bad", &page).is_err());
        let relative = Cursor::from_next_url("users?offset=20", &page).unwrap();
        assert_eq!(relative.url(), "https://h/v1/users?offset=20");
        let rooted = Cursor::from_next_url("/v1/users?offset=30", &page).unwrap();
        assert_eq!(rooted.url(), "https://h/v1/users?offset=30");
        assert!(serde_json::from_str::<Cursor>("\"nope\"").is_err());
        assert_eq!("https://h/x#other".parse::<Cursor>().unwrap().skip(), 0);
    }
}
