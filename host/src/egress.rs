//! Outgoing HTTP for guests: every request is checked against the invocation's outbound rules,
//! then sent on one shared, pooled `hyper` client (keep-alive across invocations). In dry-run
//! mode requests are recorded and refused instead.

use crate::body_guard::{CountedBody, GuardedBody};
use crate::policy::OutboundRule;
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// Default timeouts when the guest gives none.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(600);
const DEFAULT_BETWEEN_BYTES_TIMEOUT: Duration = Duration::from_secs(120);

/// The shared HTTP client: pooled connections, HTTP and HTTPS (webpki roots).
#[derive(Clone)]
pub struct HttpClient {
    client: Client<Connector, WasiBody>,
}

impl Default for HttpClient {
    fn default() -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(DEFAULT_CONNECT_TIMEOUT));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(128)
            .build(https);
        Self { client }
    }
}

/// A request the guest tried to send during a dry run.
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    /// Method.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers as sent (secrets redacted when printed, see [`CapturedRequest::redacted_headers`]).
    pub headers: Vec<(String, String)>,
}

impl CapturedRequest {
    /// The URL with a session token in its query (a presigned source URL's) redacted.
    pub fn redacted_url(&self) -> String {
        let Some((base, query)) = self.url.split_once('?') else { return self.url.clone() };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("x-amz-security-token") => format!("{name}=******"),
                _ => pair.to_string(),
            })
            .collect();
        format!("{base}?{}", pairs.join("&"))
    }

    /// Headers with the session token redacted; the signature (not a secret) is kept.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| {
                let secret = k.eq_ignore_ascii_case("x-amz-security-token");
                (k.clone(), if secret { "******".to_string() } else { v.clone() })
            })
            .collect()
    }
}

/// The per-invocation hooks: policy plus the shared client.
pub struct EgressHooks {
    pub(crate) client: HttpClient,
    pub(crate) rules: Vec<OutboundRule>,
    pub(crate) max_response_bytes: u64,
    pub(crate) capture: Option<Arc<Mutex<Vec<CapturedRequest>>>>,
    pub(crate) denied: Arc<Mutex<Vec<String>>>,
    pub(crate) progress: Option<Arc<crate::progress::Transfer>>,
}

impl EgressHooks {
    fn allowed(&self, uri: &http::Uri) -> bool {
        let scheme = uri.scheme_str().unwrap_or("https");
        let Some(host) = uri.host() else { return false };
        let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        self.rules.iter().any(|rule| rule.allows(scheme, host, port))
    }
}

type ResponseFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

/// Request-body chunks queued for hyper beyond the one being written (wasmtime's default is 1):
/// a little slack so an upload does not stall whenever the guest is between two splices.
const OUTGOING_BODY_BUFFER_CHUNKS: usize = 3;

impl WasiHttpHooks for EgressHooks {
    fn p2_outgoing_body_buffer_chunks(&mut self) -> usize {
        OUTGOING_BODY_BUFFER_CHUNKS
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> ResponseFuture {
        if let Some(capture) = &self.capture {
            let headers = request
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let captured =
                CapturedRequest { method: request.method().to_string(), url: request.uri().to_string(), headers };
            capture.lock().unwrap_or_else(|e| e.into_inner()).push(captured);
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        if !self.allowed(request.uri()) {
            let target = format!(
                "{}://{}",
                request.uri().scheme_str().unwrap_or("?"),
                request.uri().authority().map(|a| a.as_str()).unwrap_or("?")
            );
            self.denied.lock().unwrap_or_else(|e| e.into_inner()).push(target);
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        let client = self.client.client.clone();
        let limit = self.max_response_bytes;
        let progress = self.progress.clone();
        let request = match &progress {
            Some(progress) => request.map(|body| CountedBody::new(body, progress.clone()).boxed_unsync()),
            None => request,
        };
        let first_byte = options.and_then(|o| o.first_byte_timeout).unwrap_or(DEFAULT_FIRST_BYTE_TIMEOUT);
        let between_bytes = options.and_then(|o| o.between_bytes_timeout).unwrap_or(DEFAULT_BETWEEN_BYTES_TIMEOUT);
        Box::new(async move {
            let response = match tokio::time::timeout(first_byte, client.request(request)).await {
                Err(_) => return Err(Error::HttpResponseTimeout),
                Ok(Err(error)) => return Err(client_error(error)),
                Ok(Ok(response)) => response,
            };
            if let (Some(progress), Some(length)) = (&progress, response.headers().get(http::header::CONTENT_LENGTH)) {
                progress.expect_download(length.to_str().ok().and_then(|l| l.parse().ok()).unwrap_or(0));
            }
            let response = response.map(|body| {
                let body = body.map_err(Error::Hyper);
                GuardedBody::new(body, limit, between_bytes, progress).boxed_unsync()
            });
            let done: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send> = Box::new(async { Ok(()) });
            Ok((response, done))
        })
    }
}

/// Maps a pooled-client failure onto wasi:http's error codes.
fn client_error(error: hyper_util::client::legacy::Error) -> Error {
    let causes = error_chain(&error);
    if error.is_connect() {
        let refused = causes
            .iter()
            .filter_map(|e| e.downcast_ref::<std::io::Error>())
            .any(|e| e.kind() == std::io::ErrorKind::ConnectionRefused);
        if refused {
            return Error::ConnectionRefused;
        }
        let dns = causes.iter().any(|e| e.to_string().contains("dns error"));
        if dns {
            return Error::DnsError { rcode: Some("NXDOMAIN or no resolver".into()), info_code: None };
        }
        return Error::Connect(std::io::Error::other(error.to_string()));
    }
    match causes.iter().find_map(|e| e.downcast_ref::<hyper::Error>()) {
        Some(e) if e.is_incomplete_message() => Error::HttpResponseIncomplete,
        _ => Error::ConnectionTerminated,
    }
}

/// `error`'s sources, outermost first.
fn error_chain<'a>(error: &'a (dyn std::error::Error + 'static)) -> Vec<&'a (dyn std::error::Error + 'static)> {
    let mut chain = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        chain.push(cause);
        next = cause.source();
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_urls_hide_session_tokens_only() {
        let captured = CapturedRequest {
            method: "GET".into(),
            url: "https://h/f?X-Amz-Credential=A%2F1&X-Amz-Security-Token=tok&X-Amz-Signature=abc".into(),
            headers: vec![("x-amz-security-token".into(), "tok".into())],
        };
        assert_eq!(
            captured.redacted_url(),
            "https://h/f?X-Amz-Credential=A%2F1&X-Amz-Security-Token=******&X-Amz-Signature=abc"
        );
        assert_eq!(captured.redacted_headers()[0].1, "******");
    }
}
