//! How many parts of one transfer move at once: a multipart upload's parts from a host file, or
//! the ranges of a download into one. The input field, its limits and its default, shared by
//! uploads and downloads.

use crate::error::{ConnectorError, Result};
use serde_json::{Value, json};

/// Parts of an upload in flight by default. Over a link with tens of milliseconds of round trip
/// one stream does not fill it: through a 20 or 80 ms link at 32 MiB/s per connection, 4 parts
/// in flight upload 1.3–1.5× faster than `aws s3 cp` (10 at once), and 8 gain little more for
/// twice the host memory (bench/NOTES.md has the sweep).
pub(super) const DEFAULT_UPLOAD_CONCURRENCY: u64 = 4;
/// Ranges of a download in flight by default: through the same links 4 reach 0.7 of `aws s3 cp`
/// and 8 pass it; a range in flight holds less host memory than an upload's part.
pub(super) const DEFAULT_DOWNLOAD_CONCURRENCY: u64 = 8;
/// The most parts in flight: a host's default budget of requests in flight is 16, and each part
/// in flight holds a request or response buffer and a file handle on the host.
pub(super) const MAX_CONCURRENCY: u64 = 16;

/// Parts signed and handed to the transport at once, per part in flight: within such a window
/// the transport keeps `in_flight` parts moving (as one ends the next starts); between windows
/// the call reports progress and checks for cancellation. Bounded so that a part is sent well
/// within the 15 minutes S3 accepts a signature for after its date.
const WINDOW_PER_PART_IN_FLIGHT: u64 = 4;

/// How many parts go to the transport at once for `in_flight` parts in flight (one at a time:
/// each part alone, with progress and a cancel check between parts).
pub(super) fn window(in_flight: u64) -> usize {
    match in_flight {
        0 | 1 => 1,
        many => (many * WINDOW_PER_PART_IN_FLIGHT) as usize,
    }
}

/// Parts in flight: `requested` if given (1 to [`MAX_CONCURRENCY`]), else `default`.
pub(super) fn concurrency(requested: Option<u64>, default: u64) -> Result<u64> {
    match requested {
        None => Ok(default),
        Some(wanted) if (1..=MAX_CONCURRENCY).contains(&wanted) => Ok(wanted),
        Some(wanted) => Err(ConnectorError::invalid_input(
            "/concurrency",
            format!("concurrency is {wanted}; give 1 to {MAX_CONCURRENCY} parts in flight"),
        )),
    }
}

/// The `concurrency` input field with its `default`; `what` says what moves at once.
pub(super) fn schema(what: &str, default: u64) -> Value {
    json!({"type": "integer", "title": "Parts in flight", "minimum": 1, "maximum": MAX_CONCURRENCY, "default": default,
           "description": format!("{what} More fills a link with a long round trip; the host holds a few MiB of buffers per part in flight, whatever the part size."),
           "x-group": "advanced"})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_is_bounded_and_defaults() {
        assert_eq!(concurrency(None, DEFAULT_UPLOAD_CONCURRENCY).unwrap(), DEFAULT_UPLOAD_CONCURRENCY);
        assert_eq!(concurrency(Some(1), DEFAULT_DOWNLOAD_CONCURRENCY).unwrap(), 1);
        assert_eq!(concurrency(Some(MAX_CONCURRENCY), 1).unwrap(), MAX_CONCURRENCY);
        for bad in [0, MAX_CONCURRENCY + 1] {
            assert_eq!(concurrency(Some(bad), 1).unwrap_err().field.as_deref(), Some("/concurrency"));
        }
    }
}
