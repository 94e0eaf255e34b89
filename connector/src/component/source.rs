//! Streaming a piece of a source URL into a request body: host-side splice when no checksum is
//! wanted, otherwise through the component, digesting each byte and, with a trailer, framing the
//! bytes as `aws-chunked`.

use super::bindings::wasi::http::types::IncomingBody;
use super::bindings::wasi::io::streams::{InputStream, StreamError};
use super::exchange;
use super::streams::{BodyWriter, receive_error};
use crate::client::url_source::UrlSource;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::aws_chunked;
use crate::protocol::checksum::StreamDigest;
use crate::protocol::checksum::base64_of;

/// A source answer whose body is ready to be read. The stream is declared first so it is dropped
/// before the body it belongs to.
pub(super) struct OpenSource {
    stream: InputStream,
    _body: IncomingBody,
}

/// Fetches `piece` from its URL and checks the answer carries exactly those bytes.
pub(super) fn open(piece: &UrlSource) -> Result<OpenSource> {
    let (answer, body) = exchange::get(&piece.url, piece.fetch_headers()).map_err(about_url)?;
    piece.check_answer(&answer)?;
    let stream = body.stream().map_err(|()| ConnectorError::internal("the source stream was already taken"))?;
    Ok(OpenSource { stream, _body: body })
}

/// Copies the piece into `output`; returns the digest computed on the way, if one was wanted.
pub(super) fn copy(open: &OpenSource, output: &BodyWriter<'_>, piece: &UrlSource) -> Result<Option<Vec<u8>>> {
    let Some(checksum) = piece.checksum else {
        output.splice_exact(&open.stream, piece.size, &piece.url.redacted())?;
        return Ok(None);
    };
    let mut digest = StreamDigest::new(checksum.algorithm);
    let mut remaining = piece.size;
    let mut buffer = Vec::with_capacity(aws_chunked::CHUNK_SIZE as usize + 16);
    while remaining > 0 {
        let length = remaining.min(aws_chunked::CHUNK_SIZE);
        buffer.clear();
        if checksum.trailer.is_some() {
            buffer.extend_from_slice(aws_chunked::chunk_header(length).as_bytes());
        }
        let start = buffer.len();
        read_exact(&open.stream, &mut buffer, length, piece)?;
        digest.update(&buffer[start..]);
        if checksum.trailer.is_some() {
            buffer.extend_from_slice(b"\r\n");
        }
        output.write_all(&buffer)?;
        remaining -= length;
    }
    let digest = digest.finish();
    if let Some(name) = checksum.trailer {
        let value = base64_of(&digest);
        output.write_all(aws_chunked::trailer(name, &value).as_bytes())?;
    }
    Ok(Some(digest))
}

/// Appends exactly `length` bytes of `input` to `buffer`.
fn read_exact(input: &InputStream, buffer: &mut Vec<u8>, length: u64, piece: &UrlSource) -> Result<()> {
    let mut missing = length;
    while missing > 0 {
        match input.blocking_read(missing) {
            Ok(bytes) => {
                missing -= bytes.len() as u64;
                buffer.extend_from_slice(&bytes);
            }
            Err(StreamError::Closed) => {
                return Err(ConnectorError::new(
                    ErrorKind::Unavailable,
                    format!("{} ended early: {missing} bytes of the piece never came", piece.url.redacted()),
                ));
            }
            Err(error) => return Err(receive_error(error)),
        }
    }
    Ok(())
}

/// Points a transport error at the `url` input field.
fn about_url(error: ConnectorError) -> ConnectorError {
    error.at("/url")
}
