//! Polling a trigger (WIT `connector.poll`): finding it, parsing its configuration, running it.

use super::new_objects;
use super::trigger::{PollOutcome, Trigger};
use crate::client::Client;
use crate::client::connection::Connection;
use crate::client::transport::Transport;
use crate::error::{ConnectorError, Result};
use serde_json::Value;

/// Every trigger, in presentation order.
pub const TRIGGERS: &[Trigger] = &[new_objects::NEW_OBJECTS];

/// Polls trigger `id` with `auth` and `config` (JSON texts), continuing `state`.
pub fn poll(
    transport: &mut dyn Transport,
    id: &str,
    auth: &str,
    config: &str,
    state: Option<&str>,
) -> Result<PollOutcome> {
    let trigger = TRIGGERS.iter().find(|t| t.id == id.replace('-', "_")).ok_or_else(|| {
        let known: Vec<&str> = TRIGGERS.iter().map(|t| t.id).collect();
        ConnectorError::invalid_input("", format!("unknown trigger {id:?}; known triggers: {}", known.join(", ")))
    })?;
    let config: Value = serde_json::from_str(config)
        .map_err(|e| ConnectorError::invalid_input("", format!("trigger configuration is not valid JSON: {e}")))?;
    let mut client = Client::new(Connection::from_json(auth)?, transport);
    (trigger.poll)(&mut client, config, state)
}
