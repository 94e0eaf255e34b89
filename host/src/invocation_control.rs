//! The `invocation` import: the guest asks whether it was cancelled, reports its progress, and
//! hands over what a later attempt would need (its checkpoint).

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

    fn checkpoint(&mut self, state: String) -> wasmtime::Result<()> {
        if let Some(progress) = &self.control.progress {
            progress.set_checkpoint(state);
        }
        Ok(())
    }
}
