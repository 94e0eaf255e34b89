//! What an invocation's result becomes in Temporal: the output, or a failure the way Temporal
//! users expect it — the error kind as the failure type, `retryable: false` as a non-retryable
//! failure, a throttle's wait as the next retry's delay, the whole typed error as its details, a
//! cancel as a cancelled activity. Pure: no Temporal call is made here.

use connector_host::{ConnectorError, HostError, Invocation};
use serde_json::{Value, json};
use std::time::Duration;
use temporalio_common::error::ApplicationFailure;
use temporalio_sdk::activities::ActivityError;

/// The failure type of errors the host raised (the sandbox stopped the call), as opposed to the
/// connector's typed errors, whose type is their kind (`not-found`, `throttled`, ...).
pub(crate) const HOST_FAILURE: &str = "host";

/// The activity's result for an invocation that ended with `outcome`.
pub(crate) fn activity_result(outcome: Result<Invocation, HostError>) -> Result<Value, ActivityError> {
    match outcome {
        Ok(invocation) => match invocation.result {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                failure(FailureSpec::host(format!("the connector answered with output that is not JSON: {e}"), false))
            }),
            Err(error) => Err(connector_failure(&error)),
        },
        Err(error) => Err(host_failure(error)),
    }
}

/// The activity error for the connector's typed error (its `cancelled` cancels the activity).
pub(crate) fn connector_failure(error: &ConnectorError) -> ActivityError {
    match error.kind.name() {
        "cancelled" => ActivityError::cancelled(),
        _ => failure(FailureSpec::connector(error)),
    }
}

/// The activity error for a call the host stopped.
pub(crate) fn host_failure(error: HostError) -> ActivityError {
    match error {
        HostError::Cancelled(_) => ActivityError::cancelled(),
        error => {
            // Running out of time may pass on a less loaded worker; a trap, a memory or budget
            // limit, or a refused policy repeats with the same input.
            let retryable = matches!(error, HostError::TimeLimit(_));
            failure(FailureSpec::host(error.to_string(), retryable))
        }
    }
}

/// The parts of a Temporal application failure.
#[derive(Debug, PartialEq)]
pub(crate) struct FailureSpec {
    /// The failure's message.
    pub(crate) message: String,
    /// Its type: the error kind, or [`HOST_FAILURE`].
    pub(crate) type_name: String,
    /// Whether Temporal may retry the activity.
    pub(crate) retryable: bool,
    /// How long to wait before the next attempt, when the service said so.
    pub(crate) next_retry_delay: Option<Duration>,
    /// The typed error, for code that branches on it.
    pub(crate) details: Value,
}

impl FailureSpec {
    /// The failure for the connector's typed error.
    pub(crate) fn connector(error: &ConnectorError) -> FailureSpec {
        FailureSpec {
            message: error.message.clone(),
            type_name: error.kind.name().to_string(),
            retryable: error.retryable,
            next_retry_delay: error.retry_after_ms.map(Duration::from_millis),
            details: error.to_json(),
        }
    }

    /// A failure of the worker's own work around the connector (a template's step), typed
    /// `type_name`.
    pub(crate) fn other(type_name: &str, message: String, retryable: bool) -> FailureSpec {
        let details = json!({"kind": type_name, "message": message, "retryable": retryable});
        FailureSpec { message, type_name: type_name.into(), retryable, next_retry_delay: None, details }
    }

    /// The failure for an invocation the host stopped.
    pub(crate) fn host(message: String, retryable: bool) -> FailureSpec {
        FailureSpec::other(HOST_FAILURE, message, retryable)
    }
}

/// The activity error for `spec`.
pub(crate) fn failure(spec: FailureSpec) -> ActivityError {
    let builder = ApplicationFailure::builder(spec.message)
        .type_name(spec.type_name)
        .non_retryable(!spec.retryable)
        .details(spec.details);
    let failure = match spec.next_retry_delay {
        Some(delay) => builder.next_retry_delay(delay).build(),
        None => builder.build(),
    };
    ActivityError::Application(Box::new(failure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_host::ErrorKind;

    fn error(kind: ErrorKind, retryable: bool, retry_after_ms: Option<u64>) -> ConnectorError {
        ConnectorError {
            kind,
            message: "what went wrong and how to fix it".into(),
            service_code: Some("SlowDown".into()),
            http_status: Some(503),
            request_id: Some("req-1".into()),
            retryable,
            field: None,
            retry_after_ms,
        }
    }

    #[test]
    fn typed_errors_keep_their_kind_retryability_and_delay() {
        let throttled = FailureSpec::connector(&error(ErrorKind::Throttled, true, Some(1500)));
        assert_eq!(throttled.type_name, "throttled");
        assert!(throttled.retryable);
        assert_eq!(throttled.next_retry_delay, Some(Duration::from_millis(1500)));
        assert_eq!(throttled.details["service_code"], "SlowDown");
        let missing = FailureSpec::connector(&error(ErrorKind::NotFound, false, None));
        assert_eq!(
            (missing.type_name.as_str(), missing.retryable, missing.next_retry_delay),
            ("not-found", false, None)
        );
        assert_eq!(missing.details["kind"], "not-found");
    }

    #[test]
    fn host_failures_retry_only_when_time_ran_out() {
        let out_of_time = activity_result(Err(HostError::TimeLimit(Duration::from_secs(1))));
        let trapped = activity_result(Err(HostError::Trap("unreachable".into())));
        let retryable = |result: Result<Value, ActivityError>| match result {
            Err(ActivityError::Application(failure)) => !failure.is_non_retryable(),
            _ => panic!("an application failure"),
        };
        assert!(retryable(out_of_time));
        assert!(!retryable(trapped));
        assert!(matches!(
            activity_result(Err(HostError::Cancelled(Duration::ZERO))),
            Err(ActivityError::Cancelled { .. })
        ));
    }
}
