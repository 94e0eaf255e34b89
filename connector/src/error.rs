//! The connector's typed error. Inside the connector an error carries its [`Cause`] as a type —
//! decisions branch on it, never on message text; at the WIT boundary
//! ([`ConnectorError::service_code`] and friends, used by `component`) it is flattened into the
//! `connector-error` record.

pub use connector_contract::ErrorKind;
use std::fmt;

/// A typed failure with the context a workflow needs to branch on and a person needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorError {
    /// Failure class, as the workflow sees it.
    pub kind: ErrorKind,
    /// What happened, typed.
    pub cause: Cause,
    /// What was wrong and how to fix it; never contains secrets.
    pub message: String,
    /// What was done about it on the way out (an upload aborted, a partial file kept), in order.
    pub notes: Vec<String>,
    /// Whether retrying unchanged may succeed.
    pub retryable: bool,
    /// JSON pointer to the input field at fault.
    pub field: Option<String>,
    /// How long to wait before retrying, when the server said so (`Retry-After`). At the WIT
    /// boundary a throttled error without one gets the wait the connector's retry policy would
    /// have chosen next.
    pub retry_after_ms: Option<u64>,
}

/// What happened, as a type the connector's decisions can branch on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The connector found the problem itself: input, auth, a limit, an unintelligible answer.
    Connector,
    /// A server answered with an error status.
    Answer(Box<ServerAnswer>),
    /// The request got no answer: the host refused it, or the network failed.
    Transport(TransportFailure),
    /// The bytes a server stored or sent differ from those sent or stated.
    Integrity,
    /// The host's file store refused or failed.
    FileStore(FileFailure),
}

/// An error answer: its status and what the server said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAnswer {
    /// HTTP status.
    pub status: u16,
    /// The server's error code, e.g. S3's `NoSuchKey`.
    pub code: Option<String>,
    /// The server's request id.
    pub request_id: Option<String>,
    /// Whether the server refused because of its Block Public Access settings (a setting, not a
    /// missing permission).
    pub public_access_blocked: bool,
}

/// Why a request got no answer. The one place that decides what each failure means for a
/// workflow ([`TransportFailure::kind`]) and whether trying again may help
/// ([`TransportFailure::retryable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// The host's egress policy or a budget refused it.
    Denied,
    /// The name does not resolve (a wrong endpoint or region stays wrong).
    Dns,
    /// The connection was refused or could not be made.
    Connect,
    /// The connection broke while sending or receiving.
    Broken,
    /// A time limit ran out (connect, first byte, between bytes).
    Timeout,
    /// The TLS handshake failed or was aborted.
    Tls,
    /// The server's certificate is not trusted (it will not become trusted by retrying).
    Certificate,
    /// The request body did not match its stated length (a bug).
    RequestBody,
    /// The answer exceeds what the host accepts.
    ResponseTooLarge,
    /// The answer was not valid HTTP.
    Protocol,
}

impl TransportFailure {
    /// The failure class a workflow sees.
    pub const fn kind(self) -> ErrorKind {
        match self {
            TransportFailure::Denied => ErrorKind::Denied,
            TransportFailure::Timeout => ErrorKind::Timeout,
            TransportFailure::RequestBody => ErrorKind::Internal,
            TransportFailure::ResponseTooLarge => ErrorKind::TooLarge,
            TransportFailure::Dns
            | TransportFailure::Connect
            | TransportFailure::Broken
            | TransportFailure::Tls
            | TransportFailure::Certificate
            | TransportFailure::Protocol => ErrorKind::Unavailable,
        }
    }

    /// Whether the same request may get an answer if sent again.
    pub const fn retryable(self) -> bool {
        matches!(
            self,
            TransportFailure::Connect
                | TransportFailure::Broken
                | TransportFailure::Timeout
                | TransportFailure::Tls
                | TransportFailure::Protocol
        )
    }
}

/// How the host's file store failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFailure {
    /// No such file.
    NotFound,
    /// The file exists and may not be replaced.
    AlreadyExists,
    /// The host refused (policy, budget).
    Denied,
    /// The name is not one the file store accepts.
    InvalidName,
    /// The contents are not what was expected (size or digest).
    Mismatch,
    /// Reading or writing failed.
    Io,
}

/// Result alias used throughout the connector.
pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;

impl ConnectorError {
    /// An error of `kind` found by the connector itself, with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::caused(kind, Cause::Connector, message)
    }

    /// An error of `kind` with `cause` and `message`.
    pub fn caused(kind: ErrorKind, cause: Cause, message: impl Into<String>) -> Self {
        Self {
            kind,
            cause,
            message: message.into(),
            notes: Vec::new(),
            retryable: kind.is_transient(),
            field: None,
            retry_after_ms: None,
        }
    }

    /// An `invalid-input` error pointing at `field` (a JSON pointer such as `/bucket`).
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message).at(field)
    }

    /// An `internal` error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// A request that got no answer, classified by `failure`.
    pub fn transport(failure: TransportFailure, message: impl Into<String>) -> Self {
        let retryable = failure.retryable();
        Self { retryable, ..Self::caused(failure.kind(), Cause::Transport(failure), message) }
    }

    /// An integrity failure: stored or received bytes differ from those sent or stated.
    pub fn integrity(message: impl Into<String>) -> Self {
        Self::caused(ErrorKind::Internal, Cause::Integrity, message)
    }

    /// The same error, pointing at input `field`.
    #[must_use]
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same error, with what was done about it.
    #[must_use]
    pub fn noted(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The message with its notes: what the WIT record and people see.
    pub fn full_message(&self) -> String {
        let mut message = self.message.clone();
        for note in &self.notes {
            message.push_str("; ");
            message.push_str(note);
        }
        message
    }

    /// The server's answer, when the cause is one.
    pub fn answer(&self) -> Option<&ServerAnswer> {
        match &self.cause {
            Cause::Answer(answer) => Some(answer),
            _ => None,
        }
    }

    /// The server's error code (`service-code` in the WIT record).
    pub fn service_code(&self) -> Option<&str> {
        self.answer().and_then(|answer| answer.code.as_deref())
    }

    /// The answer's HTTP status (`http-status` in the WIT record).
    pub fn http_status(&self) -> Option<u16> {
        self.answer().map(|answer| answer.status)
    }

    /// The server's request id (`request-id` in the WIT record).
    pub fn request_id(&self) -> Option<&str> {
        self.answer().and_then(|answer| answer.request_id.as_deref())
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.full_message())?;
        if let Some(code) = self.service_code() {
            write!(f, " (S3 code {code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConnectorError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_follow_the_message_and_answers_fill_the_record_fields() {
        let answer = ServerAnswer {
            status: 404,
            code: Some("NoSuchKey".into()),
            request_id: Some("R1".into()),
            public_access_blocked: false,
        };
        let error = ConnectorError::caused(ErrorKind::NotFound, Cause::Answer(Box::new(answer)), "no such key")
            .noted("nothing was written");
        assert_eq!(error.full_message(), "no such key; nothing was written");
        assert_eq!(
            (error.service_code(), error.http_status(), error.request_id()),
            (Some("NoSuchKey"), Some(404), Some("R1"))
        );
        assert_eq!(error.to_string(), "not-found: no such key; nothing was written (S3 code NoSuchKey)");
        assert!(!error.retryable);
        assert!(ConnectorError::new(ErrorKind::Throttled, "slow down").retryable);
        assert_eq!(ConnectorError::internal("x").http_status(), None);
    }

    #[test]
    fn transport_failures_are_retried_only_when_trying_again_may_help() {
        let retried = |failure| ConnectorError::transport(failure, "m").retryable;
        for failure in
            [TransportFailure::Connect, TransportFailure::Broken, TransportFailure::Timeout, TransportFailure::Tls]
        {
            assert!(retried(failure), "{failure:?}");
        }
        for failure in [
            TransportFailure::Denied,
            TransportFailure::Dns,
            TransportFailure::Certificate,
            TransportFailure::RequestBody,
            TransportFailure::ResponseTooLarge,
        ] {
            assert!(!retried(failure), "{failure:?}");
        }
        assert_eq!(ConnectorError::transport(TransportFailure::Denied, "m").kind, ErrorKind::Denied);
        assert_eq!(ConnectorError::transport(TransportFailure::ResponseTooLarge, "m").kind, ErrorKind::TooLarge);
    }
}
