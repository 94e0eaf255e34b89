//! The operations: each with its schemas, IAM permissions and the function that runs it.

mod acl;
mod aliases;
mod buckets;
mod composite;
mod content_type;
mod copy;
mod copy_parts;
mod delete;
mod extract;
mod format;
mod grants;
mod headers;
mod list_objects;
mod multipart;
mod object_ref;
mod operation;
mod parallel;
mod presign;
mod ranged_download;
mod read;
mod record_sink;
mod record_source;
mod records;
mod schema;
mod tagging;
mod upload_source;
mod uploads;
mod validate;
mod write;

use crate::client::Client;
use crate::client::connection::Connection;
use crate::client::transport::Transport;
use crate::error::{ConnectorError, Result};
pub(crate) use buckets::all_buckets;
pub(crate) use headers::unquote as unquote_etag;
pub(crate) use list_objects::{PageQuery, list_page};
pub use operation::{Effects, Operation, Permission};
use serde_json::Value;
pub(crate) use validate::bucket_name as validate_bucket_name;

/// Every operation, in presentation order.
pub const OPERATIONS: &[Operation] = &[
    buckets::LIST_BUCKETS,
    list_objects::LIST_OBJECTS,
    read::HEAD_OBJECT,
    read::GET_OBJECT,
    presign::GET_OBJECT_SIGNED_URL,
    write::PUT_OBJECT_TEXT,
    write::PUT_OBJECT_FILE,
    acl::PUT_OBJECT_ACL,
    delete::DELETE_OBJECT,
    delete::DELETE_OBJECTS,
    delete::DELETE_PREFIX,
    tagging::GET_OBJECT_TAGGING,
    tagging::PUT_OBJECT_TAGGING,
    tagging::DELETE_OBJECT_TAGGING,
    buckets::HEAD_BUCKET,
    buckets::GET_BUCKET_LOCATION,
    copy::COPY_OBJECT,
    buckets::CREATE_BUCKET,
    buckets::DELETE_BUCKET,
    uploads::LIST_MULTIPART_UPLOADS,
    uploads::ABORT_MULTIPART_UPLOAD,
    extract::EXTRACT_RECORDS,
];

/// The operation with `id` (`list_objects` or `list-objects`).
pub fn find(id: &str) -> Option<&'static Operation> {
    let id = id.replace('-', "_");
    OPERATIONS.iter().find(|op| op.id == id)
}

/// The message for an operation id that is not one of [`OPERATIONS`].
pub(crate) fn unknown_operation(operation: &str) -> String {
    let known: Vec<&str> = OPERATIONS.iter().map(|o| o.id).collect();
    format!("unknown operation {operation:?}; known operations: {}", known.join(", "))
}

/// Runs `operation` with `auth` and `input` (JSON texts) over `transport`; returns JSON output.
/// Takes `input` by value so its text is freed once parsed (bodies can be large).
pub fn invoke(transport: &mut dyn Transport, operation: &str, auth: &str, input_text: String) -> Result<Value> {
    let op = find(operation).ok_or_else(|| ConnectorError::invalid_input("", unknown_operation(operation)))?;
    let mut input: Value = if input_text.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(&input_text)
            .map_err(|e| ConnectorError::invalid_input("", format!("input is not valid JSON: {e}")))?
    };
    drop(input_text);
    aliases::normalize(op.id, &mut input)?;
    check_fields(&input, op.input_fields)?;
    let conn = Connection::from_json(auth)?;
    let mut client = Client::new(conn, transport);
    (op.run)(&mut client, input)
}

/// Rejects a non-object input and properties the schema does not list, naming the known ones.
fn check_fields(input: &Value, known: &[&str]) -> Result<()> {
    let Some(fields) = input.as_object() else {
        return Err(ConnectorError::invalid_input("", "input must be a JSON object, e.g. {\"bucket\": \"my-bucket\"}"));
    };
    if let Some(name) = fields.keys().find(|name| !known.contains(&name.as_str())) {
        return Err(ConnectorError::invalid_input(
            format!("/{name}"),
            format!(
                "input has unknown field `{name}`; expected one of: {}",
                known.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_schemas_are_objects_that_list_required_fields() {
        let mut ids: Vec<&str> = OPERATIONS.iter().map(|o| o.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), OPERATIONS.len());
        for op in OPERATIONS {
            for schema in [op.input_schema(), op.output_schema()] {
                assert_eq!(schema["type"], "object", "{}", op.id);
                let props = schema["properties"].as_object().unwrap();
                for required in schema["required"].as_array().unwrap() {
                    assert!(props.contains_key(required.as_str().unwrap()), "{}: {required}", op.id);
                }
            }
            assert!(!op.permissions.is_empty(), "{}", op.id);
        }
        assert!(find("list-objects").is_some());
    }

    #[test]
    fn input_fields_are_the_schemas_properties() {
        for op in OPERATIONS {
            let schema = op.input_schema();
            let mut properties: Vec<&str> =
                schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            let mut fields = op.input_fields.to_vec();
            properties.sort_unstable();
            fields.sort_unstable();
            assert_eq!(fields, properties, "{}", op.id);
        }
    }

    #[test]
    fn unknown_fields_are_named() {
        let op = find("head_object").unwrap();
        let err = check_fields(&serde_json::json!({"bucket": "b", "kye": "x"}), op.input_fields).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("/kye"));
        assert!(err.message.contains("`key`"), "{}", err.message);
    }

    #[test]
    fn input_dependent_permissions_are_well_formed() {
        let mut annotated = 0;
        for op in OPERATIONS {
            let schema = op.input_schema();
            for (field, property) in schema["properties"].as_object().unwrap() {
                let Some(declared) = property.get("x-permissions") else { continue };
                let lists: Vec<&Value> = match declared {
                    Value::Array(_) => vec![declared],
                    Value::Object(by_value) => by_value.values().collect(),
                    other => panic!("{}.{field}: x-permissions is {other}", op.id),
                };
                for permission in lists.into_iter().flat_map(|list| list.as_array().unwrap()) {
                    let actions = permission["actions"].as_array().unwrap();
                    assert!(
                        !actions.is_empty() && actions.iter().all(|a| a.as_str().unwrap().contains(':')),
                        "{}.{field}",
                        op.id
                    );
                    let resource = permission["resource"].as_str().unwrap();
                    assert!(resource == "*" || resource.starts_with("arn:aws:"), "{}.{field}: {resource}", op.id);
                    annotated += 1;
                }
            }
        }
        assert!(annotated >= 10, "version ids, ACLs, tags, KMS keys and presigned PUTs are declared: {annotated}");
    }
}
