//! What a trigger is, and what polling one returns.

use crate::client::Client;
use crate::error::Result;
use crate::ops::Permission;
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
    /// Its configuration's JSON Schema.
    pub config_schema: fn() -> Value,
    /// One event's JSON Schema.
    pub event_schema: fn() -> Value,
    /// Permissions polling needs.
    pub permissions: &'static [Permission],
    /// The suggested time between polls.
    pub suggested_interval_seconds: u32,
    /// Polls it: configuration, previous state.
    pub poll: fn(&mut Client<'_>, Value, Option<&str>) -> Result<PollOutcome>,
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
