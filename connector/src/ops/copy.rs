//! Copy Object, keeping or replacing the metadata.

use super::copy_parts::{CopySource, MAX_SINGLE_COPY, copy_in_parts};
use super::headers::{ObjectOptions, unquote};
use super::operation::{Effects, Operation, Permission, parse};
use super::schema::{self, object, upload_properties, with_properties};
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, Result};
use crate::protocol::customer_key::{CustomerKey, KeyRole};
use crate::protocol::encoding::encode_key;
use crate::protocol::http::HttpResponse;
use crate::protocol::http::Method;
use crate::protocol::values::MetadataDirective;
use crate::protocol::xml;
use crate::schemas::SchemaBuilder;
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
        "grants",
        "key",
        "kms_key_id",
        "metadata",
        "metadata_directive",
        "multipart_threshold",
        "part_size",
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
    description: "Copies an object within or between buckets, server-side (above 5 GiB in parts). metadata_directive COPY keeps the source's metadata; REPLACE sets the metadata and headers given here.",
    input_schema: SchemaBuilder::new(|| {
        let base = object("Copy Object input", &["source_bucket", "source_key", "bucket", "key"], upload_properties());
        with_properties(
            base,
            json!({
                "source_bucket": schema::bucket(),
                "source_key": schema::key_in("source_bucket"),
                "source_version_id": schema::version_id("s3:GetObjectVersion", "arn:aws:s3:::{source_bucket}/{source_key}"),
                "source_sse_customer_key": schema::customer_key("The source's SSE-C key"),
                "multipart_threshold": {"type": "integer", "minimum": 0, "title": "Multipart threshold (bytes)", "default": MAX_SINGLE_COPY, "description": "Sources larger than this are copied in parts (always above 5 GiB, S3's limit for one copy).", "x-group": "advanced"},
                "part_size": {"type": "integer", "title": "Part size (bytes)", "description": "For copies in parts; default 64 MiB, raised to stay under 10,000 parts.", "x-group": "advanced"},
                "metadata_directive": {"enum": MetadataDirective::NAMES, "title": "Metadata", "default": MetadataDirective::Copy.as_str(),
                                       "x-enumLabels": {"COPY": "Keep the source's", "REPLACE": "Replace with the given"}}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Copy Object output",
            &["bucket", "key", "etag"],
            json!({
                "bucket": {"type": "string"}, "key": {"type": "string"}, "etag": {"type": "string"},
                "last_modified": {"type": ["string", "null"]}, "version_id": {"type": ["string", "null"]},
                "parts": {"type": "integer", "description": "For a copy in parts: how many."}
            }),
        )
    }),
    permissions: &[
        Permission { actions: &["s3:GetObject"], resource: "arn:aws:s3:::{source_bucket}/{source_key}" },
        Permission { actions: &["s3:PutObject"], resource: super::operation::OBJECT_ARN },
    ],
    effects: Effects::REPLACES,
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
    #[serde(default)]
    multipart_threshold: Option<u64>,
    #[serde(default)]
    part_size: Option<u64>,
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
    let source_key = input
        .source_sse_customer_key
        .as_deref()
        .map(|key| CustomerKey::parse("/source_sse_customer_key", key))
        .transpose()?;
    let threshold = input.multipart_threshold.unwrap_or(MAX_SINGLE_COPY).min(MAX_SINGLE_COPY);
    if threshold < MAX_SINGLE_COPY {
        let head = head_source(client, &input, source_key.as_ref())?;
        if stated_size(&head) > threshold {
            return copy_large(client, &input, &source, source_key.as_ref(), &head);
        }
    }
    let mut request = S3Request::new(Method::Put)
        .bucket(&input.bucket)
        .key(&input.key)
        .header("x-amz-copy-source", source.clone())
        .header("x-amz-metadata-directive", directive.as_str());
    if let Some(key) = &source_key {
        for (name, value) in key.headers(KeyRole::CopySource) {
            request = request.header(&name, value);
        }
    }
    if !options.tags.is_empty() {
        request = request.header("x-amz-tagging-directive", "REPLACE");
    }
    for (name, value) in options.headers(None)? {
        request = request.header(&name, value);
    }
    let response = match client.send(&request) {
        // S3 refuses one copy of a source above 5 GiB: copy it in parts instead.
        Err(error) if error.http_status() == Some(400) && error.service_code() == Some("InvalidRequest") => {
            let head = head_source(client, &input, source_key.as_ref())?;
            if stated_size(&head) <= MAX_SINGLE_COPY {
                return Err(error);
            }
            return copy_large(client, &input, &source, source_key.as_ref(), &head);
        }
        sent => crate::protocol::error_response::reject_late_error(sent?)?,
    };
    Ok(json!({
        "bucket": input.bucket,
        "key": input.key,
        "etag": xml::element_text(&response.body, "ETag").map(|e| unquote(&e)).unwrap_or_default(),
        "last_modified": xml::element_text(&response.body, "LastModified"),
        "version_id": response.header("x-amz-version-id"),
    }))
}

/// The source's HEAD answer (its size, and the metadata a copy in parts must carry over).
fn head_source(client: &mut Client<'_>, input: &CopyInput, key: Option<&CustomerKey>) -> Result<HttpResponse> {
    let mut head = S3Request::new(Method::Head)
        .bucket(&input.source_bucket)
        .key(&input.source_key)
        .query_opt("versionId", input.source_version_id.clone());
    for (name, value) in key.map(|key| key.headers(KeyRole::Object)).into_iter().flatten() {
        head = head.header(&name, value);
    }
    client.send(&head)
}

fn stated_size(head: &HttpResponse) -> u64 {
    head.header("content-length").and_then(|length| length.parse().ok()).unwrap_or(0)
}

/// The headers that carry an object's content headers and user metadata from its HEAD answer to
/// a new object (what CopyObject's `COPY` directive does by itself).
fn carried_over(head: &HttpResponse) -> Vec<(String, String)> {
    const CONTENT: [&str; 4] = ["content-type", "cache-control", "content-disposition", "content-encoding"];
    head.headers
        .iter()
        .filter(|(name, _)| CONTENT.contains(&name.as_str()) || name.starts_with("x-amz-meta-"))
        .cloned()
        .collect()
}

/// A copy in parts: the destination's options, and with the `COPY` directive the source's
/// content headers and metadata.
fn copy_large(
    client: &mut Client<'_>,
    input: &CopyInput,
    source: &str,
    source_key: Option<&CustomerKey>,
    head: &HttpResponse,
) -> Result<Value> {
    let size = stated_size(head);
    let plan = super::multipart::plan(size, input.part_size).map_err(|e| e.at("/part_size"))?;
    let mut create_headers = input.options.headers(None)?;
    if input.metadata_directive.unwrap_or(MetadataDirective::Copy) == MetadataDirective::Copy {
        create_headers.extend(carried_over(head));
    }
    let copy_source = CopySource {
        header: source.to_string(),
        size,
        key_headers: source_key.map(|key| key.headers(KeyRole::CopySource).to_vec()).unwrap_or_default(),
    };
    let copied = copy_in_parts(client, &input.bucket, &input.key, &create_headers, &copy_source, plan)?;
    Ok(json!({
        "bucket": input.bucket,
        "key": input.key,
        "etag": copied.etag,
        "last_modified": null,
        "version_id": copied.version_id,
        "parts": plan.parts,
    }))
}
