//! The `file-store` import: names resolve inside one granted directory, nothing else. Downloads
//! are written to a temporary file beside the target and renamed on commit, so a failed or
//! interrupted download never leaves a partial file under the real name.

use crate::bindings::DigestAlgorithm;
use crate::bindings::file_store::{FileError, FileStat, FillEnd, Host, HostFileWriter};
use crate::file_read_stream::FileReadStream;
use crate::state::HostState;
use std::path::{Component, Path, PathBuf};
use wasmtime::component::Resource;
use wasmtime_wasi::p2::pipe::AsyncWriteStream;
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream};

/// How many bytes the file writer accepts ahead of the disk.
const WRITE_BUDGET: usize = 1024 * 1024;
/// Network frames (often 16–64 KiB) are gathered into writes of this size, so a download costs
/// one blocking write per 2 MiB instead of one per frame.
const WRITE_COALESCE: usize = 2 * 1024 * 1024;

/// A file being written: a temporary file beside the target, renamed to it on commit. A plain
/// writer's temporary file is removed if it is dropped uncommitted; a resumable writer's is kept
/// (under a name derived from its resume key) for the next attempt to continue.
pub struct FileWriter {
    temp: PathBuf,
    target: PathBuf,
    overwrite: bool,
    file: Option<std::fs::File>,
    existing: u64,
    resumable: bool,
    committed: bool,
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        if !self.committed && !self.resumable {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The partial-download file for `file_name` and `resume_key`: the key is hashed into the name,
/// so a changed object never continues another version's bytes.
fn partial_name(file_name: &str, resume_key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(resume_key.as_bytes());
    let short: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(".{file_name}.{short}.partial")
}

/// Resolves a guest file name inside `root`: relative, no `..`, no symlink leading outside.
pub fn resolve(root: &Path, name: &str) -> Result<PathBuf, FileError> {
    let invalid = |why: &str| FileError::InvalidName(format!("{name:?} {why}"));
    if name.is_empty() {
        return Err(invalid("is empty"));
    }
    let relative = Path::new(name);
    for component in relative.components() {
        match component {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(invalid("contains '..'")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid("is absolute; names are relative to the file store"));
            }
        }
    }
    let path = root.join(relative);
    // Follow symlinks of whatever exists and make sure it is still inside the root.
    let mut existing = path.as_path();
    while !existing.exists() {
        existing = match existing.parent() {
            Some(parent) => parent,
            None => break,
        };
    }
    let real = existing.canonicalize().map_err(|e| FileError::Io(e.to_string()))?;
    if !real.starts_with(root) {
        return Err(FileError::Denied(format!("{name:?} leads outside the file store")));
    }
    Ok(path)
}

impl HostState {
    /// The canonical file store root, resolved on first use so invocations that touch no file
    /// pay nothing for it.
    fn file_root(&self) -> Result<PathBuf, FileError> {
        let root =
            self.files.root.as_deref().ok_or_else(|| FileError::Denied("this host grants no file store".into()))?;
        root.canonicalize()
            .map_err(|e| FileError::Denied(format!("the host's file store {} is unusable: {e}", root.display())))
    }
}

fn io_error(name: &str, error: std::io::Error) -> FileError {
    match error.kind() {
        std::io::ErrorKind::NotFound => FileError::NotFound(name.to_string()),
        std::io::ErrorKind::PermissionDenied => FileError::Denied(format!("{name}: {error}")),
        std::io::ErrorKind::AlreadyExists => FileError::AlreadyExists(name.to_string()),
        _ => FileError::Io(format!("{name}: {error}")),
    }
}

impl Host for HostState {
    fn stat(&mut self, name: String) -> wasmtime::Result<Result<FileStat, FileError>> {
        let result = (|| {
            let path = resolve(&self.file_root()?, &name)?;
            let meta = std::fs::metadata(&path).map_err(|e| io_error(&name, e))?;
            if !meta.is_file() {
                return Err(FileError::InvalidName(format!("{name:?} is not a regular file")));
            }
            Ok(FileStat { size: meta.len() })
        })();
        Ok(result)
    }

    fn open_read(
        &mut self,
        name: String,
        offset: u64,
    ) -> wasmtime::Result<Result<Resource<DynInputStream>, FileError>> {
        let opened = (|| {
            let path = resolve(&self.file_root()?, &name)?;
            let file = std::fs::File::open(&path).map_err(|e| io_error(&name, e))?;
            if !file.metadata().map_err(|e| io_error(&name, e))?.is_file() {
                return Err(FileError::InvalidName(format!("{name:?} is not a regular file")));
            }
            Ok(file)
        })();
        let file = match opened {
            Ok(file) => file,
            Err(e) => return Ok(Err(e)),
        };
        let stream = FileReadStream::new(file, offset);
        let resource = self.table.push(Box::new(stream) as DynInputStream)?;
        Ok(Ok(resource))
    }

    async fn digest(
        &mut self,
        name: String,
        offset: u64,
        length: u64,
        algorithm: DigestAlgorithm,
    ) -> wasmtime::Result<Result<Vec<u8>, FileError>> {
        let path = match self.file_root().and_then(|root| resolve(&root, &name)) {
            Ok(path) => path,
            Err(e) => return Ok(Err(e)),
        };
        let computed =
            tokio::task::spawn_blocking(move || crate::digest::file_range(&path, offset, length, algorithm)).await?;
        Ok(computed.map_err(|e| io_error(&name, e)))
    }

    fn create(
        &mut self,
        name: String,
        overwrite: bool,
        resume_key: Option<String>,
    ) -> wasmtime::Result<Result<Resource<FileWriter>, FileError>> {
        let created = (|| {
            if !self.files.writable {
                return Err(FileError::Denied("this host grants the file store read-only".into()));
            }
            let target = resolve(&self.file_root()?, &name)?;
            if !overwrite && target.exists() {
                return Err(FileError::AlreadyExists(name.clone()));
            }
            let parent = target.parent().ok_or_else(|| FileError::InvalidName(name.clone()))?;
            std::fs::create_dir_all(parent).map_err(|e| io_error(&name, e))?;
            let file_name = target.file_name().and_then(|f| f.to_str()).unwrap_or("download");
            let (temp, file) = match &resume_key {
                Some(key) => {
                    let temp = parent.join(partial_name(file_name, key));
                    remove_other_partials(parent, file_name, &temp);
                    let file = std::fs::OpenOptions::new()
                        .append(true)
                        .create(true)
                        .open(&temp)
                        .map_err(|e| io_error(&name, e))?;
                    (temp, file)
                }
                None => {
                    let temp = parent.join(format!(".{file_name}.{}.tmp", crate::unique::unique_suffix()));
                    let file = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&temp)
                        .map_err(|e| io_error(&name, e))?;
                    (temp, file)
                }
            };
            let existing = file.metadata().map_err(|e| io_error(&name, e))?.len();
            Ok(FileWriter {
                temp,
                target,
                overwrite,
                file: Some(file),
                existing,
                resumable: resume_key.is_some(),
                committed: false,
            })
        })();
        match created {
            Ok(writer) => Ok(Ok(self.table.push(writer)?)),
            Err(e) => Ok(Err(e)),
        }
    }
}

/// Removes partial downloads of `file_name` other than `keep` (earlier versions of the object).
fn remove_other_partials(dir: &Path, file_name: &str, keep: &Path) {
    let prefix = format!(".{file_name}.");
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".partial") && entry.path() != keep {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl HostFileWriter for HostState {
    fn existing_size(&mut self, writer: Resource<FileWriter>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&writer)?.existing)
    }

    fn truncate(&mut self, writer: Resource<FileWriter>) -> wasmtime::Result<Result<(), FileError>> {
        let writer = self.table.get_mut(&writer)?;
        let name = writer.target.display().to_string();
        let result = match &writer.file {
            Some(file) => file.set_len(0).map_err(|e| io_error(&name, e)),
            None => Err(FileError::Io("truncate() must come before contents()".into())),
        };
        if result.is_ok() {
            writer.existing = 0;
        }
        Ok(result)
    }

    fn contents(
        &mut self,
        writer: Resource<FileWriter>,
    ) -> wasmtime::Result<Result<Resource<DynOutputStream>, FileError>> {
        let file = self.table.get_mut(&writer)?.file.take();
        let Some(file) = file else {
            return Ok(Err(FileError::Io("contents() was already called for this file".into())));
        };
        let file = tokio::io::BufWriter::with_capacity(WRITE_COALESCE, tokio::fs::File::from_std(file));
        let stream = AsyncWriteStream::new(WRITE_BUDGET, file);
        let resource = self.table.push_child(Box::new(stream) as DynOutputStream, &writer)?;
        Ok(Ok(resource))
    }

    async fn fill(
        &mut self,
        writer: Resource<FileWriter>,
        source: Resource<DynInputStream>,
        limit: u64,
    ) -> wasmtime::Result<Result<FillEnd, FileError>> {
        let source = self.table.delete(source)?;
        let Some(file) = self.table.get_mut(&writer)?.file.take() else {
            return Ok(Err(FileError::Io("contents() or fill() was already called for this file".into())));
        };
        let (file, end) = crate::file_fill::fill(file, source, limit).await;
        self.table.get_mut(&writer)?.file = file;
        Ok(end)
    }

    fn commit(&mut self, writer: Resource<FileWriter>) -> wasmtime::Result<Result<u64, FileError>> {
        let writer = self.table.get_mut(&writer)?;
        let name = writer.target.display().to_string();
        let result = (|| {
            let synced = std::fs::File::open(&writer.temp).and_then(|f| f.sync_all().map(|()| f));
            let size = synced.and_then(|f| f.metadata()).map_err(|e| io_error(&name, e))?.len();
            if !writer.overwrite && writer.target.exists() {
                return Err(FileError::AlreadyExists(name.clone()));
            }
            std::fs::rename(&writer.temp, &writer.target).map_err(|e| io_error(&name, e))?;
            writer.committed = true;
            Ok(size)
        })();
        Ok(result)
    }

    fn drop(&mut self, writer: Resource<FileWriter>) -> wasmtime::Result<()> {
        self.table.delete(writer)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        assert!(resolve(&root, "a/b.txt").is_ok());
        assert!(matches!(resolve(&root, "../x"), Err(FileError::InvalidName(_))));
        assert!(matches!(resolve(&root, "/etc/passwd"), Err(FileError::InvalidName(_))));
        assert!(matches!(resolve(&root, ""), Err(FileError::InvalidName(_))));
        std::os::unix::fs::symlink("/etc", root.join("link")).unwrap();
        assert!(matches!(resolve(&root, "link/passwd"), Err(FileError::Denied(_))));
    }
}
