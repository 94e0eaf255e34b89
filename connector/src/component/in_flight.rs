//! Several exchanges in flight at once: each moves on as far as it can without waiting, then
//! the guest waits on all of them together with `wasi:io/poll`. A sliding window: as one ends,
//! the next starts, so one slow exchange never holds the others up. Once one fails, no more
//! start: a refused part does not send the rest of the window for nothing.

use super::bindings::wasi::io::poll::{self, Pollable};
use super::bindings::workflow::connector::invocation;
use crate::client::transport::not_sent;
use crate::error::{ConnectorError, ErrorKind, Result};
use crate::protocol::http::HttpResponse;

/// One exchange in flight.
pub(super) trait InFlight {
    /// Moves on as far as it goes without waiting, and adds what it now waits for (any one of
    /// them moves it on) to `waits`; false when it is over.
    fn advance(&mut self, waits: &mut Vec<Pollable>) -> bool;
    /// Its outcome, once over.
    fn finish(self) -> Result<HttpResponse>;
}

/// Runs `count` exchanges, started by `start(index)`, at most `in_flight` at a time; their
/// outcomes in order. `ended(index)` is told of each that ends with a 2xx. After a failure (an error, or an answer that is not a 2xx) no more start:
/// those end with [`not_sent`]. When the host asks the call to stop, those still
/// running are dropped (which ends their requests) and every one not over ends `cancelled`.
pub(super) fn run_all<T: InFlight>(
    count: usize,
    in_flight: usize,
    mut start: impl FnMut(usize) -> T,
    mut ended: impl FnMut(usize),
) -> Vec<Result<HttpResponse>> {
    let mut outcomes: Vec<Option<Result<HttpResponse>>> = (0..count).map(|_| None).collect();
    let mut failed = false;
    let mut active: Vec<(usize, T)> = Vec::new();
    let mut next = 0;
    loop {
        if invocation::cancel_requested() {
            drop(active);
            for outcome in outcomes.iter_mut().filter(|outcome| outcome.is_none()) {
                *outcome = Some(Err(ConnectorError::new(ErrorKind::Cancelled, "the host cancelled the call")));
            }
            break;
        }
        while !failed && active.len() < in_flight.max(1) && next < count {
            active.push((next, start(next)));
            next += 1;
        }
        if active.is_empty() {
            break;
        }
        let mut waits: Vec<Pollable> = Vec::new();
        let mut running = Vec::with_capacity(active.len());
        let mut some_ended = false;
        for (index, mut exchange) in active {
            if exchange.advance(&mut waits) {
                running.push((index, exchange));
                continue;
            }
            let outcome = exchange.finish();
            if matches!(&outcome, Ok(answer) if answer.is_success()) {
                ended(index);
            } else {
                failed = true;
            }
            outcomes[index] = Some(outcome);
            some_ended = true;
        }
        active = running;
        // One that ended makes room for the next before anything waits.
        if !some_ended && !waits.is_empty() {
            let waiting: Vec<&Pollable> = waits.iter().collect();
            poll::poll(&waiting);
        }
    }
    outcomes.into_iter().map(|outcome| outcome.unwrap_or_else(|| Err(not_sent()))).collect()
}
