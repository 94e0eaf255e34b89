//! The server under benchmark, passed to worker processes through the environment.

use serde_json::{Value, json};

/// Endpoint, credentials, bucket and the large file.
#[derive(Clone)]
pub(crate) struct Bench {
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub bucket: String,
    pub big_file: std::path::PathBuf,
    pub work_dir: std::path::PathBuf,
}

impl Bench {
    /// The suite's Garage at `endpoint`, with its key and a bucket named after this process,
    /// working in `work_dir` (created).
    pub(crate) fn on_garage(endpoint: &str, work_dir: std::path::PathBuf) -> Bench {
        std::fs::create_dir_all(&work_dir).expect("work dir");
        Bench {
            endpoint: endpoint.to_string(),
            region: s3_test_support::garage::REGION.into(),
            access_key_id: s3_test_support::garage::ACCESS_KEY_ID.into(),
            secret_access_key: s3_test_support::garage::SECRET_ACCESS_KEY.into(),
            bucket: format!("bench-{}", std::process::id()),
            big_file: work_dir.join("big.bin"),
            work_dir,
        }
    }

    /// Reads what the parent exported.
    pub(crate) fn from_env() -> Bench {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (workers are started by s3-bench)"))
        };
        Bench {
            endpoint: var("BENCH_ENDPOINT"),
            region: var("BENCH_REGION"),
            access_key_id: var("BENCH_ACCESS_KEY_ID"),
            secret_access_key: var("BENCH_SECRET_ACCESS_KEY"),
            bucket: var("BENCH_BUCKET"),
            big_file: var("BENCH_BIG_FILE").into(),
            work_dir: var("BENCH_WORK_DIR").into(),
        }
    }

    /// The variables a worker needs.
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("BENCH_ENDPOINT", self.endpoint.clone()),
            ("BENCH_REGION", self.region.clone()),
            ("BENCH_ACCESS_KEY_ID", self.access_key_id.clone()),
            ("BENCH_SECRET_ACCESS_KEY", self.secret_access_key.clone()),
            ("BENCH_BUCKET", self.bucket.clone()),
            ("BENCH_BIG_FILE", self.big_file.display().to_string()),
            ("BENCH_WORK_DIR", self.work_dir.display().to_string()),
        ]
    }

    /// The connector's auth object.
    pub(crate) fn auth(&self) -> Value {
        json!({"access_key_id": self.access_key_id, "secret_access_key": self.secret_access_key, "region": self.region, "endpoint": self.endpoint})
    }
}
