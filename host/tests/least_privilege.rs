//! Least privilege, proven against a server that enforces IAM (moto): each of the product's
//! operations runs as a user that holds exactly what `s3c policy` prints for it, and fails with
//! `forbidden`, naming the missing action, when any one printed action is taken away. All of
//! them also run under the product's documented example policy.

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
    let output = s3c(&["policy", "--operations", operation, "--bucket", &f.bucket, "--input", input], &[]);
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

#[test]
fn each_operation_needs_exactly_what_s3c_policy_prints() {
    let f = fixture();
    for (index, (operation, template)) in CASES.iter().enumerate() {
        let input = input(template, &f);
        let policy = printed_policy(operation, &input, &f);
        let keys = moto().user_with_policy(&format!("exact-{index}"), &policy);
        let (ok, typed) = run(operation, &input, &keys);
        assert!(ok, "{operation} with exactly {policy}: {typed}");
        for action in actions(&policy) {
            let user = format!("without-{index}-{}", action.replace([':', '*'], "-"));
            let keys = moto().user_with_policy(&user, &without(&policy, &action));
            let (ok, typed) = run(operation, &input, &keys);
            assert!(!ok, "{operation} still works without {action}");
            assert_eq!(typed["kind"], "forbidden", "{operation} without {action}: {typed}");
            let message = typed["message"].as_str().unwrap_or_default();
            assert!(message.contains(&format!("most likely lack {action}")), "{operation} without {action}: {message}");
        }
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
