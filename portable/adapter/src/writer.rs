//! A file being written: bytes go to an in-progress file beside the target (`.NAME.*.tmp`),
//! checked and renamed into place by `commit`. Nothing is resumed: WASI 0.2 has no file locks,
//! so two runtimes sharing the directory could otherwise append to one partial file at once; a
//! resume key is accepted and every attempt starts a fresh file (`existing-size` is 0).

use crate::bindings::exports::workflow::connector::file_store::{
    DigestAlgorithm, ExpectedContent, FileError, FillEnd, Filling, GuestFileWriter,
};
use crate::bindings::wasi::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorType, ErrorCode, OpenFlags, PathFlags,
};
use crate::bindings::wasi::io::streams::{InputStream, OutputStream};
use crate::bindings::wasi::random::random::get_random_u64;
use crate::copy;
use crate::filling::Finished;
use crate::store::{Store, error, io_error, keep_alive};
use connector_contract::file_names::temp_name;
use std::cell::RefCell;

/// The `file-writer` resource.
pub(crate) struct Writer {
    store: Store,
    /// The name the connector asked for, for messages.
    name: String,
    /// Where the in-progress file is, from the store's root.
    temp: String,
    file: RefCell<Option<Descriptor>>,
    overwrite: bool,
    committed: std::cell::Cell<bool>,
    /// Whether a stream of the file was handed out (the descriptor must then outlive it).
    streamed: std::cell::Cell<bool>,
}

impl Writer {
    /// Starts writing `name` (the `create` of `file-store`).
    pub(crate) fn create(name: String, overwrite: bool) -> Result<Writer, FileError> {
        let store = Store::open()?;
        let place = Store::place(&name)?;
        match store.root.stat_at(PathFlags::empty(), &name) {
            Ok(stat) if stat.type_ == DescriptorType::Directory => {
                return Err(FileError::InvalidName(format!("{name:?} is a directory")));
            }
            Ok(_) if !overwrite => return Err(FileError::AlreadyExists(name)),
            Ok(_) | Err(ErrorCode::NoEntry) => {}
            Err(code) => return Err(error(&name, code)),
        }
        store.create_parents(&name, &place)?;
        let unique = format!("{:016x}", get_random_u64());
        let temp = place.beside(&temp_name(place.file, &unique));
        let open = OpenFlags::CREATE | OpenFlags::EXCLUSIVE;
        let file = store
            .root
            .open_at(PathFlags::empty(), &temp, open, DescriptorFlags::READ | DescriptorFlags::WRITE)
            .map_err(|code| error(&name, code))?;
        let stat = file.stat().map_err(|code| error(&name, code))?;
        if stat.type_ != DescriptorType::RegularFile {
            return Err(FileError::InvalidName(format!("the in-progress file of {name:?} is not a regular file")));
        }
        Ok(Writer {
            store,
            name,
            temp,
            file: RefCell::new(Some(file)),
            overwrite,
            committed: std::cell::Cell::new(false),
            streamed: std::cell::Cell::new(false),
        })
    }

    /// Runs `work` on the open in-progress file.
    fn with_file<T>(&self, work: impl FnOnce(&Descriptor) -> Result<T, FileError>) -> Result<T, FileError> {
        match self.file.borrow().as_ref() {
            Some(file) => work(file),
            None => Err(FileError::Io(format!("{}: the file was already committed or discarded", self.name))),
        }
    }

    /// The in-progress file's size now.
    fn size(&self) -> Result<u64, FileError> {
        self.with_file(|file| Ok(file.stat().map_err(|code| error(&self.name, code))?.size))
    }

    /// Removes the in-progress file and closes it.
    fn discard(&self) {
        self.release();
        let _ = self.store.root.unlink_file_at(&self.temp);
    }

    /// Closes the in-progress file (kept open for the instance if a stream may still use it).
    fn release(&self) {
        if let Some(file) = self.file.borrow_mut().take()
            && self.streamed.get()
        {
            keep_alive(file);
        }
    }

    /// Checks the finished file against `expected`; the reason if it does not match.
    fn check(&self, size: u64, expected: &ExpectedContent) -> Result<(), String> {
        if size != expected.size {
            return Err(format!("{size} bytes where {} were expected", expected.size));
        }
        let Some(digest) = &expected.digest else { return Ok(()) };
        let actual = self
            .with_file(|file| {
                copy::digest_range(file, 0, size, digest.algorithm.into()).map_err(|why| io_error(&self.name, why))
            })
            .map_err(|error| format!("{error:?}"))?;
        if actual != digest.value {
            return Err(format!("its {:?} checksum differs from the one stated", digest.algorithm));
        }
        Ok(())
    }

    /// Puts the checked file in place under its name.
    fn publish(&self) -> Result<(), FileError> {
        let (root, name) = (&self.store.root, self.name.as_str());
        if self.overwrite {
            return root.rename_at(&self.temp, root, name).map_err(|code| error(name, code));
        }
        // A hard link fails if the name exists, atomically; runtimes without links get a check
        // followed by the rename.
        match root.link_at(PathFlags::empty(), &self.temp, root, name) {
            Ok(()) => {
                let _ = root.unlink_file_at(&self.temp);
                Ok(())
            }
            Err(ErrorCode::Exist) => Err(FileError::AlreadyExists(name.to_string())),
            Err(_) => match root.stat_at(PathFlags::empty(), name) {
                Ok(_) => Err(FileError::AlreadyExists(name.to_string())),
                Err(_) => root.rename_at(&self.temp, root, name).map_err(|code| error(name, code)),
            },
        }
    }
}

impl GuestFileWriter for Writer {
    /// Always 0: every attempt starts a fresh file.
    fn existing_size(&self) -> u64 {
        0
    }

    fn contents(&self) -> Result<OutputStream, FileError> {
        let stream = self.with_file(|file| file.write_via_stream(0).map_err(|code| error(&self.name, code)))?;
        self.streamed.set(true);
        Ok(stream)
    }

    fn fill(&self, source: InputStream, limit: u64) -> Result<FillEnd, FileError> {
        let offset = self.size()?;
        self.with_file(|file| copy::fill(&source, file, offset, limit).map_err(|why| io_error(&self.name, why)))
    }

    /// The commit reads the file instead: this adapter computes no digest while copying.
    fn digest_while_filling(&self, _algorithm: DigestAlgorithm) {}

    fn fill_at(&self, source: InputStream, offset: u64, limit: u64) -> Result<Filling, FileError> {
        let end =
            self.with_file(|file| copy::fill(&source, file, offset, limit).map_err(|why| io_error(&self.name, why)));
        Ok(Filling::new(Finished { end }))
    }

    fn truncate(&self) -> Result<(), FileError> {
        self.with_file(|file| file.set_size(0).map_err(|code| error(&self.name, code)))?;
        Ok(())
    }

    fn digest(&self, offset: u64, length: u64, algorithm: DigestAlgorithm) -> Result<Vec<u8>, FileError> {
        self.with_file(|file| {
            copy::digest_range(file, offset, length, algorithm.into()).map_err(|why| io_error(&self.name, why))
        })
    }

    fn commit(&self, expected: Option<ExpectedContent>) -> Result<u64, FileError> {
        // Durable before visible, where the runtime can say so.
        self.with_file(|file| match file.sync_data() {
            Ok(()) | Err(ErrorCode::Unsupported) => Ok(()),
            Err(code) => Err(error(&self.name, code)),
        })?;
        let size = self.size()?;
        if let Some(expected) = &expected
            && let Err(why) = self.check(size, expected)
        {
            self.discard();
            self.committed.set(true);
            return Err(FileError::Mismatch(why));
        }
        self.release();
        self.publish()?;
        self.committed.set(true);
        Ok(size)
    }
}

impl Drop for Writer {
    /// An uncommitted file is removed.
    fn drop(&mut self) {
        if self.committed.get() {
            self.release();
        } else {
            self.discard();
        }
    }
}
