//! Printing results as JSON, text (tab-separated, like the AWS CLI) or a table.

use serde_json::Value;

/// Renders `value` in `format`.
pub fn render(value: &Value, format: &str) -> String {
    match format {
        "text" => text(value),
        "table" => table(value),
        _ => serde_json::to_string_pretty(value).unwrap_or_default(),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

fn text(value: &Value) -> String {
    let mut lines = Vec::new();
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match item {
                    Value::Array(rows) => {
                        for row in rows {
                            lines.push(format!("{}\t{}", key.to_uppercase(), row_text(row)));
                        }
                    }
                    Value::Object(_) => lines.push(format!("{}\t{}", key.to_uppercase(), row_text(item))),
                    other => lines.push(format!("{}\t{}", key.to_uppercase(), scalar(other))),
                }
            }
        }
        other => lines.push(row_text(other)),
    }
    lines.join("\n")
}

fn row_text(value: &Value) -> String {
    match value {
        Value::Object(map) => map
            .values()
            .map(|v| if v.is_object() || v.is_array() { v.to_string() } else { scalar(v) })
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
    for (key, item) in map {
        match item {
            Value::Array(rows) if rows.iter().all(Value::is_object) && !rows.is_empty() => {
                let columns: Vec<String> = rows[0].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
                let cells: Vec<Vec<String>> =
                    rows.iter().map(|r| columns.iter().map(|c| scalar(&r[c])).collect()).collect();
                let widths: Vec<usize> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| cells.iter().map(|r| r[i].chars().count()).chain([c.len()]).max().unwrap_or(0))
                    .collect();
                out.push_str(&format!("{key}\n"));
                let line = |row: &[String]| {
                    row.iter().zip(&widths).map(|(c, w)| format!("| {c:<w$} ")).collect::<String>() + "|\n"
                };
                out.push_str(&line(&columns));
                for row in &cells {
                    out.push_str(&line(row));
                }
            }
            other => out.push_str(&format!(
                "{key}: {}\n",
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
        assert_eq!(render(&v, "text"), "BUCKETS\td\ta\nOWNER\tNone");
        let t = render(&v, "table");
        assert!(t.contains("| creation_date | name |"), "{t}");
    }
}
