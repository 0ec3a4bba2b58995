//! A small hand-written HTTP/1.1 server on 127.0.0.1 for the faults wiremock cannot
//! produce: closing or resetting a connection without answering, and streaming a body of
//! any size without holding it, counting the bytes actually written.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The head of a request as received.
#[derive(Debug, Clone)]
pub struct Head {
    pub method: String,
    /// Path and query, as on the request line.
    pub target: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }
}

/// What the server does with one request.
pub enum Action {
    /// Answers `status` with `headers` and `body` (Content-Length set).
    Respond { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Closes the connection without answering.
    Close,
    /// Resets the connection (RST) without answering.
    Reset,
    /// Answers `status` and streams `total` bytes of `fill`, announcing the length when
    /// `announce` (else chunked), until done or the client goes away.
    Stream { status: u16, headers: Vec<(String, String)>, total: u64, announce: bool, fill: u8 },
}

impl Action {
    pub fn json(status: u16, value: &serde_json::Value) -> Action {
        Action::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
        }
    }
}

type Handler = dyn Fn(&Head) -> Action + Send + Sync;

/// A running server; it stops when dropped.
pub struct RawServer {
    pub port: u16,
    /// Body bytes written to clients, over all responses.
    pub written: Arc<AtomicU64>,
    /// Requests received.
    pub requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    /// Serves on a fresh port of 127.0.0.1 with `handler` (on the current runtime).
    pub async fn start(handler: impl Fn(&Head) -> Action + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let written = Arc::new(AtomicU64::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (w, r) = (written.clone(), requests.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let (handler, w, r) = (handler.clone(), w.clone(), r.clone());
                tokio::spawn(async move {
                    let _ = serve(socket, &*handler, &w, &r).await;
                });
            }
        });
        RawServer { port, written, requests, task }
    }

    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn written(&self) -> u64 {
        self.written.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Serves requests on one connection (keep-alive) until it closes or an action ends it.
async fn serve(
    mut socket: TcpStream,
    handler: &Handler,
    written: &AtomicU64,
    requests: &AtomicUsize,
) -> std::io::Result<()> {
    socket.set_nodelay(true)?;
    let mut buffer = Vec::new();
    loop {
        let Some(head) = read_head(&mut socket, &mut buffer).await? else { return Ok(()) };
        requests.fetch_add(1, Ordering::SeqCst);
        match handler(&head) {
            Action::Respond { status, headers, body } => {
                let mut out = status_line(status, &headers);
                out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
                out.extend_from_slice(&body);
                socket.write_all(&out).await?;
                written.fetch_add(body.len() as u64, Ordering::SeqCst);
            }
            Action::Close => return socket.shutdown().await,
            Action::Reset => {
                socket.set_zero_linger()?;
                return Ok(());
            }
            Action::Stream { status, headers, total, announce, fill } => {
                let mut out = status_line(status, &headers);
                if announce {
                    out.extend_from_slice(format!("content-length: {total}\r\n\r\n").as_bytes());
                } else {
                    out.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
                }
                socket.write_all(&out).await?;
                let block = vec![fill; 64 * 1024];
                let mut left = total;
                while left > 0 {
                    let n = left.min(block.len() as u64) as usize;
                    if announce {
                        socket.write_all(&block[..n]).await?;
                    } else {
                        socket.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                        socket.write_all(&block[..n]).await?;
                        socket.write_all(b"\r\n").await?;
                    }
                    written.fetch_add(n as u64, Ordering::SeqCst);
                    left -= n as u64;
                }
                if !announce {
                    socket.write_all(b"0\r\n\r\n").await?;
                }
            }
        }
    }
}

fn status_line(status: u16, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out
}

/// Reads one request head (and skips a body with Content-Length); `None` at end of stream.
async fn read_head(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> std::io::Result<Option<Head>> {
    let end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buffer[..end]).into_owned();
    buffer.drain(..end + 4);
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let head = Head { method, target, headers };
    let length: usize = head.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while buffer.len() < length {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    buffer.drain(..length);
    Ok(Some(head))
}
