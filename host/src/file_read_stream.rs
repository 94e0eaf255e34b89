//! A host file as a `wasi:io` input stream that reads ahead in 1 MiB chunks on blocking
//! threads, so an upload moves a megabyte per guest call (wasmtime's generic reader moves 64 KiB)
//! while the next chunk is already being read. No thread is held between reads: an open stream
//! that the guest never reads costs no blocking thread.

use crate::budget::Held;
use bytes::Bytes;
use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::task::{Context, Poll, Waker};
use tokio::task::JoinHandle;
use wasmtime_wasi::p2::{InputStream, Pollable, StreamError, StreamResult};

/// Bytes per read from disk.
const CHUNK: usize = 1024 * 1024;
/// Chunks read ahead of the guest: the host memory per open file is at most this many chunks,
/// and nothing is read before the guest first asks.
const READ_AHEAD: usize = 2;

/// A read on a blocking thread; it hands the file back with the chunk.
type PendingRead = JoinHandle<(File, std::io::Result<Bytes>)>;

/// The input stream of [`crate::file_store`] files.
pub(crate) struct FileReadStream {
    /// Chunks read but not yet taken by the guest.
    ready: VecDeque<Bytes>,
    /// The file, when no read is in flight.
    file: Option<File>,
    /// The read in flight.
    reading: Option<PendingRead>,
    /// A read error waiting to be reported.
    failed: Option<std::io::Error>,
    /// The end of the file was reached.
    ended: bool,
    /// The stream's place in the invocation's open-files budget.
    _open: Held,
}

impl FileReadStream {
    /// Streams `file` from its current position to its end.
    pub(crate) fn new(file: File, open: Held) -> Self {
        Self { ready: VecDeque::new(), file: Some(file), reading: None, failed: None, ended: false, _open: open }
    }

    /// Starts the next read if there is room ahead of the guest.
    fn read_ahead(&mut self) {
        if self.ended || self.failed.is_some() || self.ready.len() >= READ_AHEAD {
            return;
        }
        if let Some(mut file) = self.file.take() {
            self.reading = Some(tokio::task::spawn_blocking(move || {
                let chunk = read_chunk(&mut file);
                (file, chunk)
            }));
        }
    }

    fn accept(&mut self, finished: Result<(File, std::io::Result<Bytes>), tokio::task::JoinError>) {
        match finished {
            Ok((file, Ok(bytes))) => {
                self.file = Some(file);
                // A short chunk is the end of the file.
                self.ended = bytes.len() < CHUNK;
                if !bytes.is_empty() {
                    self.ready.push_back(bytes);
                }
            }
            Ok((file, Err(error))) => {
                self.file = Some(file);
                self.failed = Some(error);
            }
            Err(error) => self.failed = Some(std::io::Error::other(error)),
        }
        self.read_ahead();
    }

    /// Collects the read in flight if it has finished, without waiting.
    fn collect_finished(&mut self) {
        let Some(reading) = self.reading.as_mut() else { return };
        if let Poll::Ready(finished) = std::pin::Pin::new(reading).poll(&mut Context::from_waker(Waker::noop())) {
            self.reading = None;
            self.accept(finished);
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
        self.collect_finished();
        if let Some(front) = self.ready.front_mut() {
            let taken = front.split_to(size.min(front.len()));
            if front.is_empty() {
                self.ready.pop_front();
            }
            self.read_ahead();
            return Ok(taken);
        }
        if let Some(error) = self.failed.take() {
            return Err(StreamError::LastOperationFailed(error.into()));
        }
        if self.ended {
            return Err(StreamError::Closed);
        }
        self.read_ahead();
        Ok(Bytes::new())
    }
}

#[async_trait::async_trait]
impl Pollable for FileReadStream {
    async fn ready(&mut self) {
        if !self.ready.is_empty() || self.failed.is_some() || self.ended {
            return;
        }
        self.read_ahead();
        // Awaited in place, not taken: `wasi:io/poll` drops the readiness futures of the
        // pollables that lost the race, and a read taken out of `self` would be lost with its
        // file (the stream would then never have data again).
        if let Some(reading) = self.reading.as_mut() {
            let finished = reading.await;
            self.reading = None;
            self.accept(finished);
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
        let usage = crate::budget::Usage::new(crate::budget::Budgets::default());
        let mut file = File::open(&path).unwrap();
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(100)).unwrap();
        let mut stream = FileReadStream::new(file, usage.open_file().unwrap());
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

    #[tokio::test]
    async fn a_readiness_wait_dropped_midway_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        let data: Vec<u8> = (0..(2 * CHUNK + 7)).map(|i| (i % 249) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let usage = crate::budget::Usage::new(crate::budget::Budgets::default());
        let mut stream = FileReadStream::new(File::open(&path).unwrap(), usage.open_file().unwrap());
        let mut got = Vec::new();
        for round in 0.. {
            assert!(round < 10_000, "the stream stopped giving data after {} bytes", got.len());
            // As `poll` does when another pollable is ready first: the wait is dropped unfinished.
            let dropped = tokio::time::timeout(std::time::Duration::ZERO, stream.ready()).await;
            if dropped.is_err() {
                stream.ready().await;
            }
            match stream.read(CHUNK) {
                Ok(bytes) => got.extend_from_slice(&bytes),
                Err(StreamError::Closed) => break,
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(got, data);
    }
}
