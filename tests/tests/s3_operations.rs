//! Every operation through the component and the host, against a real S3 server: the local
//! Garage, or MinIO/AWS when `S3_TEST_ENDPOINT` is set.

use connector_host::ErrorKind;
use s3_test_support::files::{lower_hex, sha256_file, write_random_file};
use s3_test_support::{Feature, Session, plain_http, plain_http_with_headers, target};
use serde_json::{Value, json};
use sha2::Digest;

/// Keys with the characters that break naive signers. (A key with a leading `/` is sent as
/// `/bucket//key`, but Garage stores it without the slash, so it is tested only elsewhere.)
const AWKWARD_KEYS: &[&str] = &[
    "with space.txt",
    "plus+equals=colon:.txt",
    "parens(1)&dollar$at@comma,semi;question?.txt",
    "percent%20literal%.txt",
    "ünïcödé/日本語/emoji-🎉.txt",
    "double//slash//key",
    "dots/../and/./segments",
    "tilde~star*quote'bang!.txt",
];

/// The error kind's name (`NotFound`), for compact assertions.
fn kind(e: &connector_host::ConnectorError) -> ErrorKind {
    e.kind
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_lifecycle_and_location() {
    let s = Session::new();
    let bucket = s.bucket("life").await;
    let buckets = s.ok("list_buckets", json!({})).await;
    assert!(buckets["buckets"].as_array().unwrap().iter().any(|b| b["name"] == bucket.as_str()), "{buckets}");
    let location = s.ok("get_bucket_location", json!({"bucket": bucket})).await;
    // Garage names its configured region; S3 and moto the one the bucket was made in.
    assert_eq!(location["region"], target().region.as_str());
    s.ok("put_object_text", json!({"bucket": bucket, "key": "k", "content": "x"})).await;
    let not_empty = s.call("delete_bucket", json!({"bucket": bucket})).await.unwrap_err();
    assert_eq!(kind(&not_empty), ErrorKind::Conflict, "{not_empty:?}");
    assert_eq!(not_empty.service_code.as_deref(), Some("BucketNotEmpty"));
    s.remove_bucket(&bucket).await;
    let gone = s.call("list_objects", json!({"bucket": bucket})).await.unwrap_err();
    assert_eq!(kind(&gone), ErrorKind::NotFound);
    assert_eq!(gone.service_code.as_deref(), Some("NoSuchBucket"));
    let bad_name = s.call("create_bucket", json!({"bucket": "Bad_Name"})).await.unwrap_err();
    assert_eq!((kind(&bad_name), bad_name.field.as_deref()), (ErrorKind::InvalidInput, Some("/bucket")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_round_trip_with_metadata_and_formats() {
    let s = Session::new();
    let bucket = s.bucket("text").await;
    let content = "name,qty\nwidget,3\n\"gadget, large\",7\n";
    let put = s
        .ok(
            "put_object_text",
            json!({
                "bucket": bucket, "key": "data/items.csv", "content": content, "content_type": "text/csv",
                "metadata": {"Owner": "ann", "batch": "42"}, "cache_control": "max-age=60",
                "content_disposition": "attachment; filename=\"items.csv\"", "storage_class": "STANDARD"
            }),
        )
        .await;
    assert_eq!(put["size"], content.len());
    let expected_md5 = lower_hex(&md5::Md5::digest(content.as_bytes()));
    assert_eq!(put["etag"], expected_md5.as_str());
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "data/items.csv"})).await;
    assert_eq!(head["content_length"], content.len());
    assert_eq!(head["content_type"], "text/csv");
    assert_eq!(head["metadata"], json!({"owner": "ann", "batch": "42"}));
    assert_eq!(head["cache_control"], "max-age=60");
    assert_eq!(head["content_disposition"], "attachment; filename=\"items.csv\"");
    assert_eq!(head["etag"], expected_md5.as_str());
    let text = s.ok("get_object", json!({"bucket": bucket, "key": "data/items.csv"})).await;
    assert_eq!(text["body"], content);
    assert_eq!(text["metadata"]["owner"], "ann");
    let rows = s.ok("get_object", json!({"bucket": bucket, "key": "data/items.csv", "format": "csv"})).await;
    assert_eq!(rows["body"], json!([{"name": "widget", "qty": "3"}, {"name": "gadget, large", "qty": "7"}]));
    let b64 = s.ok("get_object", json!({"bucket": bucket, "key": "data/items.csv", "format": "base64"})).await;
    assert_eq!(b64["body"], "bmFtZSxxdHkKd2lkZ2V0LDMKImdhZGdldCwgbGFyZ2UiLDcK");
    s.ok("put_object_text", json!({"bucket": bucket, "key": "doc.json", "content": "{\"a\": [1, 2, {\"b\": null}]}", "content_type": "application/json"})).await;
    let parsed = s.ok("get_object", json!({"bucket": bucket, "key": "doc.json", "format": "json"})).await;
    assert_eq!(parsed["body"], json!({"a": [1, 2, {"b": null}]}));
    let not_json =
        s.call("get_object", json!({"bucket": bucket, "key": "data/items.csv", "format": "json"})).await.unwrap_err();
    assert_eq!((kind(&not_json), not_json.field.as_deref()), (ErrorKind::InvalidInput, Some("/format")));
    let ranged = s.ok("get_object", json!({"bucket": bucket, "key": "data/items.csv", "range": "bytes=0-3"})).await;
    assert_eq!(ranged["body"], "name");
    assert_eq!(ranged["content_range"], format!("bytes 0-3/{}", content.len()));
    let tail = s.ok("get_object", json!({"bucket": bucket, "key": "data/items.csv", "range": "-3"})).await;
    assert_eq!(tail["body"], ",7\n");
    let missing = s.call("get_object", json!({"bucket": bucket, "key": "nope"})).await.unwrap_err();
    assert_eq!(
        (kind(&missing), missing.service_code.as_deref(), missing.http_status),
        (ErrorKind::NotFound, Some("NoSuchKey"), Some(404))
    );
    let missing_head = s.call("head_object", json!({"bucket": bucket, "key": "nope"})).await.unwrap_err();
    assert_eq!(kind(&missing_head), ErrorKind::NotFound);
    // Binary content as base64 is stored as its bytes.
    let binary = json!({"bucket": bucket, "key": "data/blob.bin", "content_base64": "AAECA/7/"});
    assert_eq!(s.ok("put_object_text", binary).await["size"], 6);
    let read = s.ok("get_object", json!({"bucket": bucket, "key": "data/blob.bin", "format": "base64"})).await;
    assert_eq!(
        (read["body"].as_str(), read["content_type"].as_str()),
        (Some("AAECA/7/"), Some("application/octet-stream"))
    );
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_keys_round_trip_through_every_object_operation() {
    let s = Session::new();
    let bucket = s.bucket("keys").await;
    let mut keys: Vec<&str> = AWKWARD_KEYS.to_vec();
    if target().kind.supports(Feature::LeadingSlashKeys) {
        keys.push("/leading-slash");
    }
    for (i, key) in keys.iter().enumerate() {
        let content = format!("content of {key} #{i}");
        s.ok("put_object_text", json!({"bucket": bucket, "key": key, "content": content})).await;
        let got = s.ok("get_object", json!({"bucket": bucket, "key": key})).await;
        assert_eq!(got["body"], content.as_str(), "{key}");
        let head = s.ok("head_object", json!({"bucket": bucket, "key": key})).await;
        assert_eq!(head["content_length"], content.len(), "{key}");
        let copy_key = format!("copies/{key}");
        s.ok("copy_object", json!({"source_bucket": bucket, "source_key": key, "bucket": bucket, "key": copy_key}))
            .await;
        assert_eq!(
            s.ok("get_object", json!({"bucket": bucket, "key": copy_key})).await["body"],
            content.as_str(),
            "copy of {key}"
        );
        let url = s.ok("get_object_signed_url", json!({"bucket": bucket, "key": key, "expires_in": 300})).await;
        if target().kind.supports(Feature::PresignedUrls) {
            let (status, body) = plain_http("GET", url["url"].as_str().unwrap(), &[], Vec::new()).await;
            assert_eq!(
                (status, String::from_utf8_lossy(&body).into_owned()),
                (200, content.clone()),
                "presigned {key}"
            );
        }
    }
    let listing = s.ok("list_objects", json!({"bucket": bucket, "fetch_all": true})).await;
    let mut listed: Vec<String> =
        listing["objects"].as_array().unwrap().iter().map(|o| o["key"].as_str().unwrap().to_string()).collect();
    listed.sort();
    let mut expected: Vec<String> = keys.iter().flat_map(|k| [k.to_string(), format!("copies/{k}")]).collect();
    expected.sort();
    assert_eq!(listed, expected);
    for key in &keys {
        s.ok("delete_object", json!({"bucket": bucket, "key": key})).await;
        let gone = s.call("head_object", json!({"bucket": bucket, "key": key})).await.unwrap_err();
        assert_eq!(kind(&gone), ErrorKind::NotFound, "{key}");
    }
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_pages_folders_and_batch_delete_beyond_1000_keys() {
    let s = Session::new();
    let bucket = s.bucket("list").await;
    let total = 1105;
    for i in 0..total {
        let key = if i < 5 { format!("top-{i}.txt") } else { format!("logs/{:02}/entry-{i:04}.log", i % 7) };
        s.ok("put_object_text", json!({"bucket": bucket, "key": key, "content": i.to_string()})).await;
    }
    let all = s.ok("list_objects", json!({"bucket": bucket, "fetch_all": true})).await;
    assert_eq!(all["objects"].as_array().unwrap().len(), total);
    assert_eq!(all["is_truncated"], false);
    let first = s.ok("list_objects", json!({"bucket": bucket})).await;
    assert_eq!(first["objects"].as_array().unwrap().len(), 1000);
    assert_eq!(first["is_truncated"], true);
    let token = first["next_continuation_token"].as_str().unwrap();
    let second = s.ok("list_objects", json!({"bucket": bucket, "continuation_token": token})).await;
    assert_eq!(second["objects"].as_array().unwrap().len(), total - 1000);
    assert_eq!(second["is_truncated"], false);
    let mut paged = 0;
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut input = json!({"bucket": bucket, "max_keys": 250});
        if let Some(t) = &token {
            input["continuation_token"] = json!(t);
        }
        let page = s.ok("list_objects", input).await;
        paged += page["objects"].as_array().unwrap().len();
        pages += 1;
        token = page["next_continuation_token"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!((paged, pages), (total, 5));
    let folders = s.ok("list_objects", json!({"bucket": bucket, "delimiter": "/"})).await;
    assert_eq!(folders["folders"], json!(["logs/"]));
    assert_eq!(folders["objects"].as_array().unwrap().len(), 5);
    let sub = s.ok("list_objects", json!({"bucket": bucket, "prefix": "logs/", "delimiter": "/"})).await;
    assert_eq!(sub["folders"].as_array().unwrap().len(), 7);
    let in_folder = s.ok("list_objects", json!({"bucket": bucket, "prefix": "logs/03/", "fetch_all": true})).await;
    assert_eq!(in_folder["objects"].as_array().unwrap().len(), (5..total).filter(|i| i % 7 == 3).count());
    let after = s.ok("list_objects", json!({"bucket": bucket, "start_after": "top-2.txt"})).await;
    let keys: Vec<&str> = after["objects"].as_array().unwrap().iter().map(|o| o["key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec!["top-3.txt", "top-4.txt"]);
    let bad = s.call("list_objects", json!({"bucket": bucket, "max_keys": 5000})).await.unwrap_err();
    assert_eq!(bad.field.as_deref(), Some("/max_keys"));
    // A folder: listed by a dry run, then deleted, 1000 per request, nothing else touched.
    let in_logs = (5..total).count();
    let dry = s.ok("delete_prefix", json!({"bucket": bucket, "prefix": "logs/", "dry_run": true})).await;
    assert_eq!((dry["count"].as_u64(), dry["keys"].as_array().unwrap().len()), (Some(in_logs as u64), in_logs));
    assert_eq!(
        s.ok("list_objects", json!({"bucket": bucket, "fetch_all": true})).await["objects"].as_array().unwrap().len(),
        total
    );
    let gone = s.ok("delete_prefix", json!({"bucket": bucket, "prefix": "logs/"})).await;
    assert_eq!((gone["deleted"].as_array().unwrap().len(), gone["errors"].clone()), (in_logs, json!([])));
    let left = s.ok("list_objects", json!({"bucket": bucket, "fetch_all": true})).await;
    assert_eq!(left["objects"].as_array().unwrap().len(), 5, "only the top-level objects remain");
    let everything = s.call("delete_prefix", json!({"bucket": bucket, "prefix": ""})).await.unwrap_err();
    assert_eq!(everything.field.as_deref(), Some("/prefix"));
    // Any number of keys, sent 1000 at a time, with per-key results.
    let keys: Vec<Value> = all["objects"].as_array().unwrap().iter().map(|o| o["key"].clone()).collect();
    let result = s.ok("delete_objects", json!({"bucket": bucket, "objects": keys})).await;
    assert_eq!(result["deleted"].as_array().unwrap().len(), total, "S3 reports deleting absent keys too");
    assert_eq!(result["errors"], json!([]));
    assert_eq!(s.ok("list_objects", json!({"bucket": bucket})).await["objects"], json!([]));
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_urls_work_and_fail_once_expired_or_tampered() {
    if !target().kind.supports(Feature::PresignedUrls) {
        return; // moto with IAM answers presigned URLs with a 500; moto_features.rs covers them.
    }
    let s = Session::new();
    let bucket = s.bucket("presign").await;
    s.ok("put_object_text", json!({"bucket": bucket, "key": "greeting.txt", "content": "hello, presigned world"}))
        .await;
    let signed = s.ok("get_object_signed_url", json!({"bucket": bucket, "key": "greeting.txt", "expires_in": 2})).await;
    let url = signed["url"].as_str().unwrap().to_string();
    let (status, body) = plain_http("GET", &url, &[], Vec::new()).await;
    assert_eq!((status, body.as_slice()), (200, b"hello, presigned world".as_slice()));
    // The product's shapes: `expires_seconds`, response overrides in the link, a range by its ends
    // (apart: Garage applies overrides to whole-object answers only).
    let overridden = json!({"bucket": bucket, "key": "greeting.txt", "expires_seconds": 60,
                            "response_content_disposition": "attachment; filename=\"hi.txt\"", "response_content_type": "text/x-greeting"});
    let signed = s.ok("get_object_signed_url", overridden).await;
    let (status, answered, _) = plain_http_with_headers("GET", signed["url"].as_str().unwrap(), &[], Vec::new()).await;
    let header = |name: &str| answered.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    assert_eq!(status, 200);
    assert_eq!(header("content-disposition").as_deref(), Some("attachment; filename=\"hi.txt\""));
    assert_eq!(header("content-type").as_deref(), Some("text/x-greeting"));
    let ranged = json!({"bucket": bucket, "key": "greeting.txt", "range_from": 0, "range_to": 4});
    let signed = s.ok("get_object_signed_url", ranged).await;
    let range = signed["headers"]["range"].as_str().unwrap();
    let (status, body) = plain_http("GET", signed["url"].as_str().unwrap(), &[("range", range)], Vec::new()).await;
    assert_eq!((status, body.as_slice()), (206, b"hello".as_slice()));
    let signature_at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let mut tampered = url.clone();
    let flipped = if &url[signature_at..signature_at + 1] == "a" { "b" } else { "a" };
    tampered.replace_range(signature_at..signature_at + 1, flipped);
    assert_eq!(plain_http("GET", &tampered, &[], Vec::new()).await.0, 403);
    let other_key = url.replace("greeting.txt", "other.txt");
    assert_eq!(plain_http("GET", &other_key, &[], Vec::new()).await.0, 403);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let expired = plain_http("GET", &url, &[], Vec::new()).await.0;
    assert!((400..500).contains(&expired), "an expired URL answered {expired}");

    let ranged =
        s.ok("get_object_signed_url", json!({"bucket": bucket, "key": "greeting.txt", "range": "bytes=0-4"})).await;
    assert_eq!(ranged["headers"], json!({"range": "bytes=0-4"}));
    let (status, body) =
        plain_http("GET", ranged["url"].as_str().unwrap(), &[("range", "bytes=0-4")], Vec::new()).await;
    assert_eq!((status, body.as_slice()), (206, b"hello".as_slice()));

    let put = s
        .ok(
            "get_object_signed_url",
            json!({"bucket": bucket, "key": "uploaded.txt", "method": "PUT", "content_type": "text/plain"}),
        )
        .await;
    let (status, _) = plain_http(
        "PUT",
        put["url"].as_str().unwrap(),
        &[("content-type", "text/plain")],
        b"via presigned PUT".to_vec(),
    )
    .await;
    assert_eq!(status, 200);
    let got = s.ok("get_object", json!({"bucket": bucket, "key": "uploaded.txt"})).await;
    assert_eq!((got["body"].as_str(), got["content_type"].as_str()), (Some("via presigned PUT"), Some("text/plain")));

    for (expires, field) in [(0, "/expires_in"), (604_801, "/expires_in")] {
        let err = s
            .call("get_object_signed_url", json!({"bucket": bucket, "key": "k", "expires_in": expires}))
            .await
            .unwrap_err();
        assert_eq!((kind(&err), err.field.as_deref()), (ErrorKind::InvalidInput, Some(field)));
    }
    s.ok("get_object_signed_url", json!({"bucket": bucket, "key": "k", "expires_in": 604_800})).await;
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_and_region_errors_are_typed() {
    let s = Session::new();
    let bucket = s.bucket("auth").await;
    s.ok("put_object_text", json!({"bucket": bucket, "key": "k", "content": "v"})).await;
    let mut bad_secret = s.auth.clone();
    bad_secret["secret_access_key"] = json!("0000000000000000000000000000000000000000000000000000000000000000");
    let err = s.call_with("list_buckets", &bad_secret, json!({}), &s.policy).await.unwrap_err();
    assert_eq!(kind(&err), ErrorKind::Unauthorized, "{err:?}");
    assert!(!err.message.contains("0000000000000000"), "the secret leaked into {err:?}");
    let mut unknown_key = s.auth.clone();
    unknown_key["access_key_id"] = json!("GK000000000000000000000000");
    let err =
        s.call_with("get_object", &unknown_key, json!({"bucket": bucket, "key": "k"}), &s.policy).await.unwrap_err();
    assert!(matches!(kind(&err), ErrorKind::Unauthorized | ErrorKind::Forbidden), "{err:?}");
    for region in ["us-west-2", "auto"] {
        let mut wrong = s.auth.clone();
        wrong["region"] = json!(region);
        let got = s.call_with("get_object", &wrong, json!({"bucket": bucket, "key": "k"}), &s.policy).await;
        assert_eq!(got.unwrap()["body"], "v", "region {region} was not discovered");
        let head = s.call_with("head_object", &wrong, json!({"bucket": bucket, "key": "k"}), &s.policy).await;
        assert_eq!(head.unwrap()["content_length"], 1, "HEAD with region {region}");
    }
    // Presigning sends no request for a named region, so only "auto" discovers it first.
    let mut auto = s.auth.clone();
    auto["region"] = json!("auto");
    let url =
        s.call_with("get_object_signed_url", &auto, json!({"bucket": bucket, "key": "k"}), &s.policy).await.unwrap();
    if target().kind.supports(Feature::PresignedUrls) {
        assert_eq!(plain_http("GET", url["url"].as_str().unwrap(), &[], Vec::new()).await.0, 200);
    }
    let mut invalid = s.auth.clone();
    invalid["region"] = json!("not a region");
    let err = s.call_with("list_buckets", &invalid, json!({}), &s.policy).await.unwrap_err();
    assert_eq!((kind(&err), err.field.as_deref()), (ErrorKind::InvalidInput, Some("/region")));
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_copy_and_put_options() {
    let s = Session::new();
    let bucket = s.bucket("acl").await;
    s.ok("put_object_text", json!({"bucket": bucket, "key": "src.txt", "content": "source", "metadata": {"a": "1"}, "content_type": "text/plain"})).await;
    let acl = s.call("put_object_acl", json!({"bucket": bucket, "key": "src.txt", "acl": "public-read"})).await;
    let grants = s
        .call("put_object_acl", json!({"bucket": bucket, "key": "src.txt", "grants": [{"permission": "READ", "grantee_type": "group", "grantee": "AllUsers"}]}))
        .await;
    if target().kind.supports(Feature::Acls) {
        // Read back with an independent client in tests/moto_features.rs.
        assert_eq!(acl.expect("a canned ACL")["key"], "src.txt");
        assert_eq!(grants.expect("explicit grants")["key"], "src.txt");
    } else {
        for result in [acl, grants] {
            let err = result.unwrap_err();
            assert_eq!(
                (kind(&err), err.http_status, err.retryable),
                (ErrorKind::Unsupported, Some(501), false),
                "{err:?}"
            );
        }
    }
    let neither = s.call("put_object_acl", json!({"bucket": bucket, "key": "src.txt"})).await.unwrap_err();
    assert_eq!(neither.field.as_deref(), Some("/acl"));
    let copied = s
        .ok(
            "copy_object",
            json!({"source_bucket": bucket, "source_key": "src.txt", "bucket": bucket, "key": "kept.txt"}),
        )
        .await;
    assert!(!copied["etag"].as_str().unwrap().is_empty());
    let kept = s.ok("head_object", json!({"bucket": bucket, "key": "kept.txt"})).await;
    assert_eq!((kept["metadata"].clone(), kept["content_type"].clone()), (json!({"a": "1"}), json!("text/plain")));
    s.ok(
        "copy_object",
        json!({"source_bucket": bucket, "source_key": "src.txt", "bucket": bucket, "key": "replaced.txt", "metadata_directive": "REPLACE", "metadata": {"b": "2"}, "content_type": "text/markdown"}),
    )
    .await;
    let replaced = s.ok("head_object", json!({"bucket": bucket, "key": "replaced.txt"})).await;
    assert_eq!(
        (replaced["metadata"].clone(), replaced["content_type"].clone()),
        (json!({"b": "2"}), json!("text/markdown"))
    );
    let conflicting = s.call("copy_object", json!({"source_bucket": bucket, "source_key": "src.txt", "bucket": bucket, "key": "x", "metadata": {"b": "2"}})).await.unwrap_err();
    assert_eq!(conflicting.field.as_deref(), Some("/metadata_directive"));
    let missing = s
        .call("copy_object", json!({"source_bucket": bucket, "source_key": "absent", "bucket": bucket, "key": "x"}))
        .await
        .unwrap_err();
    assert_eq!(kind(&missing), ErrorKind::NotFound);
    let sse = s
        .call("put_object_text", json!({"bucket": bucket, "key": "enc", "content": "x", "kms_key_id": "k"}))
        .await
        .unwrap_err();
    assert_eq!(sse.field.as_deref(), Some("/kms_key_id"));
    let tagged = s
        .call(
            "put_object_text",
            json!({"bucket": bucket, "key": "tagged.txt", "content": "t", "tags": {"team": "data + ml"}}),
        )
        .await;
    // Garage, MinIO and AWS accept tags on upload (reading them back needs GetObjectTagging).
    assert_eq!(tagged.expect("tags on upload")["key"], "tagged.txt");
    let bad_tag = s
        .call("put_object_text", json!({"bucket": bucket, "key": "t2", "content": "t", "tags": {"team": "a & b"}}))
        .await;
    assert_eq!(bad_tag.unwrap_err().field.as_deref(), Some("/tags/team"), "S3's tag rules are checked before sending");
    let unknown = s
        .call("put_object_text", json!({"bucket": bucket, "key": "k", "content": "x", "contnet_type": "text/plain"}))
        .await
        .unwrap_err();
    assert_eq!(unknown.field.as_deref(), Some("/contnet_type"));
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_hundreds_of_mib_stream_both_ways() {
    let s = Session::new();
    let bucket = s.bucket("files").await;
    let size: u64 = 300 * 1024 * 1024;
    let source = s.files.join("big.bin");
    write_random_file(&source, size, 0x2545F4914F6CDD1D);
    let put = s.ok("put_object_file", json!({"bucket": bucket, "key": "big.bin", "file": "big.bin"})).await;
    assert_eq!(put["size"], size);
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "big.bin"})).await;
    assert_eq!(
        (head["content_length"].clone(), head["content_type"].clone()),
        (json!(size), json!("application/octet-stream"))
    );
    let got =
        s.ok("get_object", json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "out/copy.bin"})).await;
    assert_eq!(got["file"], json!({"name": "out/copy.bin", "size": size, "resumed_from": 0}));
    assert_eq!(sha256_file(&s.files.join("out/copy.bin")), sha256_file(&source));
    let exists = s
        .call("get_object", json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "out/copy.bin"}))
        .await
        .unwrap_err();
    assert_eq!(kind(&exists), ErrorKind::Conflict);
    let ranged = s.ok("get_object", json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "part.bin", "range": "bytes=1048576-2097151"})).await;
    assert_eq!(ranged["file"]["size"], 1 << 20);
    let missing = s
        .call("get_object", json!({"bucket": bucket, "key": "absent", "format": "file", "file": "absent.bin"}))
        .await
        .unwrap_err();
    assert_eq!(kind(&missing), ErrorKind::NotFound);
    let leftovers: Vec<String> =
        std::fs::read_dir(&s.files).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!leftovers.iter().any(|n| n.contains("absent") || n.contains("partial")), "{leftovers:?}");
    let too_big =
        s.call("get_object", json!({"bucket": bucket, "key": "big.bin", "max_bytes": 1024})).await.unwrap_err();
    assert_eq!((kind(&too_big), too_big.field.as_deref()), (ErrorKind::TooLarge, Some("/max_bytes")));
    let no_file = s
        .call("put_object_file", json!({"bucket": bucket, "key": "x", "file": "does-not-exist.bin"}))
        .await
        .unwrap_err();
    assert_eq!((kind(&no_file), no_file.field.as_deref()), (ErrorKind::NotFound, Some("/file")));
    let escape =
        s.call("put_object_file", json!({"bucket": bucket, "key": "x", "file": "../../etc/passwd"})).await.unwrap_err();
    assert_eq!(kind(&escape), ErrorKind::InvalidInput);
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_bucket_says_whether_a_bucket_exists_and_where() {
    let s = Session::new();
    let bucket = s.bucket("head").await;
    let found = s.ok("head_bucket", json!({"bucket": bucket})).await;
    assert_eq!(found["exists"], true);
    assert_eq!(found["region"], target().region.as_str(), "{found}");
    let missing = s.ok("head_bucket", json!({"bucket": format!("{bucket}-absent")})).await;
    assert_eq!((missing["exists"].as_bool(), missing["region"].is_null()), (Some(false), true));
    let bad = s.call("head_bucket", json!({"bucket": "s3://bucket"})).await.unwrap_err();
    assert_eq!((bad.kind, bad.field.as_deref()), (ErrorKind::InvalidInput, Some("/bucket")));
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_keys_encrypt_uploads_and_are_needed_to_read_them() {
    if !target().kind.supports(Feature::CustomerKeys) {
        return; // Garage (the default server) enforces them.
    }
    let s = Session::new();
    let bucket = s.bucket("ssec").await;
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // bytes 0..32
    let other = "HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=";
    s.ok(
        "put_object_text",
        json!({"bucket": bucket, "key": "secret.txt", "content": "for your eyes only", "sse_customer_key": key}),
    )
    .await;
    let read = s.ok("get_object", json!({"bucket": bucket, "key": "secret.txt", "sse_customer_key": key})).await;
    assert_eq!(read["body"], "for your eyes only");
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "secret.txt", "sse_customer_key": key})).await;
    assert_eq!(head["content_length"], 18);
    let without = s.call("get_object", json!({"bucket": bucket, "key": "secret.txt"})).await.unwrap_err();
    assert_eq!(without.kind, ErrorKind::InvalidInput, "S3 answers 400 InvalidRequest: {without:?}");
    let wrong = s.call("get_object", json!({"bucket": bucket, "key": "secret.txt", "sse_customer_key": other})).await;
    assert!(wrong.is_err(), "another key reads nothing: {wrong:?}");
    assert!(!format!("{wrong:?}{without:?}").contains(key), "the key is never shown");
    // Copied under a new key, and uploaded from a file in parts, each part with the key.
    let copy = json!({"source_bucket": bucket, "source_key": "secret.txt", "source_sse_customer_key": key,
                      "bucket": bucket, "key": "copy.txt", "sse_customer_key": other});
    s.ok("copy_object", copy).await;
    let copied = s.ok("get_object", json!({"bucket": bucket, "key": "copy.txt", "sse_customer_key": other})).await;
    assert_eq!(copied["body"], "for your eyes only");
    let size = 11 * 1024 * 1024;
    write_random_file(&s.files.join("big.bin"), size, 5);
    let upload = json!({"bucket": bucket, "key": "big.bin", "file": "big.bin", "multipart_threshold": 0,
                        "part_size": 5 * 1024 * 1024, "sse_customer_key": key});
    assert_eq!(s.ok("put_object_file", upload).await["parts"], 3);
    let download =
        json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "back.bin", "sse_customer_key": key});
    s.ok("get_object", download).await;
    assert_eq!(sha256_file(&s.files.join("back.bin")), sha256_file(&s.files.join("big.bin")));
    let both = s
        .call("put_object_text", json!({"bucket": bucket, "key": "x", "content": "x", "sse_customer_key": key, "server_side_encryption": "AES256"}))
        .await
        .unwrap_err();
    assert_eq!(both.field.as_deref(), Some("/sse_customer_key"));
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_copies_go_in_parts_server_side() {
    let s = Session::new();
    let bucket = s.bucket("copy-parts").await;
    let size: u64 = 11 * 1024 * 1024;
    write_random_file(&s.files.join("src.bin"), size, 21);
    let upload = json!({"bucket": bucket, "key": "src.bin", "file": "src.bin", "content_type": "application/x-test", "metadata": {"origin": "tests"}});
    s.ok("put_object_file", upload).await;
    // Below S3's 5 GiB limit the threshold forces the path a larger source always takes.
    let copy = json!({"source_bucket": bucket, "source_key": "src.bin", "bucket": bucket, "key": "copy.bin",
                      "multipart_threshold": 0, "part_size": 5 * 1024 * 1024});
    let copied = s.ok("copy_object", copy).await;
    assert_eq!(copied["parts"], 3, "{copied}");
    s.ok("get_object", json!({"bucket": bucket, "key": "copy.bin", "format": "file", "file": "copy.bin"})).await;
    assert_eq!(sha256_file(&s.files.join("copy.bin")), sha256_file(&s.files.join("src.bin")));
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "copy.bin"})).await;
    assert_eq!(
        (head["content_type"].as_str(), head["metadata"]["origin"].as_str()),
        (Some("application/x-test"), Some("tests")),
        "{head}"
    );
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<Value>::new());
    s.remove_bucket(&bucket).await;
}
