//! The store itself: the first preopened directory, names checked by the shared rules, and
//! `wasi:filesystem` errors turned into `file-error`s.

use crate::bindings::exports::workflow::connector::file_store::FileError;
use crate::bindings::wasi::filesystem::preopens::get_directories;
use crate::bindings::wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, ErrorCode, OpenFlags, PathFlags,
};
use connector_contract::file_names::check_file_name;
use std::cell::RefCell;
use std::rc::Rc;

thread_local! {
    /// The store's directory, once found.
    static ROOT: RefCell<Option<Rc<Descriptor>>> = const { RefCell::new(None) };
    /// Descriptors whose streams the connector may still hold: a descriptor outlives its streams
    /// (dropping it first is an error in some runtimes), and the instance ends with the call.
    static KEPT: RefCell<Vec<Descriptor>> = const { RefCell::new(Vec::new()) };
}

/// Keeps `file` open until the instance ends (see `KEPT`).
pub(crate) fn keep_alive(file: Descriptor) {
    KEPT.with(|kept| kept.borrow_mut().push(file));
}

/// The directory the runtime granted; every name is resolved inside it (and the runtime refuses
/// any path that would leave it).
pub(crate) struct Store {
    pub(crate) root: Rc<Descriptor>,
}

/// Where a valid name lives: its parent directories and its last component.
pub(crate) struct Place<'a> {
    /// The directories above the file (`a/b` of `a/b/c.txt`), empty at the top.
    pub(crate) dir: String,
    /// The file's own name (`c.txt`).
    pub(crate) file: &'a str,
}

impl Place<'_> {
    /// `other` beside this file, as a path from the store's root.
    pub(crate) fn beside(&self, other: &str) -> String {
        if self.dir.is_empty() { other.to_string() } else { format!("{}/{other}", self.dir) }
    }
}

impl Store {
    /// The store, or `denied` if the runtime granted no directory.
    pub(crate) fn open() -> Result<Store, FileError> {
        let root = ROOT.with(|root| {
            let mut root = root.borrow_mut();
            if root.is_none() {
                *root = get_directories().into_iter().next().map(|(dir, _)| Rc::new(dir));
            }
            root.clone()
        });
        root.map(|root| Store { root }).ok_or_else(|| {
            FileError::Denied("this runtime granted no directory: preopen one to use files (e.g. --dir)".into())
        })
    }

    /// Checks `name` and splits it into its directory and file name.
    pub(crate) fn place(name: &str) -> Result<Place<'_>, FileError> {
        let mut parts = check_file_name(name).map_err(FileError::InvalidName)?;
        let file = parts.pop().unwrap_or(name);
        Ok(Place { dir: parts.join("/"), file })
    }

    /// Facts about the regular file `name`.
    pub(crate) fn stat(&self, name: &str) -> Result<DescriptorStat, FileError> {
        Self::place(name)?;
        let stat = self.root.stat_at(PathFlags::empty(), name).map_err(|code| error(name, code))?;
        if stat.type_ == DescriptorType::Directory {
            return Err(FileError::InvalidName(format!("{name:?} is a directory")));
        }
        Ok(stat)
    }

    /// Opens the regular file `name` for reading (a symlink as the last component is refused).
    pub(crate) fn open_read(&self, name: &str) -> Result<Descriptor, FileError> {
        Self::place(name)?;
        let file = self
            .root
            .open_at(PathFlags::empty(), name, OpenFlags::empty(), DescriptorFlags::READ)
            .map_err(|code| error(name, code))?;
        match file.get_type().map_err(|code| error(name, code))? {
            DescriptorType::RegularFile => Ok(file),
            _ => Err(FileError::InvalidName(format!("{name:?} is not a regular file"))),
        }
    }

    /// Creates the directories above `place` that do not exist yet.
    pub(crate) fn create_parents(&self, name: &str, place: &Place<'_>) -> Result<(), FileError> {
        let mut path = String::new();
        for part in place.dir.split('/').filter(|part| !part.is_empty()) {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(part);
            match self.root.create_directory_at(&path) {
                Ok(()) | Err(ErrorCode::Exist) => {}
                Err(code) => return Err(error(name, code)),
            }
        }
        Ok(())
    }
}

/// The `file-error` for `code`, met while working on `name`.
pub(crate) fn error(name: &str, code: ErrorCode) -> FileError {
    match code {
        ErrorCode::NoEntry => FileError::NotFound(name.to_string()),
        ErrorCode::Exist => FileError::AlreadyExists(name.to_string()),
        ErrorCode::Access | ErrorCode::NotPermitted | ErrorCode::ReadOnly => {
            FileError::Denied(format!("{name}: {}", code.message()))
        }
        ErrorCode::IsDirectory => FileError::InvalidName(format!("{name:?} is a directory")),
        other => io_error(name, other.message().to_string()),
    }
}

/// An I/O failure on `name`.
pub(crate) fn io_error(name: &str, why: String) -> FileError {
    FileError::Io(format!("{name}: {why}"))
}
