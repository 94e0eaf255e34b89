//! Head Object and Get Object.

use super::format::{CsvOptions, OutputFormat, render};
use super::headers::object_facts;
use super::object_ref::{ObjectRef, check_composite};
use super::operation::{Effects, OBJECT_ARN, Operation, Permission, parse};
use super::ranged_download;
use super::schema::{self, object, object_facts as facts_schema, with_properties};
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::client::retry::RetryPolicy;
use crate::client::transport::{ExistingFile, FileSink, PartialBytes, ResponseSink, Resume};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::checksum;
use crate::protocol::http::{HttpResponse, Method};
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inline bodies larger than this need `max_bytes` raised or `format: "file"`.
const DEFAULT_INLINE_LIMIT: u64 = 4 * 1024 * 1024;
/// The most an inline text body may ever be: with its copies (the output value, its JSON text)
/// it takes about five times its size — within a 64 MiB guest (41 MiB measured at 8 MiB).
const MAX_INLINE_LIMIT: u64 = 8 * 1024 * 1024;
/// The most an inline base64 body may be (a third larger once encoded: 38 MiB measured at 6 MiB).
const MAX_BASE64_INLINE_LIMIT: u64 = 6 * 1024 * 1024;
/// The most a body parsed inline (`json`, `csv`) may be: a parsed value takes many times its
/// text (CSV is also bounded by its number of values). Larger ones are read as a stream with
/// `extract_records`.
const MAX_PARSED_INLINE_LIMIT: u64 = 1024 * 1024;

/// Checks an in-memory body against what its answer states (length, and the full-object
/// checksum when there is one); a body that differs is an integrity failure, never output.
fn verify_body(response: &HttpResponse) -> Result<()> {
    let Some((size, digest)) = response.stated_content() else { return Ok(()) };
    let received = response.body.len() as u64;
    if received != size {
        return Err(ConnectorError::integrity(format!(
            "integrity check failed: {received} bytes received, the server stated {size}; try again"
        )));
    }
    match digest.map(|stated| checksum::verify(&stated, &response.body)) {
        Some(Err(why)) => Err(ConnectorError {
            retryable: true,
            ..ConnectorError::integrity(format!("integrity check failed: {why}; try again"))
        }),
        _ => Ok(()),
    }
}

/// Head Object.
pub(super) const HEAD_OBJECT: Operation = Operation {
    id: "head_object",
    input_fields: &["bucket", "key", "sse_customer_key", "version_id"],
    title: "Head Object",
    description: "Returns an object's size, ETag, content type, last modified, storage class, version and user metadata without its body.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "Head Object input",
            &["bucket", "key"],
            json!({"bucket": schema::bucket(), "key": schema::key(), "version_id": schema::version_id("s3:GetObjectVersion", OBJECT_ARN),
                   "sse_customer_key": schema::customer_key("The object's SSE-C key")}),
        )
    }),
    output_schema: SchemaBuilder::new(|| object("Head Object output", &["content_length", "metadata"], facts_schema())),
    permissions: &[Permission { actions: &["s3:GetObject"], resource: OBJECT_ARN }],
    effects: Effects::READ_ONLY,
    run: head_object,
};

fn head_object(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let target: ObjectRef = parse(input)?;
    let response = client.send(&target.request(Method::Head)?)?;
    Ok(Value::Object(object_facts(&response)))
}

#[derive(Deserialize)]
struct GetInput {
    #[serde(flatten)]
    target: ObjectRef,
    #[serde(default)]
    range: Option<String>,
    #[serde(default)]
    format: OutputFormat,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    overwrite: bool,
    #[serde(default)]
    max_bytes: Option<u64>,
    #[serde(default)]
    csv: Option<CsvOptions>,
    #[serde(default)]
    resume: bool,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    concurrency: Option<u64>,
}

/// Get Object.
pub(super) const GET_OBJECT: Operation = Operation {
    id: "get_object",
    input_fields: &[
        "bucket",
        "concurrency",
        "csv",
        "expires_in",
        "file",
        "format",
        "key",
        "max_bytes",
        "overwrite",
        "range",
        "resume",
        "sse_customer_key",
        "version_id",
    ],
    title: "Get Object",
    description: "Downloads an object (or a byte range of it): inline as text, parsed JSON, CSV rows or base64, or streamed into a host file; or returns a file reference (name, presigned URL, MIME type, size, expiry) another step can read from. Metadata comes alongside.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "Get Object input",
            &["bucket", "key"],
            json!({
                "bucket": schema::bucket(),
                "key": schema::key(),
                "version_id": schema::version_id("s3:GetObjectVersion", OBJECT_ARN),
                "sse_customer_key": schema::customer_key("The object's SSE-C key"),
                "range": {"type": "string", "title": "Byte range", "pattern": "^(bytes=)?(\\d+-\\d*|-\\d+)$", "description": "e.g. bytes=0-99, 100- or -500 (last 500 bytes)."},
                "format": {"enum": OutputFormat::NAMES, "title": "Return the body as", "default": OutputFormat::default().as_str(),
                           "x-enumLabels": {"text": "Text", "json": "Parsed JSON", "csv": "CSV rows", "base64": "Base64", "file": "Host file", "reference": "File reference (presigned link)"}},
                "expires_in": {"type": "integer", "title": "Reference expires in (seconds)", "minimum": 1, "maximum": crate::protocol::signing::MAX_PRESIGN_EXPIRY.as_secs(), "default": validate::DEFAULT_EXPIRY_SECONDS, "description": "With format reference: how long its link works."},
                "file": {"type": "string", "title": "File name", "description": "With format file: the name in the host file store to write."},
                "overwrite": {"type": "boolean", "title": "Overwrite file", "default": false},
                "resume": {"type": "boolean", "title": "Resume", "default": false, "description": "With format file: keep the bytes of an interrupted download and continue from there next time (if the object is unchanged). A resumed download is one stream."},
                "concurrency": super::parallel::schema("With format file: ranges of a large object downloaded at once (16 MiB each, for objects of 32 MiB and more; 1 for one stream).", super::parallel::DEFAULT_DOWNLOAD_CONCURRENCY),
                "max_bytes": {"type": "integer", "title": "Max inline bytes", "minimum": 0, "maximum": MAX_INLINE_LIMIT, "default": DEFAULT_INLINE_LIMIT, "x-group": "advanced", "description": "At most 8 MiB as text, 6 MiB as base64, 1 MiB parsed as JSON or CSV (larger: format reference or file, or extract_records)."},
                "csv": {"type": "object", "title": "CSV options", "additionalProperties": false, "properties": {
                    "delimiter": {"type": "string", "default": ",", "minLength": 1, "maxLength": 1},
                    "has_header": {"type": "boolean", "default": true}
                }, "x-group": "advanced"}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        let base = object("Get Object output", &["content_length", "metadata"], facts_schema());
        with_properties(
            base,
            json!({
                "body": {"description": "The content: a string (text, base64), any JSON value (json) or an array of rows (csv); null for file output."},
                "content_range": {"type": ["string", "null"]},
                "file": {"type": ["object", "null"], "properties": {"name": {"type": "string"}, "size": {"type": "integer"}}},
                "reference": file_reference_schema()
            }),
        )
    }),
    permissions: &[Permission { actions: &["s3:GetObject"], resource: OBJECT_ARN }],
    effects: Effects::READ_ONLY,
    run: get_object,
};

/// Normalizes a range to `bytes=a-b`, refusing anything S3 would not read as one range.
pub(super) fn range_header(range: &str) -> Result<String> {
    let spec = range.trim().strip_prefix("bytes=").unwrap_or(range.trim());
    let valid = match spec.split_once('-') {
        Some(("", end)) => !end.is_empty() && end.bytes().all(|b| b.is_ascii_digit()),
        Some((start, end)) => {
            start.bytes().all(|b| b.is_ascii_digit())
                && end.bytes().all(|b| b.is_ascii_digit())
                && (end.is_empty() || start.parse::<u64>().ok() <= end.parse::<u64>().ok())
        }
        None => false,
    };
    if !valid {
        return Err(ConnectorError::invalid_input(
            "/range",
            format!("range {range:?} is not a byte range; use \"bytes=0-99\", \"100-\" or \"-500\""),
        ));
    }
    Ok(format!("bytes={spec}"))
}

fn get_object(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: GetInput = parse(input)?;
    let range = input.range.as_deref().map(range_header).transpose()?;
    match (input.format, input.file.clone()) {
        (OutputFormat::File, Some(name)) if input.resume => {
            if range.is_some() {
                return Err(ConnectorError::invalid_input(
                    "/resume",
                    "resume continues whole-object downloads; drop `range` or `resume`",
                ));
            }
            resumable_download(client, &input, &name)
        }
        (OutputFormat::File, Some(name))
            if range.is_none()
                && super::parallel::concurrency(input.concurrency, super::parallel::DEFAULT_DOWNLOAD_CONCURRENCY)?
                    > 1 =>
        {
            let in_flight =
                super::parallel::concurrency(input.concurrency, super::parallel::DEFAULT_DOWNLOAD_CONCURRENCY)?;
            let existing = ExistingFile::from_overwrite(input.overwrite);
            match ranged_download::download(client, &input.target, &name, existing, in_flight)? {
                Some(answer) => Ok(file_output(&answer, &name, 0)),
                None => download_to_file(client, &input, &name, None),
            }
        }
        (OutputFormat::File, Some(name)) => download_to_file(client, &input, &name, range),
        (OutputFormat::Reference, None) => reference(client, &input, range),
        (OutputFormat::File, None) => Err(ConnectorError::invalid_input(
            "/file",
            "format \"file\" needs `file`: the name to write in the host file store",
        )),
        (_, Some(_)) => Err(ConnectorError::invalid_input("/file", "`file` is only used with format \"file\"")),
        (_, None) if input.resume => {
            Err(ConnectorError::invalid_input("/resume", "resume applies to format \"file\" only"))
        }
        (format, None) => {
            let request = input.target.download(range, client.conn.verify_downloads)?;
            let most = match format {
                OutputFormat::Json | OutputFormat::Csv => MAX_PARSED_INLINE_LIMIT,
                OutputFormat::Base64 => MAX_BASE64_INLINE_LIMIT,
                _ => MAX_INLINE_LIMIT,
            };
            let limit = input.max_bytes.unwrap_or(DEFAULT_INLINE_LIMIT).min(most);
            let sink = ResponseSink::Memory { limit };
            let response = client
                .retrying(RetryPolicy::REQUEST, |client| {
                    let response = client.send_with(&request, &sink, RetryPolicy::ONCE)?;
                    if !client.conn.verify_downloads {
                        return Ok(response);
                    }
                    verify_body(&response)?;
                    let body = &response.body;
                    check_composite(
                        client,
                        &input.target,
                        &response,
                        body.len() as u64,
                        |_, offset, size, algorithm| {
                            let part = usize::try_from(offset).ok().zip(usize::try_from(offset + size).ok());
                            let part = part.and_then(|(start, end)| body.get(start..end));
                            part.map(|part| checksum::digest(algorithm, part))
                                .ok_or_else(|| ConnectorError::internal("a part lies outside the body"))
                        },
                    )?;
                    Ok(response)
                })
                .map_err(|e| explain_too_large(e, &sink, format))?;
            let mut out = object_facts(&response);
            out.insert("content_range".into(), json!(response.header("content-range")));
            out.insert("body".into(), render(format, &response.body, &input.csv.clone().unwrap_or_default())?);
            out.insert("file".into(), Value::Null);
            Ok(Value::Object(out))
        }
    }
}

/// Downloads the object (or `range` of it) into host file `name` in one stream. A whole object's
/// file stays unseen until its composite checksum (if any) is checked too.
fn download_to_file(client: &mut Client<'_>, input: &GetInput, name: &str, range: Option<String>) -> Result<Value> {
    let verify = client.conn.verify_downloads;
    let hold = verify && range.is_none();
    let request = input.target.download(range, verify)?;
    let existing = ExistingFile::from_overwrite(input.overwrite);
    let sink = ResponseSink::File(FileSink { name: name.to_string(), existing, resume: None, verify, hold });
    let response = client.retrying(RetryPolicy::REQUEST, |client| {
        let response = client.send_with(&request, &sink, RetryPolicy::ONCE)?;
        if hold {
            let total = response.file_size.unwrap_or(0);
            check_composite(client, &input.target, &response, total, |client, offset, size, algorithm| {
                client.transport().held_digest(offset, size, algorithm)
            })?;
            client.transport().commit_held()?;
        }
        Ok(response)
    })?;
    Ok(file_output(&response, name, 0))
}

/// A file reference's schema (the shape the product being reproduced passes between steps; Put
/// Object File takes it as `reference`).
pub(super) fn file_reference_schema() -> Value {
    json!({"type": ["object", "null"], "required": ["name", "url"], "properties": {
        "name": {"type": "string", "description": "The file's name: the key's last segment."},
        "url": {"type": "string", "format": "uri", "description": "A presigned GET: anyone holding it can read the object until it expires."},
        "mime_type": {"type": ["string", "null"]},
        "size": {"type": ["integer", "null"]},
        "expires": {"type": ["string", "null"], "format": "date-time"}
    }})
}

/// Format `reference`: the object's facts from a HEAD, and a presigned GET of it (of the version
/// asked for) instead of its bytes.
fn reference(client: &mut Client<'_>, input: &GetInput, range: Option<String>) -> Result<Value> {
    if range.is_some() {
        return Err(ConnectorError::invalid_input("/range", "a reference is to the whole object; drop `range`"));
    }
    if input.target.sse_customer_key.is_some() {
        return Err(ConnectorError::invalid_input(
            "/sse_customer_key",
            "a reference is a plain link, which cannot carry an SSE-C key; download the object instead",
        ));
    }
    let expires_in = validate::presign_expiry("/expires_in", input.expires_in)?;
    let head = client.send(&input.target.request(Method::Head)?)?;
    let mut out = object_facts(&head);
    let link = S3Request::new(Method::Get)
        .bucket(&input.target.bucket)
        .key(&input.target.key)
        .query_opt("versionId", input.target.version_id.clone());
    let url = client.presign(&link, expires_in)?;
    let expires = crate::protocol::time_format::rfc3339(client.transport().now() + expires_in);
    let name = input.target.key.rsplit('/').find(|segment| !segment.is_empty()).unwrap_or(&input.target.key);
    out.insert(
        "reference".into(),
        json!({"name": name, "url": url, "mime_type": head.header("content-type"), "size": out.get("content_length"), "expires": expires}),
    );
    out.insert("body".into(), Value::Null);
    out.insert("file".into(), Value::Null);
    Ok(Value::Object(out))
}

fn file_output(response: &HttpResponse, name: &str, resumed_from: u64) -> Value {
    let mut out = object_facts(response);
    let size = response.file_size.unwrap_or(0);
    out.insert("content_length".into(), json!(size));
    out.insert("content_range".into(), json!(response.header("content-range")));
    out.insert("body".into(), Value::Null);
    out.insert("file".into(), json!({"name": name, "size": size, "resumed_from": resumed_from}));
    Value::Object(out)
}

/// Downloads into a host file, continuing the partial bytes an interrupted attempt kept. Each
/// attempt re-plans from what is on disk, so retries never duplicate or skip bytes.
fn resumable_download(client: &mut Client<'_>, input: &GetInput, name: &str) -> Result<Value> {
    let existing = ExistingFile::from_overwrite(input.overwrite);
    let outcome = client.retrying(RetryPolicy::REQUEST, |client| {
        let plan = plan_resume(client, &input.target, name, existing)?;
        let rest = (plan.from > 0).then(|| format!("bytes={}-", plan.from));
        let request = input.target.download(rest, client.conn.verify_downloads)?.header("if-match", plan.etag.clone());
        let resume = Resume { key: plan.etag.clone(), partial: plan.partial };
        let verify = client.conn.verify_downloads;
        let sink = ResponseSink::File(FileSink {
            name: name.to_string(),
            existing,
            resume: Some(resume),
            verify,
            hold: false,
        });
        let response = client.send_to(&request, &sink)?;
        let size = response.file_size.unwrap_or(0);
        if size != plan.size {
            return Err(ConnectorError::internal(format!(
                "the resumed download of {name:?} has {size} bytes, the object {}",
                plan.size
            )));
        }
        Ok(file_output(&response, name, plan.from))
    });
    outcome.map_err(|error| match error.retryable {
        true => error.noted("the bytes received so far are kept: run again with resume to continue"),
        false => error,
    })
}

/// How a resumable download continues: from which byte, and of which object version.
struct ResumePlan {
    etag: String,
    size: u64,
    from: u64,
    partial: PartialBytes,
}

/// Looks up the object (ETag, size) and the partial download kept for that ETag.
fn plan_resume(client: &mut Client<'_>, target: &ObjectRef, name: &str, existing: ExistingFile) -> Result<ResumePlan> {
    let head = client.send(&target.request(Method::Head)?)?;
    let etag = head
        .header("etag")
        .map(str::to_string)
        .ok_or_else(|| ConnectorError::internal("HEAD answered without an ETag"))?;
    let size = head.header("content-length").and_then(|l| l.parse::<u64>().ok()).unwrap_or(0);
    let partial = client.transport().partial_size(name, existing, &etag)?;
    // A partial as long as the object (or longer) cannot be continued with a range: start over.
    let (from, partial) = if partial < size { (partial, PartialBytes::Continue) } else { (0, PartialBytes::Discard) };
    Ok(ResumePlan { etag, size, from, partial })
}

fn explain_too_large(mut error: ConnectorError, sink: &ResponseSink, format: OutputFormat) -> ConnectorError {
    if let (ErrorKind::TooLarge, ResponseSink::Memory { limit }) = (error.kind, sink) {
        let instead = match format {
            OutputFormat::Json | OutputFormat::Csv => {
                "read its records as a stream with extract_records (pages with a cursor, or written to another object), use format \"reference\" for a link, or \"file\" for a host file"
            }
            _ => {
                "use format \"reference\" for a link another step can read, \"file\" to stream it to a host file, or a `range`"
            }
        };
        error.message =
            format!("the object is larger than {limit} bytes, the most returned inline as {format}; {instead}");
        return error.at("/max_bytes");
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(range_header("bytes=0-99").unwrap(), "bytes=0-99");
        assert_eq!(range_header("100-").unwrap(), "bytes=100-");
        assert_eq!(range_header("-500").unwrap(), "bytes=-500");
        for bad in ["", "abc", "5-1", "bytes=1-2,4-5", "-"] {
            assert!(range_header(bad).is_err(), "{bad}");
        }
    }
}
