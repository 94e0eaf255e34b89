//! Ranges of one object downloaded at once over `wasi:http`: each answer's body written into the
//! same host file at its own offset by the host (`file-writer.fill-at`), no byte passing through
//! the guest ([`in_flight`] runs them).

use super::bindings::wasi::http::outgoing_handler;
use super::bindings::wasi::http::types::{FutureIncomingResponse, IncomingBody};
use super::bindings::wasi::io::poll::Pollable;
use super::bindings::workflow::connector::file_store::{FileWriter, FillEnd, Filling};
use super::bindings::workflow::connector::invocation;
use super::exchange::{build_request, request_options, transport_error, wait_for_answer};
use super::files;
use super::http::{expected_length, read_body};
use super::in_flight::{self, InFlight};
use crate::client::transport::{Batch, HttpRequest};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::http::HttpResponse;

/// Sends `requests` (ranged GETs; `ranges[i]` the first byte and length request `i` asks for),
/// at most `batch.in_flight` at a time, and writes each 206 body into `writer` at its offset
/// (the host hears of each range as it is in). The
/// outcomes in order: the answer (its `file_size` the bytes written), an error answer with its
/// body in memory, or the failure.
pub(super) fn download(
    writer: &FileWriter,
    requests: &[HttpRequest<'_>],
    ranges: &[(u64, u64)],
    batch: Batch,
) -> Vec<Result<HttpResponse>> {
    let mut done = batch.done_before;
    in_flight::run_all(
        requests.len(),
        batch.in_flight,
        |index| Piece::start(&requests[index], ranges[index], writer),
        |index| {
            done += ranges[index].1;
            invocation::progress(done, batch.total);
        },
    )
}

/// Where one range is.
enum Stage {
    /// Waiting for the answer's head.
    Asking(FutureIncomingResponse),
    /// The host is writing the body into the file. The body resource lives until the copy ends.
    Filling { response: HttpResponse, filling: Filling, body: IncomingBody },
    /// Over.
    Done(Result<HttpResponse>),
}

/// One range in flight.
struct Piece<'r> {
    request: &'r HttpRequest<'r>,
    /// The file the body goes into.
    writer: &'r FileWriter,
    /// First byte and length.
    range: (u64, u64),
    stage: Option<Stage>,
}

impl<'r> Piece<'r> {
    fn start(request: &'r HttpRequest<'r>, range: (u64, u64), writer: &'r FileWriter) -> Self {
        let sent = build_request(request).and_then(|outgoing| {
            outgoing_handler::handle(outgoing, Some(request_options(0)))
                .map_err(|code| transport_error(&request.url, code))
        });
        let stage = match sent {
            Ok(future) => Stage::Asking(future),
            Err(error) => Stage::Done(Err(error)),
        };
        Piece { request, writer, range, stage: Some(stage) }
    }

    /// Moves the range on as far as it goes without waiting; what it now waits for, or `None`
    /// when it is over.
    fn step(&mut self) -> Option<Pollable> {
        loop {
            let stage = self.stage.take()?;
            match stage {
                Stage::Asking(future) => {
                    let ready = future.subscribe();
                    if !ready.ready() {
                        self.stage = Some(Stage::Asking(future));
                        return Some(ready);
                    }
                    drop(ready);
                    self.stage = Some(match self.answered(future) {
                        Ok(stage) => stage,
                        Err(error) => Stage::Done(Err(error)),
                    });
                }
                Stage::Filling { response, filling, body } => {
                    let ready = filling.subscribe();
                    if !ready.ready() {
                        self.stage = Some(Stage::Filling { response, filling, body });
                        return Some(ready);
                    }
                    drop(ready);
                    let end = filling.end();
                    drop(filling);
                    drop(body);
                    self.stage = Some(Stage::Done(self.filled(response, end)));
                }
                done @ Stage::Done(_) => {
                    self.stage = Some(done);
                    return None;
                }
            }
        }
    }

    /// The head of the answer has arrived: a 206 for exactly the range asked has its body
    /// copied into the file; any other answer is read into memory and returned.
    fn answered(&self, future: FutureIncomingResponse) -> Result<Stage> {
        let (mut response, incoming) = wait_for_answer(future, &self.request.url)?;
        let (offset, length) = self.range;
        if !response.is_success() {
            response.body = read_body(incoming, 1024 * 1024, expected_length(&response))?;
            return Ok(Stage::Done(Ok(response)));
        }
        let answered = (response.status == 206).then(|| response.content_range()).flatten();
        if answered.map(|(first, last, _)| (first, last - first + 1)) != Some((offset, length)) {
            return Err(ConnectorError::new(
                ErrorKind::Unsupported,
                format!(
                    "asked for bytes {offset}..{} the server answered {} {}; download with concurrency 1",
                    offset + length,
                    response.status,
                    response.header("content-range").unwrap_or("without a range")
                ),
            ));
        }
        let stream =
            incoming.stream().map_err(|()| ConnectorError::internal("the response stream was already taken"))?;
        let filling = self.writer.fill_at(stream, offset, length).map_err(files::error)?;
        Ok(Stage::Filling { response, filling, body: incoming })
    }

    /// The outcome of the copy into the file.
    fn filled(
        &self,
        mut response: HttpResponse,
        end: Option<Result<FillEnd, super::bindings::workflow::connector::file_store::FileError>>,
    ) -> Result<HttpResponse> {
        let (offset, length) = self.range;
        let cut_short = |written: u64| {
            ConnectorError::new(
                ErrorKind::Unavailable,
                format!("the range from byte {offset} was cut short: {written} of {length} bytes arrived"),
            )
        };
        match end {
            Some(Ok(FillEnd::Done(written))) if written == length => {
                response.file_size = Some(written);
                Ok(response)
            }
            Some(Ok(FillEnd::Done(written))) => Err(cut_short(written)),
            Some(Ok(FillEnd::SourceFailed(failure))) => Err(ConnectorError::new(
                ErrorKind::Unavailable,
                format!(
                    "reading the range from byte {offset} failed after {} bytes: {}",
                    failure.copied, failure.reason
                ),
            )),
            Some(Ok(FillEnd::TooLarge(copied))) => Err(ConnectorError::new(
                ErrorKind::TooLarge,
                format!("the download exceeds the host's response size limit (stopped after {copied} bytes)"),
            )),
            Some(Err(error)) => Err(files::error(error)),
            None => Err(ConnectorError::internal("a range's copy reported no end")),
        }
    }
}

impl InFlight for Piece<'_> {
    fn advance(&mut self, waits: &mut Vec<Pollable>) -> bool {
        self.step().map(|wait| waits.push(wait)).is_some()
    }

    fn finish(self) -> Result<HttpResponse> {
        match self.stage {
            Some(Stage::Done(outcome)) => outcome,
            _ => Err(ConnectorError::internal("a range ended unfinished")),
        }
    }
}
