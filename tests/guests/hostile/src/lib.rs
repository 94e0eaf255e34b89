//! A hostile connector: it implements the `http-connector` world like a real connector, but each
//! operation is an attack on its host. The sandbox tests (`tests/tests/hostile.rs`) run it
//! against the real host and check that every attack ends in a typed refusal within its limit.
//! Built for `wasm32-wasip2` only (by the tests' build script); empty elsewhere.

#![cfg(target_arch = "wasm32")]

mod attacks;

/// The bindings wit-bindgen generates for the world (undocumented: they mirror the WIT docs).
mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "workflow:connector/http-connector",
        generate_all,
    });
}

use bindings::exports::workflow::connector::connector::Guest;
use bindings::workflow::connector::types::{Choices, ConnectorError, ConnectorInfo, ErrorKind, PollResult};

struct Hostile;

impl Guest for Hostile {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "hostile".into(),
            title: "Hostile".into(),
            version: "0.0.0".into(),
            description: "Tries to escape its sandbox.".into(),
            auth_schema: "{}".into(),
            operations: Vec::new(),
            triggers: Vec::new(),
        }
    }

    fn check(_auth: String, _scope: Option<String>) -> Result<String, ConnectorError> {
        Err(failed("the hostile connector checks nothing".into()))
    }

    fn options(
        _operation: String,
        _field: String,
        _auth: String,
        _partial_input: String,
        _cursor: Option<String>,
    ) -> Result<Choices, ConnectorError> {
        Err(failed("the hostile connector offers no choices".into()))
    }

    /// Runs attack `trigger` with `config` as its input: the same attacks through another export.
    fn poll(
        trigger: String,
        _auth: String,
        config: String,
        _state: Option<String>,
    ) -> Result<PollResult, ConnectorError> {
        let output = Self::invoke(trigger, String::new(), config)?;
        Ok(PollResult { events: vec![output], state: String::new(), has_more: false })
    }

    fn invoke(operation: String, _auth: String, input: String) -> Result<String, ConnectorError> {
        let input: serde_json::Value = serde_json::from_str(&input).map_err(|e| failed(e.to_string()))?;
        attacks::run(&operation, &input).map_err(failed)
    }
}

/// The attack's own report of how it was stopped (the host's typed answer, as text).
fn failed(message: String) -> ConnectorError {
    ConnectorError {
        kind: ErrorKind::Internal,
        message,
        service_code: None,
        http_status: None,
        request_id: None,
        retryable: false,
        field: None,
        retry_after_ms: None,
    }
}

bindings::export!(Hostile with_types_in bindings);
