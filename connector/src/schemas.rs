//! Where the connector's JSON Schemas come from: their builders (the `json!` code beside each
//! operation) natively, the catalogue `connector/schemas.json` in the component.
//!
//! Built as code, each schema is a chain of map insertions: about 150 KB of the component; as
//! text, a fraction of that. The catalogue is written from the builders, one schema per line, and
//! checked against them by a test (`schema_catalogue`).

use serde_json::Value;

/// Builds one JSON Schema. Only native builds keep the function: in the component the schema
/// is read from the catalogue, so the builder (never referenced from the compiled constant) is
/// left out of it.
#[derive(Clone, Copy)]
pub struct SchemaBuilder {
    #[cfg(not(target_arch = "wasm32"))]
    build: fn() -> Value,
}

impl SchemaBuilder {
    /// A builder running `build`.
    #[cfg(not(target_arch = "wasm32"))]
    pub const fn new(build: fn() -> Value) -> Self {
        SchemaBuilder { build }
    }

    /// A builder whose schema comes from the catalogue (`build` is dropped, so it is not
    /// compiled into the component).
    #[cfg(target_arch = "wasm32")]
    pub const fn new(_build: fn() -> Value) -> Self {
        SchemaBuilder {}
    }

    /// The schema, built (`name` is its catalogue name: the component reads it from there).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn schema(&self, _name: &str) -> Value {
        (self.build)()
    }

    /// The schema `name` (`operation <id> input`, ...), read from the catalogue.
    #[cfg(target_arch = "wasm32")]
    pub fn schema(&self, name: &str) -> Value {
        lookup(name)
    }
}

impl std::fmt::Debug for SchemaBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SchemaBuilder")
    }
}

/// The catalogue the component was built with.
#[cfg(target_arch = "wasm32")]
const CATALOGUE: &str = include_str!("../schemas.json");

/// The schema `name` from the catalogue; `null` for a name it lacks (the catalogue test keeps
/// every name there).
#[cfg(target_arch = "wasm32")]
fn lookup(name: &str) -> Value {
    let prefix = format!("{}: ", Value::String(name.to_string()));
    CATALOGUE
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|schema| serde_json::from_str(schema.trim_end_matches(',')).ok())
        .unwrap_or(Value::Null)
}

/// The catalogue's name for an operation's or a trigger's schema (`operation get_object input`).
pub fn name(kind: &str, id: &str, which: &str) -> String {
    format!("{kind} {id} {which}")
}
