//! Moving bytes through `wasi:io` streams: writes that respect the host's permits, host-side
//! splices, and the typed errors for broken streams.

use super::bindings::wasi::http::types::FutureIncomingResponse;
use super::bindings::wasi::io::poll::{self, Pollable};
use super::bindings::wasi::io::streams::{InputStream, OutputStream, StreamError};
use crate::error::{ConnectorError, Result, TransportFailure};

/// Most bytes moved by one write or splice call.
pub(super) const CHUNK: u64 = 1024 * 1024;

/// A request body being written while the answer is watched. A server may answer (refuse)
/// before it has read the whole body and then stop reading: a wait on the stream alone would
/// last until the invocation's time limit, so every wait here also ends when the answer comes,
/// with [`answered_early`]; the caller then reads that answer.
pub(super) struct BodyWriter<'a> {
    stream: &'a OutputStream,
    /// Ready once the head of the answer has arrived.
    answer: Pollable,
}

impl<'a> BodyWriter<'a> {
    /// Writes to `stream`, the body of the request whose answer is `future`.
    pub(super) fn new(stream: &'a OutputStream, future: &FutureIncomingResponse) -> Self {
        BodyWriter { stream, answer: future.subscribe() }
    }

    /// Writes all of `data`, waiting for the stream to accept it.
    pub(super) fn write_all(&self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let permit = self.stream.check_write().map_err(|e| send_error(e, data.len() as u64))?;
            if permit == 0 {
                self.wait(self.stream.subscribe(), data.len() as u64)?;
                continue;
            }
            let n = (permit.min(CHUNK) as usize).min(data.len());
            self.stream.write(&data[..n]).map_err(|e| send_error(e, data.len() as u64))?;
            data = &data[n..];
        }
        Ok(())
    }

    /// Moves exactly `size` bytes from `input` (named `name` in errors) to the body, host-side.
    pub(super) fn splice_exact(&self, input: &InputStream, size: u64, name: &str) -> Result<()> {
        let moved = self.pump(input, size)?;
        if moved < size {
            return Err(ConnectorError::internal(format!(
                "{name} ended {} bytes early; was it changed during the upload?",
                size - moved
            )));
        }
        Ok(())
    }

    /// Moves up to `limit` bytes from `input` to the body, stopping early when `input` ends. The
    /// splices are non-blocking and the component waits only for the side that cannot go on, so
    /// the host reads the next bytes while it is still writing the last ones (a blocking splice
    /// waits for each write to finish).
    fn pump(&self, input: &InputStream, limit: u64) -> Result<u64> {
        let mut moved = 0;
        while moved < limit {
            let left = limit - moved;
            let permit = self.stream.check_write().map_err(|e| send_error(e, left))?;
            if permit == 0 {
                self.wait(self.stream.subscribe(), left)?;
                continue;
            }
            match splice_now(self.stream, input, permit.min(left).min(CHUNK)) {
                Ok(0) => self.wait(input.subscribe(), left)?,
                Ok(n) => moved += n,
                Err(StreamError::Closed) if input_is_done(input) => return Ok(moved),
                Err(e) => return Err(send_error(e, left)),
            }
        }
        Ok(moved)
    }

    /// Waits until every byte written has been taken by the connection. A `Closed` is a
    /// success (hyper may drop the channel as soon as the last byte is queued);
    /// `OutgoingBody::finish` then checks the length.
    pub(super) fn flush(&self) -> Result<()> {
        match self.stream.flush() {
            Ok(()) | Err(StreamError::Closed) => {}
            Err(e) => return Err(send_error(e, 0)),
        }
        self.wait(self.stream.subscribe(), 0)?;
        match self.stream.check_write() {
            Ok(_) | Err(StreamError::Closed) => Ok(()),
            Err(e) => Err(send_error(e, 0)),
        }
    }

    /// Waits for `ready`, or for the answer: an error if the answer comes while `ready` is not
    /// (a server that answers before it has all the bytes takes no more).
    fn wait(&self, ready: Pollable, left: u64) -> Result<()> {
        poll::poll(&[&ready, &self.answer]);
        match ready.ready() {
            true => Ok(()),
            false => Err(answered_early(left)),
        }
    }
}

/// The server answered before it had taken the whole request body (`left` bytes unsent): the
/// error to report should its answer not say more.
pub(super) fn answered_early(left: u64) -> ConnectorError {
    let message = format!("the server answered before the request body was sent ({left} bytes left)");
    ConnectorError::transport(TransportFailure::Broken, message)
}

/// Whether the head of the answer to a request in flight has arrived.
pub(super) fn has_answered(future: &FutureIncomingResponse) -> bool {
    future.subscribe().ready()
}

/// Moves up to `len` bytes from `input` to `output` without waiting; the caller holds a write
/// permit for `len`. A host-side splice: no byte enters the component. With the `copy-streams`
/// feature (the portable build, for runtimes whose splice fails, such as jco's preview2-shim for
/// request bodies) a read and a write through the component's memory instead.
pub(super) fn splice_now(output: &OutputStream, input: &InputStream, len: u64) -> Result<u64, StreamError> {
    if cfg!(feature = "copy-streams") {
        let bytes = input.read(len)?;
        if !bytes.is_empty() {
            output.write(&bytes)?;
        }
        Ok(bytes.len() as u64)
    } else {
        output.splice(input, len)
    }
}

/// Whether `input` has nothing more to give (the file ended), as opposed to the output closing.
pub(super) fn input_is_done(input: &InputStream) -> bool {
    matches!(input.read(0), Err(StreamError::Closed))
}

/// A failure to write the request body, with `remaining` bytes unsent.
pub(super) fn send_error(error: StreamError, remaining: u64) -> ConnectorError {
    let detail = match error {
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
        StreamError::Closed => "the connection closed".to_string(),
    };
    let message = format!("sending the request body failed with {remaining} bytes left: {detail}");
    ConnectorError::transport(TransportFailure::Broken, message)
}

/// A failure to read a response body.
pub(super) fn receive_error(error: StreamError) -> ConnectorError {
    let detail = match error {
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
        StreamError::Closed => "closed".to_string(),
    };
    let message = format!("reading the response failed: {detail}");
    ConnectorError::transport(TransportFailure::Broken, message)
}
