//! Get Object Signed Url: presigned GET (optionally a byte range) or PUT.

use super::operation::{OBJECT_ARN, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, Result};
use crate::protocol::http::Method;
use crate::protocol::signing::MAX_PRESIGN_EXPIRY;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Get Object Signed Url.
pub(super) const GET_OBJECT_SIGNED_URL: Operation = Operation {
    id: "get_object_signed_url",
    input_fields: &["bucket", "content_type", "expires_in", "key", "method", "range", "version_id"],
    title: "Get Object Signed Url",
    description: "Creates a presigned URL that lets anyone holding it GET (or PUT) the object until it expires (1 second to 7 days). No request is sent unless the region must be discovered. A presigned PUT needs s3:PutObject.",
    input_schema: || {
        object(
            "Get Object Signed Url input",
            &["bucket", "key"],
            json!({
                "bucket": schema::bucket(),
                "key": schema::key(),
                "expires_in": {"type": "integer", "title": "Expires in (seconds)", "minimum": 1, "maximum": MAX_PRESIGN_EXPIRY.as_secs(), "default": 3600},
                "method": {"enum": [Method::Get.as_str(), Method::Put.as_str()], "title": "Method", "default": Method::Get.as_str(),
                           "x-permissions": {"PUT": [{"actions": ["s3:PutObject"], "resource": OBJECT_ARN}]}},
                "range": {"type": "string", "title": "Byte range (GET)", "description": "Signed into the URL: the client must send this Range header.", "x-group": "advanced"},
                "version_id": schema::version_id("s3:GetObjectVersion", OBJECT_ARN),
                "content_type": {"type": "string", "title": "Content type (PUT)", "description": "Signed into the URL: the uploader must send this Content-Type.", "x-group": "advanced"}
            }),
        )
    },
    output_schema: || {
        object(
            "Get Object Signed Url output",
            &["url", "method", "expires_at"],
            json!({
                "url": {"type": "string", "format": "uri"},
                "method": {"type": "string"},
                "expires_in": {"type": "integer"},
                "expires_at": {"type": "string", "format": "date-time"},
                "headers": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Headers the client must send with the URL."}
            }),
        )
    },
    permissions: &[Permission { actions: &["s3:GetObject"], resource: OBJECT_ARN }],
    idempotent: true,
    run: signed_url,
};

#[derive(Deserialize)]
struct SignedUrlInput {
    bucket: String,
    key: String,
    #[serde(default = "default_expiry")]
    expires_in: i64,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    range: Option<String>,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
}

fn default_expiry() -> i64 {
    3600
}

fn signed_url(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: SignedUrlInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let max = MAX_PRESIGN_EXPIRY.as_secs() as i64;
    if !(1..=max).contains(&input.expires_in) {
        return Err(ConnectorError::invalid_input(
            "/expires_in",
            format!("expires_in is {} seconds; a presigned URL lives 1 to {max} seconds (7 days)", input.expires_in),
        ));
    }
    let method = match input.method.as_deref().map(str::parse::<Method>) {
        None => Method::Get,
        Some(Ok(method @ (Method::Get | Method::Put))) => method,
        Some(_) => {
            let given = input.method.as_deref().unwrap_or_default();
            return Err(ConnectorError::invalid_input("/method", format!("method {given:?} is not GET or PUT")));
        }
    };
    let mut headers = Map::new();
    let mut request =
        S3Request::new(method).bucket(&input.bucket).key(&input.key).query_opt("versionId", input.version_id.clone());
    match (method, &input.range, &input.content_type) {
        (Method::Put, Some(_), _) => {
            return Err(ConnectorError::invalid_input("/range", "range applies to GET URLs only"));
        }
        (Method::Get, _, Some(_)) => {
            return Err(ConnectorError::invalid_input("/content_type", "content_type applies to PUT URLs only"));
        }
        _ => {}
    }
    if let Some(range) = &input.range {
        let range = super::read::range_header(range)?;
        headers.insert("range".into(), json!(range));
        request = request.header("range", range);
    }
    if let Some(content_type) = &input.content_type {
        headers.insert("content-type".into(), json!(content_type));
        request = request.header("content-type", content_type.clone());
    }
    let expires_in = Duration::from_secs(input.expires_in as u64);
    let url = client.presign(&request, expires_in)?;
    let expires_at = client.transport().now() + expires_in;
    Ok(json!({
        "url": url,
        "method": method.as_str(),
        "expires_in": input.expires_in,
        "expires_at": crate::protocol::time_format::rfc3339(expires_at),
        "headers": headers,
    }))
}
