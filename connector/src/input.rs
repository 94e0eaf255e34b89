//! Turning JSON input into typed operation input, with errors that point at the field.

use crate::error::{ConnectorError, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserializes `value` into `T`; on failure the error names the field as a JSON pointer and says
/// what was expected. `what` names the object in messages (`auth`, `input`).
pub fn parse_input<T: DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    let value = match value {
        Value::Null => Value::Object(Default::default()),
        other => other,
    };
    serde_path_to_error::deserialize(value).map_err(|err| field_error(what, err))
}

/// Deserializes the JSON text `text` into `T` without building a [`Value`] first (the `auth` of
/// every invocation goes this way); `null` reads as `{}`. Errors as [`parse_input`]'s, and text
/// that is not JSON says so.
pub fn parse_input_text<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    let text = if text.trim() == "null" { "{}" } else { text };
    let not_json =
        |err: serde_json::Error| ConnectorError::invalid_input("", format!("{what} is not valid JSON: {err}"));
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|err| if err.inner().is_data() { field_error(what, err) } else { not_json(err.into_inner()) })?;
    deserializer.end().map_err(not_json)?;
    Ok(parsed)
}

/// The error for a value that does not fit its type: names the field as a JSON pointer.
fn field_error(what: &str, err: serde_path_to_error::Error<serde_json::Error>) -> ConnectorError {
    let path = err.path().to_string();
    let pointer = json_pointer(err.path());
    let inner = err.into_inner().to_string();
    let location = if pointer.is_empty() { what.to_string() } else { format!("{what}{}", path_suffix(&path)) };
    ConnectorError::invalid_input(pointer, format!("{location}: {inner}"))
}

/// The JSON pointer of `path` (`/a/b/0`), built from its segments: a key may hold any
/// character, `.`, `[` and `/` included.
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", escape_pointer(key))),
            Segment::Enum { variant } => out.push_str(&format!("/{}", escape_pointer(variant))),
            Segment::Unknown => out.push_str("/?"),
        }
    }
    out
}

fn path_suffix(path: &str) -> String {
    if path == "." { String::new() } else { format!(".{path}") }
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "the fields exist to be deserialized, not read")]
    struct Sample {
        bucket: String,
        #[serde(default)]
        keys: Vec<u32>,
    }

    #[test]
    fn errors_point_at_the_field() {
        let err = parse_input::<Sample>("input", serde_json::json!({"bucket": 3})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("/bucket"));
        assert!(err.message.starts_with("input.bucket: invalid type"), "{}", err.message);
        let err = parse_input::<Sample>("input", serde_json::json!({"bucket": "b", "keys": [1, "x"]})).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("/keys/1"));
        let err = parse_input::<Sample>("input", serde_json::json!({"bucket": "b", "extra": 1})).unwrap_err();
        assert!(err.message.contains("unknown field `extra`"), "{}", err.message);
        let err = parse_input::<Sample>("input", serde_json::json!({})).unwrap_err();
        assert!(err.message.contains("missing field `bucket`"), "{}", err.message);
    }

    #[test]
    fn text_parses_like_a_value_and_says_when_it_is_not_json() {
        let err = parse_input_text::<Sample>("auth", r#"{"bucket": "b", "keys": [1, "x"]}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("/keys/1"));
        assert!(err.message.starts_with("auth.keys[1]: invalid type"), "{}", err.message);
        let err = parse_input_text::<Sample>("auth", "null").unwrap_err();
        assert!(err.message.contains("missing field `bucket`"), "{}", err.message);
        for broken in [r#"{"bucket": "b""#, r#"{"bucket": "b"} x"#, "", "{'bucket': 1}"] {
            let err = parse_input_text::<Sample>("auth", broken).unwrap_err();
            assert!(err.message.starts_with("auth is not valid JSON: "), "{broken}: {}", err.message);
            assert_eq!(err.field.as_deref(), Some(""), "{broken}");
        }
        assert!(parse_input_text::<Sample>("auth", r#" {"bucket": "b"} "#).is_ok());
    }

    #[test]
    fn keys_with_any_characters_make_valid_pointers() {
        #[derive(Deserialize, Debug)]
        #[expect(dead_code, reason = "the field exists to be deserialized, not read")]
        struct Tags {
            tags: std::collections::BTreeMap<String, u32>,
        }
        // Found by the fuzzer: a key with a `[` and no `]` once cut the path outside the string.
        for key in ["a([", "x]", "a.b", "s/l~sh", "[0]", ""] {
            let input = serde_json::json!({ "tags": { key: "not a number" } });
            let from_value = parse_input::<Tags>("input", input.clone()).unwrap_err();
            let from_text = parse_input_text::<Tags>("input", &input.to_string()).unwrap_err();
            let escaped = key.replace('~', "~0").replace('/', "~1");
            assert_eq!(from_value.field.as_deref(), Some(format!("/tags/{escaped}").as_str()), "{key:?}");
            assert_eq!(from_text.field, from_value.field, "{key:?}");
        }
        let crash = b"\x03{\"cc/ess_et2#:\x92([\"\xc7\x80\xff\xff\x00\n";
        let _ = parse_input_text::<Sample>("auth", &String::from_utf8_lossy(crash));
    }
}
