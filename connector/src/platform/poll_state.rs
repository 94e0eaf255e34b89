//! The new-objects trigger's memory between polls, and the pure decision of what a listing
//! reports. S3 cannot list "what changed since": every poll lists the prefix, and the state says
//! what was reported already.
//!
//! - A **watermark**: every object older than it has been dealt with.
//! - A **look-back window** below the watermark, listed again on each poll: an object can appear
//!   in a listing after newer ones (a write still in flight when the last poll listed, a
//!   multipart upload — S3 dates it by its start — or a listing that lags), and it must still be
//!   reported.
//! - The **versions seen** in that window (a fingerprint of key, ETag and time, with the time):
//!   what was reported, or was there when the trigger started, is not reported twice.
//!
//! Events come oldest first (time, then key); a poll reports at most `max_events` and says
//! whether more are ready, keeping its watermark at the last one reported.

use crate::error::{ConnectorError, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as BASE64;
use sha2::{Digest, Sha256};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Versions kept in the state at most (16 bytes each before base64): a prefix busier than this
/// within its look-back window loses the oldest — which can then be reported twice, never missed.
pub(super) const MAX_SEEN: usize = 10_000;

/// The state's format; another one is refused with a clear error.
const FORMAT: u64 = 1;

/// An object as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Listed {
    /// Its key.
    pub key: String,
    /// Its ETag, unquoted.
    pub etag: Option<String>,
    /// Milliseconds since the Unix epoch, from `LastModified`.
    pub time_ms: i64,
    /// Anything else the event carries (size, storage class, the time as S3 wrote it).
    pub details: serde_json::Value,
}

impl Listed {
    /// What identifies this version of the object: a new ETag or a new time is a change.
    fn fingerprint(&self) -> u64 {
        let mut hash = Sha256::new();
        hash.update(self.key.as_bytes());
        hash.update([0]);
        hash.update(self.etag.as_deref().unwrap_or_default().as_bytes());
        hash.update([0]);
        hash.update(self.time_ms.to_be_bytes());
        let digest = hash.finalize();
        u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 8 bytes"))
    }
}

/// What the trigger remembers between polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PollState {
    /// A fingerprint of the configuration (bucket, prefix, filter) it was made for.
    pub config: String,
    /// Every object older than this (ms since the epoch), minus the look-back, is dealt with.
    pub watermark_ms: i64,
    /// Versions seen within the look-back window: fingerprint → time (ms).
    pub seen: HashMap<u64, i64>,
}

impl PollState {
    /// The opaque text a host stores: JSON with the versions packed as base64.
    pub(super) fn encode(&self) -> String {
        let mut entries: Vec<(&u64, &i64)> = self.seen.iter().collect();
        entries.sort_unstable();
        let mut packed = Vec::with_capacity(entries.len() * 16);
        for (fingerprint, time) in entries {
            packed.extend_from_slice(&fingerprint.to_be_bytes());
            packed.extend_from_slice(&time.to_be_bytes());
        }
        serde_json::json!({"v": FORMAT, "c": self.config, "w": self.watermark_ms, "s": BASE64.encode(packed)})
            .to_string()
    }

    /// The state `text` encodes, which must belong to configuration `config`.
    pub(super) fn decode(text: &str, config: &str) -> Result<Self> {
        let bad = |why: &str| {
            ConnectorError::invalid_input(
                "/state",
                format!("state is not one this trigger returned ({why}); poll without a state to start again"),
            )
        };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| bad("not JSON"))?;
        if value["v"].as_u64() != Some(FORMAT) {
            return Err(bad("unknown format"));
        }
        if value["c"].as_str() != Some(config) {
            return Err(ConnectorError::invalid_input(
                "/state",
                "state belongs to another configuration (bucket, prefix or filter changed); poll without a state to start again",
            ));
        }
        let watermark_ms = value["w"].as_i64().ok_or_else(|| bad("no watermark"))?;
        let packed = BASE64.decode(value["s"].as_str().unwrap_or_default()).map_err(|_| bad("versions not base64"))?;
        if packed.len() % 16 != 0 || packed.len() / 16 > MAX_SEEN {
            return Err(bad("versions malformed"));
        }
        let seen = packed
            .chunks_exact(16)
            .map(|entry| {
                let (fingerprint, time) = entry.split_at(8);
                (
                    u64::from_be_bytes(fingerprint.try_into().expect("8 bytes")),
                    i64::from_be_bytes(time.try_into().expect("8 bytes")),
                )
            })
            .collect();
        Ok(Self { config: config.to_string(), watermark_ms, seen })
    }
}

/// Where a trigger without a state starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Start {
    /// Objects already there are not reported.
    Now,
    /// Objects already there are reported, oldest first.
    Beginning,
}

/// One poll's decision, fed the listing object by object.
pub(super) struct Selection {
    previous: Option<PollState>,
    config: String,
    look_back_ms: i64,
    max_events: usize,
    /// The oldest unreported versions (a max-heap on (time, key), so the newest is dropped
    /// once there are more than `max_events`).
    candidates: BinaryHeap<(i64, String, Reverse<u64>, Candidate)>,
    more: bool,
    newest_ms: Option<i64>,
    /// On a first poll from now: every version inside the window below the newest so far.
    present: Vec<(u64, i64)>,
}

/// A candidate event with its details (ordered only by the heap's leading fields).
#[derive(Debug)]
struct Candidate(Listed);

impl PartialEq for Candidate {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// What a poll reports and remembers.
#[derive(Debug)]
pub(super) struct Decision {
    /// Versions to report, oldest first.
    pub events: Vec<Listed>,
    /// The state for the next poll.
    pub state: PollState,
    /// More versions are waiting.
    pub has_more: bool,
}

impl Selection {
    /// A selection continuing `previous` (none on a first poll, which starts at `start`).
    pub(super) fn new(
        previous: Option<PollState>,
        start: Start,
        config: String,
        look_back_ms: i64,
        max_events: usize,
    ) -> Self {
        let previous = previous.or_else(|| {
            (start == Start::Beginning).then(|| PollState {
                config: config.clone(),
                watermark_ms: i64::MIN,
                seen: HashMap::new(),
            })
        });
        Self {
            previous,
            config,
            look_back_ms,
            max_events,
            candidates: BinaryHeap::new(),
            more: false,
            newest_ms: None,
            present: Vec::new(),
        }
    }

    /// Considers one listed object (already filtered by key).
    pub(super) fn offer(&mut self, object: Listed) {
        self.newest_ms = Some(self.newest_ms.map_or(object.time_ms, |newest| newest.max(object.time_ms)));
        let Some(previous) = &self.previous else {
            // A first poll from now: remember what is there, report nothing.
            let floor = self.newest_ms.unwrap_or(i64::MIN).saturating_sub(self.look_back_ms);
            if object.time_ms >= floor {
                self.present.push((object.fingerprint(), object.time_ms));
            }
            if self.present.len() > 2 * MAX_SEEN {
                self.present.retain(|&(_, time)| time >= floor);
            }
            return;
        };
        if object.time_ms < previous.watermark_ms.saturating_sub(self.look_back_ms) {
            return;
        }
        let fingerprint = object.fingerprint();
        if previous.seen.contains_key(&fingerprint) {
            return;
        }
        self.candidates.push((object.time_ms, object.key.clone(), Reverse(fingerprint), Candidate(object)));
        if self.candidates.len() > self.max_events {
            self.candidates.pop();
            self.more = true;
        }
    }

    /// The events and the next state.
    pub(super) fn finish(self) -> Decision {
        let Some(previous) = self.previous else {
            let watermark_ms = self.newest_ms.unwrap_or(i64::MIN);
            let state = PollState { config: self.config, watermark_ms, seen: HashMap::new() };
            return Decision {
                events: Vec::new(),
                state: remember(state, self.present, self.look_back_ms),
                has_more: false,
            };
        };
        let events: Vec<Listed> = self.candidates.into_sorted_vec().into_iter().map(|(.., c)| c.0).collect();
        let reached = if self.more { events.last().map(|e| e.time_ms) } else { self.newest_ms };
        let watermark_ms = previous.watermark_ms.max(reached.unwrap_or(i64::MIN));
        let reported: Vec<(u64, i64)> = events.iter().map(|e| (e.fingerprint(), e.time_ms)).collect();
        let seen: Vec<(u64, i64)> = previous.seen.into_iter().chain(reported).collect();
        let state = PollState { config: self.config, watermark_ms, seen: HashMap::new() };
        Decision { events, state: remember(state, seen, self.look_back_ms), has_more: self.more }
    }
}

/// `state` remembering the versions of `seen` inside its look-back window (the newest
/// [`MAX_SEEN`] of them).
fn remember(mut state: PollState, mut seen: Vec<(u64, i64)>, look_back_ms: i64) -> PollState {
    let floor = state.watermark_ms.saturating_sub(look_back_ms);
    seen.retain(|&(_, time)| time >= floor);
    if seen.len() > MAX_SEEN {
        seen.sort_unstable_by_key(|&(fingerprint, time)| Reverse((time, fingerprint)));
        seen.truncate(MAX_SEEN);
    }
    state.seen = seen.into_iter().collect();
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOK_BACK: i64 = 60_000;

    fn object(key: &str, etag: &str, time_ms: i64) -> Listed {
        Listed { key: key.into(), etag: Some(etag.into()), time_ms, details: serde_json::Value::Null }
    }

    /// Polls `listing` continuing `state`; returns the keys reported and the next state.
    fn poll(state: Option<&PollState>, start: Start, listing: &[Listed], max: usize) -> (Vec<String>, PollState, bool) {
        let mut selection = Selection::new(state.cloned(), start, "c".into(), LOOK_BACK, max);
        for listed in listing {
            selection.offer(listed.clone());
        }
        let decision = selection.finish();
        // Every state survives its text form.
        let state = PollState::decode(&decision.state.encode(), "c").unwrap();
        assert_eq!(state, decision.state);
        (decision.events.into_iter().map(|e| e.key).collect(), state, decision.has_more)
    }

    #[test]
    fn a_first_poll_from_now_reports_nothing_and_the_next_reports_what_came_after() {
        let before = [object("a", "1", 1_000), object("b", "1", 2_000)];
        let (events, state, more) = poll(None, Start::Now, &before, 10);
        assert!(events.is_empty() && !more);
        let mut after = before.to_vec();
        after.push(object("c", "1", 3_000));
        let (events, state, _) = poll(Some(&state), Start::Now, &after, 10);
        assert_eq!(events, ["c"]);
        let (events, ..) = poll(Some(&state), Start::Now, &after, 10);
        assert!(events.is_empty(), "nothing twice");
    }

    #[test]
    fn from_the_beginning_everything_comes_oldest_first_in_pages() {
        let listing: Vec<Listed> =
            (0..25).map(|i| object(&format!("k{:02}", 24 - i), "e", 1_000 * i64::from(i / 5))).collect();
        let mut state = None;
        let mut reported = Vec::new();
        loop {
            let (events, next, more) = poll(state.as_ref(), Start::Beginning, &listing, 7);
            reported.extend(events);
            state = Some(next);
            if !more {
                break;
            }
        }
        let mut expected: Vec<(i64, String)> = listing.iter().map(|o| (o.time_ms, o.key.clone())).collect();
        expected.sort();
        assert_eq!(reported, expected.into_iter().map(|(_, k)| k).collect::<Vec<_>>());
    }

    #[test]
    fn a_late_object_inside_the_look_back_is_reported_and_one_outside_is_not() {
        let (_, state, _) = poll(None, Start::Now, &[object("a", "1", 100_000)], 10);
        let listing = [
            object("a", "1", 100_000),
            object("late", "1", 100_000 - LOOK_BACK + 1),
            object("too-late", "1", 100_000 - LOOK_BACK - 1),
        ];
        let (events, ..) = poll(Some(&state), Start::Now, &listing, 10);
        assert_eq!(events, ["late"]);
    }

    #[test]
    fn equal_times_and_rewrites_are_each_reported_once() {
        let (_, state, _) = poll(None, Start::Now, &[object("a", "1", 5_000)], 10);
        let listing = [object("a", "2", 5_000), object("b", "1", 5_000), object("c", "1", 5_000)];
        let (events, state, more) = poll(Some(&state), Start::Now, &listing, 2);
        assert_eq!((events, more), (vec!["a".to_string(), "b".to_string()], true));
        let (events, state, more) = poll(Some(&state), Start::Now, &listing, 2);
        assert_eq!((events, more), (vec!["c".to_string()], false));
        let (events, ..) = poll(Some(&state), Start::Now, &listing, 2);
        assert!(events.is_empty());
    }

    #[test]
    fn the_state_stays_bounded() {
        let listing: Vec<Listed> =
            (0..(MAX_SEEN as i64 + 500)).map(|i| object(&format!("k{i}"), "e", 1_000 + i)).collect();
        let (_, state, _) = poll(None, Start::Now, &listing, 10);
        assert_eq!(state.seen.len(), MAX_SEEN);
        assert!(state.encode().len() < MAX_SEEN * 22 + 100);
    }

    #[test]
    fn a_state_from_elsewhere_is_refused() {
        let state = PollState { config: "c".into(), watermark_ms: 1, seen: HashMap::new() };
        assert_eq!(PollState::decode(&state.encode(), "other").unwrap_err().field.as_deref(), Some("/state"));
        for text in ["", "{}", "{\"v\":1,\"c\":\"c\",\"w\":1,\"s\":\"***\"}"] {
            assert!(PollState::decode(text, "c").is_err(), "{text}");
        }
    }
}
