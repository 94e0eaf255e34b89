//! A wall clock pinned to one instant, for reproducible signatures.

use std::time::{Duration, SystemTime};
use wasmtime_wasi::HostWallClock;

/// Always reports the same instant.
pub struct PinnedClock {
    since_epoch: Duration,
}

impl PinnedClock {
    /// A clock stopped at `time`.
    pub fn new(time: SystemTime) -> Self {
        Self { since_epoch: time.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default() }
    }
}

impl HostWallClock for PinnedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        self.since_epoch
    }
}

/// Parses `20130524T000000Z` or RFC 3339 (`2013-05-24T00:00:00Z`).
pub fn parse_time(text: &str) -> Result<SystemTime, String> {
    use time::format_description::well_known::Rfc3339;
    let compact = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let parsed = time::PrimitiveDateTime::parse(text, compact)
        .map(time::PlainDateTime::assume_utc)
        .or_else(|_| time::OffsetDateTime::parse(text, &Rfc3339))
        .map_err(|_| format!("{text:?} is not a time; use 20130524T000000Z or 2013-05-24T00:00:00Z"))?;
    let seconds = u64::try_from(parsed.unix_timestamp()).map_err(|_| format!("{text:?} is before 1970"))?;
    Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        let a = parse_time("20130524T000000Z").unwrap();
        let b = parse_time("2013-05-24T00:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 1_369_353_600);
        assert!(parse_time("yesterday").is_err());
    }
}
