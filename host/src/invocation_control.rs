//! The `invocation` import: the guest asks whether it was cancelled and reports its progress.

use crate::bindings::invocation::Host;
use crate::state::HostState;

impl Host for HostState {
    fn cancel_requested(&mut self) -> wasmtime::Result<bool> {
        Ok(self.control.cancellation.as_ref().is_some_and(|c| c.is_requested()))
    }

    fn progress(&mut self, done: u64, total: Option<u64>) -> wasmtime::Result<()> {
        if let Some(progress) = &self.control.progress {
            progress.report(done, total);
        }
        Ok(())
    }
}
