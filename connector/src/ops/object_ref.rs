//! The object a read is of (bucket, key, version, SSE-C key), the requests for it, and the check
//! of a downloaded whole object against the composite checksum S3 states for it.

use super::composite;
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::Result;
use crate::protocol::checksum;
use crate::protocol::customer_key::{CustomerKey, KeyRole};
use crate::protocol::http::{HttpResponse, Method};
use connector_contract::DigestAlgorithm;
use serde::Deserialize;

/// The object a read is of.
#[derive(Deserialize, Clone)]
pub(super) struct ObjectRef {
    /// Bucket name.
    pub(super) bucket: String,
    /// Object key.
    pub(super) key: String,
    /// A version, on versioned buckets.
    #[serde(default)]
    pub(super) version_id: Option<String>,
    /// The object's SSE-C key, base64.
    #[serde(default)]
    pub(super) sse_customer_key: Option<String>,
}

impl ObjectRef {
    /// A request of `method` for this object (its version and SSE-C key included).
    pub(super) fn request(&self, method: Method) -> Result<S3Request> {
        validate::bucket_name(&self.bucket)?;
        validate::object_key("/key", &self.key)?;
        let mut request =
            S3Request::new(method).bucket(&self.bucket).key(&self.key).query_opt("versionId", self.version_id.clone());
        if let Some(key) = &self.sse_customer_key {
            for (name, value) in CustomerKey::parse("/sse_customer_key", key)?.headers(KeyRole::Object) {
                request = request.header(&name, value);
            }
        }
        Ok(request)
    }

    /// A download of this object, of `range` if given. A whole-object download asks S3 to state
    /// its stored checksum, so the bytes can be checked against it
    /// ([`HttpResponse::stated_content`]); a range has no checksum of its own.
    pub(super) fn download(&self, range: Option<String>, verify: bool) -> Result<S3Request> {
        let request = self.request(Method::Get)?;
        Ok(match range {
            Some(range) => request.header("range", range),
            None if verify => request.header("x-amz-checksum-mode", "ENABLED"),
            None => request,
        })
    }
}

/// Checks the `total` bytes of a whole-object answer against the composite checksum it states
/// for a multipart object, if any ([`composite::verify`]); `part_digest` digests the received
/// bytes of one part.
pub(super) fn check_composite(
    client: &mut Client<'_>,
    target: &ObjectRef,
    response: &HttpResponse,
    total: u64,
    mut part_digest: impl FnMut(&mut Client<'_>, u64, u64, DigestAlgorithm) -> Result<Vec<u8>>,
) -> Result<()> {
    let stated = checksum::stated_composite(|name| response.header(name));
    let Some(stated) = stated.filter(|_| response.status == 200) else { return Ok(()) };
    let head = composite::PartHead {
        request: target.request(Method::Head)?,
        etag: response.header("etag").map(str::to_string),
    };
    let algorithm = stated.algorithm;
    composite::verify(client, &head, total, &stated, |client, offset, size| {
        part_digest(client, offset, size, algorithm)
    })
}
