//! One operation from the command line: its input, the auth from the AWS configuration, the
//! sandbox policy, the files it may touch, and the invocation itself.

use crate::cli::aws_config::{self, ConfigError, Overrides};
use crate::cli::error::CliError;
use crate::cli::output::{self, OutputFormat};
use crate::cli::{commands, progress_bar, report};
use clap::ArgMatches;
use connector_host::policy::rule_for_url;
use connector_host::progress::Transfer;
use connector_host::trust::CaBundle;
use connector_host::{Cancellation, ConnectorInfo, FileAccess, Invocation, OutboundRule, Policy, Runtime};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs operation subcommand `name` (or `invoke`) and prints its outcome.
pub(crate) async fn run(
    runtime: &Runtime,
    info: &ConnectorInfo,
    name: &str,
    sub: &ArgMatches,
    matches: &ArgMatches,
) -> Result<ExitCode, CliError> {
    let debug = matches.get_flag("debug");
    let format = OutputFormat::from_matches(matches).map_err(CliError::Usage)?;
    let (operation, mut input) = operation_call(info, name, sub, matches)?;
    let (auth, ca_bundle) = resolve_auth(matches, debug).await?;
    let mut policy = base_policy(matches, &auth, &input)?;
    policy.ca_bundle = ca_bundle;
    policy.outbound = outbound_rules(runtime, matches, &auth, &input).await?;
    let direction = grant_files(&mut policy, matches, &operation, &mut input);
    if debug {
        eprintln!(
            "debug: operation {operation}, input {}, time limit {:?}, memory limit {} MiB",
            output::terminal_safe(&redacted_input(&input).to_string()),
            policy.time_limit,
            policy.memory_limit >> 20
        );
    }
    let started = Instant::now();
    let invocation = invoke(runtime, &operation, &auth, &input, policy.clone(), direction).await?;
    if debug {
        eprintln!("debug: invocation took {:?}", started.elapsed());
        for denied in &invocation.denied {
            eprintln!("debug: egress policy refused {}", output::terminal_safe(denied));
        }
    }
    Ok(report::outcome(&operation, invocation, policy.dry_run, format))
}

/// The operation id and its input: from `--input` and the subcommand's flags, or for `invoke`
/// from `--input` alone.
fn operation_call(
    info: &ConnectorInfo,
    name: &str,
    sub: &ArgMatches,
    matches: &ArgMatches,
) -> Result<(String, Value), CliError> {
    let base = read_input(matches.get_one::<String>("input")).map_err(CliError::Usage)?;
    if name == "invoke" {
        let id = sub.get_one::<String>("operation").cloned().unwrap_or_default();
        return Ok((id, base.unwrap_or_else(|| serde_json::json!({}))));
    }
    let wanted = name.replace('-', "_");
    let op = info
        .operations
        .iter()
        .find(|o| o.id == wanted)
        .ok_or_else(|| CliError::Usage(format!("unknown command {name}")))?;
    let input = commands::operation_input(op, sub, base).map_err(CliError::Usage)?;
    Ok((op.id.clone(), input))
}

/// The auth object from the AWS configuration (flags, environment, profile files), and the CA
/// bundle it names, if any.
pub(super) async fn resolve_auth(matches: &ArgMatches, debug: bool) -> Result<(Value, Option<CaBundle>), CliError> {
    let overrides = Overrides {
        profile: matches.get_one::<String>("profile").cloned(),
        region: matches.get_one::<String>("region").cloned(),
        endpoint: matches.get_one::<String>("endpoint-url").cloned(),
        checksum: matches.get_one::<String>("checksum").cloned(),
        payload_signing: matches.get_one::<String>("payload-signing").cloned(),
        ca_bundle: matches.get_one::<String>("ca-bundle").cloned(),
    };
    let settings = aws_config::resolve(&overrides).await.map_err(|ConfigError(message)| CliError::Config(message))?;
    if debug {
        eprintln!("debug: settings {settings:?}");
    }
    let addressing = matches.get_one::<String>("addressing").map(String::as_str);
    let auth = settings.auth_json(addressing).map_err(|ConfigError(message)| CliError::Config(message))?;
    let bundle = settings
        .ca_bundle
        .as_ref()
        .map(|path| {
            let pem = std::fs::read(path)
                .map_err(|e| CliError::Config(format!("cannot read the CA bundle {}: {e}", path.display())))?;
            CaBundle::from_pem(&pem).map_err(|e| CliError::Config(format!("{}: {e}", path.display())))
        })
        .transpose()?;
    Ok((auth, bundle))
}

/// The sandbox limits from the flags. The user chose the endpoint and any source URL: those may
/// be on their own network, so private addresses are allowed when they named one.
pub(super) fn base_policy(matches: &ArgMatches, auth: &Value, input: &Value) -> Result<Policy, CliError> {
    let user_named_a_host = auth.get("endpoint").is_some_and(Value::is_string) || input.get("url").is_some();
    let pinned_time = matches
        .get_one::<String>("pin-time")
        .map(|text| connector_host::clock::parse_time(text))
        .transpose()
        .map_err(|e| CliError::Usage(format!("--pin-time: {e}")))?;
    Ok(Policy {
        allow_private_networks: user_named_a_host,
        time_limit: Duration::from_secs(*matches.get_one::<u64>("timeout").unwrap_or(&900)),
        memory_limit: matches.get_one::<usize>("memory-limit-mb").copied().unwrap_or(64) * 1024 * 1024,
        dry_run: matches.get_flag("dry-run"),
        pinned_time,
        ..Policy::default()
    })
}

/// Where the invocation may connect: `--allow-outbound` if given; else what the connector
/// declares for this auth (`None`), plus the origin of a source URL named on the command line.
pub(super) async fn outbound_rules(
    runtime: &Runtime,
    matches: &ArgMatches,
    auth: &Value,
    input: &Value,
) -> Result<Option<Vec<OutboundRule>>, CliError> {
    if let Some(rules) = matches.get_many::<String>("allow-outbound") {
        let rules = rules.map(|rule| rule.parse::<OutboundRule>()).collect::<Result<Vec<_>, _>>();
        return rules.map(Some).map_err(|e| CliError::Usage(format!("--allow-outbound: {e}")));
    }
    let Some(Value::String(url)) = input.get("url") else { return Ok(None) };
    let declared = runtime.declared_outbound().await.map_err(|e| CliError::Failed(e.to_string()))?;
    let mut rules = declared.rules_for(&auth.to_string()).map_err(|e| CliError::Usage(e.to_string()))?;
    rules.push(rule_for_url(url).map_err(|e| CliError::Usage(format!("--url: {e}")))?);
    Ok(Some(rules))
}

/// Grants the file store: `--file-root`, else the directory of the file the input names (whose
/// name becomes relative to it), else the current directory. Returns the transfer a progress bar
/// should follow, if the operation moves a file.
fn grant_files(
    policy: &mut Policy,
    matches: &ArgMatches,
    operation: &str,
    input: &mut Value,
) -> Option<progress_bar::Direction> {
    let file_root = matches.get_one::<String>("file-root");
    let direction = transfer_direction(operation, input, file_root);
    let mut root = file_root.map(PathBuf::from);
    if let Some(Value::String(path)) = input.get("file").cloned() {
        let (dir, file_name) = split_file_path(&path, file_root);
        root = Some(dir);
        input["file"] = Value::String(file_name);
    }
    policy.files = FileAccess { root: Some(root.unwrap_or_else(|| PathBuf::from("."))), writable: true };
    direction
}

/// Runs the invocation, with a progress bar on a terminal while a file moves.
async fn invoke(
    runtime: &Runtime,
    operation: &str,
    auth: &Value,
    input: &Value,
    mut policy: Policy,
    direction: Option<progress_bar::Direction>,
) -> Result<Invocation, CliError> {
    let bar = direction.filter(|_| !policy.dry_run).and_then(|direction| {
        let transfer = Arc::new(Transfer::default());
        policy.progress = Some(transfer.clone());
        progress_bar::ProgressBar::start(transfer, direction)
    });
    let _cancel_on_interrupt = cancel_on_interrupt(&mut policy);
    let outcome = runtime.invoke(operation, &auth.to_string(), &input.to_string(), &policy).await;
    drop(bar);
    outcome.map_err(|e| CliError::Failed(e.to_string()))
}

/// The first Ctrl-C cancels the invocation (an upload in progress is aborted, nothing is left
/// behind); the second ends the process at once. The handler stops with the returned guard.
pub(super) fn cancel_on_interrupt(policy: &mut Policy) -> AbortOnDrop {
    let cancellation = Arc::new(Cancellation::new());
    policy.cancellation = Some(cancellation.clone());
    AbortOnDrop(tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ncancelling (cleaning up; press Ctrl-C again to quit at once)");
            cancellation.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    }))
}

/// Stops a spawned task when dropped.
pub(super) struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(super) fn read_input(text: Option<&String>) -> Result<Option<Value>, String> {
    let Some(text) = text else { return Ok(None) };
    let json = match text.strip_prefix('@').or_else(|| text.strip_prefix("file://")) {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("--input: cannot read {path}: {e}"))?,
        None => text.clone(),
    };
    serde_json::from_str(&json).map(Some).map_err(|e| format!("--input is not valid JSON: {e}"))
}

/// Makes a host path usable as a file-store name: the file store root becomes its directory.
fn split_file_path(path: &str, root: Option<&String>) -> (PathBuf, String) {
    if let Some(root) = root {
        return (PathBuf::from(root), path.to_string());
    }
    let full = Path::new(path);
    let absolute =
        if full.is_absolute() { full.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(full) };
    let dir = absolute.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let name = absolute.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (dir, name)
}

/// The input as `--debug` prints it: URLs without their credentials, secret fields hidden.
fn redacted_input(input: &Value) -> Value {
    match input {
        Value::String(text) if text.starts_with("http://") || text.starts_with("https://") => {
            Value::String(connector_host::redact::url(text))
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let lower = key.to_ascii_lowercase();
                    let secret = ["secret", "token", "password", "customer_key", "authorization", "headers"]
                        .iter()
                        .any(|s| lower.contains(s));
                    let shown = if secret {
                        Value::String(connector_host::redact::REDACTED.into())
                    } else {
                        redacted_input(value)
                    };
                    (key.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted_input).collect()),
        other => other.clone(),
    }
}

/// Which transfer a progress bar should follow, for operations that move files.
fn transfer_direction(operation: &str, input: &Value, file_root: Option<&String>) -> Option<progress_bar::Direction> {
    let file = input.get("file")?.as_str()?;
    match operation {
        "put_object_file" => {
            let path = file_root.map_or_else(|| PathBuf::from(file), |root| Path::new(root).join(file));
            Some(progress_bar::Direction::Upload(std::fs::metadata(path).ok()?.len()))
        }
        "get_object" => Some(progress_bar::Direction::Download),
        _ => None,
    }
}
