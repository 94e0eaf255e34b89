//! Builds the components the tests run: the S3 connector (the `component` profile, as shipped,
//! or `S3_CONNECTOR_WASM` when set), and the hostile test guest (`tests/guests/hostile`) twice —
//! as is, and with std's sockets linked in (a component the host must refuse to load).

#[path = "../host/build_guest.rs"]
mod build_guest;
#[path = "../host/compose.rs"]
mod compose;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    build_guest::embed_connector(&workspace, &["tests/guests/hostile", "host/compose.rs", "portable/adapter"]);
    // The portable build (the file store over wasi:filesystem), for the tests in other runtimes.
    let portable = out_dir.join("s3_connector_portable.wasm");
    compose::build_portable(&workspace, &portable);
    println!("cargo:rustc-env=S3_CONNECTOR_PORTABLE_WASM_PATH={}", portable.display());
    for (features, name, variable) in
        [(&[][..], "hostile.wasm", "HOSTILE_WASM"), (&["sockets"][..], "hostile_sockets.wasm", "HOSTILE_SOCKETS_WASM")]
    {
        let built = build_guest::build_guest(&workspace, "hostile-guest", features, "release");
        let copy = out_dir.join(name);
        std::fs::copy(&built, &copy).unwrap_or_else(|e| panic!("cannot copy {}: {e}", built.display()));
        println!("cargo:rustc-env={variable}={}", copy.display());
    }
}
