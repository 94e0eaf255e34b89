//! Put Object Acl: a canned ACL or explicit grants.

use super::grants::{self, Grant};
use super::operation::{Effects, OBJECT_ARN, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::request::S3Request;
use crate::error::{ConnectorError, Result};
use crate::protocol::http::Method;
use crate::protocol::values::CannedAcl;
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Value, json};

/// Put Object Acl.
pub(super) const PUT_OBJECT_ACL: Operation = Operation {
    id: "put_object_acl",
    input_fields: &["acl", "bucket", "grants", "key", "version_id"],
    title: "Put Object Acl",
    description: "Sets an object's access control list: a canned ACL, or explicit grants to canonical users, groups (AllUsers, AuthenticatedUsers, LogDelivery) or e-mail addresses. Stores without ACLs (e.g. Garage) answer `unsupported`.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "Put Object Acl input",
            &["bucket", "key"],
            json!({
                "bucket": schema::bucket(),
                "key": schema::key(),
                "version_id": schema::version_id("s3:PutObjectVersionAcl", OBJECT_ARN),
                "acl": schema::canned_acl(),
                "grants": grants::schema()
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Put Object Acl output",
            &["bucket", "key"],
            json!({"bucket": {"type": "string"}, "key": {"type": "string"}, "version_id": {"type": ["string", "null"]}}),
        )
    }),
    permissions: &[Permission { actions: &["s3:PutObjectAcl"], resource: OBJECT_ARN }],
    effects: Effects::REPLACES,
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

/// The request headers for the ACL input: `x-amz-acl`, or one `x-amz-grant-*` per permission.
fn acl_headers(input: &AclInput) -> Result<Vec<(String, String)>> {
    match (&input.acl, input.grants.is_empty()) {
        (Some(_), false) => {
            Err(ConnectorError::invalid_input("/grants", "give either `acl` (canned) or `grants`, not both"))
        }
        (None, true) => Err(ConnectorError::invalid_input("/acl", "give `acl` (e.g. \"public-read\") or `grants`")),
        (Some(acl), true) => Ok(vec![("x-amz-acl".into(), acl.as_str().to_string())]),
        (None, false) => grants::headers(&input.grants),
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
