//! The component: wit-bindgen glue that exports the connector interface and implements
//! [`Transport`](crate::client::transport::Transport) on the imports.

mod bindings;
mod concurrent;
mod exchange;
mod files;
mod http;
mod in_flight;
mod no_stdio;
mod ranges;
mod source;
mod streams;
mod transport;

use crate::client::retry::RetryPolicy;
use crate::error::{ConnectorError as CoreError, ErrorKind};
use crate::ops::Permission as CorePermission;
use crate::ops::{OPERATIONS, Operation as CoreOperation};
use crate::platform::{self, Trigger as CoreTrigger};
use bindings::exports::workflow::connector::connector::Guest;
use bindings::workflow::connector::types::{
    Annotations, ConnectorError, ConnectorInfo, ErrorKind as WitErrorKind, Operation, Permission, PollResult, Trigger,
};

struct Component;

impl Guest for Component {
    fn describe() -> ConnectorInfo {
        ConnectorInfo {
            name: crate::NAME.to_string(),
            title: "AWS S3".to_string(),
            version: crate::VERSION.to_string(),
            description: "Amazon S3 and S3-compatible object stores (MinIO, Garage, Ceph, R2): buckets, objects, presigned URLs, ACLs.".to_string(),
            auth_schema: crate::client::connection::auth_schema().to_string(),
            operations: OPERATIONS.iter().map(describe_operation).collect(),
            triggers: platform::TRIGGERS.iter().map(describe_trigger).collect(),
        }
    }

    fn check(auth: String, scope: Option<String>) -> Result<String, ConnectorError> {
        let mut transport = transport::WasiTransport::default();
        platform::check(&mut transport, &auth, scope.as_deref()).map(|report| report.to_string()).map_err(to_wit_error)
    }

    fn options(
        operation: String,
        field: String,
        auth: String,
        partial_input: String,
        cursor: Option<String>,
    ) -> Result<String, ConnectorError> {
        let mut transport = transport::WasiTransport::default();
        let choices = platform::options(&mut transport, &operation, &field, &auth, &partial_input, cursor.as_deref())
            .map_err(to_wit_error)?;
        serde_json::to_string(&choices).map_err(|e| to_wit_error(CoreError::internal(e.to_string())))
    }

    fn poll(
        trigger: String,
        auth: String,
        config: String,
        state: Option<String>,
    ) -> Result<PollResult, ConnectorError> {
        let mut transport = transport::WasiTransport::default();
        let outcome =
            platform::poll(&mut transport, &trigger, &auth, &config, state.as_deref()).map_err(to_wit_error)?;
        Ok(PollResult {
            events: serde_json::Value::Array(outcome.events).to_string(),
            state: outcome.state,
            has_more: outcome.has_more,
        })
    }

    fn invoke(operation: String, auth: String, input: String) -> Result<String, ConnectorError> {
        let mut transport = transport::WasiTransport::default();
        crate::ops::invoke(&mut transport, &operation, &auth, input)
            .map(|output| output.to_string())
            .map_err(to_wit_error)
    }
}

fn describe_operation(op: &CoreOperation) -> Operation {
    Operation {
        id: op.id.to_string(),
        title: op.title.to_string(),
        description: op.description.to_string(),
        input_schema: op.input_schema().to_string(),
        output_schema: op.output_schema().to_string(),
        permissions: op.permissions.iter().map(describe_permission).collect(),
        annotations: Annotations {
            read_only: op.effects.read_only,
            destructive: op.effects.destructive,
            idempotent: op.effects.idempotent,
        },
    }
}

fn describe_trigger(trigger: &CoreTrigger) -> Trigger {
    Trigger {
        id: trigger.id.to_string(),
        title: trigger.title.to_string(),
        description: trigger.description.to_string(),
        config_schema: trigger.config_schema().to_string(),
        event_schema: trigger.event_schema().to_string(),
        permissions: trigger.permissions.iter().map(describe_permission).collect(),
        suggested_interval_seconds: trigger.suggested_interval_seconds,
    }
}

fn describe_permission(permission: &CorePermission) -> Permission {
    Permission {
        actions: permission.actions.iter().map(ToString::to_string).collect(),
        resource: permission.resource.to_string(),
    }
}

/// The WIT record for a connector error: the typed cause flattened into its fields.
fn to_wit_error(error: CoreError) -> ConnectorError {
    let kind = match error.kind {
        ErrorKind::InvalidInput => WitErrorKind::InvalidInput,
        ErrorKind::Unauthorized => WitErrorKind::Unauthorized,
        ErrorKind::Forbidden => WitErrorKind::Forbidden,
        ErrorKind::NotFound => WitErrorKind::NotFound,
        ErrorKind::Conflict => WitErrorKind::Conflict,
        ErrorKind::PreconditionFailed => WitErrorKind::PreconditionFailed,
        ErrorKind::Throttled => WitErrorKind::Throttled,
        ErrorKind::Timeout => WitErrorKind::Timeout,
        ErrorKind::Unavailable => WitErrorKind::Unavailable,
        ErrorKind::Unsupported => WitErrorKind::Unsupported,
        ErrorKind::TooLarge => WitErrorKind::TooLarge,
        ErrorKind::Denied => WitErrorKind::Denied,
        ErrorKind::Cancelled => WitErrorKind::Cancelled,
        ErrorKind::Internal => WitErrorKind::Internal,
    };
    ConnectorError {
        kind,
        message: error.full_message(),
        service_code: error.service_code().map(str::to_string),
        http_status: error.http_status(),
        request_id: error.request_id().map(str::to_string),
        retryable: error.retryable,
        field: error.field,
        retry_after_ms: error
            .retry_after_ms
            .or_else(|| (error.kind == ErrorKind::Throttled).then(|| RetryPolicy::REQUEST.hint_after_giving_up())),
    }
}

bindings::export!(Component with_types_in bindings);
