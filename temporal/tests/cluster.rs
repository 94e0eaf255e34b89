//! The worker on a real Temporal cluster (the Temporal CLI's dev server) against the suite's S3
//! server: a Python workflow (the official SDK, as a platform's own code) runs a sequence of S3
//! activities across worker processes, one of which is killed while it runs the sequence's slow
//! download; Temporal retries that activity on another worker, the workflow completes, and the
//! bucket holds exactly what the workflow wrote. A worker killed mid-upload leaves no parts: the
//! next attempt aborts the upload its heartbeat named. A cancelled workflow aborts its upload. A
//! non-retryable typed error fails its workflow at the first attempt, its kind in the history.

mod support;

use s3_test_support::files::{sha256_file, write_random_file};
use s3_test_support::loopback::ThrottlingProxy;
use s3_test_support::{Session, target};
use serde_json::{Value, json};
use support::{python_scenario, start_temporal, start_worker, temporal_bin_dir};

/// The size of the object whose download is interrupted.
const LARGE: u64 = 24 << 20;
/// The file each worker has to upload (the upload a workflow cancels, and the one a killed worker
/// leaves open): big enough to take several heartbeats over the link.
const UPLOAD_FILE: &str = "upload.bin";
/// How fast the proxy between the workers and S3 relays each way: transfers take seconds.
const LINK_BYTES_PER_SECOND: u64 = 6 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_survives_a_killed_worker_and_a_typed_error_fails_it_at_once() {
    let bin = temporal_bin_dir();
    let work = tempfile::tempdir().unwrap();
    let (_server, temporal) = start_temporal(&bin, work.path());

    let session = Session::new();
    let bucket = session.bucket("temporal").await;
    let large_key = "large.bin";
    write_random_file(&session.files.join(large_key), LARGE, 7);
    session.ok("put_object_file", json!({"bucket": bucket, "key": large_key, "file": large_key})).await;

    let endpoint = target().endpoint.clone().expect("a local or configured endpoint");
    let proxy = ThrottlingProxy::start(&endpoint, LINK_BYTES_PER_SECOND).await;
    let queue = format!("s3-activities-{}", std::process::id());
    // Three workers: each scenario that kills one still leaves two.
    let workers = ["worker-a", "worker-b", "worker-c"].map(|identity| {
        let dir = work.path().join(identity);
        std::fs::create_dir_all(&dir).unwrap();
        write_random_file(&dir.join(UPLOAD_FILE), 4 * LARGE, 9);
        (identity, start_worker(identity, &temporal, &queue, &proxy.endpoint, &dir, &[], &[]))
    });
    let pids: serde_json::Map<String, Value> =
        workers.iter().map(|(identity, worker)| ((*identity).to_string(), json!(worker.0.id()))).collect();
    let scenario = json!({"address": temporal, "queue": queue, "bucket": bucket, "large_key": large_key,
        "upload_file": UPLOAD_FILE, "workers": pids});
    let report = python_scenario(&bin, "cluster_scenario.py", &scenario).await;
    eprintln!("cluster scenario: {report}");

    // The worker running the download was killed, and Temporal ran it again on another one.
    let killed = report["killed"].as_str().unwrap_or_else(|| panic!("no worker was killed mid-download: {report}"));
    let attempts = report["download_attempts"].as_array().expect("download attempts");
    assert_eq!(attempts.len(), 1, "{report}");
    assert!(attempts[0]["attempt"].as_u64() >= Some(2), "the lost attempt must have been retried: {report}");
    let survivor = attempts[0]["identity"].as_str().expect("the retry's worker");
    assert_ne!(survivor, killed, "{report}");
    assert_eq!(report["result"]["download"]["file"]["size"], LARGE, "{report}");
    let survivor_dir = work.path().join(survivor);
    assert_eq!(
        sha256_file(&survivor_dir.join("large.bin")),
        sha256_file(&session.files.join(large_key)),
        "the retried download's bytes"
    );

    // The bucket holds exactly what the workflow wrote: nothing lost, nothing twice.
    let listed = session.ok("list_objects", json!({"bucket": bucket, "fetch_all": true})).await;
    let mut keys: Vec<&str> = listed["objects"].as_array().unwrap().iter().filter_map(|o| o["key"].as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "interrupted.bin", large_key]);
    for key in ["a.txt", "e.txt"] {
        let object = session.ok("get_object", json!({"bucket": bucket, "key": key})).await;
        assert_eq!(object["body"], format!("content of {key}"));
    }
    // A cancelled workflow cancels its running activity, and the worker aborts the upload.
    assert_eq!(report["cancel"]["workflow_cancelled"], true, "{report}");
    assert_eq!(report["cancel"]["activity_cancelled"], true, "{report}");
    // A worker killed mid-upload leaves its upload open; the next attempt, on another worker,
    // aborts it (its last heartbeat named it) and uploads the file afresh.
    let interrupted = &report["interrupted"];
    let killed = interrupted["killed"].as_str().unwrap_or_else(|| panic!("no worker was killed mid-upload: {report}"));
    let attempt = &interrupted["attempts"][0];
    assert!(attempt["attempt"].as_u64() >= Some(2) && attempt["identity"] != killed, "{report}");
    assert_eq!(interrupted["result"]["size"], 4 * LARGE, "{report}");
    assert!(
        session.uploads_in_progress(&bucket).await.is_empty(),
        "neither a cancelled upload nor a lost attempt's may leave parts"
    );

    // A typed error that retrying cannot fix fails the workflow at the first attempt.
    let failure = &report["missing_failure"];
    assert_eq!(failure["type"], "not-found", "{report}");
    assert_eq!(failure["non_retryable"], true, "{report}");
    assert_eq!(failure["details"][0]["kind"], "not-found", "{report}");
    assert_eq!(report["missing_attempts"][0]["attempt"], 1, "{report}");
    session.remove_bucket(&bucket).await;
}
