//! Inputs checked against the connector's own manifest before the guest runs: each operation's
//! input schema and each trigger's configuration schema (JSON Schema, draft 2020-12), compiled
//! once. A platform renders forms from those schemas; with this check it can also trust that no
//! input outside them reaches the connector.
//!
//! The schemas come from the component, which the host does not trust. Before compiling, each is
//! vetted ([`vet`]): parsed with `serde_json`'s depth limit (128), at most [`MAX_NODES`] values,
//! no `$ref` of any kind (a reference graph can make validation exponential or its recursion
//! overflow the stack: schemas in this contract are self-contained), draft 2020-12 only, and at
//! most [`MAX_PATTERNS`] regular expressions, each short and small once compiled. Nothing is
//! loaded from files or the network, and a panic inside the validator's compiler is an error.

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
    /// The input is too large to be read at all (else it does not match).
    pub too_large: bool,
}

/// Most JSON values (objects, arrays, strings, numbers...) in one schema.
pub const MAX_NODES: usize = 50_000;
/// Most regular expressions (`pattern`, `patternProperties` names) in one schema.
pub const MAX_PATTERNS: usize = 256;
/// Longest regular expression, in bytes.
const MAX_PATTERN_LENGTH: usize = 1_000;
/// Most memory one regular expression may take once compiled.
const MAX_PATTERN_BYTES: usize = 256 * 1024;
/// The one draft the contract's schemas use.
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

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
        compiler.set_default_draft(boon::Draft::V2020_12);
        let mut schemas = Schemas::new();
        let mut sources = HashMap::new();
        let mut count = 0;
        let mut add = |kind: &str, id: &str, text: &str| -> Result<SchemaIndex, String> {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("the {kind} schema of {id:?} is not JSON: {e}"))?;
            vet(&json).map_err(|why| format!("the {kind} schema of {id:?} {why}"))?;
            // By position: ids that read alike cannot share a schema.
            count += 1;
            let location = format!("urn:connector:schema:{count}");
            sources.insert(location.clone(), json.clone());
            compiler.add_resource(&location, json).map_err(|e| format!("the {kind} schema of {id:?}: {e}"))?;
            let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                compiler.compile(&location, &mut schemas).map_err(|e| e.to_string())
            }));
            match compiled {
                Ok(result) => result.map_err(|e| format!("the {kind} schema of {id:?}: {e}")),
                Err(_) => Err(format!("the {kind} schema of {id:?} broke the schema compiler")),
            }
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
    /// An input longer than `max_bytes` is refused unread: parsing it would spend host memory
    /// beyond what the invocation may use.
    pub fn check_operation(&self, operation: &str, input: &str, max_bytes: usize) -> Result<(), SchemaRefusal> {
        self.check(lookup(&self.operations, operation, "operation")?, input, "input", max_bytes)
    }

    /// Checks a trigger's `config` (JSON text) against its configuration schema, as
    /// [`Self::check_operation`].
    pub fn check_trigger(&self, trigger: &str, config: &str, max_bytes: usize) -> Result<(), SchemaRefusal> {
        self.check(lookup(&self.triggers, trigger, "trigger")?, config, "configuration", max_bytes)
    }

    fn check(&self, schema: SchemaIndex, text: &str, what: &str, max_bytes: usize) -> Result<(), SchemaRefusal> {
        if text.len() > max_bytes {
            return Err(SchemaRefusal {
                field: String::new(),
                message: format!(
                    "the {what} is {} bytes; at most {max_bytes} are accepted (send large content as a file or a URL)",
                    text.len()
                ),
                too_large: true,
            });
        }
        // An empty input is an empty object, as the connectors read it.
        let value: serde_json::Value = if text.trim().is_empty() {
            serde_json::Value::Object(Default::default())
        } else {
            serde_json::from_str(text).map_err(|e| SchemaRefusal {
                field: String::new(),
                message: format!("the {what} is not valid JSON: {e}"),
                too_large: false,
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
                    too_large: false,
                }
            }
            boon::ErrorKind::Required { want } if !want.is_empty() => SchemaRefusal {
                field: at(want[0]),
                message: format!("the {what} is missing field `{}`", want[0]),
                too_large: false,
            },
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
                                too_large: false,
                            },
                            None => SchemaRefusal {
                                field: at(&names[0]),
                                message: format!("the {what} needs one of {listed}"),
                                too_large: false,
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

/// The schema of `id` (as given, or with `-` for `_`), or a refusal naming the known ones: an id
/// the manifest does not list never reaches the connector.
fn lookup(known: &HashMap<String, SchemaIndex>, id: &str, what: &str) -> Result<SchemaIndex, SchemaRefusal> {
    known.get(id).or_else(|| known.get(&id.replace('-', "_"))).copied().ok_or_else(|| {
        let mut names: Vec<&str> = known.keys().map(String::as_str).collect();
        names.sort_unstable();
        SchemaRefusal {
            field: String::new(),
            message: format!("unknown {what} {id:?}; known {what}s: {}", names.join(", ")),
            too_large: false,
        }
    })
}

/// Refuses a schema this host will not compile: too many values, any `$ref`, another draft, or
/// too many, too long or too large regular expressions.
fn vet(schema: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    if let Some(draft) = schema.get("$schema")
        && draft.as_str().map(|d| d.trim_end_matches('#')) != Some(DRAFT_2020_12)
    {
        return Err(format!("declares {draft}; this contract's schemas are draft 2020-12"));
    }
    let mut nodes = 0;
    let mut patterns = Vec::new();
    let mut pending = vec![schema];
    while let Some(value) = pending.pop() {
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(format!("has more than {MAX_NODES} values"));
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match key.as_str() {
                        "$ref" | "$dynamicRef" | "$recursiveRef" => {
                            return Err(format!("uses {key}; this contract's schemas are self-contained"));
                        }
                        "pattern" => patterns.extend(child.as_str()),
                        "patternProperties" => {
                            patterns.extend(child.as_object().into_iter().flat_map(|p| p.keys().map(String::as_str)));
                        }
                        _ => {}
                    }
                    pending.push(child);
                }
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    if patterns.len() > MAX_PATTERNS {
        return Err(format!("has more than {MAX_PATTERNS} regular expressions"));
    }
    for pattern in patterns {
        if pattern.len() > MAX_PATTERN_LENGTH {
            return Err(format!("has a regular expression longer than {MAX_PATTERN_LENGTH} bytes"));
        }
        regex::RegexBuilder::new(pattern)
            .size_limit(MAX_PATTERN_BYTES)
            .build()
            .map_err(|e| format!("has a regular expression that is invalid or too large: {e}"))?;
    }
    Ok(())
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
/// (a pattern, a format, a constant, a number's bound) are said without it: it may be a secret.
fn generic(failure: &ValidationError<'_, '_>, location: String, what: &str) -> SchemaRefusal {
    let place = if location.is_empty() { "itself".to_string() } else { format!("at {location}") };
    let detail = match &failure.kind {
        boon::ErrorKind::Pattern { want, .. } => format!("the value does not match the pattern {want}"),
        boon::ErrorKind::Format { want, .. } => format!("the value is not a valid {want}"),
        boon::ErrorKind::Const { .. } => "the value is not the one allowed".to_string(),
        // Numbers without the value given (it may be an account number or a PIN).
        boon::ErrorKind::Minimum { want, .. } => format!("the value must be at least {want}"),
        boon::ErrorKind::Maximum { want, .. } => format!("the value must be at most {want}"),
        boon::ErrorKind::ExclusiveMinimum { want, .. } => format!("the value must be more than {want}"),
        boon::ErrorKind::ExclusiveMaximum { want, .. } => format!("the value must be less than {want}"),
        boon::ErrorKind::MultipleOf { want, .. } => format!("the value must be a multiple of {want}"),
        kind => kind.to_string(),
    };
    SchemaRefusal {
        message: format!("the {what} does not match its schema {place}: {detail}"),
        field: location,
        too_large: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::{Annotations, Operation, Trigger};

    /// Room enough for every input of these tests.
    const MAX: usize = 1 << 20;

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
        assert_eq!(schemas.check_operation("get_thing", r#"{"bucket": "abc", "max": 5}"#, MAX), Ok(()));
        assert_eq!(schemas.check_operation("get-thing", r#"{"bucket": "abc"}"#, MAX), Ok(()));
        let cases = [
            (r#"{"bucket": "abc", "max": 5000}"#, "/max"),
            (r#"{"bucket": "abc", "max": 5.5}"#, "/max"),
            (r#"{"bucket": 7}"#, "/bucket"),
            (r#"{"bucket": "abc", "items": [{"key": "a"}, {"key": 1}]}"#, "/items/1/key"),
            (r#"{}"#, "/bucket"),
            ("", "/bucket"),
            ("[1]", ""),
            ("not json", ""),
        ];
        for (input, field) in cases {
            let refusal = schemas.check_operation("get_thing", input, MAX).unwrap_err();
            assert_eq!(refusal.field, field, "{input}: {}", refusal.message);
            assert!(refusal.message.starts_with("the input "), "{}", refusal.message);
        }
        let unknown = schemas.check_operation("get_thing", r#"{"bucket": "abc", "colour": "red"}"#, MAX).unwrap_err();
        assert_eq!(unknown.field, "/colour");
        assert!(unknown.message.contains("unknown field `colour`; expected one of: `bucket`"), "{}", unknown.message);
        let missing = schemas.check_operation("get_thing", r#"{"max": 1}"#, MAX).unwrap_err();
        assert_eq!(
            (missing.field.as_str(), missing.message.as_str()),
            ("/bucket", "the input is missing field `bucket`")
        );
        let huge = format!(r#"{{"bucket": "{}"}}"#, "b".repeat(MAX));
        let refused = schemas.check_operation("get_thing", &huge, MAX).unwrap_err();
        assert!(refused.too_large && refused.message.contains("at most 1048576"), "{}", refused.message);
        let unlisted = schemas.check_operation("not_listed", "{}", MAX).unwrap_err();
        assert_eq!(unlisted.message, "unknown operation \"not_listed\"; known operations: get_thing");
        let number = schemas.check_operation("get_thing", r#"{"bucket": "abc", "max": 987654}"#, MAX).unwrap_err();
        assert!(number.message.contains("at most 1000") && !number.message.contains("987654"), "{}", number.message);
        let secret =
            schemas.check_operation("get_thing", r#"{"bucket": "abc", "code": "hunter2-secret"}"#, MAX).unwrap_err();
        assert_eq!(secret.field, "/code");
        assert!(!secret.message.contains("hunter2"), "{}", secret.message);
        assert!(secret.message.contains("(Code: six digits)"), "{}", secret.message);
        assert_eq!(schemas.check_trigger("changes", "{}", MAX).unwrap_err().field, "/bucket");
    }

    #[test]
    fn one_of_several_fields_is_explained_by_name() {
        let schema = r#"{"type": "object", "oneOf": [{"required": ["file"]}, {"required": ["url"]}],
            "properties": {"file": {"type": "string"}, "url": {"type": "string"}}}"#;
        let schemas = InputSchemas::compile(&info(schema)).unwrap();
        assert_eq!(schemas.check_operation("get_thing", r#"{"url": "u"}"#, MAX), Ok(()));
        let neither = schemas.check_operation("get_thing", "{}", MAX).unwrap_err();
        assert_eq!(
            (neither.field.as_str(), neither.message.as_str()),
            ("/file", "the input needs one of `file`, `url`")
        );
        let both = schemas.check_operation("get_thing", r#"{"file": "f", "url": "u"}"#, MAX).unwrap_err();
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
        assert!(refused.contains("uses $ref"), "{refused}");
        // Behind the vetting, the compiler's loader reads nothing either.
        let url = format!("file://{}/s.json", dir.display());
        assert!(NoLoader.load(&url).unwrap_err().to_string().contains("may not load"));
        std::fs::remove_dir_all(&dir).unwrap();
        let remote = r#"{"$ref": "https://example.com/schema.json"}"#;
        assert!(InputSchemas::compile(&info(remote)).is_err());
        // A reference graph that would make validation exponential (each level checks the next
        // twice) or recurse past the stack is refused before compiling.
        let defs: Vec<String> = (0..60)
            .map(|i| {
                format!(r##""d{i}": {{"allOf": [{{"$ref": "#/$defs/d{n}"}}, {{"$ref": "#/$defs/d{n}"}}]}}"##, n = i + 1)
            })
            .collect();
        let exponential = format!(r##"{{"$ref": "#/$defs/d0", "$defs": {{{}, "d60": {{}}}}}}"##, defs.join(", "));
        assert!(InputSchemas::compile(&info(&exponential)).unwrap_err().contains("uses $ref"));
        let huge_regex = r#"{"properties": {"a": {"type": "string", "pattern": "\\w{300}\\w{300}\\w{300}"}}}"#;
        assert!(
            InputSchemas::compile(&info(huge_regex)).unwrap_err().contains("too large"),
            "a regex that compiles to megabytes"
        );
        let many: Vec<String> = (0..300).map(|i| format!(r#""p{i}": {{"pattern": "a{i}"}}"#)).collect();
        let many = format!(r#"{{"properties": {{{}}}}}"#, many.join(", "));
        assert!(InputSchemas::compile(&info(&many)).unwrap_err().contains("more than 256 regular expressions"));
        let big = format!(r#"{{"enum": [{}]}}"#, vec!["1"; MAX_NODES + 1].join(","));
        assert!(InputSchemas::compile(&info(&big)).unwrap_err().contains("more than 50000 values"));
        let other_draft = r#"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}"#;
        assert!(InputSchemas::compile(&info(other_draft)).unwrap_err().contains("draft 2020-12"));
        let bad_pattern = r#"{"properties": {"a": {"pattern": "\\p{Bogus}"}}}"#;
        assert!(InputSchemas::compile(&info(bad_pattern)).is_err(), "refused, not a panic in debug builds");
        assert!(InputSchemas::compile(&info("{")).unwrap_err().contains("not JSON"));
        let deep = format!("{}{}", "{\"items\":".repeat(200), "}".repeat(200));
        assert!(InputSchemas::compile(&info(&deep)).is_err(), "serde_json's depth limit applies");
    }
}
