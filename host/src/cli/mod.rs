//! The `s3c` command: resolve settings, load the component (cached), run one invocation, print.
//! Each step is a small fallible function; [`CliError`] says how a failed one ends the process.

mod aws_config;
mod commands;
mod error;
mod iam;
mod invocation;
mod output;
mod platform;
mod progress_bar;
mod report;

use clap::ArgMatches;
use connector_host::{ConnectorInfo, Runtime};
use error::CliError;
use output::OutputFormat;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// The S3 connector component, built for this binary by `host/build.rs` (the `component` profile).
static S3_CONNECTOR: &[u8] = include_bytes!(env!("S3_CONNECTOR_WASM_PATH"));

/// The portable build of the same connector (its file store over `wasi:filesystem`), for other
/// runtimes: written out by `s3c component --portable`.
static S3_CONNECTOR_PORTABLE: &[u8] = include_bytes!(env!("S3_CONNECTOR_PORTABLE_WASM_PATH"));

/// Runs the CLI; the exit code follows the AWS CLI's (0, 252 usage, 253 configuration, 254 the
/// service refused, 255 anything else).
pub(crate) fn run() -> ExitCode {
    match try_run() {
        Ok(code) => code,
        Err(error) => error.report(),
    }
}

fn try_run() -> Result<ExitCode, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(main_async())
}

async fn main_async() -> Result<ExitCode, CliError> {
    let args: Vec<String> = std::env::args().collect();
    let started = Instant::now();
    let runtime = load_runtime(&args)?;
    let info = runtime.describe().await.map_err(|e| CliError::Failed(e.to_string()))?;
    let matches = commands::build(&info).try_get_matches_from(&args).map_err(CliError::Arguments)?;
    if matches.get_flag("debug") {
        print_load_stats(&runtime, started);
    }
    let (name, sub) = matches.subcommand().ok_or_else(|| CliError::Usage("name a command (see --help)".into()))?;
    match name {
        "describe" => print_manifest(&info),
        "imports" => print_imports(&runtime),
        "component" => write_component(sub),
        "policy" => print_policy(&info, sub),
        "check" | "options" | "poll" => platform::run(&runtime, name, sub, &matches).await,
        _ => invocation::run(&runtime, &info, name, sub, &matches).await,
    }
}

/// The runtime with the S3 connector, its compiled form cached where `--cache-dir` says.
fn load_runtime(args: &[String]) -> Result<Runtime, CliError> {
    // The CLI runs the S3 connector it was built with: its declaration (S3's host names, or the
    // user's endpoint) is the policy.
    let mut builder = Runtime::builder().trust_declared_outbound();
    if let Some(dir) = cache_dir(args) {
        builder = builder.with_cache_dir(dir);
    }
    builder.build(S3_CONNECTOR).map_err(|e| CliError::Failed(e.to_string()))
}

/// `--cache-dir DIR` wherever it stands on the command line (it is needed before the full
/// command exists: the subcommands are built from the component's manifest), then the defaults.
fn cache_dir(args: &[String]) -> Option<PathBuf> {
    let named = args.iter().enumerate().find_map(|(i, arg)| match arg.strip_prefix("--cache-dir") {
        Some("") => args.get(i + 1).cloned(),
        Some(value) => value.strip_prefix('=').map(str::to_string),
        None => None,
    });
    named.map(PathBuf::from).or_else(default_cache_dir)
}

fn print_load_stats(runtime: &Runtime, started: Instant) {
    let (hit, took) = runtime.load_stats();
    let cache = if hit { "hit" } else { "miss" };
    eprintln!("debug: component loaded in {took:?} (compiled cache {cache}), startup {:?}", started.elapsed());
    if let Some(warning) = runtime.cache_warning() {
        eprintln!("debug: {warning}");
    }
}

fn print_manifest(info: &ConnectorInfo) -> Result<ExitCode, CliError> {
    println!("{}", OutputFormat::Json.render(&manifest_json(info)));
    Ok(ExitCode::SUCCESS)
}

fn print_imports(runtime: &Runtime) -> Result<ExitCode, CliError> {
    for import in runtime.imports() {
        println!("{import}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `s3c component`: writes the component (or its portable build) to `--output`.
fn write_component(sub: &ArgMatches) -> Result<ExitCode, CliError> {
    let output = sub.get_one::<String>("output").map(String::as_str).unwrap_or_default();
    let bytes = if sub.get_flag("portable") { S3_CONNECTOR_PORTABLE } else { S3_CONNECTOR };
    std::fs::write(output, bytes).map_err(|e| CliError::Failed(format!("cannot write {output}: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// `s3c policy`: the least IAM policy for the operations and buckets named.
fn print_policy(info: &ConnectorInfo, sub: &ArgMatches) -> Result<ExitCode, CliError> {
    let strings = |name: &str| sub.get_many::<String>(name).map(|v| v.cloned().collect::<Vec<_>>()).unwrap_or_default();
    let key_prefix = sub.get_one::<String>("key-prefix").map(String::as_str);
    // The same `--input` an operation takes: the fields it gives can need more (a version id, an
    // ACL, tags, a KMS key).
    let input = invocation::read_input(sub.get_one::<String>("input")).map_err(CliError::Usage)?.unwrap_or(Value::Null);
    let policy = iam::minimal_policy(info, &strings("operations"), &strings("bucket"), key_prefix, &input)
        .map_err(CliError::Usage)?;
    let partition = match (sub.get_one::<String>("partition"), sub.get_one::<String>("region")) {
        (Some(partition), _) => partition.clone(),
        (None, Some(region)) => iam::partition_of(region).to_string(),
        (None, None) => "aws".to_string(),
    };
    let mut policy = iam::in_partition(policy, &partition);
    if sub.get_flag("bucket-policy") {
        let principal = sub
            .get_one::<String>("principal")
            .ok_or_else(|| CliError::Usage("--bucket-policy needs --principal ARN (who the bucket grants)".into()))?;
        let (bucket_policy, left_out) = iam::as_bucket_policy(policy, principal);
        if !left_out.is_empty() {
            eprintln!(
                "note: a bucket policy cannot grant {} (it applies to every bucket); grant it in an identity policy",
                left_out.join(", ")
            );
        }
        policy = bucket_policy;
    }
    println!("{}", OutputFormat::Json.render(&policy));
    Ok(ExitCode::SUCCESS)
}

/// The manifest as JSON, its schemas parsed.
fn manifest_json(info: &ConnectorInfo) -> Value {
    let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
    serde_json::json!({
        "name": info.name,
        "title": info.title,
        "version": info.version,
        "description": info.description,
        "auth_schema": parse(&info.auth_schema),
        "operations": info.operations.iter().map(|op| serde_json::json!({
            "id": op.id,
            "title": op.title,
            "description": op.description,
            "annotations": {
                "read_only": op.annotations.read_only,
                "destructive": op.annotations.destructive,
                "idempotent": op.annotations.idempotent,
            },
            "permissions": op.permissions.iter().map(|p| serde_json::json!({"actions": p.actions, "resource": p.resource})).collect::<Vec<_>>(),
            "input_schema": parse(&op.input_schema),
            "output_schema": parse(&op.output_schema),
        })).collect::<Vec<_>>(),
        "triggers": info.triggers.iter().map(|trigger| serde_json::json!({
            "id": trigger.id,
            "title": trigger.title,
            "description": trigger.description,
            "suggested_interval_seconds": trigger.suggested_interval_seconds,
            "permissions": trigger.permissions.iter().map(|p| serde_json::json!({"actions": p.actions, "resource": p.resource})).collect::<Vec<_>>(),
            "config_schema": parse(&trigger.config_schema),
            "event_schema": parse(&trigger.event_schema),
        })).collect::<Vec<_>>(),
    })
}

/// Where compiled components are cached when `--cache-dir` is not given.
fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(|d| PathBuf::from(d).join("s3c"))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/s3c")))
}
