//! The connector's typed error: what the WIT `connector-error` carries, built natively.

use serde::Serialize;
use std::fmt;

/// Failure classes, mirroring the WIT `error-kind` enum one to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The input or auth does not satisfy the schema or S3's rules.
    InvalidInput,
    /// Credentials rejected.
    Unauthorized,
    /// Credentials valid, permission missing.
    Forbidden,
    /// Bucket, object or version does not exist.
    NotFound,
    /// Conflicts with the resource's state.
    Conflict,
    /// A request condition was not met.
    PreconditionFailed,
    /// Slow down and retry.
    Throttled,
    /// Did not complete in time.
    Timeout,
    /// Service or network path unavailable.
    Unavailable,
    /// Feature not implemented by the service.
    Unsupported,
    /// A size limit was exceeded.
    TooLarge,
    /// The host refused the request.
    Denied,
    /// A bug or an unintelligible answer.
    Internal,
}

/// A typed failure with the context a workflow needs to branch on and a person needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorError {
    /// Failure class.
    pub kind: ErrorKind,
    /// What was wrong and how to fix it; never contains secrets.
    pub message: String,
    /// S3's error code, e.g. `NoSuchKey`.
    pub service_code: Option<String>,
    /// HTTP status of the service's answer.
    pub http_status: Option<u16>,
    /// S3 request id.
    pub request_id: Option<String>,
    /// Whether retrying unchanged may succeed.
    pub retryable: bool,
    /// JSON pointer to the input field at fault.
    pub field: Option<String>,
}

/// Result alias used throughout the connector.
pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;

impl ConnectorError {
    /// An error of `kind` with `message` and no service context.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            service_code: None,
            http_status: None,
            request_id: None,
            retryable: matches!(kind, ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Unavailable),
            field: None,
        }
    }

    /// An `invalid-input` error pointing at `field` (a JSON pointer such as `/bucket`).
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(ErrorKind::InvalidInput, message) }
    }

    /// An `internal` error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)?;
        if let Some(code) = &self.service_code {
            write!(f, " (S3 code {code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConnectorError {}
