//! List Bucket Objects (ListObjectsV2), one page or all pages.

use super::headers::unquote;
use super::operation::{BUCKET_ARN, Effects, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, Result};
use crate::protocol::http::Method;
use crate::protocol::xml::{self, ListObjectsV2};
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Value, json};

/// Most keys gathered by `fetch_all` unless `max_items` says otherwise.
const DEFAULT_MAX_ITEMS: u64 = 100_000;

/// List Bucket Objects.
pub(super) const LIST_OBJECTS: Operation = Operation {
    id: "list_objects",
    input_fields: &[
        "bucket",
        "continuation_token",
        "delimiter",
        "fetch_all",
        "max_items",
        "max_keys",
        "prefix",
        "start_after",
    ],
    title: "List Bucket Objects",
    description: "Lists objects in a bucket, optionally under a prefix; with a delimiter, keys below the next delimiter are grouped into folders (common prefixes). Pages with continuation tokens, or fetches all pages.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "List Bucket Objects input",
            &["bucket"],
            json!({
                "bucket": schema::bucket(),
                "prefix": schema::prefix("Prefix", "Only keys that start with this, e.g. reports/2024/."),
                "delimiter": {"type": "string", "title": "Delimiter", "description": "Group keys into folders at this character, usually /."},
                "max_keys": {"type": "integer", "title": "Max keys per page", "minimum": 1, "maximum": 1000, "default": 1000},
                "start_after": {"type": "string", "title": "Start after", "description": "List keys after this key.", "x-group": "advanced"},
                "continuation_token": {"type": "string", "title": "Continuation token", "description": "next_continuation_token of the previous page.", "x-group": "advanced"},
                "fetch_all": {"type": "boolean", "title": "Fetch all pages", "default": false},
                "max_items": {"type": "integer", "title": "Max items (fetch all)", "minimum": 1, "default": DEFAULT_MAX_ITEMS, "x-group": "advanced"}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "List Bucket Objects output",
            &["objects", "folders", "is_truncated"],
            json!({
                "bucket": {"type": "string"},
                "objects": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "size": {"type": "integer"}, "etag": {"type": ["string", "null"]},
                    "last_modified": {"type": ["string", "null"]}, "storage_class": {"type": ["string", "null"]}
                }}},
                "folders": {"type": "array", "items": {"type": "string"}, "description": "Common prefixes."},
                "is_truncated": {"type": "boolean"},
                "next_continuation_token": {"type": ["string", "null"]},
                "key_count": {"type": "integer"}
            }),
        )
    }),
    permissions: &[Permission { actions: &["s3:ListBucket"], resource: BUCKET_ARN }],
    effects: Effects::READ_ONLY,
    run: list_objects,
};

#[derive(Deserialize)]
struct ListInput {
    bucket: String,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    delimiter: Option<String>,
    #[serde(default)]
    max_keys: Option<u32>,
    #[serde(default)]
    start_after: Option<String>,
    #[serde(default)]
    continuation_token: Option<String>,
    #[serde(default)]
    fetch_all: bool,
    #[serde(default)]
    max_items: Option<u64>,
}

/// What one ListObjectsV2 page asks for.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PageQuery<'a> {
    /// Only keys that start with this.
    pub prefix: Option<&'a str>,
    /// Group keys at this character into common prefixes.
    pub delimiter: Option<&'a str>,
    /// At most this many keys (1 to 1000).
    pub max_keys: Option<u32>,
    /// Keys after this one.
    pub start_after: Option<&'a str>,
    /// The previous page's `NextContinuationToken`.
    pub continuation_token: Option<&'a str>,
}

/// One ListObjectsV2 page of `bucket`.
pub(crate) fn list_page(client: &mut Client<'_>, bucket: &str, query: &PageQuery<'_>) -> Result<ListObjectsV2> {
    let owned = |value: Option<&str>| value.map(str::to_string);
    let request = S3Request::new(Method::Get)
        .bucket(bucket)
        .query("list-type", "2")
        .query_opt("prefix", owned(query.prefix))
        .query_opt("delimiter", owned(query.delimiter))
        .query_opt("max-keys", query.max_keys.map(|m| m.to_string()))
        .query_opt("start-after", owned(query.start_after))
        .query_opt("continuation-token", owned(query.continuation_token));
    let response = client.send(&request)?;
    xml::parse("ListObjectsV2", &response.body)
}

fn list_objects(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: ListInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    if let Some(max) = input.max_keys
        && !(1..=1000).contains(&max)
    {
        return Err(ConnectorError::invalid_input(
            "/max_keys",
            format!("max_keys is {max}; S3 returns 1 to 1000 keys per page (use fetch_all for more)"),
        ));
    }
    let max_items = input.max_items.unwrap_or(DEFAULT_MAX_ITEMS);
    let mut objects = Vec::new();
    let mut folders = Vec::new();
    let mut token = input.continuation_token.clone();
    let mut first = true;
    loop {
        let query = PageQuery {
            prefix: input.prefix.as_deref(),
            delimiter: input.delimiter.as_deref(),
            max_keys: input.max_keys,
            start_after: if first { input.start_after.as_deref() } else { None },
            continuation_token: token.as_deref(),
        };
        first = false;
        let page = list_page(client, &input.bucket, &query)?;
        objects.extend(page.contents.into_iter().map(|o| {
            json!({"key": o.key, "size": o.size, "etag": o.etag.map(|e| unquote(&e)), "last_modified": o.last_modified, "storage_class": o.storage_class})
        }));
        folders.extend(page.common_prefixes.into_iter().map(|p| Value::String(p.prefix)));
        token = page.next_continuation_token.filter(|_| page.is_truncated);
        let gathered = (objects.len() + folders.len()) as u64;
        if !input.fetch_all || token.is_none() || gathered >= max_items {
            break;
        }
    }
    let key_count = objects.len() + folders.len();
    Ok(json!({
        "bucket": input.bucket,
        "objects": objects,
        "folders": folders,
        "is_truncated": token.is_some(),
        "next_continuation_token": token,
        "key_count": key_count,
    }))
}
