//! The *Sync Salesforce files to AWS S3 backups* template, run with one command against a local
//! Garage and a loopback org with sample files (Salesforce itself cannot be reached here): a dry
//! run, the first backup, then — after the org changes — the incremental one. Prints each report.

use connector_host::Policy;
use connector_host::policy::rule_for_url;
use connector_templates::connector::Connector;
use connector_templates::salesforce::Org;
use connector_templates::salesforce_backup::{Options, run};
use s3_test_support::salesforce::{FakeOrg, OrgFile};
use s3_test_support::{Session, runtime, target, unique_bucket};
use serde_json::json;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let target = target();
    println!("S3 server: {:?} at {}", target.kind, target.endpoint.as_deref().unwrap_or("AWS"));
    let session = Session::new();
    let bucket = unique_bucket("sf-backups");
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
    let runtime = runtime();
    let mut rules =
        runtime.declared_outbound().await.expect("declared").rules_for(&session.auth.to_string()).expect("rules");
    rules.push(rule_for_url(&fake.instance_url).expect("org rule"));
    let policy = Policy { outbound: Some(rules), allow_private_networks: true, ..Policy::default() };
    let connector = Connector { runtime, auth: session.auth.clone(), policy };
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
    session.remove_bucket(&bucket).await;
}
