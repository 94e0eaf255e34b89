//! Links the component with 2 MiB of initial linear memory: room for a typical invocation
//! (1.1–1.3 MiB at its peak) without growing. A memory that grows during an invocation is
//! made accessible page by page and reset to its initial size for the next instance, two
//! `mprotect`s per invocation whose TLB shoot-downs reach every core (bench/NOTES.md).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--initial-memory=2097152");
    }
}
