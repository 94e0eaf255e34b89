//! The host file store: sizes, hashes, and the typed errors for its failures.

use super::wasi::io::streams::StreamError;
use super::workflow::connector::file_store::{self, FileError};
use crate::error::{ConnectorError, ErrorKind, Result};
use sha2::{Digest, Sha256};

/// Chunk size for reading files in the guest.
const READ_CHUNK: u64 = 256 * 1024;

/// A file-store failure as a typed error about input field `/file`.
pub fn error(error: FileError) -> ConnectorError {
    let (kind, message) = match error {
        FileError::NotFound(m) => (ErrorKind::NotFound, format!("file not found in the host file store: {m}")),
        FileError::Denied(m) => (ErrorKind::Denied, format!("the host refused file access: {m}")),
        FileError::InvalidName(m) => (
            ErrorKind::InvalidInput,
            format!("invalid file name: {m}; use a relative name such as \"reports/jan.csv\""),
        ),
        FileError::AlreadyExists(m) => {
            (ErrorKind::Conflict, format!("the file already exists: {m}; set \"overwrite\": true to replace it"))
        }
        FileError::Io(m) => (ErrorKind::Internal, format!("host file I/O failed: {m}")),
    };
    ConnectorError { field: Some("/file".into()), ..ConnectorError::new(kind, message) }
}

/// A stream failure while reading or writing a host file.
pub fn stream_error(what: &str, error: StreamError) -> ConnectorError {
    let detail = match error {
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
        StreamError::Closed => "the stream closed early".to_string(),
    };
    ConnectorError::internal(format!("{what}: {detail}"))
}

/// The size of host file `name`.
pub fn size(name: &str) -> Result<u64> {
    file_store::stat(name).map(|s| s.size).map_err(error)
}

/// The hex SHA-256 of `size` bytes of host file `name` from `offset`.
pub fn sha256(name: &str, offset: u64, size: u64) -> Result<String> {
    let stream = file_store::open_read(name, offset).map_err(error)?;
    let mut hasher = Sha256::new();
    let mut remaining = size;
    while remaining > 0 {
        match stream.blocking_read(remaining.min(READ_CHUNK)) {
            Ok(chunk) => {
                remaining = remaining.saturating_sub(chunk.len() as u64);
                hasher.update(&chunk);
            }
            Err(StreamError::Closed) => {
                return Err(ConnectorError::internal(format!(
                    "{name:?} ended {remaining} bytes early while hashing; was it changed during the upload?"
                )));
            }
            Err(e) => return Err(stream_error("reading the file", e)),
        }
    }
    Ok(hex::encode(hasher.finalize()))
}
