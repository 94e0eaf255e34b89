//! When to try again and how long to wait first: the one retry policy of the connector.
//!
//! Whether a failure is worth retrying is the error's own `retryable` flag (set where the failure
//! is classified: S3's answers in `protocol::error_response`, transport failures in the
//! component); this module decides how many times and with what pauses.

use std::time::Duration;

/// How often to try and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all (the first one included).
    pub attempts: u32,
    /// The wait before the second try; doubled for each further one.
    pub base: Duration,
    /// The longest single wait.
    pub ceiling: Duration,
    /// Whether each wait is drawn uniformly from zero up to its bound ("full jitter", so that
    /// many clients failing together do not retry together).
    pub jitter: bool,
}

impl RetryPolicy {
    /// Requests: three tries, 200 ms doubling up to 5 s, full jitter.
    pub const REQUEST: RetryPolicy =
        RetryPolicy { attempts: 3, base: Duration::from_millis(200), ceiling: Duration::from_secs(5), jitter: true };

    /// Aborting a multipart upload after a failure: four rounds (each a [`Self::REQUEST`]), 1, 2
    /// and 4 s apart. An abort is idempotent and worth waiting for — a server that crashed is
    /// often back within seconds, and an upload left behind costs storage until someone aborts it.
    pub const ABORT: RetryPolicy =
        RetryPolicy { attempts: 4, base: Duration::from_secs(1), ceiling: Duration::from_secs(4), jitter: false };

    /// A policy that tries once.
    pub const ONCE: RetryPolicy = RetryPolicy { attempts: 1, ..Self::REQUEST };

    /// The longest wait after failed try number `attempt` (1-based): the bound jitter draws under.
    pub fn bound(&self, attempt: u32) -> Duration {
        self.base.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(self.ceiling)
    }

    /// How long a caller should wait before retrying a call this policy gave up on (the wait
    /// it would have chosen next), in milliseconds.
    pub fn hint_after_giving_up(&self) -> u64 {
        u64::try_from(self.bound(self.attempts + 1).as_millis()).unwrap_or(u64::MAX)
    }

    /// The wait after failed try number `attempt` (1-based), given a random number for jitter.
    /// A server's own `Retry-After` (`at_least`) lengthens it, up to the policy's ceiling.
    pub fn delay_after(&self, attempt: u32, random: u64, at_least: Option<Duration>) -> Duration {
        let delay = self.delay(attempt, random);
        match at_least {
            Some(asked) => delay.max(asked.min(self.ceiling)),
            None => delay,
        }
    }

    /// The wait after failed try number `attempt` (1-based), given a random number for jitter.
    pub fn delay(&self, attempt: u32, random: u64) -> Duration {
        let bound = self.bound(attempt);
        if !self.jitter {
            return bound;
        }
        let bound_ms = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(random % (bound_ms.saturating_add(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_waits_double_under_full_jitter_and_stop_at_the_ceiling() {
        let policy = RetryPolicy::REQUEST;
        assert_eq!(policy.delay(1, u64::MAX), Duration::from_millis(u64::MAX % 201));
        assert_eq!(policy.delay(1, 200), Duration::from_millis(200));
        assert_eq!(policy.delay(2, 400), Duration::from_millis(400));
        assert_eq!(policy.delay(2, 401), Duration::ZERO);
        assert_eq!(policy.delay(10, 5_000), Duration::from_secs(5));
        assert_eq!(policy.delay(40, 5_000), Duration::from_secs(5), "no overflow for late attempts");
    }

    #[test]
    fn a_servers_retry_after_lengthens_the_wait_up_to_the_ceiling() {
        let policy = RetryPolicy::REQUEST;
        assert_eq!(policy.delay_after(1, 0, None), Duration::ZERO);
        assert_eq!(policy.delay_after(1, 0, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(policy.delay_after(1, 0, Some(Duration::from_secs(60))), Duration::from_secs(5));
        assert_eq!(policy.bound(3), Duration::from_millis(800));
        assert_eq!(policy.hint_after_giving_up(), 1_600);
    }

    #[test]
    fn abort_waits_are_fixed() {
        let waits: Vec<_> = (1..4).map(|attempt| RetryPolicy::ABORT.delay(attempt, 12_345)).collect();
        assert_eq!(waits, [Duration::from_secs(1), Duration::from_secs(2), Duration::from_secs(4)]);
    }
}
