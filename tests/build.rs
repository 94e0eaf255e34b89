//! Builds the hostile test guest (`tests/guests/hostile`) for `wasm32-wasip2`, twice: as is, and
//! with std's sockets linked in (a component the host must refuse to load).

#[path = "../host/build_guest.rs"]
mod build_guest;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    for watched in ["tests/guests/hostile", "wit", "Cargo.lock", "host/build_guest.rs"] {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }
    for (features, name, variable) in
        [(&[][..], "hostile.wasm", "HOSTILE_WASM"), (&["sockets"][..], "hostile_sockets.wasm", "HOSTILE_SOCKETS_WASM")]
    {
        let built = build_guest::build_guest(&workspace, "hostile-guest", features, "release");
        let copy = out_dir.join(name);
        std::fs::copy(&built, &copy).unwrap_or_else(|e| panic!("cannot copy {}: {e}", built.display()));
        println!("cargo:rustc-env={variable}={}", copy.display());
    }
}
