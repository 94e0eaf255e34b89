//! What a workflow platform asks besides operations — the connection check, field choices, the
//! new-objects trigger — and cancellation and retry hints, natively through a scripted transport.

#[expect(dead_code, reason = "the shared scripted transport has helpers these tests do not use")]
mod support;

use s3_connector::error::{Cause, ErrorKind, TransportFailure};
use s3_connector::ops::invoke;
use s3_connector::platform::{check, options, poll};
use serde_json::json;
use std::time::Duration;
use support::{AUTH, Reply, Scripted};

const MIB: usize = 1024 * 1024;

const BUCKETS: &str = "<ListAllMyBucketsResult><Buckets><Bucket><Name>one</Name></Bucket><Bucket><Name>two</Name><BucketRegion>eu-west-1</BucketRegion></Bucket></Buckets></ListAllMyBucketsResult>";

#[test]
fn a_good_connection_reports_what_it_verified() {
    let mut t = Scripted::new([Reply::ok(BUCKETS)]);
    let report = check(&mut t, AUTH, None).unwrap();
    assert_eq!(report["buckets"], 2);
    assert_eq!(report["region"], "eu-west-1");
    assert_eq!(t.lines(), ["GET /"]);
    let mut t = Scripted::new([Reply::status(200)]);
    let report = check(&mut t, AUTH, Some("one")).unwrap();
    assert_eq!((report["bucket"].as_str(), report["ok"].as_bool()), (Some("one"), Some(true)));
    assert_eq!(t.lines(), ["HEAD /"]);
}

#[test]
fn each_connection_problem_says_how_to_fix_it() {
    let cases = [
        (Reply::error(403, "InvalidAccessKeyId"), ErrorKind::Unauthorized, "check access_key_id and secret_access_key"),
        (Reply::error(403, "RequestTimeTooSkewed"), ErrorKind::InvalidInput, "synchronise it (NTP)"),
        (
            Reply::error(403, "AccessDenied"),
            ErrorKind::Forbidden,
            "may not list the account's buckets (s3:ListAllMyBuckets)",
        ),
    ];
    for (reply, kind, fix) in cases {
        let error = check(&mut Scripted::new([reply]), AUTH, None).unwrap_err();
        assert_eq!(error.kind, kind, "{error}");
        assert!(error.full_message().contains(fix), "{error}");
    }
    let error = check(&mut Scripted::new([Reply::error(404, "NoSuchBucket")]), AUTH, Some("gone")).unwrap_err();
    assert!(error.full_message().contains("there is no bucket \"gone\""), "{error}");
    let error = check(&mut Scripted::new([Reply::error(403, "AccessDenied")]), AUTH, Some("theirs")).unwrap_err();
    assert!(error.full_message().contains("may not use bucket \"theirs\" (s3:ListBucket"), "{error}");
    let unreachable = Reply::Fault(TransportFailure::Connect);
    let error =
        check(&mut Scripted::new([unreachable.clone(), unreachable.clone(), unreachable]), AUTH, None).unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::Unavailable, Some("/endpoint")));
    assert!(error.full_message().contains("cannot be reached: check auth.endpoint"), "{error}");
    let error = check(&mut Scripted::new([]), AUTH, Some("no/slashes")).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("/scope"));
}

#[test]
fn a_bucket_in_another_region_than_configured_is_reported() {
    let moved = Reply::error(301, "PermanentRedirect").header("x-amz-bucket-region", "ap-south-1");
    let mut t = Scripted::new([moved, Reply::status(200)]);
    let error = check(&mut t, AUTH, Some("far")).unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("/region")));
    assert!(error.message.contains("bucket \"far\" is in \"ap-south-1\": set region to \"ap-south-1\""), "{error}");
    let auto = r#"{"access_key_id":"AKIDTEST","secret_access_key":"secret","region":"auto"}"#;
    let moved = Reply::error(301, "PermanentRedirect").header("x-amz-bucket-region", "ap-south-1");
    let report = check(&mut Scripted::new([moved, Reply::status(200)]), auto, Some("far")).unwrap();
    assert_eq!(report["region"], "ap-south-1", "with region auto, finding it is the point");
}

#[test]
fn buckets_keys_and_folders_are_offered_a_level_at_a_time() {
    let buckets = options(&mut Scripted::new([Reply::ok(BUCKETS)]), "get_object", "bucket", AUTH, "{}", None).unwrap();
    let labels: Vec<&str> = buckets.items.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["one", "two (eu-west-1)"]);
    let page = "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>T2</NextContinuationToken>\
        <Contents><Key>in/</Key><Size>0</Size></Contents><Contents><Key>in/a.csv</Key><Size>1</Size></Contents>\
        <CommonPrefixes><Prefix>in/2024/</Prefix></CommonPrefixes></ListBucketResult>";
    let mut t = Scripted::new([Reply::ok(page)]);
    let keys = options(&mut t, "get_object", "key", AUTH, r#"{"bucket":"one","key":"in/a"}"#, None).unwrap();
    assert_eq!(t.lines(), ["GET /?delimiter=%2F&list-type=2&max-keys=200&prefix=in%2F"]);
    let shown: Vec<(&str, &str, bool)> =
        keys.items.iter().map(|c| (c.value.as_str(), c.label.as_str(), c.is_group)).collect();
    assert_eq!(shown, [("in/2024/", "2024/", true), ("in/a.csv", "a.csv", false)]);
    assert_eq!(keys.next_cursor.as_deref(), Some("T2"));
    let mut t = Scripted::new([Reply::ok(page)]);
    let folders =
        options(&mut t, "list_objects", "prefix", AUTH, r#"{"bucket":"one","prefix":"in/"}"#, Some("T1")).unwrap();
    assert!(t.lines()[0].contains("?continuation-token=T1&"), "{:?}", t.lines());
    assert_eq!(folders.items.len(), 1, "folders only");
    let copy = options(
        &mut Scripted::new([Reply::ok(page)]),
        "copy_object",
        "source_key",
        AUTH,
        r#"{"source_bucket":"one"}"#,
        None,
    );
    assert!(copy.is_ok(), "source keys come from source_bucket");
}

#[test]
fn choices_need_a_bucket_and_a_field_that_has_them() {
    let error = options(&mut Scripted::new([]), "get_object", "key", AUTH, "{}", None).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("/bucket"));
    assert!(error.message.contains("choose `bucket` first"), "{error}");
    let error = options(&mut Scripted::new([]), "get_object", "range", AUTH, "{}", None).unwrap_err();
    assert!(error.message.contains("`range` has no choices; fields with choices: bucket, key"), "{error}");
    let error = options(&mut Scripted::new([]), "nope", "bucket", AUTH, "{}", None).unwrap_err();
    assert!(error.message.contains("unknown operation"), "{error}");
}

fn objects(entries: &[(&str, &str, &str)]) -> Reply {
    let contents: String = entries
        .iter()
        .map(|(key, etag, time)| {
            format!("<Contents><Key>{key}</Key><ETag>\"{etag}\"</ETag><LastModified>{time}</LastModified><Size>3</Size></Contents>")
        })
        .collect();
    Reply::ok(&format!("<ListBucketResult><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>"))
}

#[test]
fn the_trigger_reports_each_new_version_once_across_polls() {
    let config = json!({"bucket": "b", "prefix": "in/", "suffix": ".csv"}).to_string();
    let before = [("in/a.csv", "1", "2026-01-01T00:00:00.000Z"), ("in/skip.txt", "1", "2026-01-01T00:00:00.000Z")];
    let mut t = Scripted::new([objects(&before)]);
    let first = poll(&mut t, "new_objects", AUTH, &config, None).unwrap();
    assert!(first.events.is_empty(), "starting from now");
    assert_eq!(t.lines(), ["GET /?list-type=2&prefix=in%2F"]);
    let after = [
        ("in/a.csv", "2", "2026-01-01T00:00:05.000Z"),
        ("in/b.csv", "1", "2026-01-01T00:00:04.000Z"),
        ("in/skip.txt", "2", "2026-01-01T00:00:05.000Z"),
    ];
    let second = poll(&mut Scripted::new([objects(&after)]), "new_objects", AUTH, &config, Some(&first.state)).unwrap();
    let keys: Vec<&str> = second.events.iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["in/b.csv", "in/a.csv"], "oldest first, rewrites included, filter applied");
    assert_eq!(second.events[1]["etag"], "2");
    assert_eq!(second.events[1]["bucket"], "b");
    let third = poll(&mut Scripted::new([objects(&after)]), "new_objects", AUTH, &config, Some(&second.state)).unwrap();
    assert!(third.events.is_empty() && !third.has_more);
    let other = json!({"bucket": "b", "prefix": "out/"}).to_string();
    let error = poll(&mut Scripted::new([]), "new_objects", AUTH, &other, Some(&second.state)).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("/state"));
}

#[test]
fn trigger_configuration_is_checked() {
    for (config, field) in [
        (json!({"prefix": "x"}), ""),
        (json!({"bucket": "b", "max_events": 0}), "/max_events"),
        (json!({"bucket": "b", "look_back_seconds": 90_000}), "/look_back_seconds"),
        (json!({"bucket": "b", "start": "yesterday"}), "/start"),
        (json!({"bucket": "b", "glob": ""}), "/glob"),
    ] {
        let error = poll(&mut Scripted::new([]), "new_objects", AUTH, &config.to_string(), None).unwrap_err();
        assert_eq!(
            (error.kind, error.field.as_deref().unwrap_or_default()),
            (ErrorKind::InvalidInput, field),
            "{config}"
        );
    }
    let error = poll(&mut Scripted::new([]), "old_objects", AUTH, "{}", None).unwrap_err();
    assert!(error.message.contains("known triggers: new_objects"), "{error}");
}

#[test]
fn a_cancelled_upload_is_aborted_and_leaves_nothing() {
    let mut t = Scripted::new([
        Reply::ok("<InitiateMultipartUploadResult><UploadId>U9</UploadId></InitiateMultipartUploadResult>"),
        Reply::status(200).header("etag", "\"p1\""),
        Reply::status(204),
    ])
    .with_file("big.bin", vec![7; 11 * MIB]);
    t.cancel_after = Some(2);
    let input = json!({"bucket": "b", "key": "k", "file": "big.bin", "multipart_threshold": 0, "part_size": 5 * MIB, "concurrency": 1});
    let error = invoke(&mut t, "put_object_file", AUTH, input.to_string()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Cancelled);
    assert!(!error.retryable);
    assert_eq!(error.notes, ["the multipart upload was aborted, no parts remain"]);
    assert_eq!(t.lines().last().unwrap(), "DELETE /k?uploadId=U9");
    assert_eq!(t.progress, [(0, Some(11 * MIB as u64)), (5 * MIB as u64, Some(11 * MIB as u64))]);
    assert!(t.finished());
}

#[test]
fn a_servers_retry_after_is_honoured_and_reported() {
    let slow = || Reply::error(503, "SlowDown").header("retry-after", "3");
    let mut t = Scripted::new([slow(), slow(), slow()]);
    let error = invoke(&mut t, "list_buckets", AUTH, String::new()).unwrap_err();
    assert_eq!((error.kind, error.retry_after_ms), (ErrorKind::Throttled, Some(3_000)));
    assert!(t.sleeps.iter().all(|d| *d == Duration::from_secs(3)), "{:?}", t.sleeps);
    assert!(matches!(error.cause, Cause::Answer(_)));
}
