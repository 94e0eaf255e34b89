//! *Extract AWS S3 data as JSON*: the records of every JSON or JSON Lines object under a prefix
//! (optionally only those matching a filter), with the chosen fields, as one JSON array — or as
//! one JSON Lines object in S3. Each object is read by the connector a page at a time.

use crate::connector::{Connector, StepError};
use serde_json::{Value, json};

/// Records asked for per page.
const PAGE: u64 = 1000;

/// What to extract.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The bucket.
    pub bucket: String,
    /// Objects under this prefix.
    pub prefix: String,
    /// Fields to keep (names or JSON pointers); all when empty.
    pub select: Vec<String>,
    /// Conditions every record must meet (`{"field", "op", "value"}`, as `extract_records`).
    pub filter: Vec<Value>,
    /// Also write the records here, as JSON Lines.
    pub destination_key: Option<String>,
}

/// What came out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    /// The objects read.
    pub objects: Vec<String>,
    /// Every record kept, each with the key of the object it came from (`_source`).
    pub records: Vec<Value>,
}

/// Whether `key` holds JSON records.
fn is_json(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    [".json", ".jsonl", ".ndjson"].iter().any(|extension| lower.ends_with(extension))
}

/// Runs the extraction.
pub async fn run(connector: &Connector, options: &Options) -> Result<Extracted, StepError> {
    let listing = connector
        .call("list_objects", &json!({"bucket": options.bucket, "prefix": options.prefix, "fetch_all": true}))
        .await?;
    let keys: Vec<String> = listing["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["key"].as_str())
        .filter(|key| is_json(key))
        .map(str::to_string)
        .collect();
    let mut extracted = Extracted { objects: keys.clone(), records: Vec::new() };
    for key in keys {
        let mut cursor: Option<String> = None;
        loop {
            let mut input = json!({"bucket": options.bucket, "key": key, "limit": PAGE, "filter": options.filter});
            if !options.select.is_empty() {
                input["select"] = json!(options.select);
            }
            if let Some(cursor) = &cursor {
                input["cursor"] = json!(cursor);
            }
            let page = connector.call("extract_records", &input).await?;
            for mut record in page["records"].as_array().cloned().unwrap_or_default() {
                record["_source"] = json!(key);
                extracted.records.push(record);
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
    }
    if let Some(destination) = &options.destination_key {
        let lines: String = extracted.records.iter().map(|record| format!("{record}\n")).collect();
        let input = json!({"bucket": options.bucket, "key": destination, "content": lines, "content_type": "application/x-ndjson"});
        connector.call("put_object_text", &input).await?;
    }
    Ok(extracted)
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_objects_are_told_by_their_extension() {
        assert!(super::is_json("in/a.JSON") && super::is_json("b.jsonl") && super::is_json("c.ndjson"));
        assert!(!super::is_json("a.csv") && !super::is_json("json/"));
    }
}
