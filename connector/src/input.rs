//! Turning JSON input into typed operation input, with errors that point at the field.
//!
//! Parsing goes straight to the typed value. Only when it fails is the field found: serde_json
//! says where in the text it stopped, and [`path_at`] walks the text up to there, keeping the
//! key or index of every object and array it is inside. (A wrapper that records the path while
//! parsing cost a tenth of the component's size and a wrapped visitor on every field.)

use crate::error::{ConnectorError, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserializes `value` into `T`; on failure the error names the field as a JSON pointer and says
/// what was expected. `what` names the object in messages (`auth`, `input`).
pub fn parse_input<T: DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    // Parsed from its text, so each input type has one deserializer in the component (the
    // text one, which `auth` needs anyway) and a failure has a position to find the field at.
    let text = match value {
        Value::Null => "{}".to_string(),
        other => other.to_string(),
    };
    parse_input_text(what, &text)
}

/// Deserializes the JSON text `text` into `T` without building a [`Value`] first (the `auth` of
/// every invocation goes this way); `null` reads as `{}`. Errors as [`parse_input`]'s, and text
/// that is not JSON says so.
pub fn parse_input_text<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    let text = if text.trim() == "null" { "{}" } else { text };
    serde_json::from_str(text).map_err(|err| {
        if err.is_data() {
            field_error(what, text, &err)
        } else {
            ConnectorError::invalid_input("", format!("{what} is not valid JSON: {err}"))
        }
    })
}

/// The error for a value that does not fit its type: names the field as a JSON pointer.
fn field_error(what: &str, text: &str, err: &serde_json::Error) -> ConnectorError {
    let path = path_at(text, offset_of(text, err.line(), err.column()));
    let pointer: String = path.iter().map(|segment| format!("/{}", segment.pointer())).collect();
    let mut location = what.to_string();
    for segment in &path {
        match segment {
            Segment::Key(key) => {
                location.push('.');
                location.push_str(key);
            }
            Segment::Index(index) => location.push_str(&format!("[{index}]")),
        }
    }
    ConnectorError::invalid_input(pointer, format!("{location}: {err}"))
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// An object's member.
    Key(String),
    /// An array's element.
    Index(usize),
}

impl Segment {
    /// The segment as a JSON pointer writes it (`~` and `/` escaped).
    fn pointer(&self) -> String {
        match self {
            Segment::Key(key) => key.replace('~', "~0").replace('/', "~1"),
            Segment::Index(index) => index.to_string(),
        }
    }
}

/// The byte offset of serde_json's `line` (from 1) and `column` (bytes into the line).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (line_start + column).min(text.len())
}

/// An open container while walking the text.
enum Open {
    /// An object, with the last key read (its member being parsed, or just parsed).
    Object(Option<String>),
    /// An array, with the index of its element being parsed (none before the first).
    Array(Option<usize>),
}

/// The path to the value being parsed when a parser stopped after `end` bytes of `text`: the
/// member or element of every container it was inside. After a container closed, the path is
/// the container's own (where a missing field is reported).
fn path_at(text: &str, end: usize) -> Vec<Segment> {
    let bytes = &text.as_bytes()[..end.min(text.len())];
    let mut open: Vec<Open> = Vec::new();
    // Whether the next string in an object is a key (after `{` or `,`), not a value.
    let mut expecting_key = false;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'{' => {
                start_value(&mut open);
                open.push(Open::Object(None));
                expecting_key = true;
            }
            b'[' => {
                start_value(&mut open);
                open.push(Open::Array(None));
            }
            b'}' | b']' => {
                open.pop();
                expecting_key = false;
            }
            b',' => match open.last_mut() {
                Some(Open::Object(_)) => expecting_key = true,
                Some(Open::Array(index)) => *index = Some(index.map_or(0, |i| i + 1)),
                None => {}
            },
            b'"' => {
                let (string, next) = read_string(bytes, at + 1);
                if expecting_key {
                    if let Some(Open::Object(key)) = open.last_mut() {
                        *key = Some(string);
                    }
                    expecting_key = false;
                } else {
                    start_value(&mut open);
                }
                at = next;
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b':' => {}
            _ => start_value(&mut open),
        }
        at += 1;
    }
    open.iter()
        .filter_map(|container| match container {
            Open::Object(key) => key.clone().map(Segment::Key),
            Open::Array(index) => index.map(Segment::Index),
        })
        .collect()
}

/// A value's byte at the current position: in an array before its first element, that element
/// begins (later ones begin at each `,`).
fn start_value(open: &mut [Open]) {
    if let Some(Open::Array(index @ None)) = open.last_mut() {
        *index = Some(0);
    }
}

/// The string whose content starts at `from` (after its opening quote), unescaped, and the
/// offset after its closing quote (or the end, for a string cut short).
fn read_string(bytes: &[u8], from: usize) -> (String, usize) {
    let mut out: Vec<u8> = Vec::new();
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => return (String::from_utf8_lossy(&out).into_owned(), at + 1),
            b'\\' if at + 1 < bytes.len() => {
                let escaped = bytes[at + 1];
                at += 2;
                let plain = match escaped {
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'u' => {
                        let (c, next) = read_unicode_escape(bytes, at);
                        at = next;
                        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        continue;
                    }
                    other => other,
                };
                out.push(plain);
                continue;
            }
            other => out.push(other),
        }
        at += 1;
    }
    (String::from_utf8_lossy(&out).into_owned(), bytes.len())
}

/// The character of a `\u` escape whose hex digits start at `at` (a surrogate pair takes the
/// following `\u` too), and the offset after it; a broken escape reads as U+FFFD.
fn read_unicode_escape(bytes: &[u8], at: usize) -> (char, usize) {
    let hex = |from: usize| {
        bytes
            .get(from..from + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
    };
    let Some(first) = hex(at) else { return (char::REPLACEMENT_CHARACTER, (at + 4).min(bytes.len())) };
    if (0xD800..0xDC00).contains(&first)
        && bytes.get(at + 4..at + 6) == Some(b"\\u")
        && let Some(second @ 0xDC00..0xE000) = hex(at + 6)
    {
        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return (char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER), at + 10);
    }
    (char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER), at + 4)
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
    fn the_path_is_found_in_nested_escaped_and_multiline_text() {
        #[derive(Deserialize, Debug)]
        #[expect(dead_code, reason = "the fields exist to be deserialized, not read")]
        struct Inner {
            name: String,
        }
        #[derive(Deserialize, Debug)]
        #[expect(dead_code, reason = "the field exists to be deserialized, not read")]
        struct Outer {
            items: Vec<Vec<Inner>>,
        }
        let text = "{\n  \"items\": [\n    [{\"name\": \"a\"}, {\"name\": \"b\"}],\n    [{\"name\": 12}]\n  ]\n}";
        let err = parse_input_text::<Outer>("input", text).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("/items/1/0/name"), "{}", err.message);
        assert!(err.message.starts_with("input.items[1][0].name: invalid type"), "{}", err.message);
        let err = parse_input_text::<Outer>("input", r#"{"items": [[{"name": "a"}, {}]]}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("/items/0/1"), "a missing field is the object's: {}", err.message);
        let err = parse_input_text::<Outer>("input", r#"{"items": [[]], "items": 1}"#).unwrap_err();
        assert!(err.message.contains("duplicate field"), "{}", err.message);
        // Keys written with escapes are named unescaped; strings holding brackets change nothing.
        let text = r#"{"\u0074a\"g\ud83d\ude00": {"x[{": "]}", "n": "v"}}"#;
        let err = parse_input_text::<std::collections::BTreeMap<String, std::collections::BTreeMap<String, u8>>>(
            "input", text,
        )
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("/ta\"g\u{1f600}/x[{"), "{}", err.message);
        let from_value = parse_input::<Outer>("input", serde_json::from_str(text).unwrap()).unwrap_err();
        assert_eq!(from_value.field.as_deref(), Some(""), "{}", from_value.message);
        assert!(from_value.message.contains("missing field `items`"), "{}", from_value.message);
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
