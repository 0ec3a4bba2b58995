//! Time values on the wire: [`Timestamp`] (the API's zone-less UTC form), [`DateTime`]
//! (RFC 3339) and [`Date`], with parsing, formatting, serde and chrono conversions.
//!
//! Round trips are property-tested in `tests/tests/runtime_time.rs` (outside the runtime,
//! so that the runtime's own tests need no dev-dependency when it is copied into a
//! standalone crate).
//!
//! Parsing is lenient and formatting strict: all three instants accept
//! `2013-11-18T11:20:24`, a space instead of `T`, 1 to 9 fractional digits, and a `Z` or
//! `±hh:mm` / `±hhmm` / `±hh` offset, which is applied so the value is in UTC.

use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::QueryValue;

/// A time text that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseTimeError {
    expected: &'static str,
    input: String,
}

impl ParseTimeError {
    fn new(expected: &'static str, input: &str) -> Self {
        let mut shown: String = input.chars().take(64).collect();
        if shown.len() < input.len() {
            shown.push('…');
        }
        ParseTimeError { expected, input: shown }
    }
}

impl fmt::Display for ParseTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: `{}`", self.expected, self.input)
    }
}

impl std::error::Error for ParseTimeError {}

const INSTANT: &str =
    "timestamp (expected YYYY-MM-DDTHH:MM:SS, optional fraction, optional Z or ±hh:mm offset)";
const DATE: &str = "date (expected YYYY-MM-DD)";

/// Parses any accepted instant form into UTC.
fn parse_instant(text: &str) -> Result<chrono::DateTime<Utc>, ParseTimeError> {
    let err = || ParseTimeError::new(INSTANT, text);
    if let Some(fast) = parse_api_form(text.as_bytes()) {
        return Ok(fast);
    }
    let s = text.trim();
    let (local, offset_secs) = split_offset(s).ok_or_else(err)?;
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S%.f"))
        .map_err(|_| err())?;
    let offset = FixedOffset::east_opt(offset_secs).ok_or_else(err)?;
    offset.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc)).ok_or_else(err)
}

/// The API's own form, `YYYY-MM-DDTHH:MM:SS` exactly, read without a format parser: it is
/// what every timestamp in a response looks like, so decoding a page stays cheap.
fn parse_api_form(b: &[u8]) -> Option<chrono::DateTime<Utc>> {
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    let date = chrono::NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

/// Splits `s` into the local date-time text and the offset in seconds east of UTC.
fn split_offset(s: &str) -> Option<(&str, i32)> {
    if let Some(local) = s.strip_suffix(['Z', 'z']) {
        return Some((local, 0));
    }
    // The offset sign can only come after the time of day (`YYYY-MM-DDTHH:MM:SS` is 19 bytes).
    let Some(pos) = s.get(19..).and_then(|tail| tail.rfind(['+', '-'])).map(|p| p + 19) else {
        return Some((s, 0));
    };
    let (local, offset) = s.split_at(pos);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (hours, minutes) = match offset.len() {
        3 => (offset.get(1..3)?, "00"),
        5 => (offset.get(1..3)?, offset.get(3..5)?),
        6 if offset.as_bytes()[3] == b':' => (offset.get(1..3)?, offset.get(4..6)?),
        _ => return None,
    };
    let number = |text: &str| -> Option<i32> {
        text.bytes().all(|b| b.is_ascii_digit()).then(|| text.parse().ok()).flatten()
    };
    let (hours, minutes) = (number(hours)?, number(minutes)?);
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((local, sign * (hours * 3600 + minutes * 60)))
}

macro_rules! string_serde {
    ($t:ty, $what:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $t;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$t, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

/// A UTC instant in the API's zone-less form, `2013-11-18T11:20:24`
/// (OpenAPI `format: naive-date-time`).
///
/// Parses the forms listed in the module docs; formats, serialises and is sent in query
/// strings as `YYYY-MM-DDTHH:MM:SS`, with 3, 6 or 9 fractional digits only when the
/// sub-second part is not zero.
///
/// ```
/// use conversocial::Timestamp;
/// let t: Timestamp = "2013-11-18T12:20:24.5+01:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2013-11-18T11:20:24.500");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(chrono::DateTime<Utc>);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Timestamp(Utc::now())
    }

    /// The instant as a chrono UTC date-time.
    pub fn to_chrono(self) -> chrono::DateTime<Utc> {
        self.0
    }

    /// The instant as a naive date-time in UTC.
    pub fn naive_utc(self) -> NaiveDateTime {
        self.0.naive_utc()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.f"))
    }
}

impl FromStr for Timestamp {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_instant(s).map(Timestamp)
    }
}

string_serde!(Timestamp, "a timestamp such as 2013-11-18T11:20:24");

impl From<chrono::DateTime<Utc>> for Timestamp {
    fn from(t: chrono::DateTime<Utc>) -> Self {
        Timestamp(t)
    }
}

impl From<Timestamp> for chrono::DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl From<NaiveDateTime> for Timestamp {
    /// Reads the naive date-time as UTC.
    fn from(t: NaiveDateTime) -> Self {
        Timestamp(t.and_utc())
    }
}

impl From<Timestamp> for NaiveDateTime {
    fn from(t: Timestamp) -> Self {
        t.0.naive_utc()
    }
}

impl From<std::time::SystemTime> for Timestamp {
    fn from(t: std::time::SystemTime) -> Self {
        Timestamp(t.into())
    }
}

impl From<DateTime> for Timestamp {
    fn from(t: DateTime) -> Self {
        Timestamp(t.0)
    }
}

/// A UTC instant in RFC 3339 form, `2013-11-18T11:20:24Z` (OpenAPI `format: date-time`).
///
/// Parses the same forms as [`Timestamp`] (a missing zone means UTC) and normalises to UTC;
/// formats and serialises with a `Z` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(chrono::DateTime<Utc>);

impl DateTime {
    /// The current time.
    pub fn now() -> Self {
        DateTime(Utc::now())
    }

    /// The instant as a chrono UTC date-time.
    pub fn to_chrono(self) -> chrono::DateTime<Utc> {
        self.0
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.fZ"))
    }
}

impl FromStr for DateTime {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_instant(s).map(DateTime)
    }
}

string_serde!(DateTime, "an RFC 3339 date-time such as 2013-11-18T11:20:24Z");

impl<Tz: TimeZone> From<chrono::DateTime<Tz>> for DateTime {
    fn from(t: chrono::DateTime<Tz>) -> Self {
        DateTime(t.with_timezone(&Utc))
    }
}

impl From<DateTime> for chrono::DateTime<Utc> {
    fn from(t: DateTime) -> Self {
        t.0
    }
}

impl From<Timestamp> for DateTime {
    fn from(t: Timestamp) -> Self {
        DateTime(t.0)
    }
}

impl From<std::time::SystemTime> for DateTime {
    fn from(t: std::time::SystemTime) -> Self {
        DateTime(t.into())
    }
}

/// A calendar date, `2014-10-01` (OpenAPI `format: date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

impl Date {
    /// The date from its parts; `None` when it does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(Date)
    }

    /// The date as a chrono naive date.
    pub fn to_chrono(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl FromStr for Date {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map(Date).map_err(|_| ParseTimeError::new(DATE, s))
    }
}

string_serde!(Date, "a date such as 2014-10-01");

/// In a query string a timestamp is sent to the second, in the API's form: the API's
/// timestamps have no fraction, and a filter value with one (from [`Timestamp::now`],
/// say) would not be in its documented format. Bodies keep the fraction.
impl QueryValue for Timestamp {
    fn to_query_value(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.0.format("%Y-%m-%dT%H:%M:%S").to_string())
    }
}

impl QueryValue for DateTime {
    fn to_query_value(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }
}

impl QueryValue for Date {
    fn to_query_value(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

impl From<Date> for NaiveDate {
    fn from(d: Date) -> Self {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parses_api_forms() {
        assert_eq!(ts("2013-11-18T11:20:24").to_string(), "2013-11-18T11:20:24");
        assert_eq!(ts("2013-11-18 11:20:24").to_string(), "2013-11-18T11:20:24");
        assert_eq!(ts("2013-11-18T11:20:24Z"), ts("2013-11-18T11:20:24"));
        assert_eq!(ts("2013-11-18T11:20:24z"), ts("2013-11-18T11:20:24"));
        assert_eq!(ts("2013-11-18T13:20:24+02:00"), ts("2013-11-18T11:20:24"));
        assert_eq!(ts("2013-11-18T09:20:24-0200"), ts("2013-11-18T11:20:24"));
        assert_eq!(ts("2013-11-18T13:20:24+02"), ts("2013-11-18T11:20:24"));
        assert_eq!(ts("2013-11-19T00:20:24+13:00"), ts("2013-11-18T11:20:24"));
        assert_eq!(ts("2016-03-15T17:48:49.988000").to_string(), "2016-03-15T17:48:49.988");
        assert_eq!(ts("2016-03-15T17:48:49.1").to_string(), "2016-03-15T17:48:49.100");
        assert_eq!(ts("2016-03-15T17:48:49.123456789Z").to_string(), "2016-03-15T17:48:49.123456789");
        assert_eq!(ts("2016-03-15T17:48:49.000").to_string(), "2016-03-15T17:48:49");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2013-11-18",
            "2013-11-18T11:20",
            "2013-13-18T11:20:24",
            "2013-11-18T11:20:24+2:00",
            "2013-11-18T11:20:24+25:00",
            "2013-11-18T11:20:24+02:0x",
            "2013-11-18T11:20:24 UTC",
            "yesterday",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad:?} parsed");
        }
        let err = "nope".parse::<Timestamp>().unwrap_err().to_string();
        assert!(err.contains("`nope`") && err.contains("YYYY-MM-DDTHH:MM:SS"), "{err}");
    }

    #[test]
    fn date_time_serialises_rfc3339() {
        let t: DateTime = "2013-11-18T13:20:24.25+02:00".parse().unwrap();
        assert_eq!(t.to_string(), "2013-11-18T11:20:24.250Z");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2013-11-18T11:20:24.250Z\"");
        let zoneless: DateTime = "2013-11-18T11:20:24".parse().unwrap();
        assert_eq!(zoneless.to_string(), "2013-11-18T11:20:24Z");
        assert_eq!(Timestamp::from(zoneless), ts("2013-11-18T11:20:24"));
    }

    #[test]
    fn dates() {
        let d: Date = "2014-10-01".parse().unwrap();
        assert_eq!(d, Date::from_ymd(2014, 10, 1).unwrap());
        assert_eq!(d.to_string(), "2014-10-01");
        assert!("2014-10-32".parse::<Date>().is_err());
        assert!("2014-10-01T00:00:00".parse::<Date>().is_err());
        assert_eq!(serde_json::from_str::<Date>("\"2014-10-01\"").unwrap(), d);
    }

    #[test]
    fn serde_in_bodies() {
        let t = ts("2013-11-18T11:20:24");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2013-11-18T11:20:24\"");
        assert_eq!(serde_json::from_str::<Timestamp>("\"2013-11-18T11:20:24\"").unwrap(), t);
        let err = serde_json::from_str::<Timestamp>("42").unwrap_err().to_string();
        assert!(err.contains("2013-11-18T11:20:24"), "{err}");
    }

    #[test]
    fn chrono_conversions() {
        let t = ts("2013-11-18T11:20:24");
        let c: chrono::DateTime<Utc> = t.into();
        assert_eq!(Timestamp::from(c), t);
        let n: NaiveDateTime = t.into();
        assert_eq!(Timestamp::from(n), t);
        let offset = FixedOffset::east_opt(3600).unwrap();
        assert_eq!(DateTime::from(c.with_timezone(&offset)).to_chrono(), c);
    }
}
