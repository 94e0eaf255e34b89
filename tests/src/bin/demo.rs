//! The tour: starts a local Garage, creates two buckets with folders, and runs every operation
//! (and the platform calls: check, choices, the trigger) through the sandboxed component,
//! printing what each returns. With `--keep` the server and the
//! buckets stay up until Enter is pressed, with the environment to paste for `s3c`.

use s3_test_support::{Session, plain_http, target};
use serde_json::{Value, json};

fn show(title: &str, value: &Value) {
    println!("\n=== {title}");
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}

async fn step(session: &Session, title: &str, operation: &str, input: Value) -> Value {
    println!("\n--- {title}: {operation} {input}");
    match session.call(operation, input).await {
        Ok(value) => {
            println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            value
        }
        Err(error) => {
            // The error as a workflow sees it: kinds by their contract names.
            let typed = json!({"kind": error.kind.name(), "message": error.message, "service_code": error.service_code,
                               "http_status": error.http_status, "retryable": error.retryable, "field": error.field});
            println!("typed error: {}", serde_json::to_string_pretty(&typed).unwrap_or_default());
            Value::Null
        }
    }
}

/// What a workflow platform asks besides operations: the connection check, a dropdown's choices
/// and the new-objects trigger.
async fn platform_calls(session: &Session, bucket: &str) {
    let auth = session.auth.to_string();
    let policy = &session.policy;
    let checked = session.runtime.check(&auth, Some(bucket), policy).await.expect("check runs");
    println!("\n--- Check the connection (and the bucket): {}", answer(checked.result.map(|text| parse(&text))));
    let mut wrong = session.auth.clone();
    wrong["secret_access_key"] = json!("not-the-secret");
    let refused = session.runtime.check(&wrong.to_string(), None, policy).await.expect("check runs");
    println!("\n--- Check with a wrong secret: {}", answer(refused.result.map(|text| parse(&text))));
    let partial = json!({"bucket": bucket, "key": "2024/"}).to_string();
    let choices =
        session.runtime.options("get_object", "key", &auth, &partial, None, policy).await.expect("options run");
    let listed = choices.result.map(|c| {
        json!(
            c.items
                .iter()
                .map(|i| format!("{}{}", i.label, if i.is_group { " (folder)" } else { "" }))
                .collect::<Vec<_>>()
        )
    });
    println!("\n--- Choices for Get Object's key under 2024/: {}", answer(listed));
    let config = json!({"bucket": bucket, "prefix": "incoming/"}).to_string();
    let first = session.runtime.poll("new_objects", &auth, &config, None, policy).await.expect("poll runs");
    let state = first.result.map(|r| r.state).unwrap_or_default();
    for key in ["incoming/a.csv", "incoming/b.csv"] {
        session.ok("put_object_text", json!({"bucket": bucket, "key": key, "content": "x,y\n1,2\n"})).await;
    }
    let next = session.runtime.poll("new_objects", &auth, &config, Some(&state), policy).await.expect("poll runs");
    let events = next.result.map(|r| Value::Array(r.events));
    println!("\n--- Trigger \"new_objects\" on incoming/ (first poll from now, then two uploads): {}", answer(events));
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// An answer as the tour prints it: the value, or the typed error by its contract names.
fn answer(result: Result<Value, connector_host::ConnectorError>) -> String {
    let shown = match result {
        Ok(value) => value,
        Err(error) => json!({"kind": error.kind.name(), "message": error.message, "field": error.field}),
    };
    serde_json::to_string_pretty(&shown).unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let keep = std::env::args().skip(1).any(|arg| arg == "--keep");
    let target = target();
    println!("S3 server: {:?} at {}", target.kind, target.endpoint.as_deref().unwrap_or("AWS"));
    let session = Session::new();
    let info = session.runtime.describe().await.expect("describe");
    show(
        "connector",
        &json!({"name": info.name, "version": info.version, "operations": info.operations.iter().map(|o| format!("{} ({})", o.title, o.id)).collect::<Vec<_>>()}),
    );
    let reports = s3_test_support::unique_bucket("demo-reports");
    let archive = s3_test_support::unique_bucket("demo-archive");
    step(&session, "Create Bucket", "create_bucket", json!({"bucket": reports})).await;
    step(&session, "Create Bucket", "create_bucket", json!({"bucket": archive})).await;
    for (key, content) in [
        ("2024/january/summary.csv", "region,total\nnorth,120\nsouth,95\n"),
        ("2024/february/summary.csv", "region,total\nnorth,130\nsouth,101\n"),
        ("2024/notes.txt", "Quarterly notes"),
        ("config/settings.json", "{\"retention_days\": 30, \"owners\": [\"ann\", \"bo\"]}"),
        ("readme with spaces & symbols (v1).txt", "keys may contain spaces, +, &, (), unicode: ünïcödé"),
    ] {
        let content_type = if key.ends_with(".csv") {
            "text/csv"
        } else if key.ends_with(".json") {
            "application/json"
        } else {
            "text/plain"
        };
        step(&session, "Put Object Text", "put_object_text", json!({"bucket": reports, "key": key, "content": content, "content_type": content_type, "metadata": {"source": "demo"}})).await;
    }
    step(&session, "List Buckets", "list_buckets", json!({})).await;
    platform_calls(&session, &reports).await;
    step(&session, "Get Bucket Location", "get_bucket_location", json!({"bucket": reports})).await;
    step(&session, "List Bucket Objects (folders)", "list_objects", json!({"bucket": reports, "delimiter": "/"})).await;
    step(
        &session,
        "List Bucket Objects (prefix, all pages)",
        "list_objects",
        json!({"bucket": reports, "prefix": "2024/", "fetch_all": true}),
    )
    .await;
    step(&session, "Head Bucket", "head_bucket", json!({"bucket": reports})).await;
    step(&session, "Head Object", "head_object", json!({"bucket": reports, "key": "2024/january/summary.csv"})).await;
    let tagged = json!({"bucket": reports, "key": "2024/notes.txt"});
    let mut tags = tagged.clone();
    tags["tags"] = json!({"team": "finance", "quarter": "Q1"});
    step(&session, "Put Object Tagging (Garage has no object tags: expect unsupported)", "put_object_tagging", tags)
        .await;
    step(&session, "Get Object Tagging (likewise)", "get_object_tagging", tagged.clone()).await;
    step(&session, "Delete Object Tagging (likewise)", "delete_object_tagging", tagged).await;
    step(
        &session,
        "Get Object as CSV rows",
        "get_object",
        json!({"bucket": reports, "key": "2024/january/summary.csv", "format": "csv"}),
    )
    .await;
    step(
        &session,
        "Get Object as JSON",
        "get_object",
        json!({"bucket": reports, "key": "config/settings.json", "format": "json"}),
    )
    .await;
    step(
        &session,
        "Get Object range",
        "get_object",
        json!({"bucket": reports, "key": "2024/notes.txt", "range": "bytes=0-8"}),
    )
    .await;
    std::fs::write(session.files.join("upload.bin"), (0..=255u8).cycle().take(1 << 20).collect::<Vec<_>>())
        .expect("write demo file");
    step(
        &session,
        "Put Object File",
        "put_object_file",
        json!({"bucket": archive, "key": "backups/upload.bin", "file": "upload.bin"}),
    )
    .await;
    step(
        &session,
        "Get Object to a host file",
        "get_object",
        json!({"bucket": archive, "key": "backups/upload.bin", "format": "file", "file": "downloaded.bin"}),
    )
    .await;
    let same = std::fs::read(session.files.join("upload.bin")).ok()
        == std::fs::read(session.files.join("downloaded.bin")).ok();
    println!("downloaded file identical to the uploaded one: {same}");
    let signed = step(
        &session,
        "Get Object Signed Url",
        "get_object_signed_url",
        json!({"bucket": reports, "key": "2024/notes.txt", "expires_in": 300}),
    )
    .await;
    if let Some(url) = signed["url"].as_str() {
        let (status, body) = plain_http("GET", url, &[], Vec::new()).await;
        println!("plain HTTP GET of the signed URL: {status} {:?}", String::from_utf8_lossy(&body));
    }
    step(&session, "Copy Object", "copy_object", json!({"source_bucket": reports, "source_key": "2024/notes.txt", "bucket": archive, "key": "2024/notes-copy.txt"})).await;
    step(
        &session,
        "Put Object Acl (Garage has no ACLs: expect unsupported)",
        "put_object_acl",
        json!({"bucket": reports, "key": "2024/notes.txt", "acl": "public-read"}),
    )
    .await;
    step(&session, "List Multipart Uploads (none left open)", "list_multipart_uploads", json!({"bucket": archive}))
        .await;
    step(
        &session,
        "Abort Multipart Upload (no such upload: a typed error)",
        "abort_multipart_upload",
        json!({"bucket": archive, "key": "backups/upload.bin", "upload_id": "no-such-upload"}),
    )
    .await;
    step(&session, "Delete Object", "delete_object", json!({"bucket": archive, "key": "2024/notes-copy.txt"})).await;
    step(
        &session,
        "Get Object that is gone (typed not-found)",
        "get_object",
        json!({"bucket": archive, "key": "2024/notes-copy.txt"}),
    )
    .await;
    step(
        &session,
        "Invalid input (typed, with a JSON pointer)",
        "get_object_signed_url",
        json!({"bucket": reports, "key": "k", "expires_in": 999999}),
    )
    .await;
    if keep {
        keep_running(target, &[&reports, &archive]);
    }
    step(
        &session,
        "Delete Prefix (dry run)",
        "delete_prefix",
        json!({"bucket": reports, "prefix": "2024/", "dry_run": true}),
    )
    .await;
    step(&session, "Delete Prefix", "delete_prefix", json!({"bucket": reports, "prefix": "2024/"})).await;
    for bucket in [&reports, &archive] {
        let listing =
            session.call("list_objects", json!({"bucket": bucket, "fetch_all": true})).await.unwrap_or_default();
        let keys: Vec<Value> =
            listing["objects"].as_array().cloned().unwrap_or_default().iter().map(|o| o["key"].clone()).collect();
        if !keys.is_empty() {
            step(&session, "Delete Multiple Objects", "delete_objects", json!({"bucket": bucket, "objects": keys}))
                .await;
        }
        step(&session, "Delete Bucket", "delete_bucket", json!({"bucket": bucket})).await;
    }
    println!("\nTour complete: every operation ran through the sandboxed component against {:?}.", target.kind);
    if !keep {
        println!("(Run `scripts/demo.sh --keep` to look around afterwards with s3c before everything is removed.)");
    }
}

/// Leaves the server and `buckets` up until Enter is pressed, printing how to reach them with `s3c`.
fn keep_running(target: &s3_test_support::Target, buckets: &[&str]) {
    println!("\n=== The server and the buckets stay up until you press Enter. In another terminal:");
    println!("export AWS_ACCESS_KEY_ID={}", target.access_key_id);
    println!("export AWS_SECRET_ACCESS_KEY={}", target.secret_access_key);
    println!("export AWS_REGION={}", target.region);
    if let Some(endpoint) = &target.endpoint {
        println!("export AWS_ENDPOINT_URL={endpoint}");
    }
    for bucket in buckets {
        println!("cargo run --release -q -p connector-host --bin s3c -- list-objects --bucket {bucket}");
    }
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}
