//! Builds the S3 connector component for `wasm32-wasip2` so the `s3c` binary (and this package's
//! tests) embed the fresh component; the library itself embeds none.

mod build_guest;
mod compose;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    for watched in [
        "connector/src",
        "connector/Cargo.toml",
        "contract",
        "Cargo.toml",
        "wit",
        "Cargo.lock",
        "host/build_guest.rs",
        "host/compose.rs",
        "portable/adapter",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=S3_CONNECTOR_WASM");
    let wasm = match std::env::var("S3_CONNECTOR_WASM") {
        Ok(prebuilt) => PathBuf::from(prebuilt),
        // The `component` profile (workspace Cargo.toml): size-optimised, hashes at full speed.
        Err(_) => build_guest::build_guest(&workspace, "s3-connector", &[], "component"),
    };
    println!("cargo:rustc-env=S3_CONNECTOR_WASM_PATH={}", wasm.display());
    // The portable build: the same connector with the file store over wasi:filesystem.
    let portable = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("s3_connector_portable.wasm");
    compose::build_portable(&workspace, &portable);
    println!("cargo:rustc-env=S3_CONNECTOR_PORTABLE_WASM_PATH={}", portable.display());
}
