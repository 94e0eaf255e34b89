//! `s3-bench`: the S3 connector through the sandbox against the native AWS SDK for Rust, `curl`
//! on a presigned URL and a bare signed `hyper` client, on one local Garage, in one run. Large
//! transfers run in worker processes so each one's peak RSS is its own. Writes `bench/RESULTS.md`.

mod connector;
mod native;
mod report;
mod sdk;
mod stats;
mod target;
mod workers;

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio");
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
    let mut options = report::Options::default();
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--size-mib" => options.size_mib = rest.next().and_then(|v| v.parse().ok()).expect("--size-mib N"),
            "--ops" => options.ops = rest.next().and_then(|v| v.parse().ok()).expect("--ops N"),
            "--repeats" => options.repeats = rest.next().and_then(|v| v.parse().ok()).expect("--repeats N"),
            "--out" => options.out = PathBuf::from(rest.next().expect("--out FILE")),
            other => panic!("unknown argument {other}; use --size-mib N --ops N --repeats N --out FILE"),
        }
    }
    runtime.block_on(report::run(options));
}
