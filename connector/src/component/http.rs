//! One HTTP exchange over `wasi:http/outgoing-handler`, streaming bodies through `wasi:io`.

use super::wasi::http::outgoing_handler;
use super::wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions,
    Scheme,
};
use super::wasi::io::streams::{InputStream, OutputStream, StreamError};
use super::workflow::connector::file_store::{self, FillEnd};
use super::{files, source};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::request::Body;
use crate::transport::{HttpRequest, HttpResponse, ResponseSink};
use crate::url_source::redact;
use std::time::Duration;

/// Most bytes moved by one write or splice call.
const CHUNK: u64 = 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Time for the answer to start, beyond the time the body needs at [`SLOWEST_UPLOAD`]: a server
/// that stops reading or never answers is given up on (and the request retried) in bounded time.
const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(60);
/// The slowest upload rate the first-byte timeout allows for (bytes per second).
const SLOWEST_UPLOAD: u64 = 1024 * 1024;
const BETWEEN_BYTES_TIMEOUT: Duration = Duration::from_secs(120);

/// Sends `request` and reads the answer: a 2xx body into `sink`, any other body into memory.
pub fn send(request: &HttpRequest<'_>, sink: &ResponseSink) -> Result<HttpResponse> {
    // A URL source is opened first: if it fails, nothing has been sent to S3.
    let source = match request.body {
        Body::Url(source) => Some(source::open(source)?),
        _ => None,
    };
    let outgoing = build_request(request)?;
    // A request without a body must not take the body resource: an untaken body is sent as a
    // known-empty one, while a taken-and-finished one goes out chunked, which costs a 40 ms
    // delayed-ACK round on reused connections.
    let has_body = !request.body.is_empty() || request.headers.iter().any(|(k, _)| k == "content-length");
    let body = match has_body {
        true => Some(outgoing.body().map_err(|_| ConnectorError::internal("the request body was already taken"))?),
        false => None,
    };
    let future = outgoing_handler::handle(outgoing, Some(request_options(request.body.len())))
        .map_err(|code| transport_error(&request.url, code))?;
    let finished = match body {
        Some(body) => write_body(&body, request.body, source.as_ref()).and_then(|digest| {
            OutgoingBody::finish(body, None).map_err(|code| transport_error(&request.url, code))?;
            Ok(digest)
        }),
        None => Ok(None),
    };
    drop(source);
    let (mut result, incoming) = wait_for_answer(future, &request.url)?;
    let success = result.is_success();
    // A HEAD answer has no body whatever its Content-Length says: nothing to wait for.
    let expected = if request.method == "HEAD" { Some(0) } else { expected_length(&result) };
    match sink {
        ResponseSink::Discard => {}
        ResponseSink::File { name, overwrite, resume_key, restart } if success => {
            let start = range_start(&result);
            let target =
                FileTarget { name, overwrite: *overwrite, resume_key: resume_key.as_deref(), restart: *restart, start };
            result.file_size = Some(body_to_file(incoming, &target, expected, &result)?);
        }
        ResponseSink::Memory { limit } if success => result.body = read_body(incoming, *limit, expected)?,
        _ => result.body = read_body(incoming, 1024 * 1024, expected)?,
    }
    // A failure to send the request body only matters when the server did not answer with an error.
    match finished {
        Ok(digest) => result.sent_digest = digest,
        Err(error) if success => return Err(error),
        Err(_) => {}
    }
    Ok(result)
}

/// Sends a bodiless GET to `url` with `headers` and waits for the head of the answer.
pub fn get(url: &str, headers: Vec<(String, String)>) -> Result<(HttpResponse, IncomingBody)> {
    let request = HttpRequest { method: "GET".to_string(), url: url.to_string(), headers, body: &Body::Empty };
    let future = outgoing_handler::handle(build_request(&request)?, Some(request_options(0)))
        .map_err(|code| transport_error(url, code))?;
    wait_for_answer(future, url)
}

/// Waits for the head of the answer to a request in flight.
fn wait_for_answer(future: FutureIncomingResponse, url: &str) -> Result<(HttpResponse, IncomingBody)> {
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

fn request_options(body_length: u64) -> RequestOptions {
    let options = RequestOptions::new();
    let first_byte = FIRST_BYTE_TIMEOUT + Duration::from_secs(body_length / SLOWEST_UPLOAD);
    let _ = options.set_connect_timeout(Some(CONNECT_TIMEOUT.as_nanos() as u64));
    let _ = options.set_first_byte_timeout(Some(first_byte.as_nanos() as u64));
    let _ = options.set_between_bytes_timeout(Some(BETWEEN_BYTES_TIMEOUT.as_nanos() as u64));
    options
}

fn build_request(request: &HttpRequest<'_>) -> Result<OutgoingRequest> {
    let fields = Fields::new();
    for (name, value) in &request.headers {
        fields
            .append(name, value.as_bytes())
            .map_err(|e| ConnectorError::invalid_input("", format!("header {name:?} cannot be sent: {e:?}")))?;
    }
    let outgoing = OutgoingRequest::new(fields);
    let method = match request.method.as_str() {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "PUT" => Method::Put,
        "POST" => Method::Post,
        "DELETE" => Method::Delete,
        other => Method::Other(other.to_string()),
    };
    let (scheme, rest) = request
        .url
        .split_once("://")
        .ok_or_else(|| ConnectorError::internal(format!("bad URL {}", redact(&request.url))))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let scheme = if scheme == "https" { Scheme::Https } else { Scheme::Http };
    let invalid = |what: &str| {
        ConnectorError::internal(format!("the host rejected the request {what} of {}", redact(&request.url)))
    };
    outgoing.set_method(&method).map_err(|()| invalid("method"))?;
    outgoing.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
    outgoing.set_authority(Some(authority)).map_err(|()| invalid("authority"))?;
    outgoing.set_path_with_query(Some(path)).map_err(|()| invalid("path"))?;
    Ok(outgoing)
}

/// Writes the request body. A `Closed` from the final flush after every byte was written is a
/// success (hyper may drop the channel once the last byte is queued); `OutgoingBody::finish`
/// then checks the length.
/// Returns the digest computed on the way, for a URL source with a checksum.
fn write_body(body: &OutgoingBody, contents: &Body, source: Option<&source::OpenSource>) -> Result<Option<Vec<u8>>> {
    let stream = body.write().map_err(|()| ConnectorError::internal("the request body stream was already taken"))?;
    let result = match (contents, source) {
        (Body::Empty, _) => Ok(None),
        (Body::Bytes(bytes), _) => write_all(&stream, bytes).map(|()| None),
        (Body::File { name, offset, size }, _) => {
            let input = file_store::open_read(name, *offset).map_err(files::error)?;
            splice_exact(&stream, &input, *size, &format!("{name:?}")).map(|()| None)
        }
        (Body::Url(piece), Some(open)) => source::copy(open, &stream, piece),
        (Body::Url(_), None) => Err(ConnectorError::internal("the URL source was not opened")),
    };
    let flushed = result.and_then(|digest| flush(&stream).map(|()| digest));
    drop(stream);
    flushed
}

/// Writes all of `data`, waiting for the stream to accept it.
pub fn write_all(stream: &OutputStream, mut data: &[u8]) -> Result<()> {
    while !data.is_empty() {
        let permit = stream.check_write().map_err(|e| send_error(e, data.len() as u64))?;
        if permit == 0 {
            stream.subscribe().block();
            continue;
        }
        let n = (permit.min(CHUNK) as usize).min(data.len());
        stream.write(&data[..n]).map_err(|e| send_error(e, data.len() as u64))?;
        data = &data[n..];
    }
    Ok(())
}

/// Moves exactly `size` bytes from `input` (named `name` in errors) to `stream`, host-side.
pub fn splice_exact(stream: &OutputStream, input: &InputStream, size: u64, name: &str) -> Result<()> {
    match pump(stream, input, size) {
        Ok(moved) if moved == size => Ok(()),
        Ok(moved) => Err(ConnectorError::internal(format!(
            "{name} ended {} bytes early; was it changed during the upload?",
            size - moved
        ))),
        Err(e) => Err(send_error(e, size)),
    }
}

/// Moves up to `limit` bytes from `input` to `output`, stopping early when `input` ends. The
/// splices are non-blocking and the component waits only for the side that cannot go on, so the
/// host reads the next bytes while it is still writing the last ones (a blocking splice waits for
/// each write to finish).
pub fn pump(output: &OutputStream, input: &InputStream, limit: u64) -> Result<u64, StreamError> {
    let mut moved = 0;
    while moved < limit {
        let permit = output.check_write()?;
        if permit == 0 {
            output.subscribe().block();
            continue;
        }
        match output.splice(input, permit.min(limit - moved).min(CHUNK)) {
            Ok(0) => input.subscribe().block(),
            Ok(n) => moved += n,
            Err(StreamError::Closed) if input_is_done(input) => return Ok(moved),
            Err(e) => return Err(e),
        }
    }
    Ok(moved)
}

/// Whether `input` has nothing more to give (the file ended), as opposed to the output closing.
pub fn input_is_done(input: &InputStream) -> bool {
    matches!(input.read(0), Err(StreamError::Closed))
}

fn flush(stream: &OutputStream) -> Result<()> {
    match stream.flush() {
        Ok(()) | Err(StreamError::Closed) => {}
        Err(e) => return Err(send_error(e, 0)),
    }
    stream.subscribe().block();
    match stream.check_write() {
        Ok(_) | Err(StreamError::Closed) => Ok(()),
        Err(e) => Err(send_error(e, 0)),
    }
}

/// A failure to write the request body, with `remaining` bytes unsent.
pub fn send_error(error: StreamError, remaining: u64) -> ConnectorError {
    let detail = match error {
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
        StreamError::Closed => "the connection closed".to_string(),
    };
    ConnectorError::new(
        ErrorKind::Unavailable,
        format!("sending the request body failed with {remaining} bytes left: {detail}"),
    )
}

fn expected_length(response: &HttpResponse) -> Option<u64> {
    response.header("content-length").and_then(|l| l.parse().ok())
}

/// Reads the body into memory; stops as soon as `expected` bytes (the Content-Length) are in,
/// without waiting for the end-of-stream signal.
fn read_body(incoming: IncomingBody, limit: u64, expected: Option<u64>) -> Result<Vec<u8>> {
    if expected == Some(0) {
        return Ok(Vec::new());
    }
    let stream = incoming.stream().map_err(|()| ConnectorError::internal("the response stream was already taken"))?;
    let mut body = Vec::new();
    while expected.is_none_or(|length| (body.len() as u64) < length) {
        match stream.blocking_read(CHUNK) {
            Ok(chunk) => {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(ConnectorError::new(
                        ErrorKind::TooLarge,
                        format!("the response is larger than {limit} bytes"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(e) => return Err(receive_error(e)),
        }
    }
    drop(stream);
    drop(incoming);
    Ok(body)
}

/// Where a response body is written.
struct FileTarget<'a> {
    name: &'a str,
    overwrite: bool,
    resume_key: Option<&'a str>,
    restart: bool,
    /// The byte of the object the body starts at (from `Content-Range`; 0 for a 200).
    start: u64,
}

/// The first byte a response body carries: the start of its `Content-Range`, or 0.
fn range_start(response: &HttpResponse) -> u64 {
    match response.status {
        206 => response.content_range().map_or(0, |(first, _, _)| first),
        _ => 0,
    }
}

/// Streams the body into a host file (after any resumed bytes), committing it only when every
/// byte arrived; the host checks the file against what the server's `answer` states (size, and
/// the full-object checksum when given) before it becomes visible. Returns the file's size.
fn body_to_file(
    incoming: IncomingBody,
    target: &FileTarget<'_>,
    expected: Option<u64>,
    answer: &HttpResponse,
) -> Result<u64> {
    let name = target.name;
    let writer = file_store::create(name, target.overwrite, target.resume_key).map_err(files::error)?;
    let existing = writer.existing_size();
    if target.resume_key.is_some() && existing != target.start {
        if target.start != 0 {
            return Err(ConnectorError::internal(format!(
                "the response starts at byte {} but {existing} bytes of {name:?} are on disk; run the download again",
                target.start
            )));
        }
        writer.truncate().map_err(files::error)?;
    } else if target.restart {
        writer.truncate().map_err(files::error)?;
    }
    let input = incoming.stream().map_err(|()| ConnectorError::internal("the response stream was already taken"))?;
    // The host copies the body to the file itself: no guest call per network frame.
    let written = match writer.fill(input, expected.unwrap_or(u64::MAX)).map_err(files::error)? {
        FillEnd::Done(written) => written,
        FillEnd::TooLarge(copied) => {
            return Err(ConnectorError::new(
                ErrorKind::TooLarge,
                format!(
                    "the response exceeds the host's response size limit (stopped after {copied} bytes); {name:?} was not written"
                ),
            ));
        }
        FillEnd::SourceFailed(failure) => {
            return Err(ConnectorError::new(
                ErrorKind::Unavailable,
                format!("reading the response failed after {} bytes: {}", failure.copied, failure.reason),
            ));
        }
    };
    drop(incoming);
    if let Some(expected) = expected
        && expected != written
    {
        return Err(ConnectorError::new(
            ErrorKind::Unavailable,
            format!("the download was cut short: {written} of {expected} bytes arrived; {name:?} was not written"),
        ));
    }
    let stated = files::expected_content(answer, writer.existing_size());
    writer.commit(stated.as_ref()).map_err(files::error)
}

/// A failure to read a response body.
pub fn receive_error(error: StreamError) -> ConnectorError {
    let detail = match error {
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
        StreamError::Closed => "closed".to_string(),
    };
    ConnectorError::new(ErrorKind::Unavailable, format!("reading the response failed: {detail}"))
}

/// A typed error for a wasi:http failure to reach `url`.
fn transport_error(url: &str, code: ErrorCode) -> ConnectorError {
    let host = url.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or(url);
    let (kind, message) = match &code {
        ErrorCode::HttpRequestDenied => (
            ErrorKind::Denied,
            format!(
                "the host's egress policy does not allow requests to {host}; ask the operator to allow it, or check the endpoint"
            ),
        ),
        ErrorCode::DnsError(e) => {
            (ErrorKind::Unavailable, format!("cannot resolve {host} ({:?}); check the endpoint and region", e.rcode))
        }
        ErrorCode::ConnectionRefused => {
            (ErrorKind::Unavailable, format!("{host} refused the connection; is the server running?"))
        }
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => (ErrorKind::Timeout, format!("{host} did not answer in time ({code:?})")),
        ErrorCode::TlsProtocolError | ErrorCode::TlsCertificateError | ErrorCode::TlsAlertReceived(_) => {
            (ErrorKind::Unavailable, format!("TLS with {host} failed ({code:?})"))
        }
        ErrorCode::HttpRequestBodySize(_) => {
            (ErrorKind::Internal, format!("the request body did not match its length ({code:?})"))
        }
        ErrorCode::HttpResponseBodySize(_) => {
            (ErrorKind::TooLarge, format!("the response from {host} exceeds the host's size limit"))
        }
        other => (ErrorKind::Unavailable, format!("the request to {host} failed: {other:?}")),
    };
    let retryable = matches!(kind, ErrorKind::Unavailable | ErrorKind::Timeout)
        && !matches!(code, ErrorCode::TlsCertificateError | ErrorCode::DnsError(_));
    ConnectorError { retryable, ..ConnectorError::new(kind, message) }
}
