//! The templates end to end: *Sync Salesforce files to AWS S3 backups* against a loopback org
//! (Salesforce's REST shape: the query paged with `nextRecordsUrl`, downloads behind a Bearer
//! token) and the real S3 server — a first run, an unchanged rerun, new versions, removed and
//! renamed documents, a dry run, and a run interrupted by a failing download.

use connector_templates::connector::Connector;
use connector_templates::salesforce::Org;
use connector_templates::salesforce_backup::{Options, Report, backup_connector, run};
use s3_test_support::salesforce::{FakeOrg, OrgFile};
use s3_test_support::{Session, runtime};
use serde_json::json;

fn content(seed: u8, size: usize) -> Vec<u8> {
    (0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

async fn connector(s: &Session, org: &FakeOrg) -> Connector {
    backup_connector(runtime().into(), s.auth.clone(), &org.instance_url, true).await.unwrap()
}

async fn backup(connector: &Connector, org: &Org, bucket: &str, delete_removed: bool, dry_run: bool) -> Report {
    let options = Options { bucket: bucket.into(), prefix: "backups/".into(), delete_removed, dry_run };
    run(connector, org, &options).await.expect("the backup runs")
}

fn sorted(mut keys: Vec<String>) -> Vec<String> {
    keys.sort();
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salesforce_files_are_backed_up_incrementally() {
    let s = Session::new();
    let bucket = s.bucket("sf-backup").await;
    let fake = FakeOrg::start(vec![
        OrgFile::new("069A", "Contract", "pdf", content(1, 300_000)),
        OrgFile::new("069B", "Q3 numbers", "csv", b"region,total\nnorth,1\n".to_vec()),
        OrgFile::new("069C", "notes.txt", "txt", b"hello".to_vec()),
        OrgFile::new("069E", "Big scan", "pdf", content(5, 6 * 1024 * 1024)),
        OrgFile::new("069F", "Logo", "png", content(9, 1000)),
    ])
    .await;
    let org = Org::new(&fake.instance_url, &fake.token);
    let connector = connector(&s, &fake).await;

    // A dry run says what would happen and writes nothing.
    let dry = backup(&connector, &org, &bucket, true, true).await;
    assert_eq!((dry.listed, dry.uploaded.len(), dry.bytes), (5, 5, 0));
    assert_eq!(s.ok("list_objects", json!({"bucket": bucket})).await["objects"], json!([]));

    // The first run copies every file, with its record id, version and checksum.
    let first = backup(&connector, &org, &bucket, false, false).await;
    assert_eq!(first.failed, Vec::<(String, String)>::new());
    assert_eq!(
        sorted(first.uploaded.clone()),
        [
            "backups/069A/Contract.pdf",
            "backups/069B/Q3 numbers.csv",
            "backups/069C/notes.txt",
            "backups/069E/Big scan.pdf",
            "backups/069F/Logo.png"
        ]
    );
    assert_eq!(first.bytes, 300_000 + 21 + 5 + 6 * 1024 * 1024 + 1000);
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "backups/069B/Q3 numbers.csv"})).await;
    assert_eq!(head["metadata"]["sf-record-id"], "069B");
    assert_eq!(head["metadata"]["sf-version-id"], "068069Bv1");
    assert_eq!(head["content_type"], "text/csv");
    let big = s.ok("head_object", json!({"bucket": bucket, "key": "backups/069E/Big scan.pdf"})).await;
    assert_eq!(big["content_length"], 6 * 1024 * 1024);

    // Nothing changed: nothing copied.
    let again = backup(&connector, &org, &bucket, true, false).await;
    assert_eq!((again.unchanged, again.uploaded.len(), again.updated.len(), again.deleted.len()), (5, 0, 0, 0));

    // A new version, a removed document, a renamed one and a new one.
    {
        let mut state = fake.state.lock().unwrap();
        state.files[0].next_version(content(2, 310_000));
        state.files.retain(|f| f.document_id != "069B");
        state.files.iter_mut().find(|f| f.document_id == "069C").unwrap().title = "renamed notes.txt".into();
        state.files.push(OrgFile::new("069G", "Minutes", "txt", b"minutes".to_vec()));
    }
    let plan = backup(&connector, &org, &bucket, true, true).await;
    let changed = backup(&connector, &org, &bucket, true, false).await;
    assert_eq!(
        (plan.uploaded.clone(), plan.updated.clone(), plan.deleted.clone()),
        (changed.uploaded.clone(), changed.updated.clone(), changed.deleted.clone()),
        "the dry run planned exactly this"
    );
    assert_eq!(changed.updated, ["backups/069A/Contract.pdf"]);
    assert_eq!(sorted(changed.uploaded.clone()), ["backups/069C/renamed notes.txt", "backups/069G/Minutes.txt"]);
    assert_eq!(sorted(changed.deleted.clone()), ["backups/069B/Q3 numbers.csv", "backups/069C/notes.txt"]);
    assert_eq!(changed.unchanged, 2);
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "backups/069A/Contract.pdf"})).await;
    assert_eq!(
        (head["metadata"]["sf-version-number"].as_str(), head["content_length"].as_u64()),
        (Some("2"), Some(310_000))
    );

    // An interrupted run (a download fails) reports the file and the next run finishes the job.
    {
        let mut state = fake.state.lock().unwrap();
        let logo = state.files.iter_mut().find(|f| f.document_id == "069F").unwrap();
        logo.next_version(content(10, 2000));
        state.failing_version = Some("068069Fv2".into());
        state.files.push(OrgFile::new("069H", "Agenda", "txt", b"agenda".to_vec()));
    }
    let interrupted = backup(&connector, &org, &bucket, true, false).await;
    assert_eq!(interrupted.failed.len(), 1, "{:?}", interrupted.failed);
    assert_eq!(interrupted.failed[0].0, "backups/069F/Logo.png");
    assert!(!interrupted.failed[0].1.contains(&fake.token), "the token never shows: {}", interrupted.failed[0].1);
    assert_eq!(interrupted.uploaded, ["backups/069H/Agenda.txt"]);
    fake.state.lock().unwrap().failing_version = None;
    let resumed = backup(&connector, &org, &bucket, true, false).await;
    assert_eq!(
        (resumed.updated.clone(), resumed.uploaded.len(), resumed.failed.len()),
        (vec!["backups/069F/Logo.png".to_string()], 0, 0)
    );
    let listing = s.ok("list_objects", json!({"bucket": bucket, "prefix": "backups/"})).await;
    assert_eq!(listing["objects"].as_array().unwrap().len(), 6);
    assert!(resumed.to_json()["failed"].as_array().unwrap().is_empty());
    s.remove_bucket(&bucket).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_stops_the_run_before_anything_is_written() {
    let s = Session::new();
    let bucket = s.bucket("sf-token").await;
    let fake = FakeOrg::start(vec![OrgFile::new("069A", "Contract", "pdf", content(1, 10))]).await;
    let org = Org::new(&fake.instance_url, "expired-token");
    let connector = connector(&s, &fake).await;
    let options = Options { bucket: bucket.clone(), prefix: "backups/".into(), delete_removed: false, dry_run: false };
    let error = run(&connector, &org, &options).await.unwrap_err().to_string();
    assert!(error.contains("refused the access token"), "{error}");
    assert!(!error.contains("expired-token"));
    assert_eq!(s.ok("list_objects", json!({"bucket": bucket})).await["objects"], json!([]));
    s.remove_bucket(&bucket).await;
}

fn plain_connector(s: &Session) -> Connector {
    Connector { runtime: runtime().into(), auth: s.auth.clone(), policy: s.policy.clone() }
}

/// *Extract AWS S3 data as JSON* on data it has not seen: JSON Lines and JSON arrays under a
/// prefix (other files ignored), chosen fields, a filter, the result also written as JSON Lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_data_under_a_prefix_is_extracted_as_one_result() {
    use connector_templates::json_extract::{Options, run};
    let s = Session::new();
    let bucket = s.bucket("tpl-json").await;
    let lines: String = (0..2500)
        .map(|i| {
            format!(
                "{{\"id\":{i},\"kind\":\"{}\",\"meta\":{{\"owner\":\"u{i}\"}}}}\n",
                if i % 5 == 0 { "big" } else { "small" }
            )
        })
        .collect();
    for (key, content) in [
        ("data/2024/a.jsonl", lines.as_str()),
        ("data/2024/b.json", r#"[{"id": 9001, "kind": "big", "meta": {"owner": "x"}}, {"id": 9002, "kind": "small"}]"#),
        ("data/readme.txt", "not data"),
        ("other/c.jsonl", "{\"id\": 1, \"kind\": \"big\"}\n"),
    ] {
        s.ok("put_object_text", json!({"bucket": bucket, "key": key, "content": content})).await;
    }
    let connector = plain_connector(&s);
    let options = Options {
        bucket: bucket.clone(),
        prefix: "data/".into(),
        select: vec!["id".into(), "/meta/owner".into()],
        filter: vec![json!({"field": "kind", "op": "eq", "value": "big"})],
        destination_key: Some("results/big.jsonl".into()),
    };
    let extracted = run(&connector, &options).await.expect("extraction");
    assert_eq!(extracted.objects, ["data/2024/a.jsonl", "data/2024/b.json"]);
    assert_eq!(extracted.records.len(), 500 + 1, "paged through 2,500 lines");
    assert_eq!(extracted.records[0], json!({"id": 0, "owner": "u0", "_source": "data/2024/a.jsonl"}));
    assert_eq!(extracted.records[500], json!({"id": 9001, "owner": "x", "_source": "data/2024/b.json"}));
    let written = s.ok("extract_records", json!({"bucket": bucket, "key": "results/big.jsonl", "limit": 1000})).await;
    assert_eq!(written["records"].as_array().unwrap().len(), 501);
    s.remove_bucket(&bucket).await;
}

/// *Extract and transform CSV data from AWS S3*: a CSV with its own dialect, rows filtered,
/// columns selected, converted and renamed, written back as CSV and as JSON Lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_is_transformed_into_csv_and_json_lines() {
    use connector_templates::csv_transform::{Options, run};
    let s = Session::new();
    let bucket = s.bucket("tpl-csv").await;
    let mut csv = String::from("order;placed;region;amount;paid\n");
    for i in 1..=40_000 {
        csv.push_str(&format!(
            "{i};2024-03-{:02};{};{}.{:02};{}\n",
            i % 28 + 1,
            ["north", "south"][i % 2],
            i % 300,
            i % 100,
            i % 3 == 0
        ));
    }
    s.ok("put_object_text", json!({"bucket": bucket, "key": "sales.csv", "content": csv})).await;
    let connector = plain_connector(&s);
    let mut options = Options {
        bucket: bucket.clone(),
        key: "sales.csv".into(),
        destination_key: "out/south.csv".into(),
        select: vec!["order".into(), "placed".into(), "amount".into(), "paid".into()],
        filter: vec![
            json!({"field": "region", "op": "eq", "value": "south"}),
            json!({"field": "amount", "op": "ge", "value": 100}),
        ],
        convert: serde_json::from_value(
            json!({"order": "integer", "amount": "number", "paid": "boolean", "placed": "date"}),
        )
        .unwrap(),
        rename: serde_json::from_value(json!({"order": "order_id"})).unwrap(),
        csv: Some(json!({"delimiter": ";"})),
    };
    let report = run(&connector, &options).await.expect("transformation");
    assert_eq!(report["records_read"], 40_000);
    let expected = (1..=40_000).filter(|i| i % 2 == 1 && i % 300 >= 100).count();
    assert_eq!(report["records_out"], expected);
    let head = s.ok("get_object", json!({"bucket": bucket, "key": "out/south.csv", "range": "bytes=0-60"})).await;
    assert!(
        head["body"].as_str().unwrap().starts_with("order_id,placed,amount,paid\n101,2024-03-18,101.01,false\n"),
        "{}",
        head["body"]
    );
    options.destination_key = "out/south.jsonl".into();
    run(&connector, &options).await.expect("transformation");
    let first = s.ok("extract_records", json!({"bucket": bucket, "key": "out/south.jsonl", "limit": 1})).await;
    assert_eq!(first["records"], json!([{"order_id": 101, "placed": "2024-03-18", "amount": 101.01, "paid": false}]));
    s.remove_bucket(&bucket).await;
}

/// The CSV template on a 200 MiB file: filtered, converted and written back as JSON Lines, then
/// as CSV; the guest's memory stays flat (a chunk and a part, not the file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mib_csv_is_transformed_with_flat_memory() {
    use connector_templates::csv_transform::{Options, run};
    let s = Session::new();
    let bucket = s.bucket("tpl-large").await;
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
    let connector = plain_connector(&s);
    let mut options = Options {
        bucket: bucket.clone(),
        key: "big.csv".into(),
        destination_key: "out/north.jsonl".into(),
        select: vec!["id".into(), "amount".into()],
        filter: vec![json!({"field": "region", "op": "eq", "value": "north"})],
        convert: serde_json::from_value(json!({"id": "integer", "amount": "number"})).unwrap(),
        ..Options::default()
    };
    let report = run(&connector, &options).await.expect("transformation");
    let peak = report["guest_peak_memory"].as_u64().unwrap();
    assert_eq!(report["records_read"], rows);
    assert_eq!(report["records_out"], rows / 4);
    assert!(peak < 32 << 20, "guest memory {peak} bytes for a 200 MiB file");
    let head = s.ok("head_object", json!({"bucket": bucket, "key": "out/north.jsonl"})).await;
    assert_eq!(head["content_length"], report["destination"]["size"]);
    assert!(head["etag"].as_str().unwrap().contains('-'), "written in parts: {head}");
    let first = s.ok("extract_records", json!({"bucket": bucket, "key": "out/north.jsonl", "limit": 2})).await;
    assert_eq!(first["records"], json!([{"id": 4, "amount": 4.25}, {"id": 8, "amount": 8.25}]));
    options.destination_key = "out/north.csv".into();
    let csv = run(&connector, &options).await.expect("transformation to CSV");
    assert_eq!(csv["records_out"], rows / 4);
    let back = s.ok("get_object", json!({"bucket": bucket, "key": "out/north.csv", "range": "bytes=0-30"})).await;
    assert!(back["body"].as_str().unwrap().starts_with("id,amount\n4,4.25\n"), "{}", back["body"]);
    assert_eq!(s.uploads_in_progress(&bucket).await, Vec::<serde_json::Value>::new());
    eprintln!("200 MiB CSV: {rows} rows, guest peak memory {} KiB", peak >> 10);
    s.remove_bucket(&bucket).await;
}
