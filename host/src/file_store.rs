//! The `file-store` import: names resolve inside one granted directory, nothing else. Every call
//! that touches the disk runs on a blocking thread, never on the async workers — except removing
//! an abandoned in-progress file when its writer is dropped (one `unlink`). Downloads are
//! written to an in-progress file beside the target (mode 0600, never followed through a
//! symlink) and renamed over it on commit after an fsync of the file, then of the directory, so
//! a failed or interrupted download never leaves a partial file under the real name and a
//! committed one survives a crash. Committed files are mode 0644 and new directories 0755;
//! resumable partials are locked while written and collected after [`STALE_PARTIAL_AGE`].

use crate::bindings::DigestAlgorithm;
use crate::bindings::file_store::{
    ExpectedContent, FileError, FileStat, FillEnd, FillFailure, Host, HostFileWriter, HostFilling,
};
use crate::budget::{BudgetedWriter, Held};
use crate::file_filling::{CopyEnd, Filling};
use crate::file_name::resolve;
use crate::file_read_stream::FileReadStream;
use crate::file_writer::{FileWriter, IfExists, RunningDigest, Unfinished};
use crate::state::HostState;
use connector_contract::Hasher;
use connector_contract::file_names::{PARTIAL_SUFFIX, is_partial_of, partial_name, temp_name};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::component::Resource;
use wasmtime_wasi::p2::pipe::AsyncWriteStream;
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, DynPollable};

/// How many bytes the file writer accepts ahead of the disk.
const WRITE_BUDGET: usize = 1024 * 1024;
/// Network frames (often 16–64 KiB) are gathered into writes of this size, so a download costs
/// one blocking write per 2 MiB instead of one per frame.
const WRITE_COALESCE: usize = 2 * 1024 * 1024;
/// Mode of in-progress files: only the host's user reads a download before it is complete.
const IN_PROGRESS_MODE: u32 = 0o600;
/// Mode of committed files, as a download by `curl` or `aws s3 cp` under the usual umask.
const COMMITTED_MODE: u32 = 0o644;
/// Mode of directories the store creates.
const DIRECTORY_MODE: u32 = 0o755;
/// Partial downloads untouched this long are removed when another download starts beside them.
pub const STALE_PARTIAL_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Runs blocking file work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, FileError> + Send + 'static,
) -> Result<T, FileError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(FileError::Io(format!("the host's file task failed: {e}"))))
}

impl HostState {
    /// The canonical file store root (resolved per call, on a blocking thread).
    fn file_root(&self) -> Result<PathBuf, FileError> {
        self.files.root.clone().ok_or_else(|| FileError::Denied("this host grants no file store".into()))
    }
}

fn canonical_root(root: &Path) -> Result<PathBuf, FileError> {
    root.canonicalize()
        .map_err(|e| FileError::Denied(format!("the host's file store {} is unusable: {e}", root.display())))
}

fn io_error(name: &str, error: std::io::Error) -> FileError {
    match error.kind() {
        std::io::ErrorKind::NotFound => FileError::NotFound(name.to_string()),
        std::io::ErrorKind::PermissionDenied => FileError::Denied(format!("{name}: {error}")),
        std::io::ErrorKind::AlreadyExists => FileError::AlreadyExists(name.to_string()),
        _ => FileError::Io(format!("{name}: {error}")),
    }
}

/// Opens `path` for reading without blocking on whatever it is (a FIFO, a device), and refuses
/// anything but a regular file.
pub(crate) fn open_regular(path: &Path, name: &str) -> Result<File, FileError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| io_error(name, e))?;
    if !file.metadata().map_err(|e| io_error(name, e))?.is_file() {
        return Err(FileError::InvalidName(format!("{name:?} is not a regular file")));
    }
    Ok(file)
}

impl Host for HostState {
    async fn stat(&mut self, name: String) -> wasmtime::Result<Result<FileStat, FileError>> {
        let root = self.file_root();
        Ok(blocking(move || {
            let path = resolve(&canonical_root(&root?)?, &name)?;
            let meta = std::fs::metadata(&path).map_err(|e| io_error(&name, e))?;
            if !meta.is_file() {
                return Err(FileError::InvalidName(format!("{name:?} is not a regular file")));
            }
            Ok(FileStat { size: meta.len() })
        })
        .await)
    }

    async fn open_read(
        &mut self,
        name: String,
        offset: u64,
    ) -> wasmtime::Result<Result<Resource<DynInputStream>, FileError>> {
        let open = match self.usage.open_file() {
            Ok(held) => held,
            Err(exceeded) => return Ok(Err(FileError::Denied(exceeded.to_string()))),
        };
        let root = self.file_root();
        let opened = blocking(move || {
            use std::io::{Seek, SeekFrom};
            let path = resolve(&canonical_root(&root?)?, &name)?;
            let mut file = open_regular(&path, &name)?;
            file.seek(SeekFrom::Start(offset)).map_err(|e| io_error(&name, e))?;
            Ok(file)
        })
        .await;
        match opened {
            Ok(file) => {
                let stream = FileReadStream::new(file, open);
                Ok(Ok(self.table.push(Box::new(stream) as DynInputStream)?))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    async fn digest(
        &mut self,
        name: String,
        offset: u64,
        length: u64,
        algorithm: DigestAlgorithm,
    ) -> wasmtime::Result<Result<Vec<u8>, FileError>> {
        let root = self.file_root();
        let cancelled = self.cancelled.clone();
        Ok(blocking(move || {
            let path = resolve(&canonical_root(&root?)?, &name)?;
            let file = open_regular(&path, &name)?;
            crate::digest::file_range(file, offset, length, algorithm.into(), &cancelled)
                .map_err(|e| io_error(&name, e))
        })
        .await)
    }

    async fn create(
        &mut self,
        name: String,
        overwrite: bool,
        resume_key: Option<String>,
    ) -> wasmtime::Result<Result<Resource<FileWriter>, FileError>> {
        if !self.files.writable {
            return Ok(Err(FileError::Denied("this host grants the file store read-only".into())));
        }
        let open = match self.usage.open_file().and_then(|held| self.usage.create_file().map(|()| held)) {
            Ok(held) => held,
            Err(exceeded) => return Ok(Err(FileError::Denied(exceeded.to_string()))),
        };
        let root = self.file_root();
        let created = blocking(move || {
            let target = resolve(&canonical_root(&root?)?, &name)?;
            start_writing(target, name, IfExists::from_overwrite(overwrite), resume_key.as_deref(), open)
        })
        .await;
        match created {
            Ok(writer) => Ok(Ok(self.table.push(writer)?)),
            Err(e) => Ok(Err(e)),
        }
    }
}

/// Opens the in-progress file for `target` (blocking).
fn start_writing(
    target: PathBuf,
    name: String,
    if_exists: IfExists,
    resume_key: Option<&str>,
    open: Held,
) -> Result<FileWriter, FileError> {
    match std::fs::symlink_metadata(&target) {
        Ok(meta) if meta.is_dir() => return Err(FileError::InvalidName(format!("{name:?} is a directory"))),
        Ok(_) if if_exists == IfExists::Fail => return Err(FileError::AlreadyExists(name)),
        _ => {}
    }
    let parent = target.parent().ok_or_else(|| FileError::InvalidName(name.clone()))?;
    std::fs::DirBuilder::new().recursive(true).mode(DIRECTORY_MODE).create(parent).map_err(|e| io_error(&name, e))?;
    let file_name = target.file_name().and_then(|f| f.to_str()).unwrap_or("download");
    let mut options = OpenOptions::new();
    options.write(true).mode(IN_PROGRESS_MODE).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    let (temp, file, lock) = if let Some(key) = resume_key {
        let temp = parent.join(partial_name(file_name, key));
        remove_stale_partials(parent, file_name, &temp);
        // Appending: a resumed download continues after the bytes already there.
        let file = options.append(true).create(true).open(&temp).map_err(|e| io_error(&name, e))?;
        file.try_lock().map_err(|_| {
            FileError::Denied(format!("{name:?} is being downloaded by another invocation; try again when it ends"))
        })?;
        if !file.metadata().map_err(|e| io_error(&name, e))?.is_file() {
            return Err(FileError::InvalidName(format!("the partial download of {name:?} is not a regular file")));
        }
        let lock = file.try_clone().map_err(|e| io_error(&name, e))?;
        (temp, file, Some(lock))
    } else {
        let temp = parent.join(temp_name(file_name, &crate::unique::unique_suffix()));
        let file = options.create_new(true).open(&temp).map_err(|e| io_error(&name, e))?;
        (temp, file, None)
    };
    let existing = file.metadata().map_err(|e| io_error(&name, e))?.len();
    let unfinished = if resume_key.is_some() { Unfinished::KeepForResume } else { Unfinished::Remove };
    Ok(FileWriter {
        temp,
        target,
        name,
        if_exists,
        file: Some(file),
        _lock: lock,
        existing,
        unfinished,
        committed: false,
        running_digest: None,
        touched: false,
        copies: std::sync::Arc::new(()),
        _open: open,
    })
}

/// Removes partial downloads of exactly `file_name` other than `keep` (earlier versions of the
/// object), and any partial in `dir` untouched for [`STALE_PARTIAL_AGE`] — never one that a
/// running download holds locked.
fn remove_stale_partials(dir: &Path, file_name: &str, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(PARTIAL_SUFFIX) || entry.path() == keep {
            continue;
        }
        let stale = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_PARTIAL_AGE);
        if !stale && !is_partial_of(&name, file_name) {
            continue;
        }
        let unlocked = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(entry.path())
            .is_ok_and(|file| file.try_lock().is_ok());
        if unlocked {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// What a commit must check and do.
struct Commit {
    temp: PathBuf,
    target: PathBuf,
    name: String,
    if_exists: IfExists,
    expected: Option<ExpectedContent>,
    /// The digest of every byte in the file, computed as `fill` wrote them, if asked for.
    computed: Option<(connector_contract::DigestAlgorithm, Vec<u8>)>,
}

/// Makes the in-progress file durable and, if it holds what was expected, visible under its
/// name (blocking). Returns the size. A file that does not match is removed, never renamed.
fn commit_file(commit: &Commit, cancelled: &std::sync::atomic::AtomicBool) -> Result<u64, FileError> {
    let Commit { temp, target, name, if_exists, expected, computed } = commit;
    let name = name.as_str();
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(temp)
        .map_err(|e| io_error(name, e))?;
    file.sync_all().map_err(|e| io_error(name, e))?;
    let size = file.metadata().map_err(|e| io_error(name, e))?.len();
    if let Some(expected) = expected
        && let Err(why) = check_content(&file, size, expected, computed.as_ref(), cancelled)
    {
        let _ = std::fs::remove_file(temp);
        return Err(FileError::Mismatch(why));
    }
    file.set_permissions(std::fs::Permissions::from_mode(COMMITTED_MODE)).map_err(|e| io_error(name, e))?;
    if *if_exists == IfExists::Replace {
        std::fs::rename(temp, target).map_err(|e| io_error(name, e))?;
    } else {
        // A hard link fails if the name exists, atomically: nothing created meanwhile is replaced.
        std::fs::hard_link(temp, target).map_err(|e| io_error(name, e))?;
        std::fs::remove_file(temp).map_err(|e| io_error(name, e))?;
    }
    if let Some(parent) = target.parent() {
        File::open(parent).and_then(|dir| dir.sync_all()).map_err(|e| io_error(name, e))?;
    }
    Ok(size)
}

/// Whether `file` (of `size` bytes) holds `expected`; the reason if it does not.
/// The digest comes from `computed` (taken while the bytes were written) when it is of the same
/// algorithm, else from reading the file.
fn check_content(
    file: &File,
    size: u64,
    expected: &ExpectedContent,
    computed: Option<&(connector_contract::DigestAlgorithm, Vec<u8>)>,
    cancelled: &std::sync::atomic::AtomicBool,
) -> Result<(), String> {
    if size != expected.size {
        return Err(format!("{size} bytes where {} were expected", expected.size));
    }
    let Some(digest) = &expected.digest else { return Ok(()) };
    let algorithm: connector_contract::DigestAlgorithm = digest.algorithm.into();
    let actual = match computed {
        Some((computed_with, value)) if *computed_with == algorithm => value.clone(),
        _ => {
            let reader = file.try_clone().map_err(|e| e.to_string())?;
            crate::digest::file_range(reader, 0, size, algorithm, cancelled).map_err(|e| e.to_string())?
        }
    };
    if actual != digest.value {
        return Err(format!("its {:?} checksum differs from the one stated", digest.algorithm));
    }
    Ok(())
}

/// Notes that bytes reached `writer`'s file other than through `fill` on a fresh file: the
/// digest computed while filling no longer covers it.
fn mark_partial(writer: &mut FileWriter) {
    writer.touched = true;
    if let Some(running) = &mut writer.running_digest {
        running.partial = true;
    }
}

impl HostFileWriter for HostState {
    fn existing_size(&mut self, writer: Resource<FileWriter>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&writer)?.existing)
    }

    fn digest_while_filling(
        &mut self,
        writer: Resource<FileWriter>,
        algorithm: DigestAlgorithm,
    ) -> wasmtime::Result<()> {
        let entry = self.table.get_mut(&writer)?;
        let algorithm: connector_contract::DigestAlgorithm = algorithm.into();
        // Resumed bytes, or bytes already written, are not in a digest started now.
        let partial = entry.existing > 0 || entry.touched;
        entry.running_digest = Some(RunningDigest { algorithm, hasher: Hasher::new(algorithm), partial });
        Ok(())
    }

    async fn truncate(&mut self, writer: Resource<FileWriter>) -> wasmtime::Result<Result<(), FileError>> {
        let entry = self.table.get_mut(&writer)?;
        let Some(file) = entry.file.take() else {
            return Ok(Err(FileError::Io("truncate() must come before contents()".into())));
        };
        let name = entry.name.clone();
        let (file, result) = tokio::task::spawn_blocking(move || {
            let result = file.set_len(0).map_err(|e| io_error(&name, e));
            (file, result)
        })
        .await?;
        let entry = self.table.get_mut(&writer)?;
        entry.file = Some(file);
        // Whatever the digest holds no longer describes the file.
        entry.touched = true;
        mark_partial(entry);
        if result.is_ok() {
            entry.existing = 0;
        }
        Ok(result)
    }

    async fn digest(
        &mut self,
        writer: Resource<FileWriter>,
        offset: u64,
        length: u64,
        algorithm: DigestAlgorithm,
    ) -> wasmtime::Result<Result<Vec<u8>, FileError>> {
        // Bytes still in a contents stream's buffer would be missed: it must be gone first.
        if self.table.iter_children(&writer)?.next().is_some() {
            return Ok(Err(FileError::Io("flush and drop the contents stream before digest()".into())));
        }
        if std::sync::Arc::strong_count(&self.table.get(&writer)?.copies) > 1 {
            return Ok(Err(FileError::Io("a copy at an offset is still writing; wait for its filling to end".into())));
        }
        let entry = self.table.get(&writer)?;
        let (temp, name) = (entry.temp.clone(), entry.name.clone());
        let cancelled = self.cancelled.clone();
        Ok(blocking(move || {
            let file = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(&temp)
                .map_err(|e| io_error(&name, e))?;
            crate::digest::file_range(file, offset, length, algorithm.into(), &cancelled)
                .map_err(|e| io_error(&name, e))
        })
        .await)
    }

    fn contents(
        &mut self,
        writer: Resource<FileWriter>,
    ) -> wasmtime::Result<Result<Resource<DynOutputStream>, FileError>> {
        let entry = self.table.get_mut(&writer)?;
        mark_partial(entry);
        let Some(file) = entry.file.take() else {
            return Ok(Err(FileError::Io("contents() was already called for this file".into())));
        };
        let file = BudgetedWriter::new(tokio::fs::File::from_std(file), self.usage.clone());
        let file = tokio::io::BufWriter::with_capacity(WRITE_COALESCE, file);
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
        let entry = self.table.get_mut(&writer)?;
        let Some(file) = entry.file.take() else {
            return Ok(Err(FileError::Io("contents() or fill() was already called for this file".into())));
        };
        if entry.existing > 0 {
            mark_partial(entry);
        }
        let digest = entry.running_digest.take();
        let (file, digest, end) = crate::file_fill::fill(file, source, limit, &self.usage, digest, None).await;
        let entry = self.table.get_mut(&writer)?;
        entry.file = file;
        entry.running_digest = digest;
        entry.touched = true;
        Ok(end)
    }

    async fn fill_at(
        &mut self,
        writer: Resource<FileWriter>,
        source: Resource<DynInputStream>,
        offset: u64,
        limit: u64,
    ) -> wasmtime::Result<Result<Resource<Filling>, FileError>> {
        let entry = self.table.get_mut(&writer)?;
        mark_partial(entry);
        if entry.unfinished == Unfinished::KeepForResume {
            return Ok(Err(FileError::Io(
                "fill-at() writes fresh files only; a resumable file grows at its end".into(),
            )));
        }
        // A hole past what the invocation may write at all is never a real download.
        if offset > self.usage.budgets().file_bytes_written {
            return Ok(Err(FileError::Denied(format!("offset {offset} is beyond what this host lets a call write"))));
        }
        let open = match self.usage.open_file() {
            Ok(held) => held,
            Err(exceeded) => return Ok(Err(FileError::Denied(exceeded.to_string()))),
        };
        let (temp, name) = (entry.temp.clone(), entry.name.clone());
        // Its own handle, with its own position: the copies of one file never share a cursor.
        let opened = blocking(move || {
            use std::io::{Seek, SeekFrom};
            let mut file = OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(&temp)
                .map_err(|e| io_error(&name, e))?;
            file.seek(SeekFrom::Start(offset)).map_err(|e| io_error(&name, e))?;
            Ok(file)
        })
        .await;
        let file = match opened {
            Ok(file) => file,
            Err(e) => return Ok(Err(e)),
        };
        let source = self.table.delete(source)?;
        let usage = self.usage.clone();
        let copy = self.table.get(&writer)?.copies.clone();
        let task = wasmtime_wasi::runtime::spawn(async move {
            match crate::file_fill::fill(file, source, limit, &usage, None, Some(copy)).await.2 {
                Ok(FillEnd::Done(copied)) => CopyEnd::Done(copied),
                Ok(FillEnd::SourceFailed(failure)) => {
                    CopyEnd::SourceFailed { copied: failure.copied, reason: failure.reason }
                }
                Ok(FillEnd::TooLarge(copied)) => CopyEnd::TooLarge(copied),
                Err(FileError::Denied(reason)) => CopyEnd::Denied(reason),
                Err(other) => CopyEnd::Io(format!("{other}")),
            }
        });
        // A child of its writer: the writer cannot be checked or committed while a copy runs.
        Ok(Ok(self.table.push_child(Filling::new(task, open), &writer)?))
    }

    async fn commit(
        &mut self,
        writer: Resource<FileWriter>,
        expected: Option<ExpectedContent>,
    ) -> wasmtime::Result<Result<u64, FileError>> {
        // Bytes written after the check would be visible unchecked: the contents stream must be
        // gone (flushed and dropped) before the commit.
        if self.table.iter_children(&writer)?.next().is_some() {
            return Ok(Err(FileError::Io("flush and drop the contents stream before commit()".into())));
        }
        if std::sync::Arc::strong_count(&self.table.get(&writer)?.copies) > 1 {
            return Ok(Err(FileError::Io("a copy at an offset is still writing; wait for its filling to end".into())));
        }
        let entry = self.table.get_mut(&writer)?;
        // The writer's own handle (if the guest did not take it) is closed first: its bytes are
        // all on disk once the write calls returned.
        drop(entry.file.take());
        let computed = entry
            .running_digest
            .take()
            .filter(|running| !running.partial)
            .map(|running| (running.algorithm, running.hasher.finish()));
        let commit = Commit {
            temp: entry.temp.clone(),
            target: entry.target.clone(),
            name: entry.name.clone(),
            if_exists: entry.if_exists,
            expected,
            computed,
        };
        let cancelled = self.cancelled.clone();
        let result = blocking(move || commit_file(&commit, &cancelled)).await;
        if result.is_ok() {
            self.table.get_mut(&writer)?.committed = true;
        }
        Ok(result)
    }

    fn drop(&mut self, writer: Resource<FileWriter>) -> wasmtime::Result<()> {
        // An uncommitted plain file is removed right here (one unlink), so that no trace of a
        // failed download outlives the call that ended it.
        self.table.delete(writer)?;
        Ok(())
    }
}

impl HostFilling for HostState {
    fn subscribe(&mut self, filling: Resource<Filling>) -> wasmtime::Result<Resource<DynPollable>> {
        wasmtime_wasi::p2::subscribe(&mut self.table, filling)
    }

    fn end(&mut self, filling: Resource<Filling>) -> wasmtime::Result<Option<Result<FillEnd, FileError>>> {
        let end = self.table.get_mut(&filling)?.end();
        Ok(end.map(|end| match end {
            CopyEnd::Done(copied) => Ok(FillEnd::Done(copied)),
            CopyEnd::SourceFailed { copied, reason } => Ok(FillEnd::SourceFailed(FillFailure { copied, reason })),
            CopyEnd::TooLarge(copied) => Ok(FillEnd::TooLarge(copied)),
            CopyEnd::Denied(reason) => Err(FileError::Denied(reason)),
            CopyEnd::Io(reason) => Err(FileError::Io(reason)),
        }))
    }

    fn drop(&mut self, filling: Resource<Filling>) -> wasmtime::Result<()> {
        // Dropping the task aborts a copy still running.
        self.table.delete(filling)?;
        Ok(())
    }
}
