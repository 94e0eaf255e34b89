//! The three templates, run with one command against a local Garage with sample data they create:
//! *Sync Salesforce files to AWS S3 backups* with a loopback org (Salesforce itself cannot be
//! reached here) — a dry run, the first backup, then, after the org changes, the incremental one —
//! *Extract AWS S3 data as JSON* and *Extract and transform CSV data from AWS S3*. Prints each
//! result.

use connector_templates::connector::Connector;
use connector_templates::salesforce::Org;
use connector_templates::salesforce_backup::{Options, backup_connector, run};
use s3_test_support::salesforce::{FakeOrg, OrgFile};
use s3_test_support::{Session, runtime, target, unique_bucket};
use serde_json::json;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let target = target();
    println!("S3 server: {:?} at {}", target.kind, target.endpoint.as_deref().unwrap_or("AWS"));
    let session = Session::new();
    let bucket = unique_bucket("templates");
    session.ok("create_bucket", json!({"bucket": bucket})).await;
    let sample = |seed: u8, size: usize| (0..size).map(|i| (i as u8).wrapping_add(seed)).collect::<Vec<u8>>();
    let fake = FakeOrg::start(vec![
        OrgFile::new("069000000000001", "Master services agreement", "pdf", sample(1, 250_000)),
        OrgFile::new("069000000000002", "Pipeline Q3", "csv", b"account,stage,amount\nAcme,won,1200\n".to_vec()),
        OrgFile::new("069000000000003", "Board minutes.txt", "txt", b"Approved the budget.".to_vec()),
    ])
    .await;
    println!("Salesforce org (loopback stand-in): {}", fake.instance_url);
    let org = Org::new(&fake.instance_url, &fake.token);
    let connector =
        backup_connector(runtime().into(), session.auth.clone(), &fake.instance_url, true).await.expect("connector");
    let options =
        |dry_run| Options { bucket: bucket.clone(), prefix: "backups/".into(), delete_removed: true, dry_run };
    for (title, dry_run) in [("Dry run", true), ("First backup", false), ("Rerun (nothing changed)", false)] {
        let report = run(&connector, &org, &options(dry_run)).await.expect("backup");
        println!("\n=== {title}\n{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
    }
    {
        let mut state = fake.state.lock().expect("org");
        state.files[0].next_version(sample(2, 260_000));
        state.files.retain(|f| f.document_id != "069000000000002");
        state.files.push(OrgFile::new("069000000000004", "Renewal quote", "pdf", sample(4, 40_000)));
    }
    println!("\n(the org changed: a new version of the agreement, the pipeline deleted, a quote added)");
    let report = run(&connector, &org, &options(false)).await.expect("backup");
    println!("\n=== Incremental backup\n{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
    let listing = session.ok("list_objects", json!({"bucket": bucket, "prefix": "backups/", "fetch_all": true})).await;
    println!("\n=== The bucket now");
    for object in listing["objects"].as_array().into_iter().flatten() {
        println!("{}  {} bytes", object["key"].as_str().unwrap_or_default(), object["size"]);
    }
    extract_json(&connector, &session, &bucket).await;
    transform_csv(&connector, &session, &bucket).await;
    session.remove_bucket(&bucket).await;
}

/// *Extract AWS S3 data as JSON*: events in JSON Lines and a JSON array under `events/`.
async fn extract_json(connector: &Connector, session: &Session, bucket: &str) {
    use connector_templates::json_extract::{Options, run};
    let lines: String = (1..=6)
        .map(|i| {
            format!(
                "{{\"event\":\"{}\",\"user\":{{\"id\":{i},\"plan\":\"{}\"}}}}\n",
                ["login", "purchase"][i % 2],
                ["free", "pro"][i % 2]
            )
        })
        .collect();
    session.ok("put_object_text", json!({"bucket": bucket, "key": "events/day1.jsonl", "content": lines})).await;
    let array = r#"[{"event": "purchase", "user": {"id": 7, "plan": "pro"}}, {"event": "logout", "user": {"id": 8}}]"#;
    session.ok("put_object_text", json!({"bucket": bucket, "key": "events/day2.json", "content": array})).await;
    let options = Options {
        bucket: bucket.to_string(),
        prefix: "events/".into(),
        select: vec!["/user/id".into(), "event".into()],
        filter: vec![json!({"field": "event", "op": "eq", "value": "purchase"})],
        destination_key: Some("results/purchases.jsonl".into()),
    };
    let extracted = run(connector, &options).await.expect("extraction");
    println!("\n=== Extract AWS S3 data as JSON (purchases under events/, also written to results/purchases.jsonl)");
    println!("{}", serde_json::to_string_pretty(&extracted.records).unwrap_or_default());
}

/// *Extract and transform CSV data from AWS S3*: a semicolon-separated sales file to JSON Lines.
async fn transform_csv(connector: &Connector, session: &Session, bucket: &str) {
    use connector_templates::csv_transform::{Options, run};
    let mut csv = String::from("order;placed;region;amount\n");
    for i in 1..=10_000 {
        csv.push_str(&format!("{i};2024-03-{:02};{};{}.50\n", i % 28 + 1, ["north", "south"][i % 2], i % 400));
    }
    session.ok("put_object_text", json!({"bucket": bucket, "key": "sales/march.csv", "content": csv})).await;
    let options = Options {
        bucket: bucket.to_string(),
        key: "sales/march.csv".into(),
        destination_key: "sales/march-large-south.jsonl".into(),
        select: vec!["order".into(), "placed".into(), "amount".into()],
        filter: vec![
            json!({"field": "region", "op": "eq", "value": "south"}),
            json!({"field": "amount", "op": "gt", "value": 350}),
        ],
        convert: serde_json::from_value(json!({"order": "integer", "amount": "number", "placed": "date"}))
            .expect("conversions"),
        rename: serde_json::from_value(json!({"order": "order_id"})).expect("names"),
        csv: Some(json!({"delimiter": ";"})),
    };
    let report = run(connector, &options).await.expect("transformation");
    println!("\n=== Extract and transform CSV data from AWS S3 (south, amount > 350, to JSON Lines)");
    println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    let sample = session
        .ok("extract_records", json!({"bucket": bucket, "key": "sales/march-large-south.jsonl", "limit": 3}))
        .await;
    println!("first records: {}", sample["records"]);
}
