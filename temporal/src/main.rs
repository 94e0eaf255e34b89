//! `s3-temporal-worker`: a Temporal activity worker that runs every S3 connector operation as an
//! activity named `s3.<operation id>` (its input: the operation's JSON input), each in a fresh
//! sandboxed instance under the worker's policy. `docs/scaling.md` says how to deploy it.

mod activities;
mod backup;
mod config;
mod outcome;
mod resume;

use activities::S3Activities;
use backup::BackupActivities;
use config::{SalesforceOrg, WorkerConfig};
use connector_host::{FileAccess, Policy, Runtime};
use connector_templates::salesforce::Org;
use connector_templates::salesforce_backup::{backup_connector, is_local_url};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions, Url};
use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::{Worker, WorkerOptions};

/// The S3 connector component, built for this binary by `build.rs`.
static S3_CONNECTOR: &[u8] = include_bytes!(env!("S3_CONNECTOR_WASM_PATH"));

#[tokio::main]
async fn main() -> ExitCode {
    let config = match WorkerConfig::from_args(std::env::args().collect(), |name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("s3-temporal-worker: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the connector, connects to Temporal and serves the task queue until stopped.
async fn run(config: WorkerConfig) -> Result<(), String> {
    let slots = u32::try_from(config.max_concurrent).map_err(|_| "--max-concurrent is too large")?;
    let runtime = Arc::new(
        Runtime::builder()
            .trust_declared_outbound()
            .with_pooling(slots, 64 << 20)
            .build(S3_CONNECTOR)
            .map_err(|e| format!("cannot load the connector: {e}"))?,
    );
    let info = runtime.describe().await.map_err(|e| format!("cannot describe the connector: {e}"))?;
    let operations: Vec<String> = info.operations.iter().map(|op| op.id.clone()).collect();
    let policy = Policy {
        files: FileAccess { root: config.files.clone(), writable: config.files.is_some() },
        allow_private_networks: config.endpoint_named,
        ..Policy::default()
    };
    let backup = match &config.salesforce {
        Some(org) => Some(backup_activities(runtime.clone(), &config, org).await?),
        None => None,
    };
    let activities = S3Activities::new(runtime, config.auth, policy, operations.clone());

    let sdk_runtime = temporalio_sdk::Runtime::from_current_tokio(Default::default()).map_err(|e| e.to_string())?;
    let url = Url::from_str(&config.temporal_address).map_err(|e| format!("--temporal-address: {e}"))?;
    let connection = Connection::connect(ConnectionOptions::new(url).build())
        .await
        .map_err(|e| format!("cannot reach Temporal at {}: {e}", config.temporal_address))?;
    let client =
        Client::new(connection, ClientOptions::new(config.namespace.clone()).build()).map_err(|e| e.to_string())?;
    let tuner = TunerHolder::builder()
        .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .activity_task_slot_supplier(FixedSizeSlotSupplier::new(config.max_concurrent))
        .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
        .build();
    let backs_up = backup.is_some();
    let mut options = WorkerOptions::new(config.task_queue.clone()).register_activities(activities);
    if let Some(backup) = backup {
        options = options.register_activities(backup);
    }
    let options = options.tuner(tuner).maybe_client_identity_override(config.identity.clone()).build();
    let mut worker = Worker::new(&sdk_runtime, client, options).map_err(|e| e.to_string())?;
    let stop = Arc::new(worker.shutdown_handle());
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop();
    });
    eprintln!(
        "s3-temporal-worker: {} activities (s3.{}, ...){} on task queue {:?}, at most {} at once",
        operations.len(),
        operations.first().map_or("", String::as_str),
        if backs_up { " and the backup template's (salesforce_backup.*)" } else { "" },
        config.task_queue,
        config.max_concurrent
    );
    worker.run().await.map_err(|e| e.to_string())
}

/// The backup template's activities for `org`, sharing the worker's compiled connector.
async fn backup_activities(
    runtime: Arc<Runtime>,
    config: &WorkerConfig,
    org: &SalesforceOrg,
) -> Result<BackupActivities, String> {
    let auth = serde_json::from_str(&config.auth).map_err(|e| e.to_string())?;
    // A named S3 endpoint, or an org on this machine, may be on a private network: the
    // operator's own choice, as for the CLI.
    let allow_private = config.endpoint_named || is_local_url(&org.instance_url);
    let connector = backup_connector(runtime, auth, &org.instance_url, allow_private)
        .await
        .map_err(|e| format!("cannot set up the backup template: {e}"))?;
    Ok(BackupActivities::new(connector, Org::new(&org.instance_url, &org.token)))
}
