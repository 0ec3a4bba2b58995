//! [`ClientBuilder::for_tests`]: a client preset for tests against a mock server.

use std::time::Duration;

use super::{ClientBuilder, RateLimit, RetryPolicy};

/// The credentials [`ClientBuilder::for_tests`] sends: not secrets, just something to send.
const TEST_TOKEN_NAME: &str = "test-token";
const TEST_TOKEN_SECRET: &str = "test-secret";

impl ClientBuilder {
    /// A builder for tests against a mock server at `base_url` (wiremock, Prism, a
    /// recorded fixture server): what a test wants instead of what production wants.
    ///
    /// | setting | production default | `for_tests` |
    /// |---|---|---|
    /// | rate limit | the API's quota, shared per token | [`RateLimit::disabled`]: no waiting, nothing shared between tests |
    /// | retries | [`RetryPolicy::default`], up to 5 minutes | [`RetryPolicy::none`]: a mocked 503 or 429 is the test's answer at once |
    /// | timeouts | connect 10 s, request 60 s | connect 1 s, request 5 s: a missing mock fails fast |
    /// | decoding | drift-tolerant | [strict](Self::strict_decoding): a mock body that does not match the API description is an [`Error::Decode`](super::Error::Decode) naming the field |
    /// | credentials | required | `test-token` / `test-secret` |
    ///
    /// `http://` is accepted for loopback hosts (`127.0.0.1`, `::1`, `localhost`), where
    /// mock servers listen. Every setting can still be changed afterwards, e.g.
    /// `.strict_decoding(false)` to test how your code handles drift, or
    /// `.retry_policy(...)` to test retries.
    ///
    /// ```
    /// use conversocial::ClientBuilder;
    /// let client = ClientBuilder::for_tests("http://127.0.0.1:9/v1.3").build()?;
    /// # let _ = client;
    /// # Ok::<(), conversocial::Error>(())
    /// ```
    pub fn for_tests(base_url: impl Into<String>) -> Self {
        ClientBuilder::new()
            .base_url(base_url)
            .credentials(TEST_TOKEN_NAME, TEST_TOKEN_SECRET)
            .rate_limit(RateLimit::disabled())
            .retry_policy(RetryPolicy::none())
            .connect_timeout(Duration::from_secs(1))
            .timeout(Duration::from_secs(5))
            .strict_decoding(true)
    }
}
