//! Request and response hooks: a small, documented way to look at (or adjust) every HTTP
//! request the client sends and every response it receives, e.g. to add a tracing header
//! or count statuses. Set with [`ClientBuilder::on_request`] and
//! [`ClientBuilder::on_response`].

use std::fmt;
use std::sync::Arc;

use super::ClientBuilder;

/// See [`ClientBuilder::on_request`].
pub type RequestHook = Arc<dyn Fn(&mut reqwest::Request) + Send + Sync>;
/// See [`ClientBuilder::on_response`].
pub type ResponseHook = Arc<dyn Fn(&reqwest::Response) + Send + Sync>;

/// The hooks of one client.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) on_request: Option<RequestHook>,
    pub(crate) on_response: Option<ResponseHook>,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("on_request", &self.on_request.is_some())
            .field("on_response", &self.on_response.is_some())
            .finish()
    }
}

impl ClientBuilder {
    /// Calls `hook` with every HTTP request just before it is sent, every attempt of every
    /// call (retries and next pages included); it may read or change it (add a header,
    /// for instance).
    ///
    /// The hook runs before the `Authorization` header (basic credentials or bearer token)
    /// is added, so it never sees those. API keys the API takes in a header, cookie or
    /// query parameter are already in place (headers marked sensitive, which their `Debug`
    /// hides); do not log the URL's query or those headers. Keep the hook quick: it runs
    /// on the calling task.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), conversocial::Error> {
    /// use conversocial::Client;
    /// let client = Client::builder()
    ///     .credentials("my-token", "my-secret")
    ///     .on_request(|request| {
    ///         request.headers_mut().insert("x-trace", "job-42".parse().expect("valid header"));
    ///     })
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn on_request(mut self, hook: impl Fn(&mut reqwest::Request) + Send + Sync + 'static) -> Self {
        self.hooks.on_request = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` with every HTTP response as soon as its headers arrive (status, headers,
    /// URL), before the body is read, every attempt included. The URL may carry an API key
    /// in its query: do not log it whole.
    pub fn on_response(mut self, hook: impl Fn(&reqwest::Response) + Send + Sync + 'static) -> Self {
        self.hooks.on_response = Some(Arc::new(hook));
        self
    }
}
