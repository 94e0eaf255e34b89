//! The command line, built from the connector's manifest: one subcommand per operation with a
//! flag per input property, plus `invoke`, `describe`, `policy`, `imports`, `check`, `options`
//! and `poll`.

use crate::cli::output::OutputFormat;
use clap::{Arg, ArgAction, ArgMatches, Command};
use connector_host::ConnectorInfo;
use serde_json::{Map, Value};

/// Global flags, usable before or after the subcommand.
pub(super) fn global_args(command: Command) -> Command {
    let flag = |name: &'static str, help: &'static str| Arg::new(name).long(name).global(true).help(help);
    command
        .arg(flag("endpoint-url", "S3-compatible endpoint, e.g. http://127.0.0.1:3900 (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile)"))
        .arg(flag("region", "Region, or \"auto\" to discover it (else AWS_REGION, AWS_DEFAULT_REGION, the profile)"))
        .arg(flag("profile", "Profile in ~/.aws/credentials and ~/.aws/config (else AWS_PROFILE)"))
        .arg(flag("output", "Output format").value_parser(OutputFormat::NAMES).default_value("json"))
        .arg(flag("addressing", "Bucket addressing style").value_parser(["auto", "path", "virtual"]))
        .arg(flag("checksum", "Upload checksum (else AWS_REQUEST_CHECKSUM_CALCULATION / request_checksum_calculation: when_required sends none)"))
        .arg(flag("ca-bundle", "PEM bundle of the CAs to trust for HTTPS, in place of the built-in ones (else AWS_CA_BUNDLE, ca_bundle in the profile)"))
        .arg(flag("payload-signing", "Hash payloads into the signature (else payload_signing_enabled in the profile)"))
        .arg(flag("input", "Operation input as JSON, or @file.json"))
        .arg(flag("pin-time", "Pin the wall clock the connector sees, e.g. 20130524T000000Z (reproducible signatures)"))
        .arg(flag("file-root", "Directory the connector's file names resolve in (default: the file's own directory, or the current one)"))
        .arg(flag("timeout", "Time limit for the invocation, in seconds").value_parser(clap::value_parser!(u64)).default_value("900"))
        .arg(flag("memory-limit-mb", "Memory limit of the sandbox, in MiB").value_parser(clap::value_parser!(usize)).default_value("64"))
        .arg(flag("allow-outbound", "Allowed destination scheme://host:port (repeatable; default: the endpoint, else Amazon S3, plus a source URL's origin)").action(ArgAction::Append))
        .arg(flag("cache-dir", "Where compiled components are cached (default $XDG_CACHE_HOME/s3c or ~/.cache/s3c)"))
        .arg(flag("dry-run", "Print the signed request(s) instead of sending them").action(ArgAction::SetTrue))
        .arg(flag("debug", "Print diagnostics to stderr").action(ArgAction::SetTrue))
}

/// The full command for `info`.
pub(super) fn build(info: &ConnectorInfo) -> Command {
    let mut command =
        Command::new("s3c")
            .about("AWS S3 from the command line, through the sandboxed S3 connector component")
            .subcommand_required(true)
            .arg_required_else_help(true)
            .subcommand(
                Command::new("describe").about("Print the connector's manifest: operations, JSON Schemas, permissions"),
            )
            .subcommand(Command::new("imports").about("List the component's imports"))
            .subcommand(
                Command::new("component")
                    .about("Write the connector component to a file: the one this CLI runs, or the portable build")
                    .arg(Arg::new("output").long("output").short('o').required(true).help("Where to write it"))
                    .arg(Arg::new("portable").long("portable").action(ArgAction::SetTrue).help(
                        "The build any WASI 0.2 runtime with wasi:http and wasi:filesystem loads (Node.js through jco, wasmtime): its files are the first preopened directory",
                    )),
            )
            .subcommand(
                Command::new("invoke")
                    .about("Run any operation with JSON input (--input)")
                    .arg(Arg::new("operation").required(true).help("Operation id, e.g. list_objects")),
            )
            .subcommand(
                Command::new("policy")
                    .about("Print the minimal IAM policy for the chosen operations and buckets")
                    .arg(
                        Arg::new("operations")
                            .long("operations")
                            .required(true)
                            .value_delimiter(',')
                            .help("Operation ids, comma-separated"),
                    )
                    .arg(Arg::new("bucket").long("bucket").action(ArgAction::Append).help("Bucket (repeatable)"))
                    .arg(Arg::new("key-prefix").long("key-prefix").help(
                        "Limit object permissions, and listing (an s3:prefix condition), to keys under this prefix",
                    ))
                    .arg(
                        Arg::new("partition")
                            .long("partition")
                            .value_parser(["aws", "aws-cn", "aws-us-gov"])
                            .help("ARN partition (else from --region)"),
                    )
                    .arg(
                        Arg::new("bucket-policy")
                            .long("bucket-policy")
                            .action(ArgAction::SetTrue)
                            .help("Print a bucket policy (needs --principal)"),
                    )
                    .arg(Arg::new("principal").long("principal").help("The principal ARN a bucket policy grants")),
            );
    command = command.subcommands(platform_commands());
    for op in &info.operations {
        command = command.subcommand(operation_command(op));
    }
    global_args(command)
}

/// The platform calls: `check`, `options`, `poll` (run by `cli::platform`).
fn platform_commands() -> [Command; 3] {
    [
        Command::new("check")
            .about("Check the connection: the endpoint answers and accepts the credentials (and, with --bucket, that they may use it)")
            .arg(Arg::new("bucket").long("bucket").help("Also check access to this bucket")),
        Command::new("options")
            .about("List the choices for an operation's input field (buckets, keys, folders), as a form's dropdown would")
            .arg(Arg::new("operation").required(true).help("Operation id, e.g. get_object"))
            .arg(Arg::new("field").required(true).help("Input field, e.g. bucket or key"))
            .arg(Arg::new("cursor").long("cursor").help("next_cursor of the previous page")),
        Command::new("poll")
            .about("Poll a trigger and print its events as JSON lines; the state between polls is kept in --state-file")
            .arg(Arg::new("trigger").required(true).help("Trigger id, e.g. new_objects"))
            .arg(Arg::new("config").long("config").required(true).help("Trigger configuration as JSON, or @file.json"))
            .arg(Arg::new("state-file").long("state-file").help("Where the trigger's state is kept between runs (written after the events are printed)"))
            .arg(
                Arg::new("watch")
                    .long("watch")
                    .value_parser(clap::value_parser!(u64))
                    .help("Keep polling, this many seconds apart, until interrupted"),
            )
            .arg(Arg::new("once").long("once").action(ArgAction::SetTrue).help("One poll only, even if it has more")),
    ]
}

fn operation_command(op: &connector_host::bindings::Operation) -> Command {
    let schema: Value = serde_json::from_str(&op.input_schema).unwrap_or_default();
    let mut command = Command::new(op.id.replace('_', "-")).about(op.title.clone()).long_about(op.description.clone());
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            let help = property["description"].as_str().or(property["title"].as_str()).unwrap_or("").to_string();
            let mut arg = Arg::new(name.clone()).long(name.replace('_', "-")).help(help);
            arg = match property["type"].as_str() {
                Some("boolean") => arg.action(ArgAction::SetTrue),
                Some("integer") => arg.value_parser(clap::value_parser!(i64)),
                _ => match property["enum"].as_array() {
                    Some(values) => arg
                        .value_parser(values.iter().filter_map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>()),
                    None => arg,
                },
            };
            command = command.arg(arg);
        }
    }
    command
}

/// The operation input from `--input` merged with the subcommand's flags (flags win).
pub(super) fn operation_input(
    op: &connector_host::bindings::Operation,
    matches: &ArgMatches,
    base: Option<Value>,
) -> Result<Value, String> {
    let schema: Value = serde_json::from_str(&op.input_schema).unwrap_or_default();
    let mut input = match base {
        Some(Value::Object(map)) => map,
        Some(_) => return Err("--input must be a JSON object".into()),
        None => Map::new(),
    };
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            let value = match property["type"].as_str() {
                Some("boolean") => matches.get_flag(name).then_some(Value::Bool(true)),
                Some("integer") => matches.get_one::<i64>(name).map(|v| Value::from(*v)),
                Some("string") | None if property.get("enum").is_some() || property["type"] == "string" => {
                    matches.get_one::<String>(name).map(|v| Value::String(v.clone()))
                }
                kind => match matches.get_one::<String>(name) {
                    Some(text) => Some(structured_value(name, text, kind)?),
                    None => None,
                },
            };
            if let Some(value) = value {
                input.insert(name.clone(), value);
            }
        }
    }
    Ok(Value::Object(input))
}

/// JSON, or the AWS CLI shorthands: `k=v,k2=v2` for objects and `a,b,c` for arrays.
fn structured_value(name: &str, text: &str, kind: Option<&str>) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok(value);
    }
    match kind {
        Some("object") => {
            let mut map = Map::new();
            for pair in text.split(',').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').ok_or_else(|| {
                    format!("--{}: expected JSON or key=value pairs, got {pair:?}", name.replace('_', "-"))
                })?;
                map.insert(k.trim().to_string(), Value::String(v.to_string()));
            }
            Ok(Value::Object(map))
        }
        Some("array") => {
            Ok(Value::Array(text.split(',').filter(|p| !p.is_empty()).map(|p| Value::String(p.to_string())).collect()))
        }
        _ => Ok(Value::String(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthands() {
        assert_eq!(
            structured_value("m", "a=1,b=x=y", Some("object")).unwrap(),
            serde_json::json!({"a": "1", "b": "x=y"})
        );
        assert_eq!(structured_value("o", "k1,k2", Some("array")).unwrap(), serde_json::json!(["k1", "k2"]));
        assert_eq!(
            structured_value("o", r#"[{"key":"k"}]"#, Some("array")).unwrap(),
            serde_json::json!([{"key": "k"}])
        );
        assert!(structured_value("m", "novalue", Some("object")).is_err());
    }
}
