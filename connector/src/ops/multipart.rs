//! Multipart uploads of host files and URL sources: the part plan, the upload with per-part checksums, the final
//! verification, and the abort that runs whenever anything fails after the upload was created.

use super::headers::unquote;
use super::upload_source::UploadSource;
use crate::client::Client;
use crate::client::request::{Body, S3Request};
use crate::client::retry::RetryPolicy;
use crate::client::transport::Batch;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::checksum::{ChecksumMode, base64_of, composite};
use crate::protocol::http::{HttpResponse, Method};
use crate::protocol::xml::{self, CompletedPart};

/// The smallest part S3 accepts (all but the last).
pub(super) const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The largest part S3 accepts.
pub(super) const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The most parts one upload may have.
pub(super) const MAX_PARTS: u64 = 10_000;
/// The largest object S3 stores.
pub(super) const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024 * 1024;
/// The default part size, raised for objects too large for it to stay under 10,000 parts. Parts
/// go one after another, so each boundary costs a round trip: 64 MiB parts moved 1 GiB at
/// 233 MiB/s where 16 MiB parts managed 216 (bench/NOTES.md).
pub(super) const DEFAULT_PART_SIZE: u64 = 64 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

/// How a file is cut into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PartPlan {
    /// Bytes per part (the last may be shorter).
    pub part_size: u64,
    /// Number of parts.
    pub parts: u64,
}

/// The plan for `size` bytes: `requested` part size if given (checked against S3's limits),
/// else 64 MiB raised in whole MiB until the upload fits in 10,000 parts.
pub(super) fn plan(size: u64, requested: Option<u64>) -> Result<PartPlan> {
    if size > MAX_OBJECT_SIZE {
        return Err(ConnectorError::new(
            ErrorKind::TooLarge,
            format!("the file is {size} bytes; S3 stores objects up to 5 TiB"),
        )
        .at("/file"));
    }
    let part_size = match requested {
        Some(part) if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&part) => {
            return Err(ConnectorError::invalid_input(
                "/part_size",
                format!("part_size is {part} bytes; S3 parts are 5 MiB to 5 GiB"),
            ));
        }
        Some(part) => part,
        None => DEFAULT_PART_SIZE.max(size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB),
    };
    let parts = size.div_ceil(part_size).max(1);
    if parts > MAX_PARTS {
        let smallest = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
        return Err(ConnectorError::invalid_input(
            "/part_size",
            format!("{parts} parts of {part_size} bytes exceed S3's 10,000; use part_size of at least {smallest}"),
        ));
    }
    Ok(PartPlan { part_size, parts })
}

/// What a completed multipart upload produced.
#[derive(Debug, Clone)]
pub(super) struct Uploaded {
    /// The object's ETag (without quotes).
    pub etag: String,
    /// Version id, on versioned buckets.
    pub version_id: Option<String>,
}

/// The multipart upload parts go to.
#[derive(Clone, Copy)]
struct Target<'a> {
    bucket: &'a str,
    key: &'a str,
    upload_id: &'a str,
    /// Headers every part carries (an SSE-C key).
    part_headers: &'a [(String, String)],
}

impl Target<'_> {
    /// The UploadPart request for part `number` (its body added by the source).
    fn part_request(&self, number: u64) -> S3Request {
        let mut request = S3Request::new(Method::Put)
            .bucket(self.bucket)
            .key(self.key)
            .query("partNumber", number.to_string())
            .query("uploadId", self.upload_id);
        for (name, value) in self.part_headers {
            request = request.header(name, value.clone());
        }
        request
    }
}

/// Uploads the `size` bytes of `source` to `bucket`/`key` in parts, `in_flight` at a time (a
/// file's parts; a URL's go one by one), with `headers` on the create request. Aborts the upload
/// on any failure, so no parts are left behind: after a failed part no other starts, and the
/// abort goes out only once the parts in flight have ended.
pub(super) fn upload(
    client: &mut Client<'_>,
    bucket: &str,
    key: &str,
    headers: &[(String, String)],
    source: &UploadSource,
    plan: PartPlan,
    in_flight: u64,
) -> Result<Uploaded> {
    let mut create_headers = headers.to_vec();
    if let Some(names) = client.conn.checksum.flexible_names() {
        create_headers.push(("x-amz-checksum-algorithm".to_string(), names.algorithm.to_string()));
    }
    let upload_id = create(client, bucket, key, &create_headers)?;
    // An SSE-C key goes with every part (S3 encrypts each with it) and with the completion.
    let part_headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-amz-server-side-encryption-customer-"))
        .cloned()
        .collect();
    let target = Target { bucket, key, upload_id: &upload_id, part_headers: &part_headers };
    match upload_parts(client, &target, source, plan, in_flight) {
        Ok(uploaded) => Ok(uploaded),
        Err(error) => Err(abort(client, bucket, key, &upload_id, error)),
    }
}

fn upload_parts(
    client: &mut Client<'_>,
    target: &Target<'_>,
    source: &UploadSource,
    plan: PartPlan,
    in_flight: u64,
) -> Result<Uploaded> {
    let size = source.size();
    let mut parts = Vec::with_capacity(plan.parts as usize);
    let mut part_digests = Vec::with_capacity(plan.parts as usize);
    let window = super::parallel::window(in_flight) as u64;
    let mut first = 0;
    while first < plan.parts {
        let batch = first..(first + window).min(plan.parts);
        client.checkpoint(first * plan.part_size, Some(size))?;
        let pieces = batch
            .clone()
            .map(|index| {
                let offset = index * plan.part_size;
                let length = plan.part_size.min(size - offset);
                (target.part_request(index + 1), offset, length)
            })
            .collect();
        let moving = Batch { in_flight: in_flight as usize, done_before: first * plan.part_size, total: Some(size) };
        let sent = source.send_pieces(client, pieces, moving)?;
        for (index, piece) in batch.zip(sent) {
            let number = (index + 1) as u32;
            let etag = piece
                .response
                .header("etag")
                .map(str::to_string)
                .ok_or_else(|| ConnectorError::internal(format!("UploadPart {number} answered without an ETag")))?;
            let element = client
                .conn
                .checksum
                .flexible_names()
                .zip(piece.digest.as_ref())
                .map(|(names, digest)| (names.element, base64_of(digest)));
            part_digests.extend(piece.digest);
            parts.push(CompletedPart { number, etag, checksum: element });
        }
        first += window;
    }
    let Target { bucket, key, upload_id, part_headers } = *target;
    // With checksums, S3 wants the SSE-C key on completion too.
    let response = complete(client, bucket, key, upload_id, &parts, part_headers)?;
    let etag = xml::element_text(&response.body, "ETag").map(|e| unquote(&e)).unwrap_or_default();
    verify_completion(client.conn.checksum, &part_digests, &etag, &response.body)?;
    Ok(Uploaded { etag, version_id: response.header("x-amz-version-id").map(str::to_string) })
}

/// Starts a multipart upload of `bucket`/`key` with `headers` (type, metadata, encryption...);
/// its upload id.
pub(super) fn create(client: &mut Client<'_>, bucket: &str, key: &str, headers: &[(String, String)]) -> Result<String> {
    let mut request = S3Request::new(Method::Post).bucket(bucket).key(key).query("uploads", "");
    for (name, value) in headers {
        request = request.header(name, value.clone());
    }
    let created = client.send(&request)?;
    let upload_id = xml::element_text(&created.body, "UploadId")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ConnectorError::internal("CreateMultipartUpload answered without an UploadId"))?;
    // Should this attempt be lost (its process killed), a later one can abort the upload.
    let handover = serde_json::json!({"multipart_upload": {"bucket": bucket, "key": key, "upload_id": upload_id}});
    client.transport().checkpoint(&handover.to_string());
    Ok(upload_id)
}

/// Completes upload `upload_id` with `parts` (and `headers`, e.g. an SSE-C key); S3's answer,
/// an error document in a 200 rejected.
pub(super) fn complete(
    client: &mut Client<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    parts: &[CompletedPart],
    headers: &[(String, String)],
) -> Result<HttpResponse> {
    let mut request = S3Request::new(Method::Post)
        .bucket(bucket)
        .key(key)
        .query("uploadId", upload_id)
        .header("content-type", "application/xml")
        .body(Body::Bytes(xml::complete_document(parts).into_bytes()));
    for (name, value) in headers {
        request = request.header(name, value.clone());
    }
    let completed = crate::protocol::error_response::reject_late_error(client.send(&request)?)?;
    client.transport().checkpoint("");
    Ok(completed)
}

/// Checks what S3 reports for the completed upload against the parts sent: the multipart ETag
/// (`md5(md5_1 || ... || md5_n)-n`) in md5 mode, or the composite checksum
/// (`base64(checksum(c_1 || ... || c_n))-n`) in the other modes, when S3 reports one.
fn verify_completion(mode: ChecksumMode, digests: &[Vec<u8>], etag: &str, body: &[u8]) -> Result<()> {
    let Some(spec) = mode.spec() else { return Ok(()) };
    let (reported, element) = match spec.flexible {
        Some(names) => (xml::element_text(body, names.element), names.element),
        None => (Some(etag.to_string()), "ETag"),
    };
    let Some(reported) = reported.filter(|r| r.contains('-')) else { return Ok(()) };
    let Some(expected) = composite(mode, digests) else { return Ok(()) };
    if reported != expected {
        return Err(ConnectorError::integrity(format!(
            "integrity check failed: S3 reports {element} {reported}, the parts sent give {expected}"
        )));
    }
    Ok(())
}

/// Aborts the upload after `error` (in [`RetryPolicy::ABORT`] rounds, each retried by
/// [`Client::send`] as well); the returned error says whether the abort worked.
pub(super) fn abort(
    client: &mut Client<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    error: ConnectorError,
) -> ConnectorError {
    let request = S3Request::new(Method::Delete).bucket(bucket).key(key).query("uploadId", upload_id);
    let aborted = client.retrying(RetryPolicy::ABORT, |client| client.send(&request));
    if aborted.as_ref().is_ok() || aborted.as_ref().is_err_and(|e| e.kind == ErrorKind::NotFound) {
        client.transport().checkpoint("");
    }
    match aborted {
        Ok(_) => error.noted("the multipart upload was aborted, no parts remain"),
        Err(abort_error) if abort_error.kind == ErrorKind::NotFound => error,
        Err(abort_error) => error.noted(format!(
            "aborting multipart upload {upload_id} also failed ({}): abort it with abort_multipart_upload or a bucket lifecycle rule",
            abort_error.full_message()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::{Digest as _, Md5};

    #[test]
    fn plans_stay_within_s3_limits() {
        assert_eq!(plan(0, None).unwrap(), PartPlan { part_size: DEFAULT_PART_SIZE, parts: 1 });
        assert_eq!(plan(1 << 30, None).unwrap(), PartPlan { part_size: DEFAULT_PART_SIZE, parts: 16 });
        let five_tib = plan(MAX_OBJECT_SIZE, None).unwrap();
        assert!(five_tib.parts <= MAX_PARTS && five_tib.part_size.is_multiple_of(MIB), "{five_tib:?}");
        assert!(five_tib.part_size <= MAX_PART_SIZE);
        assert_eq!(plan(100 * MIB, Some(8 * MIB)).unwrap().parts, 13);
        assert_eq!(plan(1 << 30, Some(MIB)).unwrap_err().field.as_deref(), Some("/part_size"));
        assert_eq!(plan(200 * 1024 * MIB, Some(5 * MIB)).unwrap_err().field.as_deref(), Some("/part_size"));
        assert_eq!(plan(MAX_OBJECT_SIZE + 1, None).unwrap_err().kind, ErrorKind::TooLarge);
    }

    #[test]
    fn multipart_etag_is_md5_of_part_md5s() {
        let parts = vec![Md5::digest(b"hello ").to_vec(), Md5::digest(b"world").to_vec()];
        let mut joined = Vec::new();
        joined.extend_from_slice(&parts[0]);
        joined.extend_from_slice(&parts[1]);
        let expected = format!("{}-2", hex::encode(Md5::digest(&joined)));
        assert_eq!(composite(ChecksumMode::Md5, &parts), Some(expected.clone()));
        assert_eq!(composite(ChecksumMode::None, &parts), None);
        assert!(verify_completion(ChecksumMode::Md5, &parts, &expected, b"").is_ok());
        assert!(verify_completion(ChecksumMode::Md5, &parts, "abc-2", b"").is_err());
        let crc = vec![vec![0, 0, 0, 1], vec![0, 0, 0, 2]];
        let body =
            format!("<R><ChecksumCRC32C>{}</ChecksumCRC32C></R>", composite(ChecksumMode::Crc32c, &crc).unwrap());
        assert!(verify_completion(ChecksumMode::Crc32c, &crc, "", body.as_bytes()).is_ok());
        assert!(
            verify_completion(ChecksumMode::Crc32c, &crc, "", b"<R><ChecksumCRC32C>AAAAAA==-2</ChecksumCRC32C></R>")
                .is_err()
        );
    }
}
