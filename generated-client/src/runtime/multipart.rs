//! [`Multipart`]: a `multipart/form-data` request body (RFC 7578), built part by part and
//! encoded once, so that retries resend the same bytes.

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};
use rand::distr::{Alphanumeric, SampleString};

use super::{Error, QueryValue};

/// The parts of a `multipart/form-data` body, in order. Send it with
/// [`Request::multipart_body`](super::Request::multipart_body), which chooses the boundary.
///
/// ```
/// use conversocial::Multipart;
/// use conversocial::runtime::Request;
/// let mut form = Multipart::new();
/// form.text("title", "Quarterly report");
/// form.json("meta", &serde_json::json!({"tags": ["q3"]}))?;
/// form.bytes("file", Some("report.csv"), "text/csv", &b"a,b\n1,2\n"[..]);
/// let req = Request::new(reqwest::Method::POST, "upload", "/uploads".into()).multipart_body(form);
/// assert!(req.content_type().unwrap().starts_with("multipart/form-data; boundary="));
/// # Ok::<(), conversocial::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

#[derive(Clone)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Bytes,
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a text field (no `Content-Type`, i.e. `text/plain`), rendered like a query value.
    pub fn text<V: QueryValue + ?Sized>(&mut self, name: &str, value: &V) {
        let data = Bytes::from(value.to_query_value().into_owned());
        self.parts.push(Part { name: name.to_owned(), file_name: None, content_type: None, data });
    }

    /// Adds a part holding `value` as JSON, with `Content-Type: application/json`.
    ///
    /// Fails with [`Error::InvalidRequest`] naming the part when `value` cannot be serialised.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Error> {
        let data = serde_json::to_vec(value).map_err(|e| Error::InvalidRequest {
            message: format!("the multipart part `{name}` cannot be serialised as JSON"),
            source: Some(Box::new(e)),
        })?;
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: None,
            content_type: Some("application/json".to_owned()),
            data: Bytes::from(data),
        });
        Ok(())
    }

    /// Adds a binary part (a file upload when `file_name` is given) with its content type.
    pub fn bytes(&mut self, name: &str, file_name: Option<&str>, content_type: &str, data: impl Into<Bytes>) {
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: file_name.map(str::to_owned),
            content_type: Some(content_type.to_owned()),
            data: data.into(),
        });
    }

    /// The number of parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// `true` when there are no parts.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// A random boundary that occurs in no part.
    pub(crate) fn boundary(&self) -> String {
        loop {
            let boundary =
                format!("------------------------{}", Alphanumeric.sample_string(&mut rand::rng(), 24));
            let needle = boundary.as_bytes();
            if !self.parts.iter().any(|p| p.data.windows(needle.len()).any(|w| w == needle)) {
                return boundary;
            }
        }
    }

    /// The encoded body, delimited by `boundary`.
    pub(crate) fn encode(&self, boundary: &str) -> Bytes {
        let mut out = BytesMut::with_capacity(
            self.parts.iter().map(|p| p.data.len() + p.name.len() + boundary.len() + 128).sum::<usize>()
                + boundary.len()
                + 8,
        );
        for part in &self.parts {
            out.put_slice(b"--");
            out.put_slice(boundary.as_bytes());
            out.put_slice(b"\r\nContent-Disposition: form-data; name=\"");
            out.put_slice(quoted(&part.name).as_bytes());
            out.put_slice(b"\"");
            if let Some(file_name) = &part.file_name {
                out.put_slice(b"; filename=\"");
                out.put_slice(quoted(file_name).as_bytes());
                out.put_slice(b"\"");
            }
            out.put_slice(b"\r\n");
            if let Some(content_type) = &part.content_type {
                out.put_slice(b"Content-Type: ");
                out.put_slice(single_line(content_type).as_bytes());
                out.put_slice(b"\r\n");
            }
            out.put_slice(b"\r\n");
            out.put_slice(&part.data);
            out.put_slice(b"\r\n");
        }
        out.put_slice(b"--");
        out.put_slice(boundary.as_bytes());
        out.put_slice(b"--\r\n");
        out.freeze()
    }
}

impl fmt::Debug for Multipart {
    /// Names, file names, content types and sizes; not the data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.parts).finish()
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.name)?;
        if let Some(file_name) = &self.file_name {
            write!(f, " file {file_name:?}")?;
        }
        let content_type = self.content_type.as_deref().unwrap_or("text/plain");
        write!(f, " {content_type} ({} bytes)", self.data.len())
    }
}

/// A name or file name for a quoted `Content-Disposition` parameter: `"`, CR and LF are
/// percent-encoded, as browsers do (WHATWG HTML, multipart/form-data encoding).
fn quoted(text: &str) -> String {
    text.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

/// A header value without line breaks, so a part's headers cannot be forged.
fn single_line(text: &str) -> String {
    text.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_parts_in_order() {
        let mut form = Multipart::new();
        form.text("title", "Q3 \"final\"");
        form.text("count", &3);
        form.json("meta", &serde_json::json!({"a": [1]})).unwrap();
        form.bytes("file", Some("r\"e\nport.csv"), "text/csv\r\nX-Evil: 1", &b"a,b\r\n1,2"[..]);
        assert_eq!(form.len(), 4);
        let body = form.encode("BOUNDARY");
        let expected = "--BOUNDARY\r\n\
            Content-Disposition: form-data; name=\"title\"\r\n\r\nQ3 \"final\"\r\n\
            --BOUNDARY\r\n\
            Content-Disposition: form-data; name=\"count\"\r\n\r\n3\r\n\
            --BOUNDARY\r\n\
            Content-Disposition: form-data; name=\"meta\"\r\n\
            Content-Type: application/json\r\n\r\n{\"a\":[1]}\r\n\
            --BOUNDARY\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"r%22e%0Aport.csv\"\r\n\
            Content-Type: text/csvX-Evil: 1\r\n\r\na,b\r\n1,2\r\n\
            --BOUNDARY--\r\n";
        assert_eq!(std::str::from_utf8(&body).unwrap(), expected);
    }

    #[test]
    fn empty_form_and_debug() {
        let form = Multipart::new();
        assert!(form.is_empty());
        assert_eq!(&form.encode("b")[..], b"--b--\r\n");
        let mut form = Multipart::new();
        form.bytes("file", Some("x.bin"), "application/octet-stream", vec![0u8; 2048]);
        let text = format!("{form:?}");
        assert!(text.contains("\"file\" file \"x.bin\" application/octet-stream (2048 bytes)"), "{text}");
    }

    #[test]
    fn boundary_avoids_the_data_and_unserialisable_json_fails() {
        let mut form = Multipart::new();
        form.text("a", "------------------------");
        let boundary = form.boundary();
        assert_eq!(boundary.len(), 48);
        assert!(boundary.bytes().skip(24).all(|b| b.is_ascii_alphanumeric()));
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        let err = form.json("meta", &map).unwrap_err();
        assert!(matches!(err, Error::InvalidRequest { .. }) && err.to_string().contains("`meta`"));
        assert_eq!(form.len(), 1);
    }
}
