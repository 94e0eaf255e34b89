//! Writes and checks the schema catalogue (`connector/schemas.json`, see [`crate::schemas`]): the
//! test `the_schema_catalogue_is_current` fails when the file no longer matches the builders;
//! rewrite it with `UPDATE_SCHEMAS=1 cargo test -p s3-connector --lib schema_catalogue`.

use crate::schemas::name;
use serde_json::Value;

/// The catalogue's text: a JSON object with one `"name": schema` member per line.
pub fn catalogue_text() -> String {
    let mut entries: Vec<(String, Value)> =
        vec![("auth".to_string(), crate::client::connection::AUTH_SCHEMA.schema("auth"))];
    for op in crate::ops::OPERATIONS {
        entries.push((name("operation", op.id, "input"), op.input_schema()));
        entries.push((name("operation", op.id, "output"), op.output_schema()));
    }
    for trigger in crate::platform::TRIGGERS {
        entries.push((name("trigger", trigger.id, "config"), trigger.config_schema()));
        entries.push((name("trigger", trigger.id, "event"), trigger.event_schema()));
    }
    let lines: Vec<String> =
        entries.iter().map(|(name, schema)| format!("{}: {schema}", Value::String(name.clone()))).collect();
    format!("{{\n{}\n}}\n", lines.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_catalogue_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas.json");
        let built = catalogue_text();
        if std::env::var_os("UPDATE_SCHEMAS").is_some() {
            std::fs::write(path, &built).expect("write schemas.json");
        }
        let stored = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            stored == built,
            "connector/schemas.json does not match the schema builders: rewrite it with \
             `UPDATE_SCHEMAS=1 cargo test -p s3-connector --lib schema_catalogue`"
        );
        // It is one JSON object, and every line past the first is one member.
        let parsed: serde_json::Map<String, Value> = serde_json::from_str(&stored).unwrap();
        assert_eq!(parsed.len(), stored.lines().count() - 2);
        assert!(parsed.values().all(Value::is_object));
    }
}
