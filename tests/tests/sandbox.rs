//! The host as a sandbox: what the component imports, egress policy, time and memory limits,
//! retries on loopback faults, dry runs, pinned clocks and the compiled-component cache.

use connector_host::{ErrorKind, HostError, OutboundRule, Policy, Runtime};
use s3_test_support::S3_CONNECTOR;
use s3_test_support::loopback::{ScriptedServer, black_hole, xml_response};
use s3_test_support::{Session, runtime};
use serde_json::json;
use std::time::Duration;

/// The policy of an operator whose S3 server runs on this machine's loopback.
fn loopback_policy() -> Policy {
    Policy { allow_private_networks: true, ..Policy::default() }
}

fn loopback_auth(endpoint: &str) -> serde_json::Value {
    json!({"access_key_id": "AKIDLOOPBACK", "secret_access_key": "loopback-secret-never-shown", "region": "us-east-1", "endpoint": endpoint})
}

#[test]
fn component_imports_only_what_the_contract_allows() {
    let runtime = runtime();
    let imports = runtime.imports();
    let allowed_prefixes = [
        "wasi:http/outgoing-handler@",
        "wasi:http/types@",
        "wasi:io/error@",
        "wasi:io/poll@",
        "wasi:io/streams@",
        "wasi:clocks/wall-clock@",
        "wasi:clocks/monotonic-clock@",
        "wasi:random/random@",
        "wasi:random/insecure-seed@",
        "workflow:connector/types@",
        "workflow:connector/file-store@",
        "workflow:connector/invocation@",
    ];
    for import in imports {
        assert!(allowed_prefixes.iter().any(|p| import.starts_with(p)), "unexpected import {import}; all: {imports:?}");
        assert!(!import.starts_with("wasi:sockets") && !import.starts_with("wasi:filesystem"), "{import}");
        // std's C runtime imports these only to print a panic or exit; the connector defines
        // them itself (`connector/src/component/no_stdio.rs`): one import fewer per name.
        assert!(!import.starts_with("wasi:cli/"), "{import}: a wasi-libc import name no longer matches no_stdio.rs");
    }
    for required in ["wasi:http/outgoing-handler@", "workflow:connector/file-store@"] {
        assert!(imports.iter().any(|i| i.starts_with(required)), "{required} missing from {imports:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_outside_the_policy_is_refused_and_the_server_never_sees_it() {
    let server = ScriptedServer::start(vec![xml_response(
        200,
        "OK",
        "<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>",
    )])
    .await;
    let runtime = runtime();
    let policy = Policy {
        outbound: Some(vec!["https://*.amazonaws.com:443".parse::<OutboundRule>().unwrap()]),
        ..Policy::default()
    };
    let auth = loopback_auth(&server.endpoint).to_string();
    let invocation = runtime.invoke("list_buckets", &auth, "{}", &policy).await.unwrap();
    let error = invocation.result.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Denied, "{error:?}");
    assert!(!error.retryable);
    assert_eq!(invocation.denied, vec![server.endpoint.clone()]);
    assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    // The library's default policy refuses a loopback endpoint: a tenant cannot point the host
    // at its own network.
    let refused = runtime.invoke("list_buckets", &auth, "{}", &Policy::default()).await.unwrap();
    assert_eq!(refused.result.unwrap_err().kind, ErrorKind::Denied);
    assert_eq!(refused.denied, vec![server.endpoint.clone()]);
    assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    // An operator who allows private networks gets exactly the configured endpoint.
    let allowed = runtime.invoke("list_buckets", &auth, "{}", &loopback_policy()).await.unwrap();
    assert_eq!(allowed.result.unwrap(), r#"{"buckets":[],"owner":null}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_throttling_with_backoff_then_gives_a_retryable_typed_error() {
    let slow_down = xml_response(
        503,
        "Slow Down",
        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
    );
    let ok = xml_response(
        200,
        "OK",
        "<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name></Bucket></Buckets></ListAllMyBucketsResult>",
    );
    let server = ScriptedServer::start(vec![slow_down.clone(), slow_down.clone(), ok]).await;
    let runtime = runtime();
    let auth = loopback_auth(&server.endpoint).to_string();
    let recovered = runtime.invoke("list_buckets", &auth, "{}", &loopback_policy()).await.unwrap();
    assert!(recovered.result.unwrap().contains(r#""name":"b""#));
    assert_eq!(server.requests.load(std::sync::atomic::Ordering::SeqCst), 3);

    let always = ScriptedServer::start(vec![slow_down]).await;
    let auth = loopback_auth(&always.endpoint).to_string();
    let error = runtime.invoke("list_buckets", &auth, "{}", &loopback_policy()).await.unwrap().result.unwrap_err();
    assert_eq!((error.kind, error.retryable, error.http_status), (ErrorKind::Throttled, true, Some(503)));
    assert_eq!(error.request_id.as_deref(), Some("LOOPBACK503"));
    assert_eq!(always.requests.load(std::sync::atomic::Ordering::SeqCst), 3, "three attempts in all");

    let refused = loopback_auth("http://127.0.0.1:9").to_string();
    let policy = Policy { outbound: Some(vec!["http://127.0.0.1:9".parse().unwrap()]), ..loopback_policy() };
    let error = runtime.invoke("list_buckets", &refused, "{}", &policy).await.unwrap().result.unwrap_err();
    assert_eq!((error.kind, error.retryable), (ErrorKind::Unavailable, true), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_limit_stops_a_stalled_invocation_and_the_host_keeps_serving() {
    let stalled = black_hole().await;
    let runtime = runtime();
    let policy = Policy { time_limit: Duration::from_secs(2), ..loopback_policy() };
    let started = std::time::Instant::now();
    let outcome = runtime.invoke("list_buckets", &loopback_auth(&stalled).to_string(), "{}", &policy).await;
    assert!(matches!(outcome, Err(HostError::TimeLimit(_))), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let info = runtime.describe().await.expect("the host still serves after a time-out");
    assert!(info.operations.len() >= 14);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_limit_traps_the_guest_and_the_host_keeps_serving() {
    let s = Session::new();
    let bucket = s.bucket("memory").await;
    std::fs::write(s.files.join("big.txt"), "x".repeat(7 * 1024 * 1024)).unwrap();
    s.ok("put_object_file", json!({"bucket": bucket, "key": "big.txt", "file": "big.txt"})).await;
    // An embedder's tight limit: an inline body within the connector's own bound still exceeds it.
    let tight = Policy { memory_limit: 8 * 1024 * 1024, ..s.policy.clone() };
    let input = json!({"bucket": bucket, "key": "big.txt", "max_bytes": 8 * 1024 * 1024}).to_string();
    let outcome = s.runtime.invoke("get_object", &s.auth.to_string(), &input, &tight).await;
    assert!(matches!(outcome, Err(HostError::MemoryLimit(_))), "{outcome:?}");
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "big.txt"})).await;
    assert_eq!(head["content_length"], 7 * 1024 * 1024);
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_sends_nothing_and_reproduces_the_s3_documentation_signature() {
    let runtime = runtime();
    let auth = json!({"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "region": "us-east-1"});
    let policy = Policy {
        dry_run: true,
        pinned_time: Some(connector_host::clock::parse_time("20130524T000000Z").unwrap()),
        ..Policy::default()
    };
    let input = json!({"bucket": "examplebucket", "key": "test.txt", "range": "bytes=0-9"});
    let invocation = runtime.invoke("get_object", &auth.to_string(), &input.to_string(), &policy).await.unwrap();
    let request = &invocation.captured[0];
    assert_eq!(
        (request.method.as_str(), request.url.as_str()),
        ("GET", "https://examplebucket.s3.amazonaws.com/test.txt")
    );
    let authorization = request.headers.iter().find(|(k, _)| k == "authorization").map(|(_, v)| v.as_str()).unwrap();
    assert_eq!(
        authorization,
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    );
    let printed = format!("{:?}", request.redacted_headers());
    assert!(!printed.contains("wJalrXUtnFEMI"), "the secret leaked: {printed}");
    let presigned = runtime
        .invoke(
            "get_object_signed_url",
            &auth.to_string(),
            &json!({"bucket": "examplebucket", "key": "test.txt", "expires_in": 86400}).to_string(),
            &policy,
        )
        .await
        .unwrap();
    let output: serde_json::Value = serde_json::from_str(&presigned.result.unwrap()).unwrap();
    assert!(
        output["url"]
            .as_str()
            .unwrap()
            .contains("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    );
    assert_eq!(output["expires_at"], "2013-05-25T00:00:00Z");

    // Against the real server: a dry-run upload leaves nothing behind.
    let s = Session::new();
    let bucket = s.bucket("dry").await;
    let dry = Policy { dry_run: true, ..s.policy.clone() };
    let input = json!({"bucket": bucket, "key": "never.txt", "content": "no"}).to_string();
    let invocation = s.runtime.invoke("put_object_text", &s.auth.to_string(), &input, &dry).await.unwrap();
    assert_eq!(invocation.captured.len(), 1);
    assert_eq!(s.ok("list_objects", json!({"bucket": bucket})).await["objects"], json!([]));
    s.remove_bucket(&bucket).await;
}

#[test]
fn compiled_component_cache_is_reused() {
    let dir = std::env::temp_dir().join(format!("s3c-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cold = Runtime::builder().with_cache_dir(&dir).build(S3_CONNECTOR).unwrap();
    assert!(!cold.load_stats().0);
    let warm = Runtime::builder().with_cache_dir(&dir).build(S3_CONNECTOR).unwrap();
    assert!(warm.load_stats().0, "second load should come from the cache");
    std::fs::write(std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path(), b"corrupt").unwrap();
    let recovered = Runtime::builder().with_cache_dir(&dir).build(S3_CONNECTOR).unwrap();
    assert!(!recovered.load_stats().0, "a corrupt cache entry is recompiled");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_is_typed_and_secrets_never_appear_in_errors() {
    let runtime = runtime();
    let secret = "s3cr3t-value-that-must-not-leak";
    let auth =
        json!({"access_key_id": "AKID", "secret_access_key": secret, "endpoint": "http://127.0.0.1:9"}).to_string();
    let cases = [
        ("head_object", json!({"bucket": "b"}), "", "missing field `key`"),
        ("head_object", json!({"bucket": "b", "key": "k", "extra": 1}), "/extra", "unknown field `extra`"),
        ("get_object", json!({"bucket": "b", "key": "k", "range": "lots"}), "/range", "bytes=0-99"),
        ("get_object", json!({"bucket": "b", "key": "k", "format": "file"}), "/file", "needs `file`"),
        ("list_objects", json!({"bucket": "s3://b"}), "/bucket", "not a bucket name"),
        ("put_object_text", json!({"bucket": "b", "key": "k".repeat(1025), "content": ""}), "/key", "1024"),
        (
            "put_object_text",
            json!({"bucket": "b", "key": "k", "content": "", "metadata": {"bad name": "v"}}),
            "/metadata/bad name",
            "metadata name",
        ),
        ("delete_objects", json!({"bucket": "b", "objects": []}), "/objects", "minimum 1 items"),
        ("no_such_operation", json!({}), "", "known operations"),
    ];
    for (operation, input, field, message) in cases {
        let invocation = runtime.invoke(operation, &auth, &input.to_string(), &Policy::default()).await.unwrap();
        let error = invocation.result.unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{operation} {input}: {error:?}");
        if !field.is_empty() {
            assert_eq!(error.field.as_deref(), Some(field), "{operation} {input}: {error:?}");
        }
        assert!(error.message.contains(message), "{operation}: {:?} lacks {message:?}", error.message);
        assert!(!format!("{error:?}").contains(secret));
    }
    let bad_auth = runtime.invoke("list_buckets", r#"{"access_key_id":"a"}"#, "{}", &Policy::default()).await.unwrap();
    assert!(bad_auth.result.unwrap_err().message.contains("secret_access_key"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooling_allocator_serves_concurrent_invocations_and_reports_peak_memory() {
    let runtime = std::sync::Arc::new(
        Runtime::builder()
            .with_cache_dir(s3_test_support::cache_dir())
            .with_pooling(8, 64 << 20)
            .build(S3_CONNECTOR)
            .unwrap(),
    );
    let auth = loopback_auth("http://127.0.0.1:9").to_string();
    let mut tasks = Vec::new();
    for i in 0..32 {
        let runtime = runtime.clone();
        let auth = auth.clone();
        tasks.push(tokio::spawn(async move {
            // Valid for the schema, refused by the connector itself: the guest runs.
            let input = json!({"bucket": "no/slashes", "key": format!("k{i}")}).to_string();
            runtime.invoke("get_object_signed_url", &auth, &input, &Policy::default()).await
        }));
    }
    // 32 invocations on 8 slots: each is served (a slot frees as an invocation ends) or refused
    // with a typed instantiation error; none fails otherwise.
    let mut served = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(invocation) => {
                assert_eq!(invocation.result.unwrap_err().kind, ErrorKind::InvalidInput);
                assert!(invocation.peak_memory > 0 && invocation.peak_memory < 4 << 20, "{}", invocation.peak_memory);
                served += 1;
            }
            Err(error) => assert!(matches!(error, HostError::Instantiate(_)), "{error}"),
        }
    }
    assert!(served >= 8, "at least the pool's 8 slots serve; got {served}");
    let signed = runtime
        .invoke("get_object_signed_url", &auth, &json!({"bucket": "b", "key": "k"}).to_string(), &Policy::default())
        .await
        .unwrap();
    assert!(signed.result.unwrap().contains("X-Amz-Signature="));
}
