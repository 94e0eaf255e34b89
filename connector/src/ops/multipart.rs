//! Multipart uploads of host files: the part plan, the upload with per-part checksums, the final
//! verification, and the abort that runs whenever anything fails after the upload was created.

use crate::auth::{ChecksumMode, FlexibleNames};
use crate::client::Client;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::ops::headers::unquote;
use crate::ops::upload_source::UploadSource;
use crate::request::{Body, S3Request};
use crate::stream_digest::StreamDigest;
use crate::xml::{self, CompletedPart};
use base64::Engine;
use std::time::Duration;

/// The smallest part S3 accepts (all but the last).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The largest part S3 accepts.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The most parts one upload may have.
pub const MAX_PARTS: u64 = 10_000;
/// The largest object S3 stores.
pub const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024 * 1024;
/// The default part size, raised for objects too large for it to stay under 10,000 parts. Parts
/// go one after another, so each boundary costs a round trip: 64 MiB parts moved 1 GiB at
/// 233 MiB/s where 16 MiB parts managed 216 (bench/NOTES.md).
pub const DEFAULT_PART_SIZE: u64 = 64 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

/// How a file is cut into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    /// Bytes per part (the last may be shorter).
    pub part_size: u64,
    /// Number of parts.
    pub parts: u64,
}

/// The plan for `size` bytes: `requested` part size if given (checked against S3's limits),
/// else 64 MiB raised in whole MiB until the upload fits in 10,000 parts.
pub fn plan(size: u64, requested: Option<u64>) -> Result<PartPlan> {
    if size > MAX_OBJECT_SIZE {
        return Err(ConnectorError {
            field: Some("/file".into()),
            ..ConnectorError::new(
                ErrorKind::TooLarge,
                format!("the file is {size} bytes; S3 stores objects up to 5 TiB"),
            )
        });
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
pub struct Uploaded {
    /// The object's ETag (without quotes).
    pub etag: String,
    /// Version id, on versioned buckets.
    pub version_id: Option<String>,
}

/// Uploads the `size` bytes of `source` to `bucket`/`key` in parts, with `headers` on the create
/// request. Aborts the upload on any failure, so no parts are left behind.
pub fn upload(
    client: &mut Client<'_>,
    bucket: &str,
    key: &str,
    headers: &[(String, String)],
    source: &UploadSource,
    plan: PartPlan,
) -> Result<Uploaded> {
    let mut create = S3Request::new("POST").bucket(bucket).key(key).query("uploads", "");
    for (header, value) in headers {
        create = create.header(header, value.clone());
    }
    if let Some(names) = flexible_names(client.conn.checksum) {
        create = create.header("x-amz-checksum-algorithm", names.algorithm);
    }
    let created = client.send(&create)?;
    let upload_id = xml::element_text(&created.body, "UploadId")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ConnectorError::internal("CreateMultipartUpload answered without an UploadId"))?;
    match upload_parts(client, bucket, key, &upload_id, source, plan) {
        Ok(uploaded) => Ok(uploaded),
        Err(error) => Err(abort(client, bucket, key, &upload_id, error)),
    }
}

/// The multipart names of `mode`'s checksum, when it is a flexible checksum.
fn flexible_names(mode: ChecksumMode) -> Option<FlexibleNames> {
    mode.spec().and_then(|spec| spec.flexible)
}

fn upload_parts(
    client: &mut Client<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    source: &UploadSource,
    plan: PartPlan,
) -> Result<Uploaded> {
    let size = source.size();
    let mut parts = Vec::with_capacity(plan.parts as usize);
    let mut part_digests = Vec::with_capacity(plan.parts as usize);
    for index in 0..plan.parts {
        let number = (index + 1) as u32;
        let offset = index * plan.part_size;
        let length = plan.part_size.min(size - offset);
        let request = S3Request::new("PUT")
            .bucket(bucket)
            .key(key)
            .query("partNumber", number.to_string())
            .query("uploadId", upload_id);
        let sent = source.send_piece(client, request, offset, length)?;
        let etag = sent
            .response
            .header("etag")
            .map(str::to_string)
            .ok_or_else(|| ConnectorError::internal(format!("UploadPart {number} answered without an ETag")))?;
        let element = flexible_names(client.conn.checksum)
            .zip(sent.digest.as_ref())
            .map(|(names, digest)| (names.element, base64::engine::general_purpose::STANDARD.encode(digest)));
        part_digests.extend(sent.digest);
        parts.push(CompletedPart { number, etag, checksum: element });
    }
    let complete = S3Request::new("POST")
        .bucket(bucket)
        .key(key)
        .query("uploadId", upload_id)
        .header("content-type", "application/xml")
        .body(Body::Bytes(xml::complete_document(&parts).into_bytes()));
    let response = crate::s3_error::reject_late_error(client.send(&complete)?)?;
    let etag = xml::element_text(&response.body, "ETag").map(|e| unquote(&e)).unwrap_or_default();
    verify_completion(client.conn.checksum, &part_digests, &etag, &response.body)?;
    Ok(Uploaded { etag, version_id: response.header("x-amz-version-id").map(str::to_string) })
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
        return Err(ConnectorError::internal(format!(
            "integrity check failed: S3 reports {element} {reported}, the parts sent give {expected}"
        )));
    }
    Ok(())
}

/// The composite value S3 derives from the parts' digests: the digest of their concatenation,
/// hex for the MD5 ETag, base64 for flexible checksums, with `-<parts>` appended.
fn composite(mode: ChecksumMode, digests: &[Vec<u8>]) -> Option<String> {
    let spec = mode.spec().filter(|_| !digests.is_empty())?;
    let mut digest = StreamDigest::new(spec.digest);
    digests.iter().for_each(|part| digest.update(part));
    let raw = digest.finish();
    let value = match spec.flexible {
        Some(_) => base64::engine::general_purpose::STANDARD.encode(raw),
        None => hex::encode(raw),
    };
    Some(format!("{value}-{}", digests.len()))
}

/// Rounds of abort attempts (each one retried by [`Client::send`] as well), 1, 2 and 4 s apart:
/// an abort is idempotent and worth waiting for, since a server that crashed is often back
/// within seconds, and an upload left behind costs storage until someone aborts it.
const ABORT_ROUNDS: u32 = 4;

/// Aborts the upload after `error`; the returned error says if the abort failed too.
fn abort(
    client: &mut Client<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    mut error: ConnectorError,
) -> ConnectorError {
    let request = S3Request::new("DELETE").bucket(bucket).key(key).query("uploadId", upload_id);
    let mut round = 0;
    let outcome = loop {
        match client.send(&request) {
            Err(abort_error) if abort_error.retryable && round + 1 < ABORT_ROUNDS => {
                client.transport().sleep(Duration::from_secs(1 << round));
                round += 1;
            }
            outcome => break outcome,
        }
    };
    match outcome {
        Ok(_) => error.message.push_str("; the multipart upload was aborted, no parts remain"),
        Err(abort_error) if abort_error.kind == ErrorKind::NotFound => {}
        Err(abort_error) => error.message.push_str(&format!(
            "; aborting multipart upload {upload_id} also failed ({}): abort it with abort_multipart_upload or a bucket lifecycle rule",
            abort_error.message
        )),
    }
    error
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
