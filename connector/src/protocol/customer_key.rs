//! SSE-C: objects encrypted with a key the customer supplies on every request. The key is a
//! secret — it never appears in `Debug` output or messages — and S3 wants it with its MD5.

use crate::error::{ConnectorError, Result};
use crate::protocol::checksum::{base64_of, content_md5};
use base64::Engine as _;
use std::fmt;

/// A customer-provided AES-256 key, as the three headers S3 takes it in.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomerKey {
    key: String,
    md5: String,
}

impl fmt::Debug for CustomerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CustomerKey(******)")
    }
}

/// Which object a key is for: the one written or read, or the source of a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// The object the request reads or writes.
    Object,
    /// The source object of a copy.
    CopySource,
}

impl CustomerKey {
    /// Parses a base64 256-bit key given in input `field`.
    pub fn parse(field: &str, base64_key: &str) -> Result<Self> {
        let raw = base64::engine::general_purpose::STANDARD.decode(base64_key.trim()).map_err(|_| {
            ConnectorError::invalid_input(field, "the SSE-C key is not base64; give the 32-byte AES-256 key in base64")
        })?;
        if raw.len() != 32 {
            return Err(ConnectorError::invalid_input(
                field,
                format!("the SSE-C key has {} bytes; an AES-256 key has 32 (44 characters of base64)", raw.len()),
            ));
        }
        Ok(Self { key: base64_of(&raw), md5: content_md5(&raw) })
    }

    /// The request headers that carry this key for `role`.
    pub fn headers(&self, role: KeyRole) -> [(String, String); 3] {
        let prefix = match role {
            KeyRole::Object => "x-amz-server-side-encryption-customer-",
            KeyRole::CopySource => "x-amz-copy-source-server-side-encryption-customer-",
        };
        [
            (format!("{prefix}algorithm"), "AES256".to_string()),
            (format!("{prefix}key"), self.key.clone()),
            (format!("{prefix}key-md5"), self.md5.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_sent_with_their_md5_and_never_shown() {
        let key = base64_of(&[7u8; 32]);
        let parsed = CustomerKey::parse("/sse_customer_key", &key).unwrap();
        let headers = parsed.headers(KeyRole::Object);
        assert_eq!(headers[0], ("x-amz-server-side-encryption-customer-algorithm".to_string(), "AES256".to_string()));
        assert_eq!(headers[1].1, key);
        assert_eq!(headers[2].1, content_md5(&[7u8; 32]));
        assert!(parsed.headers(KeyRole::CopySource)[1].0.starts_with("x-amz-copy-source-"));
        assert!(!format!("{parsed:?}").contains(&key));
        let short = CustomerKey::parse("/sse_customer_key", &base64_of(&[1u8; 16])).unwrap_err();
        assert_eq!(short.field.as_deref(), Some("/sse_customer_key"));
        assert!(!short.message.contains(&base64_of(&[1u8; 16])), "the key is never echoed");
        assert!(CustomerKey::parse("/k", "not base64!").is_err());
    }
}
