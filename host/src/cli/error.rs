//! How the CLI fails: each failure names its class, and the class is the AWS CLI's exit code.

use crate::cli::output;
use std::process::ExitCode;

/// A failure of the CLI itself (the connector's own failures are reported by `report`).
#[derive(Debug)]
pub(crate) enum CliError {
    /// The command line could not be parsed (or asked for help or the version: exit 0).
    Arguments(clap::Error),
    /// The command line names something invalid.
    Usage(String),
    /// The configuration (profiles, credentials, environment) is incomplete or invalid.
    Config(String),
    /// Anything else: the runtime, the component, the host.
    Failed(String),
}

/// The AWS CLI's exit code for an invalid command line.
pub(crate) const EXIT_USAGE: u8 = 252;
/// The AWS CLI's exit code for configuration errors.
pub(crate) const EXIT_CONFIG: u8 = 253;
/// The AWS CLI's exit code when the service refused the request.
pub(crate) const EXIT_SERVICE: u8 = 254;
/// The AWS CLI's exit code for any other failure.
pub(crate) const EXIT_OTHER: u8 = 255;

impl CliError {
    /// Prints the error to stderr and returns the exit code it ends the process with.
    pub(crate) fn report(self) -> ExitCode {
        let (message, code) = match self {
            CliError::Arguments(error) => {
                let code = if error.use_stderr() { EXIT_USAGE } else { 0 };
                // Printing help or an error to a closed terminal has no one left to tell.
                error.print().ok();
                return ExitCode::from(code);
            }
            CliError::Usage(message) => (message, EXIT_USAGE),
            CliError::Config(message) => (message, EXIT_CONFIG),
            CliError::Failed(message) => (message, EXIT_OTHER),
        };
        eprintln!("error: {}", output::terminal_safe(&message));
        ExitCode::from(code)
    }
}
