//! The portable build of the connector (its file store over `wasi:filesystem`, composed with
//! `portable/adapter`): it imports nothing but WASI, and it runs in a second runtime — Node.js
//! through jco and preview2-shim (`portable/node`) — against the suite's S3 server, with an
//! egress allow-list and one granted directory.

use s3_test_support::files::{sha256_file, write_random_file};
use s3_test_support::{target, unique_bucket};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The composed component, built by this crate's build script.
const PORTABLE: &str = env!("S3_CONNECTOR_PORTABLE_WASM_PATH");

/// The top-level imports of the component at `path`.
fn top_level_imports(path: &str) -> Vec<String> {
    let bytes = std::fs::read(path).expect("portable component");
    let mut depth = 0usize;
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        match payload.expect("a valid component") {
            wasmparser::Payload::Version { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth -= 1,
            wasmparser::Payload::ComponentImportSection(section) if depth == 1 => {
                imports.extend(section.into_iter().map(|import| import.expect("import").name.name.to_string()));
            }
            _ => {}
        }
    }
    imports
}

#[test]
fn the_portable_component_imports_nothing_but_wasi() {
    let imports = top_level_imports(PORTABLE);
    assert!(imports.iter().any(|name| name.starts_with("wasi:http/outgoing-handler@")), "{imports:?}");
    assert!(imports.iter().any(|name| name.starts_with("wasi:filesystem/preopens@")), "{imports:?}");
    let other: Vec<&String> = imports.iter().filter(|name| !name.starts_with("wasi:")).collect();
    assert!(other.is_empty(), "the portable component must import only WASI; it also imports {other:?}");
    // The native build is the one that imports the file store.
    let native = top_level_imports(env!("S3_CONNECTOR_WASM_PATH"));
    assert!(native.iter().any(|name| name.starts_with("workflow:connector/file-store@")), "{native:?}");
}

/// `portable/node`, with its packages installed by `scripts/install-node-host.sh`.
fn node_host() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../portable/node");
    assert!(
        dir.join("node_modules/@bytecodealliance/jco").exists(),
        "the Node.js host's packages are not installed: run scripts/install-node-host.sh (needs Node.js 20 and npm)"
    );
    dir
}

/// Transpiles the portable component with jco into `out`.
fn transpile(host: &Path, out: &Path) {
    let jco = host.join("node_modules/@bytecodealliance/jco/dist/jco.js");
    let status = Command::new("node")
        .arg(jco)
        .args(["transpile", PORTABLE, "--instantiation", "async", "--name", "s3", "--quiet", "-o"])
        .arg(out)
        .status()
        .expect("cannot run node");
    assert!(status.success(), "jco transpile failed");
}

/// Runs `calls` (one JSON object each) through the Node host in one process, in order; returns
/// one answer per call: `{"ok": …}` or `{"error": …}`.
fn run_in_node(component: &Path, files: &Path, allow: &str, calls: &[Value]) -> Vec<Value> {
    let host = node_host();
    let mut child = Command::new("node")
        .arg(host.join("run.mjs"))
        .arg("--component")
        .arg(component)
        .arg("--files")
        .arg(files)
        .args(["--allow", allow])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("cannot run node");
    let mut stdin = child.stdin.take().expect("stdin");
    for call in calls {
        writeln!(stdin, "{call}").expect("write a call");
    }
    drop(stdin);
    let output = child.wait_with_output().expect("node");
    assert!(output.status.success(), "the Node host failed");
    let answers: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON from the host: {line}: {e}")))
        .collect();
    assert_eq!(answers.len(), calls.len(), "one answer per call: {answers:?}");
    answers
}

fn call(operation: &str, auth: &Value, input: Value) -> Value {
    json!({"operation": operation, "auth": auth, "input": input})
}

fn ok<'a>(answer: &'a Value, what: &str) -> &'a Value {
    answer.get("ok").unwrap_or_else(|| panic!("{what} failed in Node: {answer}"))
}

fn error_kind<'a>(answer: &'a Value, what: &str) -> &'a str {
    answer["error"]["kind"].as_str().unwrap_or_else(|| panic!("{what} must fail with a typed error: {answer}"))
}

#[test]
fn the_portable_component_runs_in_node_with_a_directory_and_an_allow_list() {
    let host = node_host();
    let target = target();
    let endpoint = target.endpoint.clone().expect("the Node test needs a local or configured endpoint");
    let work = tempfile::tempdir().unwrap();
    let component = work.path().join("component");
    transpile(&host, &component);
    let files = work.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let big = files.join("big.bin");
    write_random_file(&big, 50 << 20, 11);

    let auth = target.auth();
    let bucket = unique_bucket("portable");
    let key = "dir/ünïcode key+%&=.txt";
    let mut elsewhere = auth.clone();
    elsewhere["endpoint"] = json!("http://127.0.0.1:1");
    let calls = [
        json!({"describe": true}),
        call("create_bucket", &auth, json!({"bucket": bucket})),
        call("list_buckets", &auth, json!({})),
        call("put_object_text", &auth, json!({"bucket": bucket, "key": key, "content": "hello from Node\n"})),
        call("get_object", &auth, json!({"bucket": bucket, "key": key})),
        call("list_objects", &auth, json!({"bucket": bucket})),
        call("put_object_file", &auth, json!({"bucket": bucket, "key": "big.bin", "file": "big.bin"})),
        call(
            "get_object",
            &auth,
            json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "copy/big.bin"}),
        ),
        call("head_object", &auth, json!({"bucket": bucket, "key": "no such key"})),
        call("get_object", &auth, json!({"bucket": bucket, "key": key, "format": "file", "file": "../outside.txt"})),
        call("list_buckets", &elsewhere, json!({})),
    ];
    let answers = run_in_node(&component, &files, &endpoint, &calls);

    let info = ok(&answers[0], "describe");
    assert!(info["operations"].as_array().is_some_and(|ops| ops.len() >= 9), "{info}");
    ok(&answers[1], "create_bucket");
    let listed = ok(&answers[2], "list_buckets").to_string();
    assert!(listed.contains(&bucket), "{listed}");
    ok(&answers[3], "put_object_text");
    assert_eq!(ok(&answers[4], "get_object")["body"], "hello from Node\n");
    assert!(ok(&answers[5], "list_objects").to_string().contains("ünïcode key+%&=.txt"), "{}", answers[5]);
    ok(&answers[6], "put_object_file");
    ok(&answers[7], "get_object to a file");
    assert_eq!(sha256_file(&files.join("copy/big.bin")), sha256_file(&big), "the 50 MiB round trip changed the bytes");
    assert_eq!(error_kind(&answers[8], "a missing key"), "not-found");
    assert_eq!(error_kind(&answers[9], "a file outside the granted directory"), "invalid-input");
    assert!(!work.path().join("outside.txt").exists());
    let refused = &answers[10];
    error_kind(refused, "an endpoint outside the allow-list");
    assert!(refused.to_string().contains("127.0.0.1:1") || refused.to_string().contains("denied"), "{refused}");
    // Nothing half-written is left in the directory.
    let leftovers: Vec<String> = walk(&files).into_iter().filter(|name| name.ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Every file under `dir`, as paths relative to it.
fn walk(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path).into_iter().map(|name| format!("{}/{name}", entry.file_name().to_string_lossy())));
        } else {
            found.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

/// The stock `wasmtime` CLI (`WASMTIME`, set by scripts/test.sh from scripts/install-wasmtime-cli.sh).
fn stock_wasmtime() -> PathBuf {
    let Some(path) = std::env::var_os("WASMTIME").map(PathBuf::from) else {
        panic!("WASMTIME is not set: run `export WASMTIME=$(scripts/install-wasmtime-cli.sh)` (scripts/test.sh does)")
    };
    assert!(path.exists(), "no wasmtime CLI at {}", path.display());
    path
}

/// Runs `operation` with `input` through `scripts/wasmtime-invoke.sh` (the stock CLI, `files`
/// granted); the output JSON, or the error as wasmtime prints it.
fn run_in_wasmtime(wasmtime: &Path, files: &Path, operation: &str, input: &Value) -> Result<Value, String> {
    let (output, stdout) = wasmtime_invoke(wasmtime, files, operation, input);
    match stdout.strip_prefix("ok(").and_then(|rest| rest.strip_suffix(')')) {
        Some(literal) if output.status.success() => Ok(serde_json::from_str(&wave_string(literal))
            .unwrap_or_else(|e| panic!("{operation}: the output is not JSON ({e}): {stdout}"))),
        _ if stdout.starts_with("err(") => Err(stdout),
        _ => panic!("{operation}: wasmtime failed: {stdout}\n{}", String::from_utf8_lossy(&output.stderr)),
    }
}

/// What `scripts/wasmtime-invoke.sh` did, and its standard output, trimmed.
fn wasmtime_invoke(wasmtime: &Path, files: &Path, operation: &str, input: &Value) -> (std::process::Output, String) {
    let target = target();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/wasmtime-invoke.sh");
    let mut command = Command::new("bash");
    command.arg(script).arg("--files").arg(files).args(["--component", PORTABLE, operation]).arg(input.to_string());
    command
        .env("WASMTIME", wasmtime)
        .env("AWS_ACCESS_KEY_ID", &target.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &target.secret_access_key)
        .env("AWS_REGION", &target.region)
        .env("AWS_ENDPOINT_URL", target.endpoint.as_deref().expect("a local or configured endpoint"));
    let output = command.output().expect("cannot run scripts/wasmtime-invoke.sh");
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output, stdout)
}

/// The text of a WAVE string literal (`"…"` with `\"`, `\\`, `\n`, `\u{…}` escapes).
fn wave_string(literal: &str) -> String {
    let inner = literal.strip_prefix('"').and_then(|s| s.strip_suffix('"')).expect("a string literal");
    let mut text = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => text.push('\n'),
            Some('t') => text.push('\t'),
            Some('r') => text.push('\r'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                text.push(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32).expect("a \\u{…} escape"));
            }
            Some(other) => text.push(other),
            None => break,
        }
    }
    text
}

#[test]
fn the_portable_component_runs_under_the_stock_wasmtime_cli() {
    let wasmtime = stock_wasmtime();
    let work = tempfile::tempdir().unwrap();
    let files = work.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let big = files.join("big.bin");
    write_random_file(&big, 20 << 20, 13);
    let run = |operation: &str, input: Value| run_in_wasmtime(&wasmtime, &files, operation, &input);
    let ok = |operation: &str, input: Value| {
        run(operation, input).unwrap_or_else(|error| panic!("{operation} failed under wasmtime: {error}"))
    };

    let (described, info) = wasmtime_invoke(&wasmtime, &files, "describe", &json!({}));
    assert!(described.status.success() && info.starts_with("{name: \"aws-s3\""), "describe: {info}");
    assert!(info.contains("id: \"put_object_file\""), "{info}");
    let bucket = unique_bucket("wasmtime");
    let key = "dir/ünïcode \"quoted\" key+%&=.txt";
    ok("create_bucket", json!({"bucket": bucket}));
    ok("put_object_text", json!({"bucket": bucket, "key": key, "content": "hello from wasmtime\n\ttabbed"}));
    assert_eq!(ok("get_object", json!({"bucket": bucket, "key": key}))["body"], "hello from wasmtime\n\ttabbed");
    let listed = ok("list_objects", json!({"bucket": bucket}));
    assert_eq!(listed["objects"][0]["key"], key, "{listed}");
    ok("put_object_file", json!({"bucket": bucket, "key": "big.bin", "file": "big.bin"}));
    ok("get_object", json!({"bucket": bucket, "key": "big.bin", "format": "file", "file": "copy/big.bin"}));
    assert_eq!(sha256_file(&files.join("copy/big.bin")), sha256_file(&big), "the round trip changed the bytes");
    let missing = run("head_object", json!({"bucket": bucket, "key": "no such key"})).expect_err("a missing key");
    assert!(missing.contains("kind: not-found"), "{missing}");
    let outside = run("get_object", json!({"bucket": bucket, "key": key, "format": "file", "file": "../outside.txt"}));
    assert!(outside.expect_err("a file outside the directory").contains("kind: invalid-input"));
    assert!(!work.path().join("outside.txt").exists());
    ok("delete_objects", json!({"bucket": bucket, "objects": [key, "big.bin"]}));
    ok("delete_bucket", json!({"bucket": bucket}));
}
