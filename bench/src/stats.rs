//! Summaries of timing samples.

use std::time::Duration;

/// Latency percentiles of a set of samples.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Latency {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Mean.
    pub mean: Duration,
}

/// Percentiles of `samples` (sorted in place).
pub(crate) fn latency(samples: &mut [Duration]) -> Latency {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let total: Duration = samples.iter().sum();
    Latency { p50: at(0.50), p99: at(0.99), mean: total / samples.len().max(1) as u32 }
}

/// MiB/s for `bytes` in `elapsed`.
pub(crate) fn mib_per_s(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64()
}

/// The peak resident set size of this process, in KiB (`VmHWM`).
pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The largest peak RSS of this process's waited-for children (`curl`, `aws`), in KiB.
pub(crate) fn children_peak_rss_kib() -> u64 {
    // SAFETY: `getrusage` only writes the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a `rusage` for the call to fill.
    match unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } {
        0 => u64::try_from(usage.ru_maxrss).unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let mut samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = latency(&mut samples);
        assert_eq!((l.p50, l.p99), (Duration::from_millis(51), Duration::from_millis(99)));
    }
}
