//! Rendering an object's bytes for inline output: text, parsed JSON, CSV rows or base64.

use crate::error::{ConnectorError, Result};
use crate::names::named_enum;
use base64::Engine;
use serde::Deserialize;
use serde_json::{Map, Value};

named_enum! {
    /// How Get Object returns the body.
    pub(super) enum OutputFormat {
        /// UTF-8 text.
        Text = "text",
        /// Parsed JSON.
        Json = "json",
        /// CSV rows.
        Csv = "csv",
        /// Base64 of the raw bytes.
        Base64 = "base64",
        /// Written to a host file; nothing inline.
        File = "file",
        /// A file reference: a presigned link with the object's name, type and size; nothing
        /// is downloaded.
        Reference = "reference",
    }
}

#[expect(clippy::derivable_impls, reason = "named_enum! derives no Default")]
impl Default for OutputFormat {
    fn default() -> Self {
        OutputFormat::Text
    }
}

/// CSV parsing options.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CsvOptions {
    /// Field delimiter (one ASCII character).
    #[serde(default = "comma")]
    pub delimiter: String,
    /// First row names the columns: rows become objects.
    #[serde(default = "yes")]
    pub has_header: bool,
}

fn comma() -> String {
    ",".to_string()
}

fn yes() -> bool {
    true
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self { delimiter: comma(), has_header: true }
    }
}

fn not_text(format: &str, why: impl std::fmt::Display) -> ConnectorError {
    ConnectorError::invalid_input(
        "/format",
        format!("the object cannot be read as {format}: {why}; use format \"base64\" or \"file\" for binary data"),
    )
}

/// Renders `bytes` as `format` for inline output.
pub(super) fn render(format: OutputFormat, bytes: &[u8], csv: &CsvOptions) -> Result<Value> {
    match format {
        OutputFormat::Text => {
            std::str::from_utf8(bytes).map(|s| Value::String(s.to_string())).map_err(|e| not_text("UTF-8 text", e))
        }
        OutputFormat::Json => serde_json::from_slice(bytes).map_err(|e| not_text("JSON", e)),
        OutputFormat::Base64 => Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))),
        OutputFormat::Csv => csv_rows(bytes, csv),
        OutputFormat::File | OutputFormat::Reference => Ok(Value::Null),
    }
}

/// The most CSV values returned inline: each becomes a JSON value several times its text's size.
const MAX_INLINE_CELLS: usize = 100_000;

fn csv_rows(bytes: &[u8], options: &CsvOptions) -> Result<Value> {
    let delimiter = match options.delimiter.as_bytes() {
        [d] if d.is_ascii() => *d,
        _ => {
            return Err(ConnectorError::invalid_input(
                "/csv/delimiter",
                "the CSV delimiter must be a single ASCII character, e.g. \",\" or \";\"",
            ));
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(options.has_header)
        .flexible(true)
        .from_reader(bytes);
    let headers: Option<Vec<String>> = if options.has_header {
        Some(reader.headers().map_err(|e| not_text("CSV", e))?.iter().map(str::to_string).collect())
    } else {
        None
    };
    let mut rows = Vec::new();
    let mut cells = 0;
    for record in reader.records() {
        let record = record.map_err(|e| not_text("CSV", e))?;
        cells += record.len();
        if cells > MAX_INLINE_CELLS {
            return Err(ConnectorError::new(
                crate::error::ErrorKind::TooLarge,
                format!("the CSV has more than {MAX_INLINE_CELLS} values, too many to return inline; read its rows as a stream with extract_records (pages with a cursor, or written to another object), or use format \"file\""),
            )
            .at("/format"));
        }
        let row = match &headers {
            Some(names) => {
                let mut object = Map::new();
                for (i, value) in record.iter().enumerate() {
                    let name = names.get(i).cloned().unwrap_or_else(|| format!("column_{}", i + 1));
                    object.insert(name, Value::String(value.to_string()));
                }
                Value::Object(object)
            }
            None => Value::Array(record.iter().map(|v| Value::String(v.to_string())).collect()),
        };
        rows.push(row);
    }
    Ok(Value::Array(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_format() {
        let csv = CsvOptions::default();
        assert_eq!(render(OutputFormat::Text, "héllo".as_bytes(), &csv).unwrap(), "héllo");
        assert_eq!(render(OutputFormat::Json, br#"{"a":[1]}"#, &csv).unwrap(), serde_json::json!({"a": [1]}));
        assert_eq!(render(OutputFormat::Base64, &[0, 255], &csv).unwrap(), "AP8=");
        let rows = render(OutputFormat::Csv, b"name,age\nann,3\n\"b,c\",4\n", &csv).unwrap();
        assert_eq!(rows, serde_json::json!([{"name": "ann", "age": "3"}, {"name": "b,c", "age": "4"}]));
        let plain = CsvOptions { delimiter: ";".into(), has_header: false };
        assert_eq!(render(OutputFormat::Csv, b"a;b\n", &plain).unwrap(), serde_json::json!([["a", "b"]]));
        let err = render(OutputFormat::Text, &[0xff, 0xfe], &csv).unwrap_err();
        assert!(err.message.contains("base64"));
    }
}
