//! The benchmark run: starts Garage, runs every case side by side, writes the results file.

use crate::connector;
use crate::link::LinkShape;
use crate::link_run::{self, LinkResults};
use crate::native::Native;
use crate::sdk;
use crate::stats::{Latency, latency, mib_per_s};
use crate::target::Bench;
use crate::workers::{SHARED_KEY, SHARED_MD5_KEY};
use connector_host::Runtime;
use s3_test_support::S3_CONNECTOR;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Command-line options.
pub(crate) struct Options {
    /// Size of the large object, MiB.
    pub size_mib: u64,
    /// Operations per small-op latency case.
    pub ops: usize,
    /// Runs of each large-transfer case (the median is reported).
    pub repeats: usize,
    /// Where the results go.
    pub out: PathBuf,
    /// Round trips of the links the large transfers also go through (none: no link cases).
    pub link_rtts: Vec<Duration>,
    /// Each link connection's bandwidth, bytes per second.
    pub link_bytes_per_second: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            size_mib: 1024,
            ops: 1000,
            repeats: 3,
            out: PathBuf::from("bench/RESULTS.md"),
            link_rtts: vec![Duration::from_millis(20), Duration::from_millis(80)],
            link_bytes_per_second: 32 << 20,
        }
    }
}

const LARGE_CASES: &[&str] = &[
    "put-connector",
    "put-connector-md5",
    "put-connector-none",
    "put-connector-from-url",
    "put-sdk",
    "put-curl",
    "put-hyper",
    "get-connector",
    "get-connector-md5",
    "get-sdk",
    "get-curl",
    "get-hyper",
];
const CONCURRENCY: usize = 64;
/// Rounds of the small-operation and concurrency cases, each client's block in rotating order.
const ROUNDS: usize = 3;
const SMALL_SIZE: usize = 4096;

/// Runs the whole benchmark and writes `options.out`.
pub(crate) async fn run(options: Options) {
    let garage = s3_test_support::garage::Garage::start();
    let work_dir = std::env::temp_dir().join(format!("s3-bench-{}", std::process::id()));
    let bench = Bench::on_garage(&garage.endpoint, work_dir.clone());
    eprintln!("bench: Garage at {}, work dir {}", bench.endpoint, work_dir.display());
    let cold = cold_start(&work_dir.join("cold-cache"));
    let runtime = Arc::new(connector::runtime(&work_dir.join("cache")));
    let policy = connector::policy(&work_dir);
    connector::call(&runtime, &bench, &policy, &bench.auth(), "create_bucket", json!({"bucket": bench.bucket})).await;
    let size = options.size_mib << 20;
    s3_test_support::files::write_random_file(&bench.big_file, size, 0x9E37_79B9_7F4A_7C15);
    let sdk_client = sdk::client(&bench);
    sdk::put_file_with_crc32c(&sdk_client, &bench.bucket, SHARED_KEY, &bench.big_file).await;
    sdk::put_file(&sdk_client, &bench.bucket, SHARED_MD5_KEY, &bench.big_file).await;

    let mut large: Vec<(String, Vec<Value>)> =
        link_run::cases(LARGE_CASES).into_iter().map(|c| (c, Vec::new())).collect();
    for round in 0..options.repeats {
        for (case, results) in &mut large {
            eprintln!("bench: round {} {case}", round + 1);
            if case.starts_with("get-") {
                prime_page_cache(&bench.work_dir, size);
            }
            results.push(run_worker(&bench, case));
        }
    }

    let shapes: Vec<LinkShape> = options
        .link_rtts
        .iter()
        .map(|rtt| LinkShape { rtt: *rtt, bytes_per_second: options.link_bytes_per_second })
        .collect();
    let links = link_run::run(&bench, &shapes, size).await;

    eprintln!("bench: small operations");
    let small = small_ops(&runtime, &bench, &policy, &sdk_client, options.ops).await;
    eprintln!("bench: {CONCURRENCY}-way concurrency");
    let concurrent = concurrency(&runtime, &bench, &policy, &sdk_client, options.ops).await;
    eprintln!("bench: per-invocation overhead");
    let overhead = overhead(&runtime, &bench, &policy).await;
    let text = render(&options, size, &large, &links, &small, &concurrent, &overhead, &cold);
    std::fs::write(&options.out, &text).expect("write results");
    println!("{text}");
    let _ = std::fs::remove_dir_all(&work_dir);
}

/// Writes and deletes `size` bytes so the next download finds free page-cache memory. On this
/// VM, writing to memory the guest kernel has not used yet runs at ~330 MB/s against ~3.8 GB/s
/// for memory it has freed before (`dd` of 1 GiB, measured): without this, whichever client
/// downloads first pays for the fresh memory and the order of the cases decides the ranking.
pub(crate) fn prime_page_cache(dir: &std::path::Path, size: u64) {
    use std::io::Write;
    let path = dir.join("page-cache-primer.bin");
    let chunk = vec![0u8; 4 << 20];
    let mut file = std::fs::File::create(&path).expect("primer file");
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        file.write_all(&chunk[..n]).expect("primer write");
        left -= n as u64;
    }
    drop(file);
    std::fs::remove_file(&path).expect("primer removed");
}

/// Runs `case` in a worker process of its own; its JSON line.
pub(crate) fn run_worker(bench: &Bench, case: &str) -> Value {
    let exe = std::env::current_exe().expect("exe");
    let output =
        std::process::Command::new(exe).arg("worker").arg(case).envs(bench.env()).output().expect("worker runs");
    assert!(output.status.success(), "worker {case} failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("worker JSON")
}

/// Compile time without the cache and load time with it, in fresh runtimes.
fn cold_start(cache: &std::path::Path) -> (Duration, Duration) {
    let _ = std::fs::remove_dir_all(cache);
    let miss = Runtime::builder().trust_declared_outbound().with_cache_dir(cache).build(S3_CONNECTOR).expect("runtime");
    let hit = Runtime::builder().trust_declared_outbound().with_cache_dir(cache).build(S3_CONNECTOR).expect("runtime");
    assert!(hit.load_stats().0, "second load should hit the cache");
    (miss.load_stats().1, hit.load_stats().1)
}

type Samples = Vec<(String, Latency, Latency, Latency)>;

async fn small_ops(
    runtime: &Runtime,
    bench: &Bench,
    policy: &connector_host::Policy,
    sdk_client: &aws_sdk_s3::Client,
    ops: usize,
) -> Samples {
    let body: Vec<u8> = (0..SMALL_SIZE).map(|i| b'a' + (i % 26) as u8).collect();
    let text = String::from_utf8(body.clone()).expect("ascii");
    sdk::put_small(sdk_client, &bench.bucket, "small/obj", &body).await;
    let native = Native::new(bench);
    let auth = bench.auth();
    let mut out = Vec::new();
    for op in ["HeadObject", "GetObject 4 KiB", "PutObject 4 KiB"] {
        // Each engine runs its own blocks of operations on its own warm connection; the blocks
        // rotate over rounds, so a slow phase of the shared machine (Garage compacting after
        // the large transfers, say) does not land on one client only.
        let mut timings: [Vec<Duration>; 3] = Default::default();
        let per_round = ops.div_ceil(ROUNDS);
        let warm_up = (per_round / 20).max(5);
        for (round, step) in (0..ROUNDS).flat_map(|round| (0..3).map(move |step| (round, step))) {
            let engine = (round + step) % 3;
            let samples = &mut timings[engine];
            for i in 0..per_round + warm_up {
                let key = format!("small/put-{engine}-{round}-{i}");
                let started = Instant::now();
                match (engine, op) {
                    (0, "HeadObject") => drop(
                        connector::call(
                            runtime,
                            bench,
                            policy,
                            &auth,
                            "head_object",
                            json!({"bucket": bench.bucket, "key": "small/obj"}),
                        )
                        .await,
                    ),
                    (0, "GetObject 4 KiB") => drop(
                        connector::call(
                            runtime,
                            bench,
                            policy,
                            &auth,
                            "get_object",
                            json!({"bucket": bench.bucket, "key": "small/obj"}),
                        )
                        .await,
                    ),
                    (0, _) => drop(
                        connector::call(
                            runtime,
                            bench,
                            policy,
                            &auth,
                            "put_object_text",
                            json!({"bucket": bench.bucket, "key": key, "content": text}),
                        )
                        .await,
                    ),
                    (1, "HeadObject") => sdk::head(sdk_client, &bench.bucket, "small/obj").await,
                    (1, "GetObject 4 KiB") => drop(sdk::get_small(sdk_client, &bench.bucket, "small/obj").await),
                    (1, _) => sdk::put_small(sdk_client, &bench.bucket, &key, &body).await,
                    (_, "HeadObject") => native.head("small/obj").await,
                    (_, "GetObject 4 KiB") => drop(native.get_small("small/obj").await),
                    (_, _) => native.put_small(&key, &body).await,
                }
                if i >= warm_up {
                    samples.push(started.elapsed());
                }
            }
        }
        let [mut c, mut s, mut n] = timings;
        out.push((op.to_string(), latency(&mut c), latency(&mut s), latency(&mut n)));
    }
    out
}

/// Operations per second with 64 tasks issuing HeadObject: connector, SDK, bare hyper.
async fn concurrency(
    runtime: &Arc<Runtime>,
    bench: &Bench,
    policy: &connector_host::Policy,
    sdk_client: &aws_sdk_s3::Client,
    ops: usize,
) -> [f64; 3] {
    let per_task = (ops * 4 / CONCURRENCY / ROUNDS).max(10);
    let total = (per_task * CONCURRENCY) as f64;
    let mut rates = [0.0; 3];
    let mut elapsed = [Duration::ZERO; 3];
    for (round, step) in (0..ROUNDS).flat_map(|round| (0..3).map(move |step| (round, step))) {
        let index = (round + step) % 3;
        let started = Instant::now();
        let mut tasks = Vec::new();
        let native = Arc::new(Native::new(bench));
        for _ in 0..CONCURRENCY {
            let (runtime, bench, policy, sdk_client, native) =
                (runtime.clone(), bench.clone(), policy.clone(), sdk_client.clone(), native.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..per_task {
                    match index {
                        0 => drop(
                            connector::call(
                                &runtime,
                                &bench,
                                &policy,
                                &bench.auth(),
                                "head_object",
                                json!({"bucket": bench.bucket, "key": "small/obj"}),
                            )
                            .await,
                        ),
                        1 => sdk::head(&sdk_client, &bench.bucket, "small/obj").await,
                        _ => native.head("small/obj").await,
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        elapsed[index] += started.elapsed();
    }
    for (rate, time) in rates.iter_mut().zip(elapsed) {
        *rate = total * ROUNDS as f64 / time.as_secs_f64();
    }
    rates
}

/// Instantiate + call + drop with no network: a presign (signing included) and an input error.
pub(crate) async fn overhead(runtime: &Runtime, bench: &Bench, policy: &connector_host::Policy) -> [Latency; 2] {
    let auth = bench.auth().to_string();
    let presign = json!({"bucket": bench.bucket, "key": "k", "expires_in": 60}).to_string();
    // Valid for the manifest's schema (the host lets it through), refused by the connector's own
    // bucket-name rules before any request: instantiate, call and drop, nothing else.
    let invalid = json!({"bucket": "s3://not-a-bucket", "key": "k"}).to_string();
    let mut results = [Latency { p50: Duration::ZERO, p99: Duration::ZERO, mean: Duration::ZERO }; 2];
    // `BENCH_OVERHEAD_CASES=presign` (or `invalid`) times one kind only: for counting one
    // kind's instructions under valgrind.
    let only = std::env::var("BENCH_OVERHEAD_CASES").ok();
    for (slot, (name, operation, input)) in
        results.iter_mut().zip([("presign", "get_object_signed_url", &presign), ("invalid", "head_object", &invalid)])
    {
        if only.as_deref().is_some_and(|only| !only.split(',').any(|case| case == name)) {
            continue;
        }
        // `BENCH_OVERHEAD_N` invocations are timed (10,000 by default; more for a profile).
        let timed: usize = std::env::var("BENCH_OVERHEAD_N").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
        let mut samples = Vec::with_capacity(timed);
        for i in 0..timed + 1000 {
            let started = Instant::now();
            let invocation = runtime.invoke(operation, &auth, input, policy).await.expect("host");
            let elapsed = started.elapsed();
            assert_eq!(invocation.result.is_ok(), operation == "get_object_signed_url");
            if i >= 1000 {
                samples.push(elapsed);
            }
        }
        *slot = latency(&mut samples);
    }
    results
}

/// Only the connector's HeadObject, `count` times one after another against a Garage of its own:
/// for profiling the small-operation path (`perf record -g -p <pid>`, the pid printed first, keeps
/// Garage's samples out). Prints the mean per operation.
pub(crate) async fn head_loop(count: usize) {
    let garage = s3_test_support::garage::Garage::start();
    let work_dir = std::env::temp_dir().join(format!("s3-bench-head-{}", std::process::id()));
    let bench = Bench::on_garage(&garage.endpoint, work_dir.clone());
    let runtime = connector::runtime(&work_dir.join("cache"));
    let policy = connector::policy(&work_dir);
    let auth = bench.auth();
    connector::call(&runtime, &bench, &policy, &auth, "create_bucket", json!({"bucket": bench.bucket})).await;
    let text = "a".repeat(SMALL_SIZE);
    let put = json!({"bucket": bench.bucket, "key": "small/obj", "content": text});
    connector::call(&runtime, &bench, &policy, &auth, "put_object_text", put).await;
    let head = json!({"bucket": bench.bucket, "key": "small/obj"});
    println!("head-loop: pid {}, {count} HeadObject", std::process::id());
    let started = Instant::now();
    for _ in 0..count {
        drop(connector::call(&runtime, &bench, &policy, &auth, "head_object", head.clone()).await);
    }
    println!("head-loop: {} µs per HeadObject", micros(started.elapsed() / count.max(1) as u32));
    let _ = std::fs::remove_dir_all(&work_dir);
}

/// Only the per-invocation overhead (no server needed): for profiling the host and the guest,
/// e.g. under `perf record`. Prints p50 and p99 of each kind of invocation.
pub(crate) async fn overhead_only() {
    let work_dir = std::env::temp_dir().join(format!("s3-bench-overhead-{}", std::process::id()));
    let bench = Bench {
        endpoint: "http://127.0.0.1:9".into(),
        region: "garage".into(),
        access_key_id: "GK000000000000000000000000".into(),
        secret_access_key: "0".repeat(64),
        bucket: "overhead".into(),
        big_file: work_dir.join("none"),
        work_dir: work_dir.clone(),
    };
    // Compiled components are kept between runs (keyed by their hash), so a profile or an
    // instruction count of this command is the invocations', not the compiler's.
    let runtime = connector::runtime(&std::env::temp_dir().join("s3-bench-overhead-cache"));
    let [presign, invalid] = overhead(&runtime, &bench, &connector::policy(&work_dir)).await;
    println!("presign p50 {} µs p99 {} µs", micros(presign.p50), micros(presign.p99));
    println!("invalid input p50 {} µs p99 {} µs", micros(invalid.p50), micros(invalid.p99));
    let _ = std::fs::remove_dir_all(&work_dir);
}

fn micros(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0) / 1024 / 1024)
        })
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    format!(
        "{cores} cores ({cpu}), {memory} GiB RAM, Linux; Garage {} on loopback, same machine",
        s3_test_support::garage::GARAGE_VERSION
    )
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn gzip_size(bytes: &[u8]) -> usize {
    let path = std::env::temp_dir().join(format!("s3-bench-component-{}.wasm", std::process::id()));
    std::fs::write(&path, bytes).expect("write component copy");
    let output = std::process::Command::new("gzip").arg("-9c").arg(&path).output().expect("gzip");
    let _ = std::fs::remove_file(&path);
    output.stdout.len()
}

fn median_seconds(results: &[Value]) -> f64 {
    let mut seconds: Vec<f64> = results.iter().map(|r| r["seconds"].as_f64().unwrap_or(f64::NAN)).collect();
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

fn max_of(results: &[Value], field: &str) -> u64 {
    results.iter().filter_map(|r| r[field].as_u64()).max().unwrap_or(0)
}

fn check(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

#[expect(clippy::too_many_arguments, reason = "one section of the results file per argument")]
fn render(
    options: &Options,
    size: u64,
    large: &[(String, Vec<Value>)],
    links: &[LinkResults],
    small: &Samples,
    concurrent: &[f64; 3],
    overhead: &[Latency; 2],
    cold: &(Duration, Duration),
) -> String {
    let mut out = String::new();
    let rate = |case: &str| {
        let results = &large.iter().find(|(c, _)| c == case).expect("case").1;
        mib_per_s(size, Duration::from_secs_f64(median_seconds(results)))
    };
    let _ = writeln!(out, "# Benchmark results\n");
    let _ = writeln!(out, "- date: {} (UTC)", command_output("date", &["-u", "+%Y-%m-%d %H:%M"]));
    let _ = writeln!(out, "- machine: {}", machine());
    let _ = writeln!(out, "- commit: {}", command_output("git", &["rev-parse", "--short", "HEAD"]));
    let _ = writeln!(
        out,
        "- command: `scripts/bench.sh` (= `cargo run --release -p s3-bench -- --size-mib {} --ops {} --repeats {}`)",
        options.size_mib, options.ops, options.repeats
    );
    let _ = writeln!(
        out,
        "- connector: release component, compiled-component cache, pooling allocator, pooled keep-alive client; defaults unless noted"
    );
    let _ = writeln!(
        out,
        "- baselines in the same run: `aws-sdk-s3` (native Rust SDK), `curl` on a presigned URL, and a bare pooled `hyper` client signed natively with `aws-sigv4` (the last two are the wire limit)"
    );
    let server = match std::env::var_os("GARAGE_PRELOAD") {
        Some(_) => {
            "Garage with TCP_NODELAY on its connections (`bench/nodelay/nodelay.c`, preloaded): small answers are not held by Nagle's algorithm against the client's delayed ACK"
        }
        None => {
            "Garage as shipped (Nagle's algorithm on: a 4 KiB GET includes a 40 ms delayed ACK for every client; `scripts/bench.sh` preloads `bench/nodelay/nodelay.c`)"
        }
    };
    let _ = writeln!(out, "- server: {server}\n");

    let _ = writeln!(
        out,
        "## Large objects ({} MiB, median of {} runs, each in its own process)\n",
        options.size_mib, options.repeats
    );
    let _ = writeln!(out, "| case | MiB/s | × SDK | × curl | peak host RSS | peak guest memory |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for (case, results) in large {
        let direction = if case.starts_with("put") { "put" } else { "get" };
        let mine = rate(case);
        let _ = writeln!(
            out,
            "| {case} | {mine:.0} | {:.2} | {:.2} | {} MiB | {} |",
            mine / rate(&format!("{direction}-sdk")),
            mine / rate(&format!("{direction}-curl")),
            max_of(results, "peak_rss_kib") / 1024,
            match max_of(results, "guest_peak_memory") {
                0 => "—".to_string(),
                bytes => format!("{:.1} MiB", bytes as f64 / 1048576.0),
            }
        );
    }
    let _ = writeln!(
        out,
        "\n`get-connector` and `get-sdk` download an object stored with a full-object CRC32C and check it as the bytes arrive (the connector's host computes it while writing the file); `get-connector-md5` downloads the same bytes stored without a checksum, whose only stated digest is the ETag (an MD5, computed in software: one core's worth at these rates). `curl` and `hyper` check nothing (the wire limit). `put-connector` uses the default `crc32c` checksum (`x-amz-checksum-crc32c` per part, computed natively by the host); `-md5` (Content-MD5) and `-none` are the other options; `-from-url` copies a presigned GET of the 1 GiB object into a new key (download and upload at once, 64 MiB ranged parts, CRC32C computed in the guest as the bytes pass and sent as an `aws-chunked` trailer). Uploads above 64 MiB go in 64 MiB parts. Every download ends durable on disk (fsync) inside the timed region, as the connector's file store commits it, and starts with freed page-cache memory (see the analysis).\n"
    );

    link_run::render(&mut out, links, size);

    let _ = writeln!(out, "## Small objects: latency over {} operations each (µs)\n", options.ops);
    let _ =
        writeln!(out, "| operation | connector p50 | p99 | SDK p50 | p99 | hyper p50 | p99 | connector ÷ SDK (p50) |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (op, c, s, n) in small {
        let _ = writeln!(
            out,
            "| {op} | {} | {} | {} | {} | {} | {} | {:.2} |",
            micros(c.p50),
            micros(c.p99),
            micros(s.p50),
            micros(s.p99),
            micros(n.p50),
            micros(n.p99),
            c.p50.as_secs_f64() / s.p50.as_secs_f64()
        );
    }
    let _ = writeln!(
        out,
        "\nEach connector operation is a full invocation: a fresh instance, the call, signing in the guest, and the HTTP exchange through wasi:http.\n"
    );
    let _ = writeln!(out, "## {CONCURRENCY} concurrent HeadObject\n");
    let _ = writeln!(out, "| connector ops/s | SDK ops/s | hyper ops/s | connector ÷ SDK |");
    let _ = writeln!(out, "|---:|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {:.0} | {:.0} | {:.0} | {:.2} |\n",
        concurrent[0],
        concurrent[1],
        concurrent[2],
        concurrent[0] / concurrent[1]
    );
    let _ = writeln!(out, "## Per-invocation overhead, no network (10,000 invocations)\n");
    let _ = writeln!(out, "| invocation | p50 µs | p99 µs | mean µs |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for (name, l) in ["presign (instantiate + call + SigV4 + drop)", "invalid input (instantiate + call + drop)"]
        .iter()
        .zip(overhead)
    {
        let _ = writeln!(out, "| {name} | {} | {} | {} |", micros(l.p50), micros(l.p99), micros(l.mean));
    }
    let component = S3_CONNECTOR.len();
    let _ = writeln!(out, "\n## Start-up and size\n");
    let _ = writeln!(out, "| measure | value |");
    let _ = writeln!(out, "|---|---:|");
    let _ = writeln!(out, "| cold start, no compiled cache (compile) | {:.1} ms |", cold.0.as_secs_f64() * 1e3);
    let _ = writeln!(out, "| cold start, compiled cache hit | {:.1} ms |", cold.1.as_secs_f64() * 1e3);
    let _ = writeln!(
        out,
        "| component size | {component} bytes ({:.2} MiB), {} bytes gzipped |",
        component as f64 / 1048576.0,
        gzip_size(S3_CONNECTOR)
    );

    let put_ratio = rate("put-connector") / rate("put-sdk");
    let get_ratio = rate("get-connector") / rate("get-sdk");
    let put_curl = rate("put-connector") / rate("put-curl");
    let get_curl = rate("get-connector") / rate("get-curl");
    let p50_ratio = small.iter().map(|(_, c, s, _)| c.p50.as_secs_f64() / s.p50.as_secs_f64()).fold(0.0, f64::max);
    let p99_ratio = small.iter().map(|(_, c, s, _)| c.p99.as_secs_f64() / s.p99.as_secs_f64()).fold(0.0, f64::max);
    let guest_peak = large.iter().map(|(_, r)| max_of(r, "guest_peak_memory")).max().unwrap_or(0);
    let host_peak = large
        .iter()
        .filter(|(c, _)| c.contains("connector"))
        .map(|(_, r)| max_of(r, "peak_rss_kib"))
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\n## Targets\n");
    let _ = writeln!(out, "| target | measured | |");
    let _ = writeln!(out, "|---|---:|---|");
    let rows = [
        ("1 GiB PUT ≥ 1.0× SDK", format!("{put_ratio:.2}×"), put_ratio >= 1.0),
        ("1 GiB GET ≥ 1.0× SDK", format!("{get_ratio:.2}×"), get_ratio >= 1.0),
        ("1 GiB PUT ≥ 0.95× curl", format!("{put_curl:.2}×"), put_curl >= 0.95),
        ("1 GiB GET ≥ 0.95× curl", format!("{get_curl:.2}×"), get_curl >= 0.95),
        ("small-op p50 ≤ 1.1× SDK (worst op)", format!("{p50_ratio:.2}×"), p50_ratio <= 1.1),
        ("small-op p99 ≤ 1.3× SDK (worst op)", format!("{p99_ratio:.2}×"), p99_ratio <= 1.3),
        (
            "64-way ops/s ≥ 1.0× SDK",
            format!("{:.2}×", concurrent[0] / concurrent[1]),
            concurrent[0] / concurrent[1] >= 1.0,
        ),
        (
            "per-invocation overhead ≤ 20 µs (p50, invalid input)",
            format!("{} µs", micros(overhead[1].p50)),
            overhead[1].p50 <= Duration::from_micros(20),
        ),
        (
            "presign ≤ 35 µs (p50, a whole invocation)",
            format!("{} µs", micros(overhead[0].p50)),
            overhead[0].p50 <= Duration::from_micros(35),
        ),
        ("component ≤ 1 MiB", format!("{component} B"), component <= 1 << 20),
        (
            "cold start with cache ≤ 20 ms",
            format!("{:.1} ms", cold.1.as_secs_f64() * 1e3),
            cold.1 <= Duration::from_millis(20),
        ),
        (
            "guest memory < 4 MiB on 1 GiB transfers",
            format!("{:.1} MiB", guest_peak as f64 / 1048576.0),
            guest_peak < 4 << 20,
        ),
        ("host RSS < 96 MiB on 1 GiB transfers", format!("{} MiB", host_peak / 1024), host_peak < 96 * 1024),
    ];
    let mut rows: Vec<(String, String, bool)> = rows.into_iter().map(|(t, m, ok)| (t.to_string(), m, ok)).collect();
    for (rtt, direction, ratio) in link_run::ratios(links, size) {
        let target = format!("1 GiB {} ≥ 1.0× aws s3 cp at {rtt} ms RTT", direction.to_uppercase());
        rows.push((target, format!("{ratio:.2}×"), ratio >= 1.0));
    }
    for (target, measured, ok) in rows {
        let _ = writeln!(out, "| {target} | {measured} | {} |", check(ok));
    }
    if let Ok(notes) = std::fs::read_to_string("bench/NOTES.md") {
        let _ = writeln!(out, "\n{notes}");
    }
    out
}
