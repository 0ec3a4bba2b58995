//! [`ApiErrorBody`], the parsed error body an [`Error`](super::Error) carries, and the
//! bounded excerpts of bodies kept in errors.

use std::fmt;

/// Longest body excerpt, in characters, kept in an error.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// Longest text of [`ApiErrorBody::json`] shown by `Debug`, in bytes.
const DEBUG_JSON_BYTES: usize = 400;

/// The API's error body, e.g.
/// `{"status": "error", "message": "No such author", "http_status": "404 Object Not Found"}`.
///
/// Every field is optional: the runtime reads whatever the server sent and keeps a short
/// excerpt of the raw body. Values that are not strings (a numeric `error_code`) are kept
/// in their JSON text form. The client reads at most the first 64 KiB of an error body,
/// so `json` is bounded too; `Debug` shows only the start of it.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// `status`, usually `"error"`.
    pub status: Option<String>,
    /// `message`, e.g. `"No such author"`.
    pub message: Option<String>,
    /// `http_status`, e.g. `"404 Object Not Found"`.
    pub http_status: Option<String>,
    /// `error_code`, when the API names the error.
    pub error_code: Option<String>,
    /// `param`, the request parameter the API rejected.
    pub param: Option<String>,
    /// `error`, used instead of `message` by permission failures (`permsError`).
    pub error: Option<String>,
    /// The first 200 characters of the raw body (whitespace collapsed).
    pub raw: String,
    /// The whole body, when it is JSON and complete within the 64 KiB read of an error
    /// body (secrets scrubbed like every other field); read it as the operation's
    /// documented error type with [`ApiErrorBody::decode`].
    pub json: Option<serde_json::Value>,
}

impl ApiErrorBody {
    /// Reads an error body; never fails (a body that is not a JSON object only fills `raw`).
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        let mut body = ApiErrorBody { raw: excerpt(bytes, None), ..ApiErrorBody::default() };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return body;
        };
        if let serde_json::Value::Object(map) = &value {
            let field = |name: &str| map.get(name).and_then(json_text);
            body.status = field("status");
            body.message = field("message");
            body.http_status = field("http_status");
            body.error_code = field("error_code");
            body.param = field("param");
            body.error = field("error");
        }
        body.json = Some(value);
        body
    }

    /// The JSON body read as `T`, e.g. the error schema an operation documents for the
    /// status; `None` when the body was not JSON or does not match.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        self.json.as_ref().and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// The most useful human-readable text: `message`, else `error`, else `http_status`.
    pub fn summary(&self) -> Option<&str> {
        self.message.as_deref().or(self.error.as_deref()).or(self.http_status.as_deref())
    }

    pub(crate) fn scrub(&mut self, secret: &str) {
        for text in [
            &mut self.status,
            &mut self.message,
            &mut self.http_status,
            &mut self.error_code,
            &mut self.param,
            &mut self.error,
        ]
        .into_iter()
        .flatten()
        {
            scrub(text, secret);
        }
        scrub(&mut self.raw, secret);
        if let Some(json) = &mut self.json {
            scrub_json(json, secret);
        }
    }
}

impl fmt::Debug for ApiErrorBody {
    /// Every field, with `json` cut to its first 400 bytes of text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let json = self.json.as_ref().map(BoundedJson);
        f.debug_struct("ApiErrorBody")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("http_status", &self.http_status)
            .field("error_code", &self.error_code)
            .field("param", &self.param)
            .field("error", &self.error)
            .field("raw", &self.raw)
            .field("json", &json)
            .finish()
    }
}

/// A JSON value shown as its text, cut after [`DEBUG_JSON_BYTES`] bytes.
struct BoundedJson<'a>(&'a serde_json::Value);

impl fmt::Debug for BoundedJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Keeps the first bytes written and stops the serialiser once it has them.
        struct Prefix(Vec<u8>);
        impl std::io::Write for Prefix {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let room = DEBUG_JSON_BYTES + 1 - self.0.len();
                if room == 0 {
                    return Err(std::io::Error::other("enough"));
                }
                let take = buf.len().min(room);
                self.0.extend_from_slice(&buf[..take]);
                Ok(take)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut prefix = Prefix(Vec::new());
        let cut = serde_json::to_writer(&mut prefix, self.0).is_err() || prefix.0.len() > DEBUG_JSON_BYTES;
        let mut text = prefix.0;
        text.truncate(DEBUG_JSON_BYTES);
        let text = String::from_utf8_lossy(&text);
        if cut { write!(f, "{text}…") } else { f.write_str(&text) }
    }
}

impl fmt::Display for ApiErrorBody {
    /// `message (error_code: X, param: Y)`, or the raw excerpt when nothing was parsed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.summary() {
            Some(summary) => f.write_str(summary)?,
            None if self.raw.is_empty() => f.write_str("(empty body)")?,
            None => write!(f, "body: {}", self.raw)?,
        }
        let mut extras = Vec::new();
        if let Some(code) = &self.error_code {
            extras.push(format!("error_code: {code}"));
        }
        if let Some(param) = &self.param {
            extras.push(format!("param: {param}"));
        }
        if !extras.is_empty() {
            write!(f, " ({})", extras.join(", "))?;
        }
        Ok(())
    }
}

/// JSON scalar as text: strings as-is, numbers and booleans in JSON form, null as `None`.
fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Up to [`EXCERPT_CHARS`] characters of `bytes` (lossy UTF-8, whitespace collapsed to
/// single spaces), centred on byte offset `around` when given; `…` marks cut ends. Only
/// the bytes near the centre are looked at, however long the body.
pub(crate) fn excerpt(bytes: &[u8], around: Option<usize>) -> String {
    // A character takes at most 4 bytes: the excerpt lies within this many bytes of the
    // centre, even when it is pushed back from the end of the body.
    let reach = EXCERPT_CHARS * 4;
    let centre = around.unwrap_or(0).min(bytes.len());
    let continuation = |i: usize| bytes.get(i).is_some_and(|b| b & 0xC0 == 0x80);
    let mut lo = centre.saturating_sub(reach);
    while lo > 0 && lo < centre && continuation(lo) {
        lo += 1;
    }
    let mut hi = centre.saturating_add(reach).min(bytes.len());
    while hi < bytes.len() && hi > centre && continuation(hi) {
        hi -= 1;
    }
    let text = String::from_utf8_lossy(&bytes[lo..hi]);
    let chars: Vec<char> = text.chars().collect();
    let centre = String::from_utf8_lossy(&bytes[lo..centre.max(lo)]).chars().count();
    let start = centre.saturating_sub(EXCERPT_CHARS / 2).min(chars.len().saturating_sub(EXCERPT_CHARS));
    let end = (start + EXCERPT_CHARS).min(chars.len());
    let mut out = String::new();
    if start > 0 || lo > 0 {
        out.push('…');
    }
    let mut last_space = false;
    for &c in &chars[start..end] {
        let space = c.is_whitespace();
        if !(space && last_space) {
            out.push(if space { ' ' } else { c });
        }
        last_space = space;
    }
    if end < chars.len() || hi < bytes.len() {
        out.push('…');
    }
    out
}

/// Replaces every occurrence of `secret` in `text` by `[REDACTED]`.
pub(crate) fn scrub(text: &mut String, secret: &str) {
    if text.contains(secret) {
        *text = text.replace(secret, "[REDACTED]");
    }
}

/// Scrubs `secret` from every string (and key) of a JSON value.
fn scrub_json(value: &mut serde_json::Value, secret: &str) {
    match value {
        serde_json::Value::String(text) => scrub(text, secret),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, secret)),
        serde_json::Value::Object(map) => {
            let entries = std::mem::take(map);
            for (mut key, mut v) in entries {
                scrub(&mut key, secret);
                scrub_json(&mut v, secret);
                map.insert(key, v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Error;
    use reqwest::StatusCode;

    #[test]
    fn parses_documented_error_body() {
        let body = ApiErrorBody::parse(
            br#"{"status": "error", "message": "No such author", "http_status": "404 Object Not Found", "error_code": 17, "param": "id"}"#,
        );
        assert_eq!(body.message.as_deref(), Some("No such author"));
        assert_eq!(body.http_status.as_deref(), Some("404 Object Not Found"));
        assert_eq!(body.error_code.as_deref(), Some("17"));
        assert_eq!(body.param.as_deref(), Some("id"));
        assert_eq!(body.to_string(), "No such author (error_code: 17, param: id)");
    }

    #[test]
    fn non_json_body_keeps_excerpt() {
        let body = ApiErrorBody::parse(b"<html>\n\n  Bad gateway</html>");
        assert_eq!(body.summary(), None);
        assert_eq!(body.raw, "<html> Bad gateway</html>");
    }

    #[test]
    fn excerpt_is_bounded_and_centred() {
        let long = format!("{}X{}", "a".repeat(1000), "b".repeat(1000));
        let cut = excerpt(long.as_bytes(), Some(1000));
        assert!(cut.contains('X'));
        assert_eq!(cut.chars().filter(|c| *c != '…').count(), EXCERPT_CHARS);
        assert!(cut.starts_with('…') && cut.ends_with('…'));
        let start = excerpt(long.as_bytes(), None);
        assert!(start.starts_with("aaa") && start.ends_with('…'));
        // multi-byte characters and an offset inside one do not panic
        let snow = "☃".repeat(300);
        assert_eq!(excerpt(snow.as_bytes(), Some(301)).chars().filter(|c| *c == '☃').count(), 200);
    }

    #[test]
    fn debug_and_excerpts_of_large_bodies_are_bounded() {
        let items: Vec<String> = (0..4000).map(|i| format!("\"customer data {i}\"")).collect();
        let big = format!(r#"{{"message": "too many", "items": [{}]}}"#, items.join(","));
        assert!(big.len() > 60_000);
        let e = Error::Api {
            status: StatusCode::BAD_REQUEST,
            body: Box::new(ApiErrorBody::parse(big.as_bytes())),
            attempts: 1,
            context: None,
        };
        assert!(e.body().unwrap().json.is_some());
        for text in [format!("{e:?}"), format!("{e:#?}"), e.to_string()] {
            assert!(text.len() < 2_000, "{} bytes: {text}", text.len());
            assert!(text.contains("too many"), "{text}");
        }
        assert!(format!("{e:?}").contains('…'));
        // a small body is shown whole
        let small = ApiErrorBody::parse(br#"{"message": "m"}"#);
        assert!(format!("{small:?}").contains(r#"json: Some({"message":"m"})"#), "{small:?}");
        // an excerpt far into a large body
        let long = format!("{}X{}", "a".repeat(1_000_000), "b".repeat(1_000_000));
        let cut = excerpt(long.as_bytes(), Some(1_000_000));
        assert!(cut.contains('X') && cut.starts_with('…') && cut.ends_with('…'));
        assert_eq!(cut.chars().filter(|c| *c != '…').count(), EXCERPT_CHARS);
        let tail = excerpt(long.as_bytes(), Some(long.len()));
        assert!(tail.starts_with('…') && !tail.ends_with('…') && tail.ends_with('b'), "{tail}");
        assert_eq!(tail.chars().filter(|c| *c != '…').count(), EXCERPT_CHARS);
    }
}
