//! The host file store: sizes, hashes, and the typed errors for its failures.

use super::workflow::connector::file_store::{self, DigestAlgorithm, FileError};
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::transport::Digest;

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

/// The size of host file `name`.
pub fn size(name: &str) -> Result<u64> {
    file_store::stat(name).map(|s| s.size).map_err(error)
}

/// The size of the partial download of `name` kept under `resume_key`.
pub fn partial_size(name: &str, overwrite: bool, resume_key: &str) -> Result<u64> {
    let writer = file_store::create(name, overwrite, Some(resume_key)).map_err(error)?;
    Ok(writer.existing_size())
}

/// The raw digest of `size` bytes of host file `name` from `offset`, computed by the host.
pub fn digest(name: &str, offset: u64, size: u64, algorithm: Digest) -> Result<Vec<u8>> {
    let algorithm = match algorithm {
        Digest::Md5 => DigestAlgorithm::Md5,
        Digest::Sha256 => DigestAlgorithm::Sha256,
        Digest::Crc32c => DigestAlgorithm::Crc32c,
        Digest::Crc32 => DigestAlgorithm::Crc32,
    };
    file_store::digest(name, offset, size, algorithm).map_err(error)
}
