//! Builds the S3 connector component for `wasm32-wasip2` so the `s3c` binary (and this package's
//! tests) embed the fresh component; the library itself embeds none.

mod build_guest;
mod compose;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    build_guest::embed_connector(&workspace, &["host/compose.rs", "portable/adapter"]);
    // The portable build: the same connector with the file store over wasi:filesystem.
    let portable = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("s3_connector_portable.wasm");
    compose::build_portable(&workspace, &portable);
    println!("cargo:rustc-env=S3_CONNECTOR_PORTABLE_WASM_PATH={}", portable.display());
}
