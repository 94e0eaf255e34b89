//! [`Transport`] on the component's imports: wasi:http, the file store, clocks and random.

use super::bindings::wasi::clocks::{monotonic_clock, wall_clock};
use super::bindings::wasi::random::random;
use super::{files, http};
use crate::client::transport::{ExistingFile, HttpRequest, ResponseSink, Transport};
use crate::error::Result;
use crate::protocol::http::HttpResponse;
use connector_contract::DigestAlgorithm as Digest;
use std::time::{Duration, SystemTime};

/// The transport of one invocation.
#[derive(Default)]
pub(super) struct WasiTransport;

impl Transport for WasiTransport {
    fn send(&mut self, request: &HttpRequest<'_>, sink: &ResponseSink) -> Result<HttpResponse> {
        http::send(request, sink)
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
}
