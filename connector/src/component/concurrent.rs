//! Requests with bodies from host files in flight at once over `wasi:http` (a multipart
//! upload's parts): each body spliced from its file by the host, so no byte passes through the
//! guest's memory ([`in_flight`] runs them).

use super::bindings::wasi::http::outgoing_handler;
use super::bindings::wasi::http::types::{FutureIncomingResponse, OutgoingBody};
use super::bindings::wasi::io::poll::Pollable;
use super::bindings::wasi::io::streams::{InputStream, OutputStream, StreamError};
use super::bindings::workflow::connector::file_store;
use super::bindings::workflow::connector::invocation;
use super::exchange::{build_request, request_options, transport_error, wait_for_answer};
use super::files;
use super::http::{expected_length, read_body};
use super::in_flight::{self, InFlight};
use super::streams::{CHUNK, answered_early, has_answered, input_is_done, send_error, splice_now};
use crate::client::request::Body;
use crate::client::transport::{Batch, HttpRequest};
use crate::error::{ConnectorError, Result};
use crate::protocol::http::{HttpResponse, Method};

/// Whether [`send_all`] can carry `request`: a body that is empty or spliced from a host file
/// (in-memory and URL bodies take the one-at-a-time path).
pub(super) fn can_send(request: &HttpRequest<'_>) -> bool {
    matches!(request.body, Body::Empty | Body::File { .. })
}

/// Sends `requests`, at most `batch.in_flight` at a time, and reads each answer's body into
/// memory (up to `limit`); the outcomes in order; the host hears of each body as it is sent.
/// Each request must pass [`can_send`].
pub(super) fn send_all(requests: &[HttpRequest<'_>], limit: u64, batch: Batch) -> Vec<Result<HttpResponse>> {
    let mut done = batch.done_before;
    in_flight::run_all(
        requests.len(),
        batch.in_flight,
        |index| Exchange::start(&requests[index], limit),
        |index| {
            done += requests[index].body.len();
            invocation::progress(done, batch.total);
        },
    )
}

/// Where one exchange is.
enum Stage {
    /// Splicing the body from its file; `left` bytes to go. (Fields drop in order: the stream,
    /// a child of the body, must go first.)
    Sending { stream: OutputStream, body: OutgoingBody, input: InputStream, left: u64 },
    /// Every byte written; waiting for the flush before finishing the body.
    Flushing { stream: OutputStream, body: OutgoingBody },
    /// The request is out (or its body failed); waiting for the answer.
    Answering,
    /// Over.
    Done(Result<HttpResponse>),
}

/// One request in flight.
struct Exchange<'r> {
    request: &'r HttpRequest<'r>,
    /// Most bytes of a 2xx answer's body read into memory.
    limit: u64,
    future: Option<FutureIncomingResponse>,
    stage: Stage,
    /// Why the body could not be sent, if it could not: it matters only when the server did not
    /// answer with an error of its own.
    body_error: Option<ConnectorError>,
    /// A body the server answered before taking all of it (the stream, a child, first): dropped
    /// unfinished, which ends the request, once the answer is read.
    unfinished: Option<(OutputStream, OutgoingBody)>,
}

impl<'r> Exchange<'r> {
    /// Sends the head of `request` and opens its body's file.
    fn start(request: &'r HttpRequest<'r>, limit: u64) -> Self {
        let mut exchange =
            Exchange { request, limit, future: None, stage: Stage::Answering, body_error: None, unfinished: None };
        match exchange.open() {
            Ok(stage) => exchange.stage = stage,
            Err(error) => exchange.stage = Stage::Done(Err(error)),
        }
        exchange
    }

    fn open(&mut self) -> Result<Stage> {
        let request = self.request;
        let outgoing = build_request(request)?;
        let file = match request.body {
            Body::File { name, offset, size } => {
                let input = file_store::open_read(name, *offset).map_err(files::error)?;
                let body =
                    outgoing.body().map_err(|_| ConnectorError::internal("the request body was already taken"))?;
                Some((body, input, *size))
            }
            _ => None,
        };
        let future = outgoing_handler::handle(outgoing, Some(request_options(request.body.len())))
            .map_err(|code| transport_error(&request.url, code))?;
        self.future = Some(future);
        match file {
            Some((body, input, left)) => {
                let stream =
                    body.write().map_err(|()| ConnectorError::internal("the request body stream was already taken"))?;
                Ok(Stage::Sending { stream, body, input, left })
            }
            None => Ok(Stage::Answering),
        }
    }

    /// Moves the exchange on as far as it goes without waiting, and adds what it now waits for
    /// to `waits`; false when it is over. While the body goes out, the answer is waited for too:
    /// a server that answers first may never take the rest.
    fn step(&mut self, waits: &mut Vec<Pollable>) -> bool {
        loop {
            match std::mem::replace(&mut self.stage, Stage::Answering) {
                Stage::Sending { stream, body, input, left } => {
                    if left == 0 {
                        drop(input);
                        match stream.flush() {
                            Ok(()) | Err(StreamError::Closed) => self.stage = Stage::Flushing { stream, body },
                            Err(error) => self.fail_body(body, stream, send_error(error, 0)),
                        }
                        continue;
                    }
                    let wait = match splice_some(&stream, &input, left) {
                        Ok(Step::Moved(n)) => {
                            self.stage = Stage::Sending { stream, body, input, left: left - n };
                            continue;
                        }
                        Ok(Step::WaitOutput) => stream.subscribe(),
                        Ok(Step::WaitInput) => input.subscribe(),
                        Err(error) => {
                            drop(input);
                            self.fail_body(body, stream, error);
                            continue;
                        }
                    };
                    if self.has_answered() {
                        drop(wait);
                        drop(input);
                        self.stop_sending(stream, body, left);
                        continue;
                    }
                    self.stage = Stage::Sending { stream, body, input, left };
                    self.wait_with_answer(wait, waits);
                    return true;
                }
                Stage::Flushing { stream, body } => {
                    // The answer is checked before the stream: a 2xx comes only after every byte
                    // has left the stream, so a stream not ready after an answer was answered early.
                    let answered = self.has_answered();
                    let flushed = stream.subscribe();
                    if !flushed.ready() {
                        if answered {
                            drop(flushed);
                            self.stop_sending(stream, body, 0);
                            continue;
                        }
                        self.stage = Stage::Flushing { stream, body };
                        self.wait_with_answer(flushed, waits);
                        return true;
                    }
                    drop(flushed);
                    // A `Closed` once every byte is written is a success (hyper may drop the
                    // channel as soon as the last byte is queued); `finish` checks the length.
                    let checked = match stream.check_write() {
                        Ok(_) | Err(StreamError::Closed) => Ok(()),
                        Err(error) => Err(send_error(error, 0)),
                    };
                    drop(stream);
                    let finished = checked.and_then(|()| {
                        OutgoingBody::finish(body, None).map_err(|code| transport_error(&self.request.url, code))
                    });
                    self.body_error = finished.err();
                }
                Stage::Answering => {
                    let Some(future) = self.future.as_ref() else { return false };
                    let ready = future.subscribe();
                    if !ready.ready() {
                        waits.push(ready);
                        return true;
                    }
                    drop(ready);
                    let answer = self.answer();
                    self.unfinished = None;
                    self.stage = Stage::Done(answer);
                }
                done @ Stage::Done(_) => {
                    self.stage = done;
                    return false;
                }
            }
        }
    }

    /// Whether the head of the answer has arrived.
    fn has_answered(&self) -> bool {
        self.future.as_ref().is_some_and(has_answered)
    }

    /// Adds `wait` and the answer's arrival to `waits`.
    fn wait_with_answer(&self, wait: Pollable, waits: &mut Vec<Pollable>) {
        waits.push(wait);
        if let Some(future) = &self.future {
            waits.push(future.subscribe());
        }
    }

    /// Stops sending a body the server answered before taking all of it (`left` bytes unsent):
    /// it is kept until the answer is read (dropping it ends the request, which could cut the
    /// answer off), and the answer goes on to be read.
    fn stop_sending(&mut self, stream: OutputStream, body: OutgoingBody, left: u64) {
        self.unfinished = Some((stream, body));
        self.body_error = Some(answered_early(left));
    }

    /// Gives up sending the body after `error`: dropped unfinished (the stream, a child, before
    /// the body), it ends the request, and the answer, if any, says more. When the answer has
    /// arrived already, the body is kept until it is read (dropping it could cut the answer off).
    fn fail_body(&mut self, body: OutgoingBody, stream: OutputStream, error: ConnectorError) {
        self.body_error = Some(error);
        if self.has_answered() {
            self.unfinished = Some((stream, body));
        } else {
            drop(stream);
            drop(body);
        }
    }

    /// Reads the answer, which has arrived.
    fn answer(&mut self) -> Result<HttpResponse> {
        let future = self.future.take().ok_or_else(|| ConnectorError::internal("the answer was already read"))?;
        let (mut response, incoming) = wait_for_answer(future, &self.request.url)?;
        let expected = if self.request.method == Method::Head { Some(0) } else { expected_length(&response) };
        let limit = if response.is_success() { self.limit } else { 1024 * 1024 };
        response.body = read_body(incoming, limit, expected)?;
        match self.body_error.take() {
            Some(error) if response.is_success() => Err(error),
            _ => Ok(response),
        }
    }
}

impl InFlight for Exchange<'_> {
    fn advance(&mut self, waits: &mut Vec<Pollable>) -> bool {
        self.step(waits)
    }

    fn finish(self) -> Result<HttpResponse> {
        match self.stage {
            Stage::Done(outcome) => outcome,
            _ => Err(ConnectorError::internal("an exchange ended unfinished")),
        }
    }
}

/// What one non-blocking splice did.
enum Step {
    /// Moved this many bytes.
    Moved(u64),
    /// The connection takes no more for now.
    WaitOutput,
    /// The file has no bytes ready yet.
    WaitInput,
}

/// One non-blocking splice of up to `left` bytes from `input` to `output`.
fn splice_some(output: &OutputStream, input: &InputStream, left: u64) -> Result<Step> {
    let permit = output.check_write().map_err(|e| send_error(e, left))?;
    if permit == 0 {
        return Ok(Step::WaitOutput);
    }
    match splice_now(output, input, permit.min(left).min(CHUNK)) {
        Ok(0) => Ok(Step::WaitInput),
        Ok(moved) => Ok(Step::Moved(moved)),
        Err(StreamError::Closed) if input_is_done(input) => Err(ConnectorError::internal(format!(
            "the file ended {left} bytes early; was it changed during the upload?"
        ))),
        Err(error) => Err(send_error(error, left)),
    }
}
