//! Building blocks for the operations' JSON Schemas (draft 2020-12), so each property is
//! described once.

use super::operation::OBJECT_ARN;
use crate::protocol::values::{CannedAcl, ServerSideEncryption, StorageClass};
use serde_json::{Value, json};

/// An object schema with `properties`, the `required` names and no other properties.
pub(super) fn object(title: &str, required: &[&str], properties: Value) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "additionalProperties": false,
        "required": required,
        "properties": properties,
    })
}

/// The `bucket` property.
/// Its choices (`x-choices`, what `connector.options` lists) are the account's buckets.
pub(super) fn bucket() -> Value {
    json!({"type": "string", "title": "Bucket", "minLength": 1, "maxLength": 255, "description": "Bucket name.", "x-choices": {"source": "buckets"}})
}

/// The `key` property; its choices are the keys and folders of the bucket in `bucket`.
pub(super) fn key() -> Value {
    key_in("bucket")
}

/// An object key property whose choices are the keys and folders of the bucket named by input
/// field `bucket_field`.
pub(super) fn key_in(bucket_field: &str) -> Value {
    json!({"type": "string", "title": "Object key", "minLength": 1, "maxLength": 1024, "description": "Full object key (path), e.g. reports/2024/summary.csv. Any UTF-8 up to 1024 bytes.", "x-choices": {"source": "keys", "bucket": bucket_field}})
}

/// A key prefix property (`title`, `description`); its choices are the folders of the bucket in
/// `bucket`.
pub(super) fn prefix(title: &str, description: &str) -> Value {
    json!({"type": "string", "title": title, "description": description, "x-choices": {"source": "folders", "bucket": "bucket"}})
}

/// The `version_id` property.
pub(super) fn version_id(action: &str, resource: &str) -> Value {
    when_given(
        json!({"type": "string", "title": "Version ID", "description": "A specific object version (versioned buckets only).", "x-group": "advanced"}),
        &[action],
        resource,
    )
}

/// `property` annotated with the permission a call needs when its input gives this field
/// (`x-permissions`: read by `s3c policy` and any host that prints least-privilege policies;
/// the operation's own `permissions` are what every call needs).
pub(super) fn when_given(mut property: Value, actions: &[&str], resource: &str) -> Value {
    property["x-permissions"] = json!([{"actions": actions, "resource": resource}]);
    property
}

/// The `metadata` property (user metadata, `x-amz-meta-*`).
pub(super) fn metadata() -> Value {
    json!({"type": "object", "title": "Metadata", "additionalProperties": {"type": "string"}, "description": "User metadata stored with the object (x-amz-meta-*). Names are case-insensitive ASCII."})
}

/// A customer-provided SSE-C key property: a secret, never shown.
pub(super) fn customer_key(title: &str) -> Value {
    json!({"type": "string", "title": title, "description": "A 32-byte AES-256 key in base64; S3 keeps only its hash, so the same key is needed to read the object.", "writeOnly": true, "format": "password", "x-group": "advanced"})
}

/// The canned ACL property.
pub(super) fn canned_acl() -> Value {
    json!({
        "title": "Canned ACL",
        "enum": CannedAcl::NAMES,
        "x-enumLabels": {
            "private": "Private", "public-read": "Public read", "public-read-write": "Public read/write",
            "authenticated-read": "Authenticated users read", "aws-exec-read": "EC2 read (AMI bundles)",
            "bucket-owner-read": "Bucket owner read", "bucket-owner-full-control": "Bucket owner full control"
        }
    })
}

/// The properties every object upload accepts (`put_object_text`, `put_object_file`).
pub(super) fn upload_properties() -> Value {
    json!({
        "bucket": bucket(),
        "key": key(),
        "content_type": {"type": "string", "title": "Content type", "description": "MIME type, e.g. text/csv."},
        "metadata": metadata(),
        "cache_control": {"type": "string", "title": "Cache-Control", "x-group": "advanced"},
        "content_disposition": {"type": "string", "title": "Content-Disposition", "x-group": "advanced"},
        "content_encoding": {"type": "string", "title": "Content-Encoding", "x-group": "advanced"},
        "acl": when_given(canned_acl(), &["s3:PutObjectAcl"], OBJECT_ARN),
        "grants": when_given(super::grants::schema(), &["s3:PutObjectAcl"], OBJECT_ARN),
        "server_side_encryption": {"enum": ServerSideEncryption::NAMES, "title": "Server-side encryption", "x-group": "advanced"},
        "kms_key_id": when_given(
            json!({"type": "string", "title": "KMS key id", "description": "With server_side_encryption aws:kms.", "x-group": "advanced"}),
            &["kms:GenerateDataKey", "kms:Decrypt"],
            "*",
        ),
        "storage_class": {"title": "Storage class", "enum": StorageClass::NAMES, "x-group": "advanced"},
        "sse_customer_key": customer_key("Encrypt with this customer-provided key (SSE-C)"),
        "tags": when_given(
            json!({"type": "object", "title": "Tags", "additionalProperties": {"type": "string"}, "maxProperties": 10, "x-group": "advanced"}),
            &["s3:PutObjectTagging"],
            OBJECT_ARN,
        )
    })
}

/// Output of an upload.
pub(super) fn upload_output() -> Value {
    object(
        "Upload result",
        &["bucket", "key", "etag", "size"],
        json!({
            "bucket": {"type": "string"},
            "key": {"type": "string"},
            "etag": {"type": "string"},
            "size": {"type": "integer"},
            "version_id": {"type": ["string", "null"]},
            "parts": {"type": "integer", "description": "1 for a single PUT, else the number of multipart parts."}
        }),
    )
}

/// `property`, which must not be empty.
pub(super) fn non_empty(mut property: Value) -> Value {
    property["minLength"] = json!(1);
    property
}

/// Output fields describing an object (HEAD and GET).
pub(super) fn object_facts() -> Value {
    json!({
        "content_length": {"type": "integer"},
        "content_type": {"type": ["string", "null"]},
        "etag": {"type": ["string", "null"]},
        "last_modified": {"type": ["string", "null"], "description": "RFC 1123 date as S3 sent it."},
        "storage_class": {"type": ["string", "null"]},
        "version_id": {"type": ["string", "null"]},
        "cache_control": {"type": ["string", "null"]},
        "content_disposition": {"type": ["string", "null"]},
        "content_encoding": {"type": ["string", "null"]},
        "server_side_encryption": {"type": ["string", "null"]},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}}
    })
}

/// Merges the properties of `extra` into object schema `base`.
pub(super) fn with_properties(mut base: Value, extra: Value) -> Value {
    if let (Some(props), Value::Object(extra)) = (base["properties"].as_object_mut(), extra) {
        props.extend(extra);
    }
    base
}
