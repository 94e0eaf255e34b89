//! Moving bytes through `wasi:io` streams: writes that respect the host's permits, host-side
//! splices, and the typed errors for broken streams.

use super::bindings::wasi::io::streams::{InputStream, OutputStream, StreamError};
use crate::error::{ConnectorError, Result, TransportFailure};

/// Most bytes moved by one write or splice call.
pub(super) const CHUNK: u64 = 1024 * 1024;

/// Writes all of `data`, waiting for the stream to accept it.
pub(super) fn write_all(stream: &OutputStream, mut data: &[u8]) -> Result<()> {
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
pub(super) fn splice_exact(stream: &OutputStream, input: &InputStream, size: u64, name: &str) -> Result<()> {
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
pub(super) fn pump(output: &OutputStream, input: &InputStream, limit: u64) -> Result<u64, StreamError> {
    let mut moved = 0;
    while moved < limit {
        let permit = output.check_write()?;
        if permit == 0 {
            output.subscribe().block();
            continue;
        }
        match splice_now(output, input, permit.min(limit - moved).min(CHUNK)) {
            Ok(0) => input.subscribe().block(),
            Ok(n) => moved += n,
            Err(StreamError::Closed) if input_is_done(input) => return Ok(moved),
            Err(e) => return Err(e),
        }
    }
    Ok(moved)
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

pub(super) fn flush(stream: &OutputStream) -> Result<()> {
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
