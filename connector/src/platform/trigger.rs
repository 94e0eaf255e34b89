//! What a trigger is, and what polling one returns.

use crate::client::Client;
use crate::error::Result;
use crate::ops::Permission;
use crate::schemas::{SchemaBuilder, name};
use serde_json::Value;

/// A trigger the connector offers.
#[derive(Debug, Clone, Copy)]
pub struct Trigger {
    /// Stable id (`snake_case`).
    pub id: &'static str,
    /// Human title.
    pub title: &'static str,
    /// What fires it.
    pub description: &'static str,
    /// Its configuration's JSON Schema (see [`Trigger::config_schema`]).
    pub config_schema: SchemaBuilder,
    /// One event's JSON Schema (see [`Trigger::event_schema`]).
    pub event_schema: SchemaBuilder,
    /// Permissions polling needs.
    pub permissions: &'static [Permission],
    /// The suggested time between polls.
    pub suggested_interval_seconds: u32,
    /// Polls it: configuration, previous state.
    pub poll: fn(&mut Client<'_>, Value, Option<&str>) -> Result<PollOutcome>,
}

impl Trigger {
    /// Its configuration's JSON Schema.
    pub fn config_schema(&self) -> Value {
        self.config_schema.schema(&name("trigger", self.id, "config"))
    }

    /// One event's JSON Schema.
    pub fn event_schema(&self) -> Value {
        self.event_schema.schema(&name("trigger", self.id, "event"))
    }
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq)]
pub struct PollOutcome {
    /// Events, oldest first.
    pub events: Vec<Value>,
    /// The state for the next poll.
    pub state: String,
    /// More events are ready now.
    pub has_more: bool,
}
