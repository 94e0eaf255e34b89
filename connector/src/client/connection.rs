//! The `auth` object: credentials, region, endpoint and addressing style.

use crate::error::{ConnectorError, Result};
use crate::input::parse_input_text;
use crate::names::named_enum;
use crate::protocol::checksum::ChecksumMode;
pub use crate::protocol::credentials::Credentials;
use crate::protocol::region;
use crate::protocol::url::{HttpUrl, redact_text};
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Value, json};

/// The region to sign for. `Auto` discovers each bucket's region from S3's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Region {
    /// Discover the bucket's region; sign bucket-less requests for `us-east-1`.
    Auto,
    /// A fixed region name (corrected per bucket if S3 says the bucket lives elsewhere).
    Named(String),
}

impl Region {
    /// The region name to sign with before anything is discovered.
    pub fn initial(&self) -> &str {
        match self {
            Region::Auto => region::DEFAULT_REGION,
            Region::Named(name) => name,
        }
    }
}

named_enum! {
    /// How the bucket appears in the URL.
    pub enum Addressing {
        /// Virtual-hosted on AWS (unless the bucket name has dots), path-style on custom endpoints.
        Auto = "auto",
        /// `https://endpoint/bucket/key`.
        Path = "path",
        /// `https://bucket.endpoint/key`.
        Virtual = "virtual",
    }
}

/// Where requests go: AWS, or the origin of a custom endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Amazon S3 itself: `https://s3.<region>.amazonaws.com`.
    Aws,
    /// A custom S3-compatible endpoint such as Garage, MinIO, Ceph or R2: `scheme://host[:port]`.
    Custom(HttpUrl),
}

impl Endpoint {
    /// Parses `scheme://host[:port]` (a trailing `/` is allowed; a path is not).
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |why: &str| {
            ConnectorError::invalid_input(
                "/endpoint",
                format!(
                    "endpoint {} {why}; expected e.g. \"http://127.0.0.1:3900\" or \"https://s3.example.com\"",
                    redact_text(url)
                ),
            )
        };
        let origin = HttpUrl::parse(url).map_err(|error| bad(error.explain()))?;
        if origin.has_path_or_query() || url.contains('#') {
            return Err(bad("must be scheme://host[:port] with no path or query"));
        }
        Ok(Endpoint::Custom(origin))
    }
}

/// Everything needed to address and sign requests, parsed from the `auth` JSON.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Signing credentials.
    pub credentials: Credentials,
    /// Region to sign for.
    pub region: Region,
    /// Where requests go.
    pub endpoint: Endpoint,
    /// Path-style or virtual-hosted.
    pub addressing: Addressing,
    /// Whether payloads are hashed into the signature (`x-amz-content-sha256`).
    pub payload_signing: PayloadSigning,
    /// The integrity checksum sent with file uploads.
    pub checksum: ChecksumMode,
    /// Whether downloads are checked against the checksum the store states (default true).
    pub verify_downloads: bool,
}

named_enum! {
    /// Whether request payloads are hashed into the signature.
    pub enum PayloadSigning {
        /// Small in-memory bodies are hashed; file bodies are sent `UNSIGNED-PAYLOAD` over HTTPS
        /// and plain HTTP alike (hashing a file in the guest halves upload speed).
        Auto = "auto",
        /// Always hash (file bodies are read twice: once to hash, once to send).
        Signed = "signed",
        /// Never hash; for stores that reject nothing and for the fastest uploads.
        Unsigned = "unsigned",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthInput {
    access_key_id: String,
    secret_access_key: String,
    #[serde(default)]
    session_token: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    addressing: Option<Addressing>,
    #[serde(default)]
    payload_signing: Option<PayloadSigning>,
    #[serde(default)]
    checksum: Option<ChecksumMode>,
    #[serde(default)]
    verify_downloads: Option<bool>,
}

impl Connection {
    /// Parses and validates the `auth` JSON.
    pub fn from_json(auth: &str) -> Result<Self> {
        let input: AuthInput = parse_input_text("auth", auth)?;
        if input.access_key_id.trim().is_empty() {
            return Err(ConnectorError::invalid_input(
                "/access_key_id",
                "auth.access_key_id is empty; set it to your AWS access key id (AKIA..., ASIA... or a store's own key id)",
            ));
        }
        if input.secret_access_key.is_empty() {
            return Err(ConnectorError::invalid_input("/secret_access_key", "auth.secret_access_key is empty"));
        }
        let region = match input.region.as_deref().map(str::trim) {
            None | Some("" | "auto") => Region::Auto,
            Some(name) if region::is_configurable_region(name) => Region::Named(name.to_string()),
            Some(name) => {
                return Err(ConnectorError::invalid_input(
                    "/region",
                    format!(
                        "auth.region {name:?} is not a region name (letters, digits and '-', e.g. \"eu-west-1\"); use \"auto\" to discover it"
                    ),
                ));
            }
        };
        let endpoint = match input.endpoint.as_deref().map(str::trim) {
            None | Some("") => Endpoint::Aws,
            Some(url) => Endpoint::parse(url)?,
        };
        Ok(Connection {
            credentials: Credentials {
                access_key_id: input.access_key_id.trim().to_string(),
                secret_access_key: input.secret_access_key,
                session_token: input.session_token.filter(|t| !t.is_empty()),
            },
            region,
            endpoint,
            addressing: input.addressing.unwrap_or(Addressing::Auto),
            payload_signing: input.payload_signing.unwrap_or(PayloadSigning::Auto),
            checksum: input.checksum.unwrap_or(ChecksumMode::DEFAULT),
            verify_downloads: input.verify_downloads.unwrap_or(true),
        })
    }
}

/// Amazon S3's own host names, and nothing else of AWS: path-style and virtual-hosted, global
/// and regional, dual-stack and Transfer Acceleration, in the `aws` and `aws-cn` partitions. The
/// destinations the connector declares (`x-outbound` in the auth schema) when no endpoint is set.
pub const AWS_S3_DESTINATIONS: &[&str] = &[
    "https://s3.amazonaws.com:443",
    "https://*.s3.amazonaws.com:443",
    "https://s3.*.amazonaws.com:443",
    "https://*.s3.*.amazonaws.com:443",
    "https://s3.dualstack.*.amazonaws.com:443",
    "https://*.s3.dualstack.*.amazonaws.com:443",
    "https://s3-accelerate.amazonaws.com:443",
    "https://*.s3-accelerate.amazonaws.com:443",
    "https://s3-accelerate.dualstack.amazonaws.com:443",
    "https://*.s3-accelerate.dualstack.amazonaws.com:443",
    "https://s3.*.amazonaws.com.cn:443",
    "https://*.s3.*.amazonaws.com.cn:443",
];

/// The JSON Schema of the `auth` object. Its `x-outbound` annotation tells the host where the
/// connector connects: Amazon S3's host names, or exactly the origin in `endpoint` when set.
pub fn auth_schema() -> Value {
    AUTH_SCHEMA.schema("auth")
}

/// The builder of [`auth_schema`] (the component reads the built schema from the catalogue).
pub const AUTH_SCHEMA: SchemaBuilder = SchemaBuilder::new(build_auth_schema);

fn build_auth_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "AWS credentials and endpoint",
        "x-outbound": {"default": AWS_S3_DESTINATIONS, "origin-field": "endpoint"},
        "type": "object",
        "additionalProperties": false,
        "required": ["access_key_id", "secret_access_key"],
        "properties": {
            "access_key_id": {"type": "string", "title": "Access key ID", "minLength": 1},
            "secret_access_key": {"type": "string", "title": "Secret access key", "writeOnly": true, "format": "password", "minLength": 1},
            "session_token": {"type": "string", "title": "Session token", "description": "For temporary credentials (STS).", "writeOnly": true, "format": "password"},
            "region": {"type": "string", "title": "Region", "description": "e.g. eu-west-1; \"auto\" (default) discovers each bucket's region.", "default": "auto"},
            "endpoint": {"type": "string", "title": "Custom endpoint", "description": "scheme://host[:port] of an S3-compatible store (MinIO, Garage, Ceph, R2). Empty for AWS.", "format": "uri", "x-group": "advanced"},
            "addressing": {"enum": Addressing::NAMES, "title": "Addressing style", "default": Addressing::Auto.as_str(), "x-enumLabels": {"auto": "Automatic", "path": "Path-style", "virtual": "Virtual-hosted"}, "x-group": "advanced"},
            "payload_signing": {"enum": PayloadSigning::NAMES, "title": "Payload signing", "default": PayloadSigning::Auto.as_str(), "description": "auto: hash small bodies, stream files unsigned.", "x-group": "advanced"},
            "checksum": {"enum": ChecksumMode::NAMES, "title": "Upload checksum", "default": ChecksumMode::DEFAULT.as_str(), "description": "Integrity checksum sent with file uploads and parts (computed by the host). crc32c is the fastest; use md5 (Content-MD5) for stores that reject x-amz-checksum-* headers.", "x-group": "advanced"},
            "verify_downloads": {"type": "boolean", "title": "Verify downloads", "default": true, "description": "Check downloaded bytes against the checksum the store states (x-amz-checksum-*, or the MD5 ETag of unencrypted single-part objects).", "x-group": "advanced"}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::url::Scheme;

    #[test]
    fn debug_never_shows_secrets() {
        let conn = Connection::from_json(
            r#"{"access_key_id":"AKID","secret_access_key":"very-secret","session_token":"tok-secret"}"#,
        )
        .unwrap();
        let shown = format!("{conn:?}");
        assert!(shown.contains("AKID"));
        assert!(!shown.contains("very-secret"));
        assert!(!shown.contains("tok-secret"));
    }

    #[test]
    fn endpoint_forms() {
        let origin = |text| match Endpoint::parse(text).unwrap() {
            Endpoint::Custom(origin) => (origin.scheme(), origin.host().to_string(), origin.port()),
            Endpoint::Aws => unreachable!(),
        };
        assert_eq!(origin("http://127.0.0.1:3900/"), (Scheme::Http, "127.0.0.1".into(), Some(3900)));
        assert_eq!(origin("https://[::1]:9000"), (Scheme::Https, "[::1]".into(), Some(9000)));
        assert!(Endpoint::parse("https://user:secret@h").unwrap_err().message.contains("user:password"));
        assert!(Endpoint::parse("s3.amazonaws.com").is_err());
        assert!(Endpoint::parse("ftp://x").is_err());
        assert!(Endpoint::parse("http://x/path").is_err());
    }

    #[test]
    fn region_auto_and_invalid() {
        let c = Connection::from_json(r#"{"access_key_id":"a","secret_access_key":"b","region":"auto"}"#).unwrap();
        assert_eq!(c.region, Region::Auto);
        let e =
            Connection::from_json(r#"{"access_key_id":"a","secret_access_key":"b","region":"eu west"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("/region"));
        let e = Connection::from_json(r#"{"access_key_id":"a","secret_access_key":"b","regoin":"x"}"#).unwrap_err();
        assert!(e.message.contains("regoin"), "{}", e.message);
    }
}
