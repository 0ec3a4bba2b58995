//! The generator's error type: every variant says where in the document it arose.

/// Why a document could not be turned into Rust.
///
/// Every variant names the place: a JSON pointer into the document, an operationId or
/// a schema name, so that the spec author can find and fix it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not YAML or JSON, or does not have the shape of an OpenAPI document.
    #[error("cannot parse the document at {pointer}: {message}")]
    Parse {
        /// JSON pointer to the offending value (`/` for the whole document).
        pointer: String,
        /// What the parser said.
        message: String,
    },
    /// The document is well-formed but breaks a rule of OpenAPI or of this generator.
    #[error("invalid document at {pointer}: {message}")]
    Invalid {
        /// JSON pointer to the offending value.
        pointer: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The document uses a construct the generator does not support yet.
    #[error("unsupported at {pointer}: {message}")]
    Unsupported {
        /// JSON pointer to the construct.
        pointer: String,
        /// Which construct, and what to use instead.
        message: String,
    },
    /// A `$ref` points at nothing.
    #[error("unresolved $ref {reference:?} at {pointer}")]
    UnresolvedRef {
        /// JSON pointer to the `$ref`.
        pointer: String,
        /// The reference as written.
        reference: String,
    },
    /// A [`Sink`](crate::Sink) could not take a file's text.
    #[error("cannot write {file}: {message}")]
    Write {
        /// The output file being written.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// A generator bug caught before emission: the lowered API names a type that does not
    /// exist, or an identifier that is not valid Rust.
    #[error("internal error: the lowered API is inconsistent at {item}: {message} (please report this)")]
    Inconsistent {
        /// The type, operation or page concerned.
        item: String,
        /// What is wrong with it.
        message: String,
    },
    /// The generator produced Rust that does not parse: a bug in the generator.
    #[error("internal error while rendering {file}: {message} (please report this)")]
    Render {
        /// The output file being rendered.
        file: String,
        /// The parser's message.
        message: String,
    },
}

impl Error {
    pub(crate) fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid { pointer: pointer.into(), message: message.into() }
    }

    pub(crate) fn unsupported(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Unsupported { pointer: pointer.into(), message: message.into() }
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends reference tokens to a JSON pointer.
pub(crate) fn ptr(base: &str, tokens: &[&str]) -> String {
    let mut out = base.to_owned();
    for token in tokens {
        out.push('/');
        out.push_str(&escape_token(token));
    }
    out
}

/// A corner of the document that could not be generated as written and was worked
/// around: the rest of the document still generates. With
/// [`Options::strict`](crate::Options::strict) the first one is returned as the error instead.
#[derive(Debug)]
pub struct Warning {
    /// What is wrong, and where (the error the corner would have raised).
    pub error: Error,
    /// What the generator did instead, e.g. "the schema is `serde_json::Value`".
    pub action: String,
}

impl Warning {
    /// The JSON pointer of the corner, or the name of what failed when there is none.
    pub fn pointer(&self) -> &str {
        match &self.error {
            Error::Parse { pointer, .. }
            | Error::Invalid { pointer, .. }
            | Error::Unsupported { pointer, .. }
            | Error::UnresolvedRef { pointer, .. } => pointer,
            Error::Write { file, .. } | Error::Render { file, .. } => file,
            Error::Inconsistent { item, .. } => item,
        }
    }

    /// The kind of problem, for grouping warnings: `unresolved $ref`, `unsupported`, …
    pub fn cause(&self) -> &'static str {
        match &self.error {
            Error::Parse { .. } => "cannot read",
            Error::Invalid { .. } => "invalid",
            Error::Unsupported { .. } => "unsupported",
            Error::UnresolvedRef { .. } => "unresolved $ref",
            Error::Write { .. } | Error::Render { .. } | Error::Inconsistent { .. } => "internal",
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; {}", self.error, self.action)
    }
}
