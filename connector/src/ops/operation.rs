//! What an operation is: its description, schemas, permissions and the function that runs it.

use crate::client::Client;
use crate::error::Result;
use serde_json::Value;

/// One IAM permission need: actions on a resource pattern with `{bucket}`/`{key}` placeholders.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    /// IAM actions.
    pub actions: &'static [&'static str],
    /// Resource pattern.
    pub resource: &'static str,
}

/// The object ARN pattern.
pub(super) const OBJECT_ARN: &str = "arn:aws:s3:::{bucket}/{key}";
/// The bucket ARN pattern (no trailing slash).
pub(super) const BUCKET_ARN: &str = "arn:aws:s3:::{bucket}";

/// An operation the connector offers.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// Stable id (`snake_case`).
    pub id: &'static str,
    /// Human title.
    pub title: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Input JSON Schema.
    pub input_schema: fn() -> Value,
    /// The input schema's property names, checked against every input without building the
    /// schema (a test keeps the two in step).
    pub input_fields: &'static [&'static str],
    /// Output JSON Schema.
    pub output_schema: fn() -> Value,
    /// Permissions needed.
    pub permissions: &'static [Permission],
    /// Safe to repeat.
    pub idempotent: bool,
    /// Runs it.
    pub run: fn(&mut Client<'_>, Value) -> Result<Value>,
}

/// Parses `input` into the operation's input type.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(input: Value) -> Result<T> {
    crate::input::parse_input("input", input)
}
