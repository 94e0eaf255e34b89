//! Where an upload's bytes come from — a host file, or a URL the host's egress policy allows — and
//! how each piece (a whole object or one part) is sent with its integrity check: a checksum header
//! the host computes natively for files; for URLs, a digest computed while the bytes stream
//! through, sent as an `aws-chunked` trailer (CRC32C, CRC32, SHA-256) or checked against the ETag
//! (MD5).

use super::content_type::guess_content_type;
use super::headers::unquote;
use crate::client::Client;
use crate::client::request::{Body, S3Request};
use crate::client::retry::RetryPolicy;
use crate::client::transport::{Batch, HttpRequest, ResponseSink};
use crate::client::url_source::{self, SourceFacts, StreamChecksum, UrlSource};
use crate::error::{ConnectorError, Result};
use crate::protocol::checksum::{ChecksumMode, SentChecksum};
use crate::protocol::http::{HttpResponse, Method};
use crate::protocol::url::HttpUrl;

/// The bytes of an upload.
#[derive(Debug, Clone)]
pub(super) enum UploadSource {
    /// A file in the host file store.
    File {
        /// Its name.
        name: String,
        /// Its size.
        size: u64,
    },
    /// A URL, fetched piece by piece while uploading.
    Url {
        /// The URL (never printed whole: its query may be a credential).
        url: HttpUrl,
        /// What its first answer said.
        facts: SourceFacts,
        /// The caller's headers for every request to it (secrets: never printed).
        headers: Vec<(String, String)>,
    },
}

/// A piece sent: S3's answer and the raw digest of the bytes (when the checksum mode has one).
pub(super) struct SentPiece {
    /// S3's answer.
    pub response: HttpResponse,
    /// The digest of the piece in the connection's checksum algorithm.
    pub digest: Option<Vec<u8>>,
}

impl UploadSource {
    /// Opens the source the input names: exactly one of `file` and `url` (with the caller's
    /// `headers` for its requests).
    pub(super) fn open(
        client: &mut Client<'_>,
        file: Option<&str>,
        url: Option<&str>,
        headers: Vec<(String, String)>,
    ) -> Result<Self> {
        match (file, url) {
            (Some(name), None) => {
                let size = client.transport().file_size(name)?;
                Ok(Self::File { name: name.to_string(), size })
            }
            (None, Some(url)) => {
                let url = url_source::parse_url(url)?;
                let facts = probe(client, &url, &headers)?;
                Ok(Self::Url { url, facts, headers })
            }
            (Some(_), Some(_)) => Err(ConnectorError::invalid_input(
                "/url",
                "give either \"file\" (a host file) or \"url\" (a URL the host allows), not both",
            )),
            (None, None) => Err(ConnectorError::invalid_input(
                "/file",
                "give \"file\" (a file in the host file store) or \"url\" (a URL the host allows)",
            )),
        }
    }

    /// The source's size in bytes.
    pub(super) fn size(&self) -> u64 {
        match self {
            Self::File { size, .. } => *size,
            Self::Url { facts, .. } => facts.size,
        }
    }

    /// The content type to store when the input gives none: the URL's own, else a guess from the
    /// name.
    pub(super) fn content_type(&self) -> &str {
        match self {
            Self::File { name, .. } => guess_content_type(name),
            Self::Url { url, facts, .. } => match facts.content_type.as_deref() {
                Some(given) if !given.ends_with("/octet-stream") => given,
                _ => guess_content_type(url.file_name()),
            },
        }
    }

    /// Whether the source can be read piece by piece (a URL only if it answers range requests).
    pub(super) fn splittable(&self) -> bool {
        match self {
            Self::File { .. } => true,
            Self::Url { facts, .. } => facts.ranged,
        }
    }

    /// Sends `request` with `length` bytes from `offset` as its body, with the integrity check of
    /// the connection's checksum mode.
    pub(super) fn send_piece(
        &self,
        client: &mut Client<'_>,
        request: S3Request,
        offset: u64,
        length: u64,
    ) -> Result<SentPiece> {
        match self {
            Self::File { name, .. } => {
                let (request, checksum) = file_piece(client, name, request, offset, length)?;
                let response = client.send(&request)?;
                check_file_piece(client, response, checksum, offset, length)
            }
            Self::Url { url, facts, headers } => {
                let piece = UrlSource {
                    url: url.clone(),
                    offset,
                    size: length,
                    ranged: facts.ranged,
                    etag: facts.etag.clone(),
                    checksum: stream_checksum(client.conn.checksum),
                    headers: headers.clone(),
                };
                let response = client.send(&request.body(Body::Url(piece)))?;
                let digest = response.sent_digest.clone();
                if client.conn.checksum == ChecksumMode::Md5 {
                    check_md5_etag(&response, digest.as_deref(), offset, length)?;
                }
                Ok(SentPiece { response, digest })
            }
        }
    }

    /// Sends `pieces` (each a request with the offset and length of its body) like
    /// [`Self::send_piece`], `batch.in_flight` at a time when the bytes come from a host file (the host splices
    /// each from the file, none passes through the guest); a URL's pieces go one after another,
    /// since their bytes stream through the guest. The first failure is the error.
    pub(super) fn send_pieces(
        &self,
        client: &mut Client<'_>,
        pieces: Vec<(S3Request, u64, u64)>,
        batch: Batch,
    ) -> Result<Vec<SentPiece>> {
        let Self::File { name, .. } = self else {
            return pieces
                .into_iter()
                .map(|(request, offset, length)| self.send_piece(client, request, offset, length))
                .collect();
        };
        let mut requests = Vec::with_capacity(pieces.len());
        let mut checks = Vec::with_capacity(pieces.len());
        for (request, offset, length) in pieces {
            let (request, checksum) = file_piece(client, name, request, offset, length)?;
            requests.push(request);
            checks.push((checksum, offset, length));
        }
        let answers = client.send_concurrently(&requests, batch)?;
        answers
            .into_iter()
            .zip(checks)
            .map(|(answer, (checksum, offset, length))| check_file_piece(client, answer, checksum, offset, length))
            .collect()
    }
}

/// `request` with `length` bytes of host file `name` from `offset` as its body and the checksum
/// header of the connection's mode (computed by the host); the checksum, to check the answer with.
fn file_piece(
    client: &mut Client<'_>,
    name: &str,
    request: S3Request,
    offset: u64,
    length: u64,
) -> Result<(S3Request, Option<SentChecksum>)> {
    let checksum = client.file_checksum(name, offset, length)?;
    let mut request = request.body(Body::File { name: name.to_string(), offset, size: length });
    if let Some(sum) = &checksum {
        request = request.header(sum.header, sum.value.clone());
    }
    Ok((request, checksum))
}

/// Checks S3's answer to a piece sent from a host file against what was sent: the echoed
/// checksum, and the ETag in MD5 mode.
fn check_file_piece(
    client: &Client<'_>,
    response: HttpResponse,
    checksum: Option<SentChecksum>,
    offset: u64,
    length: u64,
) -> Result<SentPiece> {
    if let Some(sum) = &checksum {
        check_echoed_checksum(&response, sum.header, &sum.value, offset, length)?;
    }
    let digest = checksum.map(|sum| sum.digest);
    if client.conn.checksum == ChecksumMode::Md5 {
        check_md5_etag(&response, digest.as_deref(), offset, length)?;
    }
    Ok(SentPiece { response, digest })
}

/// How a streamed piece is checked in each checksum mode: flexible checksums travel as a
/// trailer, MD5 is compared with the ETag afterwards.
fn stream_checksum(mode: ChecksumMode) -> Option<StreamChecksum> {
    let spec = mode.spec()?;
    Some(StreamChecksum { algorithm: spec.digest, trailer: spec.flexible.map(|_| spec.header) })
}

/// Compares the checksum S3 echoes for a piece (flexible checksums are returned with the answer)
/// with the one sent; S3 itself refuses a body that does not match what was sent.
fn check_echoed_checksum(response: &HttpResponse, header: &str, sent: &str, offset: u64, length: u64) -> Result<()> {
    match response.header(header) {
        Some(echoed) if header.starts_with("x-amz-checksum-") && echoed.trim() != sent => {
            Err(ConnectorError::integrity(format!(
                "integrity check failed: S3 reports {header} {echoed} for bytes {offset}..{}, the bytes sent give {sent}",
                offset + length
            )))
        }
        _ => Ok(()),
    }
}

/// Compares S3's ETag for a piece with the MD5 of the bytes sent, when the ETag is an MD5 (it is
/// not with SSE-KMS, for instance).
fn check_md5_etag(response: &HttpResponse, md5: Option<&[u8]>, offset: u64, length: u64) -> Result<()> {
    let etag = response.header("etag").map(unquote).unwrap_or_default();
    let is_md5 = etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit());
    match md5.map(hex::encode) {
        Some(sent) if is_md5 && !sent.eq_ignore_ascii_case(&etag) => Err(ConnectorError::integrity(format!(
            "integrity check failed: S3's ETag {etag} for bytes {offset}..{} differs from the MD5 of the bytes sent ({sent})",
            offset + length
        ))),
        _ => Ok(()),
    }
}

/// Asks the URL for its first byte to learn its size, range support and ETag; retried like any
/// idempotent request.
fn probe(client: &mut Client<'_>, url: &HttpUrl, headers: &[(String, String)]) -> Result<SourceFacts> {
    let mut probe_headers = vec![("range".to_string(), url_source::PROBE_RANGE.to_string())];
    probe_headers.extend(headers.iter().cloned());
    let request = HttpRequest { method: Method::Get, url: url.clone(), headers: probe_headers, body: &Body::Empty };
    client.retrying(RetryPolicy::REQUEST, |client| {
        let answer = client.transport().send(&request, &ResponseSink::Discard).map_err(|error| error.at("/url"))?;
        url_source::facts(url, &answer)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Cause;
    use connector_contract::DigestAlgorithm;

    #[test]
    fn an_md5_etag_must_match_the_bytes_sent() {
        let response = |etag: &str| HttpResponse {
            status: 200,
            headers: vec![("etag".into(), etag.into())],
            ..HttpResponse::default()
        };
        let md5 = hex::decode("9e107d9d372bb6826bd81d3542a419d6").unwrap();
        assert!(check_md5_etag(&response("\"9e107d9d372bb6826bd81d3542a419d6\""), Some(&md5), 0, 43).is_ok());
        let error = check_md5_etag(&response("\"00007d9d372bb6826bd81d3542a419d6\""), Some(&md5), 0, 43).unwrap_err();
        assert_eq!(error.cause, Cause::Integrity);
        // Not an MD5 (SSE-KMS, multipart): nothing to compare.
        assert!(check_md5_etag(&response("\"abc-2\""), Some(&md5), 0, 43).is_ok());
    }

    #[test]
    fn each_mode_streams_its_checksum_as_a_trailer_except_md5() {
        assert_eq!(stream_checksum(ChecksumMode::None), None);
        assert_eq!(stream_checksum(ChecksumMode::Md5).unwrap().trailer, None);
        assert_eq!(stream_checksum(ChecksumMode::Crc32c).unwrap().trailer, Some("x-amz-checksum-crc32c"));
        assert_eq!(stream_checksum(ChecksumMode::Sha256).unwrap().algorithm, DigestAlgorithm::Sha256);
    }
}
