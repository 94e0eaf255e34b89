//! The connection check (WIT `connector.check`): the store is reachable, the credentials are
//! accepted, and — with a bucket — they may use that bucket, from the region configured.

use crate::client::Client;
use crate::client::connection::{Connection, Endpoint, Region};
use crate::client::request::S3Request;
use crate::client::transport::Transport;
use crate::error::{Cause, ConnectorError, ErrorKind, Result, TransportFailure};
use crate::ops::validate_bucket_name;
use crate::protocol::http::Method;
use serde_json::{Value, json};

/// Checks `auth` (JSON text) against the store, and against bucket `scope` when given. Returns
/// what was verified, or an error that says what is wrong and how to fix it.
pub fn check(transport: &mut dyn Transport, auth: &str, scope: Option<&str>) -> Result<Value> {
    let conn = Connection::from_json(auth)?;
    let configured = conn.region.clone();
    let endpoint = describe_endpoint(&conn.endpoint);
    let mut client = Client::new(conn, transport);
    let mut report = match scope {
        None => {
            let buckets = crate::ops::all_buckets(&mut client).map_err(|e| explain(e, &endpoint, None))?;
            json!({"buckets": buckets.buckets.items.len()})
        }
        Some(bucket) => {
            validate_bucket_name(bucket).map_err(|e| ConnectorError { field: Some("/scope".into()), ..e })?;
            let request = S3Request::new(Method::Head).bucket(bucket);
            client.send(&request).map_err(|e| explain(e, &endpoint, Some(bucket)))?;
            json!({"bucket": bucket})
        }
    };
    let region = client.region_for(scope);
    if let Region::Named(named) = &configured
        && *named != region
    {
        let what = scope.map_or_else(|| "the store".to_string(), |bucket| format!("bucket {bucket:?}"));
        return Err(ConnectorError::invalid_input(
            "/region",
            format!(
                "auth.region is {named:?} but {what} is in {region:?}: set region to {region:?} (or \"auto\"). Operations still work (each corrects the region with an extra request), but signed URLs made for {named:?} are refused"
            ),
        ));
    }
    report["endpoint"] = json!(endpoint);
    report["region"] = json!(region);
    report["ok"] = json!(true);
    Ok(report)
}

/// The endpoint as a person would name it.
fn describe_endpoint(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Aws => "Amazon S3".to_string(),
        Endpoint::Custom(url) => url.redacted(),
    }
}

/// `error` with what it means for a connection and how to fix it.
fn explain(error: ConnectorError, endpoint: &str, bucket: Option<&str>) -> ConnectorError {
    let fix = match (&error.cause, error.kind, error.service_code()) {
        (Cause::Transport(TransportFailure::Dns | TransportFailure::Connect), ..) => {
            return ConnectorError { field: Some("/endpoint".into()), ..error }.noted(format!(
                "{endpoint} cannot be reached: check auth.endpoint (scheme, host, port) and that the server is running"
            ));
        }
        (Cause::Transport(TransportFailure::Certificate | TransportFailure::Tls), ..) => format!(
            "the TLS connection to {endpoint} failed: check the endpoint's certificate (a private CA must be given to the host)"
        ),
        (Cause::Transport(TransportFailure::Denied), ..) => {
            format!("the host's egress policy does not allow {endpoint}: ask the platform's operator to allow it")
        }
        (_, _, Some("RequestTimeTooSkewed")) => "the clock of the machine running the connector differs from the store's by more than 15 minutes: synchronise it (NTP)".to_string(),
        (_, ErrorKind::Unauthorized, _) => "the store does not accept these credentials: check access_key_id and secret_access_key (and session_token for temporary credentials), and that they belong to this endpoint".to_string(),
        (_, ErrorKind::Forbidden, _) => match bucket {
            None => "the credentials are valid but may not list the account's buckets (s3:ListAllMyBuckets): grant it, or check one bucket instead (scope)".to_string(),
            Some(bucket) => format!("the credentials are valid but may not use bucket {bucket:?} (s3:ListBucket on arn:aws:s3:::{bucket}): grant it, or check another bucket"),
        },
        (_, ErrorKind::NotFound, _) => match bucket {
            Some(bucket) => format!("there is no bucket {bucket:?} at {endpoint}: check its name (and the endpoint)"),
            None => return error,
        },
        _ => return error,
    };
    error.noted(fix)
}
