//! Support for the integration tests and the demo: the S3 server under test (a local Garage
//! started here, or the server named by `S3_TEST_ENDPOINT`), and calls through the real host.

/// The S3 connector component, built by this crate's build script (the `component` profile).
pub static S3_CONNECTOR: &[u8] = include_bytes!(env!("S3_CONNECTOR_WASM_PATH"));

pub mod files;
pub mod garage;
pub mod loopback;
pub mod moto;
pub mod process;
pub mod salesforce;
pub mod soak;
pub mod tls_front;

use connector_host::{ConnectorError, FileAccess, Policy, Runtime};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Which kind of server the suite runs against: Garage by default, moto with
/// `S3_TEST_SERVER=moto`, another server with `S3_TEST_ENDPOINT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// The local Garage started by the tests.
    Garage,
    /// The local moto started by the tests (IAM enforced, as the administrator).
    Moto,
    /// MinIO, AWS or another server named by `S3_TEST_ENDPOINT`.
    External,
}

/// What a test needs from the server; each kind says what it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Object ACLs.
    Acls,
    /// Keys that start with `/` stored as given (Garage drops the slash).
    LeadingSlashKeys,
    /// Presigned URLs answered (moto fails them when IAM is enforced).
    PresignedUrls,
    /// SSE-C, customer-provided keys, enforced (moto stores the object but never asks for the key).
    CustomerKeys,
}

impl ServerKind {
    /// Whether servers of this kind implement `feature` (an external server is assumed to be
    /// S3 itself or as complete).
    pub fn supports(self, feature: Feature) -> bool {
        !matches!(
            (self, feature),
            (ServerKind::Garage, Feature::Acls | Feature::LeadingSlashKeys)
                | (ServerKind::Moto, Feature::PresignedUrls | Feature::CustomerKeys)
        )
    }
}

/// The S3 server the tests talk to (no `Debug`: it holds the secret).
pub struct Target {
    /// Server kind.
    pub kind: ServerKind,
    /// Endpoint URL (`None` for AWS itself).
    pub endpoint: Option<String>,
    /// Region.
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret.
    pub secret_access_key: String,
    /// The Garage this process started, if it did (stopped with it).
    garage: Option<garage::Garage>,
}

/// The server `S3_TEST_SERVER` names, if any.
fn chosen_server() -> Option<String> {
    std::env::var("S3_TEST_SERVER").ok().filter(|s| !s.is_empty())
}

static TARGET: OnceLock<Target> = OnceLock::new();

/// The server for this test process, started on first use.
pub fn target() -> &'static Target {
    TARGET.get_or_init(|| {
        if chosen_server().as_deref() == Some("moto") {
            let moto = moto::moto();
            Target {
                kind: ServerKind::Moto,
                endpoint: Some(moto.endpoint.clone()),
                region: moto::REGION.into(),
                access_key_id: moto.admin.access_key_id.clone(),
                secret_access_key: moto.admin.secret_access_key.clone(),
                garage: None,
            }
        } else if let Ok(endpoint) = std::env::var("S3_TEST_ENDPOINT") {
            let var = |name: &str| {
                std::env::var(name).unwrap_or_else(|_| panic!("S3_TEST_ENDPOINT is set, so {name} must be too"))
            };
            Target {
                kind: ServerKind::External,
                endpoint: Some(endpoint).filter(|e| !e.is_empty() && e != "aws"),
                region: std::env::var("S3_TEST_REGION").unwrap_or_else(|_| "us-east-1".into()),
                access_key_id: var("S3_TEST_ACCESS_KEY_ID"),
                secret_access_key: var("S3_TEST_SECRET_ACCESS_KEY"),
                garage: None,
            }
        } else {
            let garage = garage::Garage::start();
            Target {
                kind: ServerKind::Garage,
                endpoint: Some(garage.endpoint.clone()),
                region: garage::REGION.into(),
                access_key_id: garage::ACCESS_KEY_ID.into(),
                secret_access_key: garage::SECRET_ACCESS_KEY.into(),
                garage: Some(garage),
            }
        }
    })
}

impl Target {
    /// What the server logged last, when this process started it (Garage): for the message of a
    /// failure the server may explain.
    pub fn server_log_tail(&self) -> Option<String> {
        self.garage.as_ref().map(|garage| garage.log_tail(40))
    }

    /// The connector `auth` object for this server.
    pub fn auth(&self) -> Value {
        let mut auth = json!({"access_key_id": self.access_key_id, "secret_access_key": self.secret_access_key, "region": self.region});
        if let Some(endpoint) = &self.endpoint {
            auth["endpoint"] = json!(endpoint);
        }
        auth
    }
}

/// Where compiled components are cached for the tests.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/component-cache")
}

/// A runtime with the S3 connector (compiled once, then from the cache).
pub fn runtime() -> Runtime {
    Runtime::builder()
        .trust_declared_outbound()
        .with_cache_dir(cache_dir())
        .build(S3_CONNECTOR)
        .expect("the connector component loads")
}

/// A bucket name unique to this run: `prefix-<pid>-<counter>`.
pub fn unique_bucket(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}-{}-{}-{:x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos % 0xffff)
}

/// One connector session against the target: a runtime, auth and a file store directory.
pub struct Session {
    /// The runtime.
    pub runtime: Runtime,
    /// The auth object.
    pub auth: Value,
    /// The policy used for each call.
    pub policy: Policy,
    /// The file store root.
    pub files: PathBuf,
}

impl Session {
    /// A session with a fresh file store directory.
    pub fn new() -> Session {
        Self::with_auth(target().auth())
    }

    /// A session against the server and credentials in `auth`, with a fresh file store.
    pub fn with_auth(auth: Value) -> Session {
        let files = std::env::temp_dir().join(format!("s3c-files-{}-{}", std::process::id(), unique_bucket("f")));
        std::fs::create_dir_all(&files).expect("file store dir");
        let policy = Policy {
            files: FileAccess { root: Some(files.clone()), writable: true },
            // The test server listens on loopback: the operator (this suite) allows it.
            allow_private_networks: true,
            ..Policy::default()
        };
        Session { runtime: runtime(), auth, policy, files }
    }

    /// Runs `operation` with `input`; returns the output JSON or the typed error.
    pub async fn call(&self, operation: &str, input: Value) -> Result<Value, ConnectorError> {
        self.call_with(operation, &self.auth, input, &self.policy).await
    }

    /// Runs `operation` with explicit auth and policy.
    pub async fn call_with(
        &self,
        operation: &str,
        auth: &Value,
        input: Value,
        policy: &Policy,
    ) -> Result<Value, ConnectorError> {
        let invocation =
            self.runtime.invoke(operation, &auth.to_string(), &input.to_string(), policy).await.unwrap_or_else(|e| {
                match target().server_log_tail() {
                    Some(log) => panic!("host failure in {operation}: {e}\nthe server's last log lines:\n{log}"),
                    None => panic!("host failure in {operation}: {e}"),
                }
            });
        invocation.result.map(|text| serde_json::from_str(&text).expect("the connector returns JSON"))
    }

    /// Runs `operation` and panics with the typed error on failure.
    pub async fn ok(&self, operation: &str, input: Value) -> Value {
        match self.call(operation, input.clone()).await {
            Ok(value) => value,
            Err(e) => panic!("{operation} {input} failed: {e:?}"),
        }
    }

    /// The multipart uploads in progress in `bucket`.
    pub async fn uploads_in_progress(&self, bucket: &str) -> Vec<Value> {
        let listing = self.ok("list_multipart_uploads", json!({"bucket": bucket})).await;
        listing["uploads"].as_array().cloned().unwrap_or_default()
    }

    /// Creates a fresh bucket for one test.
    pub async fn bucket(&self, prefix: &str) -> String {
        let bucket = unique_bucket(prefix);
        self.ok("create_bucket", json!({"bucket": bucket})).await;
        bucket
    }

    /// Empties and deletes `bucket`.
    pub async fn remove_bucket(&self, bucket: &str) {
        loop {
            let listing = self.ok("list_objects", json!({"bucket": bucket, "max_keys": 1000})).await;
            let keys: Vec<Value> =
                listing["objects"].as_array().cloned().unwrap_or_default().iter().map(|o| o["key"].clone()).collect();
            if keys.is_empty() {
                break;
            }
            self.ok("delete_objects", json!({"bucket": bucket, "objects": keys})).await;
        }
        self.ok("delete_bucket", json!({"bucket": bucket})).await;
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.files);
    }
}

/// A plain HTTP request (not through the connector), for presigned URLs: status and body.
pub async fn plain_http(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, Vec<u8>) {
    let (status, _, body) = plain_http_with_headers(method, url, headers, body).await;
    (status, body)
}

/// As [`plain_http`], with the answer's headers (names lower-case).
pub async fn plain_http_with_headers(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = client
        .request(request.body(Full::new(bytes::Bytes::from(body))).expect("request"))
        .await
        .expect("plain HTTP request");
    let status = response.status().as_u16();
    let answered = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    (status, answered, body)
}
