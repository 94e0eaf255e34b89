//! moto's server on loopback: a second real S3 implementation, with what Garage lacks — ACLs,
//! versioning, SSE-S3 and SSE-KMS, tagging, storage classes — and IAM and STS enforced (every
//! request is signed and authorized against the IAM policies of its key). boto3, installed with
//! it, is the independent client that reads back what the connector did. The process dies with
//! the test binary.

use crate::process::{free_port, spawn_tied};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The pinned moto version (`scripts/install-moto.sh` installs it).
pub const MOTO_VERSION: &str = "5.2.5";
/// The region moto is used with.
pub const REGION: &str = "us-east-1";
/// Requests moto serves before it enforces IAM: the setup's three (create the admin user, its
/// key and its policy).
const SETUP_REQUESTS: u32 = 3;

/// An access key pair.
#[derive(Debug, Clone)]
pub struct Keys {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
}

/// A running moto server and the administrator it was set up with.
pub struct Moto {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Keys of a user allowed everything.
    pub admin: Keys,
    python: PathBuf,
}

/// The venv's `bin` directory: `$MOTO_BIN_DIR` or the install script's cache.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MOTO_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(format!(".cache/s3wasm/moto-{MOTO_VERSION}/bin"))
}

/// The moto server for this test process, with IAM enforced, started on first use.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| Moto::start(true))
}

/// A moto server without IAM, for what moto cannot do with it: it answers presigned URLs with an
/// internal error when IAM is enforced (it looks for an `Authorization` header).
pub fn moto_without_iam() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| Moto::start(false))
}

/// What every boto3 script starts with: clients for `argv[1]` (endpoint), `argv[2..4]` (keys).
const PRELUDE: &str = r#"
import boto3, json, sys
from botocore.config import Config
endpoint, key, secret = sys.argv[1], sys.argv[2], sys.argv[3]
config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
def client(name):
    return boto3.client(name, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, config=config)
s3, iam, sts, kms = client("s3"), client("iam"), client("sts"), client("kms")
def out(value):
    print(json.dumps(value, default=str))
"#;

impl Moto {
    /// Starts moto, with IAM enforced after the administrator is created when `iam`. Panics
    /// with instructions when moto is not installed: a missing server is a failure, never a skip.
    fn start(iam: bool) -> Moto {
        let bin = bin_dir();
        let server = bin.join("moto_server");
        assert!(
            server.exists(),
            "moto {MOTO_VERSION} is not installed at {}: run scripts/install-moto.sh (or set MOTO_BIN_DIR)",
            bin.display()
        );
        let port = free_port();
        let log = std::env::temp_dir().join(format!("s3c-moto-{}.log", std::process::id()));
        let mut command = Command::new(&server);
        command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        if iam {
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", SETUP_REQUESTS.to_string());
        }
        spawn_tied(command, &log);
        let address = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(Instant::now() < deadline, "moto did not start (log: {})", log.display());
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut moto = Moto {
            endpoint: format!("http://{address}"),
            admin: Keys { access_key_id: "setup".into(), secret_access_key: "setup".into() },
            python: bin.join("python"),
        };
        let admin = moto.run(
            &moto.admin,
            r#"
iam.create_user(UserName="admin")
key = iam.create_access_key(UserName="admin")["AccessKey"]
iam.put_user_policy(UserName="admin", PolicyName="everything", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
out({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]})
"#,
        );
        moto.admin = keys_from(&admin);
        moto
    }

    /// Runs a boto3 `script` (after [`PRELUDE`]) with `keys`; returns what it printed with
    /// `out(...)` as JSON. Panics with the script's error output when it fails.
    pub fn run(&self, keys: &Keys, script: &str) -> Value {
        let output = Command::new(&self.python)
            .arg("-c")
            .arg(format!("{PRELUDE}\n{script}"))
            .args([&self.endpoint, &keys.access_key_id, &keys.secret_access_key])
            .output()
            .expect("cannot run moto's python");
        assert!(output.status.success(), "boto3 script failed:\n{script}\n{}", String::from_utf8_lossy(&output.stderr));
        let text = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(text.trim()).unwrap_or(Value::Null)
    }

    /// Runs a boto3 `script` as the administrator.
    pub fn admin(&self, script: &str) -> Value {
        self.run(&self.admin, script)
    }

    /// A new IAM user that holds exactly `policy` (a policy document; one without statements
    /// grants nothing, so the user gets no policy at all); returns its keys.
    pub fn user_with_policy(&self, name: &str, policy: &Value) -> Keys {
        let grants_something = policy["Statement"].as_array().is_some_and(|s| !s.is_empty());
        let attach = if grants_something {
            format!(
                r#"iam.put_user_policy(UserName={name:?}, PolicyName="only", PolicyDocument={:?})"#,
                policy.to_string()
            )
        } else {
            String::new()
        };
        let created = self.admin(&format!(
            r#"
iam.create_user(UserName={name:?})
{attach}
key = iam.create_access_key(UserName={name:?})["AccessKey"]
out({{"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}})
"#
        ));
        keys_from(&created)
    }

    /// The connector `auth` object for `keys` on this server.
    pub fn auth(&self, keys: &Keys) -> Value {
        json!({
            "access_key_id": keys.access_key_id,
            "secret_access_key": keys.secret_access_key,
            "region": REGION,
            "endpoint": self.endpoint,
        })
    }
}

fn keys_from(value: &Value) -> Keys {
    Keys {
        access_key_id: value["id"].as_str().expect("an access key id").to_string(),
        secret_access_key: value["secret"].as_str().expect("a secret").to_string(),
    }
}
