//! HTTP as S3 speaks it: methods, and the parts of an answer the protocol reads (headers,
//! `Content-Range`, stated lengths and checksums).

use crate::protocol::checksum::{self, StatedDigest};
use std::fmt;

/// The HTTP methods S3's API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }

    /// Whether requests with this method carry a body (and so always a `Content-Length`).
    pub const fn sends_body(self) -> bool {
        matches!(self, Method::Put | Method::Post)
    }
}

/// A method S3's API does not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownMethod(pub String);

impl std::str::FromStr for Method {
    type Err = UnknownMethod;

    /// Parses a method name, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [Method::Get, Method::Head, Method::Put, Method::Post, Method::Delete]
            .into_iter()
            .find(|method| method.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownMethod(name.to_string()))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// download says them: a 200's `Content-Length` and checksum
    /// ([`checksum::stated_full_object`]), or a 206's range length.
    pub fn stated_content(&self) -> Option<(u64, Option<StatedDigest>)> {
        match self.status {
            200 => {
                let size = self.header("content-length")?.trim().parse().ok()?;
                Some((size, checksum::stated_full_object(|name| self.header(name))))
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

#[cfg(test)]
mod tests {
    use super::*;
    use connector_contract::DigestAlgorithm;

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
        assert_eq!(crc.stated_content(), Some((9, Some((DigestAlgorithm::Crc32c, vec![0xe3, 0x06, 0x92, 0x83])))));
        let composite = answer(200, &[("content-length", "9"), ("x-amz-checksum-crc32c", "4waSgw==-3")]);
        assert_eq!(composite.stated_content(), Some((9, None)));
        assert_eq!(answer(206, &[("content-range", "bytes 5-8/9")]).stated_content(), Some((4, None)));
        assert_eq!(answer(206, &[("content-range", "bytes 5-8/*")]).stated_content(), Some((4, None)));
        assert_eq!(answer(200, &[]).stated_content(), None);
        // Beside a multipart ETag, an unsuffixed value is a full-object checksum only when the
        // store says so.
        let short =
            answer(200, &[("content-length", "9"), ("etag", "\"abc-2\""), ("x-amz-checksum-crc32c", "4waSgw==")]);
        assert_eq!(short.stated_content(), Some((9, None)));
        let full = answer(
            200,
            &[
                ("content-length", "9"),
                ("etag", "\"abc-2\""),
                ("x-amz-checksum-crc32c", "4waSgw=="),
                ("x-amz-checksum-type", "FULL_OBJECT"),
            ],
        );
        assert_eq!(full.stated_content(), Some((9, Some((DigestAlgorithm::Crc32c, vec![0xe3, 0x06, 0x92, 0x83])))));
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
