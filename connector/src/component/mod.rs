//! The component: wit-bindgen glue that exports the connector interface and implements
//! [`Transport`](crate::client::transport::Transport) on the imports.

mod bindings;
mod exchange;
mod files;
mod http;
mod source;
mod streams;
mod transport;

use crate::error::{ConnectorError as CoreError, ErrorKind};
use crate::ops::{OPERATIONS, Operation as CoreOperation};
use bindings::exports::workflow::connector::connector::Guest;
use bindings::workflow::connector::types::{
    ConnectorError, ConnectorInfo, ErrorKind as WitErrorKind, Operation, Permission,
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
        }
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
        input_schema: (op.input_schema)().to_string(),
        output_schema: (op.output_schema)().to_string(),
        permissions: op
            .permissions
            .iter()
            .map(|p| Permission {
                actions: p.actions.iter().map(ToString::to_string).collect(),
                resource: p.resource.to_string(),
            })
            .collect(),
        idempotent: op.idempotent,
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
    }
}

bindings::export!(Component with_types_in bindings);
