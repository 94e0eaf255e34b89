//! A single-node Garage on loopback, configured for the tests and the demo: layout applied, a
//! fixed test key imported and allowed to create buckets. The process dies with the test binary.

use crate::process::{free_port, spawn_tied};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The pinned Garage version (`scripts/install-garage.sh` builds it).
pub const GARAGE_VERSION: &str = "2.5.0";
/// The region Garage is configured with.
pub const REGION: &str = "garage";
/// The test key id (`GK` + 24 hex).
pub const ACCESS_KEY_ID: &str = "GK5e3c0a1b2c3d4e5f60718293";
/// The test secret (64 hex).
pub const SECRET_ACCESS_KEY: &str = "7b1f4e2d9c8a6b5e3f2d1c0b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c";

/// A running Garage.
pub struct Garage {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    config: PathBuf,
    binary: PathBuf,
    log: PathBuf,
    /// The server process, for [`Garage::stop`].
    pid: std::sync::atomic::AtomicU32,
}

/// Where the Garage binary is: `$GARAGE_BIN`, the install script's cache, or `garage` on PATH.
pub fn garage_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("GARAGE_BIN") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let cached = home.join(format!(".cache/s3wasm/garage-{GARAGE_VERSION}/bin/garage"));
    if cached.exists() {
        return Some(cached);
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|p| p.join("garage")).find(|p| p.exists()))
}

/// Removes data directories left by test processes that no longer run.
fn sweep_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.strip_prefix("s3c-garage-").and_then(|rest| rest.split('-').next());
        if let Some(pid) = pid.and_then(|p| p.parse::<u32>().ok())
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Garage {
    /// Starts Garage in a fresh directory and configures it. Panics with instructions when the
    /// binary is missing: a missing server is a failure, never a skip.
    pub fn start() -> Garage {
        Self::start_named("shared")
    }

    /// Starts a Garage of one test's own (in a directory named after `name`), for tests that stop
    /// and restart the server.
    pub fn start_named(name: &str) -> Garage {
        let binary = garage_binary().unwrap_or_else(|| {
            panic!("Garage {GARAGE_VERSION} is not installed: run scripts/install-garage.sh (or set GARAGE_BIN, or S3_TEST_ENDPOINT for another server)")
        });
        let base = std::env::temp_dir();
        sweep_stale(&base);
        let dir = base.join(format!("s3c-garage-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cannot create the Garage directory");
        let (s3_port, rpc_port, admin_port) = (free_port(), free_port(), free_port());
        let config = dir.join("garage.toml");
        let toml = format!(
            r#"metadata_dir = "{dir}/meta"
data_dir = "{dir}/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{secret}"

[s3_api]
s3_region = "{REGION}"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:{admin_port}"
"#,
            dir = dir.display(),
            secret = "d2c0f6b1a8e94c3f7a5b6c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b",
        );
        std::fs::write(&config, toml).expect("cannot write garage.toml");
        let log = dir.join("server.log");
        let pid = spawn_server(&binary, &config, &log).into();
        let garage = Garage { endpoint: format!("http://127.0.0.1:{s3_port}"), config, binary, log, pid };
        garage.configure();
        garage
    }

    /// Kills the server (SIGKILL, as a crash would) and waits until its port refuses connections.
    pub fn stop(&self) {
        let pid = self.pid.load(std::sync::atomic::Ordering::SeqCst) as libc::pid_t;
        // SAFETY: kill only sends a signal to the server process this helper started.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(self.address()).is_ok() {
            assert!(Instant::now() < deadline, "Garage did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same data and ports, and waits until its S3 API answers.
    pub fn restart(&self) {
        let pid = spawn_server(&self.binary, &self.config, &self.log);
        self.pid.store(pid, std::sync::atomic::Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(self.address()).is_err() {
            assert!(Instant::now() < deadline, "Garage did not restart");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last `lines` lines of the server's log, for a failure's message.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read(&self.log).unwrap_or_default();
        let text = String::from_utf8_lossy(&log);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    fn address(&self) -> &str {
        self.endpoint.trim_start_matches("http://")
    }

    fn cli(&self, args: &[&str]) -> Result<String, String> {
        let output = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .env("RUST_LOG", "error")
            .output()
            .map_err(|e| format!("cannot run garage: {e}"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(format!(
                "garage {args:?} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    fn configure(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let node = loop {
            match self.cli(&["node", "id", "-q"]) {
                Ok(id) if id.contains('@') => {
                    break id.trim().split('@').next().unwrap_or_default().to_string();
                }
                other if Instant::now() > deadline => panic!("Garage did not start: {other:?}"),
                _ => std::thread::sleep(Duration::from_millis(200)),
            }
        };
        let steps: [&[&str]; 4] = [
            &["layout", "assign", "-z", "dc1", "-c", "1G", &node],
            &["layout", "apply", "--version", "1"],
            &["key", "import", "--yes", "-n", "s3c-tests", ACCESS_KEY_ID, SECRET_ACCESS_KEY],
            &["key", "allow", "--create-bucket", ACCESS_KEY_ID],
        ];
        // The node answers its status before its RPC listener is up: a step refused meanwhile
        // is tried again until the deadline.
        for step in steps {
            loop {
                match self.cli(step) {
                    Ok(_) => break,
                    Err(e) if Instant::now() > deadline => panic!("{e}"),
                    Err(_) => std::thread::sleep(Duration::from_millis(200)),
                }
            }
        }
        // The S3 API answers once the layout is live.
        while std::net::TcpStream::connect(self.address()).is_err() {
            assert!(Instant::now() < deadline, "Garage's S3 API did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Starts `garage server` for `config`, logging to `log`; returns its process id. With
/// `GARAGE_PRELOAD` set, that shared library is preloaded into the server (the benchmark's
/// TCP_NODELAY setting, `bench/nodelay/nodelay.c`).
fn spawn_server(binary: &Path, config: &Path, log: &Path) -> u32 {
    let mut command = Command::new(binary);
    command.arg("-c").arg(config).arg("server");
    if let Some(preload) = std::env::var_os("GARAGE_PRELOAD") {
        command.env("LD_PRELOAD", preload);
    }
    spawn_tied(command, log)
}
