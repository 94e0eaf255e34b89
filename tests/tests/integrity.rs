//! Downloads are checked: through a proxy that flips one byte of every body, each download —
//! to a file or inline, of an object S3 states a CRC32C for and of one whose ETag is its MD5 —
//! fails with an integrity error, and no corrupt file ever becomes visible. Against the real
//! server; the proxy only corrupts. A multipart object is checked against its composite checksum.

use connector_host::ErrorKind;
use s3_test_support::files::{sha256_file, write_random_file};
use s3_test_support::loopback::CorruptingProxy;
use s3_test_support::{Session, target};
use serde_json::json;
use std::sync::Arc;

/// Downloads through the corrupting proxy (the figure: all of them caught).
const DOWNLOADS: usize = 1000;
/// Downloads in flight at once.
const CONCURRENT: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupting_path_is_caught_every_time_and_nothing_corrupt_becomes_visible() {
    let s = Arc::new(Session::new());
    let bucket = s.bucket("integrity").await;
    write_random_file(&s.files.join("src.bin"), 48 * 1024, 11);
    s.ok("put_object_file", json!({"bucket": bucket, "key": "crc.bin", "file": "src.bin"})).await;
    let mut no_checksum = s.auth.clone();
    no_checksum["checksum"] = json!("none");
    let input = json!({"bucket": bucket, "key": "md5.bin", "file": "src.bin"});
    s.call_with("put_object_file", &no_checksum, input, &s.policy).await.expect("upload without a checksum");
    let proxy = CorruptingProxy::start(target().endpoint.as_deref().expect("an endpoint")).await;
    let mut via_proxy = s.auth.clone();
    via_proxy["endpoint"] = json!(proxy.endpoint);
    let via_proxy = Arc::new(via_proxy);
    let mut tasks = tokio::task::JoinSet::new();
    let mut caught = 0;
    for i in 0..DOWNLOADS {
        if tasks.len() >= CONCURRENT {
            caught += outcome(tasks.join_next().await.unwrap().unwrap());
        }
        let (s, via_proxy, bucket) = (s.clone(), via_proxy.clone(), bucket.clone());
        tasks.spawn(async move {
            let key = if i % 2 == 0 { "crc.bin" } else { "md5.bin" };
            let to_file = i % 4 < 2;
            let name = format!("dst-{i}.bin");
            let input = if to_file {
                json!({"bucket": bucket, "key": key, "format": "file", "file": name})
            } else {
                json!({"bucket": bucket, "key": key, "format": "base64"})
            };
            let result = s.call_with("get_object", &via_proxy, input, &s.policy).await;
            let visible = s.files.join(&name).exists();
            (i, to_file, result, visible)
        });
    }
    while let Some(done) = tasks.join_next().await {
        caught += outcome(done.unwrap());
    }
    assert_eq!(caught, DOWNLOADS, "every corrupt download is caught");
    let flipped = proxy.flipped.load(std::sync::atomic::Ordering::SeqCst);
    assert!(flipped >= DOWNLOADS, "the proxy corrupted {flipped} bodies");
    // The direct path still works, and the bytes are the object's.
    for key in ["crc.bin", "md5.bin"] {
        s.ok(
            "get_object",
            json!({"bucket": bucket, "key": key, "format": "file", "file": "direct.bin", "overwrite": true}),
        )
        .await;
        assert_eq!(sha256_file(&s.files.join("direct.bin")), sha256_file(&s.files.join("src.bin")), "{key}");
    }
    s.remove_bucket(&bucket).await;
}

/// Downloads of a multipart object through the corrupting proxy (each one 5.5 MiB).
const MULTIPART_DOWNLOADS: usize = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_object_is_checked_against_its_composite_checksum() {
    let s = Arc::new(Session::new());
    let bucket = s.bucket("composite").await;
    // Small enough to come back inline as base64 too (at most 6 MiB), in two parts.
    write_random_file(&s.files.join("parts.bin"), (5 << 20) + (512 << 10), 12);
    let upload = json!({"bucket": bucket, "key": "parts.bin", "file": "parts.bin",
                        "multipart_threshold": 5 << 20, "part_size": 5 << 20});
    s.ok("put_object_file", upload).await;
    // What the server states: a composite CRC32C over 2 parts (5 + 0.5 MiB), no full-object value.
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "parts.bin"})).await;
    assert!(head["etag"].as_str().is_some_and(|etag| etag.ends_with("-2")), "{head}");
    let proxy = CorruptingProxy::start(target().endpoint.as_deref().expect("an endpoint")).await;
    let mut via_proxy = s.auth.clone();
    via_proxy["endpoint"] = json!(proxy.endpoint);
    let policy = s.policy.clone();
    for i in 0..MULTIPART_DOWNLOADS {
        let to_file = i % 2 == 0;
        let name = format!("parts-{i}.bin");
        let input = if to_file {
            json!({"bucket": bucket, "key": "parts.bin", "format": "file", "file": name})
        } else {
            json!({"bucket": bucket, "key": "parts.bin", "format": "base64", "max_bytes": 8 << 20})
        };
        let result = s.call_with("get_object", &via_proxy, input, &policy).await;
        let visible = s.files.join(&name).exists();
        let error = result.expect_err("a corrupt multipart download is caught");
        assert!(!visible, "download {i}: a corrupt file became visible");
        assert!(error.retryable && error.message.contains("composite checksum"), "download {i}: {error:?}");
    }
    // The direct path passes the same check, and the bytes are the object's.
    let direct = json!({"bucket": bucket, "key": "parts.bin", "format": "file", "file": "direct.bin"});
    s.ok("get_object", direct).await;
    assert_eq!(sha256_file(&s.files.join("direct.bin")), sha256_file(&s.files.join("parts.bin")));
    let inline = json!({"bucket": bucket, "key": "parts.bin", "format": "base64", "max_bytes": 8 << 20});
    let inline = s.call_with("get_object", &s.auth, inline, &policy).await.expect("the direct inline download");
    assert!(inline["body"].as_str().is_some_and(|b| b.len() > 7 << 20));
    s.remove_bucket(&bucket).await;
}

/// 1 when the download failed as an integrity failure and left no file, else a panic that says
/// what happened.
fn outcome(
    (i, to_file, result, visible): (usize, bool, Result<serde_json::Value, connector_host::ConnectorError>, bool),
) -> usize {
    let error = match result {
        Ok(output) => panic!("download {i} (to a file: {to_file}) of corrupt bytes succeeded: {output}"),
        Err(error) => error,
    };
    assert!(!visible, "download {i}: a corrupt file became visible");
    assert!(error.retryable, "download {i}: a corrupted transfer is worth retrying: {error:?}");
    if to_file {
        // The host refused to commit the file: its contents are not what the server stated.
        assert_eq!(error.kind, ErrorKind::Unavailable, "download {i}: {error:?}");
        assert!(error.message.contains("does not match what the server stated"), "download {i}: {}", error.message);
    } else {
        assert_eq!(error.kind, ErrorKind::Internal, "download {i}: {error:?}");
        assert!(error.message.starts_with("integrity check failed"), "download {i}: {}", error.message);
    }
    1
}
