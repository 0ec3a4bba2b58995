//! A minimal loopback HTTP/1.1 server (plain hyper 1) on a thread and runtime of its own,
//! so that the client under test and the server do not share a scheduler.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

/// Answers one request. Runs on the server's thread; keep it cheap.
pub type Handler = Arc<dyn Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync>;

/// A running server; stopped (and its thread joined) on drop.
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `127.0.0.1` on a free port and serves `handler` with keep-alive connections.
    pub fn start(handler: Handler) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("make the listener non-blocking");
        let addr = listener.local_addr().expect("the listener's address");
        let (shutdown, stop) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("loopback-server".to_owned())
            .spawn(move || serve(listener, handler, stop))
            .expect("start the server thread");
        Server { addr, shutdown: Some(shutdown), thread: Some(thread) }
    }

    /// The API base URL on this server, as the client is configured with it.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1.3", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: std::net::TcpListener, handler: Handler, mut stop: oneshot::Receiver<()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build the server's runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("register the listener");
        loop {
            tokio::select! {
                _ = &mut stop => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    let handler = Arc::clone(&handler);
                    tokio::spawn(async move {
                        let service = service_fn(move |req: Request<Incoming>| {
                            let response = handler(&req);
                            async move { Ok::<_, Infallible>(response) }
                        });
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
            }
        }
    });
}

/// A JSON response.
pub fn json(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A 429 in the API's error shape, with `Retry-After` in whole seconds.
pub fn too_many_requests(retry_after_secs: u64) -> Response<Full<Bytes>> {
    let body =
        r#"{"status": "error", "message": "Rate limit exceeded", "http_status": "429 Too Many Requests"}"#;
    let mut response = json(StatusCode::TOO_MANY_REQUESTS, Bytes::from_static(body.as_bytes()));
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// A 404 in the API's error shape.
pub fn not_found() -> Response<Full<Bytes>> {
    let body = r#"{"status": "error", "message": "No such page", "http_status": "404 Object Not Found"}"#;
    json(StatusCode::NOT_FOUND, Bytes::from_static(body.as_bytes()))
}

/// The value of query parameter `name` in `req`'s URI, when present and numeric.
pub fn query_u64(req: &Request<Incoming>, name: &str) -> Option<u64> {
    req.uri().query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        if key == name { value.parse().ok() } else { None }
    })
}
