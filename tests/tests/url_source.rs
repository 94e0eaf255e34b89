//! Put Object File from a URL: a presigned GET on the real server copied in every checksum mode,
//! in parts (ranged, ETag-pinned) and whole; a source without range support; and the typed
//! errors for URLs the policy denies, that are missing, or malformed.

use connector_host::ErrorKind;
use connector_host::policy::{OutboundRule, Policy};
use s3_test_support::Session;
use s3_test_support::files::{sha256_file, write_random_file};
use s3_test_support::loopback::{ScriptedServer, TokenFileServer};
use serde_json::{Value, json};

const MIB: u64 = 1024 * 1024;

async fn presigned_get(s: &Session, bucket: &str, key: &str) -> String {
    let signed = s.ok("get_object_signed_url", json!({"bucket": bucket, "key": key, "expires_in": 900})).await;
    signed["url"].as_str().expect("a URL").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presigned_url_is_copied_byte_for_byte_in_every_checksum_mode() {
    let s = Session::new();
    let bucket = s.bucket("from-url").await;
    let size = 11 * MIB + 777;
    write_random_file(&s.files.join("src.bin"), size, 21);
    let digest = sha256_file(&s.files.join("src.bin"));
    let source =
        json!({"bucket": bucket, "key": "source data.bin", "file": "src.bin", "content_type": "application/x-test"});
    s.ok("put_object_file", source).await;
    let url = presigned_get(&s, &bucket, "source data.bin").await;
    for mode in ["crc32c", "md5", "sha256", "crc32", "none"] {
        let mut auth = s.auth.clone();
        auth["checksum"] = json!(mode);
        for (label, extra, parts) in
            [("parts", json!({"multipart_threshold": 0, "part_size": 5 * MIB}), 3), ("whole", json!({}), 1)]
        {
            let key = format!("{mode}/{label}.bin");
            let mut input = json!({"bucket": bucket, "key": key, "url": url});
            input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            let put = s
                .call_with("put_object_file", &auth, input, &s.policy)
                .await
                .unwrap_or_else(|e| panic!("{mode} {label}: {e:?}"));
            assert_eq!((put["size"].as_u64(), put["parts"].as_u64()), (Some(size), Some(parts)), "{mode} {label}");
            let out = format!("{mode}-{label}.out");
            s.ok("get_object", json!({"bucket": bucket, "key": key, "format": "file", "file": out})).await;
            assert_eq!(sha256_file(&s.files.join(&out)), digest, "{mode} {label}");
        }
    }
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "crc32c/whole.bin"})).await;
    assert_eq!(head["content_type"], "application/x-test", "the source's content type is kept");
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<Value>::new());
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_without_range_support_goes_up_in_one_request() {
    let s = Session::new();
    let bucket = s.bucket("no-ranges").await;
    let body = "a,b\n1,2\n".repeat(4096);
    let answer = format!("HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: {}\r\n\r\n{body}", body.len());
    let server = ScriptedServer::start(vec![answer]).await;
    // What the connector declares for this auth (the target's endpoint), plus the scripted source.
    let mut rules = s.runtime.declared_outbound().await.unwrap().rules_for(&s.auth.to_string()).unwrap();
    rules.push(server.endpoint.parse::<OutboundRule>().unwrap());
    let policy = Policy { outbound: Some(rules), ..s.policy.clone() };
    let input = json!({"bucket": bucket, "key": "table.csv", "url": format!("{}/exports/table.csv?token=x", server.endpoint), "multipart_threshold": 0});
    let put = s.call_with("put_object_file", &s.auth, input, &policy).await.expect("upload from a plain server");
    assert_eq!((put["size"].as_u64(), put["parts"].as_u64()), (Some(body.len() as u64), Some(1)));
    let got = s.ok("get_object", json!({"bucket": bucket, "key": "table.csv"})).await;
    assert!(got["body"].as_str() == Some(body.as_str()), "the stored object differs from the source");
    assert_eq!(got["content_type"], "text/csv");
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_source_urls_fail_with_typed_errors() {
    let s = Session::new();
    let bucket = s.bucket("bad-urls").await;
    let cases = [
        ("http://127.0.0.1:9/x.bin?X-Amz-Signature=secret".to_string(), ErrorKind::Denied),
        ("ftp://example.com/x".to_string(), ErrorKind::InvalidInput),
        (presigned_get(&s, &bucket, "missing.bin").await, ErrorKind::NotFound),
    ];
    for (url, kind) in cases {
        let error = s.call("put_object_file", json!({"bucket": bucket, "key": "k", "url": url})).await.unwrap_err();
        assert_eq!(error.kind, kind, "{error:?}");
        assert_eq!(error.field.as_deref(), Some("/url"), "{error:?}");
        assert!(!error.message.contains("secret") && !error.message.contains("X-Amz-Signature"), "{}", error.message);
    }
    let both =
        s.call("put_object_file", json!({"bucket": bucket, "key": "k", "url": "https://h/x", "file": "f"})).await;
    assert_eq!(both.unwrap_err().field.as_deref(), Some("/url"));
    let neither = s.call("put_object_file", json!({"bucket": bucket, "key": "k"})).await;
    assert_eq!(neither.unwrap_err().field.as_deref(), Some("/file"));
    let listing = s.ok("list_objects", json!({"bucket": bucket})).await;
    assert_eq!(listing["objects"], json!([]), "nothing was written");
    s.remove_bucket(&bucket).await;
}

/// A file behind a bearer token (an API's download, like Salesforce's `VersionData`): the token
/// goes with the probe and every piece, in parts too, and never shows in an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_behind_a_bearer_token_is_fetched_with_it() {
    let s = Session::new();
    let bucket = s.bucket("bearer").await;
    let body: Vec<u8> = (0..12 * 1024 * 1024).map(|i| (i % 253) as u8).collect();
    let server = TokenFileServer::start(body.clone(), "secret-org-token").await;
    let mut rules = s.runtime.declared_outbound().await.unwrap().rules_for(&s.auth.to_string()).unwrap();
    rules.push(server.endpoint.parse::<OutboundRule>().unwrap());
    let policy = Policy { outbound: Some(rules), ..s.policy.clone() };
    let url = format!("{}/services/data/v60.0/sobjects/ContentVersion/068xx/VersionData", server.endpoint);
    let input = json!({"bucket": bucket, "key": "backups/068xx/contract.pdf", "url": url, "multipart_threshold": 0,
                       "part_size": 5 * 1024 * 1024, "url_headers": {"Authorization": "Bearer secret-org-token"}});
    let put = s.call_with("put_object_file", &s.auth, input.clone(), &policy).await.expect("the token is sent");
    assert_eq!((put["size"].as_u64(), put["parts"].as_u64()), (Some(body.len() as u64), Some(3)));
    assert_eq!(server.refused.load(std::sync::atomic::Ordering::SeqCst), 0);
    s.ok(
        "get_object",
        json!({"bucket": bucket, "key": "backups/068xx/contract.pdf", "format": "file", "file": "back.pdf"}),
    )
    .await;
    assert_eq!(std::fs::read(s.files.join("back.pdf")).unwrap(), body);

    let mut wrong = input;
    wrong["url_headers"] = json!({"Authorization": "Bearer wrong-token"});
    let error = s.call_with("put_object_file", &s.auth, wrong, &policy).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Forbidden, "{error:?}");
    assert!(!error.message.contains("wrong-token") && !format!("{error:?}").contains("wrong-token"));
    s.remove_bucket(&bucket).await;
}

/// Get Object as a file reference — name, presigned URL, MIME type, size, expiry — that a later
/// step reads from, and Put Object File taking that reference as its source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_reference_is_a_link_another_step_can_copy_from() {
    let s = Session::new();
    let bucket = s.bucket("reference").await;
    write_random_file(&s.files.join("report.pdf"), 3 * 1024 * 1024 + 7, 3);
    s.ok("put_object_file", json!({"bucket": bucket, "key": "in/report.pdf", "file": "report.pdf"})).await;
    let got = s
        .ok("get_object", json!({"bucket": bucket, "key": "in/report.pdf", "format": "reference", "expires_in": 600}))
        .await;
    let reference = &got["reference"];
    assert_eq!(reference["name"], "report.pdf");
    assert_eq!(reference["mime_type"], "application/pdf");
    assert_eq!(reference["size"], 3 * 1024 * 1024 + 7);
    assert!(reference["expires"].as_str().unwrap().ends_with('Z'));
    assert_eq!(got["body"], Value::Null);
    let (status, bytes) = s3_test_support::plain_http("GET", reference["url"].as_str().unwrap(), &[], Vec::new()).await;
    assert_eq!((status, bytes.len()), (200, 3 * 1024 * 1024 + 7));

    let put = s.ok("put_object_file", json!({"bucket": bucket, "key": "out/copy.pdf", "reference": reference})).await;
    assert_eq!(put["size"], reference["size"]);
    s.ok("get_object", json!({"bucket": bucket, "key": "out/copy.pdf", "format": "file", "file": "copy.pdf"})).await;
    assert_eq!(sha256_file(&s.files.join("copy.pdf")), sha256_file(&s.files.join("report.pdf")));
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "out/copy.pdf"})).await;
    assert_eq!(head["content_type"], "application/pdf");

    let mut stale = reference.clone();
    stale["size"] = json!(5);
    let error = s
        .call("put_object_file", json!({"bucket": bucket, "key": "out/stale.pdf", "reference": stale}))
        .await
        .unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::PreconditionFailed, Some("/reference/size")));
    let error = s
        .call(
            "get_object",
            json!({"bucket": bucket, "key": "in/report.pdf", "format": "reference", "range": "bytes=0-1"}),
        )
        .await
        .unwrap_err();
    assert_eq!(error.field.as_deref(), Some("/range"));
    s.remove_bucket(&bucket).await;
}
