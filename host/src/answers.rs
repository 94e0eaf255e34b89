//! The answers of `options` and `poll`, read from the JSON texts they cross the WIT boundary as
//! (one string each: a host copies one bounded text, never a guest-chosen number of strings).

use crate::bindings::{self, ConnectorError, ErrorKind};
pub use connector_contract::{Choice, Choices};
use serde_json::Value;

/// What one poll of a trigger found.
#[derive(Debug, Clone, PartialEq)]
pub struct PollResult {
    /// New events, oldest first (each a JSON object matching the trigger's event schema).
    pub events: Vec<Value>,
    /// The state to pass to the next poll; store it once the events are handled.
    pub state: String,
    /// More events are ready now: poll again without waiting.
    pub has_more: bool,
}

/// The choices `text` (the guest's answer to `options`) holds.
pub(crate) fn choices(text: &str) -> Result<Choices, ConnectorError> {
    serde_json::from_str(text).map_err(|e| malformed("choices", &e))
}

/// The poll result `answer` (the guest's record) holds.
pub(crate) fn poll_result(answer: bindings::PollResult) -> Result<PollResult, ConnectorError> {
    let events = match serde_json::from_str(&answer.events) {
        Ok(Value::Array(events)) => events,
        Ok(_) => return Err(malformed("poll events", &"not a JSON array")),
        Err(e) => return Err(malformed("poll events", &e)),
    };
    Ok(PollResult { events, state: answer.state, has_more: answer.has_more })
}

/// The error for an answer that is not in its contract's shape: the connector's bug.
fn malformed(what: &str, why: &dyn std::fmt::Display) -> ConnectorError {
    ConnectorError {
        kind: ErrorKind::Internal,
        message: format!("the connector answered with {what} that are not in the contract's shape: {why}"),
        service_code: None,
        http_status: None,
        request_id: None,
        retryable: false,
        field: None,
        retry_after_ms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_outside_their_shape_are_the_connectors_bug() {
        assert_eq!(choices(r#"{"items":[{"value":"b","label":"b"}]}"#).unwrap().items[0].value, "b");
        assert_eq!(choices("[]").unwrap_err().kind, ErrorKind::Internal);
        let answer = |events: &str| bindings::PollResult { events: events.into(), state: "s".into(), has_more: false };
        assert_eq!(poll_result(answer(r#"[{"key":"a"}]"#)).unwrap().events.len(), 1);
        assert_eq!(poll_result(answer(r#"{"key":"a"}"#)).unwrap_err().kind, ErrorKind::Internal);
    }
}
