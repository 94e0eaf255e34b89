//! Multipart uploads in progress: list them, abort one.

use super::operation::{BUCKET_ARN, Effects, OBJECT_ARN, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::Result;
use crate::protocol::http::Method;
use crate::protocol::xml::{self, ListMultipartUploads};
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Value, json};

/// List Multipart Uploads.
pub(super) const LIST_MULTIPART_UPLOADS: Operation = Operation {
    id: "list_multipart_uploads",
    input_fields: &["bucket", "prefix"],
    title: "List Multipart Uploads",
    description: "Lists multipart uploads that were started and neither completed nor aborted (they cost storage until aborted).",
    input_schema: SchemaBuilder::new(|| {
        object(
            "List Multipart Uploads input",
            &["bucket"],
            json!({
                "bucket": schema::bucket(),
                "prefix": {"type": "string", "title": "Prefix"}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "List Multipart Uploads output",
            &["uploads"],
            json!({
                "bucket": {"type": "string"},
                "uploads": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "upload_id": {"type": "string"}, "initiated": {"type": ["string", "null"]}
                }}}
            }),
        )
    }),
    permissions: &[Permission { actions: &["s3:ListBucketMultipartUploads"], resource: BUCKET_ARN }],
    effects: Effects::READ_ONLY,
    run: list_multipart_uploads,
};

#[derive(Deserialize)]
struct ListInput {
    bucket: String,
    #[serde(default)]
    prefix: Option<String>,
}

fn list_multipart_uploads(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: ListInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    let mut uploads = Vec::new();
    let mut markers: Option<(String, String)> = None;
    loop {
        let mut request = S3Request::new(Method::Get)
            .bucket(&input.bucket)
            .query("uploads", "")
            .query_opt("prefix", input.prefix.clone());
        if let Some((key, upload)) = &markers {
            request = request.query("key-marker", key.clone()).query("upload-id-marker", upload.clone());
        }
        let page: ListMultipartUploads = xml::parse("ListMultipartUploads", &client.send(&request)?.body)?;
        uploads.extend(
            page.uploads.into_iter().map(|u| json!({"key": u.key, "upload_id": u.upload_id, "initiated": u.initiated})),
        );
        markers = match (page.is_truncated, page.next_key_marker, page.next_upload_id_marker) {
            (true, Some(key), Some(upload)) => Some((key, upload)),
            _ => break,
        };
    }
    Ok(json!({"bucket": input.bucket, "uploads": uploads}))
}

/// Abort Multipart Upload.
pub(super) const ABORT_MULTIPART_UPLOAD: Operation = Operation {
    id: "abort_multipart_upload",
    input_fields: &["bucket", "key", "upload_id"],
    title: "Abort Multipart Upload",
    description: "Aborts a multipart upload and frees its parts.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "Abort Multipart Upload input",
            &["bucket", "key", "upload_id"],
            json!({
                "bucket": schema::bucket(), "key": schema::key(), "upload_id": {"type": "string", "title": "Upload ID", "minLength": 1}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Abort Multipart Upload output",
            &["aborted"],
            json!({"bucket": {"type": "string"}, "key": {"type": "string"}, "aborted": {"type": "boolean"}}),
        )
    }),
    permissions: &[Permission { actions: &["s3:AbortMultipartUpload"], resource: OBJECT_ARN }],
    effects: Effects::DELETES,
    run: abort_multipart_upload,
};

#[derive(Deserialize)]
struct AbortInput {
    bucket: String,
    key: String,
    upload_id: String,
}

fn abort_multipart_upload(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: AbortInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    client.send(
        &S3Request::new(Method::Delete)
            .bucket(&input.bucket)
            .key(&input.key)
            .query("uploadId", input.upload_id.clone()),
    )?;
    Ok(json!({"bucket": input.bucket, "key": input.key, "aborted": true}))
}
