//! Delete Object and Delete Multiple Objects.

use super::operation::{BUCKET_ARN, Effects, OBJECT_ARN, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::request::{Body, S3Request};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::http::Method;
use crate::protocol::xml::{self, DeleteResult, ObjectIdentifier};
use crate::protocol::{actions, checksum};
use crate::schemas::SchemaBuilder;

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
    input_schema: SchemaBuilder::new(|| {
        object(
            "Delete Object input",
            &["bucket", "key"],
            json!({"bucket": schema::bucket(), "key": schema::key(), "version_id": schema::version_id("s3:DeleteObjectVersion", OBJECT_ARN)}),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Delete Object output",
            &["bucket", "key", "deleted"],
            json!({
                "bucket": {"type": "string"}, "key": {"type": "string"}, "deleted": {"type": "boolean"},
                "version_id": {"type": ["string", "null"]}, "delete_marker": {"type": "boolean"}
            }),
        )
    }),
    permissions: &[Permission { actions: &["s3:DeleteObject"], resource: OBJECT_ARN }],
    effects: Effects::DELETES,
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
    input_fields: &["bucket", "object_keys", "objects", "quiet"],
    title: "Delete Multiple Objects",
    description: "Deletes any number of objects, 1000 per request, and reports, per key, whether it was deleted or why not.",
    input_schema: SchemaBuilder::new(|| {
        // `objects`, or the product's own name for it (an alias): exactly one of them.
        let mut schema = object(
            "Delete Multiple Objects input",
            &["bucket"],
            json!({
                "bucket": schema::bucket(),
                "objects": {"type": "array", "title": "Objects", "minItems": 1, "items": {
                    "oneOf": [
                        {"type": "string", "description": "A key."},
                        {"type": "object", "additionalProperties": false, "required": ["key"], "properties": {"key": {"type": "string"}, "version_id": {"type": "string"}}}
                    ]
                }},
                "quiet": {"type": "boolean", "title": "Quiet", "default": false, "description": "Report only the failures.", "x-group": "advanced"},
                "object_keys": {"type": "array", "minItems": 1, "x-alias-of": "objects", "deprecated": true, "items": {
                    "type": "object", "additionalProperties": false, "required": ["Key"],
                    "properties": {"Key": {"type": "string"}, "VersionId": {"type": "string"}}
                }}
            }),
        );
        schema["oneOf"] = json!([{"required": ["objects"]}, {"required": ["object_keys"]}]);
        schema
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Delete Multiple Objects output",
            &["deleted", "errors"],
            json!({
                "deleted": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "version_id": {"type": ["string", "null"]}, "delete_marker": {"type": ["boolean", "null"]}}}},
                "errors": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "version_id": {"type": ["string", "null"]}, "code": {"type": "string"}, "message": {"type": "string"}}}}
            }),
        )
    }),
    permissions: &[Permission {
        actions: &["s3:DeleteObject", "s3:DeleteObjectVersion"],
        resource: "arn:aws:s3:::{bucket}/*",
    }],
    effects: Effects::DELETES,
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
    if input.objects.is_empty() {
        return Err(ConnectorError::invalid_input("/objects", "objects is empty; name at least one key"));
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
    let outcome = delete_in_batches(client, &input.bucket, &identifiers, input.quiet)?;
    Ok(json!({"bucket": input.bucket, "deleted": outcome.deleted, "errors": outcome.errors}))
}

/// What batch deletes reported, per key.
#[derive(Default)]
struct Deleted {
    deleted: Vec<Value>,
    errors: Vec<Value>,
}

/// Deletes `identifiers` from `bucket`, [`MAX_BATCH`] per request. A request that fails as a
/// whole ends the work; the error says how many objects were deleted before it.
fn delete_in_batches(
    client: &mut Client<'_>,
    bucket: &str,
    identifiers: &[ObjectIdentifier],
    quiet: bool,
) -> Result<Deleted> {
    let mut outcome = Deleted::default();
    for batch in identifiers.chunks(MAX_BATCH) {
        // Deleted objects cannot come back: a cancel stops before the next batch and says how
        // far it got.
        if let Err(cancelled) = client.checkpoint(outcome.deleted.len() as u64, Some(identifiers.len() as u64)) {
            let done = outcome.deleted.len();
            return Err(cancelled.noted(format!("{done} objects were deleted before it stopped")));
        }
        let document = xml::delete_document(batch, quiet).into_bytes();
        let request = S3Request::new(Method::Post)
            .bucket(bucket)
            .query("delete", "")
            .header("content-md5", checksum::content_md5(&document))
            .header("content-type", "application/xml")
            .body(Body::Bytes(document));
        let result: DeleteResult = match client.send(&request).and_then(|r| xml::parse("DeleteObjects", &r.body)) {
            Ok(result) => result,
            Err(error) if outcome.deleted.is_empty() => return Err(error),
            Err(error) => {
                let done = outcome.deleted.len();
                return Err(error.noted(format!("{done} objects were deleted before this request failed")));
            }
        };
        outcome.deleted.extend(
            result
                .deleted
                .into_iter()
                .map(|d| json!({"key": d.key, "version_id": d.version_id, "delete_marker": d.delete_marker})),
        );
        outcome.errors.extend(
            result
                .errors
                .into_iter()
                .map(|e| json!({"key": e.key, "version_id": e.version_id, "code": e.code, "message": e.message})),
        );
    }
    match refused_for_permission(&outcome, bucket, identifiers) {
        Some(error) => Err(error),
        None => Ok(outcome),
    }
}

/// Every key refused with `AccessDenied` (S3 answers a batch delete without the permission this
/// way, key by key): nothing was deleted, for want of a permission, which is a `forbidden`
/// error that names it rather than a success that lists refusals.
fn refused_for_permission(outcome: &Deleted, bucket: &str, identifiers: &[ObjectIdentifier]) -> Option<ConnectorError> {
    let every_key_denied =
        outcome.errors.len() == identifiers.len() && outcome.errors.iter().all(|error| error["code"] == "AccessDenied");
    let first = identifiers.first().filter(|_| every_key_denied)?;
    let query: Vec<(String, String)> =
        first.version_id.iter().map(|version| ("versionId".to_string(), version.clone())).collect();
    let (action, resource) = actions::required(Method::Delete, Some(bucket), Some(&first.key), &query, &[]);
    let count = identifiers.len();
    Some(
        ConnectorError::new(
            ErrorKind::Forbidden,
            format!("S3 refused to delete each of the {count} objects (AccessDenied); nothing was deleted"),
        )
        .noted(format!("the credentials most likely lack {action} on {resource}")),
    )
}

/// Delete Prefix.
pub(super) const DELETE_PREFIX: Operation = Operation {
    id: "delete_prefix",
    input_fields: &["bucket", "dry_run", "prefix"],
    title: "Delete Prefix",
    description: "Deletes every object whose key starts with a prefix (a folder and everything in it), 1000 per request; with dry_run, only lists them.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "Delete Prefix input",
            &["bucket", "prefix"],
            json!({
                "bucket": schema::bucket(),
                "prefix": schema::non_empty(schema::prefix("Prefix", "e.g. \"reports/2024/\"; an empty prefix (the whole bucket) is refused.")),
                "dry_run": {"type": "boolean", "title": "Dry run", "default": false, "description": "List what would be deleted; delete nothing."}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Delete Prefix output",
            &["bucket", "prefix", "dry_run", "count"],
            json!({
                "bucket": {"type": "string"}, "prefix": {"type": "string"}, "dry_run": {"type": "boolean"},
                "count": {"type": "integer", "description": "Objects found under the prefix."},
                "keys": {"type": "array", "items": {"type": "string"}, "description": "With dry_run: what would be deleted."},
                "deleted": {"type": "array"}, "errors": {"type": "array"}
            }),
        )
    }),
    permissions: &[
        Permission { actions: &["s3:ListBucket"], resource: BUCKET_ARN },
        Permission { actions: &["s3:DeleteObject"], resource: OBJECT_ARN },
    ],
    effects: Effects::DELETES,
    run: delete_prefix,
};

#[derive(Deserialize)]
struct DeletePrefixInput {
    bucket: String,
    prefix: String,
    #[serde(default)]
    dry_run: bool,
}

fn delete_prefix(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: DeletePrefixInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    if input.prefix.is_empty() {
        return Err(ConnectorError::invalid_input(
            "/prefix",
            "the prefix is empty, which would delete the whole bucket; name a folder such as \"logs/\"",
        ));
    }
    let keys = list_keys(client, &input.bucket, &input.prefix)?;
    let count = keys.len();
    if input.dry_run {
        return Ok(
            json!({"bucket": input.bucket, "prefix": input.prefix, "dry_run": true, "count": count, "keys": keys}),
        );
    }
    let identifiers: Vec<ObjectIdentifier> =
        keys.into_iter().map(|key| ObjectIdentifier { key, version_id: None }).collect();
    let outcome = delete_in_batches(client, &input.bucket, &identifiers, false)?;
    Ok(json!({"bucket": input.bucket, "prefix": input.prefix, "dry_run": false, "count": count,
              "deleted": outcome.deleted, "errors": outcome.errors}))
}

/// Every key under `prefix`, all pages.
fn list_keys(client: &mut Client<'_>, bucket: &str, prefix: &str) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let request = S3Request::new(Method::Get)
            .bucket(bucket)
            .query("list-type", "2")
            .query("prefix", prefix)
            .query_opt("continuation-token", token.clone());
        let page: xml::ListObjectsV2 = xml::parse("ListObjectsV2", &client.send(&request)?.body)?;
        keys.extend(page.contents.into_iter().map(|object| object.key));
        token = page.next_continuation_token.filter(|_| page.is_truncated);
        if token.is_none() {
            return Ok(keys);
        }
    }
}
