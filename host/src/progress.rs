//! Live transfer counters an embedder (or the CLI's progress bar) can watch during an invocation.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The longest checkpoint kept (`invocation.checkpoint`); a longer one is ignored.
pub const MAX_CHECKPOINT: usize = 4096;

/// Bytes moved by one invocation so far, updated as request and response bodies stream.
#[derive(Debug, Default)]
pub struct Transfer {
    sent: AtomicU64,
    received: AtomicU64,
    expected_download: AtomicU64,
    reported_done: AtomicU64,
    /// `u64::MAX` while unknown.
    reported_total: AtomicU64,
    /// The guest's last checkpoint (`""`: none).
    checkpoint: Mutex<String>,
}

impl Transfer {
    /// Request-body bytes handed to the network.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Response-body bytes received.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// The sum of the `Content-Length`s of responses seen (0 when unknown).
    pub fn expected_download(&self) -> u64 {
        self.expected_download.load(Ordering::Relaxed)
    }

    /// What the guest last reported (`invocation.progress`): done, and the total when known.
    pub fn reported(&self) -> (u64, Option<u64>) {
        let total = self.reported_total.load(Ordering::Relaxed);
        (self.reported_done.load(Ordering::Relaxed), (total != u64::MAX && total != 0).then_some(total))
    }

    pub(crate) fn report(&self, done: u64, total: Option<u64>) {
        self.reported_done.store(done, Ordering::Relaxed);
        self.reported_total.store(total.unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// What the guest last handed over for a later attempt (`invocation.checkpoint`): a JSON
    /// object, or `None` when there is nothing (or it was not JSON). Guest-chosen: a host that
    /// acts on it must check it like any input.
    pub fn checkpoint(&self) -> Option<serde_json::Value> {
        let state = self.checkpoint.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        serde_json::from_str(&state).ok().filter(serde_json::Value::is_object)
    }

    pub(crate) fn set_checkpoint(&self, state: String) {
        if state.len() <= MAX_CHECKPOINT {
            *self.checkpoint.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = state;
        }
    }

    pub(crate) fn add_sent(&self, bytes: u64) {
        self.sent.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn add_received(&self, bytes: u64) {
        self.received.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn expect_download(&self, bytes: u64) {
        self.expected_download.fetch_add(bytes, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_a_bounded_json_object_and_the_last_one_stands() {
        let transfer = Transfer::default();
        assert_eq!(transfer.checkpoint(), None);
        transfer.set_checkpoint(r#"{"multipart_upload":{"upload_id":"U1"}}"#.into());
        assert_eq!(transfer.checkpoint().unwrap()["multipart_upload"]["upload_id"], "U1");
        // A guest cannot make the host hold more than the bound: a longer state is ignored.
        transfer.set_checkpoint(format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_CHECKPOINT)));
        assert_eq!(transfer.checkpoint().unwrap()["multipart_upload"]["upload_id"], "U1");
        for nothing in ["", "not json", "[1]"] {
            transfer.set_checkpoint(nothing.into());
            assert_eq!(transfer.checkpoint(), None, "{nothing:?}");
        }
    }
}
