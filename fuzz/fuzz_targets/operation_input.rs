//! Operation input parsing and validation: any operation name, auth and input text reaches a
//! typed answer without panicking. The transport refuses every request, so only the connector's
//! own parsing, validation and request building run.

#![no_main]

use libfuzzer_sys::fuzz_target;
use s3_connector::error::{ConnectorError, ErrorKind, Result};
use s3_connector::ops::{OPERATIONS, invoke};
use s3_connector::client::transport::{DigestAlgorithm, ExistingFile, HttpRequest, ResponseSink, Transport};
use s3_connector::protocol::http::HttpResponse;
use std::time::{Duration, SystemTime};

struct Refusing;

impl Transport for Refusing {
    fn send(&mut self, _: &HttpRequest<'_>, _: &ResponseSink) -> Result<HttpResponse> {
        Err(ConnectorError::new(ErrorKind::Denied, "fuzzing: no network"))
    }
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_369_353_600)
    }
    fn sleep(&mut self, _: Duration) {}
    fn random_u64(&mut self) -> u64 {
        4
    }
    fn file_size(&mut self, _: &str) -> Result<u64> {
        Ok(1 << 20)
    }
    fn partial_size(&mut self, _: &str, _: ExistingFile, _: &str) -> Result<u64> {
        Ok(0)
    }
    fn file_digest(&mut self, _: &str, _: u64, _: u64, _: DigestAlgorithm) -> Result<Vec<u8>> {
        Ok(vec![0; 32])
    }
    fn held_digest(&mut self, _: u64, _: u64, _: DigestAlgorithm) -> Result<Vec<u8>> {
        Err(ConnectorError::new(ErrorKind::Internal, "fuzzing: nothing is held"))
    }

    fn cancel_requested(&mut self) -> bool {
        false
    }

    fn progress(&mut self, _done: u64, _total: Option<u64>) {}

    fn checkpoint(&mut self, _state: &str) {}
    fn commit_held(&mut self) -> Result<u64> {
        Err(ConnectorError::new(ErrorKind::Internal, "fuzzing: nothing is held"))
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let (auth, input) = text.split_once('\n').unwrap_or((r#"{"access_key_id":"a","secret_access_key":"b"}"#, &text));
    let operation = OPERATIONS[selector as usize % OPERATIONS.len()].id;
    let _ = invoke(&mut Refusing, operation, auth, input.to_string());
});
