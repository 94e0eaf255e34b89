//! The `aws-chunked` content encoding with an unsigned trailing checksum
//! (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`): how a body whose checksum is only known once it has
//! been sent carries that checksum to S3. Each chunk is `hex-length CRLF data CRLF`; a zero-length
//! chunk ends the data, then the trailer line and a blank line.

/// The `x-amz-content-sha256` value for an unsigned body with a trailing checksum.
pub const STREAMING_UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
/// Data bytes per chunk (all chunks but the last are this long).
pub const CHUNK_SIZE: u64 = 64 * 1024;

/// The line (with CRLF) that opens a chunk of `length` data bytes.
pub fn chunk_header(length: u64) -> String {
    format!("{length:x}\r\n")
}

/// What follows the last data chunk: the zero-length chunk, the trailer, and the blank line.
pub fn trailer(name: &str, value: &str) -> String {
    format!("0\r\n{name}:{value}\r\n\r\n")
}

/// The encoded length (the `Content-Length` on the wire) of `size` data bytes in
/// [`CHUNK_SIZE`] chunks, with a trailer `name` whose value is `value_length` bytes long.
pub fn encoded_length(size: u64, name: &str, value_length: u64) -> u64 {
    let full_chunks = size / CHUNK_SIZE;
    let last = size % CHUNK_SIZE;
    let framed = |length: u64| chunk_header(length).len() as u64 + length + 2;
    let mut total = full_chunks * framed(CHUNK_SIZE);
    if last > 0 {
        total += framed(last);
    }
    total + trailer(name, "").len() as u64 + value_length
}

/// The length of the base64 form of a `digest_length`-byte digest.
pub fn base64_length(digest_length: u64) -> u64 {
    digest_length.div_ceil(3) * 4
}

/// The request headers an aws-chunked body needs, given the object's own `content-encoding` (if
/// any), which S3 keeps after removing `aws-chunked`.
pub fn request_headers(size: u64, trailer_name: &str, content_encoding: Option<&str>) -> Vec<(String, String)> {
    let encoding = match content_encoding {
        Some(existing) if !existing.is_empty() => format!("aws-chunked,{existing}"),
        _ => "aws-chunked".to_string(),
    };
    vec![
        ("content-encoding".to_string(), encoding),
        ("x-amz-decoded-content-length".to_string(), size.to_string()),
        ("x-amz-trailer".to_string(), trailer_name.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes `data` the way the component streams it, for checking the arithmetic.
    fn encode(data: &[u8], name: &str, value: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in data.chunks(CHUNK_SIZE as usize) {
            out.extend_from_slice(chunk_header(chunk.len() as u64).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(trailer(name, value).as_bytes());
        out
    }

    #[test]
    fn the_trailer_example_frames_as_s3_documents() {
        // 66,560 bytes of 'a' with trailer x-amz-checksum-crc32c:sOO8/Q== (S3 API reference).
        let data = vec![b'a'; 66_560];
        let encoded = encode(&data, "x-amz-checksum-crc32c", "sOO8/Q==");
        assert!(encoded.starts_with(b"10000\r\naaaa"));
        assert!(encoded.ends_with(b"aaaa\r\n0\r\nx-amz-checksum-crc32c:sOO8/Q==\r\n\r\n"));
        assert_eq!(&encoded[65_536 + 9..65_536 + 9 + 5], b"400\r\n");
        assert_eq!(encoded_length(66_560, "x-amz-checksum-crc32c", 8), encoded.len() as u64);
    }

    #[test]
    fn encoded_length_matches_the_encoding_for_edge_sizes() {
        for size in [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE, 5 * 1024 * 1024 + 17] {
            let data = vec![0u8; size as usize];
            let value = "A".repeat(44);
            let encoded = encode(&data, "x-amz-checksum-sha256", &value);
            assert_eq!(encoded_length(size, "x-amz-checksum-sha256", 44), encoded.len() as u64, "size {size}");
        }
        assert_eq!(base64_length(4), 8);
        assert_eq!(base64_length(32), 44);
    }

    #[test]
    fn aws_chunked_comes_before_the_objects_own_encoding() {
        let headers = request_headers(10, "x-amz-checksum-crc32c", Some("gzip"));
        assert_eq!(headers[0], ("content-encoding".to_string(), "aws-chunked,gzip".to_string()));
        assert_eq!(request_headers(10, "x-amz-checksum-crc32c", None)[0].1, "aws-chunked");
    }
}
