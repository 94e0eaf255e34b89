//! The native baseline: the AWS SDK for Rust (`aws-sdk-s3`) doing the same work.

use crate::target::Bench;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::primitives::ByteStream;
use std::path::Path;
use tokio::io::AsyncWriteExt;

/// An SDK client for the bench server (path-style, plain HTTP, pooled).
pub(crate) fn client(bench: &Bench) -> Client {
    let credentials = Credentials::new(&bench.access_key_id, &bench.secret_access_key, None, None, "bench");
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(bench.region.clone()))
        .endpoint_url(&bench.endpoint)
        .force_path_style(true)
        .credentials_provider(credentials)
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        // No trailing checksums on uploads: the SDK would compute them in-line, while the
        // connector's default CRC32C header is computed by the host natively before sending;
        // payloads unsigned on PUT (below), as the connector streams files. Downloads check the
        // object's stated checksum where the request asks for it (`get_file`), as the connector's do.
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    Client::from_conf(config)
}

/// Uploads `path` as `key` with one PutObject.
pub(crate) async fn put_file(client: &Client, bucket: &str, key: &str, path: &Path) {
    let body = ByteStream::from_path(path).await.expect("open file");
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body)
        .customize()
        .disable_payload_signing()
        .send()
        .await
        .expect("SDK put_object");
}

/// Uploads `path` as `key` with one PutObject that states the file's full-object CRC32C (as a
/// current SDK or CLI stores objects), so downloads can check it.
pub(crate) async fn put_file_with_crc32c(client: &Client, bucket: &str, key: &str, path: &Path) {
    use base64::Engine as _;
    use std::io::Read as _;
    let mut file = std::fs::File::open(path).expect("open file");
    let (mut crc, mut buffer) = (0u32, vec![0u8; 4 << 20]);
    loop {
        let n = file.read(&mut buffer).expect("read file");
        if n == 0 {
            break;
        }
        crc = crc32c::crc32c_append(crc, &buffer[..n]);
    }
    let checksum = base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes());
    let body = ByteStream::from_path(path).await.expect("open file");
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .checksum_crc32_c(checksum)
        .body(body)
        .customize()
        .disable_payload_signing()
        .send()
        .await
        .expect("SDK put_object with CRC32C");
}

/// Downloads `key` into `path`, streaming, checking the object's stated checksum as it arrives
/// (`ChecksumMode::Enabled`), as the connector checks it.
pub(crate) async fn get_file(client: &Client, bucket: &str, key: &str, path: &Path) -> u64 {
    let response = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .expect("SDK get_object");
    let mut reader = response.body.into_async_read();
    let mut file = tokio::fs::File::create(path).await.expect("create");
    let copied = tokio::io::copy_buf(&mut reader, &mut file).await.expect("write");
    file.flush().await.expect("flush");
    copied
}

/// HeadObject.
pub(crate) async fn head(client: &Client, bucket: &str, key: &str) {
    client.head_object().bucket(bucket).key(key).send().await.expect("SDK head_object");
}

/// GetObject of a small object, collected.
pub(crate) async fn get_small(client: &Client, bucket: &str, key: &str) -> usize {
    let response = client.get_object().bucket(bucket).key(key).send().await.expect("SDK get_object");
    response.body.collect().await.expect("body").into_bytes().len()
}

/// PutObject of a small body.
pub(crate) async fn put_small(client: &Client, bucket: &str, key: &str, body: &[u8]) {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .expect("SDK put_object");
}
