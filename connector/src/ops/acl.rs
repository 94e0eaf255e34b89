//! Put Object Acl: a canned ACL or explicit grants.

use super::operation::{OBJECT_ARN, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, Result};
use crate::protocol::http::Method;
use crate::protocol::values::{AclPermission, CannedAcl, GranteeType};
use serde::Deserialize;
use serde_json::{Value, json};

/// Put Object Acl.
pub(super) const PUT_OBJECT_ACL: Operation = Operation {
    id: "put_object_acl",
    input_fields: &["acl", "bucket", "grants", "key", "version_id"],
    title: "Put Object Acl",
    description: "Sets an object's access control list: a canned ACL, or explicit grants to canonical users, groups (AllUsers, AuthenticatedUsers, LogDelivery) or e-mail addresses. Stores without ACLs (e.g. Garage) answer `unsupported`.",
    input_schema: || {
        object(
            "Put Object Acl input",
            &["bucket", "key"],
            json!({
                "bucket": schema::bucket(),
                "key": schema::key(),
                "version_id": schema::version_id("s3:PutObjectVersionAcl", OBJECT_ARN),
                "acl": schema::canned_acl(),
                "grants": {"type": "array", "title": "Grants", "minItems": 1, "items": {
                    "type": "object", "additionalProperties": false, "required": ["permission", "grantee_type", "grantee"],
                    "properties": {
                        "permission": {"enum": AclPermission::NAMES},
                        "grantee_type": {"enum": GranteeType::NAMES},
                        "grantee": {"type": "string", "description": "Canonical user id, group name or URI, or e-mail address."}
                    }
                }}
            }),
        )
    },
    output_schema: || {
        object(
            "Put Object Acl output",
            &["bucket", "key"],
            json!({"bucket": {"type": "string"}, "key": {"type": "string"}, "version_id": {"type": ["string", "null"]}}),
        )
    },
    permissions: &[Permission { actions: &["s3:PutObjectAcl"], resource: OBJECT_ARN }],
    idempotent: true,
    run: put_object_acl,
};

#[derive(Deserialize)]
struct AclInput {
    bucket: String,
    key: String,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    acl: Option<CannedAcl>,
    #[serde(default)]
    grants: Vec<Grant>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Grant {
    permission: AclPermission,
    grantee_type: GranteeType,
    grantee: String,
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

/// The request headers for the ACL input: `x-amz-acl`, or one `x-amz-grant-*` per permission.
fn acl_headers(input: &AclInput) -> Result<Vec<(String, String)>> {
    match (&input.acl, input.grants.is_empty()) {
        (Some(_), false) => {
            Err(ConnectorError::invalid_input("/grants", "give either `acl` (canned) or `grants`, not both"))
        }
        (None, true) => Err(ConnectorError::invalid_input("/acl", "give `acl` (e.g. \"public-read\") or `grants`")),
        (Some(acl), true) => Ok(vec![("x-amz-acl".into(), acl.as_str().to_string())]),
        (None, false) => {
            let mut by_permission: Vec<(String, Vec<String>)> = Vec::new();
            for (index, grant) in input.grants.iter().enumerate() {
                let header = grant.permission.header();
                let value = grantee_value(grant, index)?;
                match by_permission.iter_mut().find(|(h, _)| h == header) {
                    Some((_, values)) => values.push(value),
                    None => by_permission.push((header.to_string(), vec![value])),
                }
            }
            Ok(by_permission.into_iter().map(|(h, v)| (h, v.join(", "))).collect())
        }
    }
}

fn put_object_acl(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: AclInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    validate::object_key("/key", &input.key)?;
    let mut request = S3Request::new(Method::Put)
        .bucket(&input.bucket)
        .key(&input.key)
        .query("acl", "")
        .query_opt("versionId", input.version_id.clone());
    for (name, value) in acl_headers(&input)? {
        request = request.header(&name, value);
    }
    let response = client.send(&request)?;
    // The version the ACL now applies to: the one asked for, else the one S3 names (if any).
    let version_id = input.version_id.clone().or_else(|| response.header("x-amz-version-id").map(str::to_string));
    Ok(json!({"bucket": input.bucket, "key": input.key, "version_id": version_id}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_become_headers() {
        let input: AclInput = serde_json::from_value(json!({"bucket": "b", "key": "k", "grants": [
            {"permission": "READ", "grantee_type": "group", "grantee": "AllUsers"},
            {"permission": "READ", "grantee_type": "canonical_user", "grantee": "abc"},
            {"permission": "FULL_CONTROL", "grantee_type": "email", "grantee": "a@b.c"}
        ]}))
        .unwrap();
        let headers = acl_headers(&input).unwrap();
        assert_eq!(
            headers[0],
            ("x-amz-grant-read".into(), "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\", id=\"abc\"".into())
        );
        assert_eq!(headers[1], ("x-amz-grant-full-control".into(), "emailAddress=\"a@b.c\"".into()));
        let neither: AclInput = serde_json::from_value(json!({"bucket": "b", "key": "k"})).unwrap();
        assert!(acl_headers(&neither).is_err());
    }
}
