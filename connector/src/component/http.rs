//! One HTTP exchange over `wasi:http/outgoing-handler`, streaming bodies through `wasi:io`.

use super::bindings::wasi::http::outgoing_handler;
use super::bindings::wasi::http::types::{FutureIncomingResponse, IncomingBody, OutgoingBody};
use super::bindings::wasi::io::streams::StreamError;
use super::bindings::workflow::connector::file_store::{self, FillEnd};
use super::exchange::{build_request, request_options, transport_error, wait_for_answer};
use super::streams::{BodyWriter, CHUNK, has_answered, receive_error};
use super::{files, source};
use crate::client::request::Body;
use crate::client::transport::{FileSink, HttpRequest, PartialBytes, ResponseSink};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::http::{HttpResponse, Method};

/// A complete download kept uncommitted (a [`FileSink`] with `hold`), with what its answer
/// stated for the commit to check.
pub(super) struct HeldFile {
    /// The writer, uncommitted: dropped, it removes the file.
    pub(super) writer: file_store::FileWriter,
    /// What the file must hold.
    pub(super) expected: Option<file_store::ExpectedContent>,
}

/// Sends `request` and reads the answer: a 2xx body into `sink`, any other body into memory. A
/// file sink with `hold` leaves its complete file uncommitted in `held`.
pub(super) fn send(
    request: &HttpRequest<'_>,
    sink: &ResponseSink,
    held: &mut Option<HeldFile>,
) -> Result<HttpResponse> {
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
    let (finished, unfinished) = match body {
        Some(body) => match write_body(&body, request.body, source.as_ref(), &future) {
            Ok(digest) => (
                OutgoingBody::finish(body, None).map(|()| digest).map_err(|code| transport_error(&request.url, code)),
                None,
            ),
            Err(error) => (Err(error), Some(body)),
        },
        None => (Ok(None), None),
    };
    // A body that could not be sent ends the request when it is dropped unfinished: at once,
    // unless the server has answered already, whose answer it could cut off; then after the
    // answer is read.
    let unfinished = unfinished.filter(|_| has_answered(&future));
    drop(source);
    let (mut result, incoming) = wait_for_answer(future, &request.url)?;
    let success = result.is_success();
    // A HEAD answer has no body whatever its Content-Length says: nothing to wait for.
    let expected = if request.method == Method::Head { Some(0) } else { expected_length(&result) };
    match sink {
        ResponseSink::Discard => {}
        ResponseSink::File(target) if success => {
            let start = range_start(&result);
            result.file_size = Some(body_to_file(incoming, target, start, expected, &result, held)?);
        }
        ResponseSink::Memory { limit } if success => result.body = read_body(incoming, *limit, expected)?,
        _ => result.body = read_body(incoming, 1024 * 1024, expected)?,
    }
    drop(unfinished);
    // A failure to send the request body only matters when the server did not answer with an error.
    match finished {
        Ok(digest) => result.sent_digest = digest,
        Err(error) if success => return Err(error),
        Err(_) => {}
    }
    Ok(result)
}

/// Writes the request body, the answer to which is `future`; returns the digest computed on the
/// way, for a URL source with a checksum.
fn write_body(
    body: &OutgoingBody,
    contents: &Body,
    source: Option<&source::OpenSource>,
    future: &FutureIncomingResponse,
) -> Result<Option<Vec<u8>>> {
    let stream = body.write().map_err(|()| ConnectorError::internal("the request body stream was already taken"))?;
    let writer = BodyWriter::new(&stream, future);
    let result = match (contents, source) {
        (Body::Empty, _) => Ok(None),
        (Body::Bytes(bytes), _) => writer.write_all(bytes).map(|()| None),
        (Body::File { name, offset, size }, _) => {
            let input = file_store::open_read(name, *offset).map_err(files::error)?;
            writer.splice_exact(&input, *size, &format!("{name:?}")).map(|()| None)
        }
        (Body::Url(piece), Some(open)) => source::copy(open, &writer, piece),
        (Body::Url(_), None) => Err(ConnectorError::internal("the URL source was not opened")),
    };
    let flushed = result.and_then(|digest| writer.flush().map(|()| digest));
    drop(writer);
    drop(stream);
    flushed
}

/// The body length the answer states.
pub(super) fn expected_length(response: &HttpResponse) -> Option<u64> {
    response.header("content-length").and_then(|l| l.parse().ok())
}

/// Reads the body into memory; stops as soon as `expected` bytes (the Content-Length) are in,
/// without waiting for the end-of-stream signal.
pub(super) fn read_body(incoming: IncomingBody, limit: u64, expected: Option<u64>) -> Result<Vec<u8>> {
    if expected == Some(0) {
        return Ok(Vec::new());
    }
    let stream = incoming.stream().map_err(|()| ConnectorError::internal("the response stream was already taken"))?;
    // The stated length, when it is within the limit, is allocated once (no doubling).
    let capacity = expected.filter(|length| *length <= limit).map_or(0, |length| length as usize);
    let mut body = Vec::with_capacity(capacity);
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

/// The first byte a response body carries: the start of its `Content-Range`, or 0.
fn range_start(response: &HttpResponse) -> u64 {
    match response.status {
        206 => response.content_range().map_or(0, |(first, _, _)| first),
        _ => 0,
    }
}

/// Streams the body into a host file (after any resumed bytes), committing it only when every
/// byte arrived; the host checks the file against what the server's `answer` states (size, and
/// the full-object checksum when given) before it becomes visible. `start` is the byte of the
/// object the body starts at (from `Content-Range`; 0 for a 200). Returns the file's size.
fn body_to_file(
    incoming: IncomingBody,
    target: &FileSink,
    start: u64,
    expected: Option<u64>,
    answer: &HttpResponse,
    held: &mut Option<HeldFile>,
) -> Result<u64> {
    let name = target.name.as_str();
    let resume_key = target.resume.as_ref().map(|resume| resume.key.as_str());
    let writer = file_store::create(name, target.existing.overwrite(), resume_key).map_err(files::error)?;
    let existing = writer.existing_size();
    let discard = match &target.resume {
        Some(_) if existing != start && start != 0 => {
            return Err(ConnectorError::internal(format!(
                "the response starts at byte {start} but {existing} bytes of {name:?} are on disk; run the download again"
            )));
        }
        Some(resume) => existing != start || resume.partial == PartialBytes::Discard,
        None => false,
    };
    if discard {
        writer.truncate().map_err(files::error)?;
    }
    // A stated checksum of the whole object is computed by the host as the bytes are written,
    // so the commit need not read the file again.
    if let Some(digest) = files::expected_content(answer, writer.existing_size(), target.verify).and_then(|e| e.digest)
    {
        writer.digest_while_filling(digest.algorithm);
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
    let stated = files::expected_content(answer, writer.existing_size(), target.verify);
    if target.hold {
        let size = writer.existing_size() + written;
        *held = Some(HeldFile { writer, expected: stated });
        return Ok(size);
    }
    writer.commit(stated.as_ref()).map_err(files::error)
}
