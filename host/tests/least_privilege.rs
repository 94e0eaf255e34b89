//! Least privilege, proven against a server that enforces IAM (moto): each of the product's
//! operations runs as a user that holds exactly what `s3c policy` prints for it, and fails with
//! `forbidden`, naming the missing action, when any one printed action is taken away; so does
//! every other operation that sends a request. The product's operations also run under its
//! documented example policy.

#[path = "../../tests/src/process.rs"]
#[expect(dead_code, unreachable_pub, reason = "the moto harness uses part of the process helpers")]
mod process;

#[path = "../../tests/src/moto.rs"]
#[expect(dead_code, unreachable_pub, reason = "this test uses part of the moto harness")]
mod moto;

mod support;

use moto::{Keys, moto};
use serde_json::{Value, json};
use support::{s3c, stderr, stdout};

/// The product's operations with an input each; `{bucket}` is the test's bucket. Presigning
/// sends no request, so no permission can fail it here (and moto does not verify presigned URLs
/// under IAM).
const CASES: &[(&str, &str)] = &[
    ("list_buckets", r#"{}"#),
    ("list_objects", r#"{"bucket": "{bucket}"}"#),
    ("head_object", r#"{"bucket": "{bucket}", "key": "seed.txt"}"#),
    ("get_object", r#"{"bucket": "{bucket}", "key": "seed.txt"}"#),
    ("put_object_text", r#"{"bucket": "{bucket}", "key": "text.txt", "content": "t"}"#),
    ("put_object_file", r#"{"bucket": "{bucket}", "key": "file.txt", "file": "{file}"}"#),
    ("put_object_acl", r#"{"bucket": "{bucket}", "key": "seed.txt", "acl": "private"}"#),
    ("delete_object", r#"{"bucket": "{bucket}", "key": "gone.txt"}"#),
];

/// Every other operation that sends a request: (operation, a boto3 script the administrator runs
/// before each attempt to set the scene — it may `out({"upload": id})` — and the input). Delete
/// Abort needs an upload to abort, Delete Bucket a bucket. Left out for moto's sake: Head Bucket
/// (moto checks an `s3:HeadBucket` that IAM does not have; AWS checks `s3:ListBucket`), Delete
/// Object Tagging (moto authorizes it as `s3:DeleteObject`, where AWS checks
/// `s3:DeleteObjectTagging`, what the connector declares), and Delete Multiple Objects and Delete
/// Prefix (moto authorizes the batch against the bucket's ARN, where AWS checks
/// `s3:DeleteObject` on each object's; `connector/tests/orchestration.rs` shows the refusal).
const OTHER_CASES: &[(&str, &str, &str)] = &[
    (
        "copy_object",
        "",
        r#"{"bucket": "{bucket}", "key": "copy.txt", "source_bucket": "{bucket}", "source_key": "seed.txt"}"#,
    ),
    ("get_object_tagging", "", r#"{"bucket": "{bucket}", "key": "seed.txt"}"#),
    ("put_object_tagging", "", r#"{"bucket": "{bucket}", "key": "seed.txt", "tags": {"team": "data"}}"#),
    ("get_bucket_location", "", r#"{"bucket": "{bucket}"}"#),
    ("list_multipart_uploads", "", r#"{"bucket": "{bucket}"}"#),
    (
        "abort_multipart_upload",
        r#"out({"upload": s3.create_multipart_upload(Bucket="{bucket}", Key="up.bin")["UploadId"]})"#,
        r#"{"bucket": "{bucket}", "key": "up.bin", "upload_id": "{upload}"}"#,
    ),
    (
        "create_bucket",
        r#"
try:
    s3.delete_bucket(Bucket="{bucket}-new")
except Exception:
    pass
"#,
        r#"{"bucket": "{bucket}-new"}"#,
    ),
    (
        "delete_bucket",
        r#"
try:
    s3.create_bucket(Bucket="{bucket}-old")
except Exception:
    pass
"#,
        r#"{"bucket": "{bucket}-old"}"#,
    ),
];

/// Actions AWS requires that moto does not check for a call, so taking them away proves nothing
/// there: CopyObject's read of its source.
const UNENFORCED_BY_MOTO: &[(&str, &[&str])] = &[("copy_object", &["s3:GetObject"])];

struct Fixture {
    bucket: String,
    file: String,
}

fn fixture() -> Fixture {
    let bucket = format!("least-{}", std::process::id());
    moto().admin(&format!(
        r#"s3.create_bucket(Bucket={bucket:?}); s3.put_object(Bucket={bucket:?}, Key="seed.txt", Body=b"seed")"#
    ));
    let file = std::env::temp_dir().join(format!("least-{}.txt", std::process::id()));
    std::fs::write(&file, b"file contents").unwrap();
    Fixture { bucket, file: file.to_string_lossy().into_owned() }
}

fn input(template: &str, f: &Fixture) -> String {
    template.replace("{bucket}", &f.bucket).replace("{file}", &f.file)
}

/// Runs `operation` with `input` as `keys`; the exit status's success and the typed error.
fn run(operation: &str, input: &str, keys: &Keys) -> (bool, Value) {
    let endpoint = moto().endpoint.clone();
    let output = s3c(
        &["invoke", operation, "--input", input, "--endpoint-url", &endpoint, "--region", moto::REGION],
        &[("AWS_ACCESS_KEY_ID", &keys.access_key_id), ("AWS_SECRET_ACCESS_KEY", &keys.secret_access_key)],
    );
    let typed = stderr(&output).lines().rev().find_map(|line| serde_json::from_str(line).ok()).unwrap_or(Value::Null);
    (output.status.success(), typed)
}

/// What `s3c policy` prints for `operation` with `input` on the bucket.
fn printed_policy(operation: &str, input: &str, f: &Fixture) -> Value {
    // The input's own bucket (Create and Delete Bucket name another one), else the test's.
    let parsed: Value = serde_json::from_str(input).expect("a JSON input");
    let bucket = parsed["bucket"].as_str().unwrap_or(&f.bucket);
    let output = s3c(&["policy", "--operations", operation, "--bucket", bucket, "--input", input], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("a policy document")
}

/// `policy` without `action` (statements left empty are dropped).
fn without(policy: &Value, action: &str) -> Value {
    let mut policy = policy.clone();
    let statements: Vec<Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|statement| {
            let mut statement = statement.clone();
            let actions: Vec<Value> =
                statement["Action"].as_array().unwrap().iter().filter(|a| *a != action).cloned().collect();
            statement["Action"] = Value::Array(actions.clone());
            (!actions.is_empty()).then_some(statement)
        })
        .collect();
    policy["Statement"] = Value::Array(statements);
    policy
}

fn actions(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()))
        .collect()
}

/// Runs `operation` (after `before`, each time) with exactly the printed policy, then with each
/// printed action removed; `user` prefixes the IAM users' names.
fn needs_exactly_what_is_printed(user: &str, operation: &str, before: &str, template: &str, f: &Fixture) {
    let unenforced: &[&str] = UNENFORCED_BY_MOTO.iter().find(|(op, _)| *op == operation).map_or(&[], |(_, a)| a);
    let prepare = || {
        let scene = if before.is_empty() { Value::Null } else { moto().admin(&input(before, f)) };
        let input = input(template, f);
        match scene["upload"].as_str() {
            Some(upload) => input.replace("{upload}", upload),
            None => input,
        }
    };
    let input = prepare();
    let policy = printed_policy(operation, &input, f);
    let keys = moto().user_with_policy(&format!("exact-{user}"), &policy);
    let (ok, typed) = run(operation, &input, &keys);
    assert!(ok, "{operation} with exactly {policy}: {typed}");
    for action in actions(&policy).into_iter().filter(|action| !unenforced.contains(&action.as_str())) {
        let input = prepare();
        let name = format!("without-{user}-{}", action.replace([':', '*'], "-"));
        let keys = moto().user_with_policy(&name, &without(&policy, &action));
        let (ok, typed) = run(operation, &input, &keys);
        assert!(!ok, "{operation} still works without {action}");
        assert_eq!(typed["kind"], "forbidden", "{operation} without {action}: {typed}");
        let message = typed["message"].as_str().unwrap_or_default();
        assert!(message.contains(&format!("most likely lack {action}")), "{operation} without {action}: {message}");
    }
}

#[test]
fn each_operation_needs_exactly_what_s3c_policy_prints() {
    let f = fixture();
    for (index, (operation, template)) in CASES.iter().enumerate() {
        needs_exactly_what_is_printed(&index.to_string(), operation, "", template, &f);
    }
}

#[test]
fn every_other_operation_needs_exactly_what_s3c_policy_prints_too() {
    let f = fixture();
    for (index, (operation, before, template)) in OTHER_CASES.iter().enumerate() {
        needs_exactly_what_is_printed(&format!("other-{index}"), operation, before, template, &f);
    }
}

#[test]
fn the_products_example_policy_runs_all_nine_operations() {
    let f = fixture();
    // The product's documentation's example, vendored from shared/testdata/iam.
    let example = include_str!("data/example-user-policy.json");
    let policy: Value = serde_json::from_str(&example.replace("bucket-name-1", &f.bucket)).unwrap();
    let keys = moto().user_with_policy("example", &policy);
    for (operation, template) in CASES {
        let (ok, typed) = run(operation, &input(template, &f), &keys);
        assert!(ok, "{operation} under the example policy: {typed}");
    }
    let presign = json!({"bucket": f.bucket, "key": "seed.txt"}).to_string();
    assert!(run("get_object_signed_url", &presign, &keys).0);
}
