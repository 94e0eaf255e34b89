//! Large objects against the real server: multipart round trips with each checksum mode,
//! interrupted uploads that leave nothing behind, and downloads that resume.

use connector_host::ErrorKind;
use s3_test_support::files::{sha256_file, write_random_file};
use s3_test_support::garage::Garage;
use s3_test_support::loopback::{CutRule, CuttingProxy};
use s3_test_support::{Session, target};
use serde_json::{Value, json};

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_round_trip_of_210_mib_is_byte_identical() {
    let s = Session::new();
    let bucket = s.bucket("multipart").await;
    let size = 210 * MIB + 12345;
    write_random_file(&s.files.join("big.bin"), size, 7);
    let put = s.ok("put_object_file", json!({"bucket": bucket, "key": "big/object.bin", "file": "big.bin"})).await;
    assert_eq!(put["size"], size);
    assert_eq!(put["parts"], 4, "210 MiB in 64 MiB parts");
    assert!(put["etag"].as_str().unwrap().ends_with("-4"), "{put}");
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<Value>::new());
    let got = s
        .ok("get_object", json!({"bucket": bucket, "key": "big/object.bin", "format": "file", "file": "copy.bin"}))
        .await;
    assert_eq!(got["file"]["size"], size);
    assert_eq!(sha256_file(&s.files.join("copy.bin")), sha256_file(&s.files.join("big.bin")));
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "big/object.bin"})).await;
    assert_eq!(head["etag"], put["etag"]);
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_checksum_mode_uploads_in_parts() {
    let s = Session::new();
    let bucket = s.bucket("checksums").await;
    let size = 12 * MIB + 1;
    write_random_file(&s.files.join("f.bin"), size, 11);
    let digest = sha256_file(&s.files.join("f.bin"));
    for mode in ["md5", "crc32c", "crc32", "sha256", "none"] {
        let mut auth = s.auth.clone();
        auth["checksum"] = json!(mode);
        let key = format!("{mode}.bin");
        let input =
            json!({"bucket": bucket, "key": key, "file": "f.bin", "multipart_threshold": 0, "part_size": 5 * MIB});
        let put =
            s.call_with("put_object_file", &auth, input, &s.policy).await.unwrap_or_else(|e| panic!("{mode}: {e:?}"));
        assert_eq!(put["parts"], 3, "{mode}");
        let out = format!("{mode}.out");
        s.ok("get_object", json!({"bucket": bucket, "key": key, "format": "file", "file": out})).await;
        assert_eq!(sha256_file(&s.files.join(&out)), digest, "{mode}");
        // A single PUT with the same checksum.
        let single = json!({"bucket": bucket, "key": format!("single-{key}"), "file": "f.bin"});
        let put = s
            .call_with("put_object_file", &auth, single, &s.policy)
            .await
            .unwrap_or_else(|e| panic!("single {mode}: {e:?}"));
        assert_eq!(put["parts"], 1);
    }
    let bad = s
        .call(
            "put_object_file",
            json!({"bucket": bucket, "key": "x", "file": "f.bin", "multipart_threshold": 0, "part_size": 1024}),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.field.as_deref(), Some("/part_size"));
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_upload_is_aborted_and_reported_as_retryable() {
    let s = Session::new();
    let bucket = s.bucket("interrupted").await;
    write_random_file(&s.files.join("big.bin"), 60 * MIB, 3);
    let direct = target().endpoint.clone().expect("an endpoint");
    let proxy =
        CuttingProxy::start(&direct, CutRule { upload_armed_after: Some(24 * MIB), ..CutRule::default() }).await;
    let mut via_proxy = s.auth.clone();
    via_proxy["endpoint"] = json!(proxy.endpoint);
    let input =
        json!({"bucket": bucket, "key": "cut.bin", "file": "big.bin", "multipart_threshold": 0, "part_size": 8 * MIB});
    let error = s.call_with("put_object_file", &via_proxy, input, &s.policy).await.unwrap_err();
    assert!(error.retryable, "{error:?}");
    assert_eq!(error.kind, ErrorKind::Unavailable, "{error:?}");
    assert!(error.message.contains("aborted"), "{}", error.message);
    assert!(proxy.cuts.load(std::sync::atomic::Ordering::SeqCst) >= 3, "each attempt at the part was cut");
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<Value>::new(), "no multipart upload may remain");
    let missing = s.call("head_object", json!({"bucket": bucket, "key": "cut.bin"})).await.unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_whose_server_stops_is_aborted_once_the_server_is_back() {
    // Stopping the server needs a server of this test's own: a private Garage (also when the
    // suite targets another server, since that one cannot be stopped from here).
    let garage = std::sync::Arc::new(tokio::task::spawn_blocking(|| Garage::start_named("stopped")).await.unwrap());
    let mut session = Session::new();
    session.auth["endpoint"] = json!(garage.endpoint);
    session.auth["region"] = json!(s3_test_support::garage::REGION);
    session.auth["access_key_id"] = json!(s3_test_support::garage::ACCESS_KEY_ID);
    session.auth["secret_access_key"] = json!(s3_test_support::garage::SECRET_ACCESS_KEY);
    let s = std::sync::Arc::new(session);
    let bucket = s.bucket("stopped").await;
    write_random_file(&s.files.join("big.bin"), 120 * MIB, 9);
    let upload = {
        let (s, bucket) = (s.clone(), bucket.clone());
        tokio::spawn(async move {
            let input = json!({"bucket": bucket, "key": "crash.bin", "file": "big.bin", "multipart_threshold": 0, "part_size": 5 * MIB});
            s.call("put_object_file", input).await
        })
    };
    // Stop the server as soon as the upload is under way.
    while s.uploads_in_progress(&bucket).await.is_empty() {
        assert!(!upload.is_finished(), "the upload ended before the server could be stopped");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let stopper = garage.clone();
    tokio::task::spawn_blocking(move || stopper.stop()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let starter = garage.clone();
    tokio::task::spawn_blocking(move || starter.restart()).await.unwrap();
    let error = upload.await.unwrap().unwrap_err();
    assert!(error.retryable, "{error:?}");
    assert!(matches!(error.kind, ErrorKind::Unavailable | ErrorKind::Timeout), "{error:?}");
    assert!(error.message.contains("aborted"), "{}", error.message);
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<Value>::new(), "no multipart upload may remain");
    let missing = s.call("head_object", json!({"bucket": bucket, "key": "crash.bin"})).await.unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
    s.remove_bucket(&bucket).await;
    tokio::task::spawn_blocking(move || garage.stop()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_download_resumes_where_it_stopped() {
    let s = Session::new();
    let bucket = s.bucket("resume").await;
    let size = 40 * MIB;
    write_random_file(&s.files.join("src.bin"), size, 5);
    s.ok("put_object_file", json!({"bucket": bucket, "key": "r.bin", "file": "src.bin"})).await;
    let direct = target().endpoint.clone().expect("an endpoint");
    let proxy = CuttingProxy::start(&direct, CutRule { download_cut_after: Some(6 * MIB), ..CutRule::default() }).await;
    let mut via_proxy = s.auth.clone();
    via_proxy["endpoint"] = json!(proxy.endpoint);
    let input = json!({"bucket": bucket, "key": "r.bin", "format": "file", "file": "dst.bin", "resume": true});
    let error = s.call_with("get_object", &via_proxy, input.clone(), &s.policy).await.unwrap_err();
    assert!(error.retryable && error.message.contains("resume"), "{error:?}");
    assert!(!s.files.join("dst.bin").exists(), "an incomplete download must not appear under its name");
    let partials: Vec<u64> = std::fs::read_dir(&s.files)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .map(|e| e.metadata().unwrap().len())
        .collect();
    assert_eq!(partials.len(), 1, "one partial download is kept");
    assert!(partials[0] >= 3 * 5 * MIB, "each of the three attempts continued the previous: {partials:?}");
    let done = s.ok("get_object", input).await;
    assert_eq!(done["file"]["resumed_from"], partials[0]);
    assert_eq!(done["file"]["size"], size);
    assert_eq!(sha256_file(&s.files.join("dst.bin")), sha256_file(&s.files.join("src.bin")));
    let leftovers = std::fs::read_dir(&s.files)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .count();
    assert_eq!(leftovers, 0);
    // A changed object never continues the old bytes.
    let again = json!({"bucket": bucket, "key": "r.bin", "format": "file", "file": "dst2.bin", "resume": true});
    let cut = s.call_with("get_object", &via_proxy, again.clone(), &s.policy).await.unwrap_err();
    assert!(cut.retryable, "a cut download is worth resuming: {cut:?}");
    write_random_file(&s.files.join("src2.bin"), size, 9);
    s.ok("put_object_file", json!({"bucket": bucket, "key": "r.bin", "file": "src2.bin"})).await;
    let fresh = s.ok("get_object", again).await;
    assert_eq!(fresh["file"]["resumed_from"], 0);
    assert_eq!(sha256_file(&s.files.join("dst2.bin")), sha256_file(&s.files.join("src2.bin")));
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parts_and_ranges_in_flight_round_trip_byte_identical() {
    let s = Session::new();
    let bucket = s.bucket("in-flight").await;
    let size = 70 * MIB + 777;
    write_random_file(&s.files.join("big.bin"), size, 21);
    let source = sha256_file(&s.files.join("big.bin"));
    let input = json!({"bucket": bucket, "key": "big.bin", "file": "big.bin", "multipart_threshold": 0,
                       "part_size": 5 * MIB, "concurrency": 8});
    let put = s.ok("put_object_file", input).await;
    assert_eq!(put["parts"], 15);
    assert!(put["etag"].as_str().unwrap().ends_with("-15"), "{put}");
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<Value>::new());
    // Five 16 MiB ranges, four at a time, each written at its offset by the host;
    // then the same object in one stream.
    for (name, concurrency) in [("ranges.bin", 4), ("one-stream.bin", 1), ("all-at-once.bin", 16)] {
        let input =
            json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": name, "concurrency": concurrency});
        let got = s.ok("get_object", input).await;
        assert_eq!(got["file"]["size"], size, "{name}");
        assert_eq!(sha256_file(&s.files.join(name)), source, "{name}");
    }
    let refused = json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "x.bin", "concurrency": 17});
    assert_eq!(s.call("get_object", refused).await.unwrap_err().field.as_deref(), Some("/concurrency"));
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_range_is_fetched_again_and_a_download_that_cannot_finish_leaves_nothing() {
    let s = Session::new();
    let bucket = s.bucket("cut-ranges").await;
    let size = 80 * MIB;
    write_random_file(&s.files.join("big.bin"), size, 22);
    s.ok("put_object_file", json!({"bucket": bucket, "key": "big.bin", "file": "big.bin"})).await;
    let direct = target().endpoint.clone().expect("an endpoint");
    // Each connection is cut after 40 MiB: its third 16 MiB range breaks and is fetched again.
    let proxy =
        CuttingProxy::start(&direct, CutRule { download_cut_after: Some(40 * MIB), ..CutRule::default() }).await;
    let mut via_proxy = s.auth.clone();
    via_proxy["endpoint"] = json!(proxy.endpoint);
    let input = json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "got.bin", "concurrency": 2});
    let got = s.call_with("get_object", &via_proxy, input, &s.policy).await.expect("the cut range is fetched again");
    assert_eq!(got["file"]["size"], size);
    assert_eq!(sha256_file(&s.files.join("got.bin")), sha256_file(&s.files.join("big.bin")));
    assert!(proxy.cuts.load(std::sync::atomic::Ordering::SeqCst) >= 1, "a range was cut");
    // Cut after 8 MiB, no range ever arrives whole: the download fails and leaves no file.
    let proxy = CuttingProxy::start(&direct, CutRule { download_cut_after: Some(8 * MIB), ..CutRule::default() }).await;
    via_proxy["endpoint"] = json!(proxy.endpoint);
    let input = json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "never.bin"});
    let error = s.call_with("get_object", &via_proxy, input, &s.policy).await.unwrap_err();
    assert!(error.retryable, "{error:?}");
    assert!(!s.files.join("never.bin").exists(), "no file appears");
    let leftovers: Vec<_> = std::fs::read_dir(&s.files).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.iter().all(|name| !name.to_string_lossy().contains("never.bin")), "{leftovers:?}");
    s.remove_bucket(&bucket).await;
}
