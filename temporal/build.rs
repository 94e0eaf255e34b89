//! Builds the S3 connector component (the `component` profile, or `S3_CONNECTOR_WASM` when set)
//! for the worker to embed.

#[path = "../host/build_guest.rs"]
mod build_guest;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    for watched in
        ["connector/src", "connector/Cargo.toml", "contract", "Cargo.toml", "wit", "Cargo.lock", "host/build_guest.rs"]
    {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=S3_CONNECTOR_WASM");
    let wasm = match std::env::var("S3_CONNECTOR_WASM") {
        Ok(prebuilt) => PathBuf::from(prebuilt),
        Err(_) => build_guest::build_guest(&workspace, "s3-connector", &[], "component"),
    };
    println!("cargo:rustc-env=S3_CONNECTOR_WASM_PATH={}", wasm.display());
}
