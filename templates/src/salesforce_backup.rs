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
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Metadata names on each backup (stored as `x-amz-meta-…`).
const RECORD_ID: &str = "sf-record-id";
const VERSION_ID: &str = "sf-version-id";
const VERSION_NUMBER: &str = "sf-version-number";
const CHECKSUM: &str = "sf-checksum";

/// What to back up where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The bucket.
    pub bucket: String,
    /// Key prefix of the backups, e.g. `backups/`.
    pub prefix: String,
    /// Delete backups of documents the org no longer has.
    pub delete_removed: bool,
    /// Say what would be done; write nothing.
    pub dry_run: bool,
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

/// Runs the backup once.
pub async fn run(connector: &Connector, org: &Org, options: &Options) -> Result<Report, BackupError> {
    let files = org.latest_files().await.map_err(BackupError::Salesforce)?;
    let stored = stored_backups(connector, options).await.map_err(BackupError::Bucket)?;
    let mut report = Report { listed: files.len(), dry_run: options.dry_run, ..Report::default() };
    let mut current = BTreeSet::new();
    for file in &files {
        let key = backup_key(&options.prefix, file);
        current.insert(key.clone());
        let state = match stored.contains(&key) {
            true => stored_version(connector, options, &key).await,
            false => Ok(None),
        };
        match state {
            Ok(Some(version)) if version == file.version_id => report.unchanged += 1,
            Ok(previous) => {
                let outcome = if options.dry_run { Ok(0) } else { copy(connector, org, options, file, &key).await };
                match outcome {
                    Ok(bytes) => {
                        report.bytes += bytes;
                        if previous.is_some() { report.updated.push(key) } else { report.uploaded.push(key) }
                    }
                    Err(why) => report.failed.push((key, why)),
                }
            }
            Err(error) => report.failed.push((key, error.to_string())),
        }
    }
    if options.delete_removed {
        let removed: Vec<String> = stored.difference(&current).cloned().collect();
        if !removed.is_empty() && !options.dry_run {
            let input = json!({"bucket": options.bucket, "objects": removed});
            if let Err(error) = connector.call("delete_objects", &input).await {
                report.failed.extend(removed.iter().map(|key| (key.clone(), format!("delete: {error}"))));
                return Ok(report);
            }
        }
        report.deleted = removed;
    }
    Ok(report)
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

/// Copies `file` from the org to `key`; the bytes copied, or why it failed. A single-part
/// upload's ETag is the content's MD5, which must be the org's own checksum.
async fn copy(
    connector: &Connector,
    org: &Org,
    options: &Options,
    file: &ContentFile,
    key: &str,
) -> Result<u64, String> {
    let mut metadata = BTreeMap::from([
        (RECORD_ID, file.document_id.clone()),
        (VERSION_ID, file.version_id.clone()),
        (VERSION_NUMBER, file.version_number.clone()),
    ]);
    if let Some(checksum) = &file.checksum {
        metadata.insert(CHECKSUM, checksum.clone());
    }
    let input = json!({
        "bucket": options.bucket,
        "key": key,
        "url": file.data_url,
        "url_headers": {"Authorization": org.authorization()},
        "metadata": metadata,
    });
    let put = connector.call("put_object_file", &input).await.map_err(|e| e.to_string())?;
    let etag = put["etag"].as_str().unwrap_or_default();
    if let Some(checksum) = &file.checksum
        && !etag.contains('-')
        && !etag.eq_ignore_ascii_case(checksum)
    {
        return Err(format!(
            "stored with MD5 {etag}, but the org says {checksum}: the file changed while it was copied"
        ));
    }
    Ok(put["size"].as_u64().unwrap_or_default())
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
            data_url: "https://o/v".into(),
        }
    }

    #[test]
    fn keys_are_record_id_then_title_with_its_extension() {
        assert_eq!(backup_key("backups/", &file("Q3 report", Some("pdf"))), "backups/069D/Q3 report.pdf");
        assert_eq!(backup_key("backups/", &file("notes.TXT", Some("txt"))), "backups/069D/notes.TXT");
        assert_eq!(backup_key("b/", &file("a/b", None)), "b/069D/a_b");
    }
}
