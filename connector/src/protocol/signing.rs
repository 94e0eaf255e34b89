//! SigV4 signing with S3's rules, set in exactly one place ([`s3_settings`]): single
//! percent-encoding (the path is encoded once by [`crate::protocol::encoding`]), no path normalization, and
//! `x-amz-content-sha256` on header-signed requests. Time is passed in, so signing is pure.

use crate::error::{ConnectorError, Result};
use crate::protocol::credentials::Credentials;
use crate::protocol::http::Method;
use crate::protocol::url::redact_text;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use std::time::{Duration, SystemTime};

/// The longest a presigned URL may live (SigV4 limit): 7 days.
pub(crate) const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the signature says about the request body.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Payload<'a> {
    /// The body is hashed (SHA-256) into the signature.
    Bytes(&'a [u8]),
    /// The body is not hashed: `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// The body's SHA-256 (hex), computed elsewhere (e.g. by streaming a file).
    Precomputed(&'a str),
}

/// Who signs, for which region, at what time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signer<'a> {
    /// The credentials.
    pub credentials: &'a Credentials,
    /// The region in the credential scope.
    pub region: &'a str,
    /// The signing time (the host may pin the wall clock the component sees).
    pub time: SystemTime,
}

/// A signature's parts, for header signing.
#[derive(Debug, Clone)]
pub(crate) struct SignedHeaders {
    /// Headers to add to the request (`authorization`, `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token`).
    pub headers: Vec<(String, String)>,
}

impl SignedHeaders {
    /// The hex signature, from the `authorization` header.
    #[cfg(test)]
    fn signature(&self) -> &str {
        let (_, authorization) = self.headers.iter().find(|(name, _)| name == "authorization").expect("signed");
        authorization.rsplit("Signature=").next().unwrap_or_default()
    }
}

/// Headers to add, query parameters to add, and the signature.
type SigningParts = (Vec<(String, String)>, Vec<(String, String)>, String);

/// The S3 signing settings; the only place they are decided.
fn s3_settings(location: SignatureLocation, expires_in: Option<Duration>) -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.signature_location = location;
    settings.expires_in = expires_in;
    settings.payload_checksum_kind = match location {
        SignatureLocation::QueryParams => PayloadChecksumKind::NoHeader,
        _ => PayloadChecksumKind::XAmzSha256,
    };
    settings
}

impl Signer<'_> {
    fn identity(&self) -> Identity {
        aws_credential_types::Credentials::new(
            self.credentials.access_key_id.clone(),
            self.credentials.secret_access_key.clone(),
            self.credentials.session_token.clone(),
            None,
            "connector-auth",
        )
        .into()
    }

    fn sign_request(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        body: SignableBody<'_>,
        settings: SigningSettings,
    ) -> Result<SigningParts> {
        let identity = self.identity();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(self.region)
            .name("s3")
            .time(self.time)
            .settings(settings)
            .build()
            .map_err(|e| ConnectorError::internal(format!("signing parameters: {e}")))?
            .into();
        let request =
            SignableRequest::new(method.as_str(), url, headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), body)
                .map_err(|e| ConnectorError::internal(format!("cannot sign request to {}: {e}", redact_text(url))))?;
        let (instructions, signature) =
            sign(request, &params).map_err(|e| ConnectorError::internal(format!("signing failed: {e}")))?.into_parts();
        let (headers, params) = instructions.into_parts();
        let headers = headers.into_iter().map(|h| (h.name().to_string(), h.value().to_string())).collect();
        let params = params.into_iter().map(|(k, v)| (k.to_string(), v.into_owned())).collect();
        Ok((headers, params, signature))
    }

    /// Signs a request in the `Authorization` header. `url` is the full URL with its path already
    /// percent-encoded once; `headers` are the headers to sign (the host header comes from the URL).
    pub(crate) fn sign_headers(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        payload: Payload<'_>,
    ) -> Result<SignedHeaders> {
        let body = match payload {
            Payload::Bytes(bytes) => SignableBody::Bytes(bytes),
            Payload::Unsigned => SignableBody::UnsignedPayload,
            Payload::Precomputed(hash) => SignableBody::Precomputed(hash.to_string()),
        };
        let (headers, _, _) =
            self.sign_request(method, url, headers, body, s3_settings(SignatureLocation::Headers, None))?;
        Ok(SignedHeaders { headers })
    }

    /// Presigns a request: returns `url` with the `X-Amz-*` query parameters appended. The caller
    /// must send exactly `headers` (they are signed).
    pub(crate) fn presign(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        expires_in: Duration,
    ) -> Result<String> {
        let (_, params, _) = self.sign_request(
            method,
            url,
            headers,
            SignableBody::UnsignedPayload,
            s3_settings(SignatureLocation::QueryParams, Some(expires_in)),
        )?;
        let mut out = url.to_string();
        let mut separator = if url.contains('?') { '&' } else { '?' };
        for (name, value) in params {
            out.push(separator);
            out.push_str(&crate::protocol::encoding::encode_component(&name));
            out.push('=');
            out.push_str(&crate::protocol::encoding::encode_component(&value));
            separator = '&';
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    //! Published vectors: the S3 API Reference's worked examples and smithy-rs's S3 presigning cases.
    use super::*;
    use serde_json::Value;
    use std::path::PathBuf;

    fn vector(name: &str) -> Value {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sigv4").join(name);
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    fn time_of(amz_date: &str) -> SystemTime {
        let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
        let parsed = time::PrimitiveDateTime::parse(amz_date, format).unwrap().assume_utc();
        SystemTime::UNIX_EPOCH + Duration::from_secs(parsed.unix_timestamp() as u64)
    }

    fn credentials(v: &Value) -> Credentials {
        Credentials {
            access_key_id: v["access_key_id"].as_str().unwrap().into(),
            secret_access_key: v["secret_access_key"].as_str().unwrap().into(),
            session_token: v["session_token"].as_str().map(Into::into),
        }
    }

    /// Header-signed S3 documentation examples: signs with the example's own headers (less the
    /// ones the signer adds) and compares the signature.
    fn check_header_example(file: &str) {
        let v = vector(file);
        let creds = credentials(&v["credentials"]);
        let signer =
            Signer { credentials: &creds, region: "us-east-1", time: time_of(v["x_amz_date"].as_str().unwrap()) };
        let query = v["query"].as_str().unwrap_or("");
        let url = format!(
            "https://{}{}{}{}",
            v["host"].as_str().unwrap(),
            v["canonical_uri"].as_str().unwrap(),
            if query.is_empty() { "" } else { "?" },
            query
        );
        let headers: Vec<(String, String)> = v["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap().to_lowercase(), h[1].as_str().unwrap().to_string()))
            .filter(|(k, _)| !matches!(k.as_str(), "host" | "x-amz-date" | "x-amz-content-sha256"))
            .collect();
        let body = v["payload"]["utf8_text"].as_str().unwrap_or("").as_bytes().to_vec();
        let signed = signer
            .sign_headers(v["method"].as_str().unwrap().parse().unwrap(), &url, &headers, Payload::Bytes(&body))
            .unwrap();
        assert_eq!(signed.signature(), v["expected_signature"].as_str().unwrap(), "{file}");
        let content_sha = &signed.headers.iter().find(|(k, _)| k == "x-amz-content-sha256").unwrap().1;
        assert_eq!(content_sha, v["payload"]["sha256"].as_str().unwrap());
    }

    #[test]
    fn s3_docs_get_object_range() {
        check_header_example("get-object-range.json");
    }

    #[test]
    fn s3_docs_put_object_key_with_dollar() {
        check_header_example("put-object.json");
    }

    #[test]
    fn s3_docs_list_objects() {
        check_header_example("list-objects.json");
    }

    #[test]
    fn s3_docs_presigned_url() {
        let v = vector("presigned-url-get-object.json");
        let creds = credentials(&v["credentials"]);
        let signer =
            Signer { credentials: &creds, region: "us-east-1", time: time_of(v["x_amz_date"].as_str().unwrap()) };
        let url = signer
            .presign(Method::Get, "https://examplebucket.s3.amazonaws.com/test.txt", &[], Duration::from_secs(86400))
            .unwrap();
        assert!(url.ends_with(&format!("X-Amz-Signature={}", v["expected_signature"].as_str().unwrap())), "{url}");
        assert!(url.starts_with("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
    }

    #[test]
    fn smithy_rs_presigning_cases_with_session_token() {
        let v = vector("smithy-rs-s3-presigning.json");
        let creds = credentials(&v["credentials"]);
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(v["start_time_unix"].as_u64().unwrap());
        let expires = Duration::from_secs(v["expires_seconds"].as_u64().unwrap());
        let mut checked = 0;
        for case in v["cases"].as_array().unwrap().iter().filter(|c| c["service"] == "s3") {
            let signer = Signer { credentials: &creds, region: case["region"].as_str().unwrap(), time };
            let own: Vec<String> = case["query_parameters_to_sign"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| !p[0].as_str().unwrap().starts_with("X-Amz-"))
                .map(|p| {
                    format!(
                        "{}={}",
                        p[0].as_str().unwrap(),
                        crate::protocol::encoding::encode_component(p[1].as_str().unwrap())
                    )
                })
                .collect();
            let url = format!(
                "https://{}{}{}{}",
                case["host"].as_str().unwrap(),
                case["path"].as_str().unwrap(),
                if own.is_empty() { "" } else { "?" },
                own.join("&")
            );
            let headers: Vec<(String, String)> = case["headers_sent"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| (h[0].as_str().unwrap().to_string(), h[1].as_str().unwrap().to_string()))
                .collect();
            let presigned =
                signer.presign(case["method"].as_str().unwrap().parse().unwrap(), &url, &headers, expires).unwrap();
            let expected = case["expected_signature"].as_str().unwrap();
            assert!(presigned.contains("X-Amz-Security-Token=notarealsessiontoken"), "{presigned}");
            let signature = presigned.split("X-Amz-Signature=").nth(1).unwrap().split('&').next().unwrap();
            assert_eq!(signature, expected, "{}: {presigned}", case["name"]);
            checked += 1;
        }
        assert_eq!(checked, 5, "the S3 cases (the sixth is for s3-object-lambda)");
    }

    #[test]
    fn s3_docs_get_bucket_lifecycle() {
        check_header_example("get-bucket-lifecycle.json");
    }

    /// The seed signature of a chunked upload: the request is signed with the streaming payload
    /// marker as its payload hash (what [`Payload::Precomputed`] sends).
    fn check_seed_signature(file: &str, marker: &str) -> Value {
        let v = vector(file);
        let creds = credentials(&v["credentials"]);
        let signer =
            Signer { credentials: &creds, region: "us-east-1", time: time_of(v["x_amz_date"].as_str().unwrap()) };
        let canonical = v["expected_seed_canonical_request"].as_str().unwrap();
        // The signed headers and their values, as the canonical request lists them.
        let headers: Vec<(String, String)> = canonical
            .lines()
            .skip(3)
            .take_while(|line| !line.is_empty())
            .filter_map(|line| line.split_once(':'))
            .filter(|(name, _)| !matches!(*name, "host" | "x-amz-date" | "x-amz-content-sha256"))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let url = format!("https://{}{}", v["host"].as_str().unwrap(), v["path"].as_str().unwrap());
        let signed = signer.sign_headers(Method::Put, &url, &headers, Payload::Precomputed(marker)).unwrap();
        assert_eq!(signed.signature(), v["expected_seed_signature"].as_str().unwrap(), "{file}");
        v
    }

    #[test]
    fn s3_docs_chunked_upload_seed_signature() {
        check_seed_signature("chunked-upload-put-object.json", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    }

    #[test]
    fn s3_docs_chunked_upload_with_trailer_seed_signature_and_checksum() {
        let v = check_seed_signature(
            "chunked-upload-with-trailer-put-object.json",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        );
        let mut crc = crate::protocol::checksum::StreamDigest::new(connector_contract::DigestAlgorithm::Crc32c);
        crc.update(&vec![b'a'; 66_560]);
        let value = crate::protocol::checksum::base64_of(&crc.finish());
        assert_eq!(value, v["trailer"]["crc32c_of_data_base64"].as_str().unwrap());
        let line = crate::protocol::aws_chunked::trailer("x-amz-checksum-crc32c", &value);
        assert!(line.contains(v["trailer"]["trailer_header_line_hashed"].as_str().unwrap().trim_end()), "{line:?}");
    }

    /// A signature over `url` as given and over the same request with `canonical_query`: equal
    /// exactly when the signer canonicalizes the query as the vector says.
    fn signature_of(url: &str) -> String {
        let creds =
            Credentials { access_key_id: "AKID".into(), secret_access_key: "secret".into(), session_token: None };
        let signer = Signer { credentials: &creds, region: "us-east-1", time: time_of("20130524T000000Z") };
        signer.sign_headers(Method::Get, url, &[], Payload::Bytes(b"")).unwrap().signature().to_string()
    }

    #[test]
    fn s3_canonicalization_vectors() {
        let v = vector("canonicalization-vectors.json");
        let mut checked = 0;
        for case in v["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            if let Some(expected) = case["expected_canonical_query_string"].as_str() {
                let url = case["request_url"].as_str().unwrap();
                let base = &url[..url.find('?').unwrap()];
                if let Some(pairs) = case["decoded_query_parameters"].as_array() {
                    // The client builds queries from decoded values: its encoding, sorted, is the
                    // canonical query.
                    let mut pairs: Vec<(String, String)> = pairs
                        .iter()
                        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
                        .collect();
                    pairs.sort();
                    let query = crate::protocol::encoding::query_string(&pairs);
                    assert_eq!(query, expected, "{name}");
                    assert_eq!(signature_of(&format!("{base}?{query}")), signature_of(&format!("{base}?{expected}")));
                } else {
                    assert_eq!(signature_of(url), signature_of(&format!("{base}?{expected}")), "{name}");
                }
            } else {
                let bucket = case["bucket"].as_str().unwrap();
                let key = case["key"].as_str().unwrap();
                let conn = crate::client::connection::Connection::from_json(
                    r#"{"access_key_id":"a","secret_access_key":"b","region":"us-east-1"}"#,
                )
                .unwrap();
                let request = crate::client::request::S3Request::new(Method::Put).bucket(bucket).key(key);
                let url = request.url(&conn, "us-east-1");
                assert_eq!(url.path(), case["expected_canonical_uri"].as_str().unwrap(), "{name}");
                let normalized = format!("https://{}/b.txt", url.host());
                assert_ne!(signature_of(&url.full()), signature_of(&normalized), "{name}: dot segments are kept");
            }
            checked += 1;
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn every_vendored_vector_file_is_read() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sigv4");
        let this = include_str!("signing.rs");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(this.contains(&format!("\"{name}\"")), "{name} is vendored but no test reads it");
        }
    }
}
