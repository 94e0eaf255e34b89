//! The `s3c` command: resolve settings, load the component (cached), run one invocation, print.

mod aws_config;
mod commands;
mod output;
mod progress_bar;

use aws_config::{ConfigError, Overrides};
use clap::ArgMatches;
use connector_host::policy::{rule_for_url, rules_for_endpoint};
use connector_host::{ConnectorError, ErrorKind, FileAccess, OutboundRule, Policy, Runtime, S3_CONNECTOR};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// AWS CLI exit codes.
const EXIT_USAGE: i32 = 252;
const EXIT_CONFIG: i32 = 253;
const EXIT_SERVICE: i32 = 254;
const EXIT_OTHER: i32 = 255;

/// Runs the CLI and returns the process exit code.
pub fn run() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return EXIT_OTHER;
        }
    };
    runtime.block_on(main_async())
}

/// `--cache-dir DIR` wherever it stands on the command line (it is needed before the full
/// command exists: the subcommands are built from the component's manifest), then the defaults.
fn cache_dir(args: &[String]) -> Option<PathBuf> {
    let named = args.iter().enumerate().find_map(|(i, arg)| match arg.strip_prefix("--cache-dir") {
        Some("") => args.get(i + 1).cloned(),
        Some(value) => value.strip_prefix('=').map(str::to_string),
        None => None,
    });
    named
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("s3c")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/s3c")))
}

async fn main_async() -> i32 {
    let args: Vec<String> = std::env::args().collect();
    let started = std::time::Instant::now();
    let mut builder = Runtime::builder();
    if let Some(dir) = cache_dir(&args) {
        builder = builder.with_cache_dir(dir);
    }
    let runtime = match builder.build(S3_CONNECTOR) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_OTHER;
        }
    };
    let info = match runtime.describe().await {
        Ok(info) => info,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_OTHER;
        }
    };
    let matches = match commands::build(&info).try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let debug = matches.get_flag("debug");
    if debug {
        let (hit, took) = runtime.load_stats();
        eprintln!(
            "debug: component loaded in {took:?} (compiled cache {}), startup {:?}",
            if hit { "hit" } else { "miss" },
            started.elapsed()
        );
        if let Some(warning) = runtime.cache_warning() {
            eprintln!("debug: {warning}");
        }
    }
    let format = matches.get_one::<String>("output").cloned().unwrap_or_else(|| "json".into());
    let (name, sub) = matches.subcommand().expect("subcommand required");
    match name {
        "describe" => {
            println!("{}", serde_json::to_string_pretty(&manifest_json(&info)).unwrap_or_default());
            0
        }
        "imports" => {
            for import in runtime.imports() {
                println!("{import}");
            }
            0
        }
        "policy" => {
            let operations: Vec<String> =
                sub.get_many::<String>("operations").map(|v| v.cloned().collect()).unwrap_or_default();
            let buckets: Vec<String> =
                sub.get_many::<String>("bucket").map(|v| v.cloned().collect()).unwrap_or_default();
            match connector_host::iam::minimal_policy(
                &info,
                &operations,
                &buckets,
                sub.get_one::<String>("key-prefix").map(String::as_str),
            ) {
                Ok(policy) => {
                    println!("{}", serde_json::to_string_pretty(&policy).unwrap_or_default());
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_USAGE
                }
            }
        }
        _ => run_operation(&runtime, &info, name, sub, &matches, &format, debug).await,
    }
}

fn manifest_json(info: &connector_host::ConnectorInfo) -> Value {
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
            "idempotent": op.idempotent,
            "permissions": op.permissions.iter().map(|p| serde_json::json!({"actions": p.actions, "resource": p.resource})).collect::<Vec<_>>(),
            "input_schema": parse(&op.input_schema),
            "output_schema": parse(&op.output_schema),
        })).collect::<Vec<_>>(),
    })
}

fn read_input(text: Option<&String>) -> Result<Option<Value>, String> {
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
    let dir = absolute.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let name = absolute.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (dir, name)
}

#[allow(clippy::too_many_arguments)]
async fn run_operation(
    runtime: &Runtime,
    info: &connector_host::ConnectorInfo,
    name: &str,
    sub: &ArgMatches,
    matches: &ArgMatches,
    format: &str,
    debug: bool,
) -> i32 {
    let base = match read_input(matches.get_one::<String>("input")) {
        Ok(base) => base,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let (operation, mut input) = if name == "invoke" {
        let id = sub.get_one::<String>("operation").cloned().unwrap_or_default();
        (id, base.unwrap_or_else(|| serde_json::json!({})))
    } else {
        let Some(op) = info.operations.iter().find(|o| o.id == name.replace('-', "_")) else {
            eprintln!("error: unknown command {name}");
            return EXIT_USAGE;
        };
        match commands::operation_input(op, sub, base) {
            Ok(input) => (op.id.clone(), input),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
    };
    let overrides = Overrides {
        profile: matches.get_one::<String>("profile").cloned(),
        region: matches.get_one::<String>("region").cloned(),
        endpoint: matches.get_one::<String>("endpoint-url").cloned(),
    };
    let auth = match aws_config::resolve(&overrides).and_then(|s| {
        if debug {
            eprintln!("debug: settings {s:?}");
        }
        s.auth_json(matches.get_one::<String>("addressing").map(String::as_str))
    }) {
        Ok(auth) => auth,
        Err(ConfigError(message)) => {
            eprintln!("error: {message}");
            return EXIT_CONFIG;
        }
    };
    // The user chose the endpoint (and names any source URL): it may be on their own network.
    let user_named_a_host = auth.get("endpoint").is_some_and(Value::is_string) || input.get("url").is_some();
    let mut policy = Policy {
        allow_private_networks: user_named_a_host,
        time_limit: Duration::from_secs(*matches.get_one::<u64>("timeout").unwrap_or(&900)),
        memory_limit: matches.get_one::<usize>("memory-limit-mb").copied().unwrap_or(64) * 1024 * 1024,
        dry_run: matches.get_flag("dry-run"),
        ..Policy::default()
    };
    if let Some(text) = matches.get_one::<String>("pin-time") {
        match connector_host::clock::parse_time(text) {
            Ok(time) => policy.pinned_time = Some(time),
            Err(e) => {
                eprintln!("error: --pin-time: {e}");
                return EXIT_USAGE;
            }
        }
    }
    if let Some(rules) = matches.get_many::<String>("allow-outbound") {
        match rules.map(|r| r.parse::<OutboundRule>()).collect::<Result<Vec<_>, _>>() {
            Ok(rules) => policy.outbound = Some(rules),
            Err(e) => {
                eprintln!("error: --allow-outbound: {e}");
                return EXIT_USAGE;
            }
        }
    }
    // A source URL the user names on the command line is theirs to fetch: allow its origin too.
    if policy.outbound.is_none()
        && let Some(Value::String(url)) = input.get("url")
    {
        let endpoint = auth["endpoint"].as_str().map(String::from);
        match rules_for_endpoint(endpoint.as_deref()).and_then(|mut rules| {
            rules.push(rule_for_url(url)?);
            Ok(rules)
        }) {
            Ok(rules) => policy.outbound = Some(rules),
            Err(e) => {
                eprintln!("error: --url: {e}");
                return EXIT_USAGE;
            }
        }
    }
    let file_root = matches.get_one::<String>("file-root");
    let mut root = file_root.map(PathBuf::from);
    let direction = transfer_direction(&operation, &input, file_root);
    if let Some(Value::String(path)) = input.get("file").cloned() {
        let (dir, file_name) = split_file_path(&path, file_root);
        root = Some(dir);
        input["file"] = Value::String(file_name);
    }
    policy.files = FileAccess { root: Some(root.unwrap_or_else(|| PathBuf::from("."))), writable: true };
    if debug {
        eprintln!(
            "debug: operation {operation}, input {}, time limit {:?}, memory limit {} MiB",
            output::terminal_safe(&redacted_input(&input).to_string()),
            policy.time_limit,
            policy.memory_limit >> 20
        );
    }
    let started = std::time::Instant::now();
    let bar = direction.filter(|_| !policy.dry_run).and_then(|direction| {
        let transfer = std::sync::Arc::new(connector_host::progress::Transfer::default());
        policy.progress = Some(transfer.clone());
        progress_bar::ProgressBar::start(transfer, direction)
    });
    let outcome = runtime.invoke(&operation, &auth.to_string(), &input.to_string(), &policy).await;
    drop(bar);
    let invocation = match outcome {
        Ok(invocation) => invocation,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_OTHER;
        }
    };
    if debug {
        eprintln!("debug: invocation took {:?}", started.elapsed());
        for denied in &invocation.denied {
            eprintln!("debug: egress policy refused {}", output::terminal_safe(denied));
        }
    }
    if policy.dry_run && !invocation.captured.is_empty() {
        for request in &invocation.captured {
            println!("{} {}", request.method, output::terminal_safe(&request.redacted_url()));
            for (k, v) in request.redacted_headers() {
                println!("{k}: {}", output::terminal_safe(&v));
            }
            println!();
        }
        return 0;
    }
    match invocation.result {
        Ok(text) => {
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            println!("{}", output::render(&value, format));
            0
        }
        Err(error) => report_error(&operation, &error),
    }
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
            let path = file_root.map(|root| Path::new(root).join(file)).unwrap_or_else(|| PathBuf::from(file));
            Some(progress_bar::Direction::Upload(std::fs::metadata(path).ok()?.len()))
        }
        "get_object" => Some(progress_bar::Direction::Download),
        _ => None,
    }
}

fn report_error(operation: &str, error: &ConnectorError) -> i32 {
    let kind = kind_name(error.kind);
    let code = error.service_code.clone().unwrap_or_else(|| kind.to_string());
    eprintln!(
        "An error occurred ({}) when calling the {operation} operation: {}",
        output::terminal_safe(&code),
        output::terminal_safe(&error.message)
    );
    let typed = serde_json::json!({
        "kind": kind,
        "message": error.message,
        "service_code": error.service_code,
        "http_status": error.http_status,
        "request_id": error.request_id,
        "retryable": error.retryable,
        "field": error.field,
    });
    eprintln!("{}", output::json_safe(&typed.to_string()));
    match error.kind {
        ErrorKind::InvalidInput if error.http_status.is_none() => EXIT_USAGE,
        _ if error.http_status.is_some() => EXIT_SERVICE,
        _ => EXIT_OTHER,
    }
}

/// The WIT name of an error kind (`not-found`).
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => "invalid-input",
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::NotFound => "not-found",
        ErrorKind::Conflict => "conflict",
        ErrorKind::PreconditionFailed => "precondition-failed",
        ErrorKind::Throttled => "throttled",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::TooLarge => "too-large",
        ErrorKind::Denied => "denied",
        ErrorKind::Internal => "internal",
    }
}
