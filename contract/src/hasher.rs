//! Digests of every algorithm the file store offers, computed over bytes as they pass: the one
//! implementation the host and the portable file-store adapter both use.

use crate::DigestAlgorithm;
use md5::Digest as _;

/// A digest being computed, of any [`DigestAlgorithm`].
#[derive(Clone)]
pub enum Hasher {
    /// MD5.
    Md5(md5::Md5),
    /// SHA-256.
    Sha256(sha2::Sha256),
    /// CRC32C so far.
    Crc32c(u32),
    /// CRC32 (IEEE).
    Crc32(crc32fast::Hasher),
}

impl Hasher {
    /// A fresh digest of `algorithm`.
    pub fn new(algorithm: DigestAlgorithm) -> Self {
        match algorithm {
            DigestAlgorithm::Md5 => Hasher::Md5(md5::Md5::new()),
            DigestAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            DigestAlgorithm::Crc32c => Hasher::Crc32c(0),
            DigestAlgorithm::Crc32 => Hasher::Crc32(crc32fast::Hasher::new()),
        }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Md5(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
            Hasher::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, data),
            Hasher::Crc32(h) => h.update(data),
        }
    }

    /// The raw digest (CRCs big-endian, as S3 states them).
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Md5(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Crc32c(crc) => crc.to_be_bytes().to_vec(),
            Hasher::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_published_values() {
        let digest = |algorithm| {
            let mut hasher = Hasher::new(algorithm);
            hasher.update(b"1234");
            hasher.update(b"56789");
            hasher.finish().iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        assert_eq!(digest(DigestAlgorithm::Md5), "25f9e794323b453885f5181f1b624d0b");
        assert_eq!(digest(DigestAlgorithm::Sha256), "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225");
        assert_eq!(digest(DigestAlgorithm::Crc32c), "e3069283");
        assert_eq!(digest(DigestAlgorithm::Crc32), "cbf43926");
        for algorithm in DigestAlgorithm::ALL {
            assert_eq!(Hasher::new(algorithm).finish().len(), algorithm.length(), "{algorithm}");
        }
    }
}
