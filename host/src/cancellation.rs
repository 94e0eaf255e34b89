//! Cancelling a running invocation: the embedder's handle, and what the guest is told.
//!
//! A cancel is a request, not a kill: the guest sees it (`invocation.cancel-requested`) between
//! steps, undoes what it started (a multipart upload is aborted — requests are still allowed) and
//! returns the `cancelled` error kind. A guest that has not answered within the grace period is
//! stopped like one past its time limit.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// How long a cancelled guest has to clean up when the policy does not say.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);

/// A handle an embedder keeps to cancel an invocation (or several) from another task.
#[derive(Debug, Default)]
pub struct Cancellation {
    requested: AtomicBool,
    notify: Notify,
}

impl Cancellation {
    /// A handle nobody has cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the invocations that hold this handle to stop. Idempotent.
    pub fn cancel(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// Resolves once [`Self::cancel`] was called (at once if it was already).
    pub async fn requested(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_requested() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn waiters_wake_on_cancel_and_late_waiters_do_not_wait() {
        let handle = Arc::new(Cancellation::new());
        let waiter = tokio::spawn({
            let handle = handle.clone();
            async move { handle.requested().await }
        });
        tokio::task::yield_now().await;
        assert!(!handle.is_requested());
        handle.cancel();
        tokio::time::timeout(Duration::from_secs(5), waiter).await.unwrap().unwrap();
        tokio::time::timeout(Duration::from_secs(5), handle.requested()).await.unwrap();
    }
}
