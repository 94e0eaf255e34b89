//! The file store over `wasi:filesystem`: the `file-store` and `invocation` interfaces the
//! connector imports, exported by a small component that imports only WASI. Composed with the
//! connector (`host/build.rs`), it gives a component that a runtime with `wasi:http` and
//! `wasi:filesystem` loads as it is (Node.js through jco, the `wasmtime` CLI), with the first
//! preopened directory as the file store.
//!
//! What the native host does faster or more strictly is done here in the guest: copies pass
//! through this component's memory, digests are computed by reading the file at commit, a
//! `fill-at` copy runs to its end before the call returns (ranges land one after another), and
//! downloads do not resume (WASI has no file locks to keep two writers off one partial file). Names
//! follow the same rules as the native store (`connector_contract::file_names`); the runtime's
//! preopen is the sandbox.

#![cfg(target_arch = "wasm32")]

mod bindings;
mod copy;
mod filling;
mod store;
mod writer;

use bindings::exports::workflow::connector::file_store::{self, DigestAlgorithm, FileError, FileStat};
use bindings::exports::workflow::connector::invocation;
use bindings::wasi::io::streams::InputStream;

/// The component: its exports are implemented on this type.
struct Adapter;

impl file_store::Guest for Adapter {
    type FileWriter = writer::Writer;
    type Filling = filling::Finished;

    fn stat(name: String) -> Result<FileStat, FileError> {
        let stat = store::Store::open()?.stat(&name)?;
        Ok(FileStat { size: stat.size })
    }

    fn digest(name: String, offset: u64, length: u64, algorithm: DigestAlgorithm) -> Result<Vec<u8>, FileError> {
        let file = store::Store::open()?.open_read(&name)?;
        copy::digest_range(&file, offset, length, algorithm.into()).map_err(|why| store::io_error(&name, why))
    }

    fn open_read(name: String, offset: u64) -> Result<InputStream, FileError> {
        let file = store::Store::open()?.open_read(&name)?;
        let stream = file.read_via_stream(offset).map_err(|code| store::error(&name, code))?;
        store::keep_alive(file);
        Ok(stream)
    }

    /// A resume key is accepted and not used: see `writer`.
    fn create(name: String, overwrite: bool, _resume_key: Option<String>) -> Result<file_store::FileWriter, FileError> {
        Ok(file_store::FileWriter::new(writer::Writer::create(name, overwrite)?))
    }
}

impl invocation::Guest for Adapter {
    /// A portable runtime has no way to ask a call to stop: it ends the instance instead.
    fn cancel_requested() -> bool {
        false
    }

    /// Progress has nowhere to go in a plain WASI runtime.
    fn progress(_done: u64, _total: Option<u64>) {}

    /// Nor has a checkpoint: a plain runtime does not retry a call elsewhere.
    fn checkpoint(_state: String) {}
}

impl From<DigestAlgorithm> for connector_contract::DigestAlgorithm {
    fn from(algorithm: DigestAlgorithm) -> Self {
        match algorithm {
            DigestAlgorithm::Md5 => Self::Md5,
            DigestAlgorithm::Sha256 => Self::Sha256,
            DigestAlgorithm::Crc32c => Self::Crc32c,
            DigestAlgorithm::Crc32 => Self::Crc32,
        }
    }
}

bindings::export!(Adapter with_types_in bindings);
