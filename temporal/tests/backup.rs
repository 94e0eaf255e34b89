//! The backup template on Temporal: the `SalesforceBackup` workflow (Python, the official SDK)
//! fans its copies out across two worker processes and ends with the single-process template's
//! report, and the same backups, for the same org — a first run; after the org changes (a new
//! version, a removed, a renamed and a new document, a download that keeps failing) a dry run
//! and a real run; then the run that finishes the failed file.

mod support;

use connector_templates::salesforce::Org;
use connector_templates::salesforce_backup::{Options, backup_connector, run};
use s3_test_support::salesforce::{FakeOrg, OrgFile};
use s3_test_support::{Session, runtime, target};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use support::{python_scenario, start_temporal, start_worker, temporal_bin_dir};

fn content(seed: u8, size: usize) -> Vec<u8> {
    (0..size).map(|i| (i as u8).wrapping_mul(29).wrapping_add(seed)).collect()
}

/// Runs the backup both ways — in this process into `single`, on Temporal into `fanned` — and
/// checks that the reports are the same; the workers that ran the workflow's copies.
async fn both_ways(
    connector: &connector_templates::connector::Connector,
    org: &Org,
    bin: &Path,
    scenario: &Value,
    single: &str,
    fanned: &str,
    dry_run: bool,
) -> (Value, BTreeSet<String>) {
    let options = Options { bucket: single.into(), prefix: "backups/".into(), delete_removed: true, dry_run };
    let expected = run(connector, org, &options).await.expect("the single-process run").to_json();
    let mut args = scenario.clone();
    args["bucket"] = json!(fanned);
    args["dry_run"] = json!(dry_run);
    let outcome = python_scenario(bin, "backup_scenario.py", &args).await;
    assert_eq!(outcome["report"], expected, "the workflow's report is the single-process one");
    let workers = outcome["copies"].as_array().into_iter().flatten();
    let workers = workers.filter_map(|attempt| attempt["identity"].as_str().map(str::to_string)).collect();
    (expected, workers)
}

/// Each backup in `bucket`: its key, size, ETag and the metadata the template sets.
async fn backups(session: &Session, bucket: &str) -> Vec<Value> {
    let listing = session.ok("list_objects", json!({"bucket": bucket, "prefix": "backups/", "fetch_all": true})).await;
    let mut found = Vec::new();
    for object in listing["objects"].as_array().into_iter().flatten() {
        let head = session.ok("head_object", json!({"bucket": bucket, "key": object["key"]})).await;
        found.push(json!({"key": object["key"], "size": object["size"], "etag": object["etag"],
                          "metadata": head["metadata"], "content_type": head["content_type"]}));
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_workflow_fans_out_and_matches_the_single_process_run() {
    let bin = temporal_bin_dir();
    let work = tempfile::tempdir().unwrap();
    let (_server, temporal) = start_temporal(&bin, work.path());
    let session = Session::new();
    let single = session.bucket("sf-single").await;
    let fanned = session.bucket("sf-temporal").await;
    let mut files: Vec<OrgFile> = (0..8)
        .map(|i| {
            OrgFile::new(&format!("069{i:03}"), &format!("Document {i}"), "pdf", content(i, 40_000 + 1000 * i as usize))
        })
        .collect();
    files.push(OrgFile::new("069B", "Q3 numbers", "csv", b"region,total\nnorth,1\n".to_vec()));
    files.push(OrgFile::new("069E", "Big scan", "pdf", content(50, 6 << 20)));
    let fake = FakeOrg::start(files).await;
    let org = Org::new(&fake.instance_url, &fake.token);
    let connector = backup_connector(runtime().into(), session.auth.clone(), &fake.instance_url, true).await.unwrap();

    // Two workers taking one activity at a time each: the copies have to spread over both.
    let endpoint = target().endpoint.clone().expect("a local or configured endpoint");
    let queue = format!("s3-backup-{}", std::process::id());
    let org_env = [("SF_INSTANCE_URL", fake.instance_url.as_str()), ("SF_ACCESS_TOKEN", fake.token.as_str())];
    let flags = ["--salesforce-backup", "--max-concurrent", "1"];
    let _workers = ["worker-a", "worker-b"].map(|identity| {
        let files = work.path().join(identity);
        start_worker(identity, &temporal, &queue, &endpoint, &files, &flags, &org_env)
    });
    let scenario = json!({"address": temporal, "queue": queue, "prefix": "backups/", "delete_removed": true,
                          "workers": ["worker-a", "worker-b"]});

    let (first, workers) = both_ways(&connector, &org, &bin, &scenario, &single, &fanned, false).await;
    assert_eq!(first["uploaded"].as_array().map(Vec::len), Some(10), "{first}");
    assert_eq!(workers, BTreeSet::from(["worker-a".to_string(), "worker-b".to_string()]), "the copies fanned out");
    assert_eq!(backups(&session, &single).await, backups(&session, &fanned).await, "the same backups");

    {
        let mut state = fake.state.lock().unwrap();
        state.files[0].next_version(content(100, 45_000));
        state.files.retain(|f| f.document_id != "069B");
        state.files.iter_mut().find(|f| f.document_id == "069003").unwrap().title = "Renamed".into();
        state.files.push(OrgFile::new("069G", "Minutes", "txt", b"minutes".to_vec()));
        let failing = state.files.iter_mut().find(|f| f.document_id == "069005").unwrap();
        failing.next_version(content(101, 1000));
        state.failing_version = Some(failing.version_id.clone());
    }
    let (plan, _) = both_ways(&connector, &org, &bin, &scenario, &single, &fanned, true).await;
    let (changed, _) = both_ways(&connector, &org, &bin, &scenario, &single, &fanned, false).await;
    for field in ["uploaded", "deleted"] {
        assert_eq!(plan[field], changed[field], "the dry run planned exactly this");
    }
    assert_eq!(plan["updated"], json!(["backups/069000/Document 0.pdf", "backups/069005/Document 5.pdf"]));
    assert_eq!(changed["updated"], json!(["backups/069000/Document 0.pdf"]), "{changed}");
    assert_eq!(changed["failed"][0]["key"], "backups/069005/Document 5.pdf", "{changed}");
    assert!(!changed.to_string().contains(&fake.token), "the token never shows");
    assert_eq!(backups(&session, &single).await, backups(&session, &fanned).await, "the same backups");

    fake.state.lock().unwrap().failing_version = None;
    let (finished, _) = both_ways(&connector, &org, &bin, &scenario, &single, &fanned, false).await;
    assert_eq!(finished["updated"], json!(["backups/069005/Document 5.pdf"]), "{finished}");
    assert_eq!(finished["failed"], json!([]), "{finished}");
    assert_eq!(backups(&session, &single).await, backups(&session, &fanned).await, "the same backups");
    session.remove_bucket(&single).await;
    session.remove_bucket(&fanned).await;
}
