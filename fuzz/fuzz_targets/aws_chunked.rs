//! The aws-chunked encoder: for any body size and trailer, the framing the connector writes
//! (chunk headers, data, the final chunk and the trailer) has exactly the length it declares up
//! front as `Content-Length`, and the declared base64 length of a digest is its real length.

#![no_main]

use libfuzzer_sys::fuzz_target;
use s3_connector::protocol::aws_chunked::{CHUNK_SIZE, base64_length, chunk_header, encoded_length, trailer};

fuzz_target!(|input: (u64, Vec<u8>, String)| {
    let (size, digest, name) = input;
    let size = size % (1 << 40);
    let name: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect();
    use base64::Engine as _;
    let value = base64::engine::general_purpose::STANDARD.encode(&digest);
    assert_eq!(value.len() as u64, base64_length(digest.len() as u64));
    let full = size / CHUNK_SIZE;
    let last = size % CHUNK_SIZE;
    let mut framed = full * (chunk_header(CHUNK_SIZE).len() as u64 + CHUNK_SIZE + 2);
    if last > 0 {
        framed += chunk_header(last).len() as u64 + last + 2;
    }
    framed += trailer(&name, &value).len() as u64;
    assert_eq!(framed, encoded_length(size, &name, value.len() as u64), "size {size}");
});
