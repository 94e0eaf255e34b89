//! `file-writer.fill`: a stream (a download's body) copied into a host file without the guest,
//! reading the next bytes while the last batch is written on a blocking thread.

use crate::bindings::file_store::{FileError, FillEnd, FillFailure};
use crate::budget::Usage;
use crate::file_writer::RunningDigest;
use std::fs::File;
use std::io::Write;
use std::sync::Arc;
use tokio::task::JoinHandle;
use wasmtime_wasi::p2::{DynInputStream, StreamError};

/// Bytes gathered before each write to disk.
const BATCH: usize = 2 * 1024 * 1024;

/// A write to disk in flight; it hands the file and the running digest back when done.
type PendingWrite = JoinHandle<(File, Option<RunningDigest>, std::io::Result<()>)>;

/// Copies `source` into `file` until the source ends or `limit` bytes are in. Returns the file
/// (to commit or keep), the `digest` fed with every byte written (on the writing thread, while
/// the next batch arrives) and how the copy ended; every byte read is written before
/// returning. Every batch is charged to the invocation's file-store budget before it is written.
/// `copy` (a copy at an offset) is held by each write until it has landed.
pub(crate) async fn fill(
    file: File,
    mut source: DynInputStream,
    limit: u64,
    usage: &Usage,
    digest: Option<RunningDigest>,
    copy: Option<Arc<()>>,
) -> (Option<File>, Option<RunningDigest>, Result<FillEnd, FileError>) {
    let mut idle = Some(file);
    let mut idle_digest = digest;
    let mut pending: Option<PendingWrite> = None;
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
    let mut copied: u64 = 0;
    let mut failure = None;
    let mut too_large = false;
    loop {
        let wanted = (BATCH - batch.len()).min((limit - copied - batch.len() as u64).min(BATCH as u64) as usize);
        let ended = if wanted == 0 {
            true
        } else {
            match source.blocking_read(wanted).await {
                Ok(bytes) => {
                    batch.extend_from_slice(&bytes);
                    false
                }
                Err(StreamError::Closed) => true,
                Err(StreamError::LastOperationFailed(e)) => {
                    too_large |= matches!(
                        e.downcast_ref::<wasmtime_wasi_http::Error>(),
                        Some(wasmtime_wasi_http::Error::HttpResponseBodySize(_))
                    );
                    failure = Some(format!("{e:#}"));
                    true
                }
                Err(StreamError::Trap(e)) => {
                    failure = Some(format!("{e:#}"));
                    true
                }
            }
        };
        if batch.len() >= BATCH || (ended && !batch.is_empty()) {
            let file = match finish(&mut idle, &mut idle_digest, pending.take()).await {
                Ok(file) => file,
                Err(e) => return (idle, idle_digest, Err(e)),
            };
            let data = std::mem::replace(&mut batch, Vec::with_capacity(if ended { 0 } else { BATCH }));
            if let Err(exceeded) = usage.write_bytes(data.len() as u64) {
                return (Some(file), idle_digest, Err(FileError::Denied(exceeded.to_string())));
            }
            copied += data.len() as u64;
            let mut digest = idle_digest.take();
            // Each write holds the copy's token until it has landed, even if the copy is dropped.
            let in_flight = copy.clone();
            pending = Some(tokio::task::spawn_blocking(move || {
                let _in_flight = in_flight;
                let mut file = file;
                if let Some(digest) = &mut digest {
                    digest.hasher.update(&data);
                }
                let written = file.write_all(&data);
                (file, digest, written)
            }));
        }
        if ended {
            break;
        }
    }
    match finish(&mut idle, &mut idle_digest, pending.take()).await {
        Ok(file) => idle = Some(file),
        Err(e) => return (idle, idle_digest, Err(e)),
    }
    let end = match failure {
        Some(_) if too_large => FillEnd::TooLarge(copied),
        Some(reason) => FillEnd::SourceFailed(FillFailure { copied, reason }),
        None => FillEnd::Done(copied),
    };
    (idle, idle_digest, Ok(end))
}

/// Waits for the write in flight (if any) and returns the file, ready for the next one (the
/// digest goes back to `digest`).
async fn finish(
    idle: &mut Option<File>,
    digest: &mut Option<RunningDigest>,
    pending: Option<PendingWrite>,
) -> Result<File, FileError> {
    match pending {
        Some(write) => match write.await {
            Ok((file, returned, Ok(()))) => {
                *digest = returned;
                Ok(file)
            }
            Ok((file, returned, Err(e))) => {
                *idle = Some(file);
                *digest = returned.map(|running| RunningDigest { partial: true, ..running });
                Err(FileError::Io(format!("writing the file: {e}")))
            }
            Err(e) => Err(FileError::Io(format!("the file writer stopped: {e}"))),
        },
        None => idle.take().ok_or_else(|| FileError::Io("the file is gone".into())),
    }
}
