//! Extract Records: an object's CSV, JSON Lines or JSON records, streamed (any size, bounded
//! memory): filtered, selected, converted and renamed, then written to another object as CSV,
//! JSON Lines or JSON, or returned a page at a time with a cursor.

use super::operation::{Effects, OBJECT_ARN, Operation, Permission, parse};
use super::record_sink::RecordSink;
use super::record_source::{CsvDialect, ObjectAt, Position, RecordFormat, RecordSource};
use super::records::{Comparison, Condition, Conversion, OnError, Transform, to_object};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::schemas::SchemaBuilder;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as CURSOR;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Records per page unless the input says.
const DEFAULT_LIMIT: usize = 100;
/// The most records one page returns.
const MAX_LIMIT: usize = 10_000;
/// The most bytes (as JSON) of records one page returns: a page stops early before it.
const PAGE_BYTES: usize = 8 * 1024 * 1024;

/// Extract Records.
pub(super) const EXTRACT_RECORDS: Operation = Operation {
    id: "extract_records",
    input_fields: &[
        "bucket",
        "convert",
        "csv",
        "cursor",
        "destination",
        "filter",
        "format",
        "key",
        "limit",
        "on_error",
        "rename",
        "select",
        "version_id",
    ],
    title: "Extract Records",
    description: "Reads an object's records (CSV, JSON Lines, or a JSON array of objects) as a stream, whatever its size: keeps those matching every filter condition, selects fields (column names or JSON pointers) in the order given, converts values (numbers, integers, booleans, dates, nulls) and renames fields; then writes them to a destination object as CSV, JSON Lines or JSON, or returns a page of them with a cursor for the next. A malformed row is an error that names its line.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "Extract Records input",
            &["bucket", "key"],
            json!({
                "bucket": schema::bucket(),
                "key": schema::key(),
                "version_id": schema::version_id("s3:GetObjectVersion", OBJECT_ARN),
                "format": {"enum": RecordFormat::NAMES, "title": "Source format", "description": "Default: from the key's extension (.csv/.tsv, .jsonl/.ndjson, .json)."},
                "csv": {"type": "object", "title": "CSV dialect", "additionalProperties": false, "properties": {
                    "delimiter": {"type": "string", "default": ",", "description": "One ASCII character; \\t for tabs."},
                    "quote": {"type": "string", "default": "\""},
                    "has_header": {"type": "boolean", "default": true},
                    "encoding": {"enum": ["utf-8", "latin1"], "default": "utf-8"}
                }, "x-group": "advanced"},
                "filter": {"type": "array", "title": "Keep records where", "items": {"type": "object", "additionalProperties": false, "required": ["field", "op"], "properties": {
                    "field": {"type": "string"}, "op": {"enum": Comparison::NAMES}, "value": {}
                }}},
                "select": {"type": "array", "title": "Fields", "items": {"type": "string"}, "description": "Column names or JSON pointers (/customer/id), in the output's order; default: every field in the file's order."},
                "convert": {"type": "object", "title": "Convert", "additionalProperties": {"enum": Conversion::NAMES}, "description": "Field → number, integer, boolean, date, string or null_if_empty."},
                "on_error": {"enum": OnError::NAMES, "default": "fail", "title": "A value that cannot be converted", "x-group": "advanced"},
                "rename": {"type": "object", "title": "Rename", "additionalProperties": {"type": "string"}},
                "destination": {"type": "object", "title": "Write to", "additionalProperties": false, "required": ["key"],
                    "properties": {"bucket": schema::bucket(), "key": schema::key(), "format": {"enum": RecordFormat::NAMES, "description": "Default: from the key's extension."}},
                    "x-permissions": [{"actions": ["s3:PutObject"], "resource": OBJECT_ARN}],
                    "description": "Write every record to this object (the source's bucket unless given) instead of returning a page."},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT, "title": "Records per page"},
                "cursor": {"type": "string", "title": "Cursor", "description": "next_cursor of the previous page."}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Extract Records output",
            &["records_read", "records_out"],
            json!({
                "records_read": {"type": "integer"},
                "records_out": {"type": "integer"},
                "records": {"type": ["array", "null"], "items": {"type": "object"}},
                "next_cursor": {"type": ["string", "null"]},
                "destination": {"type": ["object", "null"], "properties": {"bucket": {"type": "string"}, "key": {"type": "string"}, "etag": {"type": "string"}, "size": {"type": "integer"}}}
            }),
        )
    }),
    permissions: &[Permission { actions: &["s3:GetObject"], resource: OBJECT_ARN }],
    // With a destination it writes (and may replace) an object.
    effects: Effects::REPLACES,
    run: extract_records,
};

#[derive(Deserialize)]
struct ExtractInput {
    bucket: String,
    key: String,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    format: Option<RecordFormat>,
    #[serde(default)]
    csv: Option<CsvDialect>,
    #[serde(default)]
    filter: Vec<Condition>,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    convert: Map<String, Value>,
    #[serde(default)]
    on_error: Option<OnError>,
    #[serde(default)]
    rename: Map<String, Value>,
    #[serde(default)]
    destination: Option<Destination>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Destination {
    #[serde(default)]
    bucket: Option<String>,
    key: String,
    #[serde(default)]
    format: Option<RecordFormat>,
}

fn extract_records(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: ExtractInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let format = input.format.or_else(|| RecordFormat::from_key(&input.key)).ok_or_else(|| {
        ConnectorError::invalid_input(
            "/format",
            "the key's extension does not say the format: give format csv, jsonl or json",
        )
    })?;
    let transform = transform(&input)?;
    let object =
        ObjectAt { bucket: input.bucket.clone(), key: input.key.clone(), version_id: input.version_id.clone() };
    let dialect = input.csv.clone().unwrap_or_default();
    let Some(destination) = &input.destination else {
        let from = input.cursor.as_deref().map(decode_cursor).transpose()?;
        let limit = input.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        return page(client, object, format, &dialect, &transform, from, limit);
    };
    if input.cursor.is_some() || input.limit.is_some() {
        return Err(ConnectorError::invalid_input(
            "/destination",
            "a destination takes every record: drop `cursor` and `limit`",
        ));
    }
    let bucket = destination.bucket.clone().unwrap_or_else(|| input.bucket.clone());
    validate::bucket_name(&bucket).map_err(|e| e.at("/destination/bucket"))?;
    validate::object_key("/destination/key", &destination.key)?;
    if bucket == input.bucket && destination.key == input.key {
        return Err(ConnectorError::invalid_input(
            "/destination/key",
            "the destination is the source: write to another key",
        ));
    }
    let out_format =
        destination.format.or_else(|| RecordFormat::from_key(&destination.key)).unwrap_or(RecordFormat::JsonLines);
    let sink = RecordSink::new(bucket, destination.key.clone(), out_format);
    write_all(client, object, format, &dialect, &transform, sink)
}

/// The transform the input describes.
fn transform(input: &ExtractInput) -> Result<Transform> {
    let convert = input
        .convert
        .iter()
        .map(|(field, kind)| {
            let conversion = serde_json::from_value::<Conversion>(kind.clone()).map_err(|_| {
                ConnectorError::invalid_input(
                    format!("/convert/{field}"),
                    format!("convert to one of: {}", Conversion::NAMES.join(", ")),
                )
            })?;
            Ok((field.clone(), conversion))
        })
        .collect::<Result<Vec<_>>>()?;
    let rename = input
        .rename
        .iter()
        .map(|(from, to)| match to.as_str() {
            Some(to) if !to.is_empty() => Ok((from.clone(), to.to_string())),
            _ => Err(ConnectorError::invalid_input(format!("/rename/{from}"), "a new name is a non-empty string")),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Transform {
        filter: input.filter.clone(),
        select: input.select.clone(),
        convert,
        rename,
        on_error: input.on_error,
    })
}

/// Every record to `sink`; a failure aborts the upload.
fn write_all(
    client: &mut Client<'_>,
    object: ObjectAt,
    format: RecordFormat,
    dialect: &CsvDialect,
    transform: &Transform,
    mut sink: RecordSink,
) -> Result<Value> {
    let mut source = RecordSource::open(client, object, format, dialect, None)?;
    let mut read = 0u64;
    let outcome = (|| {
        while let Some((record, line)) = source.next()? {
            read += 1;
            if let Some(out) = transform.apply(record, line)? {
                sink.write(source.client(), out)?;
            }
        }
        Ok(())
    })();
    if let Err(error) = outcome {
        return Err(sink.abort(source.client(), error));
    }
    let written = sink.finish(source.client())?;
    Ok(
        json!({"records_read": read, "records_out": written["records"], "records": null, "next_cursor": null, "destination": written}),
    )
}

/// Up to `limit` records (fewer if they would exceed [`PAGE_BYTES`]) and where the next start.
fn page(
    client: &mut Client<'_>,
    object: ObjectAt,
    format: RecordFormat,
    dialect: &CsvDialect,
    transform: &Transform,
    from: Option<Position>,
    limit: usize,
) -> Result<Value> {
    let mut source = RecordSource::open(client, object, format, dialect, from)?;
    let mut records = Vec::new();
    let (mut read, mut bytes) = (0u64, 0usize);
    let mut next = source.position();
    loop {
        let Some((record, line)) = source.next()? else {
            next = source.position();
            break;
        };
        read += 1;
        if let Some(out) = transform.apply(record, line)? {
            let out = to_object(out);
            let size = out.to_string().len();
            if bytes + size > PAGE_BYTES {
                if records.is_empty() {
                    return Err(ConnectorError::new(
                        ErrorKind::TooLarge,
                        format!(
                            "the record on line {line} is larger than a page ({} MiB): write the records to an object with `destination` instead",
                            PAGE_BYTES >> 20
                        ),
                    ));
                }
                // This record starts the next page.
                read -= 1;
                break;
            }
            bytes += size;
            records.push(out);
        }
        next = source.position();
        if records.len() == limit {
            break;
        }
    }
    let more = !source.at_end(&next);
    let next_cursor = more.then(|| encode_cursor(&next));
    Ok(
        json!({"records_read": read, "records_out": records.len(), "records": records, "next_cursor": next_cursor, "destination": null}),
    )
}

fn encode_cursor(position: &Position) -> String {
    CURSOR.encode(serde_json::to_vec(position).unwrap_or_default())
}

fn decode_cursor(text: &str) -> Result<Position> {
    let bad =
        || ConnectorError::invalid_input("/cursor", "cursor is not one this operation returned; start without it");
    let bytes = CURSOR.decode(text.trim()).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_strangers_are_refused() {
        let position = Position { offset: 42, line: 3, etag: Some("\"e\"".into()), columns: vec!["a".into()] };
        assert_eq!(decode_cursor(&encode_cursor(&position)).unwrap(), position);
        assert_eq!(decode_cursor("not a cursor").unwrap_err().field.as_deref(), Some("/cursor"));
    }
}
