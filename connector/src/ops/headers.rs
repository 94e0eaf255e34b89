//! Object options shared by uploads and copies, as request headers; and object facts read back
//! from response headers.

use super::grants::{self, Grant};
use super::validate;
use crate::error::{ConnectorError, Result};
use crate::protocol::customer_key::{CustomerKey, KeyRole};
use crate::protocol::http::HttpResponse;
use crate::protocol::values::{CannedAcl, ServerSideEncryption, StorageClass};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Options stored with an object on upload or copy.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ObjectOptions {
    /// MIME type.
    #[serde(default)]
    pub content_type: Option<String>,
    /// User metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Cache-Control.
    #[serde(default)]
    pub cache_control: Option<String>,
    /// Content-Disposition.
    #[serde(default)]
    pub content_disposition: Option<String>,
    /// Content-Encoding.
    #[serde(default)]
    pub content_encoding: Option<String>,
    /// Canned ACL.
    #[serde(default)]
    pub acl: Option<CannedAcl>,
    /// Explicit grants, instead of a canned ACL.
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// SSE algorithm.
    #[serde(default)]
    pub server_side_encryption: Option<ServerSideEncryption>,
    /// KMS key id for aws:kms.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Storage class.
    #[serde(default)]
    pub storage_class: Option<StorageClass>,
    /// SSE-C: a customer-provided key (base64), instead of `server_side_encryption`.
    #[serde(default)]
    pub sse_customer_key: Option<String>,
    /// Object tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl ObjectOptions {
    /// The request headers for these options; `default_content_type` applies when none is given.
    pub(super) fn headers(&self, default_content_type: Option<&str>) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let content_type = self.content_type.as_deref().or(default_content_type);
        push(&mut out, "/content_type", "content-type", content_type)?;
        push(&mut out, "/cache_control", "cache-control", self.cache_control.as_deref())?;
        push(&mut out, "/content_disposition", "content-disposition", self.content_disposition.as_deref())?;
        push(&mut out, "/content_encoding", "content-encoding", self.content_encoding.as_deref())?;
        match (self.acl, self.grants.is_empty()) {
            (Some(_), false) => {
                return Err(ConnectorError::invalid_input(
                    "/grants",
                    "give either `acl` (canned) or `grants`, not both",
                ));
            }
            (Some(acl), true) => out.push(("x-amz-acl".into(), acl.as_str().to_string())),
            (None, false) => out.extend(grants::headers(&self.grants)?),
            (None, true) => {}
        }
        if let Some(class) = self.storage_class {
            out.push(("x-amz-storage-class".into(), class.as_str().to_string()));
        }
        if let Some(key) = &self.sse_customer_key {
            if self.server_side_encryption.is_some() {
                return Err(ConnectorError::invalid_input(
                    "/sse_customer_key",
                    "give either server_side_encryption or sse_customer_key (SSE-C), not both",
                ));
            }
            out.extend(CustomerKey::parse("/sse_customer_key", key)?.headers(KeyRole::Object));
        }
        match (self.server_side_encryption, &self.kms_key_id) {
            (None, Some(_)) => {
                return Err(ConnectorError::invalid_input(
                    "/kms_key_id",
                    "kms_key_id needs server_side_encryption \"aws:kms\"",
                ));
            }
            (Some(ServerSideEncryption::Aes256), Some(_)) => {
                return Err(ConnectorError::invalid_input(
                    "/kms_key_id",
                    "kms_key_id applies only to server_side_encryption \"aws:kms\", not \"AES256\"",
                ));
            }
            (Some(sse), key) => {
                out.push(("x-amz-server-side-encryption".into(), sse.as_str().to_string()));
                push(&mut out, "/kms_key_id", "x-amz-server-side-encryption-aws-kms-key-id", key.as_deref())?;
            }
            (None, None) => {}
        }
        for (name, value) in &self.metadata {
            validate::header_token(&format!("/metadata/{name}"), name)?;
            push(
                &mut out,
                &format!("/metadata/{name}"),
                &format!("x-amz-meta-{}", name.to_ascii_lowercase()),
                Some(value),
            )?;
        }
        if !self.tags.is_empty() {
            validate::tags(self.tags.iter())?;
            let pairs: Vec<(String, String)> = self.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            out.push(("x-amz-tagging".into(), crate::protocol::encoding::query_string(&pairs)));
        }
        Ok(out)
    }
}

/// Adds header `name` when `value` is set, refusing values HTTP headers cannot carry.
fn push(out: &mut Vec<(String, String)>, field: &str, name: &str, value: Option<&str>) -> Result<()> {
    let Some(value) = value else { return Ok(()) };
    if !value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
        return Err(ConnectorError::invalid_input(
            field,
            format!(
                "{value:?} cannot be sent as an HTTP header: use printable ASCII only (encode other characters, e.g. RFC 2047 or percent-encoding)"
            ),
        ));
    }
    out.push((name.to_string(), value.trim().to_string()));
    Ok(())
}

/// An ETag without its surrounding quotes.
pub(crate) fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_string()
}

/// The facts S3 returns about an object in HEAD and GET response headers.
pub(super) fn object_facts(response: &HttpResponse) -> Map<String, Value> {
    let text = |name: &str| response.header(name).map(str::to_string);
    let mut metadata = Map::new();
    for (name, value) in &response.headers {
        if let Some(key) = name.to_ascii_lowercase().strip_prefix("x-amz-meta-") {
            metadata.insert(key.to_string(), Value::String(value.clone()));
        }
    }
    let length = response.header("content-length").and_then(|l| l.parse::<u64>().ok()).unwrap_or(0);
    let facts = json!({
        "content_length": length,
        "content_type": text("content-type"),
        "etag": text("etag").map(|e| unquote(&e)),
        "last_modified": text("last-modified"),
        "storage_class": text("x-amz-storage-class").or_else(|| Some("STANDARD".to_string())),
        "version_id": text("x-amz-version-id"),
        "cache_control": text("cache-control"),
        "content_disposition": text("content-disposition"),
        "content_encoding": text("content-encoding"),
        "server_side_encryption": text("x-amz-server-side-encryption"),
        "metadata": metadata,
    });
    match facts {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_headers_and_rejects_bad_values() {
        let options = ObjectOptions {
            metadata: [("Author".to_string(), "Ann".to_string())].into(),
            tags: [("team".to_string(), "a+b c".to_string())].into(),
            server_side_encryption: Some(ServerSideEncryption::AwsKms),
            kms_key_id: Some("key-1".into()),
            ..Default::default()
        };
        let headers = options.headers(Some("text/plain")).unwrap();
        assert!(headers.contains(&("x-amz-meta-author".into(), "Ann".into())));
        assert!(headers.contains(&("x-amz-tagging".into(), "team=a%2Bb%20c".into())));
        assert!(headers.contains(&("x-amz-server-side-encryption-aws-kms-key-id".into(), "key-1".into())));
        assert!(headers.contains(&("content-type".into(), "text/plain".into())));
        let bad = ObjectOptions { cache_control: Some("a\r\nb".into()), ..Default::default() };
        assert_eq!(bad.headers(None).unwrap_err().field.as_deref(), Some("/cache_control"));
        let bad = ObjectOptions { kms_key_id: Some("k".into()), ..Default::default() };
        assert_eq!(bad.headers(None).unwrap_err().field.as_deref(), Some("/kms_key_id"));
        let unknown = crate::input::parse_input::<ObjectOptions>("input", serde_json::json!({"acl": "public"}));
        let error = unknown.unwrap_err();
        assert_eq!(error.field.as_deref(), Some("/acl"));
        assert!(error.message.contains("public-read"), "{}", error.message);
    }
}
