//! `s3c check`, `s3c options` and `s3c poll`: the connection check, a field's choices and a
//! trigger, as a workflow platform would call them.

use crate::cli::error::CliError;
use crate::cli::invocation::{base_policy, cancel_on_interrupt, outbound_rules, read_input, resolve_auth};
use crate::cli::output::{self, OutputFormat};
use crate::cli::report;
use clap::ArgMatches;
use connector_host::{Choices, Policy, Runtime};
use serde_json::{Value, json};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// Runs `check`, `options` or `poll`.
pub(super) async fn run(
    runtime: &Runtime,
    name: &str,
    sub: &ArgMatches,
    matches: &ArgMatches,
) -> Result<ExitCode, CliError> {
    let format = OutputFormat::from_matches(matches).map_err(CliError::Usage)?;
    let (auth, ca_bundle) = resolve_auth(matches, matches.get_flag("debug")).await?;
    let mut policy = base_policy(matches, &auth, &Value::Null)?;
    policy.ca_bundle = ca_bundle;
    policy.outbound = outbound_rules(runtime, matches, &auth, &Value::Null).await?;
    let auth = auth.to_string();
    let failed = |e: connector_host::HostError| CliError::Failed(e.to_string());
    match name {
        "check" => {
            let bucket = sub.get_one::<String>("bucket").map(String::as_str);
            let invocation = runtime.check(&auth, bucket, &policy).await.map_err(failed)?;
            Ok(report::outcome("check", invocation, false, format))
        }
        "options" => {
            let operation = sub.get_one::<String>("operation").map(|o| o.replace('-', "_")).unwrap_or_default();
            let field = sub.get_one::<String>("field").map(|f| f.replace('-', "_")).unwrap_or_default();
            let partial = read_input(matches.get_one::<String>("input")).map_err(CliError::Usage)?.unwrap_or(json!({}));
            let cursor = sub.get_one::<String>("cursor").map(String::as_str);
            let invocation = runtime
                .options(&operation, &field, &auth, &partial.to_string(), cursor, &policy)
                .await
                .map_err(failed)?;
            Ok(report::outcome("options", invocation.map(|choices| choices_json(choices).to_string()), false, format))
        }
        _ => poll(runtime, sub, &auth, policy).await,
    }
}

/// `s3c poll`: polls until nothing more is ready (and, with `--watch`, again every so often),
/// printing each event as a JSON line and saving the state after the events it follows.
async fn poll(runtime: &Runtime, sub: &ArgMatches, auth: &str, mut policy: Policy) -> Result<ExitCode, CliError> {
    let trigger = sub.get_one::<String>("trigger").cloned().unwrap_or_default();
    let config =
        read_input(sub.get_one::<String>("config")).map_err(|e| CliError::Usage(e.replace("--input", "--config")))?;
    let config = config.unwrap_or(json!({})).to_string();
    let state_file = sub.get_one::<String>("state-file").map(Path::new);
    let mut state = match state_file {
        Some(path) if path.exists() => Some(
            std::fs::read_to_string(path)
                .map_err(|e| CliError::Config(format!("cannot read the state file {}: {e}", path.display())))?,
        ),
        _ => None,
    };
    let watch = sub.get_one::<u64>("watch").map(|s| Duration::from_secs(*s));
    let _interrupt = cancel_on_interrupt(&mut policy);
    let cancelled = policy.cancellation.clone().expect("set by cancel_on_interrupt");
    loop {
        let invocation = runtime
            .poll(&trigger, auth, &config, state.as_deref(), &policy)
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?;
        let result = match invocation.result {
            Ok(result) => result,
            Err(error) => return Ok(report::error_outcome("poll", &error)),
        };
        for event in &result.events {
            // Compact JSON: one line per event, whatever the event's strings hold.
            println!("{}", output::json_safe(&event.to_string()));
        }
        if let Some(path) = state_file {
            save_state(path, &result.state)?;
        }
        state = Some(result.state);
        if cancelled.is_requested() {
            return Ok(ExitCode::SUCCESS);
        }
        if result.has_more && !sub.get_flag("once") {
            continue;
        }
        match watch {
            Some(pause) if !cancelled.is_requested() => {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = cancelled.requested() => return Ok(ExitCode::SUCCESS),
                }
            }
            _ => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// Writes `state` to `path` through a new temporary file beside it (created exclusively, never
/// through a link, readable by the user only), so an interrupted write keeps the old state.
fn save_state(path: &Path, state: &str) -> Result<(), CliError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let failed = |e: std::io::Error| CliError::Config(format!("cannot write the state file {}: {e}", path.display()));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let temporary = path.with_file_name(format!(".{name}.{}-{nanos}.tmp", std::process::id()));
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary).map_err(failed)?;
    let written = file
        .write_all(state.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(failed)
}

fn choices_json(choices: Choices) -> Value {
    json!({
        "choices": choices.items.iter().map(|c| json!({"value": c.value, "label": c.label, "is_group": c.is_group})).collect::<Vec<_>>(),
        "next_cursor": choices.next_cursor,
    })
}
