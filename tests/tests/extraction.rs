//! Extract Records against the real server: CSV, JSON Lines and JSON arrays streamed through the
//! sandbox in byte ranges — pages with cursors, results written back as objects, dialects,
//! malformed rows by line number, and a 200 MiB CSV transformed with the guest's memory flat.

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
    put(&s, &bucket, "bad.csv", "a,b\n1,2\n3,\"open\n").await;
    let error =
        s.call("extract_records", json!({"bucket": bucket, "key": "bad.csv", "convert": {"a": "integer"}})).await;
    assert!(error.is_ok() || error.as_ref().unwrap_err().message.contains("line"), "{error:?}");
    put(&s, &bucket, "typed.csv", "n\n1\nlots\n").await;
    let error = s
        .call("extract_records", json!({"bucket": bucket, "key": "typed.csv", "convert": {"n": "number"}}))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert!(error.message.contains("line 3, field \"n\""), "{}", error.message);
    s.remove_bucket(&bucket).await;
}

/// A 200 MiB CSV filtered, converted and written back as JSON Lines and as CSV: the guest's
/// memory stays flat (a chunk and a part, not the file), and the results are complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_csv_is_transformed_with_flat_memory() {
    let s = Session::new();
    let bucket = s.bucket("extract-large").await;
    let path = s.files.join("big.csv");
    let mut rows = 0u64;
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(file, "id,region,amount,comment").unwrap();
        while file.get_ref().metadata().map_or(0, |m| m.len()) < 200 * 1024 * 1024 {
            for _ in 0..10_000 {
                rows += 1;
                let region = ["north", "south", "east", "west"][(rows % 4) as usize];
                writeln!(
                    file,
                    "{rows},{region},{}.25,\"a comment, with a comma and some padding to make rows longer\"",
                    rows % 1000
                )
                .unwrap();
            }
            file.flush().unwrap();
        }
    }
    s.ok("put_object_file", json!({"bucket": bucket, "key": "big.csv", "file": "big.csv"})).await;
    let input = json!({"bucket": bucket, "key": "big.csv",
        "filter": [{"field": "region", "op": "eq", "value": "north"}],
        "select": ["id", "amount"], "convert": {"id": "integer", "amount": "number"},
        "destination": {"key": "out/north.jsonl"}});
    let invocation =
        s.runtime.invoke("extract_records", &s.auth.to_string(), &input.to_string(), &s.policy).await.unwrap();
    let peak = invocation.peak_memory;
    let out: Value = serde_json::from_str(&invocation.result.expect("extraction")).unwrap();
    assert_eq!(out["records_read"], rows);
    assert_eq!(out["records_out"], rows / 4);
    assert!(peak < 32 << 20, "guest memory {peak} bytes for a 200 MiB file");
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "out/north.jsonl"})).await;
    assert_eq!(head["content_length"], out["destination"]["size"]);
    assert!(head["etag"].as_str().unwrap().contains('-'), "written in parts: {head}");
    let first = s.ok("extract_records", json!({"bucket": bucket, "key": "out/north.jsonl", "limit": 2})).await;
    assert_eq!(first["records"], json!([{"id": 4, "amount": 4.25}, {"id": 8, "amount": 8.25}]));
    let csv = s
        .ok(
            "extract_records",
            json!({"bucket": bucket, "key": "out/north.jsonl", "destination": {"key": "out/north.csv"}}),
        )
        .await;
    assert_eq!(csv["records_out"], rows / 4);
    let back = s.ok("get_object", json!({"bucket": bucket, "key": "out/north.csv", "range": "bytes=0-30"})).await;
    assert!(back["body"].as_str().unwrap().starts_with("id,amount\n4,4.25\n"), "{}", back["body"]);
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<Value>::new());
    eprintln!("200 MiB CSV: {rows} rows, guest peak memory {} KiB", peak >> 10);
    s.remove_bucket(&bucket).await;
}
