//! Put Object Text and Put Object File.

use super::headers::{ObjectOptions, unquote};
use super::multipart;
use super::operation::{Effects, OBJECT_ARN, Operation, Permission, parse};
use super::schema::{object, upload_output, upload_properties, with_properties};
use super::upload_source::UploadSource;
use super::validate;
use crate::client::request::{Body, S3Request};
use crate::client::{Client, url_source};
use crate::error::{Cause, ConnectorError, ErrorKind, Result};
use crate::protocol::http::Method;
use crate::schemas::SchemaBuilder;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};

/// The largest object a single PUT may carry (S3 limit).
pub(super) const MAX_SINGLE_PUT: u64 = 5 * 1024 * 1024 * 1024;
/// Files larger than this are uploaded in parts unless the input says otherwise.
pub(super) const DEFAULT_MULTIPART_THRESHOLD: u64 = 64 * 1024 * 1024;

#[derive(Deserialize)]
struct UploadInput {
    bucket: String,
    key: String,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    content_base64: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    url_headers: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    reference: Option<FileReference>,
    #[serde(default)]
    multipart_threshold: Option<u64>,
    #[serde(default)]
    part_size: Option<u64>,
    #[serde(default)]
    concurrency: Option<u64>,
    #[serde(flatten)]
    options: ObjectOptions,
}

/// A file reference as Get Object returns it (`format: "reference"`), or as the product being
/// reproduced passes files between steps: read from its URL.
#[derive(Deserialize)]
struct FileReference {
    url: String,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    size: Option<u64>,
}

/// Every upload (an ACL, tags or a KMS key in the input add theirs: `x-permissions`). Cleaning
/// up a failed multipart upload also takes `s3:AbortMultipartUpload`; without it the upload
/// still works, and a failure says the abort was refused.
const TEXT_PERMISSIONS: &[Permission] = &[Permission { actions: &["s3:PutObject"], resource: OBJECT_ARN }];
/// As [`TEXT_PERMISSIONS`].
const FILE_PERMISSIONS: &[Permission] = TEXT_PERMISSIONS;

/// Put Object Text.
pub(super) const PUT_OBJECT_TEXT: Operation = Operation {
    id: "put_object_text",
    input_fields: &[
        "acl",
        "bucket",
        "cache_control",
        "content",
        "content_base64",
        "content_disposition",
        "content_encoding",
        "content_type",
        "grants",
        "key",
        "kms_key_id",
        "metadata",
        "server_side_encryption",
        "sse_customer_key",
        "storage_class",
        "tags",
    ],
    title: "Put Object Text",
    description: "Uploads text as an object, with content type, metadata, caching and disposition headers, canned ACL, server-side encryption, storage class and tags.",
    input_schema: SchemaBuilder::new(|| {
        let mut base = object("Put Object Text input", &["bucket", "key"], upload_properties());
        base["oneOf"] = json!([{"required": ["content"]}, {"required": ["content_base64"]}]);
        with_properties(
            base,
            json!({"content": {"type": "string", "title": "Content", "x-widget": "textarea"},
                   "content_base64": {"type": "string", "contentEncoding": "base64", "title": "Content (base64)",
                                      "description": "Binary content, base64-encoded (instead of `content`); stored as its bytes, application/octet-stream unless content_type says otherwise."}}),
        )
    }),
    output_schema: SchemaBuilder::new(upload_output),
    permissions: TEXT_PERMISSIONS,
    effects: Effects::REPLACES,
    run: put_object_text,
};

/// Put Object File.
pub(super) const PUT_OBJECT_FILE: Operation = Operation {
    id: "put_object_file",
    input_fields: &[
        "acl",
        "bucket",
        "cache_control",
        "concurrency",
        "content_disposition",
        "content_encoding",
        "content_type",
        "grants",
        "file",
        "key",
        "kms_key_id",
        "metadata",
        "multipart_threshold",
        "part_size",
        "server_side_encryption",
        "sse_customer_key",
        "storage_class",
        "tags",
        "url",
        "url_headers",
        "reference",
    ],
    title: "Put Object File",
    description: "Uploads a file from the host file store or from a URL the host allows (e.g. a platform's file URL or a presigned GET), streamed (never held whole in memory), with the same options as Put Object Text; above the multipart threshold in parts, each with a checksum, aborting the upload on any failure. Verifies the stored size. The content type is the URL's, or guessed from the name, when not given.",
    input_schema: SchemaBuilder::new(|| {
        let mut base = object("Put Object File input", &["bucket", "key"], upload_properties());
        base["oneOf"] = json!([{"required": ["file"]}, {"required": ["url"]}, {"required": ["reference"]}]);
        with_properties(
            base,
            json!({
                "file": {"type": "string", "title": "File", "description": "Name of the file in the host file store. Give this or url."},
                "url": {"type": "string", "format": "uri", "title": "URL", "description": "An http(s) URL to copy from (the host's egress policy must allow it); fetched in ranges for multipart uploads, its ETag pinned with If-Match. Give this, file or reference."},
                "url_headers": {"type": "object", "title": "URL request headers", "additionalProperties": {"type": "string"}, "maxProperties": 16, "writeOnly": true, "description": "Headers sent with every request to url or reference, e.g. {\"Authorization\": \"Bearer …\"} for a file behind an API. Never printed.", "x-group": "advanced"},
                "reference": super::read::file_reference_schema(),
                "multipart_threshold": {"type": "integer", "title": "Multipart threshold (bytes)", "minimum": 0, "default": DEFAULT_MULTIPART_THRESHOLD, "description": "Files larger than this are uploaded in parts (always above 5 GiB).", "x-group": "advanced"},
                "part_size": {"type": "integer", "title": "Part size (bytes)", "minimum": multipart::MIN_PART_SIZE, "maximum": multipart::MAX_PART_SIZE, "description": "Default: 64 MiB (fewer round trips between parts), raised as needed to stay under 10,000 parts.", "x-group": "advanced"},
                "concurrency": super::parallel::schema("Parts of a file uploaded at once (a URL's parts go one by one).", super::parallel::DEFAULT_UPLOAD_CONCURRENCY)
            }),
        )
    }),
    output_schema: SchemaBuilder::new(upload_output),
    permissions: FILE_PERMISSIONS,
    effects: Effects::REPLACES,
    run: put_object_file,
};

fn put_object_text(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let mut input: UploadInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let (bytes, default_type) = text_body(input.content.take(), input.content_base64.take())?;
    let body = Body::Bytes(bytes);
    let size = body.len();
    let mut request = S3Request::new(Method::Put).bucket(&input.bucket).key(&input.key).body(body);
    for (name, value) in input.options.headers(Some(default_type))? {
        request = request.header(&name, value);
    }
    let response = client.send(&request)?;
    let etag = response.header("etag").map(unquote).unwrap_or_default();
    let version_id = response.header("x-amz-version-id").map(str::to_string);
    Ok(output(&input, etag, size, version_id, 1))
}

/// The bytes of Put Object Text, from `content` or `content_base64` (exactly one), and the
/// content type they get unless the input names one.
fn text_body(content: Option<String>, content_base64: Option<String>) -> Result<(Vec<u8>, &'static str)> {
    match (content, content_base64) {
        (Some(text), None) => Ok((text.into_bytes(), "text/plain; charset=utf-8")),
        (None, Some(encoded)) => {
            let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|e| {
                ConnectorError::invalid_input("/content_base64", format!("content_base64 is not base64 ({e})"))
            })?;
            Ok((bytes, "application/octet-stream"))
        }
        (Some(_), Some(_)) => Err(ConnectorError::invalid_input(
            "/content_base64",
            "give `content` (text) or `content_base64` (binary), not both",
        )),
        (None, None) => Err(ConnectorError::invalid_input(
            "/content",
            "the object's content is missing: give `content` (text) or `content_base64` (binary)",
        )),
    }
}

fn put_object_file(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: UploadInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let url = match (&input.url, &input.reference) {
        (Some(_), Some(_)) => {
            return Err(ConnectorError::invalid_input("/reference", "give `url` or `reference`, not both"));
        }
        (Some(url), None) => Some(url.as_str()),
        (None, Some(reference)) => Some(reference.url.as_str()),
        (None, None) => None,
    };
    let given_headers: Vec<(String, String)> = match &input.url_headers {
        Some(_) if url.is_none() => {
            return Err(ConnectorError::invalid_input("/url_headers", "url_headers go with `url` or `reference`"));
        }
        Some(headers) => headers
            .iter()
            .map(|(name, value)| match value.as_str() {
                Some(text) => Ok((name.clone(), text.to_string())),
                None => {
                    Err(ConnectorError::invalid_input(format!("/url_headers/{name}"), "a header value is a string"))
                }
            })
            .collect::<Result<_>>()?,
        None => Vec::new(),
    };
    let url_headers = url_source::request_headers("/url_headers", &given_headers)?;
    let source = UploadSource::open(client, input.file.as_deref(), url, url_headers)?;
    let size = source.size();
    if let Some(stated) = input.reference.as_ref().and_then(|r| r.size)
        && stated != size
    {
        return Err(ConnectorError::new(
            ErrorKind::PreconditionFailed,
            format!(
                "the reference says {stated} bytes but its URL has {size}: the file changed, or the reference is stale"
            ),
        )
        .at("/reference/size"));
    }
    let threshold = input.multipart_threshold.unwrap_or(DEFAULT_MULTIPART_THRESHOLD);
    let stated_type = input.reference.as_ref().and_then(|r| r.mime_type.as_deref());
    let headers = input.options.headers(Some(stated_type.unwrap_or(source.content_type())))?;
    let multipart = size > MAX_SINGLE_PUT || (size > threshold && source.splittable());
    if multipart && !source.splittable() {
        return Err(ConnectorError::invalid_input(
            "/url",
            format!(
                "the URL's {size} bytes need a multipart upload, but it does not answer range requests; download it to the file store and use \"file\""
            ),
        ));
    }
    let (etag, version_id, parts) = if multipart {
        let plan = multipart::plan(size, input.part_size)?;
        let in_flight = super::parallel::concurrency(input.concurrency, super::parallel::DEFAULT_UPLOAD_CONCURRENCY)?;
        let uploaded = multipart::upload(client, &input.bucket, &input.key, &headers, &source, plan, in_flight)?;
        (uploaded.etag, uploaded.version_id, plan.parts)
    } else {
        let mut request = S3Request::new(Method::Put).bucket(&input.bucket).key(&input.key);
        for (header, value) in headers {
            request = request.header(&header, value);
        }
        let sent = source.send_piece(client, request, 0, size).map_err(|e| delete_if_corrupt(client, &input, e))?;
        (
            sent.response.header("etag").map(unquote).unwrap_or_default(),
            sent.response.header("x-amz-version-id").map(str::to_string),
            1,
        )
    };
    // Integrity came with the answers: S3 refuses a body that does not match its checksum header,
    // its echoed checksum or MD5 ETag was compared, and a multipart upload's composite checked.
    Ok(output(&input, etag, size, version_id, parts))
}

/// After a failed integrity check on a stored object, deletes it so no corrupt copy remains;
/// the error says whether that worked.
fn delete_if_corrupt(client: &mut Client<'_>, input: &UploadInput, error: ConnectorError) -> ConnectorError {
    if error.cause != Cause::Integrity {
        return error;
    }
    match client.send(&S3Request::new(Method::Delete).bucket(&input.bucket).key(&input.key)) {
        Ok(_) => error.noted("the object was deleted"),
        Err(delete_error) => error.noted(format!(
            "deleting the corrupt object also failed ({}): delete {:?} before using it",
            delete_error.full_message(),
            input.key
        )),
    }
}

fn output(input: &UploadInput, etag: String, size: u64, version_id: Option<String>, parts: u64) -> Value {
    json!({"bucket": input.bucket, "key": input.key, "etag": etag, "size": size, "version_id": version_id, "parts": parts})
}
