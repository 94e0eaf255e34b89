//! Sending S3 requests: signing, per-bucket region discovery, retries with jittered back-off, and
//! turning error answers into typed errors.

use crate::auth::{Connection, PayloadSigning, Region};
use crate::aws_chunked;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::request::{Body, S3Request};
use crate::s3_error;
use crate::signing::{Payload, Signer};
use crate::transport::{Digest, HttpRequest, HttpResponse, ResponseSink, Transport};
use std::collections::HashMap;
use std::time::Duration;

/// Attempts per request (first try + retries) for retryable failures.
pub const MAX_ATTEMPTS: u32 = 3;
/// The back-off before the first retry; doubled each time, with full jitter.
const BASE_BACKOFF: Duration = Duration::from_millis(200);
/// The longest single back-off.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The in-memory limit for responses that are parsed (listings, error documents).
pub const DOCUMENT_LIMIT: u64 = 16 * 1024 * 1024;

/// A checksum of a file range: the header to send and the raw digest.
#[derive(Debug, Clone)]
pub struct FileChecksum {
    /// Header name (`content-md5`, `x-amz-checksum-crc32c`, ...).
    pub header: &'static str,
    /// Base64 header value.
    pub value: String,
    /// Raw digest bytes.
    pub digest: Vec<u8>,
}

/// An S3 client over a [`Transport`] for one invocation.
pub struct Client<'t> {
    /// Credentials, endpoint and addressing.
    pub conn: Connection,
    transport: &'t mut dyn Transport,
    bucket_regions: HashMap<String, String>,
}

impl<'t> Client<'t> {
    /// A client for `conn` over `transport`.
    pub fn new(conn: Connection, transport: &'t mut dyn Transport) -> Self {
        Self { conn, transport, bucket_regions: HashMap::new() }
    }

    /// The transport, for operations that need the file store.
    pub fn transport(&mut self) -> &mut dyn Transport {
        self.transport
    }

    /// The region requests to `bucket` are signed for.
    pub fn region_for(&self, bucket: Option<&str>) -> String {
        bucket
            .and_then(|b| self.bucket_regions.get(b))
            .cloned()
            .unwrap_or_else(|| self.conn.region.initial().to_string())
    }

    /// Sends `request` and reads a 2xx body into memory (up to [`DOCUMENT_LIMIT`]).
    pub fn send(&mut self, request: &S3Request) -> Result<HttpResponse> {
        self.send_to(request, &ResponseSink::Memory { limit: DOCUMENT_LIMIT })
    }

    /// Sends `request`; a 2xx body goes to `sink`. Any other answer becomes a typed error.
    /// A resumable download is not retried here: its caller re-plans from the bytes on disk.
    pub fn send_to(&mut self, request: &S3Request, sink: &ResponseSink) -> Result<HttpResponse> {
        let max_attempts = match sink {
            ResponseSink::File { resume_key: Some(_), .. } => 1,
            _ => MAX_ATTEMPTS,
        };
        let bucket = request.bucket.clone();
        let mut region_corrected = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let region = self.region_for(bucket.as_deref());
            let http = self.sign(request, &region)?;
            let failure = match self.transport.send(&http, sink) {
                Ok(response) if response.is_success() => return Ok(response),
                Ok(response) => {
                    if !region_corrected
                        && let Some(bucket) = &bucket
                        && let Some(actual) = self.region_mismatch(&response, bucket, &region, request.method)?
                    {
                        self.bucket_regions.insert(bucket.clone(), actual);
                        region_corrected = true;
                        attempt -= 1;
                        continue;
                    }
                    self.explain(s3_error::from_response(&response), &response, bucket.as_deref(), &region)
                }
                Err(error) => error,
            };
            if !failure.retryable || attempt >= max_attempts {
                return Err(failure);
            }
            self.back_off(attempt);
        }
    }

    /// Signs `request` for `region` into a ready-to-send HTTP request.
    pub fn sign<'r>(&mut self, request: &'r S3Request, region: &str) -> Result<HttpRequest<'r>> {
        let url = request.url(&self.conn, region);
        let file_hash;
        let mut headers = request.headers.clone();
        let payload = match (&request.body, self.conn.payload_signing) {
            (Body::Empty, _) => Payload::Bytes(&[]),
            // A streamed URL cannot be hashed ahead; its checksum, if any, trails the body.
            (Body::Url(source), _) => match source.trailer() {
                Some((trailer, _)) => {
                    let position = headers.iter().position(|(name, _)| name == "content-encoding");
                    let encoding = position.map(|i| headers.remove(i).1);
                    headers.extend(aws_chunked::request_headers(source.size, trailer, encoding.as_deref()));
                    Payload::Precomputed(aws_chunked::STREAMING_UNSIGNED_TRAILER)
                }
                None => Payload::Unsigned,
            },
            (Body::Bytes(_), PayloadSigning::Unsigned)
            | (Body::File { .. }, PayloadSigning::Auto | PayloadSigning::Unsigned) => Payload::Unsigned,
            (Body::Bytes(bytes), _) => Payload::Bytes(bytes),
            (Body::File { name, offset, size }, PayloadSigning::Signed) => {
                file_hash = hex::encode(self.transport.file_digest(name, *offset, *size, Digest::Sha256)?);
                Payload::Precomputed(&file_hash)
            }
        };
        let signer = Signer { credentials: &self.conn.credentials, region, time: self.transport.now() };
        let signed = signer.sign_headers(request.method, &url, &headers, payload)?;
        headers.extend(signed.headers);
        if !request.body.is_empty() || matches!(request.method, "PUT" | "POST") {
            headers.push(("content-length".to_string(), request.body.len().to_string()));
        }
        Ok(HttpRequest { method: request.method.to_string(), url, headers, body: &request.body })
    }

    /// The checksum header for `size` bytes of file `name` from `offset`, per the connection's
    /// checksum mode, with the raw digest (for verifying multipart results).
    pub fn file_checksum(&mut self, name: &str, offset: u64, size: u64) -> Result<Option<FileChecksum>> {
        use base64::Engine;
        let Some(spec) = self.conn.checksum.spec() else { return Ok(None) };
        let digest = self.transport.file_digest(name, offset, size, spec.digest)?;
        let value = base64::engine::general_purpose::STANDARD.encode(&digest);
        Ok(Some(FileChecksum { header: spec.header, value, digest }))
    }

    /// Presigns `request` for `expires_in`, discovering the bucket's region first when the region
    /// is `auto` (a presigned URL signed for the wrong region never works).
    pub fn presign(&mut self, request: &S3Request, expires_in: Duration) -> Result<String> {
        if let (Region::Auto, Some(bucket)) = (&self.conn.region, &request.bucket)
            && !self.bucket_regions.contains_key(bucket)
            && let Some(region) = self.discover_region(bucket)?
        {
            self.bucket_regions.insert(bucket.clone(), region);
        }
        let region = self.region_for(request.bucket.as_deref());
        let url = request.url(&self.conn, &region);
        let signer = Signer { credentials: &self.conn.credentials, region: &region, time: self.transport.now() };
        signer.presign(request.method, &url, &request.headers, expires_in)
    }

    /// The region S3 says `bucket` is really in, when the answer is a region mismatch.
    fn region_mismatch(
        &mut self,
        response: &HttpResponse,
        bucket: &str,
        region: &str,
        method: &str,
    ) -> Result<Option<String>> {
        if !matches!(response.status, 301 | 307 | 400 | 403) {
            return Ok(None);
        }
        let hint = match s3_error::region_hint(response) {
            Some(hint) => Some(hint),
            None if method == "HEAD" && matches!(response.status, 301 | 400) => self.discover_region(bucket)?,
            None => None,
        };
        Ok(hint.filter(|h| h != region))
    }

    /// Asks S3 where `bucket` lives, from the answer to `GET /bucket?location` (which, signed for
    /// the wrong region, still names the right one in its error).
    fn discover_region(&mut self, bucket: &str) -> Result<Option<String>> {
        let probe = S3Request::new("GET").bucket(bucket).query("location", "");
        let region = self.region_for(Some(bucket));
        let http = self.sign(&probe, &region)?;
        let response = self.transport.send(&http, &ResponseSink::Memory { limit: DOCUMENT_LIMIT })?;
        if response.is_success() {
            let constraint = crate::xml::element_text(&response.body, "LocationConstraint").unwrap_or_default();
            return Ok(Some(if constraint.is_empty() { "us-east-1".to_string() } else { constraint }));
        }
        Ok(s3_error::region_hint(&response))
    }

    /// Adds what a person needs to fix a region or addressing problem to `error`.
    fn explain(
        &self,
        mut error: ConnectorError,
        response: &HttpResponse,
        bucket: Option<&str>,
        region: &str,
    ) -> ConnectorError {
        let region_problem = response.status == 301
            || matches!(
                error.service_code.as_deref(),
                Some("AuthorizationHeaderMalformed" | "PermanentRedirect" | "IllegalLocationConstraintException")
            );
        if region_problem {
            error.kind = ErrorKind::InvalidInput;
            error.retryable = false;
            error.field = Some("/region".to_string());
            match s3_error::region_hint(response) {
                Some(actual) => error.message.push_str(&format!(
                    ". The request was signed for region {region:?} but {} is in {actual:?}: set auth.region to {actual:?} (or \"auto\")",
                    bucket.map(|b| format!("bucket {b:?}")).unwrap_or_else(|| "the endpoint".to_string())
                )),
                None => error.message.push_str(&format!(
                    ". The request was signed for region {region:?}, which the store rejected; set auth.region to the store's region"
                )),
            }
        }
        error
    }

    /// Waits before retry `attempt + 1`: exponential back-off with full jitter.
    pub fn back_off(&mut self, attempt: u32) {
        let ceiling = BASE_BACKOFF.saturating_mul(1 << (attempt - 1).min(16)).min(MAX_BACKOFF);
        let jitter = self.transport.random_u64() % (ceiling.as_millis() as u64 + 1);
        self.transport.sleep(Duration::from_millis(jitter));
    }
}
