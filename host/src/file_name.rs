//! Guest file names: relative, `/`-separated, every component a plain name. Nothing that
//! resolves to the store's root or outside it, and nothing that collides with the host's own
//! in-progress files.

use crate::bindings::file_store::FileError;
use connector_contract::file_names::check_file_name;
use std::path::{Path, PathBuf};

/// Checks `name` (the rules of [`check_file_name`]) and returns it as a relative path.
pub fn validate(name: &str) -> Result<PathBuf, FileError> {
    Ok(check_file_name(name).map_err(FileError::InvalidName)?.into_iter().collect())
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
    fn names_follow_the_shared_rules() {
        assert_eq!(validate("a/b.txt").unwrap(), PathBuf::from("a/b.txt"));
        assert!(matches!(validate("a/../b"), Err(FileError::InvalidName(_))));
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
