//! Put Object Text and Put Object File.

use super::headers::{ObjectOptions, unquote};
use super::{OBJECT_ARN, Operation, Permission, parse};
use crate::client::Client;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::request::{Body, S3Request};
use crate::schema::{object, upload_output, upload_properties, with_properties};
use crate::validate;
use serde::Deserialize;
use serde_json::{Value, json};

/// The largest object a single PUT may carry (S3 limit).
pub const MAX_SINGLE_PUT: u64 = 5 * 1024 * 1024 * 1024;

#[derive(Deserialize)]
struct UploadInput {
    bucket: String,
    key: String,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(flatten)]
    options: ObjectOptions,
}

const UPLOAD_PERMISSIONS: &[Permission] =
    &[Permission { actions: &["s3:PutObject", "s3:PutObjectAcl"], resource: OBJECT_ARN }];

/// Put Object Text.
pub const PUT_OBJECT_TEXT: Operation = Operation {
    id: "put_object_text",
    title: "Put Object Text",
    description: "Uploads text as an object, with content type, metadata, caching and disposition headers, canned ACL, server-side encryption, storage class and tags.",
    input_schema: || {
        let base = object("Put Object Text input", &["bucket", "key", "content"], upload_properties());
        with_properties(base, json!({"content": {"type": "string", "title": "Content", "x-widget": "textarea"}}))
    },
    output_schema: upload_output,
    permissions: UPLOAD_PERMISSIONS,
    idempotent: true,
    run: put_object_text,
};

/// Put Object File.
pub const PUT_OBJECT_FILE: Operation = Operation {
    id: "put_object_file",
    title: "Put Object File",
    description: "Uploads a file from the host file store, streamed (never held whole in memory), with the same options as Put Object Text. The content type is guessed from the file name when not given.",
    input_schema: || {
        let base = object("Put Object File input", &["bucket", "key", "file"], upload_properties());
        with_properties(
            base,
            json!({"file": {"type": "string", "title": "File", "description": "Name of the file in the host file store."}}),
        )
    },
    output_schema: upload_output,
    permissions: UPLOAD_PERMISSIONS,
    idempotent: true,
    run: put_object_file,
};

fn put_object_text(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let mut input: UploadInput = parse(input)?;
    let content = input.content.take().unwrap_or_default();
    let body = Body::Bytes(content.into_bytes());
    upload(client, &input, body, "text/plain; charset=utf-8")
}

fn put_object_file(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: UploadInput = parse(input)?;
    let name = input.file.clone().unwrap_or_default();
    let size = client.transport().file_size(&name)?;
    if size > MAX_SINGLE_PUT {
        return Err(ConnectorError {
            field: Some("/file".into()),
            ..ConnectorError::new(
                ErrorKind::TooLarge,
                format!("{name:?} is {size} bytes; a single PUT carries at most 5 GiB"),
            )
        });
    }
    let content_type = guess_content_type(&name);
    upload(client, &input, Body::File { name, offset: 0, size }, content_type)
}

fn upload(client: &mut Client<'_>, input: &UploadInput, body: Body, default_type: &str) -> Result<Value> {
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let size = body.len();
    let mut request = S3Request::new("PUT").bucket(&input.bucket).key(&input.key).body(body);
    for (name, value) in input.options.headers(Some(default_type))? {
        request = request.header(&name, value);
    }
    let response = client.send(&request)?;
    Ok(json!({
        "bucket": input.bucket,
        "key": input.key,
        "etag": response.header("etag").map(unquote).unwrap_or_default(),
        "size": size,
        "version_id": response.header("x-amz-version-id"),
    }))
}

/// A MIME type from a file name's extension; `application/octet-stream` when unknown.
pub fn guess_content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "json" => "application/json",
        "xml" => "application/xml",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" => "text/javascript",
        "md" => "text/markdown",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "tar" => "application/x-tar",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "parquet" => "application/vnd.apache.parquet",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}
