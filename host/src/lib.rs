//! The reference host for WebAssembly connectors of the `workflow:connector/http-connector`
//! world: a library platforms embed (compile once, pre-instantiate, a fresh instance per call,
//! egress policy, memory and time limits, a file store) and the `s3c` CLI built on it.

pub mod address;
pub mod answers;
pub mod bindings;
mod body_guard;
pub mod budget;
pub mod cancellation;
pub mod clock;
mod compiled_cache;
mod connector_exports;
pub mod declared_outbound;
mod digest;
pub mod egress;
pub mod error;
mod fairness;
mod file_fill;
pub mod file_filling;
pub mod file_name;
mod file_read_stream;
pub mod file_store;
pub mod file_writer;
pub mod input_schemas;
mod invocation_control;
mod limits;
pub mod linker;
pub mod net;
pub mod outbound_rule;
pub mod policy;
pub mod progress;
pub mod redact;
pub mod runtime;
pub mod stalled_write;
mod state;
pub mod trust;
mod unique;

// The build scripts' component optimizer, compiled here only for its tests.
#[cfg(test)]
#[expect(
    dead_code,
    reason = "the build scripts call `optimize_component` and the file-finding; the tests only the splicing"
)]
#[path = "../optimize_component.rs"]
mod optimize_component;

pub use answers::{Choice, Choices, PollResult};
pub use bindings::{ConnectorError, ConnectorInfo, ErrorKind, Trigger};
pub use budget::{Budget, BudgetExceeded};
pub use cancellation::Cancellation;
pub use error::HostError;
pub use policy::{Budgets, FileAccess, OutboundRule, Policy};
pub use runtime::{Invocation, Runtime};
