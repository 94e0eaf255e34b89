//! A `fill-at` copy. This adapter has no background tasks: the copy runs to its end inside
//! `fill-at`, and the `filling` it returns is already finished.

use crate::bindings::exports::workflow::connector::file_store::{FileError, FillEnd, GuestFilling};
use crate::bindings::wasi::clocks::monotonic_clock::subscribe_duration;
use crate::bindings::wasi::io::poll::Pollable;

/// How a copy ended.
pub(crate) struct Finished {
    pub(crate) end: Result<FillEnd, FileError>,
}

impl GuestFilling for Finished {
    /// Ready at once: the copy has ended.
    fn subscribe(&self) -> Pollable {
        subscribe_duration(0)
    }

    fn end(&self) -> Option<Result<FillEnd, FileError>> {
        Some(self.end.clone())
    }
}
