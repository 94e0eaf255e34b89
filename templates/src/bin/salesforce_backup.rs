//! `salesforce-backup`: the *Sync Salesforce files to AWS S3 backups* template from the command
//! line. The org from `SF_INSTANCE_URL` and `SF_ACCESS_TOKEN`; S3 from `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` and `AWS_ENDPOINT_URL` (omit it for AWS); the component
//! from `--component` (as shipped: `s3c component -o FILE`; by default the file `cargo build -p
//! s3-connector --profile component --target wasm32-wasip2` writes, the same component before
//! Binaryen's pass). Prints the run's report as JSON.
//!
//! ```text
//! salesforce-backup --bucket backups-bucket [--prefix backups/] [--delete-removed] [--dry-run]
//!                   [--component target/wasm32-wasip2/component/s3_connector.wasm]
//! ```

use connector_host::Runtime;
use connector_templates::salesforce::Org;
use connector_templates::salesforce_backup::{Options, backup_connector, is_local_url, run};
use serde_json::json;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match backup().await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("salesforce-backup: {message}");
            ExitCode::from(2)
        }
    }
}

async fn backup() -> Result<ExitCode, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let env = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let options = Options {
        bucket: value("--bucket").ok_or("give --bucket")?,
        prefix: value("--prefix").unwrap_or_else(|| "backups/".into()),
        delete_removed: args.iter().any(|a| a == "--delete-removed"),
        dry_run: args.iter().any(|a| a == "--dry-run"),
    };
    let component_path =
        value("--component").unwrap_or_else(|| "target/wasm32-wasip2/component/s3_connector.wasm".into());
    let component = std::fs::read(&component_path).map_err(|e| format!("cannot read {component_path}: {e}"))?;
    let org = Org::new(&env("SF_INSTANCE_URL")?, &env("SF_ACCESS_TOKEN")?);
    let mut auth = json!({"access_key_id": env("AWS_ACCESS_KEY_ID")?, "secret_access_key": env("AWS_SECRET_ACCESS_KEY")?,
                          "region": std::env::var("AWS_REGION").unwrap_or_else(|_| "auto".into())});
    if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
        auth["endpoint"] = json!(endpoint);
    }
    let runtime = Runtime::builder().trust_declared_outbound().build(&component).map_err(|e| e.to_string())?;
    // An endpoint or org on this machine (a local test server) is the user's own choice.
    let allow_private = is_local_url(org.instance_url()) || auth["endpoint"].as_str().is_some_and(is_local_url);
    let connector = backup_connector(runtime.into(), auth, org.instance_url(), allow_private).await?;
    let report = run(&connector, &org, &options).await.map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
