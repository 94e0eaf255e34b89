//! Digests of file ranges, computed natively for the guest (checksums of uploads and parts).

use connector_contract::{DigestAlgorithm, Hasher};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};

/// Read size per step.
const CHUNK: usize = 1024 * 1024;

/// The digest of `length` bytes of `file` from `offset` (blocking I/O: run it off the async
/// workers). Fails if the file is shorter, and stops early once `cancelled` is set (the
/// invocation that asked for it has ended).
pub(crate) fn file_range(
    mut file: File,
    offset: u64,
    length: u64,
    algorithm: DigestAlgorithm,
    cancelled: &AtomicBool,
) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut hasher = Hasher::new(algorithm);
    let mut buffer = vec![0u8; CHUNK];
    let mut remaining = length;
    while remaining > 0 {
        if cancelled.load(Ordering::Relaxed) {
            return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "the invocation ended"));
        }
        let want = remaining.min(CHUNK as u64) as usize;
        let n = file.read(&mut buffer[..want])?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("the file ends {remaining} bytes before the requested range"),
            ));
        }
        hasher.update(&buffer[..n]);
        remaining -= n as u64;
    }
    Ok(hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_of_a_range() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"xx123456789yy").unwrap();
        let hex = |v: Vec<u8>| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let live = AtomicBool::new(false);
        let file_range =
            |offset, length, algorithm| file_range(File::open(&path).unwrap(), offset, length, algorithm, &live);
        // The standard check values of "123456789".
        assert_eq!(hex(file_range(2, 9, DigestAlgorithm::Crc32c).unwrap()), "e3069283");
        assert_eq!(hex(file_range(2, 9, DigestAlgorithm::Crc32).unwrap()), "cbf43926");
        assert_eq!(hex(file_range(2, 9, DigestAlgorithm::Md5).unwrap()), "25f9e794323b453885f5181f1b624d0b");
        assert_eq!(
            hex(file_range(2, 9, DigestAlgorithm::Sha256).unwrap()),
            "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"
        );
        assert!(file_range(10, 9, DigestAlgorithm::Md5).is_err());
        let cancelled = AtomicBool::new(true);
        let stopped = super::file_range(File::open(&path).unwrap(), 0, 9, DigestAlgorithm::Md5, &cancelled);
        assert_eq!(stopped.unwrap_err().kind(), std::io::ErrorKind::Interrupted);
    }
}
