//! Multipart objects checked against their composite checksum, the digest of their parts'
//! digests: S3 states it for the whole object, and `HEAD ?partNumber=N` says where each part
//! ends. The common layout (equal parts, a shorter last one) costs one HEAD; any other costs
//! one HEAD per part. A server that ignores `partNumber` leaves the layout, and so the check,
//! unknown: the download is then only checked for its size, as a range is.

use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::checksum::StatedComposite;

/// How to ask for the parts of the downloaded object: a HEAD of it, and the ETag its download
/// answered with (each part's answer must carry the same).
pub(super) struct PartHead {
    /// A HEAD of the object (its version and customer key included).
    pub(super) request: S3Request,
    /// The downloaded object's ETag.
    pub(super) etag: Option<String>,
}

/// Checks the `total` bytes of a whole-object download against `stated`;
/// `part_digest(client, offset, size)` digests a part of the downloaded bytes with
/// `stated.algorithm`.
pub(super) fn verify(
    client: &mut Client<'_>,
    head: &PartHead,
    total: u64,
    stated: &StatedComposite,
    mut part_digest: impl FnMut(&mut Client<'_>, u64, u64) -> Result<Vec<u8>>,
) -> Result<()> {
    let mut digests_of = |client: &mut Client<'_>, sizes: &[u64]| -> Result<Vec<Vec<u8>>> {
        let mut offset = 0;
        sizes
            .iter()
            .map(|&size| {
                let digest = part_digest(client, offset, size);
                offset += size;
                digest
            })
            .collect()
    };
    let first = match stated.parts {
        1 => total,
        _ => match part_size(client, head, 1)? {
            Some(size) => size,
            // A server that ignores `partNumber` cannot say where parts end: nothing to check against.
            None => return Ok(()),
        },
    };
    if let Some(sizes) = uniform_layout(total, stated.parts, first)
        && stated.matches(&digests_of(client, &sizes)?)
    {
        return Ok(());
    }
    // Parts of different sizes (or bytes that differ): each part's own size settles which.
    let mut sizes = vec![first];
    for part in 2..=stated.parts {
        let Some(size) = part_size(client, head, part)? else { return Ok(()) };
        sizes.push(size);
    }
    if sizes.iter().sum::<u64>() != total {
        return Err(mismatch(format!(
            "the object's {} parts add up to {} bytes, {total} arrived",
            stated.parts,
            sizes.iter().sum::<u64>()
        )));
    }
    if stated.matches(&digests_of(client, &sizes)?) {
        Ok(())
    } else {
        Err(mismatch(format!(
            "the {} of the {} parts received do not combine to the composite checksum the server stated",
            stated.algorithm, stated.parts
        )))
    }
}

/// The sizes of `parts` parts of `total` bytes, all but the last `first` bytes long, if that
/// layout is possible.
fn uniform_layout(total: u64, parts: u32, first: u64) -> Option<Vec<u64>> {
    let before_last = first.checked_mul(u64::from(parts.checked_sub(1)?))?;
    let last = total.checked_sub(before_last).filter(|&last| last >= 1 && last <= first)?;
    let mut sizes = vec![first; parts as usize - 1];
    sizes.push(last);
    Some(sizes)
}

/// The size of part `part` of the object `head` names: the range a `206 Partial Content`
/// answer gives. `None` when the server answers for the whole object instead (it does not
/// implement `partNumber`).
fn part_size(client: &mut Client<'_>, head: &PartHead, part: u32) -> Result<Option<u64>> {
    let answer = client.send(&head.request.clone().query("partNumber", part.to_string()))?;
    if answer.status != 206 {
        return Ok(None);
    }
    // Not `If-Match` on the request: a server that answers a part with the part's own ETag
    // (moto) would refuse it. A part of another object than the one downloaded is a race.
    if head.etag.is_some() && answer.header("etag") != head.etag.as_deref() {
        return Err(ConnectorError {
            retryable: true,
            ..ConnectorError::new(ErrorKind::Conflict, "the object changed during the download; try again")
        });
    }
    let size = answer.content_range().map(|(first, last, _)| last - first + 1);
    let size = size.or_else(|| answer.header("content-length").and_then(|length| length.trim().parse().ok()));
    size.map(Some).ok_or_else(|| ConnectorError::internal(format!("HEAD of part {part} answered without its size")))
}

fn mismatch(why: String) -> ConnectorError {
    ConnectorError { retryable: true, ..ConnectorError::integrity(format!("integrity check failed: {why}; try again")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_layouts_have_a_last_part_no_longer_than_the_others() {
        assert_eq!(uniform_layout(25, 3, 10), Some(vec![10, 10, 5]));
        assert_eq!(uniform_layout(30, 3, 10), Some(vec![10, 10, 10]));
        assert_eq!(uniform_layout(7, 1, 7), Some(vec![7]));
        for (total, parts, first) in [(31, 3, 10), (20, 3, 10), (5, 0, 5), (u64::MAX, 3, u64::MAX)] {
            assert_eq!(uniform_layout(total, parts, first), None, "{total} {parts} {first}");
        }
    }
}
