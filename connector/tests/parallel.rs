//! Parts in flight, request by request against a scripted transport: multipart uploads in
//! windows where a refused part stops the rest and aborts the upload, and a transient failure
//! is retried alone; large downloads in ranges pinned to the object's ETag, retried range by
//! range, committed only when whole.

#[expect(dead_code, reason = "the shared scripted transport has helpers these tests do not use")]
mod support;

use s3_connector::error::ErrorKind;
use s3_connector::ops::invoke;
use serde_json::json;
use support::{AUTH, Reply, Scripted};

const MIB: usize = 1024 * 1024;

fn created(id: &str) -> Reply {
    Reply::ok(&format!("<InitiateMultipartUploadResult><UploadId>{id}</UploadId></InitiateMultipartUploadResult>"))
}

fn part(etag: &str) -> Reply {
    Reply::status(200).header("etag", etag)
}

#[test]
fn parts_go_in_batches_and_a_retryable_failure_is_retried_alone() {
    let completed = "<CompleteMultipartUploadResult><ETag>\"e-3\"</ETag></CompleteMultipartUploadResult>";
    let mut t = Scripted::new([
        created("U1"),
        part("\"p1\""),
        Reply::error(503, "SlowDown"),
        part("\"p2\""),
        part("\"p3\""),
        Reply::ok(completed),
    ])
    .with_file("big.bin", vec![7; 11 * MIB]);
    let input = json!({"bucket": "b", "key": "k", "file": "big.bin", "multipart_threshold": 0, "part_size": 5 * MIB, "concurrency": 2});
    let out = invoke(&mut t, "put_object_file", AUTH, input.to_string()).unwrap();
    assert_eq!(out["parts"], 3);
    assert_eq!(
        t.lines(),
        [
            "POST /k?uploads=",
            "PUT /k?partNumber=1&uploadId=U1",
            "PUT /k?partNumber=2&uploadId=U1",
            "PUT /k?partNumber=2&uploadId=U1",
            "PUT /k?partNumber=3&uploadId=U1",
            "POST /k?uploadId=U1",
        ]
    );
    // One window (4 parts per part in flight) took all three; the host heard of it once.
    assert_eq!(t.progress, [(0, Some(11 * MIB as u64))]);
    let completion = String::from_utf8(match &t.seen[5].body {
        s3_connector::client::request::Body::Bytes(bytes) => bytes.clone(),
        other => panic!("{other:?}"),
    })
    .unwrap();
    for etag in ["p1", "p2", "p3"] {
        assert!(completion.contains(etag), "{completion}");
    }
    assert!(t.finished());
}

#[test]
fn a_part_refused_for_good_stops_the_batch_and_the_upload_is_aborted() {
    let mut t = Scripted::new([created("U2"), Reply::error(403, "AccessDenied"), Reply::status(204)])
        .with_file("big.bin", vec![7; 11 * MIB]);
    let input = json!({"bucket": "b", "key": "k", "file": "big.bin", "multipart_threshold": 0, "part_size": 5 * MIB, "concurrency": 4});
    let error = invoke(&mut t, "put_object_file", AUTH, input.to_string()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Forbidden);
    assert_eq!(error.notes.last().unwrap(), "the multipart upload was aborted, no parts remain");
    // Once a part is refused for good no other starts, and none is sent again.
    assert_eq!(t.lines().iter().filter(|line| line.starts_with("PUT")).count(), 1);
    assert_eq!(t.lines().last().unwrap(), "DELETE /k?uploadId=U2");
    assert!(t.finished());
}

fn object(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

fn head(size: usize) -> Reply {
    Reply::status(200).header("content-length", &size.to_string()).header("etag", "\"E\"")
}

fn range(data: &[u8], first: usize, length: usize) -> Reply {
    let last = first + length - 1;
    Reply::status(206)
        .bytes(&data[first..=last])
        .header("content-range", &format!("bytes {first}-{last}/{}", data.len()))
        .header("etag", "\"E\"")
}

#[test]
fn a_large_download_goes_in_ranges_pinned_to_the_etag() {
    let size = 33 * MIB + 5;
    let data = object(size);
    let mut t = Scripted::new([
        head(size),
        range(&data, 0, 16 * MIB),
        Reply::error(503, "SlowDown"),
        range(&data, 16 * MIB, 16 * MIB),
        range(&data, 32 * MIB, MIB + 5),
    ]);
    let input = json!({"bucket": "b", "key": "k", "format": "file", "file": "out.bin", "concurrency": 2});
    let out = invoke(&mut t, "get_object", AUTH, input.to_string()).unwrap();
    assert_eq!(out["file"]["size"], size);
    assert!(t.files["out.bin"] == data, "the file is the object, byte for byte");
    assert_eq!(t.lines()[0], "HEAD /k");
    let ranges: Vec<&str> = t.seen[1..].iter().map(|seen| seen.header("range").unwrap()).collect();
    let sixteen = 16 * MIB;
    assert_eq!(
        ranges,
        [
            format!("bytes=0-{}", sixteen - 1),
            format!("bytes={sixteen}-{}", 2 * sixteen - 1),
            format!("bytes={sixteen}-{}", 2 * sixteen - 1),
            format!("bytes={}-{}", 2 * sixteen, size - 1),
        ]
    );
    assert!(t.seen[1..].iter().all(|seen| seen.header("if-match") == Some("\"E\"")));
    assert!(t.finished());
}

#[test]
fn a_download_whose_object_changes_fails_and_leaves_no_file() {
    let size = 40 * MIB;
    let data = object(size);
    let mut t = Scripted::new([head(size), range(&data, 0, 16 * MIB), Reply::error(412, "PreconditionFailed")]);
    let input = json!({"bucket": "b", "key": "k", "format": "file", "file": "out.bin"});
    let error = invoke(&mut t, "get_object", AUTH, input.to_string()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::PreconditionFailed);
    assert!(!t.files.contains_key("out.bin"), "nothing is committed");
    assert!(t.finished());
}

#[test]
fn a_small_object_goes_in_one_stream_after_the_head() {
    let data = object(1000);
    let whole = Reply::status(200).bytes(&data).header("content-length", "1000").header("etag", "\"E\"");
    let mut t = Scripted::new([head(1000), whole]);
    let input = json!({"bucket": "b", "key": "k", "format": "file", "file": "small.bin"});
    let out = invoke(&mut t, "get_object", AUTH, input.to_string()).unwrap();
    assert_eq!(out["file"]["size"], 1000);
    assert_eq!(t.lines(), ["HEAD /k", "GET /k"]);
    assert!(t.files["small.bin"] == data);
}
