//! What carries over between the attempts of one activity: a file download keeps its bytes
//! (the connector's `resume`), so the attempt Temporal retries after a failure — on this worker —
//! continues where the last one stopped; the progress each attempt heartbeats is what the next
//! one reads. Pure.

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

/// The heartbeat details: how far the attempt has got.
pub(crate) fn progress_details(sent: u64, received: u64, reported: (u64, Option<u64>)) -> Value {
    json!({"bytes_sent": sent, "bytes_received": received, "done": reported.0, "total": reported.1})
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
}
