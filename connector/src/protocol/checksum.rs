//! Digests computed over bytes as they stream through the component (sources the host cannot
//! hash ahead, such as a URL being copied into S3).

use crate::transport::Digest;
use md5::{Digest as _, Md5};
use sha2::Sha256;

/// An incremental digest of one of the [`Digest`] algorithms.
#[derive(Clone)]
pub enum StreamDigest {
    /// MD5.
    Md5(Md5),
    /// SHA-256.
    Sha256(Sha256),
    /// CRC32C, the running value.
    Crc32c(u32),
    /// CRC32 (IEEE).
    Crc32(crc32fast::Hasher),
}

impl StreamDigest {
    /// A fresh digest of `algorithm`.
    pub fn new(algorithm: Digest) -> Self {
        match algorithm {
            Digest::Md5 => Self::Md5(Md5::new()),
            Digest::Sha256 => Self::Sha256(Sha256::new()),
            Digest::Crc32c => Self::Crc32c(0),
            Digest::Crc32 => Self::Crc32(crc32fast::Hasher::new()),
        }
    }

    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Md5(hasher) => hasher.update(bytes),
            Self::Sha256(hasher) => hasher.update(bytes),
            Self::Crc32c(value) => *value = crc32c::crc32c_append(*value, bytes),
            Self::Crc32(hasher) => hasher.update(bytes),
        }
    }

    /// The raw digest (CRCs big-endian, as S3's checksum headers carry them).
    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::Md5(hasher) => hasher.finalize().to_vec(),
            Self::Sha256(hasher) => hasher.finalize().to_vec(),
            Self::Crc32c(value) => value.to_be_bytes().to_vec(),
            Self::Crc32(hasher) => hasher.finalize().to_be_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn streamed(algorithm: Digest, data: &[u8], piece: usize) -> String {
        let mut digest = StreamDigest::new(algorithm);
        data.chunks(piece).for_each(|chunk| digest.update(chunk));
        base64::engine::general_purpose::STANDARD.encode(digest.finish())
    }

    #[test]
    fn crc32c_matches_the_s3_trailer_example() {
        // S3 API reference, "Signature calculations for trailing headers": 66,560 bytes of 'a'.
        let data = vec![b'a'; 66_560];
        assert_eq!(streamed(Digest::Crc32c, &data, 65_536), "sOO8/Q==");
        assert_eq!(streamed(Digest::Crc32c, &data, 7), "sOO8/Q==");
    }

    #[test]
    fn every_algorithm_is_independent_of_how_the_bytes_are_cut() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for algorithm in [Digest::Md5, Digest::Sha256, Digest::Crc32c, Digest::Crc32] {
            assert_eq!(streamed(algorithm, &data, 100_000), streamed(algorithm, &data, 333));
        }
        assert_eq!(streamed(Digest::Md5, b"", 1), "1B2M2Y8AsgTpgAmY7PhCfg==");
        assert_eq!(
            streamed(Digest::Crc32, b"123456789", 4),
            base64::engine::general_purpose::STANDARD.encode(0xCBF4_3926u32.to_be_bytes())
        );
    }
}
