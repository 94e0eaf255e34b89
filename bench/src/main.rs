//! `s3-bench`: the S3 connector through the sandbox against the native AWS SDK for Rust, `curl`
//! on a presigned URL and a bare signed `hyper` client, on one local Garage, in one run. Large
//! transfers run in worker processes so each one's peak RSS is its own. Writes `bench/RESULTS.md`.

mod connector;
mod link;
mod link_run;
mod native;
mod report;
mod sdk;
mod soak;
mod stats;
mod target;
mod workers;

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Every client runs on the same kind of runtime: two workers by default, or one thread with
    // BENCH_RUNTIME=current-thread (no hand-offs between threads, as in a thread-per-core host).
    let runtime = match std::env::var("BENCH_RUNTIME").as_deref() {
        Ok("current-thread") => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        _ => tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build(),
    }
    .expect("tokio");
    if args.get(1).map(String::as_str) == Some("worker") {
        let case = args.get(2).expect("worker case");
        let result = runtime.block_on(workers::run(case));
        println!("{result}");
        return;
    }
    if args.get(1).map(String::as_str) == Some("overhead") {
        runtime.block_on(report::overhead_only());
        return;
    }
    if args.get(1).map(String::as_str) == Some("head-loop") {
        let count = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20_000);
        runtime.block_on(report::head_loop(count));
        return;
    }
    if args.get(1).map(String::as_str) == Some("soak") {
        let (mut invocations, mut concurrency) = (100_000, 64);
        let mut out = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/SOAK.md"));
        let mut rest = args.iter().skip(2);
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--invocations" => invocations = rest.next().and_then(|v| v.parse().ok()).expect("--invocations N"),
                "--concurrency" => concurrency = rest.next().and_then(|v| v.parse().ok()).expect("--concurrency N"),
                "--out" => out = PathBuf::from(rest.next().expect("--out FILE")),
                other => panic!("unknown argument {other}; use soak --invocations N --concurrency N --out FILE"),
            }
        }
        runtime.block_on(soak::run(invocations, concurrency, &out));
        return;
    }
    let mut options = report::Options::default();
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--size-mib" => options.size_mib = rest.next().and_then(|v| v.parse().ok()).expect("--size-mib N"),
            "--ops" => options.ops = rest.next().and_then(|v| v.parse().ok()).expect("--ops N"),
            "--repeats" => options.repeats = rest.next().and_then(|v| v.parse().ok()).expect("--repeats N"),
            "--out" => options.out = PathBuf::from(rest.next().expect("--out FILE")),
            "--link-rtt-ms" => {
                let list = rest.next().expect("--link-rtt-ms 20,80 (or none)");
                options.link_rtts = list
                    .split(',')
                    .filter(|ms| *ms != "none" && !ms.is_empty())
                    .map(|ms| std::time::Duration::from_millis(ms.parse().expect("milliseconds")))
                    .collect();
            }
            "--link-mib-per-s" => {
                let mib: u64 = rest.next().and_then(|v| v.parse().ok()).expect("--link-mib-per-s N");
                options.link_bytes_per_second = mib << 20;
            }
            other => panic!(
                "unknown argument {other}; use --size-mib N --ops N --repeats N --out FILE --link-rtt-ms 20,80|none --link-mib-per-s N"
            ),
        }
    }
    runtime.block_on(report::run(options));
}
