//! The boundary between S3 logic and the outside world. The component implements it on
//! `wasi:http` and the host's file store; everything above it is pure and testable natively.

use crate::client::request::Body;
use crate::error::Result;
use crate::protocol::http::{HttpResponse, Method};
use crate::protocol::url::HttpUrl;
pub use connector_contract::DigestAlgorithm;
use std::time::{Duration, SystemTime};

/// A signed request ready to send; it borrows the body so large bodies are never copied.
#[derive(Debug, Clone)]
pub struct HttpRequest<'a> {
    /// HTTP method.
    pub method: Method,
    /// Full URL, path encoded once.
    pub url: HttpUrl,
    /// All headers, including the signature.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: &'a Body,
}

/// Where a successful (2xx) response body goes. Error bodies are always read into memory.
#[derive(Debug, Clone)]
pub enum ResponseSink {
    /// Into memory, failing with `too-large` past `limit` bytes.
    Memory {
        /// Most bytes accepted.
        limit: u64,
    },
    /// Streamed into a host file, visible only once complete.
    File(FileSink),
    /// Not read at all: only the status and headers matter (the connection is not reused).
    Discard,
}

impl ResponseSink {
    /// Whether the body goes to a resumable download (whose caller retries, not the client).
    pub fn is_resumable(&self) -> bool {
        matches!(self, ResponseSink::File(FileSink { resume: Some(_), .. }))
    }
}

/// A host file a response body is written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSink {
    /// Name in the host file store.
    pub name: String,
    /// What happens to a file of that name that exists already.
    pub existing: ExistingFile,
    /// Keep the bytes of a failed attempt, to continue later.
    pub resume: Option<Resume>,
    /// Check the file against the checksum the answer states (its size is always checked).
    pub verify: bool,
    /// Keep the complete file uncommitted for checks of the caller's own
    /// ([`Transport::held_digest`]), until [`Transport::commit_held`] makes it visible.
    pub hold: bool,
}

/// What a download does with a file that exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExistingFile {
    /// Leave it alone and fail with `conflict`.
    #[default]
    Keep,
    /// Replace it (atomically, once the new one is complete).
    Replace,
}

impl ExistingFile {
    /// From the input's `overwrite` flag.
    pub fn from_overwrite(overwrite: bool) -> Self {
        if overwrite { ExistingFile::Replace } else { ExistingFile::Keep }
    }

    /// The file store's `overwrite` flag.
    pub fn overwrite(self) -> bool {
        self == ExistingFile::Replace
    }
}

/// A resumable download: the partial bytes kept under `key` (the object's ETag, so a changed
/// object never continues an old one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// The key the partial bytes are kept under.
    pub key: String,
    /// Whether the kept bytes are continued or discarded first.
    pub partial: PartialBytes,
}

/// What a resumed download does with the bytes an earlier attempt kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartialBytes {
    /// Continue after them (the request asks for the rest with a range).
    Continue,
    /// Discard them and start over (they cannot be continued).
    Discard,
}

/// How a batch of requests moves: how many at once, and where the batch stands in its whole
/// transfer, so the transport tells the host of each request's bytes as it ends
/// (`done_before` plus the bodies or ranges ended so far, of `total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// Requests in flight at once.
    pub in_flight: usize,
    /// Bytes of the transfer done before this batch.
    pub done_before: u64,
    /// The transfer's size, if known.
    pub total: Option<u64>,
}

impl Batch {
    /// One request at a time, reporting nothing (a retry of one piece).
    pub fn one() -> Self {
        Self { in_flight: 1, done_before: 0, total: None }
    }
}

/// The outcome of a request a batch never sent because another failed first: retryable, so
/// the client sends it on its own if the batch goes on.
pub fn not_sent() -> crate::error::ConnectorError {
    crate::error::ConnectorError {
        retryable: true,
        ..crate::error::ConnectorError::internal("not sent: another request of the batch failed first")
    }
}

/// The outside world, as the S3 client needs it.
pub trait Transport {
    /// Sends `request`; a 2xx body goes to `sink`. Transport failures (refused, reset, timed out,
    /// denied by the host) are errors; any HTTP answer, even 5xx, is a response.
    fn send(&mut self, request: &HttpRequest<'_>, sink: &ResponseSink) -> Result<HttpResponse>;
    /// Sends `requests`, up to `batch.in_flight` at once (as one ends the next starts), and reads each
    /// 2xx body into memory (up to `limit` bytes); the outcomes in the requests' order, each as
    /// [`Transport::send`] gives it, or `cancelled` when the host asked the call to stop. After
    /// a failure (an error, or an answer that is not a 2xx) no more start: those end with
    /// [`not_sent`]. This is how several multipart parts move at once; the default sends them one
    /// after another.
    fn send_all(&mut self, requests: &[HttpRequest<'_>], limit: u64, batch: Batch) -> Vec<Result<HttpResponse>> {
        let _ = batch;
        let sink = ResponseSink::Memory { limit };
        let mut failed = false;
        let mut outcomes = Vec::with_capacity(requests.len());
        for request in requests {
            if failed {
                outcomes.push(Err(not_sent()));
                continue;
            }
            let outcome = self.send(request, &sink);
            failed = !matches!(&outcome, Ok(answer) if answer.is_success());
            outcomes.push(outcome);
        }
        outcomes
    }
    /// Starts a download into host file `name` whose ranges [`Transport::download_ranges`]
    /// then fill at once. Like a [`FileSink`] with `hold`, it stays uncommitted until
    /// [`Transport::commit_held`], which checks it against what `stated` (the object's HEAD
    /// answer) states: its size, and its checksum when `verify`. The default cannot (such a
    /// transport downloads one range at a time): `unsupported`.
    fn start_ranged_download(
        &mut self,
        name: &str,
        existing: ExistingFile,
        stated: &HttpResponse,
        verify: bool,
    ) -> Result<()> {
        let _ = (name, existing, stated, verify);
        Err(crate::error::ConnectorError::new(
            crate::error::ErrorKind::Unsupported,
            "this transport downloads one range at a time",
        ))
    }
    /// Sends `requests` (ranged GETs; `ranges[i]` the first byte and length request `i` asks
    /// for), up to `batch.in_flight` at once, each 206 body written into the download
    /// [`Self::start_ranged_download`] started, at its offset. The outcomes in order: the answer
    /// (`file_size` the bytes written), an error answer with its body in memory, the failure, or
    /// `cancelled` when the host asked the call to stop.
    fn download_ranges(
        &mut self,
        requests: &[HttpRequest<'_>],
        ranges: &[(u64, u64)],
        batch: Batch,
    ) -> Vec<Result<HttpResponse>> {
        let _ = (ranges, batch);
        no_ranged_download(requests.len())
    }
    /// Current wall-clock time (the host may pin it).
    fn now(&self) -> SystemTime;
    /// Waits `duration` (retry back-off).
    fn sleep(&mut self, duration: Duration);
    /// A random number (retry jitter).
    fn random_u64(&mut self) -> u64;
    /// The size of a host file.
    fn file_size(&mut self, name: &str) -> Result<u64>;
    /// The size of the partial download of `name` kept under `resume_key` (0 if none).
    fn partial_size(&mut self, name: &str, existing: ExistingFile, resume_key: &str) -> Result<u64>;
    /// The raw digest of `size` bytes of a host file from `offset`, computed by the host.
    fn file_digest(&mut self, name: &str, offset: u64, size: u64, algorithm: DigestAlgorithm) -> Result<Vec<u8>>;
    /// The raw digest of `size` bytes from `offset` of the download held uncommitted (a
    /// [`FileSink`] with `hold`).
    fn held_digest(&mut self, offset: u64, size: u64, algorithm: DigestAlgorithm) -> Result<Vec<u8>>;
    /// Makes the held download visible under its name (checked against what its answer stated,
    /// like any download) and returns its size. Not committed, it is discarded by the next held
    /// download or at the end of the invocation; requests in between leave it held.
    fn commit_held(&mut self) -> Result<u64>;
    /// Whether the host asked the call to stop (it then gets a grace period to clean up).
    fn cancel_requested(&mut self) -> bool;
    /// Tells the host how far the call has got: `done` of `total` bytes.
    fn progress(&mut self, done: u64, total: Option<u64>);
    /// Tells the host what a later attempt would need to clean up after this one (JSON), or
    /// `""` once there is nothing.
    fn checkpoint(&mut self, state: &str);
}

/// The outcomes of `count` ranges sent with no ranged download started: each an internal error.
pub(crate) fn no_ranged_download(count: usize) -> Vec<Result<HttpResponse>> {
    (0..count).map(|_| Err(crate::error::ConnectorError::internal("no ranged download was started"))).collect()
}
