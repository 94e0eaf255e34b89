//! Host failures: anything that stops an invocation before the guest could answer.

use std::time::Duration;

/// Why the host could not run an invocation. The host stays usable after every one of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// The component could not be compiled or loaded.
    #[error("cannot load the component: {0:#}")]
    Load(wasmtime::Error),
    /// The component could not be instantiated.
    #[error("cannot instantiate the component: {0:#}")]
    Instantiate(wasmtime::Error),
    /// The guest trapped; its instance was discarded.
    #[error("the connector crashed (trap): {0}")]
    Trap(String),
    /// The invocation ran past its time limit; its instance was discarded.
    #[error("the invocation exceeded its time limit of {0:?}")]
    TimeLimit(Duration),
    /// The guest tried to grow its memory past the limit; its instance was discarded.
    #[error("the connector exceeded its memory limit of {0} bytes")]
    MemoryLimit(usize),
    /// The invocation exceeded one of its [`crate::policy::Budgets`]; its instance was discarded.
    #[error("{0}; the instance was discarded (raise the budget in the policy if this is expected)")]
    Budget(crate::budget::BudgetExceeded),
    /// The component imports interfaces the host does not grant (listed); it was not loaded.
    #[error(
        "the component imports {0}, which this host does not provide (allowed: wasi:http, wasi:io, wasi:clocks, wasi:random, wasi:cli std interfaces, workflow:connector/file-store and invocation)"
    )]
    ImportNotAllowed(String),
    /// The invocation was cancelled and did not stop within its grace period; its instance was
    /// discarded (what it had started may be left behind).
    #[error("the invocation was cancelled and did not finish cleaning up within its grace period of {0:?}")]
    Cancelled(Duration),
    /// The connector's manifest cannot be used (a schema that does not compile).
    #[error("the connector's manifest is invalid: {0}")]
    InvalidManifest(String),
    /// The policy is invalid.
    #[error("invalid policy: {0}")]
    Policy(String),
}
