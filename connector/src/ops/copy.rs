//! Copy Object, keeping or replacing the metadata.

use super::headers::{ObjectOptions, unquote};
use super::operation::{Operation, Permission, parse};
use super::schema::{self, object, upload_properties, with_properties};
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, Result};
use crate::protocol::customer_key::{CustomerKey, KeyRole};
use crate::protocol::encoding::encode_key;
use crate::protocol::http::Method;
use crate::protocol::values::MetadataDirective;
use crate::protocol::xml;
use serde::Deserialize;
use serde_json::{Value, json};

/// Copy Object.
pub(super) const COPY_OBJECT: Operation = Operation {
    id: "copy_object",
    input_fields: &[
        "acl",
        "bucket",
        "cache_control",
        "content_disposition",
        "content_encoding",
        "content_type",
        "key",
        "kms_key_id",
        "metadata",
        "metadata_directive",
        "server_side_encryption",
        "sse_customer_key",
        "source_bucket",
        "source_key",
        "source_sse_customer_key",
        "source_version_id",
        "storage_class",
        "tags",
    ],
    title: "Copy Object",
    description: "Copies an object (up to 5 GiB) within or between buckets. metadata_directive COPY keeps the source's metadata; REPLACE sets the metadata and headers given here.",
    input_schema: || {
        let base = object("Copy Object input", &["source_bucket", "source_key", "bucket", "key"], upload_properties());
        with_properties(
            base,
            json!({
                "source_bucket": schema::bucket(),
                "source_key": schema::key(),
                "source_version_id": schema::version_id("s3:GetObjectVersion", "arn:aws:s3:::{source_bucket}/{source_key}"),
                "source_sse_customer_key": schema::customer_key("The source's SSE-C key"),
                "metadata_directive": {"enum": MetadataDirective::NAMES, "title": "Metadata", "default": MetadataDirective::Copy.as_str(),
                                       "x-enumLabels": {"COPY": "Keep the source's", "REPLACE": "Replace with the given"}}
            }),
        )
    },
    output_schema: || {
        object(
            "Copy Object output",
            &["bucket", "key", "etag"],
            json!({
                "bucket": {"type": "string"}, "key": {"type": "string"}, "etag": {"type": "string"},
                "last_modified": {"type": ["string", "null"]}, "version_id": {"type": ["string", "null"]}
            }),
        )
    },
    permissions: &[
        Permission { actions: &["s3:GetObject"], resource: "arn:aws:s3:::{source_bucket}/{source_key}" },
        Permission { actions: &["s3:PutObject"], resource: super::operation::OBJECT_ARN },
    ],
    idempotent: true,
    run: copy_object,
};

#[derive(Deserialize)]
struct CopyInput {
    source_bucket: String,
    source_key: String,
    #[serde(default)]
    source_version_id: Option<String>,
    #[serde(default)]
    source_sse_customer_key: Option<String>,
    bucket: String,
    key: String,
    #[serde(default)]
    metadata_directive: Option<MetadataDirective>,
    #[serde(flatten)]
    options: ObjectOptions,
}

fn copy_object(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: CopyInput = parse(input)?;
    validate::bucket_name(&input.source_bucket).map_err(|e| e.at("/source_bucket"))?;
    validate::object_key("/source_key", &input.source_key)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let directive = input.metadata_directive.unwrap_or(MetadataDirective::Copy);
    let replaces = directive == MetadataDirective::Replace;
    let options = &input.options;
    let sets_metadata = options.content_type.is_some()
        || !options.metadata.is_empty()
        || options.cache_control.is_some()
        || options.content_disposition.is_some()
        || options.content_encoding.is_some();
    if sets_metadata && !replaces {
        return Err(ConnectorError::invalid_input(
            "/metadata_directive",
            "content type, metadata or content headers were given but metadata_directive is COPY (which keeps the source's); set it to REPLACE",
        ));
    }
    let mut source = format!("/{}/{}", input.source_bucket, encode_key(&input.source_key));
    if let Some(version) = &input.source_version_id {
        source.push_str(&format!("?versionId={}", crate::protocol::encoding::encode_component(version)));
    }
    let mut request = S3Request::new(Method::Put)
        .bucket(&input.bucket)
        .key(&input.key)
        .header("x-amz-copy-source", source)
        .header("x-amz-metadata-directive", directive.as_str());
    if let Some(key) = &input.source_sse_customer_key {
        for (name, value) in CustomerKey::parse("/source_sse_customer_key", key)?.headers(KeyRole::CopySource) {
            request = request.header(&name, value);
        }
    }
    if !options.tags.is_empty() {
        request = request.header("x-amz-tagging-directive", "REPLACE");
    }
    for (name, value) in options.headers(None)? {
        request = request.header(&name, value);
    }
    let response = crate::protocol::error_response::reject_late_error(client.send(&request)?)?;
    Ok(json!({
        "bucket": input.bucket,
        "key": input.key,
        "etag": xml::element_text(&response.body, "ETag").map(|e| unquote(&e)).unwrap_or_default(),
        "last_modified": xml::element_text(&response.body, "LastModified"),
        "version_id": response.header("x-amz-version-id"),
    }))
}
