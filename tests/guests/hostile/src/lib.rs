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
use bindings::workflow::connector::types::{ConnectorError, ConnectorInfo, ErrorKind};

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
        }
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
    }
}

bindings::export!(Hostile with_types_in bindings);
