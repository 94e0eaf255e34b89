//! Extract Records against the real server: CSV, JSON Lines and JSON arrays streamed through the
//! sandbox in byte ranges — pages with cursors, dialects, malformed rows by line number, and
//! the bounds of inline output. (A 200 MiB CSV written back as objects: `templates.rs`.)

use connector_host::ErrorKind;
use s3_test_support::Session;
use serde_json::{Value, json};

async fn put(s: &Session, bucket: &str, key: &str, content: &str) {
    s.ok("put_object_text", json!({"bucket": bucket, "key": key, "content": content})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_come_in_pages_with_cursors_filtered_converted_and_renamed() {
    let s = Session::new();
    let bucket = s.bucket("extract-pages").await;
    let mut csv = String::from("\u{feff}id,name,amount,active,joined\n");
    for i in 1..=25 {
        csv.push_str(&format!(
            "{i},\"Name, {i}\",{}.5,{},2024-01-{:02}\n",
            i * 10,
            if i % 2 == 0 { "yes" } else { "no" },
            i
        ));
    }
    put(&s, &bucket, "in/people.csv", &csv).await;
    let input = json!({"bucket": bucket, "key": "in/people.csv", "limit": 4,
        "filter": [{"field": "amount", "op": "gt", "value": 50}],
        "select": ["id", "amount", "active", "joined"],
        "convert": {"id": "integer", "amount": "number", "active": "boolean", "joined": "date"},
        "rename": {"amount": "total"}});
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut page_input = input.clone();
        if let Some(cursor) = &cursor {
            page_input["cursor"] = json!(cursor);
        }
        let page = s.ok("extract_records", page_input).await;
        all.extend(page["records"].as_array().unwrap().iter().cloned());
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(all.len(), 21, "ids 5..=25 have amount > 50");
    assert_eq!(pages, 6);
    assert_eq!(all[0], json!({"id": 5, "total": 50.5, "active": false, "joined": "2024-01-05"}));
    let mut first_page = input.clone();
    first_page["limit"] = json!(1);
    let raw = raw_output(&s, first_page).await;
    assert!(
        raw.contains(r#"{"id":5,"total":50.5,"active":false,"joined":"2024-01-05"}"#),
        "the order asked for: {raw}"
    );
    assert_eq!(all[20]["id"], 25);
    // Without a header row the columns are numbered; a Latin-1 file is read as such.
    let latin = "caf\u{e9};3\n".chars().map(|c| c as u8).collect::<Vec<u8>>();
    s.ok("put_object_text", json!({"bucket": bucket, "key": "in/latin.csv", "content_base64": base64(&latin)})).await;
    let page = s
        .ok("extract_records", json!({"bucket": bucket, "key": "in/latin.csv", "csv": {"delimiter": ";", "has_header": false, "encoding": "latin1"}}))
        .await;
    assert_eq!(page["records"], json!([{"column_1": "café", "column_2": "3"}]));
    s.remove_bucket(&bucket).await;
}

/// The operation's output exactly as the connector wrote it (field order included).
async fn raw_output(s: &Session, input: Value) -> String {
    let invocation =
        s.runtime.invoke("extract_records", &s.auth.to_string(), &input.to_string(), &s.policy).await.unwrap();
    invocation.result.expect("extraction")
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_and_json_arrays_keep_their_field_order_and_bad_rows_name_their_line() {
    let s = Session::new();
    let bucket = s.bucket("extract-json").await;
    put(&s, &bucket, "e.jsonl", "{\"z\":1,\"a\":{\"b\":\"x\"}}\n\n{\"z\":2,\"a\":{\"b\":\"y\"}}\n").await;
    let raw = raw_output(&s, json!({"bucket": bucket, "key": "e.jsonl"})).await;
    assert!(raw.contains(r#"{"z":1,"a":{"b":"x"}}"#), "the file's order, not sorted: {raw}");
    let picked = s
        .ok("extract_records", json!({"bucket": bucket, "key": "e.jsonl", "select": ["/a/b"], "rename": {"/a/b": "b"}}))
        .await;
    assert_eq!(picked["records"], json!([{"b": "x"}, {"b": "y"}]));
    put(&s, &bucket, "a.json", "[\n {\"k\": \"v1, ]\"},\n {\"k\": \"v2\", \"n\": [1, {\"x\": 2}]}\n]").await;
    let page = s.ok("extract_records", json!({"bucket": bucket, "key": "a.json", "limit": 1})).await;
    assert_eq!(page["records"], json!([{"k": "v1, ]"}]));
    let rest = s.ok("extract_records", json!({"bucket": bucket, "key": "a.json", "cursor": page["next_cursor"]})).await;
    assert_eq!(rest["records"], json!([{"k": "v2", "n": [1, {"x": 2}]}]));
    assert_eq!(rest["next_cursor"], Value::Null);

    put(&s, &bucket, "bad.jsonl", "{\"ok\":1}\n{\"ok\":2}\nnot json\n").await;
    let error = s.call("extract_records", json!({"bucket": bucket, "key": "bad.jsonl"})).await.unwrap_err();
    assert!(error.message.contains("line 3"), "{}", error.message);
    put(&s, &bucket, "bad.csv", "a,b\n1,2\n3,4,5\n6,7\n").await;
    let error = s.call("extract_records", json!({"bucket": bucket, "key": "bad.csv"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert!(error.message.contains("line 3"), "a row with an extra field names its line: {}", error.message);
    put(&s, &bucket, "typed.csv", "n\n1\nlots\n").await;
    let error = s
        .call("extract_records", json!({"bucket": bucket, "key": "typed.csv", "convert": {"n": "number"}}))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert!(error.message.contains("line 3, field \"n\""), "{}", error.message);
    s.remove_bucket(&bucket).await;
}

/// Inline output has bounds that keep it inside a 64 MiB guest: past them it is a typed
/// `too-large` error that names the alternatives, never a trap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_output_too_large_for_the_guest_is_a_typed_error() {
    let s = Session::new();
    let bucket = s.bucket("extract-inline").await;
    let rows: String = (0..400_000).map(|i| format!("{i},x\n")).collect();
    put(&s, &bucket, "many.csv", &format!("n,v\n{rows}")).await;
    let error = s.call("get_object", json!({"bucket": bucket, "key": "many.csv", "format": "csv"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::TooLarge);
    assert!(error.message.contains("extract_records"), "{}", error.message);
    // The same file a page at a time.
    let page = s.ok("extract_records", json!({"bucket": bucket, "key": "many.csv", "limit": 3})).await;
    assert_eq!(page["records"], json!([{"n": "0", "v": "x"}, {"n": "1", "v": "x"}, {"n": "2", "v": "x"}]));
    // The largest inline bodies, as text and as base64, in the default 64 MiB guest; one byte
    // more is refused.
    for (format, most) in [("text", 8usize << 20), ("base64", 6 << 20)] {
        put(&s, &bucket, "big.txt", &"y".repeat(most)).await;
        let input = json!({"bucket": bucket, "key": "big.txt", "format": format, "max_bytes": 8 << 20});
        assert_eq!(s.ok("get_object", input.clone()).await["content_length"], most, "{format}");
        put(&s, &bucket, "big.txt", &"y".repeat(most + 1)).await;
        let error = s.call("get_object", input).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::TooLarge, "{format}");
    }
    // A small CSV with too many values for inline rows.
    let cells: String = (0..60_000).map(|i| format!("{i},1\n")).collect();
    put(&s, &bucket, "cells.csv", &format!("a,b\n{cells}")).await;
    let error = s.call("get_object", json!({"bucket": bucket, "key": "cells.csv", "format": "csv"})).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::TooLarge);
    assert!(error.message.contains("more than 100000 values"), "{}", error.message);
    s.remove_bucket(&bucket).await;
}
