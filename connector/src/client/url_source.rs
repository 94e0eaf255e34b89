//! A URL as the source of an upload: what its first answer says (size, range support, ETag),
//! which answers to accept for each piece, the typed errors for the others, and a printable form
//! of the URL. A presigned URL's query is a credential, so only scheme, host and path are ever
//! printed.

use crate::error::{Cause, ConnectorError, ErrorKind, Result, ServerAnswer};
use crate::protocol::aws_chunked;
use crate::protocol::http::HttpResponse;
use crate::protocol::url::{HttpUrl, redact_text};
use connector_contract::DigestAlgorithm;
use std::fmt;

/// The range asked for first: one byte, so a server that supports ranges answers with the total
/// size in `Content-Range` without sending the body.
pub const PROBE_RANGE: &str = "bytes=0-0";
/// The input field a source URL comes from.
const FIELD: &str = "/url";

/// How the bytes of a streamed source are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamChecksum {
    /// The digest computed while the bytes stream through.
    pub algorithm: DigestAlgorithm,
    /// The trailer header that carries it to S3 (`aws-chunked` encoding); `None` when the digest is
    /// checked against the answer instead (MD5 against the ETag).
    pub trailer: Option<&'static str>,
}

/// `size` bytes of a source URL from `offset`, fetched while the request carrying them is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct UrlSource {
    /// The URL; may hold credentials in its query, so it is never printed whole.
    pub url: HttpUrl,
    /// First byte.
    pub offset: u64,
    /// Number of bytes.
    pub size: u64,
    /// Whether the source answers range requests (else the whole body is the piece).
    pub ranged: bool,
    /// The source's ETag from the first answer: later pieces must come from the same version.
    pub etag: Option<String>,
    /// How the bytes are checked on the way.
    pub checksum: Option<StreamChecksum>,
    /// The caller's own headers for the source (e.g. `Authorization: Bearer …`); secrets, never
    /// printed.
    pub headers: Vec<(String, String)>,
}

impl fmt::Debug for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlSource")
            .field("url", &self.url)
            .field("offset", &self.offset)
            .field("size", &self.size)
            .field("ranged", &self.ranged)
            .field("checksum", &self.checksum)
            .finish()
    }
}

impl UrlSource {
    /// The bytes the request body takes on the wire (larger than `size` with a trailer).
    pub fn wire_length(&self) -> u64 {
        match self.trailer() {
            Some((name, digest_length)) => {
                aws_chunked::encoded_length(self.size, name, aws_chunked::base64_length(digest_length))
            }
            None => self.size,
        }
    }

    /// The trailer header and its digest's length in bytes, when the body is `aws-chunked`.
    pub fn trailer(&self) -> Option<(&'static str, u64)> {
        let checksum = self.checksum?;
        checksum.trailer.map(|name| (name, checksum.algorithm.length() as u64))
    }

    /// Headers for the GET that fetches this piece from the source.
    pub fn fetch_headers(&self) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        if self.ranged && self.size > 0 {
            headers.push(("range".to_string(), format!("bytes={}-{}", self.offset, self.offset + self.size - 1)));
        }
        if let Some(etag) = &self.etag {
            headers.push(("if-match".to_string(), etag.clone()));
        }
        headers.extend(self.headers.iter().cloned());
        headers
    }

    /// Accepts the source's answer to [`Self::fetch_headers`] when it carries exactly this piece.
    pub fn check_answer(&self, answer: &HttpResponse) -> Result<()> {
        let length = answer.header("content-length").and_then(|l| l.parse::<u64>().ok());
        let whole = answer.status == 200 && self.offset == 0 && length.is_none_or(|l| l == self.size);
        let piece = answer.status == 206
            && answer
                .content_range()
                .is_some_and(|(start, end, _)| start == self.offset && end + 1 == self.offset + self.size);
        match answer.status {
            _ if whole || piece => Ok(()),
            200 | 206 => Err(ConnectorError::new(
                ErrorKind::PreconditionFailed,
                format!(
                    "{} answered with other bytes than bytes {}..{} (status {}, length {length:?}); did it change during the upload?",
                    self.url.redacted(),
                    self.offset,
                    self.offset + self.size,
                    answer.status
                ),
            )),
            status => Err(answer_error(&self.url, status)),
        }
    }
}

/// What a source URL's first answer says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFacts {
    /// Total size in bytes.
    pub size: u64,
    /// Whether it answers range requests (needed for multipart uploads and for retrying a piece).
    pub ranged: bool,
    /// Its ETag, to pin later pieces to the same version.
    pub etag: Option<String>,
    /// Its content type, when it says one.
    pub content_type: Option<String>,
}

/// Reads the facts from the answer to a GET with `Range: bytes=0-0`.
pub fn facts(url: &HttpUrl, answer: &HttpResponse) -> Result<SourceFacts> {
    let etag = answer.header("etag").filter(|e| !e.starts_with("W/")).map(str::to_string);
    let content_type = answer.header("content-type").map(str::to_string);
    let total = answer.content_range().map(|(_, _, total)| total);
    let (size, ranged) = match answer.status {
        206 => match total.flatten() {
            Some(total) => (total, true),
            None => {
                return Err(ConnectorError::invalid_input(
                    FIELD,
                    format!("{} does not say its size (Content-Range without a total)", url.redacted()),
                ));
            }
        },
        200 => match answer.header("content-length").and_then(|l| l.parse::<u64>().ok()) {
            Some(length) => (length, false),
            None => {
                return Err(ConnectorError::invalid_input(
                    FIELD,
                    format!(
                        "{} does not say its size (no Content-Length, no range support); S3 needs the size up front. Download it to the file store and use \"file\" instead",
                        url.redacted()
                    ),
                ));
            }
        },
        // An empty source: no byte 0 to send.
        416 if answer.header("content-range").is_some_and(|r| r.trim() == "bytes */0") => (0, false),
        status => return Err(answer_error(url, status)),
    };
    Ok(SourceFacts { size, ranged, etag, content_type })
}

/// Most headers a source request may carry from the input, and their largest total size.
const MAX_SOURCE_HEADERS: usize = 16;
const MAX_SOURCE_HEADER_BYTES: usize = 8 * 1024;

/// Headers the connector sets itself on a source request (or that only a client may manage).
const RESERVED_HEADERS: &[&str] =
    &["range", "if-match", "host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer"];

/// The caller's headers for the source requests (`url_headers`), checked: names are HTTP tokens
/// the connector does not set itself, values have no line breaks, and they are few and small.
/// Errors never repeat a value (it is usually a credential).
pub fn request_headers(field: &str, given: &[(String, String)]) -> Result<Vec<(String, String)>> {
    if given.len() > MAX_SOURCE_HEADERS {
        return Err(ConnectorError::invalid_input(field, format!("at most {MAX_SOURCE_HEADERS} headers")));
    }
    let total: usize = given.iter().map(|(name, value)| name.len() + value.len()).sum();
    if total > MAX_SOURCE_HEADER_BYTES {
        return Err(ConnectorError::invalid_input(
            field,
            format!("the headers take {total} bytes; at most {MAX_SOURCE_HEADER_BYTES}"),
        ));
    }
    given
        .iter()
        .map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            let token =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token {
                return Err(ConnectorError::invalid_input(
                    format!("{field}/{name}"),
                    format!("{name:?} is not a header name"),
                ));
            }
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                return Err(ConnectorError::invalid_input(
                    format!("{field}/{name}"),
                    format!("the connector sets {name} itself; leave it out"),
                ));
            }
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Err(ConnectorError::invalid_input(
                    format!("{field}/{name}"),
                    format!("the value of {name} has a line break"),
                ));
            }
            Ok((lower, value.clone()))
        })
        .collect()
}

/// Parses a source URL from the input: an absolute http(s) URL with a host and no user info.
pub fn parse_url(url: &str) -> Result<HttpUrl> {
    HttpUrl::parse(url.trim()).map_err(|error| {
        ConnectorError::invalid_input(
            FIELD,
            format!("the URL {} {}; e.g. https://files.example.com/report.csv", redact_text(url), error.explain()),
        )
    })
}

/// The typed error for a source answering `status`.
pub fn answer_error(url: &HttpUrl, status: u16) -> ConnectorError {
    let source = url.redacted();
    let (kind, message) = match status {
        401 | 403 => (
            ErrorKind::Forbidden,
            format!("{source} answered {status}: access denied (an expired or wrong presigned URL?)"),
        ),
        404 | 410 => (ErrorKind::NotFound, format!("{source} answered {status}: no such file")),
        412 => (
            ErrorKind::PreconditionFailed,
            format!("{source} changed during the upload (its ETag no longer matches); run the upload again"),
        ),
        429 => (ErrorKind::Throttled, format!("{source} answered 429: too many requests")),
        300..=399 => (
            ErrorKind::InvalidInput,
            format!("{source} redirects (HTTP {status}); redirects are not followed, give the final URL"),
        ),
        500..=599 => (ErrorKind::Unavailable, format!("{source} answered {status}: the server failed")),
        _ => (ErrorKind::InvalidInput, format!("{source} answered HTTP {status}; expected the file")),
    };
    let answer = ServerAnswer { status, code: None, request_id: None, public_access_blocked: false };
    ConnectorError::caused(kind, Cause::Answer(Box::new(answer)), message).at(FIELD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..HttpResponse::default()
        }
    }

    fn piece(offset: u64, size: u64) -> UrlSource {
        UrlSource {
            url: HttpUrl::parse("https://h/f.bin?X-Amz-Signature=secret").unwrap(),
            offset,
            size,
            ranged: true,
            etag: Some("\"e\"".into()),
            checksum: None,
            headers: vec![("authorization".into(), "Bearer secret-token".into())],
        }
    }

    fn url(text: &str) -> HttpUrl {
        HttpUrl::parse(text).unwrap()
    }

    #[test]
    fn facts_come_from_a_range_answer_or_a_whole_answer() {
        let ranged =
            answer(206, &[("content-range", "bytes 0-0/12345"), ("etag", "\"abc\""), ("content-type", "text/csv")]);
        assert_eq!(
            facts(&url("https://h/f"), &ranged).unwrap(),
            SourceFacts {
                size: 12345,
                ranged: true,
                etag: Some("\"abc\"".into()),
                content_type: Some("text/csv".into())
            }
        );
        let whole = answer(200, &[("content-length", "77"), ("etag", "W/\"weak\"")]);
        assert_eq!(
            facts(&url("https://h/f"), &whole).unwrap(),
            SourceFacts { size: 77, ranged: false, etag: None, content_type: None }
        );
        assert_eq!(facts(&url("https://h/f"), &answer(416, &[("content-range", "bytes */0")])).unwrap().size, 0);
        let unknown = facts(&url("https://h/f?sig=x"), &answer(200, &[])).unwrap_err();
        assert_eq!((unknown.kind, unknown.field.as_deref()), (ErrorKind::InvalidInput, Some("/url")));
        assert!(!unknown.message.contains("sig=x"));
    }

    #[test]
    fn errors_are_typed_and_never_show_the_query() {
        let source = url("https://h/f.bin?X-Amz-Credential=AKIA&X-Amz-Signature=secret");
        let cases = [
            (403, ErrorKind::Forbidden, false),
            (404, ErrorKind::NotFound, false),
            (412, ErrorKind::PreconditionFailed, false),
            (503, ErrorKind::Unavailable, true),
            (429, ErrorKind::Throttled, true),
            (302, ErrorKind::InvalidInput, false),
        ];
        for (status, kind, retryable) in cases {
            let error = answer_error(&source, status);
            assert_eq!((error.kind, error.retryable), (kind, retryable), "status {status}");
            assert!(!error.message.contains("secret") && !error.message.contains("AKIA"), "{}", error.message);
            assert!(error.message.contains("https://h/f.bin?…"));
        }
        assert!(!format!("{:?}", piece(0, 1)).contains("secret"));
    }

    #[test]
    fn the_callers_headers_go_with_every_piece_and_are_checked() {
        let headers = piece(0, 10).fetch_headers();
        assert_eq!(headers.last().unwrap(), &("authorization".to_string(), "Bearer secret-token".to_string()));
        let given = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
        };
        let ok = request_headers("/url_headers", &given(&[("Authorization", "Bearer t"), ("X-Org", "42")])).unwrap();
        assert_eq!(ok, given(&[("authorization", "Bearer t"), ("x-org", "42")]));
        for (bad, field) in [
            (given(&[("Range", "bytes=0-1")]), "/url_headers/Range"),
            (given(&[("Bad Name", "v")]), "/url_headers/Bad Name"),
            (given(&[("X-A", "secret\r\nInjected: 1")]), "/url_headers/X-A"),
        ] {
            let error = request_headers("/url_headers", &bad).unwrap_err();
            assert_eq!(error.field.as_deref(), Some(field));
            assert!(!error.message.contains("secret"), "{}", error.message);
        }
        let many: Vec<(String, String)> = (0..17).map(|i| (format!("x-{i}"), String::new())).collect();
        assert!(request_headers("/url_headers", &many).is_err());
    }

    #[test]
    fn a_piece_is_accepted_only_with_its_own_bytes() {
        let p = piece(100, 50);
        assert_eq!(p.fetch_headers()[0], ("range".to_string(), "bytes=100-149".to_string()));
        assert_eq!(p.fetch_headers()[1].0, "if-match");
        assert!(p.check_answer(&answer(206, &[("content-range", "bytes 100-149/1000")])).is_ok());
        let wrong = p.check_answer(&answer(206, &[("content-range", "bytes 100-148/1000")])).unwrap_err();
        assert_eq!(wrong.kind, ErrorKind::PreconditionFailed);
        assert!(p.check_answer(&answer(200, &[("content-length", "1000")])).is_err());
        assert!(piece(0, 1000).check_answer(&answer(200, &[("content-length", "1000")])).is_ok());
        assert_eq!(p.check_answer(&answer(412, &[])).unwrap_err().kind, ErrorKind::PreconditionFailed);
    }

    #[test]
    fn wire_length_counts_the_chunk_framing_with_a_trailer() {
        let mut p = piece(0, 66_560);
        assert_eq!(p.wire_length(), 66_560);
        p.checksum =
            Some(StreamChecksum { algorithm: DigestAlgorithm::Crc32c, trailer: Some("x-amz-checksum-crc32c") });
        // 10000\r\n + 65,536 + \r\n, 400\r\n + 1,024 + \r\n, 0\r\n, trailer line + \r\n\r\n.
        assert_eq!(p.wire_length(), (7 + 65_536 + 2) + (5 + 1_024 + 2) + 3 + (22 + 8 + 4));
    }

    #[test]
    fn urls_are_checked_and_named() {
        assert!(parse_url("https://files.example.com/a.csv?x=1").is_ok());
        for bad in ["ftp://x/y", "https:///nohost", "https://user:pw@h/x"] {
            let error = parse_url(bad).unwrap_err();
            assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("/url")), "{bad}");
            assert!(!error.message.contains("pw"), "{}", error.message);
        }
    }
}
