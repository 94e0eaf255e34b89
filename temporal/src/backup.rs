//! The backup template (*Sync Salesforce files to AWS S3 backups*) as activities, for a workflow
//! that fans its copies out across workers (`temporal/python/backup_workflow.py`):
//! `salesforce_backup.plan` lists the org and the backups and says what to copy,
//! `salesforce_backup.copy` copies one file, `salesforce_backup.delete` deletes the backups of
//! removed documents. They are the single-process template's own steps, so a run gives the same
//! report either way. The org's token belongs to the worker, like its S3 credentials: no activity
//! input or result carries it, so it never reaches Temporal's histories.

use crate::activities::{Supervision, abort_lost_upload};
use crate::outcome::{FailureSpec, connector_failure, failure, host_failure};
use connector_templates::connector::{Connector, StepError};
use connector_templates::salesforce::Org;
use connector_templates::salesforce_backup::{self, BackupError, CopyError, Options, PlannedCopy};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use temporalio_common::ActivityDefinition;
use temporalio_sdk::activities::{
    ActivityContext, ActivityDefinitions, ActivityError, ActivityImplementer, ExecutableActivity,
};

/// The template's steps, run with the worker's connection to S3 and to the org.
pub(crate) struct BackupActivities {
    /// The connector with the backup's policy (S3 and the org; no file store).
    connector: Connector,
    /// The org, with its token.
    org: Org,
}

/// `salesforce_backup.copy`'s input: the run's options and the file the plan says to copy.
#[derive(Deserialize)]
struct CopyInput {
    #[serde(flatten)]
    options: Options,
    copy: PlannedCopy,
}

/// `salesforce_backup.delete`'s input: the run's options and the keys the plan says to delete.
#[derive(Deserialize)]
struct DeleteInput {
    #[serde(flatten)]
    options: Options,
    removed: Vec<String>,
}

impl BackupActivities {
    /// The steps, for `connector` (made by `salesforce_backup::backup_connector`) and `org`.
    pub(crate) fn new(connector: Connector, org: Org) -> BackupActivities {
        BackupActivities { connector, org }
    }

    /// One attempt's supervision, and the connector its calls go through (after aborting an
    /// upload a lost attempt left open).
    async fn attempt(&self, ctx: &ActivityContext) -> (Supervision, Connector) {
        let auth = self.connector.auth.to_string();
        abort_lost_upload(ctx, &self.connector.runtime, &auth, &self.connector.policy).await;
        let (supervision, policy) = Supervision::new(&self.connector.policy);
        let connector =
            Connector { runtime: self.connector.runtime.clone(), auth: self.connector.auth.clone(), policy };
        (supervision, connector)
    }

    /// Lists the org and the backups; the plan.
    async fn plan(self: Arc<Self>, ctx: ActivityContext, input: Value) -> Result<Value, ActivityError> {
        let options: Options = parse(input)?;
        let (supervision, connector) = self.attempt(&ctx).await;
        let plan =
            supervision.run(&ctx, salesforce_backup::plan(&connector, &self.org, &options)).await.map_err(|error| {
                match error {
                    BackupError::Salesforce(error) => {
                        failure(FailureSpec::other("salesforce", error.message, error.retryable))
                    }
                    BackupError::Bucket(error) => step_failure(error),
                }
            })?;
        Ok(json!(plan))
    }

    /// Copies one file; the bytes copied (none in a dry run).
    async fn copy(self: Arc<Self>, ctx: ActivityContext, input: Value) -> Result<Value, ActivityError> {
        let CopyInput { options, copy } = parse(input)?;
        if options.dry_run {
            return Ok(json!({"bytes": 0}));
        }
        let (supervision, connector) = self.attempt(&ctx).await;
        let bytes = supervision
            .run(&ctx, salesforce_backup::copy_file(&connector, &self.org, &options, &copy))
            .await
            .map_err(|error| match error {
            CopyError::Step(error) => step_failure(error),
            // Copying again would store a version the plan did not choose: the next run will.
            CopyError::ChecksumMismatch(message) => failure(FailureSpec::other("checksum-mismatch", message, false)),
            CopyError::Source(error) => failure(FailureSpec::other("invalid-input", error.message, false)),
        })?;
        Ok(json!({"bytes": bytes}))
    }

    /// Deletes the removed backups; which were deleted and which failed.
    async fn delete(self: Arc<Self>, ctx: ActivityContext, input: Value) -> Result<Value, ActivityError> {
        let DeleteInput { options, removed } = parse(input)?;
        if let Some(refused) = refused_deletion(&options, &removed) {
            return Err(failure(FailureSpec::other("invalid-input", refused, false)));
        }
        let (supervision, connector) = self.attempt(&ctx).await;
        let deletion = supervision.run(&ctx, salesforce_backup::delete_removed(&connector, &options, &removed)).await;
        Ok(json!(deletion))
    }
}

/// Why a deletion is not one a backup run makes, if it is not: it deletes backups of removed
/// documents only, with `delete_removed`, under the run's prefix.
fn refused_deletion(options: &Options, removed: &[String]) -> Option<String> {
    if !options.delete_removed {
        return Some("a backup run deletes only with delete_removed".into());
    }
    let outside = removed.iter().find(|key| !key.starts_with(&options.prefix))?;
    Some(format!("{outside:?} is not under the backups' prefix {:?}", options.prefix))
}

/// `input` as a step's input, or a non-retryable failure that says what is wrong with it.
fn parse<T: DeserializeOwned>(input: Value) -> Result<T, ActivityError> {
    serde_json::from_value(input).map_err(|e| {
        failure(FailureSpec::other("invalid-input", format!("the activity's input is not what it takes: {e}"), false))
    })
}

/// The activity error for a failed connector call.
fn step_failure(error: StepError) -> ActivityError {
    match error {
        StepError::Connector(error) => connector_failure(&error),
        StepError::Host(error) => host_failure(error),
    }
}

/// Declares a step's activity: a marker type, its name, and the method that runs it.
macro_rules! backup_activity {
    ($marker:ident, $name:literal, $method:ident) => {
        #[doc = concat!("The `", $name, "` activity.")]
        pub(crate) struct $marker;

        impl ActivityDefinition for $marker {
            type Input = Value;
            type Output = Value;

            fn name(&self) -> &str {
                $name
            }
        }

        impl ExecutableActivity for $marker {
            type Implementer = BackupActivities;
            const REQUIRES_INSTANCE: bool = true;

            fn definition() -> Self {
                $marker
            }

            fn execute(
                receiver: Option<Arc<BackupActivities>>,
                ctx: ActivityContext,
                input: Value,
            ) -> BoxFuture<'static, Result<Value, ActivityError>> {
                receiver.expect("registered with an instance").$method(ctx, input).boxed()
            }
        }
    };
}

backup_activity!(PlanBackup, "salesforce_backup.plan", plan);
backup_activity!(CopyFile, "salesforce_backup.copy", copy);
backup_activity!(DeleteRemoved, "salesforce_backup.delete", delete);

impl ActivityImplementer for BackupActivities {
    fn register_all(self: Arc<Self>, defs: &mut ActivityDefinitions) {
        defs.register_activity::<PlanBackup>(self.clone());
        defs.register_activity::<CopyFile>(self.clone());
        defs.register_activity::<DeleteRemoved>(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_takes_the_options_and_the_planned_file() {
        let input = json!({"bucket": "b", "prefix": "backups/", "copy": {"key": "backups/069A/x.pdf", "replaces": true,
            "file": {"version_id": "068A", "document_id": "069A", "title": "x", "extension": "pdf",
                     "version_number": "2", "checksum": null, "size": 3}}});
        let CopyInput { options, copy } = parse(input).unwrap();
        assert_eq!((options.bucket.as_str(), options.dry_run), ("b", false));
        assert_eq!((copy.key.as_str(), copy.replaces, copy.file.size), ("backups/069A/x.pdf", true, 3));
        let Err(ActivityError::Application(refused)) = parse::<CopyInput>(json!({"bucket": "b"})) else {
            panic!("an input without the file is refused");
        };
        assert!(refused.is_non_retryable());
    }

    #[test]
    fn a_deletion_stays_under_the_prefix_and_needs_delete_removed() {
        let options =
            |delete_removed| Options { bucket: "b".into(), prefix: "backups/".into(), delete_removed, dry_run: false };
        let removed = vec!["backups/069A/x.pdf".to_string()];
        assert_eq!(refused_deletion(&options(true), &removed), None);
        assert!(refused_deletion(&options(false), &removed).is_some());
        let outside = vec!["backups/069A/x.pdf".to_string(), "payroll/2026.csv".to_string()];
        assert!(refused_deletion(&options(true), &outside).unwrap().contains("payroll/2026.csv"));
    }
}
