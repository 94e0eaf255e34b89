//! Builds the S3 connector component (the `component` profile, or `S3_CONNECTOR_WASM` when set)
//! for the worker to embed.

#[path = "../host/build_guest.rs"]
mod build_guest;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    build_guest::embed_connector(&workspace, &[]);
}
