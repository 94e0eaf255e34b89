//! Large-transfer cases, each run in its own worker process: `s3-bench worker <case>` prints one
//! JSON line with the time, bytes, the process's peak RSS and (for the connector) guest memory.

use crate::stats::{children_peak_rss_kib, peak_rss_kib};
use crate::target::Bench;
use crate::{connector, native, sdk};
use serde_json::{Value, json};
use std::time::Instant;

/// The object every GET case downloads (uploaded once by the parent, stating its full-object
/// CRC32C, which the connector and the SDK check).
pub(crate) const SHARED_KEY: &str = "big/shared.bin";
/// The same bytes stored without a checksum: its only stated digest is its ETag, an MD5, which
/// the connector checks (`get-connector-md5`).
pub(crate) const SHARED_MD5_KEY: &str = "big/shared-md5.bin";

/// Runs `case` (`put-connector`, `put-connector-crc32c`, `get-sdk`, `put-curl`, ...).
pub(crate) async fn run(case: &str) -> Value {
    let bench = Bench::from_env();
    let out = bench.work_dir.join(format!("out-{case}.bin"));
    let _ = std::fs::remove_file(&out);
    let size = std::fs::metadata(&bench.big_file).expect("big file").len();
    let key = format!("big/{case}.bin");
    let mut guest_peak = 0usize;
    let started;
    let bytes = match case {
        "put-connector-from-url" => {
            let runtime = connector::runtime(&bench.work_dir.join("cache"));
            let policy = connector::policy(&bench.work_dir);
            let input = json!({"bucket": bench.bucket, "key": SHARED_KEY, "expires_in": 3600});
            let (signed, _) =
                connector::call(&runtime, &bench, &policy, &bench.auth(), "get_object_signed_url", input).await;
            started = Instant::now();
            let input = json!({"bucket": bench.bucket, "key": key, "url": signed["url"]});
            let (_, peak) = connector::call(&runtime, &bench, &policy, &bench.auth(), "put_object_file", input).await;
            guest_peak = peak;
            size
        }
        c if c.starts_with("put-connector") => {
            let checksum = c.strip_prefix("put-connector-").unwrap_or("crc32c");
            let runtime = connector::runtime(&bench.work_dir.join("cache"));
            let dir = bench.big_file.parent().expect("dir");
            let policy = connector::policy(dir);
            let file = bench.big_file.file_name().unwrap().to_string_lossy().into_owned();
            let auth = connector::auth_with_checksum(&bench, checksum);
            started = Instant::now();
            let mut input = json!({"bucket": bench.bucket, "key": key, "file": file});
            with_concurrency(&mut input);
            let (_, peak) = connector::call(&runtime, &bench, &policy, &auth, "put_object_file", input).await;
            guest_peak = peak;
            size
        }
        "get-connector" | "get-connector-md5" => {
            let runtime = connector::runtime(&bench.work_dir.join("cache"));
            let policy = connector::policy(&bench.work_dir);
            let name = out.file_name().unwrap().to_string_lossy().into_owned();
            started = Instant::now();
            let object = if case == "get-connector" { SHARED_KEY } else { SHARED_MD5_KEY };
            let mut input = json!({"bucket": bench.bucket, "key": object, "format": "file", "file": name});
            with_concurrency(&mut input);
            let (output, peak) = connector::call(&runtime, &bench, &policy, &bench.auth(), "get_object", input).await;
            guest_peak = peak;
            output["file"]["size"].as_u64().unwrap_or(0)
        }
        "put-sdk" => {
            let client = sdk::client(&bench);
            started = Instant::now();
            sdk::put_file(&client, &bench.bucket, &key, &bench.big_file).await;
            size
        }
        "get-sdk" => {
            let client = sdk::client(&bench);
            started = Instant::now();
            sdk::get_file(&client, &bench.bucket, SHARED_KEY, &out).await
        }
        "put-hyper" => {
            let client = native::Native::new(&bench);
            started = Instant::now();
            client.put_file(&key, &bench.big_file).await;
            size
        }
        "get-hyper" => {
            let client = native::Native::new(&bench);
            started = Instant::now();
            client.get_file(SHARED_KEY, &out).await
        }
        "put-curl" | "get-curl" => {
            let runtime = connector::runtime(&bench.work_dir.join("cache"));
            let policy = connector::policy(&bench.work_dir);
            let (method, object) = if case == "put-curl" { ("PUT", key.as_str()) } else { ("GET", SHARED_KEY) };
            let input = json!({"bucket": bench.bucket, "key": object, "method": method, "expires_in": 3600});
            let (signed, _) =
                connector::call(&runtime, &bench, &policy, &bench.auth(), "get_object_signed_url", input).await;
            let url = signed["url"].as_str().expect("url").to_string();
            let mut command = std::process::Command::new("curl");
            command.args(["-sS", "-f", "-o"]);
            if case == "put-curl" {
                command.arg("/dev/null").arg("-T").arg(&bench.big_file);
            } else {
                command.arg(&out);
            }
            started = Instant::now();
            let status = command.arg(&url).status().expect("curl runs");
            assert!(status.success(), "curl failed: {status}");
            if case == "put-curl" { size } else { std::fs::metadata(&out).expect("curl output").len() }
        }
        "put-awscli" | "get-awscli" => {
            let aws = std::env::var("BENCH_AWS_CLI").expect("BENCH_AWS_CLI (scripts/bench.sh installs the AWS CLI)");
            let mut command = std::process::Command::new(aws);
            command
                .args(["s3", "cp", "--no-progress", "--only-show-errors", "--endpoint-url", &bench.endpoint])
                .args(["--region", &bench.region])
                .env("AWS_ACCESS_KEY_ID", &bench.access_key_id)
                .env("AWS_SECRET_ACCESS_KEY", &bench.secret_access_key)
                // Its defaults, not whatever this machine's user configured.
                .env("AWS_CONFIG_FILE", "/nonexistent")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
                .env("AWS_EC2_METADATA_DISABLED", "true");
            if case == "put-awscli" {
                command.arg(&bench.big_file).arg(format!("s3://{}/{key}", bench.bucket));
            } else {
                command.arg(format!("s3://{}/{SHARED_KEY}", bench.bucket)).arg(&out);
            }
            started = Instant::now();
            let status = command.status().expect("the AWS CLI runs");
            assert!(status.success(), "aws s3 cp failed: {status}");
            if case == "put-awscli" { size } else { std::fs::metadata(&out).expect("aws output").len() }
        }
        other => panic!("unknown case {other}"),
    };
    // The connector's file store makes a download durable (fsync, then rename into place) before
    // it reports success; the other clients do the same work here, inside the timed region.
    if case.starts_with("get-") && case != "get-connector" {
        std::fs::File::open(&out).and_then(|file| file.sync_all()).expect("fsync the download");
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(bytes, size, "{case} moved {bytes} of {size} bytes");
    let _ = std::fs::remove_file(&out);
    json!({"case": case, "seconds": seconds, "bytes": bytes, "peak_rss_kib": peak_rss_kib(),
           "children_peak_rss_kib": children_peak_rss_kib(), "guest_peak_memory": guest_peak})
}

/// Sets the connector's parts in flight from `BENCH_CONCURRENCY` when given (to measure the
/// choice of its default); otherwise the input keeps the connector's default.
fn with_concurrency(input: &mut Value) {
    if let Some(concurrency) = std::env::var("BENCH_CONCURRENCY").ok().and_then(|c| c.parse::<u64>().ok()) {
        input["concurrency"] = json!(concurrency);
    }
}
