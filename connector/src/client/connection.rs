//! The `auth` object: credentials, region, endpoint and addressing style.

use crate::error::{ConnectorError, Result};
use crate::input::parse_input;
use crate::transport::Digest;
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt;

/// Access key, secret and optional session token. `Debug` never shows the secret or token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id (not secret; shown in logs as-is, like AWS does).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// Session token for temporary credentials.
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"******")
            .field("session_token", &self.session_token.as_ref().map(|_| "******"))
            .finish()
    }
}

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
            Region::Auto => "us-east-1",
            Region::Named(name) => name,
        }
    }
}

/// How the bucket appears in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Addressing {
    /// Virtual-hosted on AWS (unless the bucket name has dots), path-style on custom endpoints.
    Auto,
    /// `https://endpoint/bucket/key`.
    Path,
    /// `https://bucket.endpoint/key`.
    Virtual,
}

/// Where requests go: scheme, host and optional port of a custom endpoint, or AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Amazon S3 itself: `https://s3.<region>.amazonaws.com`.
    Aws,
    /// A custom S3-compatible endpoint such as Garage, MinIO, Ceph or R2.
    Custom {
        /// `http` or `https`.
        scheme: String,
        /// Host name or IP literal (IPv6 in brackets).
        host: String,
        /// Explicit port, if any.
        port: Option<u16>,
    },
}

impl Endpoint {
    /// Parses `scheme://host[:port]` (a trailing `/` is allowed; a path is not).
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |why: &str| {
            ConnectorError::invalid_input(
                "/endpoint",
                format!(
                    "endpoint {url:?} {why}; expected e.g. \"http://127.0.0.1:3900\" or \"https://s3.example.com\""
                ),
            )
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("has no scheme"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad("must use http or https"));
        }
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return Err(bad("must be scheme://host[:port] with no path, query or user info"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => {
                let port = port.parse::<u16>().map_err(|_| bad("has an invalid port"))?;
                (host.to_string(), Some(port))
            }
            _ => (authority.to_string(), None),
        };
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        Ok(Endpoint::Custom { scheme, host: host.to_ascii_lowercase(), port })
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
}

/// The integrity checksum sent with each uploaded file or part (computed by the host, natively).
/// The default is `crc32c` (fastest, see bench/RESULTS.md); stores that reject newer checksum
/// headers work with `md5` (`Content-MD5`, understood by all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChecksumMode {
    /// `Content-MD5`; also lets the final multipart ETag be verified.
    Md5,
    /// `x-amz-checksum-crc32c`; the cheapest to compute.
    Crc32c,
    /// `x-amz-checksum-crc32`.
    Crc32,
    /// `x-amz-checksum-sha256`.
    Sha256,
    /// No checksum header (the final size is still verified).
    None,
}

/// What a checksum mode sends with each upload: the digest, the header that carries it, and —
/// for S3's flexible checksums (not MD5) — the names multipart uploads use for it. The one table
/// of these names; uploads from files and from URLs, and the multipart checks, all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecksumSpec {
    /// The digest algorithm.
    pub digest: Digest,
    /// The request header (or, for streamed bodies, the trailer) carrying it in base64.
    pub header: &'static str,
    /// `x-amz-checksum-algorithm` on CreateMultipartUpload and the CompleteMultipartUpload
    /// element; `None` for MD5, which is checked through ETags instead.
    pub flexible: Option<FlexibleNames>,
}

/// The names of a flexible checksum in multipart uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlexibleNames {
    /// The `x-amz-checksum-algorithm` value (`CRC32C`, ...).
    pub algorithm: &'static str,
    /// The part and result element (`ChecksumCRC32C`, ...).
    pub element: &'static str,
}

impl ChecksumMode {
    /// What this mode sends; `None` for [`ChecksumMode::None`].
    pub fn spec(self) -> Option<ChecksumSpec> {
        let flexible = |algorithm, element| Some(FlexibleNames { algorithm, element });
        let (digest, header, flexible) = match self {
            ChecksumMode::None => return None,
            ChecksumMode::Md5 => (Digest::Md5, "content-md5", None),
            ChecksumMode::Crc32c => (Digest::Crc32c, "x-amz-checksum-crc32c", flexible("CRC32C", "ChecksumCRC32C")),
            ChecksumMode::Crc32 => (Digest::Crc32, "x-amz-checksum-crc32", flexible("CRC32", "ChecksumCRC32")),
            ChecksumMode::Sha256 => (Digest::Sha256, "x-amz-checksum-sha256", flexible("SHA256", "ChecksumSHA256")),
        };
        Some(ChecksumSpec { digest, header, flexible })
    }
}

/// Whether request payloads are hashed into the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PayloadSigning {
    /// Small in-memory bodies are hashed; file bodies are sent `UNSIGNED-PAYLOAD` over HTTPS
    /// and plain HTTP alike (hashing a file in the guest halves upload speed).
    Auto,
    /// Always hash (file bodies are read twice: once to hash, once to send).
    Signed,
    /// Never hash; for stores that reject nothing and for the fastest uploads.
    Unsigned,
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
}

impl Connection {
    /// Parses and validates the `auth` JSON.
    pub fn from_json(auth: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(auth)
            .map_err(|e| ConnectorError::invalid_input("", format!("auth is not valid JSON: {e}")))?;
        let input: AuthInput = parse_input("auth", value)?;
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
            None | Some("") | Some("auto") => Region::Auto,
            Some(name) if is_valid_region(name) => Region::Named(name.to_string()),
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
            checksum: input.checksum.unwrap_or(ChecksumMode::Crc32c),
        })
    }
}

/// Whether a region named by a server (`x-amz-bucket-region`, `<Region>`) may be used: it goes
/// into a host name (`s3.<region>.amazonaws.com`), so one DNS label of letters, digits and `-`.
pub fn is_region_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_valid_region(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The JSON Schema of the `auth` object.
pub fn auth_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "AWS credentials and endpoint",
        "type": "object",
        "additionalProperties": false,
        "required": ["access_key_id", "secret_access_key"],
        "properties": {
            "access_key_id": {"type": "string", "title": "Access key ID", "minLength": 1},
            "secret_access_key": {"type": "string", "title": "Secret access key", "writeOnly": true, "format": "password", "minLength": 1},
            "session_token": {"type": "string", "title": "Session token", "description": "For temporary credentials (STS).", "writeOnly": true, "format": "password"},
            "region": {"type": "string", "title": "Region", "description": "e.g. eu-west-1; \"auto\" (default) discovers each bucket's region.", "default": "auto"},
            "endpoint": {"type": "string", "title": "Custom endpoint", "description": "scheme://host[:port] of an S3-compatible store (MinIO, Garage, Ceph, R2). Empty for AWS.", "format": "uri", "x-group": "advanced"},
            "addressing": {"enum": ["auto", "path", "virtual"], "title": "Addressing style", "default": "auto", "x-enumLabels": {"auto": "Automatic", "path": "Path-style", "virtual": "Virtual-hosted"}, "x-group": "advanced"},
            "payload_signing": {"enum": ["auto", "signed", "unsigned"], "title": "Payload signing", "default": "auto", "description": "auto: hash small bodies, stream files unsigned.", "x-group": "advanced"},
            "checksum": {"enum": ["md5", "crc32c", "crc32", "sha256", "none"], "title": "Upload checksum", "default": "crc32c", "description": "Integrity checksum sent with file uploads and parts (computed by the host). crc32c is the fastest; use md5 (Content-MD5) for stores that reject x-amz-checksum-* headers.", "x-group": "advanced"}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:3900/").unwrap(),
            Endpoint::Custom { scheme: "http".into(), host: "127.0.0.1".into(), port: Some(3900) }
        );
        assert_eq!(
            Endpoint::parse("https://[::1]:9000").unwrap(),
            Endpoint::Custom { scheme: "https".into(), host: "[::1]".into(), port: Some(9000) }
        );
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
