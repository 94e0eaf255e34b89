//! The on-disk cache of compiled components. Loading compiled code is trusting it, so the cache
//! only reads files it could have written itself: regular files (no symlink followed), owned by
//! this user, with no permission for anyone else (0600; the file store commits 0644), in a
//! directory it creates private (0700). Keep the cache directory outside every file-store root. Files are
//! written under a unique name (0600, never through a symlink) and renamed into place, so
//! concurrent hosts only ever see whole files. Anything else is ignored and recompiled.

use crate::error::HostError;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use wasmtime::Engine;
use wasmtime::component::Component;

/// Mode of cached artifacts.
const ARTIFACT_MODE: u32 = 0o600;
/// Mode of a cache directory the host creates.
const DIRECTORY_MODE: u32 = 0o700;

/// How the compiled-component cache served a load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CacheUse {
    /// No cache directory configured.
    Off,
    /// Loaded from the cache.
    Hit,
    /// Compiled; the warning says why the artifact could not be used or stored, if so.
    Miss(Option<String>),
}

/// Compiles `wasm`, or loads the compiled artifact from `cache_dir` when it matches both the
/// component bytes and this engine's configuration and passes [`open_trusted`].
pub(crate) fn load_component(
    engine: &Engine,
    wasm: &[u8],
    cache_dir: Option<&Path>,
) -> Result<(Component, CacheUse), HostError> {
    let Some(dir) = cache_dir else {
        return Ok((Component::new(engine, wasm).map_err(HostError::Load)?, CacheUse::Off));
    };
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut engine_hash);
    let key = format!("{}-{:016x}", hex(&Sha256::digest(wasm)), engine_hash.finish());
    let path = dir.join(format!("{key}.cwasm"));
    let mut untrusted = None;
    match read_trusted(&path) {
        // Read into memory rather than mapping the file, so a cache file replaced or truncated
        // while hosts run can never fault their code pages.
        Ok(Some(bytes)) => {
            // SAFETY: `read_trusted` only returns a regular file owned by this user and writable
            // by no one else, which only this host writes (by `Component::serialize` of this
            // engine configuration: the key includes its compatibility hash); wasmtime checks
            // the header and rejects artifacts of other versions or settings.
            if let Ok(component) = unsafe { Component::deserialize(engine, &bytes) } {
                return Ok((component, CacheUse::Hit));
            }
        }
        Ok(None) => {}
        Err(why) => untrusted = Some(format!("ignored the cached {}: {why}", path.display())),
    }
    let component = Component::new(engine, wasm).map_err(HostError::Load)?;
    // The cache is an optimisation: failing to write it must not stop the host.
    let warning = store_artifact(&component, dir, &key, &path)
        .err()
        .map(|e| format!("cannot write the compiled-component cache in {}: {e}", dir.display()))
        .or(untrusted);
    Ok((component, CacheUse::Miss(warning)))
}

/// The artifact's bytes if it exists and is trustworthy; `Err` says why a file that exists is not.
fn read_trusted(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    check_trusted(&file)?;
    let mut bytes = Vec::new();
    (&file).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    Ok(Some(bytes))
}

/// A regular file owned by this user that no one else may read or write.
fn check_trusted(file: &File) -> Result<(), String> {
    let meta = file.metadata().map_err(|e| e.to_string())?;
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.uid() != me {
        return Err(format!("owned by uid {}, not this user ({me})", meta.uid()));
    }
    // Artifacts are written 0600; anything more open (a download is 0644) was not written here.
    if meta.mode() & 0o077 != 0 {
        return Err(format!("not private (mode {:o})", meta.mode() & 0o777));
    }
    Ok(())
}

/// Writes the compiled artifact under a unique temporary name, then renames it into place.
fn store_artifact(component: &Component, dir: &Path, key: &str, path: &Path) -> Result<(), String> {
    let bytes = component.serialize().map_err(|e| e.to_string())?;
    std::fs::DirBuilder::new().recursive(true).mode(DIRECTORY_MODE).create(dir).map_err(|e| e.to_string())?;
    let temp = dir.join(format!("{key}.{}.tmp", crate::unique::unique_suffix()));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(ARTIFACT_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&temp)
        .and_then(|mut file| file.write_all(&bytes))
        .and_then(|()| std::fs::rename(&temp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        e.to_string()
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_private_regular_files_of_this_user_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.cwasm");
        std::fs::write(&good, b"artifact").unwrap();
        std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_trusted(&good).unwrap().unwrap(), b"artifact");
        assert_eq!(read_trusted(&dir.path().join("missing.cwasm")).unwrap(), None);

        let shared = dir.path().join("shared.cwasm");
        std::fs::write(&shared, b"planted").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(read_trusted(&shared).unwrap_err().contains("not private"));
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_trusted(&shared).unwrap_err().contains("not private"), "a committed download is 0644");

        let link = dir.path().join("link.cwasm");
        std::os::unix::fs::symlink(&good, &link).unwrap();
        assert!(read_trusted(&link).is_err(), "a symlink is never followed");

        let fifo = dir.path().join("fifo.cwasm");
        let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        assert!(read_trusted(&fifo).unwrap_err().contains("not a regular file"), "and a FIFO never blocks");
    }
}
