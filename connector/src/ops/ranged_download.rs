//! A large object downloaded into a host file as ranges at once: one HEAD for its size, ETag and
//! stated checksum, then 16 MiB ranges pinned to that ETag, `in_flight` at a time, each written
//! at its offset by the host. The file stays unseen until every range is in and the whole file
//! matches what S3 states (size, full-object or composite checksum); any failure leaves nothing.

use super::object_ref::{ObjectRef, check_composite};
use crate::client::Client;
use crate::client::transport::{Batch, ExistingFile};
use crate::error::Result;
use crate::protocol::http::{HttpResponse, Method};

/// Bytes per range: a range's round trip is a small share of its time even at 80 ms and 32 MiB/s
/// per connection (0.5 s per range), and a 1 GiB object makes 64 of them to spread over the
/// streams.
pub(super) const RANGE_SIZE: u64 = 16 * 1024 * 1024;
/// Smaller objects go in one stream: two ranges is the least that gains anything.
pub(super) const THRESHOLD: u64 = 2 * RANGE_SIZE;

/// Downloads the whole of `target` into host file `name` in ranges, `in_flight` at a time; the
/// object's HEAD answer with the file's size. `None` (nothing done but the HEAD) when the object
/// is smaller than [`THRESHOLD`] or states no size or ETag: one stream is the way for it.
pub(super) fn download(
    client: &mut Client<'_>,
    target: &ObjectRef,
    name: &str,
    existing: ExistingFile,
    in_flight: u64,
) -> Result<Option<HttpResponse>> {
    let verify = client.conn.verify_downloads;
    let mut head = target.request(Method::Head)?;
    if verify {
        head = head.header("x-amz-checksum-mode", "ENABLED");
    }
    let head = client.send(&head)?;
    let size = head.header("content-length").and_then(|length| length.trim().parse::<u64>().ok());
    let (Some(size), Some(etag)) = (size, head.header("etag").map(str::to_string)) else { return Ok(None) };
    if size < THRESHOLD {
        return Ok(None);
    }
    client.transport().start_ranged_download(name, existing, &head, verify)?;
    let ranges = plan(size);
    let mut done = 0;
    for batch in ranges.chunks(super::parallel::window(in_flight)) {
        client.checkpoint(batch[0].0, Some(size))?;
        let requests = batch
            .iter()
            .map(|(first, length)| {
                let range = format!("bytes={first}-{}", first + length - 1);
                Ok(target.download(Some(range), false)?.header("if-match", etag.clone()))
            })
            .collect::<Result<Vec<_>>>()?;
        let moving = Batch { in_flight: in_flight as usize, done_before: done, total: Some(size) };
        client.download_ranges(&requests, batch, moving)?;
        done += batch.iter().map(|(_, length)| length).sum::<u64>();
    }
    check_composite(client, target, &head, size, |client, offset, length, algorithm| {
        client.transport().held_digest(offset, length, algorithm)
    })?;
    let written = client.transport().commit_held()?;
    let mut answer = head;
    answer.file_size = Some(written);
    Ok(Some(answer))
}

/// The ranges of `size` bytes: first byte and length of each.
fn plan(size: u64) -> Vec<(u64, u64)> {
    (0..size.div_ceil(RANGE_SIZE))
        .map(|index| index * RANGE_SIZE)
        .map(|first| (first, RANGE_SIZE.min(size - first)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_object_exactly_once() {
        assert_eq!(plan(THRESHOLD), vec![(0, RANGE_SIZE), (RANGE_SIZE, RANGE_SIZE)]);
        let odd = plan(3 * RANGE_SIZE + 7);
        assert_eq!(odd.len(), 4);
        assert_eq!(odd[3], (3 * RANGE_SIZE, 7));
        assert!(odd.windows(2).all(|pair| pair[0].0 + pair[0].1 == pair[1].0));
    }
}
