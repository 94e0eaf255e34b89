//! The resource behind `file-store.file-writer`: a file being written for a guest, in progress
//! beside its target until committed (the store's logic is in `file_store`).

use crate::budget::Held;
use std::fs::File;
use std::path::PathBuf;

/// What a commit does when the target name exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IfExists {
    /// Fail with `already-exists` (checked when writing starts and, atomically, at commit).
    Fail,
    /// Replace it atomically.
    Replace,
}

impl IfExists {
    /// From the WIT `overwrite` flag.
    pub(crate) fn from_overwrite(overwrite: bool) -> Self {
        if overwrite { IfExists::Replace } else { IfExists::Fail }
    }
}

/// What happens to the in-progress file of a writer dropped without a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unfinished {
    /// Removed: nothing of a failed download remains.
    Remove,
    /// Kept under a name derived from the resume key, for the next attempt to continue.
    KeepForResume,
}

/// The digest of the bytes `fill` wrote, computed as they were written (`digest-while-filling`),
/// so the commit can check the file without reading it again.
pub(crate) struct RunningDigest {
    /// The algorithm.
    pub(crate) algorithm: connector_contract::DigestAlgorithm,
    /// The digest so far.
    pub(crate) hasher: connector_contract::Hasher,
    /// Whether bytes reached the file some other way (a contents stream, `fill-at`, resumed
    /// bytes): the digest then does not cover the file and the commit reads it instead.
    pub(crate) partial: bool,
}

/// A file being written: an in-progress file beside the target, renamed to it on commit.
pub struct FileWriter {
    /// The in-progress file.
    pub(crate) temp: PathBuf,
    /// The name it becomes on commit.
    pub(crate) target: PathBuf,
    /// The guest's name for it (for messages).
    pub(crate) name: String,
    /// What the commit does if the target exists.
    pub(crate) if_exists: IfExists,
    /// The open file, until the guest takes its stream or the commit closes it.
    pub(crate) file: Option<File>,
    /// Holds the partial's lock while this writer lives, whoever has the file itself.
    pub(crate) _lock: Option<File>,
    /// Bytes already in the file when writing started (a resumed download).
    pub(crate) existing: u64,
    /// What happens to the file if the writer is dropped uncommitted.
    pub(crate) unfinished: Unfinished,
    /// Whether the commit succeeded.
    pub(crate) committed: bool,
    /// The digest computed while filling, when asked for.
    pub(crate) running_digest: Option<RunningDigest>,
    /// Whether bytes have reached the file (a fill, a copy at an offset, a contents stream) or it
    /// was truncated: a digest started afterwards does not cover the file.
    pub(crate) touched: bool,
    /// Held by every copy at an offset and by each of its writes in flight: the file is not
    /// checked or committed while one remains (a dropped copy's last write may still land).
    pub(crate) copies: std::sync::Arc<()>,
    /// The open-files budget unit this writer holds.
    pub(crate) _open: Held,
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        if !self.committed && self.unfinished == Unfinished::Remove {
            // Best effort: a file that cannot be removed is an unreachable hidden temp name.
            std::fs::remove_file(&self.temp).ok();
        }
    }
}
