//! Test files: reproducible pseudo-random contents, and their SHA-256.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Writes `size` pseudo-random bytes (xorshift64 from `seed`) to `path`.
pub fn write_random_file(path: &Path, size: u64, seed: u64) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create test file"));
    let mut state = seed | 1;
    let mut block = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n]).expect("write test file");
        left -= n as u64;
    }
    file.flush().expect("flush test file");
}

/// The hex SHA-256 of the file at `path`.
pub fn sha256_file(path: &Path) -> String {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path).expect("open");
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut file, &mut block).expect("read");
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
    }
    lower_hex(&hasher.finalize())
}

/// `bytes` as lowercase hex (how digests are written in ETags and test expectations).
pub fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
