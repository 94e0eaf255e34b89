//! Printing an invocation's outcome: the result in the chosen format, the signed requests of a
//! dry run, or the connector's typed error the way the AWS CLI prints a service error.

use crate::cli::error::{EXIT_OTHER, EXIT_SERVICE, EXIT_USAGE};
use crate::cli::output::{self, OutputFormat};
use connector_contract::ErrorKind as Kind;
use connector_host::{ConnectorError, Invocation};
use serde_json::Value;
use std::process::ExitCode;

/// Prints `invocation`'s outcome and returns the exit code.
pub(crate) fn outcome(operation: &str, invocation: Invocation, dry_run: bool, format: OutputFormat) -> ExitCode {
    if dry_run && !invocation.captured.is_empty() {
        for request in &invocation.captured {
            println!("{} {}", request.method, output::terminal_safe(&request.redacted_url()));
            for (name, value) in request.redacted_headers() {
                println!("{name}: {}", output::terminal_safe(&value));
            }
            println!();
        }
        return ExitCode::SUCCESS;
    }
    match invocation.result {
        Ok(text) => {
            println!("{}", format.render(&parse_output(text)));
            ExitCode::SUCCESS
        }
        Err(error) => error_outcome(operation, &error),
    }
}

/// Prints the connector's typed `error` like the AWS CLI prints a service error; returns the
/// exit code.
pub(crate) fn error_outcome(operation: &str, error: &ConnectorError) -> ExitCode {
    ExitCode::from(report_error(operation, error))
}

/// Parses a JSON text the component produced; text that is not JSON is shown as a string.
fn parse_output(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Prints the AWS CLI's one-line error and the typed error as JSON; returns the exit code.
fn report_error(operation: &str, error: &ConnectorError) -> u8 {
    let kind = Kind::from(error.kind);
    let code = error.service_code.clone().unwrap_or_else(|| kind.name().to_string());
    eprintln!(
        "An error occurred ({}) when calling the {operation} operation: {}",
        output::terminal_safe(&code),
        output::terminal_safe(&error.message)
    );
    let typed = error.to_json();
    eprintln!("{}", output::json_safe(&typed.to_string()));
    exit_code(kind, error.http_status)
}

/// Invalid input the connector caught itself is a usage error; anything a server answered is a
/// service error; the rest (network, host) is "other".
fn exit_code(kind: Kind, http_status: Option<u16>) -> u8 {
    match (kind, http_status) {
        (Kind::InvalidInput, None) => EXIT_USAGE,
        (_, Some(_)) => EXIT_SERVICE,
        _ => EXIT_OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_aws_cli() {
        assert_eq!(exit_code(Kind::InvalidInput, None), EXIT_USAGE);
        assert_eq!(exit_code(Kind::InvalidInput, Some(400)), EXIT_SERVICE);
        assert_eq!(exit_code(Kind::NotFound, Some(404)), EXIT_SERVICE);
        assert_eq!(exit_code(Kind::Unavailable, None), EXIT_OTHER);
        assert_eq!(exit_code(Kind::Denied, None), EXIT_OTHER);
    }
}
