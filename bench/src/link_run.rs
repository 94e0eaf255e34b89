//! The real-link cases: the large PUT and GET through a [`Link`] of each shape, for the
//! connector (its defaults: parts and ranges in flight), the SDK, `curl` and `aws s3 cp` (the
//! AWS CLI, which sends up to 10 parts at once), each in its own worker process.

use crate::link::{Link, LinkShape};
use crate::report::{prime_page_cache, run_worker};
use crate::stats::mib_per_s;
use crate::target::Bench;
use serde_json::Value;
use std::fmt::Write as _;
use std::time::Duration;

/// The cases run through each link.
const LINK_CASES: &[&str] =
    &["put-connector", "put-sdk", "put-curl", "put-awscli", "get-connector", "get-sdk", "get-curl", "get-awscli"];

/// One link's results: each case's worker output.
pub(crate) struct LinkResults {
    /// The link.
    pub shape: LinkShape,
    /// Case name and worker output.
    pub results: Vec<(String, Value)>,
}

/// Runs every case through a link of each shape in `shapes`, once each.
pub(crate) async fn run(bench: &Bench, shapes: &[LinkShape], size: u64) -> Vec<LinkResults> {
    let mut all = Vec::new();
    for shape in shapes {
        let link = Link::start(&bench.endpoint, *shape).await;
        let through = Bench { endpoint: link.endpoint.clone(), ..bench.clone() };
        let mut results = Vec::new();
        for case in &cases(LINK_CASES) {
            eprintln!("bench: link {} ms {case}", shape.rtt.as_millis());
            if case.starts_with("get-") {
                prime_page_cache(&bench.work_dir, size);
            }
            let (worker_bench, worker_case) = (through.clone(), case.clone());
            let result = tokio::task::spawn_blocking(move || run_worker(&worker_bench, &worker_case))
                .await
                .expect("the worker's thread");
            results.push((case.clone(), result));
        }
        all.push(LinkResults { shape: *shape, results });
    }
    all
}

/// The results section for `links` (`size` bytes moved by each case).
pub(crate) fn render(out: &mut String, links: &[LinkResults], size: u64) {
    if links.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Over a link: {} MiB through a latency proxy\n", size >> 20);
    let _ = writeln!(
        out,
        "A loopback proxy in front of Garage (`bench/src/link.rs`) delays every byte by half the round trip each way and caps each connection at the stated rate (one TCP stream's window per round trip on a long path); each direction buffers one bandwidth-delay product. Every client goes through the same proxy, one run each. Peak RSS is the larger of the worker's and its child process's (`curl`, `aws`).\n"
    );
    let _ =
        writeln!(out, "| RTT | per connection | case | MiB/s | × aws s3 cp | × SDK | peak RSS | peak guest memory |");
    let _ = writeln!(out, "|---:|---:|---|---:|---:|---:|---:|---:|");
    for link in links {
        let rate = |case: &str| rate(link, case, size);
        for (case, result) in &link.results {
            let direction = if case.starts_with("put") { "put" } else { "get" };
            let mine = rate(case);
            let rss =
                result["peak_rss_kib"].as_u64().unwrap_or(0).max(result["children_peak_rss_kib"].as_u64().unwrap_or(0));
            let guest = match result["guest_peak_memory"].as_u64().unwrap_or(0) {
                0 => "—".to_string(),
                bytes => format!("{:.1} MiB", bytes as f64 / 1048576.0),
            };
            let _ = writeln!(
                out,
                "| {} ms | {} MiB/s | {case} | {mine:.0} | {:.2} | {:.2} | {} MiB | {guest} |",
                link.shape.rtt.as_millis(),
                link.shape.bytes_per_second >> 20,
                mine / rate(&format!("{direction}-awscli")),
                mine / rate(&format!("{direction}-sdk")),
                rss / 1024,
            );
        }
    }
    let _ = writeln!(out);
}

/// The connector's ratio to `aws s3 cp` for each direction of each link: (RTT ms, direction, ratio).
pub(crate) fn ratios(links: &[LinkResults], size: u64) -> Vec<(u128, &'static str, f64)> {
    let mut ratios = Vec::new();
    for link in links {
        let rate = |case: &str| rate(link, case, size);
        for direction in ["put", "get"] {
            let ratio = rate(&format!("{direction}-connector")) / rate(&format!("{direction}-awscli"));
            ratios.push((link.shape.rtt.as_millis(), direction, ratio));
        }
    }
    ratios
}

/// MiB/s of `case` through `link` (0 if it did not run).
fn rate(link: &LinkResults, case: &str, size: u64) -> f64 {
    let seconds = link.results.iter().find(|(c, _)| c == case).and_then(|(_, r)| r["seconds"].as_f64());
    seconds.map_or(0.0, |s| mib_per_s(size, Duration::from_secs_f64(s)))
}

/// `BENCH_CASES` (comma-separated) when given, to run a subset while measuring; else `all`.
pub(crate) fn cases(all: &[&str]) -> Vec<String> {
    match std::env::var("BENCH_CASES") {
        Ok(list) => all.iter().filter(|case| list.split(',').any(|c| c == **case)).map(ToString::to_string).collect(),
        Err(_) => all.iter().map(ToString::to_string).collect(),
    }
}
