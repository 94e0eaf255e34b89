//! Runs Binaryen's optimizer (`wasm-opt -O3`) over the main core module inside a component.
//! Binaryen reads core modules only, so the component is taken apart at its top-level sections,
//! the largest core module (the guest's code; the others are the few-hundred-byte shims the
//! component linker adds) is optimized, and the component is put back together around it. The
//! component refers to the module's imports and exports by name, which the optimizer keeps.
//!
//! Measured on the S3 connector (bench/NOTES.md): 1,182,615 → 993,364 bytes, and 5–6 % fewer
//! instructions per invocation.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The preamble of a component binary: `\0asm`, version 0x0d, layer 1.
const COMPONENT_PREAMBLE: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
/// The id of a top-level section that holds a whole core module.
const CORE_MODULE_SECTION: u8 = 1;

/// The version of the `wasm-opt` crate (Binaryen 116) that `scripts/install-wasm-opt.sh` installs
/// (a test holds the two equal).
const WASM_OPT_VERSION: &str = "0.116.1";
/// The optimization level, then the WebAssembly features rustc enables for `wasm32-wasip2`,
/// by Binaryen's names: nothing beyond, so the output runs wherever the input did.
const WASM_OPT_ARGS: [&str; 7] = [
    "-O3",
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];
/// How to get the optimizer, for the error when it cannot be run.
const INSTALL_HINT: &str = "the component is optimized with Binaryen's wasm-opt: run `scripts/install-wasm-opt.sh` \
     (or set WASM_OPT to a wasm-opt binary)";

/// A top-level section of a component: its id and where its contents lie in the binary.
#[derive(Debug, PartialEq)]
struct Section {
    id: u8,
    contents: Range<usize>,
}

/// Optimizes `component`'s main core module and returns the path of the optimized component,
/// `<name>.optimized.wasm` beside it. Build scripts running at once take turns (a lock file), and
/// one whose input was already optimized (a fingerprint beside the output says which input and
/// which optimizer made it) leaves the output untouched, so its modification time does not make
/// cargo rebuild the crates that embed it.
pub(crate) fn optimize_component(component: &Path) -> PathBuf {
    let stem = component.file_stem().and_then(|s| s.to_str()).expect("component file names are UTF-8");
    let beside = |name: String| component.with_file_name(name);
    let (optimized, fingerprint_file) =
        (beside(format!("{stem}.optimized.wasm")), beside(format!("{stem}.optimized.from")));
    let lock_path = beside(format!("{stem}.optimize.lock"));
    let lock =
        std::fs::File::create(&lock_path).unwrap_or_else(|e| panic!("cannot create {}: {e}", lock_path.display()));
    lock.lock().unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));
    let bytes = std::fs::read(component).unwrap_or_else(|e| panic!("cannot read {}: {e}", component.display()));
    let wasm_opt = wasm_opt_binary();
    let fingerprint = fingerprint(&bytes, &wasm_opt);
    if optimized.is_file() && std::fs::read_to_string(&fingerprint_file).is_ok_and(|made_from| made_from == fingerprint)
    {
        return optimized;
    }
    let sections =
        component_sections(&bytes).unwrap_or_else(|e| panic!("{} is not a component: {e}", component.display()));
    let main = largest_core_module(&sections)
        .unwrap_or_else(|| panic!("{} holds no core module to optimize", component.display()));
    let scratch =
        ScratchFiles(["core", "core-optimized", "optimized-partial"].map(|what| beside(format!("{stem}.{what}.wasm"))));
    let [core_in, core_out, whole] = &scratch.0;
    std::fs::write(core_in, &bytes[sections[main].contents.clone()])
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", core_in.display()));
    let status = Command::new(&wasm_opt)
        .args(WASM_OPT_ARGS)
        .arg(core_in)
        .arg("-o")
        .arg(core_out)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL_HINT}", wasm_opt.display()));
    assert!(
        status.success(),
        "{} failed on the core module of {} (errors above); {INSTALL_HINT}",
        wasm_opt.display(),
        component.display()
    );
    let optimized_core = std::fs::read(core_out).unwrap_or_else(|e| panic!("cannot read {}: {e}", core_out.display()));
    let rebuilt = replace_section(&bytes, &sections, main, &optimized_core);
    // No fingerprint may name an input the output no longer comes from, even if this run stops
    // between the two writes below.
    let _ = std::fs::remove_file(&fingerprint_file);
    std::fs::write(whole, rebuilt).unwrap_or_else(|e| panic!("cannot write {}: {e}", whole.display()));
    std::fs::rename(whole, &optimized).unwrap_or_else(|e| panic!("cannot write {}: {e}", optimized.display()));
    std::fs::write(&fingerprint_file, fingerprint)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", fingerprint_file.display()));
    optimized
}

/// Files an optimization writes on its way, removed however it ends.
struct ScratchFiles([PathBuf; 3]);

impl Drop for ScratchFiles {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// What an optimized component was made from: the input's length and hash, the optimizer and
/// its arguments. A different Rust release may hash differently, which only costs a rerun.
fn fingerprint(input: &[u8], wasm_opt: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    input.hash(&mut hasher);
    format!("{} bytes, hash {:016x}, {} {}", input.len(), hasher.finish(), wasm_opt.display(), WASM_OPT_ARGS.join(" "))
}

/// The optimizer to run: `WASM_OPT` when set, else the one `scripts/install-wasm-opt.sh` caches
/// (under `S3WASM_CACHE`, by default `~/.cache/s3wasm`). Not any `wasm-opt` on the `PATH`: the
/// shipped component is the pinned optimizer's output.
fn wasm_opt_binary() -> PathBuf {
    println!("cargo:rerun-if-env-changed=WASM_OPT");
    println!("cargo:rerun-if-env-changed=S3WASM_CACHE");
    let binary = match std::env::var_os("WASM_OPT") {
        Some(explicit) => PathBuf::from(explicit),
        None => std::env::var_os("S3WASM_CACHE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/s3wasm")))
            .unwrap_or_else(|| panic!("neither S3WASM_CACHE nor HOME is set; {INSTALL_HINT}"))
            .join(format!("wasm-opt-{WASM_OPT_VERSION}/bin/wasm-opt")),
    };
    assert!(binary.is_file(), "{} does not exist; {INSTALL_HINT}", binary.display());
    println!("cargo:rerun-if-changed={}", binary.display());
    binary
}

/// Splits a component binary into its top-level sections.
fn component_sections(bytes: &[u8]) -> Result<Vec<Section>, String> {
    if !bytes.starts_with(&COMPONENT_PREAMBLE) {
        return Err("it does not begin with a component's preamble".into());
    }
    let mut sections = Vec::new();
    let mut position = COMPONENT_PREAMBLE.len();
    while position < bytes.len() {
        let id = bytes[position];
        position += 1;
        let size = read_u32_leb128(bytes, &mut position)? as usize;
        let end = position.checked_add(size).filter(|end| *end <= bytes.len());
        let end = end.ok_or_else(|| format!("section {id} at byte {position} runs past the end"))?;
        sections.push(Section { id, contents: position..end });
        position = end;
    }
    Ok(sections)
}

/// The index of the largest core module section, if any.
fn largest_core_module(sections: &[Section]) -> Option<usize> {
    (0..sections.len()).filter(|&i| sections[i].id == CORE_MODULE_SECTION).max_by_key(|&i| sections[i].contents.len())
}

/// The component with section `index`'s contents replaced by `contents`.
fn replace_section(bytes: &[u8], sections: &[Section], index: usize, contents: &[u8]) -> Vec<u8> {
    let replaced = &sections[index];
    let header_start = sections.get(index.wrapping_sub(1)).map_or(COMPONENT_PREAMBLE.len(), |s| s.contents.end);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..header_start]);
    out.push(replaced.id);
    write_u32_leb128(u32::try_from(contents.len()).expect("a core module is under 4 GiB"), &mut out);
    out.extend_from_slice(contents);
    out.extend_from_slice(&bytes[replaced.contents.end..]);
    out
}

/// Reads an unsigned LEB128 number of at most 32 bits at `position`, moving past it.
fn read_u32_leb128(bytes: &[u8], position: &mut usize) -> Result<u32, String> {
    let mut value: u64 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*position).ok_or("a section size runs past the end")?;
        *position += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return u32::try_from(value).map_err(|_| "a section size is over 32 bits".to_string());
        }
    }
    Err("a section size is over 5 bytes long".into())
}

/// Appends `value` as unsigned LEB128.
fn write_u32_leb128(mut value: u32, out: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component of three sections: a custom one, a small core module, a larger core module.
    fn component(small: &[u8], large: &[u8]) -> Vec<u8> {
        let mut bytes = COMPONENT_PREAMBLE.to_vec();
        for (id, contents) in [(0u8, &b"\x04name"[..]), (CORE_MODULE_SECTION, small), (CORE_MODULE_SECTION, large)] {
            bytes.push(id);
            write_u32_leb128(contents.len() as u32, &mut bytes);
            bytes.extend_from_slice(contents);
        }
        bytes
    }

    #[test]
    fn leb128_numbers_round_trip_at_every_width() {
        for value in [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 200_000, u32::MAX] {
            let mut encoded = Vec::new();
            write_u32_leb128(value, &mut encoded);
            let mut position = 0;
            assert_eq!(read_u32_leb128(&encoded, &mut position), Ok(value));
            assert_eq!(position, encoded.len());
        }
        assert!(read_u32_leb128(&[0x80, 0x80], &mut 0).is_err(), "truncated");
        assert!(read_u32_leb128(&[0xff, 0xff, 0xff, 0xff, 0x7f], &mut 0).is_err(), "over 32 bits");
    }

    #[test]
    fn the_largest_core_module_is_replaced_and_the_rest_kept_byte_for_byte() {
        let large = vec![7u8; 300];
        let original = component(b"\0asm\x01\0\0\0", &large);
        let sections = component_sections(&original).unwrap();
        assert_eq!(sections.iter().map(|s| s.id).collect::<Vec<_>>(), [0, 1, 1]);
        let main = largest_core_module(&sections).unwrap();
        assert_eq!(main, 2);
        let smaller = vec![9u8; 100]; // its size now takes one LEB128 byte instead of two
        let rebuilt = replace_section(&original, &sections, main, &smaller);
        assert_eq!(rebuilt, component(b"\0asm\x01\0\0\0", &smaller));
        let first = replace_section(&original, &sections, 0, b"\x04nope");
        assert_eq!(component_sections(&first).unwrap().len(), 3);
        assert_eq!(&first[..8], &COMPONENT_PREAMBLE);
    }

    #[test]
    fn the_install_script_pins_the_version_the_build_looks_for() {
        let script = include_str!("../scripts/install-wasm-opt.sh");
        assert!(
            script.lines().any(|line| line == format!("WASM_OPT_VERSION={WASM_OPT_VERSION}")),
            "scripts/install-wasm-opt.sh and WASM_OPT_VERSION name different versions: change both"
        );
    }

    #[test]
    fn what_is_not_a_whole_component_is_refused() {
        assert!(component_sections(b"\0asm\x01\0\0\0").is_err(), "a core module");
        let mut cut = component(b"ab", b"cdef");
        cut.pop();
        assert!(component_sections(&cut).unwrap_err().contains("past the end"));
        assert_eq!(largest_core_module(&component_sections(&COMPONENT_PREAMBLE).unwrap()), None);
    }
}
