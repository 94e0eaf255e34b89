//! Workflow templates as small programs on the host library (`connector_host`): each drives the
//! sandboxed S3 connector the way a workflow platform would, step by step.
//!
//! - [`salesforce_backup`]: *Sync Salesforce files to AWS S3 backups* — list the org's files
//!   ([`salesforce`]), copy each new or changed one into the bucket through the connector (the
//!   bytes go from Salesforce to S3 inside the sandbox, with the org's Bearer token), skip the
//!   unchanged, optionally delete the removed, and report.

pub mod connector;
pub mod salesforce;
pub mod salesforce_backup;
