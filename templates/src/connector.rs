//! The S3 connector as a template calls it: one runtime, one auth object, one policy.

use connector_host::{ConnectorError, HostError, Policy, Runtime};
use serde_json::Value;
use std::sync::Arc;

/// A loaded connector with the auth and policy every call of a template uses.
pub struct Connector {
    /// The runtime (compiled once; shared with whatever else runs the same component).
    pub runtime: Arc<Runtime>,
    /// The auth object (credentials, region, endpoint).
    pub auth: Value,
    /// The sandbox policy.
    pub policy: Policy,
}

/// Why a step failed: the connector's typed answer, or the host stopping it.
#[derive(Debug)]
pub enum StepError {
    /// The connector answered with a typed error.
    Connector(ConnectorError),
    /// The host could not run the call.
    Host(HostError),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Connector(error) => write!(f, "{}: {}", error.kind.name(), error.message),
            StepError::Host(error) => write!(f, "host: {error}"),
        }
    }
}

impl std::error::Error for StepError {}

impl Connector {
    /// Runs `operation` with `input`; the output JSON, or why it failed.
    pub async fn call(&self, operation: &str, input: &Value) -> Result<Value, StepError> {
        self.call_measured(operation, input).await.map(|(output, _)| output)
    }

    /// As [`Self::call`], with the guest's peak memory in bytes.
    pub async fn call_measured(&self, operation: &str, input: &Value) -> Result<(Value, usize), StepError> {
        let invocation = self
            .runtime
            .invoke(operation, &self.auth.to_string(), &input.to_string(), &self.policy)
            .await
            .map_err(StepError::Host)?;
        let peak = invocation.peak_memory;
        let text = invocation.result.map_err(StepError::Connector)?;
        Ok((serde_json::from_str(&text).unwrap_or(Value::Null), peak))
    }
}
