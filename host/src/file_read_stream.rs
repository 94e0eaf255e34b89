//! A host file as a `wasi:io` input stream that reads ahead in 1 MiB chunks on a blocking thread,
//! so an upload moves a megabyte per guest call (wasmtime's generic reader moves 64 KiB) while
//! the next chunks are already being read.

use bytes::Bytes;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use tokio::sync::mpsc::{self, error::TryRecvError};
use wasmtime_wasi::p2::{InputStream, Pollable, StreamError, StreamResult};

/// Bytes per read from disk.
const CHUNK: usize = 1024 * 1024;
/// Chunks read ahead of the guest (bounds the host memory per open file).
const READ_AHEAD: usize = 4;

/// The input stream of [`crate::file_store`] files.
pub struct FileReadStream {
    /// Bytes received but not yet read by the guest.
    pending: Bytes,
    /// Chunks from the reader thread; closed at end of file.
    receiver: mpsc::Receiver<std::io::Result<Bytes>>,
    /// A read error waiting to be reported.
    failed: Option<std::io::Error>,
    /// The reader thread finished (end of file).
    ended: bool,
}

impl FileReadStream {
    /// Streams `file` from byte `offset` to its end.
    pub fn new(mut file: File, offset: u64) -> Self {
        let (sender, receiver) = mpsc::channel(READ_AHEAD);
        tokio::task::spawn_blocking(move || {
            if let Err(error) = file.seek(SeekFrom::Start(offset)) {
                let _ = sender.blocking_send(Err(error));
                return;
            }
            loop {
                let chunk = read_chunk(&mut file);
                // A short chunk is the end of the file; an error ends the stream too.
                let last = !matches!(&chunk, Ok(bytes) if bytes.len() == CHUNK);
                if matches!(&chunk, Ok(bytes) if bytes.is_empty()) {
                    return;
                }
                // A closed channel means the guest dropped the stream: stop reading.
                if sender.blocking_send(chunk).is_err() || last {
                    return;
                }
            }
        });
        Self { pending: Bytes::new(), receiver, failed: None, ended: false }
    }

    fn accept(&mut self, received: Option<std::io::Result<Bytes>>) {
        match received {
            Some(Ok(bytes)) => self.pending = bytes,
            Some(Err(error)) => self.failed = Some(error),
            None => self.ended = true,
        }
    }
}

/// Reads up to [`CHUNK`] bytes (fewer only at the end of the file).
fn read_chunk(file: &mut File) -> std::io::Result<Bytes> {
    let mut buffer = vec![0u8; CHUNK];
    let mut filled = 0;
    while filled < CHUNK {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    buffer.truncate(filled);
    Ok(Bytes::from(buffer))
}

#[async_trait::async_trait]
impl InputStream for FileReadStream {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if self.pending.is_empty() && self.failed.is_none() && !self.ended {
            match self.receiver.try_recv() {
                Ok(received) => self.accept(Some(received)),
                Err(TryRecvError::Disconnected) => self.accept(None),
                Err(TryRecvError::Empty) => return Ok(Bytes::new()),
            }
        }
        if !self.pending.is_empty() {
            let length = size.min(self.pending.len());
            return Ok(self.pending.split_to(length));
        }
        match self.failed.take() {
            Some(error) => Err(StreamError::LastOperationFailed(error.into())),
            None => Err(StreamError::Closed),
        }
    }
}

#[async_trait::async_trait]
impl Pollable for FileReadStream {
    async fn ready(&mut self) {
        if self.pending.is_empty() && self.failed.is_none() && !self.ended {
            let received = self.receiver.recv().await;
            self.accept(received);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn streams_a_file_from_an_offset_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let data: Vec<u8> = (0..(3 * CHUNK + 12_345)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let mut stream = FileReadStream::new(File::open(&path).unwrap(), 100);
        let mut got = Vec::new();
        loop {
            stream.ready().await;
            match stream.read(300_000) {
                Ok(bytes) => got.extend_from_slice(&bytes),
                Err(StreamError::Closed) => break,
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(got, data[100..]);
    }
}
