//! `salesforce-backup`: the *Sync Salesforce files to AWS S3 backups* template from the command
//! line. The org from `SF_INSTANCE_URL` and `SF_ACCESS_TOKEN`; S3 from `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` and `AWS_ENDPOINT_URL` (omit it for AWS); the component
//! from `--component` (built by `cargo build -p s3-connector --profile component --target
//! wasm32-wasip2`). Prints the run's report as JSON.
//!
//! ```text
//! salesforce-backup --bucket backups-bucket [--prefix backups/] [--delete-removed] [--dry-run]
//!                   [--component target/wasm32-wasip2/component/s3_connector.wasm]
//! ```

use connector_host::policy::rule_for_url;
use connector_host::{Policy, Runtime};
use connector_templates::connector::Connector;
use connector_templates::salesforce::Org;
use connector_templates::salesforce_backup::{Options, run};
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
    let connector = connected(runtime, auth, &org).await?;
    let report = run(&connector, &org, &options).await.map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string_pretty(&report.to_json()).unwrap_or_default());
    Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The connector with a policy that reaches S3 (as the connector declares it) and the org.
async fn connected(runtime: Runtime, auth: serde_json::Value, org: &Org) -> Result<Connector, String> {
    let declared = runtime.declared_outbound().await.map_err(|e| e.to_string())?;
    let mut rules = declared.rules_for(&auth.to_string()).map_err(|e| e.to_string())?;
    rules.push(rule_for_url(org.instance_url()).map_err(|e| e.to_string())?);
    // An endpoint or org on this machine (a local test server) is the user's own choice.
    let local = |url: &str| url.contains("://127.0.0.1") || url.contains("://localhost") || url.contains("://[::1]");
    let allow_private_networks = local(org.instance_url()) || auth["endpoint"].as_str().is_some_and(local);
    let policy = Policy { outbound: Some(rules), allow_private_networks, ..Policy::default() };
    Ok(Connector { runtime, auth, policy })
}
