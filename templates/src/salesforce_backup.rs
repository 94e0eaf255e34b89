//! *Sync Salesforce files to AWS S3 backups*: every document's latest version is kept at
//! `<prefix><record id>/<title>` with its record id, version and checksum as metadata.
//!
//! Incremental: a file whose stored version is the org's latest is skipped; a new version
//! replaces the stored one; with `delete_removed`, backups of documents the org no longer has
//! (or under an old title) are deleted. A dry run says what it would do and writes nothing. Each
//! upload is atomic and a failed file does not stop the others, so running again after an
//! interruption finishes the job. The bytes go from the org to S3 through the sandboxed
//! connector, read with the org's Bearer token (`url_headers`, never printed).

use crate::connector::{Connector, StepError};
use crate::salesforce::{ContentFile, Org, SalesforceError};
use connector_host::policy::rule_for_url;
use connector_host::{FileAccess, Policy, Runtime};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Metadata names on each backup (stored as `x-amz-meta-…`).
const RECORD_ID: &str = "sf-record-id";
const VERSION_ID: &str = "sf-version-id";
const VERSION_NUMBER: &str = "sf-version-number";
const CHECKSUM: &str = "sf-checksum";

/// What to back up where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Options {
    /// The bucket.
    pub bucket: String,
    /// Key prefix of the backups, e.g. `backups/` (the default).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// Delete backups of documents the org no longer has.
    #[serde(default)]
    pub delete_removed: bool,
    /// Say what would be done; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

fn default_prefix() -> String {
    "backups/".into()
}

/// What a run did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Files the org listed.
    pub listed: usize,
    /// Keys of new backups.
    pub uploaded: Vec<String>,
    /// Keys whose backup was replaced by a newer version.
    pub updated: Vec<String>,
    /// Files whose backup is current.
    pub unchanged: usize,
    /// Keys deleted (documents removed from the org, or renamed).
    pub deleted: Vec<String>,
    /// Files that failed, with why (the next run retries them).
    pub failed: Vec<(String, String)>,
    /// Bytes copied.
    pub bytes: u64,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

impl Report {
    /// The report as JSON (what the template prints).
    pub fn to_json(&self) -> Value {
        json!({
            "dry_run": self.dry_run,
            "listed": self.listed,
            "uploaded": self.uploaded,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "failed": self.failed.iter().map(|(key, why)| json!({"key": key, "error": why})).collect::<Vec<_>>(),
            "bytes": self.bytes,
        })
    }
}

/// Why a run could not even start (listing the org or the bucket failed).
#[derive(Debug)]
pub enum BackupError {
    /// The org could not be listed.
    Salesforce(SalesforceError),
    /// The bucket could not be listed.
    Bucket(StepError),
}

impl std::fmt::Display for BackupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackupError::Salesforce(error) => write!(f, "listing the org's files failed: {error}"),
            BackupError::Bucket(error) => write!(f, "listing the backups failed: {error}"),
        }
    }
}

impl std::error::Error for BackupError {}

/// The backup's key for `file`: `<prefix><record id>/<title>[.<extension>]`, the title's `/`
/// replaced (it would make folders).
pub fn backup_key(prefix: &str, file: &ContentFile) -> String {
    let title = file.title.replace('/', "_");
    let name = match &file.extension {
        Some(extension) if !title.to_ascii_lowercase().ends_with(&format!(".{}", extension.to_ascii_lowercase())) => {
            format!("{title}.{extension}")
        }
        _ => title,
    };
    format!("{prefix}{}/{name}", file.document_id)
}

/// One file to copy, as the plan says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCopy {
    /// Its backup's key.
    pub key: String,
    /// The org's latest version.
    pub file: ContentFile,
    /// Whether it replaces an older version's backup (else it is new).
    pub replaces: bool,
}

/// What a run will do, decided before anything is written: the same for one process and for
/// a Temporal workflow that fans the copies out across workers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Files the org listed.
    pub listed: usize,
    /// Files whose backup is current.
    pub unchanged: usize,
    /// Files to copy, in the org's order.
    pub copies: Vec<PlannedCopy>,
    /// Backups of documents the org no longer has (only with `delete_removed`).
    pub removed: Vec<String>,
    /// Files whose backup could not be read, with why.
    pub failed: Vec<(String, String)>,
}

/// The outcome of deleting the removed backups: the keys gone, and those that failed with why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deletion {
    /// Keys deleted.
    pub deleted: Vec<String>,
    /// Keys that could not be deleted, with why.
    pub failed: Vec<(String, String)>,
}

impl Report {
    /// The report of a run that planned `plan` and has copied nothing yet.
    pub fn planned(plan: &Plan, dry_run: bool) -> Report {
        Report {
            listed: plan.listed,
            unchanged: plan.unchanged,
            failed: plan.failed.clone(),
            dry_run,
            ..Report::default()
        }
    }

    /// Records how copying `copy` ended: the bytes copied, or why it failed.
    pub fn record_copy(&mut self, copy: &PlannedCopy, outcome: Result<u64, String>) {
        match outcome {
            Ok(bytes) => {
                self.bytes += bytes;
                let done = if copy.replaces { &mut self.updated } else { &mut self.uploaded };
                done.push(copy.key.clone());
            }
            Err(why) => self.failed.push((copy.key.clone(), why)),
        }
    }

    /// Records a deletion's outcome.
    pub fn record_deletion(&mut self, deletion: Deletion) {
        self.deleted.extend(deletion.deleted);
        self.failed.extend(deletion.failed);
    }
}

/// Runs the backup once, in this process: plans, copies one file after another, deletes.
pub async fn run(connector: &Connector, org: &Org, options: &Options) -> Result<Report, BackupError> {
    let plan = plan(connector, org, options).await?;
    let mut report = Report::planned(&plan, options.dry_run);
    for copy in &plan.copies {
        let outcome = match options.dry_run {
            true => Ok(0),
            false => copy_file(connector, org, options, copy).await.map_err(|e| e.to_string()),
        };
        report.record_copy(copy, outcome);
    }
    report.record_deletion(delete_removed(connector, options, &plan.removed).await);
    Ok(report)
}

/// What a run will do: lists the org and the backups, and reads the version each backup holds.
pub async fn plan(connector: &Connector, org: &Org, options: &Options) -> Result<Plan, BackupError> {
    let files = org.latest_files().await.map_err(BackupError::Salesforce)?;
    let stored = stored_backups(connector, options).await.map_err(BackupError::Bucket)?;
    let mut plan = Plan { listed: files.len(), ..Plan::default() };
    let mut current = BTreeSet::new();
    for file in files {
        let key = backup_key(&options.prefix, &file);
        current.insert(key.clone());
        let state = match stored.contains(&key) {
            true => stored_version(connector, options, &key).await,
            false => Ok(None),
        };
        match state {
            Ok(Some(version)) if version == file.version_id => plan.unchanged += 1,
            Ok(previous) => plan.copies.push(PlannedCopy { key, file, replaces: previous.is_some() }),
            Err(error) => plan.failed.push((key, error.to_string())),
        }
    }
    if options.delete_removed {
        plan.removed = stored.difference(&current).cloned().collect();
    }
    Ok(plan)
}

/// Deletes `removed` (nothing in a dry run, which reports them as deleted); a key the store
/// refused, or all of them if the request failed, come back as failed.
pub async fn delete_removed(connector: &Connector, options: &Options, removed: &[String]) -> Deletion {
    if removed.is_empty() || options.dry_run {
        return Deletion { deleted: removed.to_vec(), failed: Vec::new() };
    }
    let input = json!({"bucket": options.bucket, "objects": removed});
    match connector.call("delete_objects", &input).await {
        Ok(output) => deletion_outcome(removed, &output),
        Err(error) => Deletion {
            deleted: Vec::new(),
            failed: removed.iter().map(|key| (key.clone(), format!("delete: {error}"))).collect(),
        },
    }
}

/// Which of `removed` a `delete_objects` answer deleted, and which it refused.
fn deletion_outcome(removed: &[String], output: &Value) -> Deletion {
    let mut refused = BTreeMap::new();
    for error in output["errors"].as_array().map(Vec::as_slice).unwrap_or_default() {
        if let Some(key) = error["key"].as_str() {
            let why = format!(
                "delete: {}: {}",
                error["code"].as_str().unwrap_or("refused"),
                error["message"].as_str().unwrap_or_default()
            );
            refused.insert(key.to_string(), why);
        }
    }
    let mut deletion = Deletion::default();
    for key in removed {
        match refused.remove(key) {
            Some(why) => deletion.failed.push((key.clone(), why)),
            None => deletion.deleted.push(key.clone()),
        }
    }
    deletion
}

/// The keys of every backup under the prefix.
async fn stored_backups(connector: &Connector, options: &Options) -> Result<BTreeSet<String>, StepError> {
    let listing = connector
        .call("list_objects", &json!({"bucket": options.bucket, "prefix": options.prefix, "fetch_all": true}))
        .await?;
    let objects = listing["objects"].as_array().map(Vec::as_slice).unwrap_or_default();
    Ok(objects.iter().filter_map(|o| o["key"].as_str().map(str::to_string)).collect())
}

/// The Salesforce version a backup holds, from its metadata (`None` if it has none).
async fn stored_version(connector: &Connector, options: &Options, key: &str) -> Result<Option<String>, StepError> {
    let head = connector.call("head_object", &json!({"bucket": options.bucket, "key": key})).await?;
    Ok(head["metadata"][VERSION_ID].as_str().map(str::to_string))
}

/// Why copying one file failed.
#[derive(Debug)]
pub enum CopyError {
    /// The connector (or the host) failed the upload.
    Step(StepError),
    /// The bytes stored are not the ones the org describes: the file changed while it was copied.
    ChecksumMismatch(String),
    /// The file named is not one the org's token may be used to read.
    Source(SalesforceError),
}

impl std::fmt::Display for CopyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CopyError::Step(error) => error.fmt(f),
            CopyError::ChecksumMismatch(message) => f.write_str(message),
            CopyError::Source(error) => write!(f, "invalid-input: {error}"),
        }
    }
}

impl std::error::Error for CopyError {}

/// Copies one planned file from the org to its key; the bytes copied. A single-part upload's
/// ETag is the content's MD5, which must be the org's own checksum.
pub async fn copy_file(
    connector: &Connector,
    org: &Org,
    options: &Options,
    copy: &PlannedCopy,
) -> Result<u64, CopyError> {
    let file = &copy.file;
    let mut metadata = BTreeMap::from([
        (RECORD_ID, file.document_id.clone()),
        (VERSION_ID, file.version_id.clone()),
        (VERSION_NUMBER, file.version_number.clone()),
    ]);
    if let Some(checksum) = &file.checksum {
        metadata.insert(CHECKSUM, checksum.clone());
    }
    // The URL is made from the version id, not taken from the plan: a plan that came through a
    // workflow is the tenant's input, and the token must read nothing but this file.
    let url = org.version_data_url(&file.version_id).map_err(CopyError::Source)?;
    let input = json!({
        "bucket": options.bucket,
        "key": copy.key,
        "url": url,
        "url_headers": {"Authorization": org.authorization()},
        "metadata": metadata,
    });
    let put = connector.call("put_object_file", &input).await.map_err(CopyError::Step)?;
    let etag = put["etag"].as_str().unwrap_or_default();
    if let Some(checksum) = &file.checksum
        && !etag.contains('-')
        && !etag.eq_ignore_ascii_case(checksum)
    {
        return Err(CopyError::ChecksumMismatch(format!(
            "stored with MD5 {etag}, but the org says {checksum}: the file changed while it was copied"
        )));
    }
    Ok(put["size"].as_u64().unwrap_or_default())
}

/// The connector a backup runs with: S3 as the component declares it for `auth`, and the org at
/// `org_url` (its files are read from there); no file store — the bytes go from the org to S3
/// through the sandbox, never to disk.
pub async fn backup_connector(
    runtime: Arc<Runtime>,
    auth: Value,
    org_url: &str,
    allow_private_networks: bool,
) -> Result<Connector, String> {
    let declared = runtime.declared_outbound().await.map_err(|e| e.to_string())?;
    let mut rules = declared.rules_for(&auth.to_string()).map_err(|e| e.to_string())?;
    rules.push(rule_for_url(org_url).map_err(|e| e.to_string())?);
    let policy =
        Policy { outbound: Some(rules), allow_private_networks, files: FileAccess::default(), ..Policy::default() };
    Ok(Connector { runtime, auth, policy })
}

/// Whether `url`'s host is this machine (a local test server: reaching it is the user's own
/// choice).
pub fn is_local_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<hyper::Uri>() else { return false };
    matches!(uri.host(), Some("127.0.0.1" | "localhost" | "[::1]" | "::1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(title: &str, extension: Option<&str>) -> ContentFile {
        ContentFile {
            version_id: "068A".into(),
            document_id: "069D".into(),
            title: title.into(),
            extension: extension.map(str::to_string),
            version_number: "1".into(),
            checksum: None,
            size: 1,
        }
    }

    #[test]
    fn a_deletion_reports_the_keys_the_store_refused() {
        let removed = vec!["b/1".to_string(), "b/2".to_string(), "b/3".to_string()];
        let output = json!({"deleted": [{"key": "b/1"}, {"key": "b/3"}],
                            "errors": [{"key": "b/2", "code": "AccessDenied", "message": "Access Denied"}]});
        let deletion = deletion_outcome(&removed, &output);
        assert_eq!(deletion.deleted, ["b/1", "b/3"]);
        assert_eq!(deletion.failed, [("b/2".to_string(), "delete: AccessDenied: Access Denied".to_string())]);
    }

    #[test]
    fn a_report_counts_each_copy_where_it_belongs() {
        let plan = Plan {
            listed: 4,
            unchanged: 1,
            copies: vec![
                PlannedCopy { key: "b/new".into(), file: file("new", None), replaces: false },
                PlannedCopy { key: "b/old".into(), file: file("old", None), replaces: true },
                PlannedCopy { key: "b/bad".into(), file: file("bad", None), replaces: false },
            ],
            removed: vec![],
            failed: vec![],
        };
        let mut report = Report::planned(&plan, false);
        report.record_copy(&plan.copies[0], Ok(10));
        report.record_copy(&plan.copies[1], Ok(5));
        report.record_copy(&plan.copies[2], Err("throttled".into()));
        assert_eq!((report.uploaded, report.updated, report.bytes), (vec!["b/new".into()], vec!["b/old".into()], 15));
        assert_eq!(report.failed, [("b/bad".to_string(), "throttled".to_string())]);
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<Plan>(&text).unwrap(), plan, "a plan survives the trip through Temporal");
    }

    #[test]
    fn only_a_url_whose_host_is_this_machine_is_local() {
        for local in ["http://127.0.0.1:3900", "http://localhost/x", "http://[::1]:8080/"] {
            assert!(is_local_url(local), "{local}");
        }
        for remote in ["https://acme.my.salesforce.com", "https://evil.example/?x=://127.0.0.1", "not a url"] {
            assert!(!is_local_url(remote), "{remote}");
        }
    }

    #[test]
    fn keys_are_record_id_then_title_with_its_extension() {
        assert_eq!(backup_key("backups/", &file("Q3 report", Some("pdf"))), "backups/069D/Q3 report.pdf");
        assert_eq!(backup_key("backups/", &file("notes.TXT", Some("txt"))), "backups/069D/notes.TXT");
        assert_eq!(backup_key("b/", &file("a/b", None)), "b/069D/a_b");
    }
}
