//! CPU fairness between invocations on one async runtime. A guest runs until the next epoch
//! tick and then yields its worker thread. A guest that has run for more than [`HEAVY_AFTER`]
//! ticks is CPU-heavy: heavy guests together get at most all workers but one, by sleeping in
//! proportion to how many of them there are, so a light invocation (a signature, a HEAD) always
//! finds a worker within a tick however many guests spin. A heavy guest alone runs at full speed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Ticks of guest execution after which a guest counts as CPU-heavy.
pub(crate) const HEAVY_AFTER: u64 = 10;

/// What a guest does at a tick before it runs on.
pub(crate) type Pause = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The heavy guests of one runtime.
#[derive(Debug, Default)]
pub(crate) struct Fairness {
    heavy: AtomicUsize,
}

/// One guest's execution so far.
#[derive(Debug)]
pub(crate) struct GuestClock {
    fairness: Arc<Fairness>,
    tick: Duration,
    ticks: u64,
    heavy: bool,
}

impl GuestClock {
    /// A guest that has not run yet; `tick` is the epoch period.
    pub(crate) fn new(fairness: Arc<Fairness>, tick: Duration) -> Self {
        Self { fairness, tick, ticks: 0, heavy: false }
    }

    /// Called at each epoch tick the guest reaches: how it yields before running on.
    pub(crate) fn on_tick(&mut self) -> Pause {
        self.ticks += 1;
        if self.ticks > HEAVY_AFTER && !self.heavy {
            self.heavy = true;
            self.fairness.heavy.fetch_add(1, Ordering::AcqRel);
        }
        let rest = match self.heavy {
            true => rest_ticks(self.fairness.heavy.load(Ordering::Acquire), workers()),
            false => 0,
        };
        match rest {
            0 => Box::pin(tokio::task::yield_now()),
            ticks => Box::pin(tokio::time::sleep(self.tick * ticks)),
        }
    }
}

impl Drop for GuestClock {
    fn drop(&mut self) {
        if self.heavy {
            self.fairness.heavy.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// The async runtime's worker threads (1 outside a runtime or on a current-thread one).
fn workers() -> usize {
    tokio::runtime::Handle::try_current().map_or(1, |h| h.metrics().num_workers()).max(1)
}

/// Ticks a heavy guest rests after each tick it runs, so that `heavy` guests together use at most
/// `workers - 1` workers (one, on a single worker).
pub(crate) fn rest_ticks(heavy: usize, workers: usize) -> u32 {
    let cores = workers.saturating_sub(1).max(1);
    u32::try_from(heavy.div_ceil(cores).saturating_sub(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heavy_guests_share_all_workers_but_one() {
        assert_eq!(rest_ticks(1, 2), 0, "one heavy guest runs at full speed");
        assert_eq!(rest_ticks(2, 2), 1);
        assert_eq!(rest_ticks(4, 2), 3, "four on two workers: each runs a quarter of the time");
        assert_eq!(rest_ticks(4, 5), 0);
        assert_eq!(rest_ticks(5, 5), 1);
        assert_eq!(rest_ticks(3, 1), 2);
    }

    #[tokio::test]
    async fn a_guest_turns_heavy_after_its_ticks_and_leaves_the_count_when_done() {
        let fairness = Arc::new(Fairness::default());
        let mut clock = GuestClock::new(fairness.clone(), Duration::from_millis(1));
        for _ in 0..=HEAVY_AFTER {
            clock.on_tick().await;
        }
        assert_eq!(fairness.heavy.load(Ordering::Acquire), 1);
        drop(clock);
        assert_eq!(fairness.heavy.load(Ordering::Acquire), 0);
    }
}
