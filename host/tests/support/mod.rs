//! Running the `s3c` binary as a user would: a clean environment, its own home, the shared
//! compiled-component cache.

use std::process::{Command, Output};

/// Runs `s3c` with `args` and only `env` (plus `HOME` and `PATH`).
pub(crate) fn s3c(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = std::env::temp_dir().join(format!("s3c-cli-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_s3c"));
    command.args(args).env_clear().env("HOME", &home).env("PATH", std::env::var("PATH").unwrap_or_default());
    command.arg("--cache-dir").arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/component-cache"));
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("s3c runs")
}

/// What the command printed on stdout.
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the command printed on stderr.
pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
