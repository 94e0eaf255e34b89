//! [`Transport`] on the component's imports: wasi:http, the file store, clocks and random.

use super::bindings::wasi::clocks::{monotonic_clock, wall_clock};
use super::bindings::wasi::random::random;
use super::bindings::workflow::connector::invocation;
use super::{files, http};
use crate::client::transport::{ExistingFile, HttpRequest, ResponseSink, Transport};
use crate::error::{ConnectorError, Result};
use crate::protocol::http::HttpResponse;
use connector_contract::DigestAlgorithm as Digest;
use std::time::{Duration, SystemTime};

/// The transport of one invocation.
#[derive(Default)]
pub(super) struct WasiTransport {
    /// The download held uncommitted for the S3 logic's own checks, if any.
    held: Option<http::HeldFile>,
}

impl Transport for WasiTransport {
    fn send(&mut self, request: &HttpRequest<'_>, sink: &ResponseSink) -> Result<HttpResponse> {
        // Other requests (those the checks of a held download make) leave it held; a new held
        // download replaces it, discarding it.
        http::send(request, sink, &mut self.held)
    }

    fn now(&self) -> SystemTime {
        let now = wall_clock::now();
        SystemTime::UNIX_EPOCH + Duration::new(now.seconds, now.nanoseconds)
    }

    fn sleep(&mut self, duration: Duration) {
        monotonic_clock::subscribe_duration(duration.as_nanos() as u64).block();
    }

    fn random_u64(&mut self) -> u64 {
        random::get_random_u64()
    }

    fn file_size(&mut self, name: &str) -> Result<u64> {
        files::size(name)
    }

    fn partial_size(&mut self, name: &str, existing: ExistingFile, resume_key: &str) -> Result<u64> {
        files::partial_size(name, existing.overwrite(), resume_key)
    }

    fn file_digest(&mut self, name: &str, offset: u64, size: u64, algorithm: Digest) -> Result<Vec<u8>> {
        files::digest(name, offset, size, algorithm)
    }

    fn held_digest(&mut self, offset: u64, size: u64, algorithm: Digest) -> Result<Vec<u8>> {
        let held = self.held.as_ref().ok_or_else(|| ConnectorError::internal("no download is held"))?;
        held.writer.digest(offset, size, files::wit_algorithm(algorithm)).map_err(files::error)
    }

    fn commit_held(&mut self) -> Result<u64> {
        let held = self.held.take().ok_or_else(|| ConnectorError::internal("no download is held"))?;
        held.writer.commit(held.expected.as_ref()).map_err(files::error)
    }

    fn cancel_requested(&mut self) -> bool {
        invocation::cancel_requested()
    }

    fn progress(&mut self, done: u64, total: Option<u64>) {
        invocation::progress(done, total);
    }
}
