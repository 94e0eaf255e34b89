//! Which IAM action S3 checks for a request — what a `403 AccessDenied` most likely says is
//! missing — and the resource it checks it on.

use crate::protocol::http::Method;

/// The IAM action S3 authorizes `method` on `bucket`/`key` with `query` (parameter names as
/// sent) and `headers` (lower-case names) against, and the resource's ARN.
pub(crate) fn required(
    method: Method,
    bucket: Option<&str>,
    key: Option<&str>,
    query: &[(String, String)],
    headers: &[(String, String)],
) -> (&'static str, String) {
    let has = |name: &str| query.iter().any(|(q, _)| q == name);
    let versioned = has("versionId");
    let resource = match (bucket, key) {
        (Some(bucket), Some(key)) => format!("arn:aws:s3:::{bucket}/{key}"),
        (Some(bucket), None) => format!("arn:aws:s3:::{bucket}"),
        _ => "*".to_string(),
    };
    let action = match (method, bucket.is_some(), key.is_some()) {
        (Method::Get, false, _) => "s3:ListAllMyBuckets",
        (Method::Get | Method::Head, true, false) if has("location") => "s3:GetBucketLocation",
        (Method::Get, true, false) if has("uploads") => "s3:ListBucketMultipartUploads",
        (Method::Get | Method::Head, true, false) => "s3:ListBucket",
        (Method::Put, true, false) => "s3:CreateBucket",
        (Method::Delete, true, false) => "s3:DeleteBucket",
        (Method::Post, true, false) => "s3:DeleteObject",
        (Method::Get, true, true) if has("acl") => {
            if versioned {
                "s3:GetObjectVersionAcl"
            } else {
                "s3:GetObjectAcl"
            }
        }
        (Method::Put, true, true) if has("acl") => {
            if versioned {
                "s3:PutObjectVersionAcl"
            } else {
                "s3:PutObjectAcl"
            }
        }
        (Method::Get, true, true) if has("tagging") => {
            if versioned {
                "s3:GetObjectVersionTagging"
            } else {
                "s3:GetObjectTagging"
            }
        }
        (Method::Put, true, true) if has("tagging") => {
            if versioned {
                "s3:PutObjectVersionTagging"
            } else {
                "s3:PutObjectTagging"
            }
        }
        (Method::Delete, true, true) if has("tagging") => {
            if versioned {
                "s3:DeleteObjectVersionTagging"
            } else {
                "s3:DeleteObjectTagging"
            }
        }
        (Method::Get, true, true) if has("uploadId") => "s3:ListMultipartUploadParts",
        (Method::Get | Method::Head, true, true) => {
            if versioned {
                "s3:GetObjectVersion"
            } else {
                "s3:GetObject"
            }
        }
        (Method::Put, true, true) if headers.iter().any(|(name, _)| name == "x-amz-copy-source") => {
            // The destination's action; the source needs s3:GetObject.
            "s3:PutObject"
        }
        (Method::Put | Method::Post, true, true) => "s3:PutObject",
        (Method::Delete, true, true) if has("uploadId") => "s3:AbortMultipartUpload",
        (Method::Delete, true, true) => {
            if versioned {
                "s3:DeleteObjectVersion"
            } else {
                "s3:DeleteObject"
            }
        }
        (Method::Head | Method::Delete | Method::Post | Method::Put, false, _) => "s3:ListAllMyBuckets",
    };
    (action, resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(method: Method, bucket: Option<&str>, key: Option<&str>, query: &[&str]) -> &'static str {
        let query: Vec<(String, String)> = query.iter().map(|q| (q.to_string(), String::new())).collect();
        required(method, bucket, key, &query, &[]).0
    }

    #[test]
    fn each_request_names_the_action_s3_checks() {
        assert_eq!(action(Method::Get, None, None, &[]), "s3:ListAllMyBuckets");
        assert_eq!(action(Method::Get, Some("b"), None, &["list-type"]), "s3:ListBucket");
        assert_eq!(action(Method::Head, Some("b"), None, &[]), "s3:ListBucket");
        assert_eq!(action(Method::Get, Some("b"), Some("k"), &[]), "s3:GetObject");
        assert_eq!(action(Method::Get, Some("b"), Some("k"), &["versionId"]), "s3:GetObjectVersion");
        assert_eq!(action(Method::Put, Some("b"), Some("k"), &["acl"]), "s3:PutObjectAcl");
        assert_eq!(action(Method::Put, Some("b"), Some("k"), &["acl", "versionId"]), "s3:PutObjectVersionAcl");
        assert_eq!(action(Method::Delete, Some("b"), Some("k"), &["uploadId"]), "s3:AbortMultipartUpload");
        assert_eq!(action(Method::Delete, Some("b"), Some("k"), &["versionId"]), "s3:DeleteObjectVersion");
        assert_eq!(action(Method::Post, Some("b"), None, &["delete"]), "s3:DeleteObject");
        assert_eq!(action(Method::Get, Some("b"), Some("k"), &["tagging"]), "s3:GetObjectTagging");
        assert_eq!(action(Method::Put, Some("b"), Some("k"), &["tagging", "versionId"]), "s3:PutObjectVersionTagging");
        assert_eq!(action(Method::Delete, Some("b"), Some("k"), &["tagging"]), "s3:DeleteObjectTagging");
        assert_eq!(action(Method::Get, Some("b"), Some("k"), &["uploadId"]), "s3:ListMultipartUploadParts");
        assert_eq!(required(Method::Get, Some("b"), Some("k"), &[], &[]).1, "arn:aws:s3:::b/k");
    }
}
