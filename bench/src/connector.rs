//! The connector through the sandbox: the real host library running the real component.

use crate::target::Bench;
use connector_host::{FileAccess, Policy, Runtime};
use s3_test_support::S3_CONNECTOR;
use serde_json::{Value, json};
use std::path::Path;

/// A runtime with the compiled-component cache (as a platform would run it), pooled instances.
/// For profiling: `BENCH_PERF_MAP=1` names the guest's compiled functions for `perf`,
/// `BENCH_COMPONENT=FILE` runs that build of the component (e.g. one that kept its names), and
/// `BENCH_NO_POOLING=1` allocates each instance on its own (valgrind cannot reserve the pool).
pub(crate) fn runtime(cache: &Path) -> Runtime {
    let mut builder = Runtime::builder().trust_declared_outbound().with_cache_dir(cache);
    if std::env::var_os("BENCH_NO_POOLING").is_none() {
        builder = builder.with_pooling(128, 64 << 20);
    }
    if std::env::var_os("BENCH_PERF_MAP").is_some() {
        builder = builder.with_perf_map();
    }
    let component = std::env::var_os("BENCH_COMPONENT").map(|path| std::fs::read(path).expect("BENCH_COMPONENT"));
    builder.build(component.as_deref().unwrap_or(S3_CONNECTOR)).expect("runtime")
}

/// A policy granting `files` as the file store.
pub(crate) fn policy(files: &Path) -> Policy {
    Policy {
        files: FileAccess { root: Some(files.to_path_buf()), writable: true },
        allow_private_networks: true,
        ..Policy::default()
    }
}

/// Runs one operation; panics on any failure (a benchmark must not time errors).
pub(crate) async fn call(
    runtime: &Runtime,
    bench: &Bench,
    policy: &Policy,
    auth: &Value,
    operation: &str,
    input: Value,
) -> (Value, usize) {
    let invocation = runtime.invoke(operation, &auth.to_string(), &input.to_string(), policy).await.expect("host");
    let peak = invocation.peak_memory;
    match invocation.result {
        Ok(text) => (serde_json::from_str(&text).expect("json"), peak),
        Err(e) => panic!("{operation} on {} failed: {e:?}", bench.bucket),
    }
}

/// The connector's auth with an upload checksum mode.
pub(crate) fn auth_with_checksum(bench: &Bench, checksum: &str) -> Value {
    let mut auth = bench.auth();
    auth["checksum"] = json!(checksum);
    auth
}
