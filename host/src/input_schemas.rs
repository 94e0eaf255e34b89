//! Inputs checked against the connector's own manifest before the guest runs: each operation's
//! input schema and each trigger's configuration schema (JSON Schema, draft 2020-12), compiled
//! once. A platform renders forms from those schemas; with this check it can also trust that no
//! input outside them reaches the connector.
//!
//! The schemas come from the component, which the host does not trust: they are parsed with
//! `serde_json`'s depth limit, and a `$ref` to anything but the embedded meta-schemas is refused
//! (no file or network reads at compile time).

use crate::bindings::ConnectorInfo;
use boon::{Compiler, SchemaIndex, Schemas, UrlLoader, ValidationError};
use std::collections::HashMap;
use std::error::Error;

/// The compiled input schemas of one connector.
pub struct InputSchemas {
    schemas: Schemas,
    /// Each schema's JSON by its location, to explain refusals in its own terms (field names).
    sources: HashMap<String, serde_json::Value>,
    operations: HashMap<String, SchemaIndex>,
    triggers: HashMap<String, SchemaIndex>,
}

impl std::fmt::Debug for InputSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputSchemas")
            .field("operations", &self.operations.len())
            .field("triggers", &self.triggers.len())
            .finish()
    }
}

/// Why an input was refused: where (a JSON pointer into the input) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRefusal {
    /// JSON pointer to the value at fault (`""` for the input as a whole).
    pub field: String,
    /// What is wrong, in the schema's terms.
    pub message: String,
}

/// Loads nothing: a schema may only refer to itself and the meta-schemas built into `boon`.
struct NoLoader;

impl UrlLoader for NoLoader {
    fn load(&self, url: &str) -> Result<serde_json::Value, Box<dyn Error>> {
        Err(format!("a connector's schema may not load {url}").into())
    }
}

impl InputSchemas {
    /// Compiles every operation's input schema and every trigger's configuration schema in
    /// `info`; fails with what is wrong with the first one that is not a usable schema.
    pub fn compile(info: &ConnectorInfo) -> Result<Self, String> {
        let mut compiler = Compiler::new();
        compiler.use_loader(Box::new(NoLoader));
        let mut schemas = Schemas::new();
        let mut sources = HashMap::new();
        let mut add = |kind: &str, id: &str, text: &str| -> Result<SchemaIndex, String> {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("the {kind} schema of {id:?} is not JSON: {e}"))?;
            let location = format!("urn:connector:{kind}:{}", id.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
            sources.insert(location.clone(), json.clone());
            compiler.add_resource(&location, json).map_err(|e| format!("the {kind} schema of {id:?}: {e}"))?;
            compiler.compile(&location, &mut schemas).map_err(|e| format!("the {kind} schema of {id:?}: {e}"))
        };
        let mut operations = HashMap::new();
        for op in &info.operations {
            operations.insert(op.id.clone(), add("input", &op.id, &op.input_schema)?);
        }
        let mut triggers = HashMap::new();
        for trigger in &info.triggers {
            triggers.insert(trigger.id.clone(), add("config", &trigger.id, &trigger.config_schema)?);
        }
        Ok(Self { schemas, sources, operations, triggers })
    }

    /// Checks `input` (JSON text) against `operation`'s input schema. An operation the manifest
    /// does not list is left to the connector (it names the ones it has).
    pub fn check_operation(&self, operation: &str, input: &str) -> Result<(), SchemaRefusal> {
        self.check(self.operations.get(&operation.replace('-', "_")), input, "input")
    }

    /// Checks a trigger's `config` (JSON text) against its configuration schema.
    pub fn check_trigger(&self, trigger: &str, config: &str) -> Result<(), SchemaRefusal> {
        self.check(self.triggers.get(&trigger.replace('-', "_")), config, "configuration")
    }

    fn check(&self, schema: Option<&SchemaIndex>, text: &str, what: &str) -> Result<(), SchemaRefusal> {
        let Some(&schema) = schema else { return Ok(()) };
        // An empty input is an empty object, as the connectors read it.
        let value: serde_json::Value = if text.trim().is_empty() {
            serde_json::Value::Object(Default::default())
        } else {
            serde_json::from_str(text).map_err(|e| SchemaRefusal {
                field: String::new(),
                message: format!("the {what} is not valid JSON: {e}"),
            })?
        };
        self.schemas.validate(&value, schema).map_err(|error| self.explain(&error, what))
    }

    /// A refusal for `error` that names the field at fault: an unknown or missing property, or
    /// the alternatives of a `oneOf` of required fields, by name.
    fn explain(&self, error: &ValidationError<'_, '_>, what: &str) -> SchemaRefusal {
        let failure = innermost(error);
        let location = failure.instance_location.to_string();
        let at = |name: &str| format!("{location}/{}", name.replace('~', "~0").replace('/', "~1"));
        match &failure.kind {
            boon::ErrorKind::AdditionalProperties { got } if !got.is_empty() => {
                let known = self.schema_at(failure.schema_url).and_then(|object| {
                    object["properties"].as_object().map(|p| p.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>())
                });
                let known = known.map(|names| format!("; expected one of: {}", names.join(", "))).unwrap_or_default();
                SchemaRefusal {
                    field: at(&got[0]),
                    message: format!("the {what} has unknown field `{}`{known}", got[0]),
                }
            }
            boon::ErrorKind::Required { want } if !want.is_empty() => {
                SchemaRefusal { field: at(want[0]), message: format!("the {what} is missing field `{}`", want[0]) }
            }
            boon::ErrorKind::OneOf(matched) => {
                let names = self.schema_at(failure.schema_url).and_then(|schema| {
                    schema["oneOf"]
                        .as_array()?
                        .iter()
                        .map(|a| Some(a["required"].as_array()?.first()?.as_str()?.to_string()))
                        .collect::<Option<Vec<_>>>()
                });
                match names {
                    Some(names) if !names.is_empty() => {
                        let listed = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                        match matched {
                            Some((_, second)) => SchemaRefusal {
                                field: at(names.get(*second).unwrap_or(&names[0])),
                                message: format!("the {what} gives more than one of {listed}: give exactly one"),
                            },
                            None => SchemaRefusal {
                                field: at(&names[0]),
                                message: format!("the {what} needs one of {listed}"),
                            },
                        }
                    }
                    _ => generic(failure, location, what),
                }
            }
            _ => {
                let mut refusal = generic(failure, location, what);
                // What the field is for, in the schema's words: how to fix it.
                if let Some(schema) = self.schema_at(failure.schema_url) {
                    let title = schema["title"].as_str();
                    let description = schema["description"].as_str();
                    let about = match (title, description) {
                        (Some(title), Some(description)) => format!(" ({title}: {description})"),
                        (Some(about), None) | (None, Some(about)) => format!(" ({about})"),
                        (None, None) => String::new(),
                    };
                    refusal.message.push_str(&about);
                }
                refusal
            }
        }
    }

    /// The schema at `schema_url` (an absolute location with a JSON-pointer fragment, as the
    /// validator names the schema that failed).
    fn schema_at(&self, schema_url: &str) -> Option<&serde_json::Value> {
        let (document, pointer) = schema_url.split_once('#')?;
        self.sources.get(document)?.pointer(pointer)
    }
}

/// The failure at the bottom of `error`'s first chain of causes (stopping at a `oneOf`, whose
/// alternatives' own failures say less than the `oneOf` itself).
fn innermost<'e, 's, 'v>(error: &'e ValidationError<'s, 'v>) -> &'e ValidationError<'s, 'v> {
    let mut current = error;
    while !matches!(current.kind, boon::ErrorKind::OneOf(_))
        && let Some(first) = current.causes.first()
    {
        current = first;
    }
    current
}

/// A refusal in the validator's own words, at `location`. Those that would repeat the value
/// (a pattern, a format, a constant) are said without it: the value may be a secret.
fn generic(failure: &ValidationError<'_, '_>, location: String, what: &str) -> SchemaRefusal {
    let place = if location.is_empty() { "itself".to_string() } else { format!("at {location}") };
    let detail = match &failure.kind {
        boon::ErrorKind::Pattern { want, .. } => format!("the value does not match the pattern {want}"),
        boon::ErrorKind::Format { want, .. } => format!("the value is not a valid {want}"),
        boon::ErrorKind::Const { .. } => "the value is not the one allowed".to_string(),
        kind => kind.to_string(),
    };
    SchemaRefusal { message: format!("the {what} does not match its schema {place}: {detail}"), field: location }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::{Annotations, Operation, Trigger};

    fn info(input_schema: &str) -> ConnectorInfo {
        ConnectorInfo {
            name: "t".into(),
            title: String::new(),
            version: String::new(),
            description: String::new(),
            auth_schema: "{}".into(),
            operations: vec![Operation {
                id: "get_thing".into(),
                title: String::new(),
                description: String::new(),
                input_schema: input_schema.into(),
                output_schema: "{}".into(),
                permissions: Vec::new(),
                annotations: Annotations { read_only: true, destructive: false, idempotent: true },
            }],
            triggers: vec![Trigger {
                id: "changes".into(),
                title: String::new(),
                description: String::new(),
                config_schema: r#"{"type":"object","required":["bucket"]}"#.into(),
                event_schema: "{}".into(),
                permissions: Vec::new(),
                suggested_interval_seconds: 60,
            }],
        }
    }

    const SCHEMA: &str = r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "additionalProperties": false, "required": ["bucket"],
        "properties": {"bucket": {"type": "string", "minLength": 3}, "max": {"type": "integer", "maximum": 1000},
                       "code": {"type": "string", "pattern": "^[0-9]{6}$", "writeOnly": true, "title": "Code", "description": "six digits"},
                       "items": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}}}}}}"#;

    #[test]
    fn inputs_outside_the_schema_are_refused_with_a_pointer() {
        let schemas = InputSchemas::compile(&info(SCHEMA)).unwrap();
        assert_eq!(schemas.check_operation("get_thing", r#"{"bucket": "abc", "max": 5}"#), Ok(()));
        assert_eq!(schemas.check_operation("get-thing", r#"{"bucket": "abc"}"#), Ok(()));
        let cases = [
            (r#"{"bucket": "abc", "max": 5000}"#, "/max"),
            (r#"{"bucket": 7}"#, "/bucket"),
            (r#"{"bucket": "abc", "items": [{"key": "a"}, {"key": 1}]}"#, "/items/1/key"),
            (r#"{}"#, "/bucket"),
            ("", "/bucket"),
            ("[1]", ""),
            ("not json", ""),
        ];
        for (input, field) in cases {
            let refusal = schemas.check_operation("get_thing", input).unwrap_err();
            assert_eq!(refusal.field, field, "{input}: {}", refusal.message);
            assert!(refusal.message.starts_with("the input "), "{}", refusal.message);
        }
        let unknown = schemas.check_operation("get_thing", r#"{"bucket": "abc", "colour": "red"}"#).unwrap_err();
        assert_eq!(unknown.field, "/colour");
        assert!(unknown.message.contains("unknown field `colour`; expected one of: `bucket`"), "{}", unknown.message);
        let missing = schemas.check_operation("get_thing", r#"{"max": 1}"#).unwrap_err();
        assert_eq!(
            (missing.field.as_str(), missing.message.as_str()),
            ("/bucket", "the input is missing field `bucket`")
        );
        assert_eq!(schemas.check_operation("not_listed", "{}"), Ok(()), "the connector names its operations");
        let secret =
            schemas.check_operation("get_thing", r#"{"bucket": "abc", "code": "hunter2-secret"}"#).unwrap_err();
        assert_eq!(secret.field, "/code");
        assert!(!secret.message.contains("hunter2"), "{}", secret.message);
        assert!(secret.message.contains("(Code: six digits)"), "{}", secret.message);
        assert_eq!(schemas.check_trigger("changes", "{}").unwrap_err().field, "/bucket");
    }

    #[test]
    fn one_of_several_fields_is_explained_by_name() {
        let schema = r#"{"type": "object", "oneOf": [{"required": ["file"]}, {"required": ["url"]}],
            "properties": {"file": {"type": "string"}, "url": {"type": "string"}}}"#;
        let schemas = InputSchemas::compile(&info(schema)).unwrap();
        assert_eq!(schemas.check_operation("get_thing", r#"{"url": "u"}"#), Ok(()));
        let neither = schemas.check_operation("get_thing", "{}").unwrap_err();
        assert_eq!(
            (neither.field.as_str(), neither.message.as_str()),
            ("/file", "the input needs one of `file`, `url`")
        );
        let both = schemas.check_operation("get_thing", r#"{"file": "f", "url": "u"}"#).unwrap_err();
        assert_eq!(both.field, "/url");
        assert!(both.message.contains("more than one of `file`, `url`"), "{}", both.message);
    }

    #[test]
    fn a_schema_may_not_read_files_or_be_malformed() {
        // A readable, valid schema file: a loader that reads files would compile this.
        let dir = std::env::temp_dir().join(format!("schema-ref-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s.json"), r#"{"type": "object"}"#).unwrap();
        let reading = format!(r#"{{"$ref": "file://{}/s.json"}}"#, dir.display());
        let refused = InputSchemas::compile(&info(&reading)).unwrap_err();
        assert!(refused.contains("s.json"), "{refused}");
        std::fs::remove_dir_all(&dir).unwrap();
        let remote = r#"{"$ref": "https://example.com/schema.json"}"#;
        assert!(InputSchemas::compile(&info(remote)).is_err());
        assert!(InputSchemas::compile(&info("{")).unwrap_err().contains("not JSON"));
        let deep = format!("{}{}", "{\"items\":".repeat(200), "}".repeat(200));
        assert!(InputSchemas::compile(&info(&deep)).is_err(), "serde_json's depth limit applies");
    }
}
