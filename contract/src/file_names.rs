//! Names in the file store (`wit/file-store.wit`): relative, `/`-separated, every component a
//! plain name; nothing that resolves to the store's root or outside it, and nothing that collides
//! with the in-progress files a store keeps beside a target. Shared by the host's native store and
//! the portable adapter, so both accept exactly the same names.

use sha2::Digest as _;

/// Longest file name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// The in-progress files a store keeps beside a target: `.NAME.<unique>.tmp` while a download
/// runs and `.NAME.<key hash>.partial` for a resumable one.
pub const TEMP_SUFFIX: &str = ".tmp";
/// See [`TEMP_SUFFIX`].
pub const PARTIAL_SUFFIX: &str = ".partial";

/// Checks `name` and returns its components. Refused, with the reason: empty or over-long names,
/// NUL, absolute names, empty components (`a//b`), `.` and `..` anywhere, and names of the
/// store's in-progress files.
pub fn check_file_name(name: &str) -> Result<Vec<&str>, String> {
    let invalid = |why: &str| Err(format!("{name:?} {why}"));
    if name.is_empty() {
        return invalid("is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return invalid(&format!("is longer than {MAX_NAME_BYTES} bytes"));
    }
    if name.contains('\0') {
        return invalid("contains a NUL byte");
    }
    if name.starts_with('/') {
        return invalid("is absolute; names are relative to the file store");
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" => return invalid("has an empty component (`//` or a trailing `/`)"),
            "." => return invalid("contains '.'; name a file, e.g. \"reports/jan.csv\""),
            ".." => return invalid("contains '..'"),
            _ => parts.push(part),
        }
    }
    let last = parts.last().copied().unwrap_or(name);
    if last.starts_with('.') && (last.ends_with(TEMP_SUFFIX) || last.ends_with(PARTIAL_SUFFIX)) {
        return invalid("has the form of the store's in-progress files (.NAME.*.tmp / .partial)");
    }
    Ok(parts)
}

/// The partial-download file for `file_name` (the last component) and `resume_key`: the key is
/// hashed into the name, so a changed object never continues another version's bytes.
pub fn partial_name(file_name: &str, resume_key: &str) -> String {
    let digest = sha2::Sha256::digest(resume_key.as_bytes());
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(".{file_name}.{short}{PARTIAL_SUFFIX}")
}

/// Whether `name` is `.FILE.<16 hex>.partial` for exactly `file_name`.
pub fn is_partial_of(name: &str, file_name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_prefix(file_name)) else { return false };
    let Some(hash) = rest.strip_prefix('.') else { return false };
    hash.strip_suffix(PARTIAL_SUFFIX).is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The in-progress file of a fresh (not resumable) download of `file_name`, made unique by
/// `unique` (e.g. random hex).
pub fn temp_name(file_name: &str, unique: &str) -> String {
    format!(".{file_name}.{unique}{TEMP_SUFFIX}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_names_pass() {
        assert_eq!(check_file_name("a/b.txt").unwrap(), ["a", "b.txt"]);
        for bad in [
            "",
            ".",
            "./",
            "././.",
            "a/.",
            "a/./b",
            "..",
            "../x",
            "a/../b",
            "/etc/passwd",
            "a//b",
            "a/",
            "x\0y",
            ".big.bin.1234.tmp",
            "dir/.big.bin.0011223344556677.partial",
        ] {
            assert!(check_file_name(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(check_file_name(&"a".repeat(MAX_NAME_BYTES + 1)).is_err());
        assert!(check_file_name(".hidden").is_ok());
    }

    #[test]
    fn partials_belong_to_exactly_one_name() {
        let partial = partial_name("a", "etag");
        assert!(is_partial_of(&partial, "a"));
        assert!(!is_partial_of(&partial_name("a.b", "etag"), "a"), "a's cleanup must not take a.b's partial");
        assert!(!is_partial_of(".a.nothex0000000000.partial", "a"));
        assert_ne!(partial, partial_name("a", "other etag"));
        assert!(check_file_name(&partial).is_err() && check_file_name(&temp_name("a", "0f")).is_err());
    }
}
