//! The host file store: sizes, hashes, and the typed errors for its failures.

use super::bindings::workflow::connector::file_store::{self, DigestAlgorithm, FileError};
use crate::error::{Cause, ConnectorError, ErrorKind, FileFailure, Result};
use connector_contract::DigestAlgorithm as Digest;

/// A file-store failure as a typed error about input field `/file`.
pub(super) fn error(error: FileError) -> ConnectorError {
    let (kind, failure, message) = match error {
        FileError::NotFound(m) => {
            (ErrorKind::NotFound, FileFailure::NotFound, format!("file not found in the host file store: {m}"))
        }
        FileError::Denied(m) => (ErrorKind::Denied, FileFailure::Denied, format!("the host refused file access: {m}")),
        FileError::InvalidName(m) => (
            ErrorKind::InvalidInput,
            FileFailure::InvalidName,
            format!("invalid file name: {m}; use a relative name such as \"reports/jan.csv\""),
        ),
        FileError::AlreadyExists(m) => (
            ErrorKind::Conflict,
            FileFailure::AlreadyExists,
            format!("the file already exists: {m}; set \"overwrite\": true to replace it"),
        ),
        FileError::Io(m) => (ErrorKind::Internal, FileFailure::Io, format!("host file I/O failed: {m}")),
        FileError::Mismatch(m) => (
            ErrorKind::Unavailable,
            FileFailure::Mismatch,
            format!("the download does not match what the server stated ({m}); the file was not written, try again"),
        ),
    };
    ConnectorError::caused(kind, Cause::FileStore(failure), message).at("/file")
}

/// The size of host file `name`.
pub(super) fn size(name: &str) -> Result<u64> {
    file_store::stat(name).map(|s| s.size).map_err(error)
}

/// The size of the partial download of `name` kept under `resume_key`.
pub(super) fn partial_size(name: &str, overwrite: bool, resume_key: &str) -> Result<u64> {
    let writer = file_store::create(name, overwrite, Some(resume_key)).map_err(error)?;
    Ok(writer.existing_size())
}

/// The raw digest of `size` bytes of host file `name` from `offset`, computed by the host.
pub(super) fn digest(name: &str, offset: u64, size: u64, algorithm: Digest) -> Result<Vec<u8>> {
    file_store::digest(name, offset, size, wit_algorithm(algorithm)).map_err(error)
}

/// The file-store name of a digest algorithm.
pub(super) fn wit_algorithm(algorithm: Digest) -> DigestAlgorithm {
    match algorithm {
        Digest::Md5 => DigestAlgorithm::Md5,
        Digest::Sha256 => DigestAlgorithm::Sha256,
        Digest::Crc32c => DigestAlgorithm::Crc32c,
        Digest::Crc32 => DigestAlgorithm::Crc32,
    }
}

/// What a downloaded file must hold for the host to check on commit: the `kept` bytes already
/// there (a resumed download) plus the body the server's answer states; its checksum when
/// `verify` and the file is the whole object.
pub(super) fn expected_content(
    response: &crate::protocol::http::HttpResponse,
    kept: u64,
    verify: bool,
) -> Option<file_store::ExpectedContent> {
    let (length, digest) = response.stated_content()?;
    let digest = digest
        .filter(|_| kept == 0 && verify)
        .map(|(algorithm, value)| file_store::FileDigest { algorithm: wit_algorithm(algorithm), value });
    Some(file_store::ExpectedContent { size: kept + length, digest })
}
