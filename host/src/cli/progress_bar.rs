//! A transfer progress line on stderr (bytes, rate, ETA), drawn only when stderr is a terminal.

use connector_host::progress::Transfer;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Redraw interval.
const TICK: Duration = Duration::from_millis(250);

/// Which direction the bar follows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Direction {
    /// Request bodies (uploads), against a known total.
    Upload(u64),
    /// Response bodies (downloads), against the responses' Content-Length.
    Download,
}

/// A running progress line; dropping it stops and clears the line.
pub(super) struct ProgressBar {
    task: tokio::task::JoinHandle<()>,
}

impl ProgressBar {
    /// Starts drawing `transfer` on stderr if it is a terminal; `None` otherwise (quiet).
    pub(super) fn start(transfer: Arc<Transfer>, direction: Direction) -> Option<ProgressBar> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let started = Instant::now();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(TICK).await;
                let (done, total) = match direction {
                    Direction::Upload(total) => (transfer.sent(), total),
                    Direction::Download => (transfer.received(), transfer.expected_download()),
                };
                let mut stderr = std::io::stderr().lock();
                let _ = write!(stderr, "\r{}\x1b[K", render(done, total, started.elapsed()));
                let _ = stderr.flush();
            }
        });
        Some(ProgressBar { task })
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.task.abort();
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
}

/// `12.0 MiB / 1.0 GiB (1%)  48.0 MiB/s  ETA 22s`.
pub(super) fn render(done: u64, total: u64, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64().max(0.001);
    let rate = done as f64 / seconds;
    let mut line = bytes(done as f64);
    if total > 0 {
        let percent = (done as f64 * 100.0 / total as f64).min(100.0);
        line.push_str(&format!(" / {} ({percent:.0}%)", bytes(total as f64)));
    }
    line.push_str(&format!("  {}/s", bytes(rate)));
    if total > done && rate > 0.0 {
        let eta = ((total - done) as f64 / rate).ceil() as u64;
        line.push_str(&format!("  ETA {}", duration(eta)));
    }
    line
}

fn bytes(value: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = value;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{value:.0} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

fn duration(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_bytes_rate_and_eta() {
        let line = render(12 * 1024 * 1024, 1024 * 1024 * 1024, Duration::from_millis(250));
        assert_eq!(line, "12.0 MiB / 1.0 GiB (1%)  48.0 MiB/s  ETA 22s");
        assert_eq!(render(500, 0, Duration::from_secs(1)), "500 B  500 B/s");
        assert_eq!(duration(3725), "1h02m");
    }
}
