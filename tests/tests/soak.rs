//! A short soak through the host library against the real server: 64 invocations at a time,
//! no errors, RSS flat after warm-up, descriptors flat. The long run is `s3-bench soak`.

use s3_test_support::Session;
use s3_test_support::soak::soak;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_invocations_at_64_way_leave_the_host_as_it_was() {
    let s = Session::new();
    let bucket = s.bucket("soak").await;
    let runtime = Arc::new(s3_test_support::runtime());
    let report = soak(runtime, s.auth.clone(), s.policy.clone(), &bucket, 4000, 64).await;
    eprintln!("{report:?}, {:.0}/s", report.per_second());
    assert_eq!(report.errors, 0, "first error: {:?}", report.first_error);
    assert!(report.rss_growth() < 0.10, "RSS {} -> {} KiB", report.rss_warm_kib, report.rss_end_kib);
    // Pooled connections come and go with the load; a leak would grow with the invocations.
    assert!(report.fds_end <= report.fds_warm + 8, "fds {} -> {}", report.fds_warm, report.fds_end);
    s.remove_bucket(&bucket).await;
}
