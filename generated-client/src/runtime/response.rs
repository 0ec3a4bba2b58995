//! Turning a response into a value or an [`Error`]: status mapping, the API's
//! `"success": false` / `"permsError": true` envelope, and JSON decoding that reports the
//! path of the failing field with an excerpt of the body.

use bytes::Bytes;
use reqwest::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::excerpt;
use super::repair;
use super::{ApiErrorBody, Drift, Error};

/// The error for an unsuccessful status that is not (or no longer) retried.
pub(crate) fn status_error(status: StatusCode, body: &[u8], attempts: u32) -> Error {
    let body = Box::new(ApiErrorBody::parse(body));
    match status {
        StatusCode::UNAUTHORIZED => Error::Unauthorized { body, context: None },
        StatusCode::FORBIDDEN => Error::Forbidden {
            message: body.message.clone().or_else(|| body.error.clone()),
            body,
            context: None,
        },
        StatusCode::NOT_FOUND => Error::NotFound { body, context: None },
        StatusCode::TOO_MANY_REQUESTS => {
            Error::RateLimited { attempts, retry_after: None, body, context: None }
        }
        _ => Error::Api { status, body, attempts, context: None },
    }
}

/// Checks a 2xx body whose content is not needed: only the `"success": false` envelope
/// (see [`decode`]) makes it an error.
pub(crate) fn check_envelope(status: StatusCode, body: &[u8], attempts: u32) -> Result<(), Error> {
    envelope_failure(status, body, attempts).map_or(Ok(()), Err)
}

/// Decodes a 2xx body as `T`.
///
/// A top-level `"success": false` is an error, as the API's Ruby client treats it:
/// [`Error::Forbidden`] when `"permsError"` is set (message from `error` or `message`),
/// else [`Error::Api`] with the 2xx status. An empty body decodes as `null`.
pub(crate) fn decode<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
    attempts: u32,
) -> Result<T, Error> {
    if let Some(error) = envelope_failure(status, body, attempts) {
        return Err(error);
    }
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
    // The fast path: plain serde_json. Only when it fails is the body decoded again with
    // path tracking, to name the field at fault; that costs about half again as much and
    // is only paid on the error path.
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(plain) => Err(locate_decode_error::<T>(status, body, plain)),
    }
}

/// Decodes a 2xx body as `T` like [`decode`], but drift-tolerantly unless `strict`: a
/// body that does not fit is decoded anyway where it can be (see the `repair` module),
/// and what did not fit comes back as [`Drift`]s. The fast path is [`decode`]'s.
pub(crate) fn decode_tolerant<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
    attempts: u32,
    strict: bool,
) -> Result<(T, Vec<Drift>), Error> {
    if let Some(error) = envelope_failure(status, body, attempts) {
        return Err(error);
    }
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
    match serde_json::from_slice(body) {
        Ok(value) => Ok((value, Vec::new())),
        Err(plain) if strict => Err(locate_decode_error::<T>(status, body, plain)),
        Err(plain) => match repair::decode::<T>(body) {
            Ok(decoded) => Ok(decoded),
            Err(_) => Err(locate_decode_error::<T>(status, body, plain)),
        },
    }
}

/// Decodes a 2xx JSON body as a tolerant [`Client`](super::Client) does: like
/// [`decode_json`], but a value that does not match `T` is left out (an optional field)
/// or set aside (an element of an array) and reported as a [`Drift`] instead of failing
/// the whole body. Only a body that is not JSON, or whose top level does not fit, fails.
///
/// ```
/// use conversocial::models::TagList;
/// use conversocial::DriftAction;
/// let body = br#"{"tags": [{"id": "2", "url": "u"}, {"url": 3}]}"#;
/// let (page, drift): (TagList, _) = conversocial::decode_json_tolerant(body).unwrap();
/// assert_eq!(page.tags.len(), 1);
/// assert_eq!(drift[0].path, "tags[1]");
/// assert_eq!(drift[0].action, DriftAction::SetAside);
/// ```
pub fn decode_json_tolerant<T: DeserializeOwned>(body: &[u8]) -> Result<(T, Vec<Drift>), Error> {
    decode_tolerant(StatusCode::OK, body, 1, false)
}

/// Decodes a 2xx JSON body exactly as a [strict](super::ClientBuilder::strict_decoding)
/// client decodes an operation's response: the `"success": false` envelope
/// check, then serde, with the JSON path and an excerpt of the body in the error when a
/// field does not fit. Useful for bodies stored earlier.
///
/// ```
/// use conversocial::models::TagList;
/// let page: TagList = conversocial::decode_json(br#"{"tags": [{"id": "2", "url": "u"}]}"#).unwrap();
/// assert_eq!(page.tags[0].id.as_str(), "2");
/// ```
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    decode(StatusCode::OK, body, 1)
}

/// Decodes `body` again with path tracking to say where `plain` failed.
fn locate_decode_error<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
    plain: serde_json::Error,
) -> Error {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => {
            let path = e.path().to_string();
            decode_error(status, body, path, e.into_inner())
        }
        Ok(_) => match de.end() {
            Err(e) => decode_error(status, body, ".".to_owned(), e),
            Ok(()) => decode_error(status, body, ".".to_owned(), plain),
        },
    }
}

/// A 2xx body as text: it must be UTF-8 (nothing is replaced), else an [`Error::Decode`]
/// saying where it is not.
pub(crate) fn text(status: StatusCode, body: Bytes) -> Result<String, Error> {
    String::from_utf8(Vec::from(body)).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let source = <serde_json::Error as serde::de::Error>::custom(format_args!(
            "body is not UTF-8 (invalid byte at offset {offset})"
        ));
        Error::Decode {
            status,
            path: ".".to_owned(),
            excerpt: excerpt(e.as_bytes(), Some(offset)),
            source,
            context: None,
        }
    })
}

fn decode_error(status: StatusCode, body: &[u8], path: String, source: serde_json::Error) -> Error {
    Error::Decode {
        status,
        path,
        excerpt: excerpt(body, byte_offset(body, source.line(), source.column())),
        source,
        context: None,
    }
}

/// The byte offset of a 1-based (line, column) position, as serde_json reports it.
fn byte_offset(body: &[u8], line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += body.get(start..)?.iter().position(|b| *b == b'\n')? + 1;
    }
    Some(start + column.saturating_sub(1))
}

fn envelope_failure(status: StatusCode, body: &[u8], attempts: u32) -> Option<Error> {
    const KEY: &[u8] = b"\"success\"";
    memchr::memmem::find(body, KEY)?;
    #[derive(Deserialize)]
    struct Envelope {
        success: Option<serde_json::Value>,
        #[serde(rename = "permsError")]
        perms_error: Option<serde_json::Value>,
    }
    let envelope: Envelope = serde_json::from_slice(body).ok()?;
    if envelope.success != Some(serde_json::Value::Bool(false)) {
        return None;
    }
    let body = Box::new(ApiErrorBody::parse(body));
    let perms = matches!(envelope.perms_error, Some(serde_json::Value::Bool(true)))
        || envelope.perms_error.as_ref().is_some_and(|v| v.as_u64() == Some(1) || v.as_str() == Some("true"));
    Some(if perms {
        Error::Forbidden { message: body.error.clone().or_else(|| body.message.clone()), body, context: None }
    } else {
        Error::Api { status, body, attempts, context: None }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Debug, Deserialize)]
    struct Accounts {
        accounts: Vec<Account>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Account {
        id: String,
        name: Option<String>,
    }

    #[test]
    fn decodes_and_ignores_unknown_fields() {
        let body = br#"{"accounts": [{"id": "1", "name": "a", "new_field": {"x": 1}}], "paging": {}}"#;
        let v: Accounts = decode(StatusCode::OK, body, 1).unwrap();
        assert_eq!(v.accounts.len(), 1);
    }

    #[test]
    fn decode_error_names_the_path_and_shows_the_spot() {
        let filler = "x".repeat(500);
        let body =
            format!(r#"{{"filler": "{filler}", "accounts": [{{"id": "1"}}, {{"id": 14054, "name": "b"}}]}}"#);
        let err = decode::<Accounts>(StatusCode::OK, body.as_bytes(), 1).unwrap_err();
        let Error::Decode { path, excerpt, status, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(path, "accounts[1].id");
        assert_eq!(*status, StatusCode::OK);
        assert!(excerpt.contains("14054"), "{excerpt}");
        assert!(excerpt.chars().count() <= 202);
        assert!(err.to_string().contains("accounts[1].id"));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn multi_line_bodies_and_trailing_garbage() {
        let err = decode::<Accounts>(StatusCode::OK, b"{\n\"accounts\": [\n{\"id\": true}]}", 1).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { path, excerpt, .. } if path == "accounts[0].id" && excerpt.contains("true"))
        );
        let err = decode::<Accounts>(StatusCode::OK, br#"{"accounts": []} trailing"#, 1).unwrap_err();
        assert!(matches!(&err, Error::Decode { path, .. } if path == "."), "{err:?}");
    }

    #[test]
    fn text_bodies_must_be_utf8() {
        assert_eq!(text(StatusCode::OK, Bytes::from_static("héllo ☃".as_bytes())).unwrap(), "héllo ☃");
        let err = text(StatusCode::OK, Bytes::from_static(b"ab\xffcd")).unwrap_err();
        let Error::Decode { path, excerpt, .. } = &err else { panic!("{err:?}") };
        assert_eq!(path, ".");
        assert!(excerpt.contains("ab"), "{excerpt}");
        assert!(err.to_string().contains("body is not UTF-8 (invalid byte at offset 2)"), "{err}");
    }

    #[test]
    fn empty_body_is_null() {
        decode::<()>(StatusCode::NO_CONTENT, b"", 1).unwrap();
        assert_eq!(decode::<Option<u8>>(StatusCode::OK, b"  ", 1).unwrap(), None);
    }

    #[test]
    fn perms_error_in_a_200_is_forbidden() {
        let body = br#"{"success": false, "permsError": true, "error": "You cannot view reports"}"#;
        let err = decode::<serde_json::Value>(StatusCode::OK, body, 1).unwrap_err();
        assert!(matches!(&err, Error::Forbidden { message: Some(m), .. } if m == "You cannot view reports"));
        assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
        let body = br#"{"success": false, "message": "nope"}"#;
        let err = decode::<serde_json::Value>(StatusCode::OK, body, 1).unwrap_err();
        assert!(matches!(&err, Error::Api { status: StatusCode::OK, .. }));
        // `success` elsewhere, or true, is data
        let ok: HashMap<String, serde_json::Value> =
            decode(StatusCode::OK, br#"{"success": true, "report": {"success": false}}"#, 1).unwrap();
        assert_eq!(ok.len(), 2);
    }

    #[test]
    fn statuses_map_to_kinds() {
        let body =
            br#"{"status": "error", "message": "No such author", "http_status": "404 Object Not Found"}"#;
        let err = status_error(StatusCode::NOT_FOUND, body, 1);
        assert!(
            matches!(&err, Error::NotFound { body, .. } if body.message.as_deref() == Some("No such author"))
        );
        assert!(err.to_string().contains("No such author"));
        assert!(matches!(status_error(StatusCode::UNAUTHORIZED, b"", 1), Error::Unauthorized { .. }));
        let err = status_error(StatusCode::FORBIDDEN, br#"{"message": "no role"}"#, 1);
        assert!(matches!(&err, Error::Forbidden { message: Some(m), .. } if m == "no role"));
        let err = status_error(
            StatusCode::BAD_REQUEST,
            br#"{"message": "bad", "error_code": "E1", "param": "sort"}"#,
            1,
        );
        assert!(matches!(&err, Error::Api { status: StatusCode::BAD_REQUEST, .. }));
        assert!(err.to_string().contains("param: sort"), "{err}");
    }
}
