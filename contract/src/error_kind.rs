//! `error-kind` from `wit/types.wit`: the failure classes a workflow branches on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What went wrong, in terms a workflow can branch on; one case per WIT `error-kind` case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The input or auth does not satisfy the schema or the service's rules.
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
    /// The host cancelled the call; what it started was undone.
    Cancelled,
    /// A bug or an unintelligible answer.
    Internal,
}

impl ErrorKind {
    /// Every kind, in WIT order.
    pub const ALL: [ErrorKind; 14] = [
        ErrorKind::InvalidInput,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::PreconditionFailed,
        ErrorKind::Throttled,
        ErrorKind::Timeout,
        ErrorKind::Unavailable,
        ErrorKind::Unsupported,
        ErrorKind::TooLarge,
        ErrorKind::Denied,
        ErrorKind::Cancelled,
        ErrorKind::Internal,
    ];

    /// The WIT case name, e.g. `invalid-input`: what JSON output, logs and tests print.
    pub const fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PreconditionFailed => "precondition-failed",
            ErrorKind::Throttled => "throttled",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::TooLarge => "too-large",
            ErrorKind::Denied => "denied",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Internal => "internal",
        }
    }

    /// Whether a failure of this kind may go away when the same call is retried later.
    pub const fn is_transient(self) -> bool {
        matches!(self, ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Unavailable)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a WIT `error-kind` case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownErrorKind(pub String);

impl fmt::Display for UnknownErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an error kind", self.0)
    }
}

impl std::error::Error for UnknownErrorKind {}

impl FromStr for ErrorKind {
    type Err = UnknownErrorKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|kind| kind.name() == name).ok_or_else(|| UnknownErrorKind(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for kind in ErrorKind::ALL {
            assert_eq!(kind.name().parse::<ErrorKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert!("not_found".parse::<ErrorKind>().is_err());
    }

    #[test]
    fn names_are_the_wit_cases() {
        let wit = include_str!("../../wit/types.wit");
        let start = wit.find("enum error-kind {").expect("error-kind in types.wit");
        let body = &wit[start..start + wit[start..].find('}').unwrap()];
        let cases: Vec<&str> = body
            .lines()
            .skip(1)
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with("//"))
            .map(|line| line.trim_end_matches(','))
            .collect();
        let names: Vec<&str> = ErrorKind::ALL.iter().map(|kind| kind.name()).collect();
        assert_eq!(cases, names);
    }
}
