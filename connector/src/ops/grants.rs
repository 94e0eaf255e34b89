//! Explicit ACL grants (`x-amz-grant-*` headers): who gets which permission, for Put Object Acl
//! and for uploads.

use crate::error::{ConnectorError, Result};
use crate::protocol::values::{AclPermission, GranteeType};
use serde::Deserialize;
use serde_json::{Value, json};

/// One grant: a permission for a grantee.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Grant {
    permission: AclPermission,
    grantee_type: GranteeType,
    grantee: String,
}

/// The JSON Schema of a `grants` list.
pub(super) fn schema() -> Value {
    json!({"type": "array", "title": "Grants", "minItems": 1, "items": {
        "type": "object", "additionalProperties": false, "required": ["permission", "grantee_type", "grantee"],
        "properties": {
            "permission": {"enum": AclPermission::NAMES},
            "grantee_type": {"enum": GranteeType::NAMES},
            "grantee": {"type": "string", "description": "Canonical user id, group name or URI, or e-mail address."}
        }
    }})
}

/// One `x-amz-grant-*` header per permission, its grantees comma-separated.
pub(super) fn headers(grants: &[Grant]) -> Result<Vec<(String, String)>> {
    let mut by_permission: Vec<(String, Vec<String>)> = Vec::new();
    for (index, grant) in grants.iter().enumerate() {
        let header = grant.permission.header();
        let value = grantee_value(grant, index)?;
        match by_permission.iter_mut().find(|(h, _)| h == header) {
            Some((_, values)) => values.push(value),
            None => by_permission.push((header.to_string(), vec![value])),
        }
    }
    Ok(by_permission.into_iter().map(|(h, v)| (h, v.join(", "))).collect())
}

/// The `x-amz-grant-*` header value for one grantee.
fn grantee_value(grant: &Grant, index: usize) -> Result<String> {
    let field = format!("/grants/{index}/grantee");
    if grant.grantee.is_empty() || grant.grantee.contains(['"', '\r', '\n']) {
        return Err(ConnectorError::invalid_input(
            field,
            "grantee must be non-empty and contain no quotes or line breaks",
        ));
    }
    Ok(match grant.grantee_type {
        GranteeType::CanonicalUser => format!("id=\"{}\"", grant.grantee),
        GranteeType::Email => format!("emailAddress=\"{}\"", grant.grantee),
        GranteeType::Group => {
            let uri = match grant.grantee.as_str() {
                "AllUsers" => "http://acs.amazonaws.com/groups/global/AllUsers",
                "AuthenticatedUsers" => "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                "LogDelivery" => "http://acs.amazonaws.com/groups/s3/LogDelivery",
                uri if uri.starts_with("http://acs.amazonaws.com/groups/") => uri,
                other => {
                    return Err(ConnectorError::invalid_input(
                        field,
                        format!(
                            "group {other:?} is not AllUsers, AuthenticatedUsers, LogDelivery or an http://acs.amazonaws.com/groups/ URI"
                        ),
                    ));
                }
            };
            format!("uri=\"{uri}\"")
        }
    })
}
