//! Outgoing HTTP for guests: every request is checked against the invocation's outbound rules,
//! then sent on the runtime's pooled `hyper` clients (keep-alive across invocations; one pool for
//! public destinations, one for private networks). In dry-run mode requests are recorded and
//! refused instead.

use crate::body_guard::{CountedBody, GuardedBody};
use crate::budget::Usage;
use crate::net::{Pooled, private_address_in};
use crate::policy::OutboundRule;
use crate::redact;
use http_body_util::BodyExt;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// Default timeouts when the guest gives none.
const DEFAULT_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(600);
const DEFAULT_BETWEEN_BYTES_TIMEOUT: Duration = Duration::from_secs(120);

/// The largest single write to a request body (wasmtime's default).
const OUTGOING_BODY_CHUNK: usize = 1024 * 1024;
/// The buffer of a body created while many others wait unsent.
const SMALL_BODY_CHUNK: usize = 16 * 1024;

/// A request the guest tried to send during a dry run. Its `Debug` output hides secrets.
#[derive(Clone)]
pub struct CapturedRequest {
    /// Method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers as sent (secrets redacted when printed, see [`CapturedRequest::redacted_headers`]).
    pub headers: Vec<(String, String)>,
}

impl fmt::Debug for CapturedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CapturedRequest")
            .field("method", &self.method)
            .field("url", &self.redacted_url())
            .field("headers", &self.redacted_headers())
            .finish()
    }
}

impl CapturedRequest {
    /// The URL with credentials in its query (a presigned source URL's signature, a session
    /// token) redacted.
    pub fn redacted_url(&self) -> String {
        redact::url(&self.url)
    }

    /// Headers with secrets (session token, bearer tokens, SSE-C keys) redacted; the SigV4
    /// signature of the request itself is kept.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        self.headers.iter().map(|(k, v)| (k.clone(), redact::header_value(k, v).to_string())).collect()
    }
}

/// Requests an invocation tried that were refused or captured, bounded by its budget.
#[derive(Debug)]
pub(crate) struct Recorded<T> {
    kept: Vec<T>,
    dropped: u64,
}

impl<T> Default for Recorded<T> {
    fn default() -> Self {
        Self { kept: Vec::new(), dropped: 0 }
    }
}

/// Appends to a shared record, keeping at most `limit` entries.
pub(crate) fn record<T>(shared: &Mutex<Recorded<T>>, limit: usize, entry: T) {
    let mut recorded = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if recorded.kept.len() < limit {
        recorded.kept.push(entry);
    } else {
        recorded.dropped += 1;
    }
}

/// Takes the kept entries out of a shared record.
pub(crate) fn take<T>(shared: &Mutex<Recorded<T>>) -> (Vec<T>, u64) {
    let mut recorded = shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    (std::mem::take(&mut recorded.kept), recorded.dropped)
}

/// The per-invocation hooks: policy plus the runtime's clients.
pub struct EgressHooks {
    pub(crate) client: Pooled,
    pub(crate) rules: Vec<OutboundRule>,
    pub(crate) allow_private: bool,
    pub(crate) usage: Arc<Usage>,
    pub(crate) capture: Option<Arc<Mutex<Recorded<CapturedRequest>>>>,
    pub(crate) denied: Arc<Mutex<Recorded<String>>>,
    pub(crate) progress: Option<Arc<crate::progress::Transfer>>,
    pub(crate) tally: Tally,
}

/// What one invocation's requests have done so far, for the budgets that count it.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Request bodies created and requests sent, to tell bodies that wait unsent.
    bodies_created: u64,
    bodies_sent: u64,
    /// Whether the body being created gets the small buffer.
    small_body: bool,
    /// The origins this invocation has sent to (bounded by `Budgets::hosts`).
    origins: std::collections::HashSet<String>,
}

impl EgressHooks {
    fn allowed(&self, uri: &http::Uri) -> bool {
        // User information would make a separate pooled connection per name: never sent.
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return false;
        }
        let Some(scheme) = uri.scheme_str() else { return false };
        let Some(host) = uri.host() else { return false };
        let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        let literal_ok =
            self.allow_private || crate::address::literal(host).is_none_or(|ip| !crate::address::is_private(ip));
        literal_ok && self.rules.iter().any(|rule| rule.allows(scheme, host, port))
    }

    fn deny(&self, target: String) -> ResponseFuture {
        record(&self.denied, self.usage.budgets().recorded_requests, target);
        Box::new(async { Err(Error::HttpRequestDenied) })
    }
}

/// `scheme://host:port` of a request (never its user information), as recorded for refusals.
fn origin(uri: &http::Uri) -> String {
    let port = uri.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("{}://{}{port}", uri.scheme_str().unwrap_or("?"), uri.host().unwrap_or("?"))
}

type ResponseFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for EgressHooks {
    /// Request-body chunks queued for hyper beyond the one being written, from the budget: a
    /// little slack so an upload does not stall whenever the guest is between two splices,
    /// shared among the requests in flight.
    /// Called as each request body is created (before its chunk size). A body gets the full
    /// buffer only while no more than `requests_in_flight` bodies wait unsent; bodies beyond
    /// that (a guest filling bodies it never sends) get [`SMALL_BODY_CHUNK`], so buffered body
    /// bytes stay within in-flight × buffer + resources × small chunk.
    fn p2_outgoing_body_buffer_chunks(&mut self) -> usize {
        self.tally.bodies_created += 1;
        let waiting = self.tally.bodies_created.saturating_sub(self.tally.bodies_sent);
        self.tally.small_body = waiting > self.usage.budgets().requests_in_flight;
        // Bodies sent at once (parts in flight) share the buffer: each gets its part of it, at
        // least one chunk, so an upload's queued bytes stay near the budget however many parts
        // move (with several streams, each needs less slack).
        let chunks = (self.usage.budgets().request_body_buffer / OUTGOING_BODY_CHUNK).saturating_sub(1).max(1);
        let sharing = usize::try_from(self.usage.requests_in_flight()).unwrap_or(usize::MAX).saturating_add(1);
        match self.tally.small_body {
            true => 1,
            false => (chunks / sharing).max(1),
        }
    }

    fn p2_outgoing_body_chunk_size(&mut self) -> usize {
        match self.tally.small_body {
            true => SMALL_BODY_CHUNK,
            false => OUTGOING_BODY_CHUNK.min(self.usage.budgets().request_body_buffer.max(1)),
        }
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> ResponseFuture {
        // Only a request that carries a created body settles one (a bodiless one is already ended).
        if !http_body::Body::is_end_stream(request.body()) {
            self.tally.bodies_sent = (self.tally.bodies_sent + 1).min(self.tally.bodies_created);
        }
        let Ok(in_flight) = self.usage.start_request() else { return self.deny(origin(request.uri())) };
        if let Some(capture) = &self.capture {
            let headers = request
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let captured =
                CapturedRequest { method: request.method().to_string(), url: request.uri().to_string(), headers };
            record(capture, self.usage.budgets().recorded_requests, captured);
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        if !self.allowed(request.uri()) {
            return self.deny(origin(request.uri()));
        }
        let target = origin(request.uri());
        if !self.tally.origins.contains(&target) {
            let limit = self.usage.budgets().hosts;
            if self.tally.origins.len() >= limit {
                self.usage.exceed(crate::budget::Budget::Hosts, limit as u64);
                return self.deny(target);
            }
            self.tally.origins.insert(target.clone());
        }
        let client = self.client.clone();
        let limit = self.usage.budgets().response_bytes;
        let progress = self.progress.clone();
        let denied = self.denied.clone();
        let record_limit = self.usage.budgets().recorded_requests;
        let request = match &progress {
            Some(progress) => request.map(|body| CountedBody::new(body, progress.clone()).boxed_unsync()),
            None => request,
        };
        let first_byte = options.and_then(|o| o.first_byte_timeout).unwrap_or(DEFAULT_FIRST_BYTE_TIMEOUT);
        let between_bytes = options.and_then(|o| o.between_bytes_timeout).unwrap_or(DEFAULT_BETWEEN_BYTES_TIMEOUT);
        Box::new(async move {
            let response = match tokio::time::timeout(first_byte, client.request(request)).await {
                Err(_) => return Err(Error::HttpResponseTimeout),
                Ok(Err(error)) => {
                    if private_address_in(&error).is_some() {
                        record(&denied, record_limit, target);
                        return Err(Error::HttpRequestDenied);
                    }
                    return Err(client_error(error));
                }
                Ok(Ok(response)) => response,
            };
            if let (Some(progress), Some(length)) = (&progress, response.headers().get(http::header::CONTENT_LENGTH)) {
                progress.expect_download(length.to_str().ok().and_then(|l| l.parse().ok()).unwrap_or(0));
            }
            let response = response.map(|body| {
                let body = body.map_err(Error::Hyper);
                GuardedBody::new(body, limit, between_bytes, progress, in_flight).boxed_unsync()
            });
            let done: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> = Box::new(async { Ok(()) });
            Ok((response, done))
        })
    }
}

/// Maps a pooled-client failure onto wasi:http's error codes.
fn client_error(error: hyper_util::client::legacy::Error) -> Error {
    let causes = error_chain(&error);
    if error.is_connect() {
        // The most specific first: a TLS failure may follow a refused attempt at another address.
        if let Some(tls) = causes.iter().find_map(|e| tls_error(*e)) {
            return match tls {
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
                    Error::TlsCertificateError
                }
                _ => Error::TlsProtocolError,
            };
        }
        if io_error_of_kind(&causes, std::io::ErrorKind::ConnectionRefused) {
            return Error::ConnectionRefused;
        }
        // TCP's connect timeout, or the whole set-up's (`net::SETUP_TIMEOUT`).
        if io_error_of_kind(&causes, std::io::ErrorKind::TimedOut) {
            return Error::ConnectionTimeout;
        }
        if causes.iter().any(|e| e.is::<crate::net::NameNotResolved>()) {
            return Error::DnsError { rcode: Some("NXDOMAIN or no resolver".into()), info_code: None };
        }
        return Error::Connect(std::io::Error::other(error.to_string()));
    }
    // A write the server took nothing of for the stall timeout (`stalled_write`), or the
    // system's own timeout on a connection in use: either way the connection timed out.
    if io_error_of_kind(&causes, std::io::ErrorKind::TimedOut) {
        return Error::ConnectionWriteTimeout;
    }
    match causes.iter().find_map(|e| e.downcast_ref::<hyper::Error>()) {
        Some(e) if e.is_incomplete_message() => Error::HttpResponseIncomplete,
        _ => Error::ConnectionTerminated,
    }
}

/// Whether one of `causes` is an I/O error of `kind`.
fn io_error_of_kind(causes: &[&(dyn std::error::Error + 'static)], kind: std::io::ErrorKind) -> bool {
    causes.iter().filter_map(|e| e.downcast_ref::<std::io::Error>()).any(|e| e.kind() == kind)
}

/// The TLS failure behind `error`: rustls reports it inside (possibly nested) `io::Error`s.
fn tls_error<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current: &(dyn std::error::Error + 'static) = error;
    loop {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        let inner: &(dyn std::error::Error + 'static) = current.downcast_ref::<std::io::Error>()?.get_ref()?;
        current = inner;
    }
}

/// `error`'s sources, outermost first.
fn error_chain<'a>(error: &'a (dyn std::error::Error + 'static)) -> Vec<&'a (dyn std::error::Error + 'static)> {
    let mut chain = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        chain.push(cause);
        next = cause.source();
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_requests_print_no_secrets() {
        let captured = CapturedRequest {
            method: "GET".into(),
            url: "https://h/f?X-Amz-Credential=A%2F1&X-Amz-Security-Token=canary-token&X-Amz-Signature=canary-sig"
                .into(),
            headers: vec![
                ("x-amz-security-token".into(), "canary-token".into()),
                ("authorization".into(), "Bearer canary-bearer".into()),
            ],
        };
        assert_eq!(
            captured.redacted_url(),
            "https://h/f?X-Amz-Credential=******&X-Amz-Security-Token=******&X-Amz-Signature=******"
        );
        assert_eq!(captured.redacted_headers()[0].1, "******");
        let debug = format!("{captured:?}");
        for secret in ["canary-token", "canary-sig", "canary-bearer"] {
            assert!(!debug.contains(secret), "{secret} leaked: {debug}");
        }
    }

    #[test]
    fn records_keep_a_bounded_number_of_entries() {
        let shared = Mutex::new(Recorded::default());
        for i in 0..10 {
            record(&shared, 3, i);
        }
        assert_eq!(take(&shared), (vec![0, 1, 2], 7));
    }
}
