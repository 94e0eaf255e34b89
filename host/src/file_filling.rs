//! The resource behind `file-store.filling`: a `file-writer.fill-at` copy running in the
//! background, so several ranges of one download are written at once, each at its own offset.
//! (Its outcome is in this module's own terms: the bindings name this type, so it cannot name
//! theirs; `file_store` converts.)

use crate::budget::Held;
use wasmtime_wasi::p2::Pollable;
use wasmtime_wasi::runtime::AbortOnDropJoinHandle;

/// How a copy ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CopyEnd {
    /// The source ended, or the limit was reached, after this many bytes.
    Done(u64),
    /// Reading the source failed after `copied` bytes.
    SourceFailed {
        /// Bytes written before the failure.
        copied: u64,
        /// What went wrong.
        reason: String,
    },
    /// The source went past the host's response-size budget after this many bytes.
    TooLarge(u64),
    /// The host refused the write (a budget): the reason.
    Denied(String),
    /// Writing the file failed, or the copy stopped: the reason.
    Io(String),
}

/// A copy under way, or how it ended. Dropping it aborts the copy.
pub struct Filling {
    /// The copy, until it ends.
    task: Option<AbortOnDropJoinHandle<CopyEnd>>,
    /// How it ended, once it has.
    end: Option<CopyEnd>,
    /// The copy's file handle counts against the invocation's open files.
    _open: Held,
}

impl Filling {
    /// Follows `task`, which holds one open file of the invocation's budget (`open`).
    pub(crate) fn new(task: AbortOnDropJoinHandle<CopyEnd>, open: Held) -> Self {
        Self { task: Some(task), end: None, _open: open }
    }

    /// How the copy ended, if it has (without waiting).
    pub(crate) fn end(&mut self) -> Option<CopyEnd> {
        if let Some(task) = self.task.as_mut()
            && task.is_finished()
        {
            // A finished task's output is ready: one poll takes it without waiting.
            let mut context = std::task::Context::from_waker(std::task::Waker::noop());
            if let std::task::Poll::Ready(joined) = std::pin::Pin::new(&mut **task).poll(&mut context) {
                self.task = None;
                self.end = Some(joined.unwrap_or_else(|e| CopyEnd::Io(format!("the copy stopped: {e}"))));
            }
        }
        self.end.clone()
    }
}

#[async_trait::async_trait]
impl Pollable for Filling {
    async fn ready(&mut self) {
        // Awaited in place: `poll` may drop this wait unfinished, and the task must survive it.
        if let Some(task) = self.task.as_mut() {
            let joined = (&mut **task).await;
            self.task = None;
            self.end = Some(joined.unwrap_or_else(|e| CopyEnd::Io(format!("the copy stopped: {e}"))));
        }
    }
}
