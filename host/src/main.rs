//! `s3c`: the AWS S3 connector from the command line, run through the sandboxed component.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
