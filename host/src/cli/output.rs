//! Printing results as JSON, text (tab-separated, like the AWS CLI) or a table.

use clap::ArgMatches;
use serde_json::Value;

/// How results are printed (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputFormat {
    /// Pretty JSON.
    Json,
    /// Tab-separated values, like the AWS CLI's `text`.
    Text,
    /// An aligned table.
    Table,
}

impl OutputFormat {
    /// The names `--output` accepts.
    pub(crate) const NAMES: [&'static str; 3] = ["json", "text", "table"];

    /// The format `--output` names (JSON by default), or what is wrong with it.
    pub(crate) fn from_matches(matches: &ArgMatches) -> Result<Self, String> {
        match matches.get_one::<String>("output").map(String::as_str) {
            None | Some("json") => Ok(OutputFormat::Json),
            Some("text") => Ok(OutputFormat::Text),
            Some("table") => Ok(OutputFormat::Table),
            Some(other) => Err(format!("--output {other:?}: use one of {}", Self::NAMES.join(", "))),
        }
    }

    /// Renders `value`. Strings a server chose (keys, messages) cannot drive the terminal: JSON
    /// escapes control characters itself, text and table escape them here.
    pub(crate) fn render(self, value: &Value) -> String {
        match self {
            OutputFormat::Text => text(value),
            OutputFormat::Table => table(value),
            OutputFormat::Json => json_safe(&serde_json::to_string_pretty(value).unwrap_or_default()),
        }
    }
}

/// Whether `c` can steer a terminal: C0 and C1 controls, DEL, bidirectional overrides.
fn steers_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// JSON text with the characters serde_json leaves raw (C1 controls, bidirectional
/// overrides) written as `\uXXXX` escapes; they can only occur inside strings, so it stays
/// the same JSON.
pub(super) fn json_safe(json: &str) -> String {
    let mut safe = String::with_capacity(json.len());
    for c in json.chars() {
        if steers_terminal(c) && !matches!(c, '\n' | ' ') {
            safe.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            safe.push(c);
        }
    }
    safe
}

/// `text` with every control character (escape sequences, carriage returns, newlines, tabs,
/// bidirectional overrides) shown as a `\u{..}` escape instead of reaching the terminal.
pub(super) fn terminal_safe(text: &str) -> String {
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        if steers_terminal(c) {
            safe.push_str(&c.escape_unicode().to_string());
        } else {
            safe.push(c);
        }
    }
    safe
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => terminal_safe(s),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// An object's fields by name, as the AWS CLI's text and table output list them.
fn by_name(map: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut fields: Vec<(&String, &Value)> = map.iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    fields
}

fn text(value: &Value) -> String {
    let mut lines = Vec::new();
    match value {
        Value::Object(map) => {
            for (key, item) in by_name(map) {
                match item {
                    Value::Array(rows) => {
                        for row in rows {
                            lines.push(format!("{}\t{}", terminal_safe(&key.to_uppercase()), row_text(row)));
                        }
                    }
                    Value::Object(_) => {
                        lines.push(format!("{}\t{}", terminal_safe(&key.to_uppercase()), row_text(item)));
                    }
                    other => lines.push(format!("{}\t{}", terminal_safe(&key.to_uppercase()), scalar(other))),
                }
            }
        }
        other => lines.push(row_text(other)),
    }
    lines.join("\n")
}

fn row_text(value: &Value) -> String {
    match value {
        Value::Object(map) => by_name(map)
            .into_iter()
            .map(|(_, v)| if v.is_object() || v.is_array() { v.to_string() } else { scalar(v) })
            .collect::<Vec<_>>()
            .join("\t"),
        other => scalar(other),
    }
}

fn table(value: &Value) -> String {
    let mut out = String::new();
    let Value::Object(map) = value else {
        return text(value);
    };
    for (key, item) in by_name(map) {
        match item {
            Value::Array(rows) if rows.iter().all(Value::is_object) && !rows.is_empty() => {
                let columns: Vec<String> = rows[0]
                    .as_object()
                    .map(|o| by_name(o).into_iter().map(|(k, _)| k.clone()).collect())
                    .unwrap_or_default();
                let headers: Vec<String> = columns.iter().map(|c| terminal_safe(c)).collect();
                let cells: Vec<Vec<String>> =
                    rows.iter().map(|r| columns.iter().map(|c| scalar(&r[c])).collect()).collect();
                let widths: Vec<usize> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| cells.iter().map(|r| r[i].chars().count()).chain([c.len()]).max().unwrap_or(0))
                    .collect();
                out.push_str(&format!("{}\n", terminal_safe(key)));
                let line = |row: &[String]| {
                    row.iter().zip(&widths).map(|(c, w)| format!("| {c:<w$} ")).collect::<String>() + "|\n"
                };
                out.push_str(&line(&headers));
                for row in &cells {
                    out.push_str(&line(row));
                }
            }
            other => out.push_str(&format!(
                "{}: {}\n",
                terminal_safe(key),
                if other.is_object() || other.is_array() { other.to_string() } else { scalar(other) }
            )),
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_table() {
        let v = serde_json::json!({"buckets": [{"name": "a", "creation_date": "d"}], "owner": null});
        assert_eq!(OutputFormat::Text.render(&v), "BUCKETS\td\ta\nOWNER\tNone");
        let t = OutputFormat::Table.render(&v);
        assert!(t.contains("| creation_date | name |"), "{t}");
    }

    #[test]
    fn server_strings_cannot_drive_the_terminal() {
        let hostile = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\rkey\u{202e}";
        let safe = terminal_safe(hostile);
        assert!(!safe.chars().any(|c| c.is_control() || c == '\u{202e}'), "{safe:?}");
        assert!(safe.starts_with("evil\\u{1b}]0;pwned"), "{safe}");
        let v = serde_json::json!({"objects": [{"key": hostile}]});
        for format in [OutputFormat::Text, OutputFormat::Table, OutputFormat::Json] {
            let rendered = format.render(&v);
            assert!(!rendered.contains('\u{1b}') && !rendered.contains('\r'), "{format:?}: {rendered:?}");
            assert!(!rendered.contains('\u{202e}'), "{format:?}: {rendered:?}");
        }
        let c1 = OutputFormat::Json.render(&serde_json::json!({"key": "a\u{9b}31m"}));
        assert_eq!(serde_json::from_str::<Value>(&c1).unwrap()["key"], "a\u{9b}31m", "still the same JSON");
        assert!(!c1.contains('\u{9b}'));
    }
}
