//! Moving bytes: a stream into a file at an offset, and the digest of a file range. Both pass
//! through this component's memory a chunk at a time.

use crate::bindings::exports::workflow::connector::file_store::{FillEnd, FillFailure};
use crate::bindings::wasi::filesystem::types::Descriptor;
use crate::bindings::wasi::io::streams::{InputStream, StreamError};
use connector_contract::{DigestAlgorithm, Hasher};

/// Bytes moved per step.
const CHUNK: u64 = 256 * 1024;

/// Copies `source` into `file` from byte `offset` until the stream ends or `limit` bytes are in.
/// A failing source ends the copy with what arrived written; a failing file is the error.
pub(crate) fn fill(source: &InputStream, file: &Descriptor, offset: u64, limit: u64) -> Result<FillEnd, String> {
    let mut copied = 0u64;
    while copied < limit {
        let bytes = match source.blocking_read(CHUNK.min(limit - copied)) {
            Ok(bytes) => bytes,
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(error)) => {
                return Ok(FillEnd::SourceFailed(FillFailure { copied, reason: error.to_debug_string() }));
            }
        };
        write_all(file, &bytes, offset + copied)?;
        copied += bytes.len() as u64;
    }
    Ok(FillEnd::Done(copied))
}

/// Writes all of `bytes` at `offset`.
fn write_all(file: &Descriptor, mut bytes: &[u8], mut offset: u64) -> Result<(), String> {
    while !bytes.is_empty() {
        let written = file.write(bytes, offset).map_err(|code| code.message().to_string())?;
        if written == 0 {
            return Err("the file took no bytes".into());
        }
        bytes = &bytes[written as usize..];
        offset += written;
    }
    Ok(())
}

/// The raw digest of `length` bytes of `file` from `offset`; fails if fewer bytes are there.
pub(crate) fn digest_range(
    file: &Descriptor,
    offset: u64,
    length: u64,
    algorithm: DigestAlgorithm,
) -> Result<Vec<u8>, String> {
    let mut hasher = Hasher::new(algorithm);
    let mut done = 0u64;
    while done < length {
        let (bytes, end) =
            file.read(CHUNK.min(length - done), offset + done).map_err(|code| code.message().to_string())?;
        hasher.update(&bytes);
        done += bytes.len() as u64;
        if bytes.is_empty() || (end && done < length) {
            return Err(format!("the file ends before byte {}", offset + length));
        }
    }
    Ok(hasher.finish())
}
