//! `digest-algorithm` from `wit/file-store.wit`: what the host hashes for the guest.

use std::fmt;

/// A digest the host computes natively over file ranges and the guest computes over streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// MD5 (16 bytes), for `Content-MD5` and single-part ETags.
    Md5,
    /// SHA-256 (32 bytes).
    Sha256,
    /// CRC32C, Castagnoli (4 bytes, big-endian).
    Crc32c,
    /// CRC32, IEEE (4 bytes, big-endian).
    Crc32,
}

impl DigestAlgorithm {
    /// Every algorithm, in WIT order.
    pub const ALL: [DigestAlgorithm; 4] =
        [DigestAlgorithm::Md5, DigestAlgorithm::Sha256, DigestAlgorithm::Crc32c, DigestAlgorithm::Crc32];

    /// The WIT case name, e.g. `crc32c`.
    pub const fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "md5",
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Crc32c => "crc32c",
            DigestAlgorithm::Crc32 => "crc32",
        }
    }

    /// The length of a raw digest in bytes.
    pub const fn length(self) -> usize {
        match self {
            DigestAlgorithm::Md5 => 16,
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Crc32c | DigestAlgorithm::Crc32 => 4,
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_wit_cases() {
        let wit = include_str!("../../wit/file-store.wit");
        let start = wit.find("enum digest-algorithm {").expect("digest-algorithm in file-store.wit");
        let body = &wit[start..start + wit[start..].find('}').unwrap()];
        for algorithm in DigestAlgorithm::ALL {
            assert!(body.lines().any(|line| line.trim().trim_end_matches(',') == algorithm.name()), "{algorithm}");
        }
        let cases = body.lines().skip(1).map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")).count();
        assert_eq!(cases, DigestAlgorithm::ALL.len());
    }
}
