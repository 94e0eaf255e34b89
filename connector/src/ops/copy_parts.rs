//! Copies larger than one CopyObject may copy (5 GiB), done server-side in parts
//! (UploadPartCopy): no byte of the object passes through the connector. A failure aborts the
//! upload, so no parts are left behind.

use super::headers::unquote;
use super::multipart::{self, PartPlan, Uploaded, abort};
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, Result};
use crate::protocol::error_response::reject_late_error;
use crate::protocol::http::Method;
use crate::protocol::xml::{self, CompletedPart};

/// The largest object one CopyObject copies.
pub(super) const MAX_SINGLE_COPY: u64 = 5 * 1024 * 1024 * 1024;

/// Where a copy reads from.
pub(super) struct CopySource {
    /// The `x-amz-copy-source` value (`/bucket/key[?versionId=…]`).
    pub(super) header: String,
    /// The source's size in bytes.
    pub(super) size: u64,
    /// The source's SSE-C key headers, if any.
    pub(super) key_headers: Vec<(String, String)>,
}

/// Copies `source` to `bucket`/`key` in parts of `plan`, with `create_headers` (metadata,
/// options) on the create request; the destination's SSE-C key, if any, goes with every part
/// and the completion.
pub(super) fn copy_in_parts(
    client: &mut Client<'_>,
    bucket: &str,
    key: &str,
    create_headers: &[(String, String)],
    source: &CopySource,
    plan: PartPlan,
) -> Result<Uploaded> {
    let upload_id = multipart::create(client, bucket, key, create_headers)?;
    let destination_key: Vec<(String, String)> = create_headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-amz-server-side-encryption-customer-"))
        .cloned()
        .collect();
    match copy_parts(client, bucket, key, &upload_id, source, plan, &destination_key) {
        Ok(copied) => Ok(copied),
        Err(error) => Err(abort(client, bucket, key, &upload_id, error)),
    }
}

fn copy_parts(
    client: &mut Client<'_>,
    bucket: &str,
    key: &str,
    upload_id: &str,
    source: &CopySource,
    plan: PartPlan,
    destination_key: &[(String, String)],
) -> Result<Uploaded> {
    let mut parts = Vec::new();
    for index in 0..plan.parts {
        let number = u32::try_from(index + 1).expect("at most 10,000 parts");
        let first = index * plan.part_size;
        client.checkpoint(first, Some(source.size))?;
        let last = (first + plan.part_size).min(source.size) - 1;
        let mut request = S3Request::new(Method::Put)
            .bucket(bucket)
            .key(key)
            .query("partNumber", number.to_string())
            .query("uploadId", upload_id)
            .header("x-amz-copy-source", source.header.clone())
            .header("x-amz-copy-source-range", format!("bytes={first}-{last}"));
        for (name, value) in source.key_headers.iter().chain(destination_key) {
            request = request.header(name, value.clone());
        }
        let response = reject_late_error(client.send(&request)?)?;
        let etag = xml::element_text(&response.body, "ETag")
            .filter(|etag| !etag.is_empty())
            .ok_or_else(|| ConnectorError::internal(format!("UploadPartCopy {number} answered without an ETag")))?;
        parts.push(CompletedPart { number, etag, checksum: None });
    }
    let response = multipart::complete(client, bucket, key, upload_id, &parts, destination_key)?;
    let etag = xml::element_text(&response.body, "ETag").map(|e| unquote(&e)).unwrap_or_default();
    Ok(Uploaded { etag, version_id: response.header("x-amz-version-id").map(str::to_string) })
}
