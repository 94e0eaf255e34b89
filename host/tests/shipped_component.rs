//! The component the CLI embeds is the one that ships: built with the `component` profile and
//! optimized by Binaryen (`host/optimize_component.rs`), within the size the design promises.

/// The embedded component, as `s3c` carries it.
const S3_CONNECTOR: &[u8] = include_bytes!(env!("S3_CONNECTOR_WASM_PATH"));

/// The size budget for the shipped component (issue 11: "component still ≤ 1 MiB").
const SIZE_BUDGET: usize = 1024 * 1024;

#[test]
fn the_shipped_component_fits_in_one_mebibyte() {
    if option_env!("S3_CONNECTOR_WASM").is_some() {
        eprintln!("skipped: S3_CONNECTOR_WASM names a prebuilt component, not the one this build ships");
        return;
    }
    assert!(
        S3_CONNECTOR.len() <= SIZE_BUDGET,
        "the shipped component is {} bytes, over its budget of {SIZE_BUDGET}: was it optimized \
         (host/optimize_component.rs), or did a dependency or a derive grow it?",
        S3_CONNECTOR.len()
    );
    assert!(S3_CONNECTOR.starts_with(b"\0asm\x0d\0\x01\0"), "not a component");
}
