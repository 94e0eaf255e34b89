//! Canary secrets through every kind of output: a secret key, a session token, a wrong secret and
//! a source URL's presigned signature and token are used across the CLI's commands (operations,
//! `check`, `options`, `poll`; success and failure, `--debug`, `--dry-run`, every output format)
//! and the library's invocations against a real Garage; every stdout, stderr, error message and
//! `Debug` output is collected and searched.

#[path = "../../tests/src/process.rs"]
#[expect(dead_code, unreachable_pub, reason = "the Garage harness uses part of the process helpers")]
mod process;

#[path = "../../tests/src/garage.rs"]
#[expect(dead_code, unreachable_pub, reason = "the test shares the suite's Garage harness and uses part of it")]
mod garage;

use connector_host::{Policy, Runtime};

/// The S3 connector component `host/build.rs` built for this package.
const S3_CONNECTOR: &[u8] = include_bytes!(env!("S3_CONNECTOR_WASM_PATH"));
use std::process::Command;

const SESSION_TOKEN: &str = "canary-session-token-7f3e9a";
const WRONG_SECRET: &str = "canary-wrong-secret-52c1d0";
const URL_SIGNATURE: &str = "canary-url-signature-0b8e44";
const URL_TOKEN: &str = "canary-url-token-a61f2c";

/// One environment variable.
type Env<'a> = (&'a str, &'a str);

fn canaries() -> [&'static str; 5] {
    [garage::SECRET_ACCESS_KEY, SESSION_TOKEN, WRONG_SECRET, URL_SIGNATURE, URL_TOKEN]
}

fn assert_clean(what: &str, text: &str) {
    for canary in canaries() {
        assert!(!text.contains(canary), "{what} shows the secret {canary}:\n{text}");
    }
}

/// Runs `s3c` with a fresh home and `env`; returns stdout and stderr together.
fn s3c(args: &[&str], env: &[(&str, &str)]) -> String {
    let home = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_s3c"));
    command.arg("--cache-dir").arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/component-cache"));
    command.args(args).env_clear().env("HOME", home.path()).env("PATH", std::env::var("PATH").unwrap_or_default());
    command.current_dir(files.path());
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("s3c runs");
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn canary_secrets_never_appear_in_any_output() {
    let server = garage::Garage::start();
    let bucket = format!("secrets-{}", std::process::id());
    let good = [
        ("AWS_ACCESS_KEY_ID", garage::ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", garage::SECRET_ACCESS_KEY),
        ("AWS_REGION", garage::REGION),
        ("AWS_ENDPOINT_URL", server.endpoint.as_str()),
    ];
    let mut with_token = good.to_vec();
    with_token.push(("AWS_SESSION_TOKEN", SESSION_TOKEN));
    let mut wrong = good.to_vec();
    wrong[1] = ("AWS_SECRET_ACCESS_KEY", WRONG_SECRET);
    let url = format!("http://127.0.0.1:9/source.csv?X-Amz-Signature={URL_SIGNATURE}&X-Amz-Security-Token={URL_TOKEN}");
    let b = bucket.as_str();
    let key_choices = serde_json::json!({"bucket": b}).to_string();
    let from_the_beginning = serde_json::json!({"bucket": b, "start": "beginning"}).to_string();
    let mut transcript = String::new();
    let runs: Vec<(Vec<&str>, &[Env])> = vec![
        (vec!["create-bucket", "--bucket", b, "--debug"], &good),
        (vec!["put-object-text", "--bucket", b, "--key", "a b.txt", "--content", "hello", "--debug"], &good),
        (vec!["get-object", "--bucket", b, "--key", "a b.txt", "--debug", "--output", "text"], &good),
        (vec!["head-object", "--bucket", b, "--key", "a b.txt", "--output", "table"], &good),
        (vec!["list-objects", "--bucket", b, "--debug", "--output", "table"], &good),
        (vec!["get-object-signed-url", "--bucket", b, "--key", "a b.txt", "--debug"], &good),
        (vec!["get-object", "--bucket", b, "--key", "missing", "--debug"], &good),
        (vec!["list-buckets", "--debug", "--dry-run"], &with_token),
        (vec!["list-buckets", "--debug"], &with_token),
        // (A URL presigned with temporary credentials carries their session token: that URL is
        // the operation's answer, so it is not run here.)
        (vec!["list-buckets", "--debug"], &wrong),
        (vec!["put-object-file", "--bucket", b, "--key", "k", "--url", &url, "--debug"], &good),
        (vec!["put-object-file", "--bucket", b, "--key", "k", "--url", &url, "--dry-run", "--debug"], &with_token),
        (vec!["check", "--debug"], &good),
        (vec!["check", "--bucket", b], &good),
        (vec!["check", "--debug"], &wrong),
        (vec!["options", "get_object", "key", "--input", &key_choices, "--debug"], &good),
        (vec!["poll", "new_objects", "--config", &from_the_beginning, "--debug"], &good),
        (vec!["delete-object", "--bucket", b, "--key", "a b.txt", "--debug"], &good),
        (vec!["delete-bucket", "--bucket", b, "--debug"], &good),
    ];
    for (args, env) in runs {
        let output = s3c(&args, env);
        assert_clean(&format!("s3c {}", args.first().unwrap_or(&"")), &output);
        transcript.push_str(&output);
    }
    // The transcript is real: the commands ran against the server and failed where they should.
    assert!(transcript.contains("hello"), "{transcript}");
    assert!(transcript.contains("NoSuchKey"), "{transcript}");
    assert!(transcript.contains("x-amz-security-token: ******"), "{transcript}");
    // The platform commands ran too: a check, a key's choices, the trigger's event.
    assert!(transcript.contains("\"ok\": true"), "{transcript}");
    assert!(transcript.contains("\"value\": \"a b.txt\""), "{transcript}");
    assert!(transcript.contains("\"key\":\"a b.txt\""), "{transcript}");

    let runtime = Runtime::builder().trust_declared_outbound().build(S3_CONNECTOR).unwrap();
    let tokio = tokio::runtime::Runtime::new().unwrap();
    let policy = Policy { allow_private_networks: true, ..Policy::default() };
    let auth = |secret: &str, token: Option<&str>| {
        serde_json::json!({"access_key_id": garage::ACCESS_KEY_ID, "secret_access_key": secret, "session_token": token,
            "region": garage::REGION, "endpoint": server.endpoint})
        .to_string()
    };
    let calls = [
        ("list_buckets", auth(garage::SECRET_ACCESS_KEY, None), "{}".to_string()),
        ("list_buckets", auth(WRONG_SECRET, Some(SESSION_TOKEN)), "{}".to_string()),
        ("head_object", auth(garage::SECRET_ACCESS_KEY, Some(SESSION_TOKEN)), r#"{"bucket":"none","key":"k"}"#.into()),
        (
            "put_object_file",
            auth(garage::SECRET_ACCESS_KEY, None),
            serde_json::json!({"bucket": "none", "key": "k", "url": url}).to_string(),
        ),
    ];
    for (operation, auth, input) in calls {
        for dry_run in [false, true] {
            let policy = Policy { dry_run, ..policy.clone() };
            let outcome = tokio.block_on(runtime.invoke(operation, &auth, &input, &policy));
            let shown = match &outcome {
                Ok(invocation) => format!("{invocation:?} {:?}", invocation.result.as_ref().err().map(|e| &e.message)),
                Err(error) => format!("{error} {error:?}"),
            };
            assert_clean(&format!("{operation} (dry run {dry_run})"), &shown);
        }
    }
}
