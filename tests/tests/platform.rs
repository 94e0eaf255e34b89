//! The platform calls against the real server: the connection check, field choices, the
//! new-objects trigger under concurrent writers, and a host cancel in the middle of an upload.

use connector_host::progress::Transfer;
use connector_host::{Cancellation, ErrorKind, Invocation, Policy};
use s3_test_support::Session;
use s3_test_support::files::write_random_file;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

const MIB: u64 = 1024 * 1024;

async fn check(s: &Session, auth: &Value, scope: Option<&str>) -> Invocation {
    s.runtime.check(&auth.to_string(), scope, &s.policy).await.expect("the host runs the check")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_check_says_what_is_wrong() {
    let s = Session::new();
    let bucket = s.bucket("check").await;
    let report: Value = serde_json::from_str(&check(&s, &s.auth, None).await.result.unwrap()).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert!(report["buckets"].as_u64().unwrap() >= 1, "{report}");
    let report: Value = serde_json::from_str(&check(&s, &s.auth, Some(&bucket)).await.result.unwrap()).unwrap();
    assert_eq!(report["bucket"], bucket.as_str());

    let mut wrong_secret = s.auth.clone();
    wrong_secret["secret_access_key"] = json!("not-the-secret");
    let error = check(&s, &wrong_secret, None).await.result.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unauthorized, "{error:?}");
    assert!(error.message.contains("check access_key_id and secret_access_key"), "{}", error.message);
    assert!(!error.message.contains("not-the-secret"));

    let error = check(&s, &s.auth, Some("no-such-bucket-for-check")).await.result.unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound, "{error:?}");
    assert!(error.message.contains("there is no bucket \"no-such-bucket-for-check\""), "{}", error.message);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut unreachable = s.auth.clone();
    unreachable["endpoint"] = json!(format!("http://127.0.0.1:{port}"));
    let error = check(&s, &unreachable, None).await.result.unwrap_err();
    assert_eq!((error.kind, error.field.as_deref()), (ErrorKind::Unavailable, Some("/endpoint")), "{error:?}");
    assert!(error.message.contains("cannot be reached"), "{}", error.message);
    s.remove_bucket(&bucket).await;
}

async fn choices(
    s: &Session,
    operation: &str,
    field: &str,
    partial: Value,
    cursor: Option<&str>,
) -> (Vec<(String, bool)>, Option<String>) {
    let invocation = s
        .runtime
        .options(operation, field, &s.auth.to_string(), &partial.to_string(), cursor, &s.policy)
        .await
        .expect("the host lists choices");
    let choices = invocation.result.unwrap_or_else(|e| panic!("{operation}.{field}: {e:?}"));
    (choices.items.into_iter().map(|c| (c.value, c.is_group)).collect(), choices.next_cursor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choices_walk_buckets_then_folders_a_page_at_a_time() {
    let s = Session::new();
    let bucket = s.bucket("choices").await;
    for key in ["top.txt", "reports/2024/a.csv", "reports/2025/b.csv", "reports/summary.csv"] {
        s.ok("put_object_text", json!({"bucket": bucket, "key": key, "content": "x"})).await;
    }
    let (buckets, _) = choices(&s, "get_object", "bucket", json!({}), None).await;
    assert!(buckets.contains(&(bucket.clone(), false)), "{buckets:?}");

    let (top, next) = choices(&s, "get_object", "key", json!({"bucket": bucket}), None).await;
    assert_eq!(top, [("reports/".to_string(), true), ("top.txt".to_string(), false)]);
    assert_eq!(next, None);
    let (inside, _) = choices(&s, "get_object", "key", json!({"bucket": bucket, "key": "reports/su"}), None).await;
    let expected = [("reports/2024/", true), ("reports/2025/", true), ("reports/summary.csv", false)];
    assert_eq!(inside, expected.map(|(v, g)| (v.to_string(), g)));
    let (folders, _) =
        choices(&s, "list_objects", "prefix", json!({"bucket": bucket, "prefix": "reports/"}), None).await;
    assert_eq!(folders.len(), 2, "folders only: {folders:?}");

    // More than a page: every key once, across cursors.
    for i in 0..230 {
        s.ok("put_object_text", json!({"bucket": bucket, "key": format!("many/{i:03}"), "content": ""})).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let (page, next) =
            choices(&s, "get_object", "key", json!({"bucket": bucket, "key": "many/"}), cursor.as_deref()).await;
        seen.extend(page.into_iter().map(|(v, _)| v));
        pages += 1;
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, (0..230).map(|i| format!("many/{i:03}")).collect::<Vec<_>>());
    s.remove_bucket(&bucket).await;
}

async fn poll(s: &Session, config: &Value, state: Option<&str>) -> (Vec<Value>, String, bool) {
    let invocation = s
        .runtime
        .poll("new_objects", &s.auth.to_string(), &config.to_string(), state, &s.policy)
        .await
        .expect("the host polls");
    let result = invocation.result.unwrap_or_else(|e| panic!("poll: {e:?}"));
    let events = result.events;
    (events, result.state, result.has_more)
}

/// Writers put new keys and then rewrite some, all at once, while one poller polls with a small
/// page: every key and every final version is reported, and no version twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trigger_misses_nothing_and_repeats_nothing_under_concurrent_writers() {
    const WRITERS: usize = 4;
    const KEYS_EACH: usize = 60;
    const REWRITES_EACH: usize = 15;
    let s = Arc::new(Session::new());
    let bucket = s.bucket("trigger").await;
    s.ok("put_object_text", json!({"bucket": bucket, "key": "in/before.txt", "content": "old"})).await;
    s.ok("put_object_text", json!({"bucket": bucket, "key": "elsewhere/x.txt", "content": "not watched"})).await;
    let config = json!({"bucket": bucket, "prefix": "in/", "max_events": 7});
    let (first, mut state, _) = poll(&s, &config, None).await;
    assert!(first.is_empty(), "starting from now: {first:?}");

    // A multipart upload runs beside them: S3 dates the object by the upload's start, so it
    // appears in listings after newer objects — only the look-back window catches it.
    write_random_file(&s.files.join("big.bin"), 30 * MIB, 9);
    let big = {
        let (s, bucket) = (s.clone(), bucket.clone());
        tokio::spawn(async move {
            let input = json!({"bucket": bucket, "key": "in/wbig.bin", "file": "big.bin", "multipart_threshold": 0, "part_size": 5 * MIB});
            s.ok("put_object_file", input).await;
        })
    };
    let mut writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (s, bucket) = (s.clone(), bucket.clone());
            tokio::spawn(async move {
                for i in 0..KEYS_EACH {
                    let key = format!("in/w{w}/{i:03}.txt");
                    s.ok("put_object_text", json!({"bucket": bucket, "key": key, "content": format!("{w}-{i}")})).await;
                }
                for i in 0..REWRITES_EACH {
                    let key = format!("in/w{w}/{i:03}.txt");
                    s.ok(
                        "put_object_text",
                        json!({"bucket": bucket, "key": key, "content": format!("rewritten {w}-{i}")}),
                    )
                    .await;
                }
            })
        })
        .collect();
    writers.push(big);
    let mut reported: Vec<Value> = Vec::new();
    let mut polls = 0;
    while !writers.iter().all(tokio::task::JoinHandle::is_finished) {
        let (events, next, _) = poll(&s, &config, Some(&state)).await;
        reported.extend(events);
        state = next;
        polls += 1;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    loop {
        let (events, next, more) = poll(&s, &config, Some(&state)).await;
        reported.extend(events);
        state = next;
        if !more {
            break;
        }
    }
    let (after, ..) = poll(&s, &config, Some(&state)).await;
    assert!(after.is_empty(), "a quiet bucket reports nothing: {after:?}");

    let mut versions = BTreeSet::new();
    let mut duplicates = Vec::new();
    for event in &reported {
        let version = (event["key"].as_str().unwrap().to_string(), event["etag"].as_str().unwrap().to_string());
        if !versions.insert(version.clone()) {
            duplicates.push(version);
        }
    }
    let listing = s.ok("list_objects", json!({"bucket": bucket, "prefix": "in/w", "fetch_all": true})).await;
    let finals: BTreeMap<String, String> = listing["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["key"].as_str().unwrap().to_string(), o["etag"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(finals.len(), WRITERS * KEYS_EACH + 1);
    let missed: Vec<_> = finals.iter().filter(|(k, e)| !versions.contains(&((*k).clone(), (*e).clone()))).collect();
    eprintln!(
        "{polls} polls while writing, {} events, {} duplicates, {} misses",
        reported.len(),
        duplicates.len(),
        missed.len()
    );
    assert!(duplicates.is_empty(), "reported twice: {duplicates:?}");
    assert!(missed.is_empty(), "final versions never reported: {missed:?}");
    assert!(reported.iter().all(|e| e["key"].as_str().unwrap().starts_with("in/w")), "only new keys under the prefix");
    assert!(polls > 1, "the poller ran while the writers wrote");

    // From the beginning, in pages: every object under the prefix exactly once, oldest first.
    let everything = json!({"bucket": bucket, "prefix": "in/", "start": "beginning", "max_events": 50});
    let mut state: Option<String> = None;
    let mut all = Vec::new();
    loop {
        let (events, next, more) = poll(&s, &everything, state.as_deref()).await;
        all.extend(events);
        state = Some(next);
        if !more {
            break;
        }
    }
    assert_eq!(all.len(), finals.len() + 1, "{} events", all.len());
    let keys: BTreeSet<&str> = all.iter().map(|e| e["key"].as_str().unwrap()).collect();
    assert_eq!(keys.len(), all.len(), "each key once");
    let in_order: Vec<&str> = all.iter().map(|e| e["last_modified"].as_str().unwrap()).collect();
    assert!(in_order.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    s.remove_bucket(&bucket).await;
}

/// A host cancel in the middle of a multipart upload: the guest aborts the upload and answers
/// `cancelled`; nothing is left in the bucket, and the host serves the next call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_upload_leaves_nothing_behind() {
    let s = Session::new();
    let bucket = s.bucket("cancel").await;
    write_random_file(&s.files.join("big.bin"), 60 * MIB, 5);
    let transfer = Arc::new(Transfer::default());
    let cancellation = Arc::new(Cancellation::new());
    let policy =
        Policy { progress: Some(transfer.clone()), cancellation: Some(cancellation.clone()), ..s.policy.clone() };
    let watched = transfer.clone();
    let canceller = tokio::spawn(async move {
        // Once the first part is in, cancel.
        while watched.reported().0 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Meanwhile the open upload is handed over, for a later attempt should this one be lost.
        let handed_over = watched.checkpoint();
        cancellation.cancel();
        (watched.reported(), handed_over)
    });
    let input =
        json!({"bucket": bucket, "key": "big.bin", "file": "big.bin", "multipart_threshold": 0, "part_size": 5 * MIB});
    let error = s.call_with("put_object_file", &s.auth, input, &policy).await.unwrap_err();
    let ((done, total), handed_over) = canceller.await.unwrap();
    assert_eq!(total, Some(60 * MIB));
    let upload = &handed_over.expect("a checkpoint while the upload is open")["multipart_upload"];
    assert_eq!((upload["bucket"].as_str(), upload["key"].as_str()), (Some(bucket.as_str()), Some("big.bin")));
    assert!(upload["upload_id"].as_str().is_some_and(|id| !id.is_empty()), "{upload}");
    assert_eq!(transfer.checkpoint(), None, "aborted: nothing left to hand over");
    assert!((5 * MIB..60 * MIB).contains(&done), "cancelled part-way: {done}");
    assert_eq!(error.kind, ErrorKind::Cancelled, "{error:?}");
    assert!(error.message.contains("the multipart upload was aborted"), "{}", error.message);
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<Value>::new());
    let head = s.call("head_object", json!({"bucket": bucket, "key": "big.bin"})).await.unwrap_err();
    assert_eq!(head.kind, ErrorKind::NotFound);
    s.remove_bucket(&bucket).await;
}

/// The host checks every input against the operation's schema in the manifest (and a trigger's
/// configuration against its own) before the guest runs: a platform can trust the manifest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_outside_the_manifest_never_reach_the_connector() {
    let s = Session::new();
    let policy = Policy { dry_run: true, ..s.policy.clone() };
    let auth = s.auth.to_string();
    let valid = s.runtime.invoke("list_objects", &auth, &json!({"bucket": "b"}).to_string(), &policy).await.unwrap();
    assert!(valid.peak_memory > 0 && valid.captured.len() == 1, "a valid input runs the guest");
    // The product's own field names (aliases) pass the host's check too.
    let product = json!({"bucket": "b", "object_keys": [{"Key": "a.txt", "VersionId": "v1"}]});
    let aliased = s.runtime.invoke("delete_objects", &auth, &product.to_string(), &policy).await.unwrap();
    assert!(aliased.captured.len() == 1, "object_keys reaches the connector: {:?}", aliased.result);
    let both = json!({"bucket": "b", "objects": ["a"], "object_keys": [{"Key": "a"}]});
    let refused = s.runtime.invoke("delete_objects", &auth, &both.to_string(), &policy).await.unwrap();
    assert_eq!(refused.result.unwrap_err().field.as_deref(), Some("/object_keys"));
    let cases = [
        ("list_objects", json!({"bucket": "b", "max_keys": 5000}), "/max_keys", "1000"),
        ("get_object", json!({"bucket": "b", "key": "k", "format": "yaml"}), "/format", "must be one of"),
        ("head_object", json!({"bucket": 7, "key": "k"}), "/bucket", "string"),
        (
            "put_object_text",
            json!({"bucket": "b", "key": "k", "content": "x", "colour": "red"}),
            "/colour",
            "unknown field",
        ),
        ("get_object", json!({"bucket": "b"}), "/key", "missing field `key`"),
        (
            "put_object_file",
            json!({"bucket": "b", "key": "k", "file": "f", "url": "https://h/f"}),
            "/url",
            "more than one of",
        ),
    ];
    for (operation, input, field, mentions) in cases {
        let refused = s.runtime.invoke(operation, &auth, &input.to_string(), &policy).await.unwrap();
        let error = refused.result.unwrap_err();
        assert_eq!(
            (error.kind, error.field.as_deref()),
            (ErrorKind::InvalidInput, Some(field)),
            "{input}: {}",
            error.message
        );
        assert!(error.message.contains(mentions), "{input}: {}", error.message);
        assert!(refused.peak_memory == 0 && refused.captured.is_empty(), "{input}: the guest did not run");
    }
    let config = json!({"bucket": "b", "max_events": 0}).to_string();
    let refused = s.runtime.poll("new_objects", &auth, &config, None, &policy).await.unwrap();
    assert_eq!(refused.result.unwrap_err().field.as_deref(), Some("/max_events"));
    assert_eq!(refused.peak_memory, 0);
}
