//! Per-invocation budgets for every host resource a guest can make the host spend: table
//! entries, header bytes, requests, buffered body bytes, recorded requests, open files, bytes and
//! files written, response bytes, and the guest's instances, memories and tables. A guest that
//! exceeds one is refused at that call and its invocation ends at the next epoch tick with
//! [`BudgetExceeded`] naming the budget; other invocations are untouched.

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;

/// The limits of one invocation. Defaults are safe for untrusted components and generous for
/// the S3 connector (whose honest peak is a few dozen table entries and one or two requests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budgets {
    /// Entries in the resource table (requests, headers, streams, files, pollables). 1,024.
    pub resources: usize,
    /// Bytes (in-memory size) of one set of HTTP header fields. 16 KiB; S3 accepts 8 KiB.
    pub header_bytes: usize,
    /// Distinct origins (`scheme://host:port`) requested; each may keep pooled connections. 16.
    pub hosts: usize,
    /// Outgoing requests waiting for or streaming their response at once. 16.
    pub requests_in_flight: u64,
    /// Outgoing requests over the whole invocation, refused ones included. 100,000.
    pub requests_total: u64,
    /// Request-body bytes the host buffers per request ahead of the network. 4 MiB.
    pub request_body_buffer: usize,
    /// Bytes one HTTP response body may carry. 16 GiB.
    pub response_bytes: u64,
    /// Refused (and dry-run) requests kept for the caller; later ones are counted, not kept. 64.
    pub recorded_requests: usize,
    /// File-store streams and writers open at once. 16.
    pub open_files: u64,
    /// Bytes written to the file store. 16 GiB.
    pub file_bytes_written: u64,
    /// Files created in the file store. 1,000.
    pub files_created: u64,
    /// Component and core instances. 32.
    pub instances: usize,
    /// Linear memories (their total size is `Policy::memory_limit`). 4.
    pub memories: usize,
    /// Tables. 16.
    pub tables: usize,
    /// Elements of one table. 100,000.
    pub table_elements: usize,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            resources: 1024,
            header_bytes: 16 * 1024,
            hosts: 16,
            requests_in_flight: 16,
            requests_total: 100_000,
            request_body_buffer: 4 * 1024 * 1024,
            response_bytes: 16 << 30,
            recorded_requests: 64,
            open_files: 16,
            file_bytes_written: 16 << 30,
            files_created: 1000,
            instances: 32,
            memories: 4,
            tables: 16,
            table_elements: 100_000,
        }
    }
}

/// The budget an invocation ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Budget {
    /// [`crate::Policy::memory_limit`], summed over the guest's memories.
    Memory,
    /// [`Budgets::resources`].
    Resources,
    /// [`Budgets::hosts`].
    Hosts,
    /// [`Budgets::requests_in_flight`].
    RequestsInFlight,
    /// [`Budgets::requests_total`].
    RequestsTotal,
    /// [`Budgets::open_files`].
    OpenFiles,
    /// [`Budgets::file_bytes_written`].
    FileBytesWritten,
    /// [`Budgets::files_created`].
    FilesCreated,
    /// [`Budgets::table_elements`].
    TableElements,
}

impl Budget {
    /// The budget's name, as in [`Budgets`].
    pub fn name(self) -> &'static str {
        match self {
            Budget::Memory => "memory_limit",
            Budget::Resources => "resources",
            Budget::Hosts => "hosts",
            Budget::RequestsInFlight => "requests_in_flight",
            Budget::RequestsTotal => "requests_total",
            Budget::OpenFiles => "open_files",
            Budget::FileBytesWritten => "file_bytes_written",
            Budget::FilesCreated => "files_created",
            Budget::TableElements => "table_elements",
        }
    }
}

/// An invocation asked for more than its budget allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct BudgetExceeded {
    /// Which budget.
    pub budget: Budget,
    /// Its limit.
    pub limit: u64,
}

impl fmt::Display for BudgetExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the invocation exceeded its {} budget of {}", self.budget.name(), self.limit)
    }
}

/// What one invocation has used so far, shared by its host calls and HTTP hooks.
#[derive(Debug)]
pub(crate) struct Usage {
    budgets: Budgets,
    in_flight: AtomicU64,
    requests: AtomicU64,
    open_files: AtomicU64,
    bytes_written: AtomicU64,
    files_created: AtomicU64,
    exceeded: OnceLock<BudgetExceeded>,
    /// Wakes the invocation's runner when a budget is exceeded.
    signal: tokio::sync::Notify,
}

impl Usage {
    pub(crate) fn new(budgets: Budgets) -> Arc<Self> {
        Arc::new(Self {
            budgets,
            in_flight: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            open_files: AtomicU64::new(0),
            bytes_written: AtomicU64::new(0),
            files_created: AtomicU64::new(0),
            exceeded: OnceLock::new(),
            signal: tokio::sync::Notify::new(),
        })
    }

    pub(crate) fn budgets(&self) -> &Budgets {
        &self.budgets
    }

    /// The first budget this invocation exceeded, if any: the invocation must end.
    pub(crate) fn exceeded(&self) -> Option<BudgetExceeded> {
        self.exceeded.get().copied()
    }

    /// Completes once a budget has been exceeded.
    pub(crate) async fn exceeded_signal(&self) {
        if self.exceeded.get().is_none() {
            self.signal.notified().await;
        }
    }

    /// Records that `budget` ran out and returns the error for the refused call.
    pub(crate) fn exceed(&self, budget: Budget, limit: u64) -> BudgetExceeded {
        let error = BudgetExceeded { budget, limit };
        if self.exceeded.set(error).is_ok() {
            self.signal.notify_one();
        }
        error
    }

    /// Adds `amount` to `counter` unless that would pass `limit`.
    fn charge(&self, counter: &AtomicU64, amount: u64, budget: Budget, limit: u64) -> Result<(), BudgetExceeded> {
        let charged = counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
            used.checked_add(amount).filter(|&total| total <= limit)
        });
        charged.map(|_| ()).map_err(|_| self.exceed(budget, limit))
    }

    /// One more outgoing request: counted in the total and held in flight until the guard drops.
    pub(crate) fn start_request(self: &Arc<Self>) -> Result<Held, BudgetExceeded> {
        self.charge(&self.requests, 1, Budget::RequestsTotal, self.budgets.requests_total)?;
        self.hold(Budget::RequestsInFlight, self.budgets.requests_in_flight)
    }

    /// Requests in flight now.
    pub(crate) fn requests_in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Acquire)
    }

    /// One more open file stream or writer, until the guard drops.
    pub(crate) fn open_file(self: &Arc<Self>) -> Result<Held, BudgetExceeded> {
        self.hold(Budget::OpenFiles, self.budgets.open_files)
    }

    /// One more file created in the file store.
    pub(crate) fn create_file(&self) -> Result<(), BudgetExceeded> {
        self.charge(&self.files_created, 1, Budget::FilesCreated, self.budgets.files_created)
    }

    /// `bytes` more written to the file store.
    pub(crate) fn write_bytes(&self, bytes: u64) -> Result<(), BudgetExceeded> {
        self.charge(&self.bytes_written, bytes, Budget::FileBytesWritten, self.budgets.file_bytes_written)
    }

    fn hold(self: &Arc<Self>, budget: Budget, limit: u64) -> Result<Held, BudgetExceeded> {
        let counter = match budget {
            Budget::RequestsInFlight => &self.in_flight,
            _ => &self.open_files,
        };
        self.charge(counter, 1, budget, limit)?;
        Ok(Held { usage: self.clone(), budget })
    }
}

/// A unit of a budget in use (a request in flight, an open file), returned when dropped.
#[derive(Debug)]
pub(crate) struct Held {
    usage: Arc<Usage>,
    budget: Budget,
}

impl Drop for Held {
    fn drop(&mut self) {
        let counter = match self.budget {
            Budget::RequestsInFlight => &self.usage.in_flight,
            _ => &self.usage.open_files,
        };
        counter.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An `AsyncWrite` that charges every byte to the file-store budget before passing it on.
pub(crate) struct BudgetedWriter<W> {
    inner: W,
    usage: Arc<Usage>,
}

impl<W> BudgetedWriter<W> {
    pub(crate) fn new(inner: W, usage: Arc<Usage>) -> Self {
        Self { inner, usage }
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for BudgetedWriter<W> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let written = std::task::ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.usage.write_bytes(written as u64).map_err(std::io::Error::other)?;
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_units_come_back_and_the_first_overrun_is_remembered() {
        let usage = Usage::new(Budgets { requests_in_flight: 2, requests_total: 3, ..Budgets::default() });
        let a = usage.start_request().unwrap();
        let _b = usage.start_request().unwrap();
        let refused = usage.start_request().unwrap_err();
        assert_eq!(refused, BudgetExceeded { budget: Budget::RequestsInFlight, limit: 2 });
        assert_eq!(usage.exceeded(), Some(refused));
        drop(a);
        // The refused request still counted towards the total: 3 of 3 are used now.
        assert_eq!(usage.start_request().unwrap_err().budget, Budget::RequestsTotal);
        assert_eq!(usage.exceeded().unwrap().budget, Budget::RequestsInFlight, "the first overrun is kept");
        assert!(refused.to_string().contains("requests_in_flight budget of 2"));
    }

    #[test]
    fn byte_budgets_refuse_the_write_that_would_pass_them() {
        let usage = Usage::new(Budgets { file_bytes_written: 10, ..Budgets::default() });
        usage.write_bytes(6).unwrap();
        assert!(usage.write_bytes(5).is_err());
        usage.write_bytes(4).unwrap();
    }
}
