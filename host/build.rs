//! Builds the S3 connector component for `wasm32-wasip2` so the host and its tests always embed
//! the fresh component. The nested cargo uses its own target directory to avoid the outer lock.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().to_path_buf();
    for watched in ["connector/src", "connector/Cargo.toml", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=S3_CONNECTOR_WASM");
    if let Ok(prebuilt) = std::env::var("S3_CONNECTOR_WASM") {
        println!("cargo:rustc-env=S3_CONNECTOR_WASM_PATH={prebuilt}");
        return;
    }
    let target_dir =
        std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| workspace.join("target")).join("guest");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace)
        .args(["build", "--release", "--locked", "-p", "s3-connector", "--target", "wasm32-wasip2", "--target-dir"])
        .arg(&target_dir)
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
        // Size-optimised except the hashes behind every signature: SHA-256 and HMAC at full speed
        // take ~5 µs off each signed request for ~1.5 KiB (bench/NOTES.md).
        .args(["--config", "profile.release.package.sha2.opt-level=3"])
        .args(["--config", "profile.release.package.hmac.opt-level=3"])
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS");
    for (key, _) in std::env::vars() {
        if key.starts_with("CARGO_FEATURE_") || key.starts_with("CARGO_CFG_") {
            command.env_remove(key);
        }
    }
    let status = command.status().expect("cannot run cargo to build the connector component");
    assert!(
        status.success(),
        "building the connector component failed (errors above); if the target is missing, run `rustup target add wasm32-wasip2`"
    );
    let wasm = target_dir.join("wasm32-wasip2/release/s3_connector.wasm");
    println!("cargo:rustc-env=S3_CONNECTOR_WASM_PATH={}", wasm.display());
}
