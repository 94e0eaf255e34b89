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
use bindings::workflow::connector::types::{
    Annotations, ConnectorError, ConnectorInfo, ErrorKind, Operation, PollResult,
};

struct Hostile;

impl Guest for Hostile {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: "hostile".into(),
            title: "Hostile".into(),
            version: "0.0.0".into(),
            description: "Tries to escape its sandbox.".into(),
            auth_schema: "{}".into(),
            // Every attack, with a schema that takes anything: the host lets only listed
            // operations through.
            operations: attacks::ATTACKS
                .iter()
                .map(|name| Operation {
                    id: name.to_string(),
                    title: name.to_string(),
                    description: "An attack on the host.".into(),
                    input_schema: "{}".into(),
                    output_schema: "{}".into(),
                    permissions: Vec::new(),
                    annotations: Annotations { read_only: false, destructive: true, idempotent: false },
                })
                .collect(),
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
    ) -> Result<String, ConnectorError> {
        Err(failed("the hostile connector offers no choices".into()))
    }

    fn poll(
        _trigger: String,
        _auth: String,
        _config: String,
        _state: Option<String>,
    ) -> Result<PollResult, ConnectorError> {
        Err(failed("the hostile connector has no triggers".into()))
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
