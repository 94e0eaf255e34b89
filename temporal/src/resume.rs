//! What carries over between the attempts of one activity: a file download keeps its bytes
//! (the connector's `resume`), so the attempt Temporal retries after a failure — on this worker —
//! continues where the last one stopped; and the heartbeats carry the connector's checkpoint, so
//! the attempt after a lost one — on any worker — aborts the multipart upload it left open.
//! Pure.

use serde_json::{Value, json};

/// The input an attempt runs with: a download to a file is resumable unless the input says
/// otherwise (`"resume": false` keeps parallel ranges, at the cost of starting over).
pub(crate) fn prepare_input(operation: &str, mut input: Value) -> Value {
    let downloads_to_file = operation == "get_object" && input.get("format").and_then(Value::as_str) == Some("file");
    if downloads_to_file && let Some(fields) = input.as_object_mut() {
        fields.entry("resume").or_insert(json!(true));
    }
    input
}

/// The longest bucket name, key and upload id a handed-over upload may have (S3's own limits:
/// 63-character bucket names, 1024-byte keys; upload ids are far shorter).
const MAX_BUCKET: usize = 63;
const MAX_KEY: usize = 1024;
const MAX_UPLOAD_ID: usize = 1024;

/// The heartbeat details: how far the attempt has got, and the open multipart upload the
/// connector handed over for a later attempt (`invocation.checkpoint`). Only that, rebuilt from
/// its three names: nothing else the guest writes there reaches Temporal's histories.
pub(crate) fn progress_details(
    sent: u64,
    received: u64,
    reported: (u64, Option<u64>),
    checkpoint: Option<Value>,
) -> Value {
    let checkpoint = checkpoint.as_ref().and_then(open_upload).map(|upload| json!({"multipart_upload": upload}));
    json!({"bytes_sent": sent, "bytes_received": received, "done": reported.0, "total": reported.1,
           "checkpoint": checkpoint})
}

/// The multipart upload a lost attempt left open, from its last heartbeat's `details`, as
/// `abort_multipart_upload`'s input; `None` when it left none.
pub(crate) fn stale_upload(details: Option<&Value>) -> Option<Value> {
    open_upload(details?.get("checkpoint")?)
}

/// `{"bucket", "key", "upload_id"}` of the upload a checkpoint names: three non-empty strings
/// within S3's limits, or `None`.
fn open_upload(checkpoint: &Value) -> Option<Value> {
    let upload = checkpoint.get("multipart_upload")?;
    let text = |name: &str, longest: usize| {
        let text = upload.get(name)?.as_str()?;
        (!text.is_empty() && text.len() <= longest).then(|| text.to_string())
    };
    Some(json!({"bucket": text("bucket", MAX_BUCKET)?, "key": text("key", MAX_KEY)?,
                "upload_id": text("upload_id", MAX_UPLOAD_ID)?}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_downloads_resume_unless_told_not_to() {
        let download = json!({"bucket": "b", "key": "k", "format": "file", "file": "k"});
        assert_eq!(prepare_input("get_object", download.clone())["resume"], true);
        let mut explicit = download.clone();
        explicit["resume"] = json!(false);
        assert_eq!(prepare_input("get_object", explicit)["resume"], false);
        assert_eq!(prepare_input("get_object", json!({"bucket": "b", "key": "k"})).get("resume"), None);
        assert_eq!(prepare_input("put_object_file", download).get("resume"), None);
    }

    #[test]
    fn the_upload_a_lost_attempt_left_open_is_named_by_its_last_heartbeat() {
        let upload = json!({"multipart_upload": {"bucket": "b", "key": "k/1", "upload_id": "U1"}});
        let details = progress_details(10, 0, (5, Some(20)), Some(upload));
        assert_eq!(stale_upload(Some(&details)), Some(json!({"bucket": "b", "key": "k/1", "upload_id": "U1"})));
        assert_eq!(stale_upload(Some(&progress_details(10, 0, (5, None), None))), None);
        assert_eq!(stale_upload(None), None);
        let partial = json!({"checkpoint": {"multipart_upload": {"bucket": "b", "upload_id": "U1"}}});
        assert_eq!(stale_upload(Some(&partial)), None, "a checkpoint without a key names nothing");
    }

    #[test]
    fn only_the_upload_s_three_names_reach_the_heartbeat() {
        let chatty = json!({"multipart_upload": {"bucket": "b", "key": "k", "upload_id": "U1", "token": "secret"},
                            "note": "secret"});
        let details = progress_details(0, 0, (0, None), Some(chatty));
        assert_eq!(details["checkpoint"], json!({"multipart_upload": {"bucket": "b", "key": "k", "upload_id": "U1"}}));
        let too_long = json!({"multipart_upload": {"bucket": "b".repeat(64), "key": "k", "upload_id": "U1"}});
        assert_eq!(progress_details(0, 0, (0, None), Some(too_long))["checkpoint"], Value::Null);
    }
}
