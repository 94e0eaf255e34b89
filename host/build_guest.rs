//! Builds a workspace crate as a `wasm32-wasip2` component from a build script, with a nested
//! cargo that uses its own target directory (the outer build holds the main one's lock) and none
//! of the outer build's flags. Shared by the host's and the tests' build scripts.

#[path = "optimize_component.rs"]
mod optimize_component;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `package` (with `features`) with the Cargo profile `profile` (`release`, or `component`
/// for what ships: that build's core module is then optimized by Binaryen, see
/// `optimize_component.rs`) and returns the component's path. A build with features has a target
/// directory of its own, so it never overwrites the plain build's file that another build script
/// may be embedding.
pub(crate) fn build_guest(workspace: &Path, package: &str, features: &[&str], profile: &str) -> PathBuf {
    let subdir = if features.is_empty() { "guest".to_string() } else { format!("guest-{}", features.join("-")) };
    let target_dir =
        std::env::var("CARGO_TARGET_DIR").map_or_else(|_| workspace.join("target"), PathBuf::from).join(subdir);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "--locked", "--profile", profile, "-p", package, "--target", "wasm32-wasip2", "--target-dir"])
        .arg(&target_dir);
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    command
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS");
    for (key, _) in std::env::vars() {
        if key.starts_with("CARGO_FEATURE_") || key.starts_with("CARGO_CFG_") || key.starts_with("CARGO_PROFILE_") {
            command.env_remove(key);
        }
    }
    let status = command.status().unwrap_or_else(|e| panic!("cannot run cargo to build {package}: {e}"));
    assert!(
        status.success(),
        "building {package} for wasm32-wasip2 failed (errors above); if the target is missing, run `rustup target add wasm32-wasip2`"
    );
    let built = target_dir.join("wasm32-wasip2").join(profile).join(format!("{}.wasm", package.replace('-', "_")));
    if profile == "component" { optimize_component::optimize_component(&built) } else { built }
}

/// For a build script whose crate embeds the S3 connector: reruns when the connector's sources
/// or `also_watched` (workspace paths) change, builds the connector (the `component` profile:
/// size-optimised, hashes at full speed) or takes `S3_CONNECTOR_WASM`, and hands its path to the
/// crate as `S3_CONNECTOR_WASM_PATH`. Returns the path.
pub(crate) fn embed_connector(workspace: &Path, also_watched: &[&str]) -> PathBuf {
    let connector_sources = [
        "connector/src",
        "connector/schemas.json",
        "connector/build.rs",
        "connector/Cargo.toml",
        "contract",
        "Cargo.toml",
        "wit",
        "Cargo.lock",
    ];
    let build_code = ["host/build_guest.rs", "host/optimize_component.rs"];
    for watched in connector_sources.iter().chain(build_code.iter()).chain(also_watched) {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=S3_CONNECTOR_WASM");
    let wasm = match std::env::var("S3_CONNECTOR_WASM") {
        Ok(prebuilt) => PathBuf::from(prebuilt),
        Err(_) => build_guest(workspace, "s3-connector", &[], "component"),
    };
    println!("cargo:rustc-env=S3_CONNECTOR_WASM_PATH={}", wasm.display());
    wasm
}
