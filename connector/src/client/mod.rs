//! Sending S3 requests: signing, per-bucket region discovery, retries, and turning error answers
//! into typed errors. Everything here runs over a [`Transport`], natively in tests.

pub mod connection;
pub mod request;
pub mod retry;
pub mod transport;
pub mod url_source;

use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::checksum::SentChecksum;
use crate::protocol::error_response;
use crate::protocol::http::{HttpResponse, Method};
use crate::protocol::signing::{Payload, Signer};
use crate::protocol::{actions, aws_chunked, region, xml};
use connection::{Connection, PayloadSigning, Region};
use connector_contract::DigestAlgorithm;
use request::{Body, S3Request};
use retry::RetryPolicy;
use std::collections::HashMap;
use std::time::Duration;
use transport::{Batch, HttpRequest, ResponseSink, Transport};

/// The in-memory limit for responses that are parsed (listings, error documents).
pub const DOCUMENT_LIMIT: u64 = 16 * 1024 * 1024;

/// An S3 client over a [`Transport`] for one invocation.
pub struct Client<'t> {
    /// Credentials, endpoint and addressing.
    pub conn: Connection,
    transport: &'t mut dyn Transport,
    bucket_regions: HashMap<String, String>,
    /// The region a store without buckets in the request (List Buckets) named for itself.
    endpoint_region: Option<String>,
}

impl<'t> Client<'t> {
    /// A client for `conn` over `transport`.
    pub fn new(conn: Connection, transport: &'t mut dyn Transport) -> Self {
        Self { conn, transport, bucket_regions: HashMap::new(), endpoint_region: None }
    }

    /// The transport, for operations that need the file store.
    pub fn transport(&mut self) -> &mut dyn Transport {
        self.transport
    }

    /// The region requests to `bucket` are signed for.
    pub fn region_for(&self, bucket: Option<&str>) -> String {
        let learned = match bucket {
            Some(bucket) => self.bucket_regions.get(bucket),
            None => self.endpoint_region.as_ref(),
        };
        learned.cloned().unwrap_or_else(|| self.conn.region.initial().to_string())
    }

    /// Sends `request` and reads a 2xx body into memory (up to [`DOCUMENT_LIMIT`]).
    pub fn send(&mut self, request: &S3Request) -> Result<HttpResponse> {
        self.send_to(request, &ResponseSink::Memory { limit: DOCUMENT_LIMIT })
    }

    /// Sends `request`; a 2xx body goes to `sink`. Any other answer becomes a typed error.
    /// Retryable failures are retried per [`RetryPolicy::REQUEST`] — except a resumable download,
    /// whose caller re-plans from the bytes on disk.
    pub fn send_to(&mut self, request: &S3Request, sink: &ResponseSink) -> Result<HttpResponse> {
        let policy = if sink.is_resumable() { RetryPolicy::ONCE } else { RetryPolicy::REQUEST };
        self.send_with(request, sink, policy)
    }

    /// Sends `request` like [`Self::send_to`], retrying per `policy` (an operation that retries
    /// a larger step itself passes [`RetryPolicy::ONCE`]).
    pub fn send_with(&mut self, request: &S3Request, sink: &ResponseSink, policy: RetryPolicy) -> Result<HttpResponse> {
        self.retrying(policy, |client| client.send_once(request, sink))
    }

    /// Sends `requests`, `batch.in_flight` at a time, each answer's body into memory (up to
    /// [`DOCUMENT_LIMIT`]); the answers in order, or the first failure. A request whose first
    /// try fails in a way a retry could change (a retryable failure, an answer naming another
    /// region, or not sent because another failed first) is sent again on its own through
    /// [`Self::send`], with that path's retries and region correction; any other failure is its
    /// typed error at once, as it would be one request at a time.
    pub fn send_concurrently(&mut self, requests: &[S3Request], batch: Batch) -> Result<Vec<HttpResponse>> {
        if requests.len() < 2 || batch.in_flight < 2 {
            return requests.iter().map(|request| self.send(request)).collect();
        }
        let (signed, regions) = self.sign_all(requests)?;
        let first_tries = self.transport.send_all(&signed, DOCUMENT_LIMIT, batch);
        drop(signed);
        let mut answers = Vec::with_capacity(requests.len());
        for (outcome, (request, region)) in first_tries.into_iter().zip(requests.iter().zip(regions)) {
            let answer = match first_try(outcome, request, &region)? {
                Some(answer) => answer,
                None => self.send(request)?,
            };
            answers.push(answer);
        }
        Ok(answers)
    }

    /// Signs each of `requests` for the region of its bucket: the signed requests, and the
    /// regions they were signed for (to read their answers by).
    fn sign_all<'r>(&mut self, requests: &'r [S3Request]) -> Result<(Vec<HttpRequest<'r>>, Vec<String>)> {
        let mut signed = Vec::with_capacity(requests.len());
        let mut regions = Vec::with_capacity(requests.len());
        for request in requests {
            let region = self.region_for(request.bucket.as_deref());
            signed.push(self.sign(request, &region)?);
            regions.push(region);
        }
        Ok((signed, regions))
    }

    /// Runs `attempt` until it succeeds, fails with an error that is not retryable, or has run
    /// `policy.attempts` times; waits between tries as `policy` says.
    pub fn retrying<T>(&mut self, policy: RetryPolicy, mut attempt: impl FnMut(&mut Self) -> Result<T>) -> Result<T> {
        let mut tries = 0;
        loop {
            tries += 1;
            match attempt(self) {
                Err(error) if error.retryable && tries < policy.attempts => {
                    let random = self.transport.random_u64();
                    let asked = error.retry_after_ms.map(Duration::from_millis);
                    self.transport.sleep(policy.delay_after(tries, random, asked));
                }
                outcome => return outcome,
            }
        }
    }

    /// One try of `request`. When S3 says the bucket (or, for a request without one, the store)
    /// is in another region than the one signed for, remembers the right one and sends once more.
    fn send_once(&mut self, request: &S3Request, sink: &ResponseSink) -> Result<HttpResponse> {
        let bucket = request.bucket.as_deref();
        let mut corrected = false;
        loop {
            let region = self.region_for(bucket);
            let http = self.sign(request, &region)?;
            let response = self.transport.send(&http, sink)?;
            if response.is_success() {
                return Ok(response);
            }
            if !corrected && let Some(actual) = self.region_mismatch(&response, bucket, &region, request.method)? {
                match bucket {
                    Some(bucket) => self.bucket_regions.insert(bucket.to_string(), actual),
                    None => self.endpoint_region.replace(actual),
                };
                corrected = true;
                continue;
            }
            return Err(error_for(&response, request, &region));
        }
    }

    /// Downloads `requests` — ranged GETs of one object, `ranges[i]` the first byte and length
    /// of request `i` — `batch.in_flight` at a time into the download
    /// [`Transport::start_ranged_download`] started.
    /// A range whose first try fails is fetched again on its own, with the retries of any
    /// request; the first range that still fails is the error.
    pub fn download_ranges(&mut self, requests: &[S3Request], ranges: &[(u64, u64)], batch: Batch) -> Result<()> {
        let (signed, regions) = self.sign_all(requests)?;
        let first_tries = self.transport.download_ranges(&signed, ranges, batch);
        drop(signed);
        let retries: Vec<usize> = first_tries
            .into_iter()
            .zip(requests.iter().zip(&regions))
            .enumerate()
            .filter_map(|(index, (outcome, (request, region)))| match first_try(outcome, request, region) {
                Ok(Some(_)) => None,
                Ok(None) => Some(Ok(index)),
                Err(error) => Some(Err(error)),
            })
            .collect::<Result<_>>()?;
        for (request, range) in retries.into_iter().map(|index| (&requests[index], &ranges[index])) {
            self.retrying(RetryPolicy::REQUEST, |client| {
                let region = client.region_for(request.bucket.as_deref());
                let http = client.sign(request, &region)?;
                let mut answers = client.transport.download_ranges(
                    std::slice::from_ref(&http),
                    std::slice::from_ref(range),
                    Batch::one(),
                );
                let answer =
                    answers.pop().unwrap_or_else(|| Err(ConnectorError::internal("a range went unanswered")))?;
                match answer.is_success() {
                    true => Ok(()),
                    false => Err(error_for(&answer, request, &region)),
                }
            })?;
        }
        Ok(())
    }

    /// Between two steps of a long call: reports `done` of `total` bytes to the host and stops
    /// with `cancelled` if the host asked — the caller then undoes what it started.
    pub fn checkpoint(&mut self, done: u64, total: Option<u64>) -> Result<()> {
        self.transport.progress(done, total);
        if self.transport.cancel_requested() {
            return Err(ConnectorError::new(ErrorKind::Cancelled, "the host cancelled the call"));
        }
        Ok(())
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
                file_hash = hex::encode(self.transport.file_digest(name, *offset, *size, DigestAlgorithm::Sha256)?);
                Payload::Precomputed(&file_hash)
            }
        };
        let signer = Signer { credentials: &self.conn.credentials, region, time: self.transport.now() };
        let signed = signer.sign_headers(request.method, &url.full(), &headers, payload)?;
        headers.extend(signed.headers);
        if !request.body.is_empty() || request.method.sends_body() {
            headers.push(("content-length".to_string(), request.body.len().to_string()));
        }
        Ok(HttpRequest { method: request.method, url, headers, body: &request.body })
    }

    /// The checksum header for `size` bytes of file `name` from `offset`, per the connection's
    /// checksum mode, with the raw digest (for verifying multipart results).
    pub fn file_checksum(&mut self, name: &str, offset: u64, size: u64) -> Result<Option<SentChecksum>> {
        let Some(spec) = self.conn.checksum.spec() else { return Ok(None) };
        let digest = self.transport.file_digest(name, offset, size, spec.digest)?;
        Ok(Some(SentChecksum::new(spec, digest)))
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
        let url = request.url(&self.conn, &region).full();
        let signer = Signer { credentials: &self.conn.credentials, region: &region, time: self.transport.now() };
        signer.presign(request.method, &url, &request.headers, expires_in)
    }

    /// The region S3 says `bucket` (or the store) is really in, when the answer is a region
    /// mismatch.
    fn region_mismatch(
        &mut self,
        response: &HttpResponse,
        bucket: Option<&str>,
        region: &str,
        method: Method,
    ) -> Result<Option<String>> {
        if !matches!(response.status, 301 | 307 | 400 | 403) {
            return Ok(None);
        }
        let hint = match error_response::region_hint(response) {
            Some(hint) => Some(hint),
            None if method == Method::Head && matches!(response.status, 301 | 400) => match bucket {
                Some(bucket) => self.discover_region(bucket)?,
                None => None,
            },
            None => None,
        };
        Ok(hint.filter(|h| h != region))
    }

    /// Asks S3 where `bucket` lives, from the answer to `GET /bucket?location` (which, signed for
    /// the wrong region, still names the right one in its error).
    fn discover_region(&mut self, bucket: &str) -> Result<Option<String>> {
        let probe = S3Request::new(Method::Get).bucket(bucket).query("location", "");
        let region = self.region_for(Some(bucket));
        let http = self.sign(&probe, &region)?;
        let response = self.transport.send(&http, &ResponseSink::Memory { limit: DOCUMENT_LIMIT })?;
        if response.is_success() {
            let constraint = xml::element_text(&response.body, "LocationConstraint").unwrap_or_default();
            let named = region::from_location_constraint(&constraint);
            return Ok(region::is_region_label(named).then(|| named.to_string()));
        }
        Ok(error_response::region_hint(&response))
    }
}

/// What the first try of `request` (one of several sent at once, signed for `region`) came to:
/// its answer; `None` when a retry could change the outcome (a retryable failure, or an answer
/// naming another region); or its typed error.
fn first_try(outcome: Result<HttpResponse>, request: &S3Request, region: &str) -> Result<Option<HttpResponse>> {
    match outcome {
        Ok(response) if response.is_success() => Ok(Some(response)),
        Ok(response) => {
            let error = error_for(&response, request, region);
            match error.retryable || error_response::region_hint(&response).is_some() {
                true => Ok(None),
                false => Err(error),
            }
        }
        Err(error) if error.retryable => Ok(None),
        Err(error) => Err(error),
    }
}

/// The typed error for S3's error `response` to `request` (signed for `region`): what went
/// wrong, and what the caller can do about it.
fn error_for(response: &HttpResponse, request: &S3Request, region: &str) -> ConnectorError {
    let error = explain(error_response::from_response(response), response, request.bucket.as_deref(), region);
    name_missing_permission(error, request)
}

/// Adds to an access-denied error the permission S3 checked for `request`: what the credentials
/// most likely lack.
fn name_missing_permission(error: ConnectorError, request: &S3Request) -> ConnectorError {
    let setting = error.answer().is_some_and(|answer| answer.public_access_blocked);
    if error.kind != ErrorKind::Forbidden || setting || error.service_code().is_some_and(|code| code != "AccessDenied")
    {
        return error;
    }
    let (action, resource) = actions::required(
        request.method,
        request.bucket.as_deref(),
        request.key.as_deref(),
        &request.query,
        &request.headers,
    );
    error.noted(format!("the credentials most likely lack {action} on {resource}"))
}

/// Adds what a person needs to fix a region or addressing problem to `error`: such an answer is
/// `invalid-input` about `/region`, whatever its status.
fn explain(error: ConnectorError, response: &HttpResponse, bucket: Option<&str>, region: &str) -> ConnectorError {
    let region_problem = response.status == 301
        || matches!(
            error.service_code(),
            Some("AuthorizationHeaderMalformed" | "PermanentRedirect" | "IllegalLocationConstraintException")
        );
    if !region_problem {
        return error;
    }
    let note = match error_response::region_hint(response) {
        Some(actual) => format!(
            "the request was signed for region {region:?} but {} is in {actual:?}: set auth.region to {actual:?} (or \"auto\")",
            bucket.map_or_else(|| "the endpoint".to_string(), |b| format!("bucket {b:?}"))
        ),
        None => format!(
            "the request was signed for region {region:?}, which the store rejected; set auth.region to the store's region"
        ),
    };
    ConnectorError { kind: ErrorKind::InvalidInput, retryable: false, ..error }.at("/region").noted(note)
}
