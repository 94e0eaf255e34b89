//! *Extract and transform CSV data from AWS S3*: one CSV object, however large, read as a
//! stream inside the sandbox — rows filtered, columns selected, converted and renamed — and
//! written back to S3 as CSV or JSON Lines (by the destination's extension). The connector does
//! all of it in one call (`extract_records` with a destination), its memory flat.

use crate::connector::{Connector, StepError};
use serde_json::{Map, Value, json};

/// What to transform.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The bucket.
    pub bucket: String,
    /// The CSV object.
    pub key: String,
    /// Where the result goes (`.csv` or `.jsonl`).
    pub destination_key: String,
    /// Columns to keep, in this order; all when empty.
    pub select: Vec<String>,
    /// Conditions every row must meet (`{"field", "op", "value"}`).
    pub filter: Vec<Value>,
    /// Column → conversion (`number`, `integer`, `boolean`, `date`, `string`, `null_if_empty`).
    pub convert: Map<String, Value>,
    /// Column → new name.
    pub rename: Map<String, Value>,
    /// The CSV dialect (`delimiter`, `quote`, `has_header`, `encoding`), if not the default.
    pub csv: Option<Value>,
}

/// Runs the transformation; what was read and written, with the sandbox's peak memory
/// (`guest_peak_memory`, bytes: flat, whatever the file's size).
pub async fn run(connector: &Connector, options: &Options) -> Result<Value, StepError> {
    let mut input = json!({
        "bucket": options.bucket,
        "key": options.key,
        "format": "csv",
        "filter": options.filter,
        "convert": options.convert,
        "rename": options.rename,
        "destination": {"key": options.destination_key},
    });
    if !options.select.is_empty() {
        input["select"] = json!(options.select);
    }
    if let Some(csv) = &options.csv {
        input["csv"] = csv.clone();
    }
    let (mut report, peak) = connector.call_measured("extract_records", &input).await?;
    report["guest_peak_memory"] = json!(peak);
    Ok(report)
}
