//! Reading response bodies within bounds: a success body up to the client's limit
//! ([`ClientBuilder::max_body_bytes`](super::ClientBuilder::max_body_bytes), 32 MiB by
//! default), an error body up to 64 KiB. Bodies are read chunk by chunk; a body that
//! announces more than the limit is refused before anything is read, and reading stops as
//! soon as the limit is passed (the connection is then dropped, not drained).
//!
//! The limit counts the bytes the client is handed. The runtime's own HTTP client has
//! decompression switched off and sends no `Accept-Encoding`, so those are the bytes
//! received: a compressed body is returned as it came, never inflated. An injected
//! [`http_client`](super::ClientBuilder::http_client) that decompresses hands over the
//! inflated bytes, and the limit applies to those.

use bytes::{Bytes, BytesMut};
use reqwest::Response;

/// The default limit on a success body: 32 MiB.
pub(crate) const DEFAULT_MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// How much of an error body is read: 64 KiB (the API's error bodies are a few hundred
/// bytes; an HTML error page is kept in part).
pub(crate) const ERROR_BODY_BYTES: u64 = 64 * 1024;

/// A success body that does not fit the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge {
    /// The `Content-Length` the server announced, if any.
    pub(crate) content_length: Option<u64>,
}

/// Reads the whole body of `response` if it is at most `limit` bytes; refuses a larger
/// announced length before reading, and stops reading once more than `limit` arrived.
pub(crate) async fn read_capped(
    response: &mut Response,
    limit: u64,
) -> reqwest::Result<Result<Bytes, TooLarge>> {
    let content_length = response.content_length();
    if content_length.is_some_and(|length| length > limit) {
        return Ok(Err(TooLarge { content_length }));
    }
    let mut parts = Parts::default();
    while let Some(chunk) = response.chunk().await? {
        if parts.len.saturating_add(chunk.len() as u64) > limit {
            return Ok(Err(TooLarge { content_length }));
        }
        parts.push(chunk);
    }
    Ok(Ok(parts.into_bytes()))
}

/// Reads at most the first `limit` bytes of the body of `response` and stops there. A
/// failure while reading keeps what arrived before it: the status is what matters.
pub(crate) async fn read_prefix(response: &mut Response, limit: u64) -> Bytes {
    let mut parts = Parts::default();
    while parts.len < limit {
        match response.chunk().await {
            Ok(Some(mut chunk)) => {
                let room = usize::try_from(limit - parts.len).unwrap_or(usize::MAX);
                chunk.truncate(room);
                parts.push(chunk);
            }
            Ok(None) | Err(_) => break,
        }
    }
    parts.into_bytes()
}

/// Chunks collected so far; one chunk is returned without copying.
#[derive(Default)]
struct Parts {
    chunks: Vec<Bytes>,
    len: u64,
}

impl Parts {
    fn push(&mut self, chunk: Bytes) {
        self.len = self.len.saturating_add(chunk.len() as u64);
        self.chunks.push(chunk);
    }

    fn into_bytes(mut self) -> Bytes {
        if self.chunks.len() <= 1 {
            return self.chunks.pop().unwrap_or_default();
        }
        let mut out = BytesMut::with_capacity(usize::try_from(self.len).unwrap_or(0));
        for chunk in self.chunks {
            out.extend_from_slice(&chunk);
        }
        out.freeze()
    }
}
