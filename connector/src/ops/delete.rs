//! Delete Object and Delete Multiple Objects.

use super::operation::{OBJECT_ARN, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::request::{Body, S3Request};
use crate::error::{ConnectorError, Result};
use crate::protocol::http::Method;
use crate::protocol::xml::{self, DeleteResult, ObjectIdentifier};
use base64::Engine;
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Value, json};

/// Most keys one DeleteObjects request takes (S3 limit).
const MAX_BATCH: usize = 1000;

/// Delete Object.
pub(super) const DELETE_OBJECT: Operation = Operation {
    id: "delete_object",
    input_fields: &["bucket", "key", "version_id"],
    title: "Delete Object",
    description: "Deletes an object, or one version of it. Deleting a missing key succeeds (S3 semantics).",
    input_schema: || {
        object(
            "Delete Object input",
            &["bucket", "key"],
            json!({"bucket": schema::bucket(), "key": schema::key(), "version_id": schema::version_id("s3:DeleteObjectVersion", OBJECT_ARN)}),
        )
    },
    output_schema: || {
        object(
            "Delete Object output",
            &["bucket", "key", "deleted"],
            json!({
                "bucket": {"type": "string"}, "key": {"type": "string"}, "deleted": {"type": "boolean"},
                "version_id": {"type": ["string", "null"]}, "delete_marker": {"type": "boolean"}
            }),
        )
    },
    permissions: &[Permission { actions: &["s3:DeleteObject"], resource: OBJECT_ARN }],
    idempotent: true,
    run: delete_object,
};

#[derive(Deserialize)]
struct DeleteInput {
    bucket: String,
    key: String,
    #[serde(default)]
    version_id: Option<String>,
}

fn delete_object(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: DeleteInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let request = S3Request::new(Method::Delete)
        .bucket(&input.bucket)
        .key(&input.key)
        .query_opt("versionId", input.version_id.clone());
    let response = client.send(&request)?;
    Ok(json!({
        "bucket": input.bucket,
        "key": input.key,
        "deleted": true,
        "version_id": response.header("x-amz-version-id"),
        "delete_marker": response.header("x-amz-delete-marker") == Some("true"),
    }))
}

/// Delete Multiple Objects.
pub(super) const DELETE_OBJECTS: Operation = Operation {
    id: "delete_objects",
    input_fields: &["bucket", "objects", "quiet"],
    title: "Delete Multiple Objects",
    description: "Deletes up to 1000 objects in one request and reports, per key, whether it was deleted or why not.",
    input_schema: || {
        object(
            "Delete Multiple Objects input",
            &["bucket", "objects"],
            json!({
                "bucket": schema::bucket(),
                "objects": {"type": "array", "title": "Objects", "minItems": 1, "maxItems": MAX_BATCH, "items": {
                    "oneOf": [
                        {"type": "string", "description": "A key."},
                        {"type": "object", "additionalProperties": false, "required": ["key"], "properties": {"key": {"type": "string"}, "version_id": {"type": "string"}}}
                    ]
                }},
                "quiet": {"type": "boolean", "title": "Quiet", "default": false, "description": "Report only the failures.", "x-group": "advanced"}
            }),
        )
    },
    output_schema: || {
        object(
            "Delete Multiple Objects output",
            &["deleted", "errors"],
            json!({
                "deleted": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "version_id": {"type": ["string", "null"]}, "delete_marker": {"type": ["boolean", "null"]}}}},
                "errors": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "version_id": {"type": ["string", "null"]}, "code": {"type": "string"}, "message": {"type": "string"}}}}
            }),
        )
    },
    permissions: &[Permission {
        actions: &["s3:DeleteObject", "s3:DeleteObjectVersion"],
        resource: "arn:aws:s3:::{bucket}/*",
    }],
    idempotent: true,
    run: delete_objects,
};

#[derive(Deserialize)]
#[serde(untagged)]
enum ObjectSpec {
    Key(String),
    Versioned {
        key: String,
        #[serde(default)]
        version_id: Option<String>,
    },
}

#[derive(Deserialize)]
struct DeleteManyInput {
    bucket: String,
    objects: Vec<ObjectSpec>,
    #[serde(default)]
    quiet: bool,
}

fn delete_objects(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: DeleteManyInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    if input.objects.is_empty() || input.objects.len() > MAX_BATCH {
        return Err(ConnectorError::invalid_input(
            "/objects",
            format!(
                "objects has {} entries; one request deletes 1 to {MAX_BATCH} (split larger batches)",
                input.objects.len()
            ),
        ));
    }
    let mut identifiers = Vec::with_capacity(input.objects.len());
    for (index, spec) in input.objects.into_iter().enumerate() {
        let (key, version_id) = match spec {
            ObjectSpec::Key(key) => (key, None),
            ObjectSpec::Versioned { key, version_id } => (key, version_id),
        };
        validate::object_key(&format!("/objects/{index}"), &key)?;
        identifiers.push(ObjectIdentifier { key, version_id });
    }
    let document = xml::delete_document(&identifiers, input.quiet).into_bytes();
    let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&document));
    let request = S3Request::new(Method::Post)
        .bucket(&input.bucket)
        .query("delete", "")
        .header("content-md5", md5)
        .header("content-type", "application/xml")
        .body(Body::Bytes(document));
    let response = client.send(&request)?;
    let result: DeleteResult = xml::parse("DeleteObjects", &response.body)?;
    let deleted: Vec<Value> = result
        .deleted
        .into_iter()
        .map(|d| json!({"key": d.key, "version_id": d.version_id, "delete_marker": d.delete_marker}))
        .collect();
    let errors: Vec<Value> = result
        .errors
        .into_iter()
        .map(|e| json!({"key": e.key, "version_id": e.version_id, "code": e.code, "message": e.message}))
        .collect();
    Ok(json!({"bucket": input.bucket, "deleted": deleted, "errors": errors}))
}
