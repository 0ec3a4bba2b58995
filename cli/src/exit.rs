//! What a failed run says, and the exit code scripts can test (listed in `--help`).

use std::fmt;
use std::path::Path;

use conversocial::Error;

/// Exit codes; see `EXIT_CODES` in `args.rs` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Config = 3,
    Auth = 4,
    RateLimit = 5,
    Api = 6,
    Io = 7,
}

/// A failure that ends the run: its exit code and a message that says what to do.
#[derive(Debug)]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Failure { code, message: message.into() }
    }

    pub fn config(message: impl Into<String>) -> Self {
        Failure::new(Code::Config, message)
    }

    /// A local file could not be read or written.
    pub fn io(what: &str, path: &Path, error: &std::io::Error) -> Self {
        Failure::new(Code::Io, format!("{what} `{}`: {error}", path.display()))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Error> for Failure {
    /// The client's errors never hold the token secret (the runtime scrubs it), so their
    /// text, and that of their sources, can be shown.
    fn from(error: Error) -> Self {
        let (code, hint) = match &error {
            Error::Config { .. } => (Code::Config, "check the CONVERSOCIAL_* environment variables"),
            Error::InvalidRequest { .. } => (Code::Config, "check the options and the --state file"),
            Error::Unauthorized { .. } => (
                Code::Auth,
                "check CONVERSOCIAL_TOKEN_NAME and CONVERSOCIAL_TOKEN_SECRET (both are shown where the token was created)",
            ),
            Error::Forbidden { .. } => (Code::Auth, "the token's role lacks a permission this needs"),
            Error::RateLimited { .. } | Error::LimiterTimeout { .. } | Error::RateLimiter { .. } => (
                Code::RateLimit,
                "the quota stayed used up: run again later (with --state the export resumes), or lower --rate for other users of the token",
            ),
            _ => (Code::Api, "run again to retry (with --state the export resumes where it stopped)"),
        };
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Failure::new(code, format!("{message}\nhint: {hint}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_codes() {
        let config = Error::Config { message: "x".into(), source: None };
        assert_eq!(Failure::from(config).code, Code::Config);
        assert_eq!(Failure::from(Error::invalid_request("x")).code, Code::Config);
        let limited =
            Error::RateLimited { attempts: 3, retry_after: None, body: Box::default(), context: None };
        assert_eq!(Failure::from(limited).code, Code::RateLimit);
        let waited = Error::LimiterTimeout { waited: std::time::Duration::from_secs(1), context: None };
        assert_eq!(Failure::from(waited).code, Code::RateLimit);
    }
}
