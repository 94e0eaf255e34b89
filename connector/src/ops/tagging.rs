//! Object tags: read, replace and remove the tag set of an object (or of one of its versions).

use super::operation::{Effects, OBJECT_ARN, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::request::{Body, S3Request};
use crate::error::Result;
use crate::protocol::checksum;
use crate::protocol::http::Method;
use crate::protocol::xml::{self, Tagging};
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct TaggingInput {
    bucket: String,
    key: String,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

impl TaggingInput {
    fn request(&self, method: Method) -> Result<S3Request> {
        validate::bucket_name(&self.bucket)?;
        validate::object_key("/key", &self.key)?;
        Ok(S3Request::new(method)
            .bucket(&self.bucket)
            .key(&self.key)
            .query("tagging", "")
            .query_opt("versionId", self.version_id.clone()))
    }
}

fn target_schema(title: &str, version_action: &str, tags: bool) -> Value {
    let mut properties = json!({
        "bucket": schema::bucket(),
        "key": schema::key(),
        "version_id": schema::version_id(version_action, OBJECT_ARN),
    });
    let mut required = vec!["bucket", "key"];
    if tags {
        properties["tags"] =
            json!({"type": "object", "title": "Tags", "additionalProperties": {"type": "string"}, "maxProperties": 10});
        required.push("tags");
    }
    object(title, &required, properties)
}

fn output_schema(title: &str) -> Value {
    object(
        title,
        &["bucket", "key", "tags"],
        json!({"bucket": {"type": "string"}, "key": {"type": "string"}, "version_id": {"type": ["string", "null"]},
               "tags": {"type": "object", "additionalProperties": {"type": "string"}}}),
    )
}

/// Get Object Tagging.
pub(super) const GET_OBJECT_TAGGING: Operation = Operation {
    id: "get_object_tagging",
    input_fields: &["bucket", "key", "version_id"],
    title: "Get Object Tagging",
    description: "Returns an object's tags.",
    input_schema: SchemaBuilder::new(|| target_schema("Get Object Tagging input", "s3:GetObjectVersionTagging", false)),
    output_schema: SchemaBuilder::new(|| output_schema("Get Object Tagging output")),
    permissions: &[Permission { actions: &["s3:GetObjectTagging"], resource: OBJECT_ARN }],
    effects: Effects::READ_ONLY,
    run: get_object_tagging,
};

fn get_object_tagging(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: TaggingInput = parse(input)?;
    let response = client.send(&input.request(Method::Get)?)?;
    let tagging: Tagging = xml::parse("Tagging", &response.body)?;
    let tags: Map<String, Value> = tagging.tag_set.tags.into_iter().map(|t| (t.key, Value::String(t.value))).collect();
    let version_id = input.version_id.clone().or_else(|| response.header("x-amz-version-id").map(str::to_string));
    Ok(json!({"bucket": input.bucket, "key": input.key, "version_id": version_id, "tags": tags}))
}

/// Put Object Tagging.
pub(super) const PUT_OBJECT_TAGGING: Operation = Operation {
    id: "put_object_tagging",
    input_fields: &["bucket", "key", "tags", "version_id"],
    title: "Put Object Tagging",
    description: "Replaces an object's tags (at most 10; S3's characters and lengths).",
    input_schema: SchemaBuilder::new(|| target_schema("Put Object Tagging input", "s3:PutObjectVersionTagging", true)),
    output_schema: SchemaBuilder::new(|| output_schema("Put Object Tagging output")),
    permissions: &[Permission { actions: &["s3:PutObjectTagging"], resource: OBJECT_ARN }],
    effects: Effects::REPLACES,
    run: put_object_tagging,
};

fn put_object_tagging(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: TaggingInput = parse(input)?;
    validate::tags(input.tags.iter())?;
    let document = xml::tagging_document(input.tags.iter()).into_bytes();
    let request = input
        .request(Method::Put)?
        .header("content-md5", checksum::content_md5(&document))
        .header("content-type", "application/xml")
        .body(Body::Bytes(document));
    let response = client.send(&request)?;
    let version_id = input.version_id.clone().or_else(|| response.header("x-amz-version-id").map(str::to_string));
    Ok(json!({"bucket": input.bucket, "key": input.key, "version_id": version_id, "tags": input.tags}))
}

/// Delete Object Tagging.
pub(super) const DELETE_OBJECT_TAGGING: Operation = Operation {
    id: "delete_object_tagging",
    input_fields: &["bucket", "key", "version_id"],
    title: "Delete Object Tagging",
    description: "Removes all of an object's tags.",
    input_schema: SchemaBuilder::new(|| {
        target_schema("Delete Object Tagging input", "s3:DeleteObjectVersionTagging", false)
    }),
    output_schema: SchemaBuilder::new(|| output_schema("Delete Object Tagging output")),
    permissions: &[Permission { actions: &["s3:DeleteObjectTagging"], resource: OBJECT_ARN }],
    effects: Effects::DELETES,
    run: delete_object_tagging,
};

fn delete_object_tagging(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: TaggingInput = parse(input)?;
    let response = client.send(&input.request(Method::Delete)?)?;
    let version_id = input.version_id.clone().or_else(|| response.header("x-amz-version-id").map(str::to_string));
    Ok(json!({"bucket": input.bucket, "key": input.key, "version_id": version_id, "tags": {}}))
}
