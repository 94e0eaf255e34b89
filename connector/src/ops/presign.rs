//! Get Object Signed Url: presigned GET (optionally a byte range) or PUT.

use super::operation::{Effects, OBJECT_ARN, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate::{self, DEFAULT_EXPIRY_SECONDS};
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, Result};
use crate::protocol::http::Method;
use crate::protocol::signing::MAX_PRESIGN_EXPIRY;
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Get Object Signed Url.
pub(super) const GET_OBJECT_SIGNED_URL: Operation = Operation {
    id: "get_object_signed_url",
    input_fields: &[
        "bucket",
        "content_type",
        "expires_in",
        "expires_seconds",
        "key",
        "method",
        "range",
        "range_from",
        "range_to",
        "response_content_disposition",
        "response_content_type",
        "version_id",
    ],
    title: "Get Object Signed Url",
    description: "Creates a presigned URL that lets anyone holding it GET (or PUT) the object until it expires (1 second to 7 days). No request is sent unless the region must be discovered. A presigned PUT needs s3:PutObject.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "Get Object Signed Url input",
            &["bucket", "key"],
            json!({
                "bucket": schema::bucket(),
                "key": schema::key(),
                "expires_in": {"type": "integer", "title": "Expires in (seconds)", "minimum": 1, "maximum": MAX_PRESIGN_EXPIRY.as_secs(), "default": DEFAULT_EXPIRY_SECONDS},
                "method": {"enum": [Method::Get.as_str(), Method::Put.as_str()], "title": "Method", "default": Method::Get.as_str(),
                           "x-permissions": {"PUT": [{"actions": ["s3:PutObject"], "resource": OBJECT_ARN}]}},
                "range": {"type": "string", "title": "Byte range (GET)", "description": "Signed into the URL: the client must send this Range header.", "x-group": "advanced"},
                "version_id": schema::version_id("s3:GetObjectVersion", OBJECT_ARN),
                "content_type": {"type": "string", "title": "Content type (PUT)", "description": "Signed into the URL: the uploader must send this Content-Type.", "x-group": "advanced"},
                "expires_seconds": {"type": "integer", "minimum": 1, "maximum": MAX_PRESIGN_EXPIRY.as_secs(), "x-alias-of": "expires_in", "deprecated": true},
                "range_from": {"type": "integer", "minimum": 0, "title": "Range from (GET)", "description": "First byte of a range (with range_to, inclusive); like `range`, the client must send the Range header.", "x-group": "advanced"},
                "range_to": {"type": "integer", "minimum": 0, "title": "Range to (GET)", "description": "Last byte of the range, inclusive.", "x-group": "advanced"},
                "response_content_disposition": {"type": "string", "title": "Response Content-Disposition (GET)", "description": "S3 answers the link with this Content-Disposition, e.g. attachment; filename=\"report.csv\" to make a browser save it.", "x-group": "advanced"},
                "response_content_type": {"type": "string", "title": "Response Content-Type (GET)", "description": "S3 answers the link with this Content-Type.", "x-group": "advanced"}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
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
    }),
    permissions: &[Permission { actions: &["s3:GetObject"], resource: OBJECT_ARN }],
    effects: Effects::READ_ONLY,
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
    #[serde(default)]
    range_from: Option<u64>,
    #[serde(default)]
    range_to: Option<u64>,
    #[serde(default)]
    response_content_disposition: Option<String>,
    #[serde(default)]
    response_content_type: Option<String>,
}

impl SignedUrlInput {
    /// The range asked for, as `range` or as `range_from`/`range_to`.
    fn range(&self) -> Result<Option<String>> {
        match (&self.range, self.range_from, self.range_to) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                Err(ConnectorError::invalid_input("/range_from", "give `range` or `range_from`/`range_to`, not both"))
            }
            (Some(range), None, None) => super::read::range_header(range).map(Some),
            (None, from, to) if from.is_some() || to.is_some() => {
                let from = from.unwrap_or(0);
                let to = to.map(|to| to.to_string()).unwrap_or_default();
                super::read::range_header(&format!("{from}-{to}")).map(Some).map_err(|e| e.at("/range_to"))
            }
            (None, _, _) => Ok(None),
        }
    }

    /// The response overrides S3 applies to a GET through the link, as query parameters.
    fn overrides(&self) -> [(&'static str, Option<&String>); 2] {
        [
            ("response-content-disposition", self.response_content_disposition.as_ref()),
            ("response-content-type", self.response_content_type.as_ref()),
        ]
    }
}

fn default_expiry() -> i64 {
    DEFAULT_EXPIRY_SECONDS as i64
}

fn signed_url(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: SignedUrlInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let expires_in = validate::presign_expiry("/expires_in", Some(input.expires_in))?;
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
    let range = input.range()?;
    if method == Method::Put
        && let Some((name, _)) = input.overrides().iter().find(|(_, value)| value.is_some())
    {
        return Err(ConnectorError::invalid_input(
            format!("/{}", name.replace('-', "_")),
            "response overrides apply to GET URLs only",
        ));
    }
    for (name, value) in input.overrides() {
        request = request.query_opt(name, value.cloned());
    }
    match (method, &range, &input.content_type) {
        (Method::Put, Some(_), _) => {
            return Err(ConnectorError::invalid_input("/range", "range applies to GET URLs only"));
        }
        (Method::Get, _, Some(_)) => {
            return Err(ConnectorError::invalid_input("/content_type", "content_type applies to PUT URLs only"));
        }
        _ => {}
    }
    if let Some(range) = range {
        headers.insert("range".into(), json!(range));
        request = request.header("range", range);
    }
    if let Some(content_type) = &input.content_type {
        headers.insert("content-type".into(), json!(content_type));
        request = request.header("content-type", content_type.clone());
    }
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
