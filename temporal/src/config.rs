//! The worker's configuration: where Temporal is, which task queue it serves, how many
//! activities it runs at once, its file directory — from flags — and the S3 connection from the
//! AWS CLI's environment variables (the auth object is built here and never printed).

use clap::{Arg, Command, value_parser};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Everything the worker needs to start.
pub(crate) struct WorkerConfig {
    /// The Temporal frontend, e.g. `http://127.0.0.1:7233`.
    pub(crate) temporal_address: String,
    /// The Temporal namespace.
    pub(crate) namespace: String,
    /// The task queue whose activities this worker runs.
    pub(crate) task_queue: String,
    /// Most activities run at once.
    pub(crate) max_concurrent: usize,
    /// This worker's own file directory (workers share no files: file references, presigned
    /// URLs, move files between them).
    pub(crate) files: Option<PathBuf>,
    /// The connector's auth JSON.
    pub(crate) auth: String,
    /// Whether the endpoint was named (then private addresses are allowed, as for the CLI).
    pub(crate) endpoint_named: bool,
    /// The name this worker gives Temporal (in histories: which worker ran an attempt).
    pub(crate) identity: Option<String>,
    /// The org whose files the backup template's activities copy, when the worker runs them.
    pub(crate) salesforce: Option<SalesforceOrg>,
}

/// A Salesforce org: where it is and the token that reads it (a secret: never printed).
pub(crate) struct SalesforceOrg {
    /// Its instance URL, e.g. `https://acme.my.salesforce.com`.
    pub(crate) instance_url: String,
    /// Its access token.
    pub(crate) token: String,
}

/// The command line.
fn command() -> Command {
    Command::new("s3-temporal-worker")
        .about("Runs every S3 connector operation as a Temporal activity (s3.<operation>) in the sandboxed host")
        .after_help(
            "The S3 connection comes from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION \
             (or AWS_DEFAULT_REGION; default: discovered per bucket) and AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL \
             (an S3-compatible store).",
        )
        .arg(
            Arg::new("temporal-address")
                .long("temporal-address")
                .env("TEMPORAL_ADDRESS")
                .default_value("http://127.0.0.1:7233")
                .help("The Temporal frontend"),
        )
        .arg(Arg::new("namespace").long("namespace").env("TEMPORAL_NAMESPACE").default_value("default"))
        .arg(Arg::new("task-queue").long("task-queue").default_value("s3").help("The task queue to serve"))
        .arg(
            Arg::new("max-concurrent")
                .long("max-concurrent")
                .value_parser(value_parser!(usize))
                .default_value("16")
                .help("Most activities run at once (each in its own sandboxed instance)"),
        )
        .arg(
            Arg::new("files")
                .long("files")
                .value_parser(value_parser!(PathBuf))
                .help("This worker's file directory (file operations are refused without one)"),
        )
        .arg(Arg::new("identity").long("identity").help("This worker's name in Temporal (default: process and host)"))
        .arg(Arg::new("salesforce-backup").long("salesforce-backup").action(clap::ArgAction::SetTrue).help(
            "Also run the backup template's activities (salesforce_backup.plan, .copy, .delete) for the org \
                     in SF_INSTANCE_URL, read with SF_ACCESS_TOKEN",
        ))
}

impl WorkerConfig {
    /// Reads the flags in `args` and the connection from `env` (a variable's value, if set).
    pub(crate) fn from_args(args: Vec<String>, env: impl Fn(&str) -> Option<String>) -> Result<WorkerConfig, String> {
        let matches = command().try_get_matches_from(args).map_err(|e| e.to_string())?;
        let text = |name: &str| matches.get_one::<String>(name).cloned().unwrap_or_default();
        let max_concurrent = matches.get_one::<usize>("max-concurrent").copied().unwrap_or(16);
        if max_concurrent == 0 {
            return Err("--max-concurrent must be at least 1".into());
        }
        let (auth, endpoint_named) = auth_from_env(&env)?;
        let salesforce = match matches.get_flag("salesforce-backup") {
            true => Some(org_from_env(&env)?),
            false => None,
        };
        Ok(WorkerConfig {
            temporal_address: text("temporal-address"),
            namespace: text("namespace"),
            task_queue: text("task-queue"),
            max_concurrent,
            files: matches.get_one::<PathBuf>("files").cloned(),
            auth: auth.to_string(),
            endpoint_named,
            identity: matches.get_one::<String>("identity").cloned(),
            salesforce,
        })
    }
}

/// The connector's auth object from the AWS CLI's variables, and whether an endpoint was named.
fn auth_from_env(env: &impl Fn(&str) -> Option<String>) -> Result<(Value, bool), String> {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    let required = |name: &str| set(name).ok_or_else(|| format!("{name} is not set: the worker needs S3 credentials"));
    let mut auth = json!({
        "access_key_id": required("AWS_ACCESS_KEY_ID")?,
        "secret_access_key": required("AWS_SECRET_ACCESS_KEY")?,
        "region": set("AWS_REGION").or_else(|| set("AWS_DEFAULT_REGION")).unwrap_or_else(|| "auto".into()),
    });
    if let Some(token) = set("AWS_SESSION_TOKEN") {
        auth["session_token"] = json!(token);
    }
    let endpoint = set("AWS_ENDPOINT_URL_S3").or_else(|| set("AWS_ENDPOINT_URL"));
    let named = endpoint.is_some();
    if let Some(endpoint) = endpoint {
        auth["endpoint"] = json!(endpoint);
    }
    Ok((auth, named))
}

/// The org from `SF_INSTANCE_URL` and `SF_ACCESS_TOKEN`.
fn org_from_env(env: &impl Fn(&str) -> Option<String>) -> Result<SalesforceOrg, String> {
    let required = |name: &str| {
        env(name)
            .filter(|value| !value.is_empty())
            .ok_or_else(|| format!("{name} is not set: --salesforce-backup needs the org's URL and access token"))
    };
    Ok(SalesforceOrg { instance_url: required("SF_INSTANCE_URL")?, token: required("SF_ACCESS_TOKEN")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_connection_comes_from_the_aws_variables() {
        let args = vec!["s3-temporal-worker".to_string(), "--task-queue".into(), "backups".into()];
        let config = WorkerConfig::from_args(
            args,
            env(&[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:3900"),
            ]),
        )
        .unwrap();
        assert_eq!((config.task_queue.as_str(), config.max_concurrent), ("backups", 16));
        let auth: Value = serde_json::from_str(&config.auth).unwrap();
        assert_eq!(auth["region"], "auto");
        assert_eq!(auth["endpoint"], "http://127.0.0.1:3900");
        assert!(config.endpoint_named);
        let missing = WorkerConfig::from_args(vec!["w".into()], env(&[("AWS_ACCESS_KEY_ID", "AKID")]));
        assert!(missing.err().unwrap().contains("AWS_SECRET_ACCESS_KEY"));
        let zero = WorkerConfig::from_args(
            vec!["w".into(), "--max-concurrent".into(), "0".into()],
            env(&[("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b")]),
        );
        assert!(zero.is_err());
    }

    #[test]
    fn the_backup_activities_need_the_org() {
        let args = || vec!["w".to_string(), "--salesforce-backup".into()];
        let s3 = [("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "b")];
        let without = WorkerConfig::from_args(args(), env(&s3));
        assert!(without.err().unwrap().contains("SF_INSTANCE_URL"));
        let org = [s3[0], s3[1], ("SF_INSTANCE_URL", "https://acme.my.salesforce.com"), ("SF_ACCESS_TOKEN", "00D!t")];
        let config = WorkerConfig::from_args(args(), env(&org)).unwrap();
        let salesforce = config.salesforce.expect("the org");
        assert_eq!(
            (salesforce.instance_url.as_str(), salesforce.token.as_str()),
            ("https://acme.my.salesforce.com", "00D!t")
        );
        assert!(WorkerConfig::from_args(vec!["w".into()], env(&org)).unwrap().salesforce.is_none());
    }
}
