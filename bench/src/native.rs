//! The wire limit in Rust: requests signed natively with `aws-sigv4` and sent on a pooled
//! `hyper` client, bodies streamed straight between the socket and the file.

use crate::target::Bench;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::path::Path;
use std::time::SystemTime;
use tokio::io::AsyncWriteExt;

type Body = BoxBody<Bytes, std::io::Error>;

/// A pooled client and the signing identity.
pub(crate) struct Native {
    client: Client<HttpConnector, Body>,
    bench: Bench,
}

impl Native {
    /// A client for `bench`.
    pub(crate) fn new(bench: &Bench) -> Native {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Native { client: Client::builder(TokioExecutor::new()).build(connector), bench: bench.clone() }
    }

    fn request(
        &self,
        method: &str,
        key: &str,
        body: Body,
        length: Option<u64>,
        payload: SignableBody<'_>,
    ) -> http::Request<Body> {
        let url = format!("{}/{}/{}", self.bench.endpoint, self.bench.bucket, key);
        let identity = aws_credential_types::Credentials::new(
            &self.bench.access_key_id,
            &self.bench.secret_access_key,
            None,
            None,
            "bench",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.bench.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .expect("signing params")
            .into();
        let signable = SignableRequest::new(method, url.as_str(), std::iter::empty(), payload).expect("signable");
        let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
        let mut request = http::Request::builder().method(method).uri(&url);
        if let Some(length) = length {
            request = request.header("content-length", length);
        }
        let mut request = request.body(body).expect("request");
        instructions.apply_to_request_http1x(&mut request);
        request
    }

    async fn send(&self, request: http::Request<Body>) -> hyper::Response<hyper::body::Incoming> {
        let response = self.client.request(request).await.expect("hyper request");
        assert!(response.status().is_success(), "native request failed: {}", response.status());
        response
    }

    /// PUT `path` as `key`, streamed, `UNSIGNED-PAYLOAD`.
    pub(crate) async fn put_file(&self, key: &str, path: &Path) {
        let file = tokio::fs::File::open(path).await.expect("open");
        let length = file.metadata().await.expect("metadata").len();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 1 << 20);
        let body = StreamBody::new(futures_frames(stream)).boxed();
        let response = self.send(self.request("PUT", key, body, Some(length), SignableBody::UnsignedPayload)).await;
        let _ = response.into_body().collect().await;
    }

    /// GET `key` into `path`, streamed.
    pub(crate) async fn get_file(&self, key: &str, path: &Path) -> u64 {
        let response = self.send(self.request("GET", key, empty(), None, SignableBody::Bytes(&[]))).await;
        let mut file = tokio::fs::File::create(path).await.expect("create");
        let mut body = response.into_body();
        let mut total = 0;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("frame").into_data() {
                total += data.len() as u64;
                file.write_all(&data).await.expect("write");
            }
        }
        file.flush().await.expect("flush");
        total
    }

    /// HEAD `key`.
    pub(crate) async fn head(&self, key: &str) {
        let response = self.send(self.request("HEAD", key, empty(), None, SignableBody::Bytes(&[]))).await;
        let _ = response.into_body().collect().await;
    }

    /// GET a small object.
    pub(crate) async fn get_small(&self, key: &str) -> usize {
        let response = self.send(self.request("GET", key, empty(), None, SignableBody::Bytes(&[]))).await;
        response.into_body().collect().await.expect("body").to_bytes().len()
    }

    /// PUT a small body, its SHA-256 signed.
    pub(crate) async fn put_small(&self, key: &str, data: &[u8]) {
        let body = Full::new(Bytes::copy_from_slice(data)).map_err(|never| match never {}).boxed();
        let response =
            self.send(self.request("PUT", key, body, Some(data.len() as u64), SignableBody::Bytes(data))).await;
        let _ = response.into_body().collect().await;
    }
}

fn empty() -> Body {
    Full::new(Bytes::new()).map_err(|never| match never {}).boxed()
}

fn futures_frames(
    stream: tokio_util::io::ReaderStream<tokio::fs::File>,
) -> impl futures_core::Stream<Item = Result<hyper::body::Frame<Bytes>, std::io::Error>> + Send + Sync + 'static {
    use futures_util::StreamExt;
    stream.map(|chunk| chunk.map(hyper::body::Frame::data))
}
