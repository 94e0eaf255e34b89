//! Guest file names: relative, `/`-separated, every component a plain name. Nothing that
//! resolves to the store's root or outside it, and nothing that collides with the host's own
//! in-progress files.

use crate::bindings::file_store::FileError;
use std::path::{Path, PathBuf};

/// Longest file name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// The in-progress files the host keeps beside a target: `.NAME.<unique>.tmp` while a download
/// runs and `.NAME.<key hash>.partial` for a resumable one.
pub const TEMP_SUFFIX: &str = ".tmp";
/// See [`TEMP_SUFFIX`].
pub const PARTIAL_SUFFIX: &str = ".partial";

/// Checks `name` and returns it as a relative path. Refused: empty or over-long names, NUL,
/// absolute names, empty components (`a//b`), `.` and `..` anywhere, and names of the host's
/// in-progress files.
pub fn validate(name: &str) -> Result<PathBuf, FileError> {
    let invalid = |why: &str| FileError::InvalidName(format!("{name:?} {why}"));
    if name.is_empty() {
        return Err(invalid("is empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(invalid(&format!("is longer than {MAX_NAME_BYTES} bytes")));
    }
    if name.contains('\0') {
        return Err(invalid("contains a NUL byte"));
    }
    if name.starts_with('/') {
        return Err(invalid("is absolute; names are relative to the file store"));
    }
    let mut path = PathBuf::new();
    for part in name.split('/') {
        match part {
            "" => return Err(invalid("has an empty component (`//` or a trailing `/`)")),
            "." => return Err(invalid("contains '.'; name a file, e.g. \"reports/jan.csv\"")),
            ".." => return Err(invalid("contains '..'")),
            _ => path.push(part),
        }
    }
    let last = name.rsplit('/').next().unwrap_or(name);
    if last.starts_with('.') && (last.ends_with(TEMP_SUFFIX) || last.ends_with(PARTIAL_SUFFIX)) {
        return Err(invalid("has the form of the host's in-progress files (.NAME.*.tmp / .partial)"));
    }
    Ok(path)
}

/// Resolves a guest file name inside `root` (canonical): valid, and no symlink on the way
/// leading outside the root.
pub fn resolve(root: &Path, name: &str) -> Result<PathBuf, FileError> {
    let path = root.join(validate(name)?);
    let mut existing = path.as_path();
    while std::fs::symlink_metadata(existing).is_err() {
        existing = match existing.parent() {
            Some(parent) => parent,
            None => break,
        };
    }
    let real = existing.canonicalize().map_err(|e| FileError::Io(format!("{name}: {e}")))?;
    if !real.starts_with(root) {
        return Err(FileError::Denied(format!("{name:?} leads outside the file store")));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_names_pass() {
        assert_eq!(validate("a/b.txt").unwrap(), PathBuf::from("a/b.txt"));
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
            assert!(matches!(validate(bad), Err(FileError::InvalidName(_))), "{bad:?} must be refused");
        }
        assert!(validate(&"a".repeat(MAX_NAME_BYTES + 1)).is_err());
        assert!(validate(".hidden").is_ok());
    }

    #[test]
    fn names_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        assert!(resolve(&root, "a/b.txt").is_ok());
        std::os::unix::fs::symlink("/etc", root.join("link")).unwrap();
        assert!(matches!(resolve(&root, "link/passwd"), Err(FileError::Denied(_))));
        // A dangling symlink to the outside is caught too.
        std::os::unix::fs::symlink("/nonexistent-dir/x", root.join("dangling")).unwrap();
        assert!(resolve(&root, "dangling").is_err());
    }
}
