//! Live transfer counters an embedder (or the CLI's progress bar) can watch during an invocation.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes moved by one invocation so far, updated as request and response bodies stream.
#[derive(Debug, Default)]
pub struct Transfer {
    sent: AtomicU64,
    received: AtomicU64,
    expected_download: AtomicU64,
    reported_done: AtomicU64,
    /// `u64::MAX` while unknown.
    reported_total: AtomicU64,
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
