//! Credentials the AWS way, resolved by the AWS SDK's provider chain: a profile that assumes a
//! role (`role_arn` + `source_profile`, through moto's STS) and one that runs a
//! `credential_process`, and one with a web identity token (OpenID Connect, as on EKS); each then
//! lists buckets on moto, which enforces IAM.

#[path = "../../tests/src/process.rs"]
#[expect(dead_code, unreachable_pub, reason = "the moto harness uses part of the process helpers")]
mod process;

#[path = "../../tests/src/moto.rs"]
#[expect(dead_code, unreachable_pub, reason = "this test uses part of the moto harness")]
mod moto;

mod support;

use moto::{moto, moto_without_iam};
use std::os::unix::fs::PermissionsExt;
use support::{s3c, stderr, stdout};

/// Writes an AWS config file with `profiles` (whole sections) into a fresh directory.
fn config_dir(name: &str, config: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("s3c-credentials-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(dir.join("credentials"), "").unwrap();
    dir
}

fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    run_on(moto(), dir, args)
}

fn run_on(server: &moto::Moto, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let endpoint = server.endpoint.clone();
    let config = dir.join("config").to_string_lossy().into_owned();
    let credentials = dir.join("credentials").to_string_lossy().into_owned();
    let mut all = args.to_vec();
    all.extend(["--endpoint-url", endpoint.as_str(), "--region", moto::REGION]);
    s3c(
        &all,
        &[
            ("AWS_CONFIG_FILE", &config),
            ("AWS_SHARED_CREDENTIALS_FILE", &credentials),
            ("AWS_ENDPOINT_URL_STS", &endpoint),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    )
}

#[test]
fn a_profile_that_assumes_a_role_gets_temporary_credentials_from_sts() {
    let moto = moto();
    let bucket = format!("assumed-{}", std::process::id());
    let role_arn = moto.admin(&format!(
        r#"
trust = {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "*"}}, "Action": "sts:AssumeRole"}}]}}
role = iam.create_role(RoleName="lister", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
iam.put_role_policy(RoleName="lister", PolicyName="list", PolicyDocument=json.dumps(
    {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}}]}}))
s3.create_bucket(Bucket={bucket:?})
out(role["Arn"])
"#
    ));
    let role_arn = role_arn.as_str().unwrap();
    let admin = &moto.admin;
    let dir = config_dir(
        "role",
        &format!(
            "[profile base]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[profile lister]\nrole_arn = {role_arn}\nsource_profile = base\n",
            admin.access_key_id, admin.secret_access_key
        ),
    );
    let listed = run(&dir, &["list-buckets", "--profile", "lister"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains(&bucket), "{}", stdout(&listed));
    // The request is signed with the role's temporary credentials (a session token goes along).
    let dry = run(&dir, &["list-buckets", "--profile", "lister", "--dry-run"]);
    assert!(stdout(&dry).contains("x-amz-security-token: ******"), "{}", stdout(&dry));
    assert!(!stdout(&dry).contains(&admin.access_key_id), "signed as the role, not the source profile");
}

#[test]
fn a_profile_with_a_credential_process_runs_it() {
    let admin = &moto().admin;
    let dir = config_dir("process", "");
    let script = dir.join("credentials.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho '{{\"Version\": 1, \"AccessKeyId\": \"{}\", \"SecretAccessKey\": \"{}\"}}'\n",
            admin.access_key_id, admin.secret_access_key
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(dir.join("config"), format!("[profile tool]\ncredential_process = {}\n", script.display())).unwrap();
    let listed = run(&dir, &["list-buckets", "--profile", "tool"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains("\"buckets\""), "{}", stdout(&listed));
    // A process that fails is a configuration error that says so.
    std::fs::write(&script, "#!/bin/sh\necho 'no credentials for you' >&2\nexit 3\n").unwrap();
    let failed = run(&dir, &["list-buckets", "--profile", "tool"]);
    assert_eq!(failed.status.code(), Some(253), "{}", stderr(&failed));
    assert!(stderr(&failed).contains("Unable to locate credentials"), "{}", stderr(&failed));
}

#[test]
fn a_profile_with_a_web_identity_token_assumes_its_role() {
    // AssumeRoleWithWebIdentity is an unsigned call, which moto with IAM enforced cannot answer
    // (it looks for an Authorization header): this one runs on a moto without IAM.
    let moto = moto_without_iam();
    let bucket = format!("web-identity-{}", std::process::id());
    let role_arn = moto.admin(&format!(
        r#"
trust = {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"Federated": "accounts.example.com"}}, "Action": "sts:AssumeRoleWithWebIdentity"}}]}}
role = iam.create_role(RoleName="web-lister", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
iam.put_role_policy(RoleName="web-lister", PolicyName="list", PolicyDocument=json.dumps(
    {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}}]}}))
s3.create_bucket(Bucket={bucket:?})
out(role["Arn"])
"#
    ));
    let dir = config_dir("web", "");
    let token = dir.join("token");
    // An OpenID Connect token as an identity provider hands it out (moto does not check its signature).
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrZmxvdyJ9.c2lnbmF0dXJl").unwrap();
    std::fs::write(
        dir.join("config"),
        format!(
            "[profile web]\nrole_arn = {}\nweb_identity_token_file = {}\nrole_session_name = workflow\n",
            role_arn.as_str().unwrap(),
            token.display()
        ),
    )
    .unwrap();
    let listed = run_on(moto, &dir, &["list-buckets", "--profile", "web"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains(&bucket), "{}", stdout(&listed));
    let dry = run_on(moto, &dir, &["list-buckets", "--profile", "web", "--dry-run"]);
    assert!(stdout(&dry).contains("x-amz-security-token: ******"), "{}", stdout(&dry));
}
