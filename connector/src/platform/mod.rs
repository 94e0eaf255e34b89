//! What a workflow platform asks of a connector besides running operations: a connection check
//! ([`check`]), the choices for an input field ([`options`]), and triggers to poll ([`poll`]).

mod check;
mod choices;
mod key_filter;
mod new_objects;
mod poll_state;
mod polling;
mod trigger;

pub use check::check;
pub use choices::{Choice, Choices, options};
pub use polling::{TRIGGERS, poll};
pub use trigger::{PollOutcome, Trigger};
