//! Every orchestration path of the connector, natively, through a scripted transport: which
//! failures are retried and how, region discovery and correction, multipart uploads and their
//! abort, resumable downloads, URL sources and pagination. Each test fixes the exact requests.

mod support;

use connector_contract::DigestAlgorithm;
use s3_connector::client::request::Body;
use s3_connector::client::retry::RetryPolicy;
use s3_connector::client::transport::{PartialBytes, ResponseSink};
use s3_connector::error::{Cause, ErrorKind, Result, TransportFailure};
use s3_connector::ops::invoke;
use s3_connector::protocol::checksum::{ChecksumMode, base64_of, composite};
use serde_json::{Value, json};
use std::time::Duration;
use support::{AUTH, Reply, Scripted, digest_of};

const MIB: usize = 1024 * 1024;

fn run(transport: &mut Scripted, operation: &str, input: Value) -> Result<Value> {
    invoke(transport, operation, AUTH, input.to_string())
}

fn listing(keys: &[&str], next: Option<&str>) -> Reply {
    let contents: String = keys.iter().map(|k| format!("<Contents><Key>{k}</Key><Size>1</Size></Contents>")).collect();
    let more = match next {
        Some(token) => format!("<IsTruncated>true</IsTruncated><NextContinuationToken>{token}</NextContinuationToken>"),
        None => "<IsTruncated>false</IsTruncated>".to_string(),
    };
    Reply::ok(&format!("<ListBucketResult>{more}{contents}</ListBucketResult>"))
}

#[test]
fn throttling_is_retried_after_jittered_doubling_waits() {
    let mut t = Scripted::new([Reply::error(503, "SlowDown"), Reply::error(503, "SlowDown"), listing(&["a"], None)]);
    let out = run(&mut t, "list_objects", json!({"bucket": "b"})).unwrap();
    assert_eq!(out["objects"][0]["key"], "a");
    assert_eq!(t.seen.len(), 3);
    assert_eq!(t.sleeps.len(), 2);
    for (attempt, (sleep, random)) in t.sleeps.iter().zip(&t.randoms).enumerate() {
        let attempt = u32::try_from(attempt).unwrap() + 1;
        assert_eq!(*sleep, RetryPolicy::REQUEST.delay(attempt, *random));
        assert!(*sleep <= Duration::from_millis(200 << (attempt - 1)));
    }
}

#[test]
fn which_failures_are_retried() {
    let retried = |reply: Reply| {
        let mut t = Scripted::new([reply.clone(), reply.clone(), reply]);
        let error = run(&mut t, "list_objects", json!({"bucket": "b"})).unwrap_err();
        (t.seen.len(), error.kind, error.retryable)
    };
    // Retried up to three tries in all: the service's transient answers and broken connections.
    for (reply, kind) in [
        (Reply::error(500, "InternalError"), ErrorKind::Unavailable),
        (Reply::error(503, "SlowDown"), ErrorKind::Throttled),
        (Reply::status(502), ErrorKind::Unavailable),
        (Reply::status(429), ErrorKind::Throttled),
        (Reply::error(400, "RequestTimeout"), ErrorKind::Timeout),
        (Reply::Fault(TransportFailure::Broken), ErrorKind::Unavailable),
        (Reply::Fault(TransportFailure::Connect), ErrorKind::Unavailable),
        (Reply::Fault(TransportFailure::Tls), ErrorKind::Unavailable),
        (Reply::Fault(TransportFailure::Timeout), ErrorKind::Timeout),
    ] {
        assert_eq!(retried(reply.clone()), (3, kind, true), "{reply:?}");
    }
    // Sent once: answers that will not change, and the host's refusals.
    for (reply, kind) in [
        (Reply::error(403, "AccessDenied"), ErrorKind::Forbidden),
        (Reply::status(404), ErrorKind::NotFound),
        (Reply::error(403, "SignatureDoesNotMatch"), ErrorKind::Unauthorized),
        (Reply::error(400, "InvalidArgument"), ErrorKind::InvalidInput),
        (Reply::status(412), ErrorKind::PreconditionFailed),
        (Reply::Fault(TransportFailure::Denied), ErrorKind::Denied),
        (Reply::Fault(TransportFailure::Dns), ErrorKind::Unavailable),
        (Reply::Fault(TransportFailure::Certificate), ErrorKind::Unavailable),
        (Reply::Fault(TransportFailure::ResponseTooLarge), ErrorKind::TooLarge),
    ] {
        assert_eq!(retried(reply.clone()), (1, kind, false), "{reply:?}");
    }
}

#[test]
fn a_wrong_region_is_corrected_once_and_remembered_across_pages() {
    let mut t = Scripted::new([
        Reply::error(301, "PermanentRedirect").header("x-amz-bucket-region", "us-west-2"),
        listing(&["a"], Some("t1")),
        listing(&["b"], None),
    ]);
    let out = run(&mut t, "list_objects", json!({"bucket": "b", "fetch_all": true})).unwrap();
    assert_eq!(out["objects"].as_array().unwrap().len(), 2);
    let regions: Vec<&str> = t.seen.iter().map(support::Seen::signed_region).collect();
    assert_eq!(regions, ["eu-west-1", "us-west-2", "us-west-2"]);
    assert!(t.seen[1].url.starts_with("https://b.s3.us-west-2.amazonaws.com/"), "{}", t.seen[1].url);
    assert!(t.seen[2].url.contains("continuation-token=t1"), "{}", t.seen[2].url);
    assert!(t.sleeps.is_empty(), "a correction is not a retry");
}

#[test]
fn a_head_answer_without_a_hint_has_the_region_discovered() {
    let mut t = Scripted::new([
        Reply::status(301),
        Reply::ok("<LocationConstraint>ap-south-1</LocationConstraint>"),
        Reply::status(200).header("content-length", "3").header("etag", "\"e\""),
    ]);
    let out = run(&mut t, "head_object", json!({"bucket": "b", "key": "k"})).unwrap();
    assert_eq!(out["content_length"], 3);
    assert_eq!(t.lines(), ["HEAD /k", "GET /?location=", "HEAD /k"]);
    assert_eq!(t.seen[2].signed_region(), "ap-south-1");
}

#[test]
fn legacy_and_hostile_location_constraints() {
    // `EU` is eu-west-1 (already the signed region: no change, the error is explained).
    let mut t = Scripted::new([Reply::status(301), Reply::ok("<LocationConstraint>EU</LocationConstraint>")]);
    let error = run(&mut t, "head_object", json!({"bucket": "b", "key": "k"})).unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("/region")));
    assert_eq!(t.seen.len(), 2);
    // A region that is no DNS label never reaches a host name.
    let mut t =
        Scripted::new([Reply::status(301), Reply::ok("<LocationConstraint>evil.example.com/x</LocationConstraint>")]);
    let error = run(&mut t, "head_object", json!({"bucket": "b", "key": "k"})).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert_eq!(t.seen.len(), 2, "no request to the server-named host");
}

#[test]
fn a_region_error_that_names_the_signed_region_is_explained_not_looped() {
    let body = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>m</Message><Region>eu-west-1</Region></Error>";
    let mut t = Scripted::new([Reply::status(400).body(body)]);
    let error = run(&mut t, "list_objects", json!({"bucket": "b"})).unwrap_err();
    assert_eq!(
        (error.kind, error.field.as_deref(), error.retryable),
        (ErrorKind::InvalidInput, Some("/region"), false)
    );
    assert!(error.full_message().contains("signed for region \"eu-west-1\""), "{}", error.full_message());
    assert_eq!(t.seen.len(), 1);
}

/// An 11 MiB file in 5 MiB parts: the answers to create and the three parts, then `rest`.
fn multipart_script(rest: impl IntoIterator<Item = Reply>) -> (Scripted, Vec<u8>) {
    let data: Vec<u8> = (0..11 * MIB).map(|i| (i % 251) as u8).collect();
    let mut replies =
        vec![Reply::ok("<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>")];
    replies.extend((1..=3).map(|n| Reply::status(200).header("etag", &format!("\"p{n}\""))));
    replies.extend(rest);
    (Scripted::new(replies).with_file("big.bin", data.clone()), data)
}

fn multipart_input() -> Value {
    json!({"bucket": "b", "key": "k", "file": "big.bin", "multipart_threshold": 0, "part_size": 5 * MIB, "concurrency": 1})
}

#[test]
fn multipart_uploads_send_checksummed_parts_and_check_the_composite() {
    let data: Vec<u8> = (0..11 * MIB).map(|i| (i % 251) as u8).collect();
    let digests: Vec<Vec<u8>> = data.chunks(5 * MIB).map(|part| digest_of(DigestAlgorithm::Crc32c, part)).collect();
    let composite = composite(ChecksumMode::Crc32c, &digests).unwrap();
    let complete = Reply::ok(&format!(
        "<CompleteMultipartUploadResult><ETag>\"m-3\"</ETag><ChecksumCRC32C>{composite}</ChecksumCRC32C></CompleteMultipartUploadResult>"
    ));
    let (mut t, _) = multipart_script([complete]);
    let out = run(&mut t, "put_object_file", multipart_input()).unwrap();
    assert_eq!((out["parts"].as_u64(), out["size"].as_u64()), (Some(3), Some(data.len() as u64)));
    assert_eq!(
        t.lines(),
        [
            "POST /k?uploads=",
            "PUT /k?partNumber=1&uploadId=U1",
            "PUT /k?partNumber=2&uploadId=U1",
            "PUT /k?partNumber=3&uploadId=U1",
            "POST /k?uploadId=U1",
        ],
        "no HEAD after the upload: its own answers prove it (the table grants no s3:GetObject)"
    );
    assert_eq!(t.seen[0].header("x-amz-checksum-algorithm"), Some("CRC32C"));
    for (index, part) in t.seen[1..4].iter().enumerate() {
        let offset = (index * 5 * MIB) as u64;
        let size = (data.len() - index * 5 * MIB).min(5 * MIB) as u64;
        assert_eq!(part.body, Body::File { name: "big.bin".into(), offset, size });
        assert_eq!(part.header("x-amz-checksum-crc32c"), Some(base64_of(&digests[index]).as_str()));
    }
    let Body::Bytes(document) = &t.seen[4].body else { panic!("the completion lists the parts") };
    let document = String::from_utf8_lossy(document);
    for (index, digest) in digests.iter().enumerate() {
        let number = index + 1;
        let part = format!(
            "<PartNumber>{number}</PartNumber><ETag>&quot;p{number}&quot;</ETag><ChecksumCRC32C>{}</ChecksumCRC32C>",
            base64_of(digest)
        );
        assert!(document.contains(&part), "{document}");
    }
    let handover = r#"{"multipart_upload":{"bucket":"b","key":"k","upload_id":"U1"}}"#;
    assert_eq!(t.checkpoints, [handover, ""], "the open upload is handed over, then nothing once it is complete");
    assert!(t.finished());
}

#[test]
fn a_wrong_composite_checksum_is_an_integrity_failure_and_the_upload_is_aborted() {
    let complete = Reply::ok(
        "<CompleteMultipartUploadResult><ChecksumCRC32C>AAAAAA==-3</ChecksumCRC32C></CompleteMultipartUploadResult>",
    );
    let (mut t, _) = multipart_script([complete, Reply::status(204)]);
    let error = run(&mut t, "put_object_file", multipart_input()).unwrap_err();
    assert_eq!(error.cause, Cause::Integrity, "{error:?}");
    assert_eq!(t.lines().last().unwrap(), "DELETE /k?uploadId=U1");
    assert!(error.full_message().contains("aborted"), "{}", error.full_message());
}

#[test]
fn a_failed_part_aborts_the_upload() {
    let data: Vec<u8> = vec![7; 11 * MIB];
    let mut t = Scripted::new([
        Reply::ok("<InitiateMultipartUploadResult><UploadId>U2</UploadId></InitiateMultipartUploadResult>"),
        Reply::status(200).header("etag", "\"p1\""),
        Reply::error(400, "InvalidPart"),
        Reply::status(204),
    ])
    .with_file("big.bin", data);
    let error = run(&mut t, "put_object_file", multipart_input()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert_eq!(error.notes, ["the multipart upload was aborted, no parts remain"]);
    assert_eq!(t.lines().last().unwrap(), "DELETE /k?uploadId=U2");
    assert_eq!(t.checkpoints.last().map(String::as_str), Some(""), "aborted: nothing left to hand over");
    assert!(t.finished());
}

#[test]
fn an_abort_is_retried_in_rounds_and_its_failure_reported() {
    let mut replies = vec![
        Reply::ok("<InitiateMultipartUploadResult><UploadId>U3</UploadId></InitiateMultipartUploadResult>"),
        Reply::error(403, "AccessDenied"),
    ];
    replies.extend(std::iter::repeat_n(Reply::error(503, "SlowDown"), 12));
    let mut t = Scripted::new(replies).with_file("big.bin", vec![1; 11 * MIB]);
    let error = run(&mut t, "put_object_file", multipart_input()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Forbidden, "the part's failure is the error");
    assert_eq!(error.notes[0], "the credentials most likely lack s3:PutObject on arn:aws:s3:::b/k");
    assert!(error.notes[1].starts_with("aborting multipart upload U3 also failed"), "{:?}", error.notes);
    let aborts = t.lines().iter().filter(|line| *line == "DELETE /k?uploadId=U3").count();
    assert_eq!(aborts, 12, "four rounds of three tries");
    let rounds: Vec<Duration> = t.sleeps.iter().copied().filter(|d| *d >= Duration::from_secs(1)).collect();
    assert_eq!(rounds, [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4)]);
    assert_eq!(t.checkpoints.len(), 1, "the upload still open stays handed over: a later attempt can abort it");
    assert!(t.finished());
}

#[test]
fn a_cut_download_resumes_from_the_bytes_kept() {
    let head = || Reply::status(200).header("etag", "\"E\"").header("content-length", "10");
    let mut t = Scripted::new([
        head(),
        Reply::CutAfter(4),
        head(),
        Reply::status(206).header("content-range", "bytes 4-9/10").body("456789"),
    ]);
    let input = json!({"bucket": "b", "key": "k", "format": "file", "file": "out.bin", "resume": true});
    let out = run(&mut t, "get_object", input).unwrap();
    assert_eq!((out["file"]["resumed_from"].as_u64(), out["file"]["size"].as_u64()), (Some(4), Some(10)));
    assert_eq!(t.files["out.bin"], b"pppp456789");
    assert_eq!(t.lines(), ["HEAD /k", "GET /k", "HEAD /k", "GET /k"]);
    assert_eq!((t.seen[1].header("range"), t.seen[1].header("if-match")), (None, Some("\"E\"")));
    assert_eq!(t.seen[3].header("range"), Some("bytes=4-"));
    let ResponseSink::File(sink) = &t.seen[3].sink else { panic!("a file download") };
    assert_eq!(sink.resume.as_ref().map(|r| (r.key.as_str(), r.partial)), Some(("\"E\"", PartialBytes::Continue)));
    assert_eq!(t.sleeps.len(), 1, "one pause before the second attempt");
}

#[test]
fn a_download_that_keeps_failing_says_the_bytes_are_kept() {
    let head = || Reply::status(200).header("etag", "\"E\"").header("content-length", "10");
    let mut t = Scripted::new([head(), Reply::CutAfter(2), head(), Reply::CutAfter(2), head(), Reply::CutAfter(2)]);
    let input = json!({"bucket": "b", "key": "k", "format": "file", "file": "out.bin", "resume": true});
    let error = run(&mut t, "get_object", input).unwrap_err();
    assert!(error.retryable);
    assert_eq!(error.notes, ["the bytes received so far are kept: run again with resume to continue"]);
    assert_eq!(t.seen[5].header("range"), Some("bytes=4-"), "each attempt continues the last");
    assert!(!t.files.contains_key("out.bin"), "nothing visible until complete");
}

#[test]
fn a_url_source_is_probed_then_streamed_pinned_to_its_version() {
    let url = "https://files.example.com/data.bin?X-Amz-Signature=secret";
    let mut t = Scripted::new([
        Reply::status(503),
        Reply::status(206).header("content-range", "bytes 0-0/1000").header("etag", "\"v1\""),
        Reply::status(200).header("etag", "\"s3\"").sent_digest(vec![1, 2, 3, 4]),
    ]);
    let out = run(&mut t, "put_object_file", json!({"bucket": "b", "key": "k", "url": url})).unwrap();
    assert_eq!(out["size"], 1000);
    assert_eq!(t.lines(), ["GET /data.bin?X-Amz-Signature=secret", "GET /data.bin?X-Amz-Signature=secret", "PUT /k"]);
    assert_eq!(t.seen[1].header("range"), Some("bytes=0-0"));
    assert!(matches!(t.seen[1].sink, ResponseSink::Discard), "the probe reads no body");
    let Body::Url(piece) = &t.seen[2].body else { panic!("the PUT streams the URL") };
    assert_eq!((piece.offset, piece.size, piece.ranged, piece.etag.as_deref()), (0, 1000, true, Some("\"v1\"")));
    assert_eq!(t.seen[2].header("x-amz-trailer"), Some("x-amz-checksum-crc32c"));
    assert!(!format!("{piece:?}").contains("secret"), "the URL's query never prints");
}

#[test]
fn a_source_that_states_no_size_is_refused_before_anything_is_sent() {
    let mut t = Scripted::new([Reply::status(200)]);
    let error =
        run(&mut t, "put_object_file", json!({"bucket": "b", "key": "k", "url": "https://h/f?token=x"})).unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("/url")));
    assert!(!error.full_message().contains("token=x"));
    assert_eq!(t.seen.len(), 1);
}

#[test]
fn pagination_stops_at_max_items_and_returns_the_token() {
    let mut t = Scripted::new([listing(&["a", "b"], Some("t1")), listing(&["c", "d"], Some("t2"))]);
    let out = run(&mut t, "list_objects", json!({"bucket": "b", "fetch_all": true, "max_items": 3})).unwrap();
    assert_eq!(out["objects"].as_array().unwrap().len(), 4);
    assert_eq!((out["is_truncated"].as_bool(), out["next_continuation_token"].as_str()), (Some(true), Some("t2")));
    assert!(t.seen[1].url.contains("continuation-token=t1"));
    assert!(t.finished());
}

#[test]
fn an_inline_download_is_checked_against_the_stated_checksum_and_retried() {
    let body = "The quick brown fox jumps over the lazy dog";
    let md5 = hex::encode(digest_of(DigestAlgorithm::Md5, body.as_bytes()));
    let answer = |text: &str| {
        Reply::ok(text).header("content-length", &text.len().to_string()).header("etag", &format!("\"{md5}\""))
    };
    let corrupt = "The quick brown fox jumps over the lazy cog";
    let mut t = Scripted::new([answer(corrupt), answer(body)]);
    let out = run(&mut t, "get_object", json!({"bucket": "b", "key": "k"})).unwrap();
    assert_eq!(out["body"], body);
    assert_eq!(t.seen.len(), 2, "the corrupt answer was fetched again");
    assert_eq!(t.seen[0].header("x-amz-checksum-mode"), Some("ENABLED"));
    let mut t = Scripted::new([answer(corrupt), answer(corrupt), answer(corrupt)]);
    let error = run(&mut t, "get_object", json!({"bucket": "b", "key": "k"})).unwrap_err();
    assert_eq!((error.cause.clone(), error.retryable), (Cause::Integrity, true), "{error:?}");
    assert_eq!(t.seen.len(), 3, "three tries, not three times three");
    // A stated CRC32C wins over the ETag; an encrypted object's ETag is not trusted.
    let crc = base64_of(&digest_of(DigestAlgorithm::Crc32c, body.as_bytes()));
    let wrong_etag = Reply::ok(body)
        .header("content-length", &body.len().to_string())
        .header("etag", "\"00000000000000000000000000000000\"")
        .header("x-amz-checksum-crc32c", &crc);
    let mut t = Scripted::new([wrong_etag]);
    assert!(run(&mut t, "get_object", json!({"bucket": "b", "key": "k"})).is_ok());
    let mut t = Scripted::new([answer(corrupt).header("x-amz-server-side-encryption", "aws:kms")]);
    assert_eq!(run(&mut t, "get_object", json!({"bucket": "b", "key": "k"})).unwrap()["body"], corrupt);
}

#[test]
fn a_single_put_is_checked_by_its_answer_and_a_corrupt_object_deleted_honestly() {
    let data = b"hello, world".to_vec();
    let crc = base64_of(&digest_of(DigestAlgorithm::Crc32c, &data));
    // The echoed checksum matches: done, no HEAD.
    let mut t = Scripted::new([Reply::status(200).header("etag", "\"e\"").header("x-amz-checksum-crc32c", &crc)])
        .with_file("f.txt", data.clone());
    let out = run(&mut t, "put_object_file", json!({"bucket": "b", "key": "k", "file": "f.txt"})).unwrap();
    assert_eq!(out["size"], 12);
    assert_eq!(t.lines(), ["PUT /k"]);
    assert_eq!(t.seen[0].header("x-amz-checksum-crc32c"), Some(crc.as_str()));
    // It does not: the object is deleted, and the error says so only because the delete worked.
    let wrong = || Reply::status(200).header("etag", "\"e\"").header("x-amz-checksum-crc32c", "AAAAAA==");
    let mut t = Scripted::new([wrong(), Reply::status(204)]).with_file("f.txt", data.clone());
    let error = run(&mut t, "put_object_file", json!({"bucket": "b", "key": "k", "file": "f.txt"})).unwrap_err();
    assert_eq!(
        (error.cause.clone(), error.notes.clone()),
        (Cause::Integrity, vec!["the object was deleted".to_string()])
    );
    let mut t = Scripted::new([wrong(), Reply::error(403, "AccessDenied")]).with_file("f.txt", data);
    let error = run(&mut t, "put_object_file", json!({"bucket": "b", "key": "k", "file": "f.txt"})).unwrap_err();
    assert!(error.notes[0].starts_with("deleting the corrupt object also failed"), "{:?}", error.notes);
    assert_eq!(t.lines(), ["PUT /k", "DELETE /k"]);
}

#[test]
fn any_number_of_keys_are_deleted_1000_per_request() {
    let deleted = |from: usize, to: usize| {
        let entries: String = (from..to).map(|i| format!("<Deleted><Key>k{i}</Key></Deleted>")).collect();
        Reply::ok(&format!("<DeleteResult>{entries}</DeleteResult>"))
    };
    let keys: Vec<String> = (0..2500).map(|i| format!("k{i}")).collect();
    let mut t = Scripted::new([deleted(0, 1000), deleted(1000, 2000), deleted(2000, 2500)]);
    let out = run(&mut t, "delete_objects", json!({"bucket": "b", "objects": keys})).unwrap();
    assert_eq!(out["deleted"].as_array().unwrap().len(), 2500);
    assert_eq!(t.lines(), ["POST /?delete=", "POST /?delete=", "POST /?delete="]);
    let sizes: Vec<usize> = t
        .seen
        .iter()
        .map(|s| match &s.body {
            Body::Bytes(document) => String::from_utf8_lossy(document).matches("<Object>").count(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    assert!(t.seen.iter().all(|s| s.header("content-md5").is_some()), "S3 requires Content-MD5 on batch deletes");
    // A batch refused as a whole ends the work, and the error says what was done before it.
    let mut t = Scripted::new([deleted(0, 1000), Reply::error(403, "AccessDenied")]);
    let error = run(&mut t, "delete_objects", json!({"bucket": "b", "objects": keys})).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Forbidden);
    assert!(
        error.notes.contains(&"1000 objects were deleted before this request failed".to_string()),
        "{:?}",
        error.notes
    );
    assert!(error.notes.iter().any(|n| n.contains("s3:DeleteObject on arn:aws:s3:::b")), "{:?}", error.notes);
    // Without the permission, S3 refuses key by key: every key refused is a `forbidden` that
    // names the action; some keys refused is a result that lists them.
    let denied = |keys: &[&str]| {
        let entries: String =
            keys.iter().map(|k| format!("<Error><Key>{k}</Key><Code>AccessDenied</Code></Error>")).collect();
        Reply::ok(&format!("<DeleteResult>{entries}</DeleteResult>"))
    };
    let mut t = Scripted::new([denied(&["a", "b"])]);
    let error = run(&mut t, "delete_objects", json!({"bucket": "b", "objects": ["a", "b"]})).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Forbidden);
    assert!(error.message.contains("nothing was deleted"), "{}", error.message);
    assert!(error.notes.iter().any(|n| n.contains("lack s3:DeleteObject on arn:aws:s3:::b/a")), "{:?}", error.notes);
    let versioned = json!({"bucket": "b", "objects": [{"key": "a", "version_id": "v1"}]});
    let error = run(&mut Scripted::new([denied(&["a"])]), "delete_objects", versioned).unwrap_err();
    assert!(error.notes.iter().any(|n| n.contains("lack s3:DeleteObjectVersion")), "{:?}", error.notes);
    let mixed = Reply::ok(
        "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code></Error></DeleteResult>",
    );
    let out =
        run(&mut Scripted::new([mixed]), "delete_objects", json!({"bucket": "b", "objects": ["a", "b"]})).unwrap();
    assert_eq!((out["deleted"].as_array().unwrap().len(), out["errors"][0]["key"].as_str()), (1, Some("b")));
}

#[test]
fn verification_can_be_turned_off_like_the_aws_clis_response_checksum_validation() {
    let auth =
        r#"{"access_key_id":"AKIDTEST","secret_access_key":"secret","region":"eu-west-1","verify_downloads":false}"#;
    let corrupt = "The quick brown fox jumps over the lazy cog";
    let md5 = hex::encode(digest_of(DigestAlgorithm::Md5, b"The quick brown fox jumps over the lazy dog"));
    let answer =
        Reply::ok(corrupt).header("content-length", &corrupt.len().to_string()).header("etag", &format!("\"{md5}\""));
    let mut t = Scripted::new([answer]);
    let out = invoke(&mut t, "get_object", auth, json!({"bucket": "b", "key": "k"}).to_string()).unwrap();
    assert_eq!(out["body"], corrupt, "not checked, as asked");
    assert_eq!(t.seen[0].header("x-amz-checksum-mode"), None);
}

#[test]
fn list_buckets_on_a_store_in_another_region_ends_in_that_region() {
    let auth = r#"{"access_key_id":"AKIDTEST","secret_access_key":"secret","endpoint":"http://127.0.0.1:9000"}"#;
    let malformed = "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; expecting 'eu-central-1'</Message><Region>eu-central-1</Region></Error>";
    let buckets = "<ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>b</Name></Bucket></Buckets></ListAllMyBucketsResult>";
    let mut t = Scripted::new([Reply::status(400).body(malformed), Reply::ok(buckets)]);
    let out = invoke(&mut t, "list_buckets", auth, "{}".to_string()).unwrap();
    assert_eq!(out["buckets"][0]["name"], "b");
    let regions: Vec<&str> = t.seen.iter().map(support::Seen::signed_region).collect();
    assert_eq!(regions, ["us-east-1", "eu-central-1"]);
    // A store that names no region: the error says which region was tried and what to set.
    let mut t = Scripted::new([
        Reply::status(400).body("<Error><Code>AuthorizationHeaderMalformed</Code><Message>m</Message></Error>")
    ]);
    let error = invoke(&mut t, "list_buckets", auth, "{}".to_string()).unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some("/region")));
    assert!(error.full_message().contains("signed for region \"us-east-1\""), "{}", error.full_message());
}

#[test]
fn multipart_objects_are_checked_against_their_composite_checksum_before_anyone_sees_them() {
    let body = b"aaaaaaaaaabbbbbbbbbbbbccc";
    let stated = |sizes: &[usize]| {
        let mut offset = 0;
        let parts: Vec<Vec<u8>> = sizes
            .iter()
            .map(|size| {
                offset += size;
                digest_of(DigestAlgorithm::Crc32c, &body[offset - size..offset])
            })
            .collect();
        composite(ChecksumMode::Crc32c, &parts).unwrap()
    };
    let get = |bytes: &[u8], checksum: &str| {
        Reply::status(200)
            .bytes(bytes)
            .header("content-length", &bytes.len().to_string())
            .header("etag", "\"e-3\"")
            .header("x-amz-checksum-crc32c", checksum)
    };
    let part = |size: usize| Reply::status(206).header("content-length", &size.to_string()).header("etag", "\"e-3\"");
    let to_file = json!({"bucket": "b", "key": "k", "format": "file", "file": "out", "concurrency": 1});

    // Equal parts and a shorter last one: one HEAD tells the layout.
    let uniform = stated(&[10, 10, 5]);
    let mut t = Scripted::new([get(body, &uniform), part(10)]);
    assert_eq!(run(&mut t, "get_object", to_file.clone()).unwrap()["file"]["size"], 25);
    assert_eq!(t.files["out"], body);
    assert_eq!(t.lines(), ["GET /k", "HEAD /k?partNumber=1"]);
    // A part of another object (it was replaced meanwhile) is a race, retried.
    let replaced = Reply::status(206).header("content-length", "10").header("etag", "\"other-3\"");
    let mut t = Scripted::new([get(body, &uniform), replaced, get(body, &uniform), part(10)]);
    let again = json!({"bucket": "b", "key": "k", "format": "file", "file": "again", "concurrency": 1});
    assert_eq!(run(&mut t, "get_object", again).unwrap()["file"]["size"], 25);
    assert!(t.finished(), "the whole download was retried");

    // Parts of other sizes: each part's HEAD, then the check passes (inline this time).
    let uneven = stated(&[10, 12, 3]);
    let mut t = Scripted::new([get(body, &uneven), part(10), part(12), part(3)]);
    let out = run(&mut t, "get_object", json!({"bucket": "b", "key": "k"})).unwrap();
    assert_eq!(out["body"], String::from_utf8_lossy(body).as_ref());
    assert!(t.finished());

    // One flipped byte: caught on every try, and the file never appears.
    let mut corrupt = body.to_vec();
    corrupt[11] ^= 1;
    let attempt = || [get(&corrupt, &uneven), part(10), part(12), part(3)];
    let mut t = Scripted::new(attempt().into_iter().chain(attempt()).chain(attempt()));
    let error = run(&mut t, "get_object", to_file).unwrap_err();
    assert_eq!((error.cause.clone(), error.retryable), (Cause::Integrity, true), "{error:?}");
    assert!(error.message.contains("composite"), "{}", error.message);
    assert!(t.finished() && !t.files.contains_key("out"), "three tries, nothing visible");

    // A server that ignores partNumber (it answers 200 for the whole object) cannot be checked.
    let whole = Reply::status(200).header("content-length", "25");
    let mut t = Scripted::new([get(&corrupt, &uneven), whole]);
    assert!(run(&mut t, "get_object", json!({"bucket": "b", "key": "k"})).is_ok());
}

#[test]
fn the_products_field_names_and_shapes_are_accepted() {
    // Signed URLs: `expires_seconds`, `range_from`/`range_to`, and response overrides signed in.
    let mut t = Scripted::new([]);
    let input = json!({"bucket": "b", "key": "report.csv", "expires_seconds": 120, "range_from": 10, "range_to": 19,
                       "response_content_disposition": "attachment; filename=\"q1.csv\"", "response_content_type": "text/csv"});
    let out = run(&mut t, "get_object_signed_url", input).unwrap();
    assert_eq!((out["expires_in"].as_i64(), out["headers"]["range"].as_str()), (Some(120), Some("bytes=10-19")));
    let url = out["url"].as_str().unwrap();
    assert!(url.contains("response-content-disposition=attachment%3B%20filename%3D%22q1.csv%22"), "{url}");
    assert!(url.contains("response-content-type=text%2Fcsv") && url.contains("X-Amz-Expires=120"), "{url}");
    assert!(t.seen.is_empty(), "presigning with a named region sends nothing");
    for (bad, field) in [
        (json!({"range": "0-1", "range_from": 0}), "/range_from"),
        (json!({"range_from": 9, "range_to": 1}), "/range_to"),
        (json!({"method": "PUT", "response_content_type": "text/csv"}), "/response_content_type"),
        (json!({"expires_seconds": 1, "expires_in": 2}), "/expires_seconds"),
    ] {
        let mut input = json!({"bucket": "b", "key": "k"});
        input.as_object_mut().unwrap().extend(bad.as_object().unwrap().clone());
        let error = run(&mut Scripted::new([]), "get_object_signed_url", input).unwrap_err();
        assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::InvalidInput, Some(field)), "{bad}");
    }

    // Delete Multiple Objects: `object_keys: [{Key, VersionId}]`.
    let mut t = Scripted::new([Reply::ok("<DeleteResult><Deleted><Key>a</Key></Deleted></DeleteResult>")]);
    let input = json!({"bucket": "b", "object_keys": [{"Key": "a", "VersionId": "v1"}]});
    run(&mut t, "delete_objects", input).unwrap();
    let Body::Bytes(document) = &t.seen[0].body else { panic!("a document") };
    let document = String::from_utf8_lossy(document);
    assert!(document.contains("<Key>a</Key><VersionId>v1</VersionId>"), "{document}");

    // Put Object Text with binary content in base64.
    let mut t = Scripted::new([Reply::status(200).header("etag", "\"e\"")]);
    let out = run(&mut t, "put_object_text", json!({"bucket": "b", "key": "k", "content_base64": "AAH/"})).unwrap();
    assert_eq!(out["size"], 3);
    assert!(matches!(&t.seen[0].body, Body::Bytes(bytes) if bytes == &[0u8, 1, 255]));
    assert_eq!(t.seen[0].header("content-type"), Some("application/octet-stream"));
    for (bad, field) in [(json!({"content_base64": "***"}), "/content_base64"), (json!({}), "/content")] {
        let mut input = json!({"bucket": "b", "key": "k"});
        input.as_object_mut().unwrap().extend(bad.as_object().unwrap().clone());
        let error = run(&mut Scripted::new([]), "put_object_text", input).unwrap_err();
        assert_eq!(error.field.as_deref(), Some(field), "{bad}");
    }
}
