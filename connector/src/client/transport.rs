//! The boundary between S3 logic and the outside world. The component implements it on
//! `wasi:http` and the host's file store; everything above it is pure and testable natively.

use crate::error::Result;
use crate::request::Body;
use std::time::{Duration, SystemTime};

/// A signed request ready to send; it borrows the body so large bodies are never copied.
#[derive(Debug, Clone)]
pub struct HttpRequest<'a> {
    /// HTTP method.
    pub method: String,
    /// Full URL, path encoded once.
    pub url: String,
    /// All headers, including the signature.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: &'a Body,
}

/// Where a successful (2xx) response body goes. Error bodies are always read into memory.
#[derive(Debug, Clone)]
pub enum ResponseSink {
    /// Into memory, failing with `too-large` past `limit` bytes.
    Memory {
        /// Most bytes accepted.
        limit: u64,
    },
    /// Streamed into a host file, visible only once complete.
    File {
        /// Name in the host file store.
        name: String,
        /// Replace an existing file.
        overwrite: bool,
        /// Continue (and on failure keep) the partial download saved under this key.
        resume_key: Option<String>,
        /// Discard a partial download first.
        restart: bool,
    },
    /// Not read at all: only the status and headers matter (the connection is not reused).
    Discard,
}

/// A response: status, headers and the body (in memory, or the size written to a file).
#[derive(Debug, Clone, Default)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body, when read into memory.
    pub body: Vec<u8>,
    /// Bytes written to the sink file, when the body went to a file.
    pub file_size: Option<u64>,
    /// The digest of the request body computed while it streamed (URL sources with a checksum).
    pub sent_digest: Option<Vec<u8>>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// `(first, last, total)` from a `Content-Range: bytes first-last/total` header (`total` is
    /// `None` for `*`). A range that contradicts itself (`first > last`, `last >= total`) is no
    /// range: `None`, as for a missing header.
    pub fn content_range(&self) -> Option<(u64, u64, Option<u64>)> {
        let (range, total) = self.header("content-range")?.trim().strip_prefix("bytes ")?.split_once('/')?;
        let (first, last) = range.split_once('-')?;
        let total = if total == "*" { None } else { Some(total.parse().ok()?) };
        let (first, last): (u64, u64) = (first.parse().ok()?, last.parse().ok()?);
        let consistent = first <= last && total.is_none_or(|total| last < total);
        consistent.then_some((first, last, total))
    }

    /// The body's length, and the full-object checksum S3 states for it, when this answer to a
    /// download says them: a 200's `Content-Length` and `x-amz-checksum-*` (a composite `…-N`
    /// value is not a checksum of the bytes and is skipped), or a 206's range length.
    pub fn stated_content(&self) -> Option<(u64, Option<StatedDigest>)> {
        use base64::Engine as _;
        match self.status {
            200 => {
                let size = self.header("content-length")?.trim().parse().ok()?;
                let digest = [
                    ("x-amz-checksum-sha256", Digest::Sha256),
                    ("x-amz-checksum-crc32c", Digest::Crc32c),
                    ("x-amz-checksum-crc32", Digest::Crc32),
                ]
                .into_iter()
                .find_map(|(name, algorithm)| {
                    let value = self.header(name)?.trim();
                    let raw = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
                    (!value.contains('-')).then_some((algorithm, raw))
                });
                Some((size, digest))
            }
            206 => self.content_range().map(|(first, last, _)| (last - first + 1, None)),
            _ => None,
        }
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The outside world, as the S3 client needs it.
pub trait Transport {
    /// Sends `request`; a 2xx body goes to `sink`. Transport failures (refused, reset, timed out,
    /// denied by the host) are errors; any HTTP answer, even 5xx, is a response.
    fn send(&mut self, request: &HttpRequest<'_>, sink: &ResponseSink) -> Result<HttpResponse>;
    /// Current wall-clock time (the host may pin it).
    fn now(&self) -> SystemTime;
    /// Waits `duration` (retry back-off).
    fn sleep(&mut self, duration: Duration);
    /// A random number (retry jitter).
    fn random_u64(&mut self) -> u64;
    /// The size of a host file.
    fn file_size(&mut self, name: &str) -> Result<u64>;
    /// The size of the partial download of `name` kept under `resume_key` (0 if none).
    fn partial_size(&mut self, name: &str, overwrite: bool, resume_key: &str) -> Result<u64>;
    /// The raw digest of `size` bytes of a host file from `offset`, computed by the host.
    fn file_digest(&mut self, name: &str, offset: u64, size: u64, algorithm: Digest) -> Result<Vec<u8>>;
}

/// A digest a server states for a whole object: the algorithm and the raw bytes.
pub type StatedDigest = (Digest, Vec<u8>);

/// Digest algorithms the host computes over file ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// MD5.
    Md5,
    /// SHA-256.
    Sha256,
    /// CRC32C.
    Crc32c,
    /// CRC32.
    Crc32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str) -> Option<(u64, u64, Option<u64>)> {
        HttpResponse { status: 206, headers: vec![("content-range".into(), value.into())], ..Default::default() }
            .content_range()
    }

    #[test]
    fn stated_content_is_the_body_length_and_its_full_object_checksum() {
        let answer = |status, headers: &[(&str, &str)]| HttpResponse {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        };
        let crc = answer(200, &[("content-length", "9"), ("x-amz-checksum-crc32c", "4waSgw==")]);
        assert_eq!(crc.stated_content(), Some((9, Some((Digest::Crc32c, vec![0xe3, 0x06, 0x92, 0x83])))));
        let composite = answer(200, &[("content-length", "9"), ("x-amz-checksum-crc32c", "4waSgw==-3")]);
        assert_eq!(composite.stated_content(), Some((9, None)));
        assert_eq!(answer(206, &[("content-range", "bytes 5-8/9")]).stated_content(), Some((4, None)));
        assert_eq!(answer(206, &[("content-range", "bytes 5-8/*")]).stated_content(), Some((4, None)));
        assert_eq!(answer(200, &[]).stated_content(), None);
    }

    #[test]
    fn content_ranges_parse_only_when_consistent() {
        assert_eq!(range("bytes 0-9/100"), Some((0, 9, Some(100))));
        assert_eq!(range("bytes 5-5/*"), Some((5, 5, None)));
        // Found by fuzzing: a server's contradictory range is no range at all.
        for bad in ["bytes 0-9/00", "bytes 9-0/100", "bytes 0-100/100", "bytes -1-5/9", "bytes 0-9", "items 0-9/10"] {
            assert_eq!(range(bad), None, "{bad}");
        }
    }
}
