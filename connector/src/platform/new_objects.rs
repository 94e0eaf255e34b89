//! The "New or Changed Objects" trigger: objects written under a prefix since the last poll.

use super::key_filter::KeyFilter;
use super::poll_state::{Listed, PollState, Selection, Start};
use super::trigger::{PollOutcome, Trigger};
use crate::client::Client;
use crate::error::{ConnectorError, Result};
use crate::input::parse_input;
use crate::ops::{PageQuery, Permission, list_page, validate_bucket_name};
use crate::protocol::time_format;
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The default look-back window: longer than most uploads take (S3 dates a multipart upload by
/// its start, so one that took longer than the window and finished after a poll is missed).
const DEFAULT_LOOK_BACK_SECONDS: u32 = 900;
/// The most events one poll returns by default.
const DEFAULT_MAX_EVENTS: u32 = 100;

/// New or Changed Objects.
pub(super) const NEW_OBJECTS: Trigger = Trigger {
    id: "new_objects",
    title: "New or Changed Objects",
    description: "Fires for each object written under a prefix (new keys and new versions of existing keys), oldest first, optionally only keys with a suffix or matching a glob. Each poll lists the prefix; objects that appear late (writes in flight, multipart uploads, which S3 dates by their start) are caught within a look-back window, and none is reported twice.",
    config_schema: SchemaBuilder::new(|| {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "New or Changed Objects configuration",
            "type": "object",
            "additionalProperties": false,
            "required": ["bucket"],
            "properties": {
                "bucket": {"type": "string", "title": "Bucket", "minLength": 1, "x-choices": {"source": "buckets"}},
                "prefix": {"type": "string", "title": "Prefix", "description": "Only keys under this, e.g. incoming/.", "x-choices": {"source": "folders", "bucket": "bucket"}},
                "suffix": {"type": "string", "title": "Suffix", "description": "Only keys ending in this, e.g. .csv."},
                "glob": {"type": "string", "title": "Glob", "description": "Only keys matching this pattern (the whole key; * any characters, ? one), e.g. incoming/*/report-?.csv."},
                "start": {"type": "string", "enum": ["now", "beginning"], "default": "now", "title": "Start", "description": "On the first poll: report only objects written from now on, or every object already there too."},
                "max_events": {"type": "integer", "minimum": 1, "maximum": 1000, "default": DEFAULT_MAX_EVENTS, "title": "Most events per poll"},
                "look_back_seconds": {"type": "integer", "minimum": 0, "maximum": 86400, "default": DEFAULT_LOOK_BACK_SECONDS, "title": "Look-back window (s)", "description": "How late an object may appear in a listing and still be reported; make it longer than your longest upload. The state grows with the objects written within it."}
            }
        })
    }),
    event_schema: SchemaBuilder::new(|| {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "An object was written",
            "type": "object",
            "required": ["bucket", "key", "size", "last_modified"],
            "properties": {
                "bucket": {"type": "string"},
                "key": {"type": "string"},
                "size": {"type": "integer"},
                "etag": {"type": ["string", "null"]},
                "last_modified": {"type": "string", "description": "As S3 listed it (RFC 3339)."},
                "storage_class": {"type": ["string", "null"]}
            }
        })
    }),
    permissions: &[Permission { actions: &["s3:ListBucket"], resource: "arn:aws:s3:::{bucket}" }],
    suggested_interval_seconds: 60,
    poll: poll_new_objects,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    bucket: String,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    suffix: Option<String>,
    #[serde(default)]
    glob: Option<String>,
    #[serde(default)]
    start: Option<StartSetting>,
    #[serde(default)]
    max_events: Option<u32>,
    #[serde(default)]
    look_back_seconds: Option<u32>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum StartSetting {
    Now,
    Beginning,
}

fn poll_new_objects(client: &mut Client<'_>, config: Value, state: Option<&str>) -> Result<PollOutcome> {
    let config: Config = parse_input("configuration", config)?;
    validate_bucket_name(&config.bucket)?;
    let max_events = config.max_events.unwrap_or(DEFAULT_MAX_EVENTS);
    if !(1..=1000).contains(&max_events) {
        return Err(ConnectorError::invalid_input(
            "/max_events",
            format!("max_events is {max_events}; give 1 to 1000"),
        ));
    }
    let look_back = config.look_back_seconds.unwrap_or(DEFAULT_LOOK_BACK_SECONDS);
    if look_back > 86_400 {
        return Err(ConnectorError::invalid_input(
            "/look_back_seconds",
            format!("look_back_seconds is {look_back}; give at most 86400 (a day)"),
        ));
    }
    let filter = KeyFilter::new(config.suffix.clone(), config.glob.clone())?;
    let prefix = config.prefix.clone().unwrap_or_default();
    let fingerprint = config_fingerprint(&config.bucket, &prefix, &filter);
    let previous = state.map(|text| PollState::decode(text, &fingerprint)).transpose()?;
    let start = match config.start {
        Some(StartSetting::Beginning) => Start::Beginning,
        Some(StartSetting::Now) | None => Start::Now,
    };
    let mut selection = Selection::new(previous, start, fingerprint, i64::from(look_back) * 1000, max_events as usize);
    let mut token: Option<String> = None;
    loop {
        let query = PageQuery {
            prefix: Some(prefix.as_str()).filter(|p| !p.is_empty()),
            continuation_token: token.as_deref(),
            ..PageQuery::default()
        };
        let page = list_page(client, &config.bucket, &query)?;
        for entry in page.contents {
            if !filter.matches(&entry.key) {
                continue;
            }
            let last_modified = entry.last_modified.unwrap_or_default();
            let time_ms = parse_time_ms(&last_modified).ok_or_else(|| {
                ConnectorError::internal(format!(
                    "S3 listed {:?} with LastModified {last_modified:?}, not an RFC 3339 time",
                    entry.key
                ))
            })?;
            let etag = entry.etag.map(|e| crate::ops::unquote_etag(&e));
            let details =
                json!({"size": entry.size, "last_modified": last_modified, "storage_class": entry.storage_class});
            selection.offer(Listed { key: entry.key, etag, time_ms, details });
        }
        token = page.next_continuation_token.filter(|_| page.is_truncated);
        if token.is_none() {
            break;
        }
    }
    let decision = selection.finish();
    let events = decision
        .events
        .into_iter()
        .map(|listed| {
            let mut event = listed.details;
            event["bucket"] = json!(config.bucket);
            event["key"] = json!(listed.key);
            event["etag"] = json!(listed.etag);
            event
        })
        .collect();
    Ok(PollOutcome { events, state: decision.state.encode(), has_more: decision.has_more })
}

/// What a state is tied to: the bucket, prefix and filter (not the page size or window).
fn config_fingerprint(bucket: &str, prefix: &str, filter: &KeyFilter) -> String {
    let digest = Sha256::digest(format!("{bucket}\u{0}{prefix}\u{0}{}", filter.describe()).as_bytes());
    hex::encode(&digest[..8])
}

/// Milliseconds since the Unix epoch of an RFC 3339 time.
fn parse_time_ms(text: &str) -> Option<i64> {
    time_format::parse_rfc3339(text).map(time_format::Instant::unix_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_times_parse_to_milliseconds() {
        assert_eq!(parse_time_ms("1970-01-01T00:00:01.500Z"), Some(1_500));
        assert_eq!(parse_time_ms("2024-05-01T12:00:00Z"), Some(1_714_564_800_000));
        assert_eq!(parse_time_ms("yesterday"), None);
    }

    #[test]
    fn a_state_is_tied_to_bucket_prefix_and_filter() {
        let plain = KeyFilter::default();
        let csv = KeyFilter::new(Some(".csv".into()), None).unwrap();
        let base = config_fingerprint("b", "in/", &plain);
        assert_eq!(base, config_fingerprint("b", "in/", &plain));
        for other in [
            config_fingerprint("c", "in/", &plain),
            config_fingerprint("b", "in", &plain),
            config_fingerprint("b", "in/", &csv),
        ] {
            assert_ne!(base, other);
        }
    }
}
