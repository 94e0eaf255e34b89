//! [`Transport`] on the component's imports: wasi:http, the file store, clocks and random.

use super::bindings::wasi::clocks::{monotonic_clock, wall_clock};
use super::bindings::wasi::random::random;
use super::bindings::workflow::connector::file_store;
use super::bindings::workflow::connector::invocation;
use super::{concurrent, files, http, ranges};
use crate::client::transport::{Batch, ExistingFile, HttpRequest, ResponseSink, Transport};
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

    fn send_all(&mut self, requests: &[HttpRequest<'_>], limit: u64, batch: Batch) -> Vec<Result<HttpResponse>> {
        if requests.len() > 1 && batch.in_flight > 1 && requests.iter().all(concurrent::can_send) {
            return concurrent::send_all(requests, limit, batch);
        }
        let sink = ResponseSink::Memory { limit };
        requests.iter().map(|request| http::send(request, &sink, &mut self.held)).collect()
    }

    fn start_ranged_download(
        &mut self,
        name: &str,
        existing: ExistingFile,
        stated: &HttpResponse,
        verify: bool,
    ) -> Result<()> {
        // A new held download replaces (discards) an earlier one, as `http::send` does.
        self.held = None;
        let writer = file_store::create(name, existing.overwrite(), None).map_err(files::error)?;
        let expected = files::expected_content(stated, 0, verify);
        self.held = Some(http::HeldFile { writer, expected });
        Ok(())
    }

    fn download_ranges(
        &mut self,
        requests: &[HttpRequest<'_>],
        ranges: &[(u64, u64)],
        batch: Batch,
    ) -> Vec<Result<HttpResponse>> {
        match &self.held {
            Some(held) => ranges::download(&held.writer, requests, ranges, batch),
            None => crate::client::transport::no_ranged_download(requests.len()),
        }
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

    fn checkpoint(&mut self, state: &str) {
        invocation::checkpoint(state);
    }
}
