//! The `s3c` binary as a user runs it: manifest, imports, IAM policy, dry runs with a pinned
//! clock, AWS-style credentials and exit codes.

use std::io::{Read, Write};
mod support;

use support::{s3c, stderr, stdout};

const DOC_KEYS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
];

#[test]
fn describe_lists_every_operation_with_schemas_and_permissions() {
    let output = s3c(&["describe"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let manifest: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = manifest["operations"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    for id in [
        "list_buckets",
        "list_objects",
        "head_object",
        "get_object",
        "get_object_signed_url",
        "put_object_text",
        "put_object_file",
        "put_object_acl",
        "delete_object",
        "delete_objects",
        "get_bucket_location",
        "copy_object",
        "create_bucket",
        "delete_bucket",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let operation =
        |id: &str| manifest["operations"].as_array().unwrap().iter().find(|o| o["id"] == id).unwrap().clone();
    assert_eq!(
        operation("list_objects")["annotations"],
        serde_json::json!({"read_only": true, "destructive": false, "idempotent": true})
    );
    assert_eq!(operation("delete_object")["annotations"]["destructive"], true);
    assert_eq!(operation("create_bucket")["annotations"]["idempotent"], false);
    assert_eq!(operation("get_object")["input_schema"]["properties"]["key"]["x-choices"]["source"], "keys");
    let trigger = &manifest["triggers"][0];
    assert_eq!(trigger["id"], "new_objects");
    assert_eq!(trigger["config_schema"]["required"], serde_json::json!(["bucket"]));
    assert_eq!(trigger["permissions"][0]["actions"], serde_json::json!(["s3:ListBucket"]));
    assert_eq!(manifest["auth_schema"]["properties"]["secret_access_key"]["writeOnly"], true);
    assert_eq!(manifest["auth_schema"]["properties"]["secret_access_key"]["format"], "password");
    for platform_command in ["check", "options", "poll"] {
        let help = s3c(&[platform_command, "--help"], &[]);
        assert!(help.status.success(), "{}", stderr(&help));
    }
    let help = s3c(&["list-objects", "--help"], &[]);
    assert!(
        stdout(&help).contains("--continuation-token") && stdout(&help).contains("--fetch-all"),
        "{}",
        stdout(&help)
    );
}

#[test]
fn imports_exclude_sockets_and_filesystem() {
    let output = s3c(&["imports"], &[]);
    let imports = stdout(&output);
    assert!(imports.contains("wasi:http/outgoing-handler@0.2.12"), "{imports}");
    assert!(!imports.contains("wasi:sockets") && !imports.contains("wasi:filesystem"), "{imports}");
}

#[test]
fn component_writes_the_running_build_and_the_portable_one() {
    let dir = tempfile::tempdir().unwrap();
    let native = dir.path().join("s3.wasm");
    let portable = dir.path().join("s3-portable.wasm");
    for (path, extra) in [(&native, None), (&portable, Some("--portable"))] {
        let mut args = vec!["component", "-o", path.to_str().unwrap()];
        args.extend(extra);
        let output = s3c(&args, &[]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let (native, portable) = (std::fs::read(native).unwrap(), std::fs::read(portable).unwrap());
    assert_eq!(&native[..8], b"\0asm\x0d\0\x01\0", "a component");
    assert_eq!(&portable[..8], &native[..8]);
    assert_ne!(native, portable);
    let contains = |bytes: &[u8], text: &str| bytes.windows(text.len()).any(|w| w == text.as_bytes());
    assert!(contains(&native, "workflow:connector/file-store@0.2.2"));
    assert!(contains(&portable, "wasi:filesystem/preopens@0.2.12"), "the portable build imports the filesystem");
    let unwritable = s3c(&["component", "-o", "/nonexistent-dir/s3.wasm"], &[]);
    assert!(!unwritable.status.success() && stderr(&unwritable).contains("/nonexistent-dir/s3.wasm"));
}

#[test]
fn policy_prints_the_minimal_iam_document() {
    let output = s3c(&["policy", "--operations", "list_objects,get_object,list_buckets", "--bucket", "reports"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let policy: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = policy.to_string();
    assert!(text.contains("arn:aws:s3:::reports/*") && text.contains("\"arn:aws:s3:::reports\""), "{text}");
    assert!(text.contains("s3:ListAllMyBuckets") && text.contains("s3:ListBucket"), "{text}");
    let unknown = s3c(&["policy", "--operations", "nope"], &[]);
    assert_eq!(unknown.status.code(), Some(252));
}

#[test]
fn dry_run_with_pinned_clock_reproduces_the_documented_signatures() {
    let dry = s3c(
        &[
            "get-object",
            "--bucket",
            "examplebucket",
            "--key",
            "test.txt",
            "--range",
            "bytes=0-9",
            "--region",
            "us-east-1",
            "--dry-run",
            "--pin-time",
            "20130524T000000Z",
        ],
        DOC_KEYS,
    );
    let printed = stdout(&dry);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(printed.starts_with("GET https://examplebucket.s3.amazonaws.com/test.txt\n"), "{printed}");
    assert!(
        printed.contains("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        "{printed}"
    );
    assert!(!printed.contains("wJalrXUtnFEMI"), "the secret leaked: {printed}");
    let presigned = s3c(
        &[
            "get-object-signed-url",
            "--bucket",
            "examplebucket",
            "--key",
            "test.txt",
            "--expires-in",
            "86400",
            "--pin-time",
            "2013-05-24T00:00:00Z",
            "--output",
            "text",
        ],
        &[DOC_KEYS[0], DOC_KEYS[1], ("AWS_REGION", "us-east-1")],
    );
    assert!(
        stdout(&presigned).contains("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
        "{}",
        stdout(&presigned)
    );
    let token = s3c(
        &["list-buckets", "--dry-run", "--region", "us-east-1"],
        &[DOC_KEYS[0], DOC_KEYS[1], ("AWS_SESSION_TOKEN", "session-token-secret")],
    );
    assert!(
        stdout(&token).contains("x-amz-security-token: ******") && !stdout(&token).contains("session-token-secret"),
        "{}",
        stdout(&token)
    );
}

#[test]
fn a_source_url_is_fetched_first_and_its_token_is_redacted() {
    let url = "https://files.example.com/r.csv?X-Amz-Security-Token=token-secret&X-Amz-Signature=signature-secret";
    let dry = s3c(&["put-object-file", "--bucket", "b", "--key", "k", "--url", url, "--dry-run"], DOC_KEYS);
    let printed = stdout(&dry);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        printed.starts_with("GET https://files.example.com/r.csv?X-Amz-Security-Token=******&X-Amz-Signature=******\n"),
        "{printed}"
    );
    assert!(printed.contains("range: bytes=0-0"), "{printed}");
    for secret in ["token-secret", "signature-secret"] {
        assert!(!printed.contains(secret) && !stderr(&dry).contains(secret), "{secret}: {printed}");
    }
    let debug =
        s3c(&["put-object-file", "--bucket", "b", "--key", "k", "--url", url, "--dry-run", "--debug"], DOC_KEYS);
    for secret in ["token-secret", "signature-secret"] {
        assert!(!stderr(&debug).contains(secret), "--debug leaked {secret}: {}", stderr(&debug));
    }
}

#[test]
fn credentials_come_from_profiles_and_missing_ones_exit_253() {
    let missing = s3c(&["list-buckets"], &[]);
    assert_eq!(missing.status.code(), Some(253), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("Unable to locate credentials"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("credentials"), "[work]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n").unwrap();
    std::fs::write(dir.path().join("config"), "[profile work]\nregion = eu-west-3\n").unwrap();
    let files = [
        ("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("credentials").to_string_lossy().into_owned()),
        ("AWS_CONFIG_FILE", dir.path().join("config").to_string_lossy().into_owned()),
    ];
    let env: Vec<(&str, &str)> = files.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = s3c(&["list-buckets", "--profile", "work", "--dry-run"], &env);
    assert!(
        stdout(&output).contains("GET https://s3.eu-west-3.amazonaws.com/"),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("Credential=AKIAIOSFODNN7EXAMPLE/"), "{}", stdout(&output));
    let absent = s3c(&["list-buckets", "--profile", "absent"], &env);
    assert_eq!(absent.status.code(), Some(253));
}

#[test]
fn usage_errors_exit_252_and_service_errors_254() {
    let bad = s3c(&["get-object-signed-url", "--bucket", "b", "--key", "k", "--expires-in", "0"], DOC_KEYS);
    assert_eq!(bad.status.code(), Some(252), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("\"field\":\"/expires_in\""), "{}", stderr(&bad));
    let unknown_flag = s3c(&["head-object", "--bukket", "b"], DOC_KEYS);
    assert_eq!(unknown_flag.status.code(), Some(252));

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 8192];
            let _ = stream.read(&mut buffer);
            let body = "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\ncontent-length: {}\r\nx-amz-request-id: RID404\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let missing = s3c(
        &["get-object", "--bucket", "b", "--key", "k", "--endpoint-url", &endpoint, "--region", "us-east-1"],
        DOC_KEYS,
    );
    assert_eq!(missing.status.code(), Some(254), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("An error occurred (NoSuchKey) when calling the get_object operation"),
        "{}",
        stderr(&missing)
    );
    assert!(stderr(&missing).contains("\"request_id\":\"RID404\""));
}

#[test]
fn integrity_settings_come_from_flags_the_environment_and_the_profile() {
    let file = std::env::temp_dir().join(format!("s3c-checksum-{}.txt", std::process::id()));
    std::fs::write(&file, b"checksummed").unwrap();
    let upload = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["put-object-file", "--bucket", "examplebucket", "--key", "k.txt", "--file"];
        let path = file.to_string_lossy().into_owned();
        args.push(&path);
        args.extend(["--region", "us-east-1", "--dry-run"]);
        args.extend(extra);
        let mut all_env = DOC_KEYS.to_vec();
        all_env.extend(env);
        let output = s3c(&args, &all_env);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output).to_ascii_lowercase()
    };
    assert!(upload(&[], &[]).contains("x-amz-checksum-crc32c:"), "the default checksum");
    assert!(upload(&["--checksum", "md5"], &[]).contains("content-md5:"));
    let when_required = upload(&[], &[("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")]);
    assert!(!when_required.contains("x-amz-checksum-") && !when_required.contains("content-md5"), "{when_required}");
    let signed = upload(&["--payload-signing", "signed"], &[]);
    assert!(!signed.contains("unsigned-payload"), "a signed payload: {signed}");
    let bad = s3c(
        &["list-buckets", "--dry-run"],
        &[DOC_KEYS[0], DOC_KEYS[1], ("AWS_RESPONSE_CHECKSUM_VALIDATION", "sometimes")],
    );
    assert_eq!(bad.status.code(), Some(253), "a configuration error: {}", stderr(&bad));
    assert!(stderr(&bad).contains("response_checksum_validation"));
    let wrong = s3c(
        &["put-object-text", "--bucket", "b", "--key", "k", "--content", "x", "--checksum", "crc64", "--dry-run"],
        DOC_KEYS,
    );
    assert!(stderr(&wrong).contains("/checksum"), "the connector names the field: {}", stderr(&wrong));
}

#[test]
fn a_ca_bundle_that_cannot_be_used_is_a_configuration_error() {
    let missing = s3c(&["list-buckets", "--dry-run", "--ca-bundle", "/nonexistent/ca.pem"], DOC_KEYS);
    assert_eq!(missing.status.code(), Some(253), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("cannot read the CA bundle /nonexistent/ca.pem"), "{}", stderr(&missing));
    let empty = std::env::temp_dir().join(format!("s3c-empty-ca-{}.pem", std::process::id()));
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let mut env = DOC_KEYS.to_vec();
    let path = empty.to_string_lossy().into_owned();
    env.push(("AWS_CA_BUNDLE", &path));
    let bad = s3c(&["list-buckets", "--dry-run"], &env);
    assert_eq!(bad.status.code(), Some(253), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("holds no certificate"), "{}", stderr(&bad));
}
