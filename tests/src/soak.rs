//! Load and soak: many invocations at high concurrency through the host library against the
//! real server, watching errors, the host's RSS and its open descriptors. A short run is a test
//! (`tests/tests/soak.rs`); the long one is `s3-bench soak` (figures in `bench/SOAK.md`).

use crate::process::{open_fds, rss_kib};
use connector_host::{Policy, Runtime};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a soak run saw.
#[derive(Debug, Clone)]
pub struct SoakReport {
    /// Invocations run.
    pub invocations: usize,
    /// Concurrent invocations.
    pub concurrency: usize,
    /// Invocations that failed (host failure or typed error).
    pub errors: u64,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// Host RSS once a tenth of the invocations had run, in KiB.
    pub rss_warm_kib: u64,
    /// Host RSS at the end, in KiB.
    pub rss_end_kib: u64,
    /// Open descriptors once warm, and at the end.
    pub fds_warm: usize,
    /// See `fds_warm`.
    pub fds_end: usize,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

impl SoakReport {
    /// Invocations per second.
    pub fn per_second(&self) -> f64 {
        self.invocations as f64 / self.elapsed.as_secs_f64()
    }

    /// RSS growth from warm-up to the end, as a fraction of the warm RSS.
    pub fn rss_growth(&self) -> f64 {
        self.rss_end_kib as f64 / self.rss_warm_kib.max(1) as f64 - 1.0
    }
}

/// The `index`-th invocation of the mix: head, 4 KiB get, small put, one-page listing.
fn operation(index: usize, bucket: &str) -> (&'static str, Value) {
    match index % 4 {
        0 => ("head_object", json!({"bucket": bucket, "key": "soak/object"})),
        1 => ("get_object", json!({"bucket": bucket, "key": "soak/object"})),
        2 => {
            ("put_object_text", json!({"bucket": bucket, "key": format!("soak/put-{}", index % 64), "content": "soak"}))
        }
        _ => ("list_objects", json!({"bucket": bucket, "prefix": "soak/", "max_keys": 10})),
    }
}

/// Prepares `bucket` (one 4 KiB object) and runs `invocations` of the mix, `concurrency` at a time.
pub async fn soak(
    runtime: Arc<Runtime>,
    auth: Value,
    policy: Policy,
    bucket: &str,
    invocations: usize,
    concurrency: usize,
) -> SoakReport {
    let auth = Arc::new(auth.to_string());
    let policy = Arc::new(policy);
    let setup = json!({"bucket": bucket, "key": "soak/object", "content": "s".repeat(4096)}).to_string();
    let put = runtime.invoke("put_object_text", &auth, &setup, &policy).await.expect("host");
    put.result.expect("the soak object is written");
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let warm = Arc::new(std::sync::Mutex::new(None::<(u64, usize)>));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (runtime, auth, policy, bucket) = (runtime.clone(), auth.clone(), policy.clone(), bucket.to_string());
            let (next, done, errors, first_error, warm) =
                (next.clone(), done.clone(), errors.clone(), first_error.clone(), warm.clone());
            tokio::spawn(async move {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= invocations {
                        return;
                    }
                    let (name, input) = operation(index, &bucket);
                    let failure = match runtime.invoke(name, &auth, &input.to_string(), &policy).await {
                        Ok(invocation) => invocation.result.err().map(|e| format!("{name}: {e:?}")),
                        Err(e) => Some(format!("{name}: {e}")),
                    };
                    if let Some(failure) = failure {
                        errors.fetch_add(1, Ordering::Relaxed);
                        first_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get_or_insert(failure);
                    }
                    if done.fetch_add(1, Ordering::Relaxed) + 1 == invocations / 10 {
                        *warm.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((rss_kib(), open_fds()));
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("soak worker");
    }
    let elapsed = started.elapsed();
    let (rss_warm_kib, fds_warm) =
        warm.lock().unwrap_or_else(std::sync::PoisonError::into_inner).unwrap_or((rss_kib(), open_fds()));
    let first_error = first_error.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    SoakReport {
        invocations,
        concurrency,
        errors: errors.load(Ordering::Relaxed),
        first_error,
        rss_warm_kib,
        rss_end_kib: rss_kib(),
        fds_warm,
        fds_end: open_fds(),
        elapsed,
    }
}
