//! Workflow templates as small programs on the host library (`connector_host`): each drives the
//! sandboxed S3 connector the way a workflow platform would, step by step.
//!
//! - [`salesforce_backup`]: *Sync Salesforce files to AWS S3 backups* — list the org's files
//!   ([`salesforce`]), copy each new or changed one into the bucket through the connector (the
//!   bytes go from Salesforce to S3 inside the sandbox, with the org's Bearer token), skip the
//!   unchanged, optionally delete the removed, and report.
//! - [`json_extract`]: *Extract AWS S3 data as JSON* — the chosen fields of every record of every
//!   JSON or JSON Lines object under a prefix, as one result.
//! - [`csv_transform`]: *Extract and transform CSV data from AWS S3* — one CSV of any size
//!   filtered, selected, converted and renamed into CSV or JSON Lines in S3, streamed.

pub mod connector;
pub mod csv_transform;
pub mod json_extract;
pub mod salesforce;
pub mod salesforce_backup;
