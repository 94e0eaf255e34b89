//! The head of one HTTP exchange over `wasi:http/outgoing-handler`: building the request,
//! waiting for the answer's status and headers, and the typed errors for failed exchanges.

use super::bindings::wasi::http::outgoing_handler;
use super::bindings::wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingBody, Method as WasiMethod, OutgoingRequest, RequestOptions,
    Scheme as WasiScheme,
};
use crate::client::request::Body;
use crate::client::transport::HttpRequest;
use crate::error::{ConnectorError, Result, TransportFailure};
use crate::protocol::http::{HttpResponse, Method};
use crate::protocol::url::{HttpUrl, Scheme as UrlScheme};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Time for the answer to start, beyond the time the body needs at [`SLOWEST_UPLOAD`]: a server
/// that stops reading or never answers is given up on (and the request retried) in bounded time.
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(60);
/// The slowest upload rate the first-byte timeout allows for (bytes per second).
const SLOWEST_UPLOAD: u64 = 1024 * 1024;
const BETWEEN_BYTES_TIMEOUT: Duration = Duration::from_secs(120);

/// Sends a bodiless GET to `url` with `headers` and waits for the head of the answer.
pub(super) fn get(url: &HttpUrl, headers: Vec<(String, String)>) -> Result<(HttpResponse, IncomingBody)> {
    let request = HttpRequest { method: Method::Get, url: url.clone(), headers, body: &Body::Empty };
    let future = outgoing_handler::handle(build_request(&request)?, Some(request_options(0)))
        .map_err(|code| transport_error(url, code))?;
    wait_for_answer(future, url)
}

/// Waits for the head of the answer to a request in flight.
pub(super) fn wait_for_answer(future: FutureIncomingResponse, url: &HttpUrl) -> Result<(HttpResponse, IncomingBody)> {
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        // The exchange's own error explains more than the body write it interrupted.
        Some(Ok(Err(code))) => return Err(transport_error(url, code)),
        Some(Err(())) | None => {
            return Err(ConnectorError::internal("the HTTP response was already taken"));
        }
    };
    let status = response.status();
    let headers: Vec<(String, String)> = response
        .headers()
        .entries()
        .into_iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), String::from_utf8_lossy(&value).into_owned()))
        .collect();
    let result = HttpResponse { status, headers, ..HttpResponse::default() };
    let incoming = response.consume().map_err(|_| ConnectorError::internal("the response body was already taken"))?;
    Ok((result, incoming))
}

pub(super) fn request_options(body_length: u64) -> RequestOptions {
    let options = RequestOptions::new();
    let first_byte = FIRST_BYTE_TIMEOUT + Duration::from_secs(body_length / SLOWEST_UPLOAD);
    // A host that does not support a timeout keeps its own: each setting is a request, not a need.
    options.set_connect_timeout(Some(nanos(CONNECT_TIMEOUT))).ok();
    options.set_first_byte_timeout(Some(nanos(first_byte))).ok();
    options.set_between_bytes_timeout(Some(nanos(BETWEEN_BYTES_TIMEOUT))).ok();
    options
}

pub(super) fn build_request(request: &HttpRequest<'_>) -> Result<OutgoingRequest> {
    let fields = Fields::new();
    for (name, value) in &request.headers {
        fields
            .append(name, value.as_bytes())
            .map_err(|e| ConnectorError::invalid_input("", format!("header {name:?} cannot be sent: {e:?}")))?;
    }
    let outgoing = OutgoingRequest::new(fields);
    let method = match request.method {
        Method::Get => WasiMethod::Get,
        Method::Head => WasiMethod::Head,
        Method::Put => WasiMethod::Put,
        Method::Post => WasiMethod::Post,
        Method::Delete => WasiMethod::Delete,
    };
    let scheme = match request.url.scheme() {
        UrlScheme::Http => WasiScheme::Http,
        UrlScheme::Https => WasiScheme::Https,
    };
    let invalid = |what: &str| {
        ConnectorError::internal(format!("the host rejected the request {what} of {}", request.url.redacted()))
    };
    outgoing.set_method(&method).map_err(|()| invalid("method"))?;
    outgoing.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
    outgoing.set_authority(Some(&request.url.authority())).map_err(|()| invalid("authority"))?;
    outgoing.set_path_with_query(Some(request.url.path_and_query())).map_err(|()| invalid("path"))?;
    Ok(outgoing)
}

/// A typed error for a wasi:http failure to reach `url` (kind and retry from the failure's type).
pub(super) fn transport_error(url: &HttpUrl, code: ErrorCode) -> ConnectorError {
    let host = url.authority();
    let failure = failure_of(&code);
    let message = match &code {
        ErrorCode::HttpRequestDenied => format!(
            "the host's egress policy does not allow requests to {host}; ask the operator to allow it, or check the endpoint"
        ),
        ErrorCode::DnsError(e) => format!("cannot resolve {host} ({:?}); check the endpoint and region", e.rcode),
        ErrorCode::ConnectionRefused => format!("{host} refused the connection; is the server running?"),
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => format!("{host} did not answer in time ({code:?})"),
        ErrorCode::TlsCertificateError => format!(
            "the certificate of {host} is not trusted; for a store with a private CA, give the host its CA bundle (AWS_CA_BUNDLE, --ca-bundle or ca_bundle in the profile for s3c)"
        ),
        ErrorCode::TlsProtocolError | ErrorCode::TlsAlertReceived(_) => format!("TLS with {host} failed ({code:?})"),
        ErrorCode::HttpRequestBodySize(_) => format!("the request body did not match its length ({code:?})"),
        ErrorCode::HttpResponseBodySize(_) => format!("the response from {host} exceeds the host's size limit"),
        other => format!("the request to {host} failed: {other:?}"),
    };
    ConnectorError::transport(failure, message)
}

/// The typed failure behind a `wasi:http` error code.
fn failure_of(code: &ErrorCode) -> TransportFailure {
    match code {
        ErrorCode::HttpRequestDenied => TransportFailure::Denied,
        ErrorCode::DnsError(_) => TransportFailure::Dns,
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => TransportFailure::Timeout,
        ErrorCode::TlsCertificateError => TransportFailure::Certificate,
        ErrorCode::TlsProtocolError | ErrorCode::TlsAlertReceived(_) => TransportFailure::Tls,
        ErrorCode::HttpRequestBodySize(_) => TransportFailure::RequestBody,
        ErrorCode::HttpResponseBodySize(_) => TransportFailure::ResponseTooLarge,
        ErrorCode::ConnectionRefused
        | ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionLimitReached
        | ErrorCode::DnsTimeout => TransportFailure::Connect,
        ErrorCode::HttpProtocolError
        | ErrorCode::HttpResponseIncomplete
        | ErrorCode::HttpResponseHeaderSectionSize(_)
        | ErrorCode::HttpResponseHeaderSize(_) => TransportFailure::Protocol,
        _ => TransportFailure::Broken,
    }
}

/// A duration in nanoseconds, as `wasi:clocks` counts them.
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}
