//! What an operation is: its description, schemas, permissions and the function that runs it.

use crate::client::Client;
use crate::error::Result;
use crate::schemas::{SchemaBuilder, name};
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

/// An operation's effects (the WIT `annotations`), for hosts that ask before running, retry or
/// cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effects {
    /// Changes nothing in the store.
    pub read_only: bool,
    /// May delete or irrecoverably replace what is there.
    pub destructive: bool,
    /// Twice has the effect of once.
    pub idempotent: bool,
}

impl Effects {
    /// Reads, lists, signed URLs.
    pub const READ_ONLY: Effects = Effects { read_only: true, destructive: false, idempotent: true };
    /// Writes that replace what is there (an object, its ACL, its tags), with the same result
    /// when repeated.
    pub const REPLACES: Effects = Effects { read_only: false, destructive: true, idempotent: true };
    /// Deletes: the second run finds nothing left to delete.
    pub const DELETES: Effects = Effects { read_only: false, destructive: true, idempotent: true };
    /// Creates something that must not exist yet: the second run fails.
    pub const CREATES: Effects = Effects { read_only: false, destructive: false, idempotent: false };
}

/// An operation the connector offers.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// Stable id (`snake_case`).
    pub id: &'static str,
    /// Human title.
    pub title: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Input JSON Schema (see [`Operation::input_schema`]).
    pub input_schema: SchemaBuilder,
    /// The input schema's property names, checked against every input without building the
    /// schema (a test keeps the two in step).
    pub input_fields: &'static [&'static str],
    /// Output JSON Schema (see [`Operation::output_schema`]).
    pub output_schema: SchemaBuilder,
    /// Permissions needed.
    pub permissions: &'static [Permission],
    /// What running it does to the store.
    pub effects: Effects,
    /// Runs it.
    pub run: fn(&mut Client<'_>, Value) -> Result<Value>,
}

impl Operation {
    /// The input's JSON Schema.
    pub fn input_schema(&self) -> Value {
        self.input_schema.schema(&name("operation", self.id, "input"))
    }

    /// The output's JSON Schema.
    pub fn output_schema(&self) -> Value {
        self.output_schema.schema(&name("operation", self.id, "output"))
    }
}

/// Parses `input` into the operation's input type.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(input: Value) -> Result<T> {
    crate::input::parse_input("input", input)
}
