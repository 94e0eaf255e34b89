//! `s3-bench soak`: the long load-and-soak run through the host library against a local Garage
//! (100,000 invocations at 64-way by default), written to `bench/SOAK.md`.

use crate::connector;
use s3_test_support::garage::{ACCESS_KEY_ID, Garage, REGION, SECRET_ACCESS_KEY};
use s3_test_support::soak::{SoakReport, soak};
use serde_json::json;
use std::sync::Arc;

/// Runs the soak and writes the report to `out`.
pub(crate) async fn run(invocations: usize, concurrency: usize, out: &std::path::Path) {
    let garage = Garage::start();
    let work_dir = std::env::temp_dir().join(format!("s3-bench-soak-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir).expect("work dir");
    let runtime = Arc::new(connector::runtime(&work_dir.join("cache")));
    let policy = connector::policy(&work_dir);
    let auth = json!({"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY, "region": REGION, "endpoint": garage.endpoint});
    let bucket = format!("soak-{}", std::process::id());
    let input = json!({"bucket": bucket}).to_string();
    let created = runtime.invoke("create_bucket", &auth.to_string(), &input, &policy).await.expect("host");
    created.result.expect("the soak bucket is created");
    eprintln!("soak: {invocations} invocations, {concurrency} at a time, against Garage at {}", garage.endpoint);
    let report = soak(runtime, auth, policy, &bucket, invocations, concurrency).await;
    let text = markdown(&report);
    println!("{text}");
    std::fs::write(out, text).expect("write the soak report");
    let _ = std::fs::remove_dir_all(&work_dir);
}

fn markdown(report: &SoakReport) -> String {
    format!(
        "# Soak\n\n`scripts/bench.sh soak --invocations {} --concurrency {}` (release build, Garage {} on the same 2 cores): \
         head / 4 KiB get / small put / one-page list in rotation, through `Runtime::invoke` with pooled instances.\n\n\
         | figure | value |\n|---|---|\n\
         | invocations | {} |\n| concurrency | {} |\n| errors | {} |\n| invocations per second | {:.0} |\n| elapsed | {:.1} s |\n\
         | host RSS after warm-up (10 %) | {} KiB |\n| host RSS at the end | {} KiB ({:+.1} %) |\n\
         | open descriptors after warm-up / at the end | {} / {} |\n\n\
         Pass: 0 errors, RSS within 10 % of warm-up, descriptors flat. {}\n",
        report.invocations,
        report.concurrency,
        s3_test_support::garage::GARAGE_VERSION,
        report.invocations,
        report.concurrency,
        report.errors,
        report.per_second(),
        report.elapsed.as_secs_f64(),
        report.rss_warm_kib,
        report.rss_end_kib,
        report.rss_growth() * 100.0,
        report.fds_warm,
        report.fds_end,
        match (report.errors, report.rss_growth() < 0.10, report.fds_end <= report.fds_warm + 8) {
            (0, true, true) => "Result: **pass**.".to_string(),
            _ => format!("Result: **fail** (first error: {:?}).", report.first_error),
        }
    )
}
