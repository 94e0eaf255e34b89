//! What Garage does not implement, against moto (a second real server, IAM enforced): ACLs —
//! canned and granted, on upload, on an object and on one version —, versions read, copied,
//! presigned and deleted by id, delete markers, tags, SSE-S3, SSE-KMS and storage classes. Each
//! result is read back with boto3, an independent client.

use connector_host::ErrorKind;
use s3_test_support::moto::{moto, moto_without_iam};
use s3_test_support::{Session, plain_http, unique_bucket};
use serde_json::{Value, json};

fn session() -> Session {
    let moto = moto();
    Session::with_auth(moto.auth(&moto.admin))
}

/// A fresh bucket, versioned when `versioned`.
async fn bucket(s: &Session, prefix: &str, versioned: bool) -> String {
    let bucket = unique_bucket(prefix);
    s.ok("create_bucket", json!({"bucket": bucket})).await;
    if versioned {
        moto().admin(&format!(
            r#"s3.put_bucket_versioning(Bucket={bucket:?}, VersioningConfiguration={{"Status": "Enabled"}})"#
        ));
    }
    bucket
}

/// The grants boto3 reads for an object (or one of its versions) as `(grantee, permission)`.
fn grants(bucket: &str, key: &str, version: Option<&str>) -> Vec<(String, String)> {
    let version = version.map(|v| format!(", VersionId={v:?}")).unwrap_or_default();
    let acl = moto().admin(&format!(
        r#"
acl = s3.get_object_acl(Bucket={bucket:?}, Key={key:?}{version})
out([[g["Grantee"].get("URI") or g["Grantee"].get("ID") or g["Grantee"].get("EmailAddress"), g["Permission"]] for g in acl["Grants"]])
"#
    ));
    let mut found: Vec<(String, String)> = acl
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g[0].as_str().unwrap_or_default().to_string(), g[1].as_str().unwrap().to_string()))
        .collect();
    found.sort();
    found
}

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acls_canned_and_granted_on_objects_and_versions_read_back() {
    let s = session();
    let bucket = bucket(&s, "acl", true).await;
    // Canned ACL on upload.
    s.ok("put_object_text", json!({"bucket": bucket, "key": "public.txt", "content": "p", "acl": "public-read"})).await;
    let public = grants(&bucket, "public.txt", None);
    assert!(public.contains(&(ALL_USERS.into(), "READ".into())), "{public:?}");
    // Canned ACL afterwards, then explicit grants replacing it.
    s.ok("put_object_text", json!({"bucket": bucket, "key": "k.txt", "content": "one"})).await;
    let first = s.ok("put_object_text", json!({"bucket": bucket, "key": "k.txt", "content": "one"})).await;
    let v1 = first["version_id"].as_str().expect("a version id").to_string();
    let second = s.ok("put_object_text", json!({"bucket": bucket, "key": "k.txt", "content": "two"})).await;
    let v2 = second["version_id"].as_str().unwrap().to_string();
    assert_ne!(v1, v2);
    s.ok("put_object_acl", json!({"bucket": bucket, "key": "k.txt", "acl": "public-read"})).await;
    assert!(grants(&bucket, "k.txt", Some(&v2)).contains(&(ALL_USERS.into(), "READ".into())));
    assert!(!grants(&bucket, "k.txt", Some(&v1)).contains(&(ALL_USERS.into(), "READ".into())), "only the latest");
    // Explicit grants replace the canned ACL (the owner's canonical id as S3 reports it).
    let owner = moto().admin(&format!(r#"out(s3.get_object_acl(Bucket={bucket:?}, Key="k.txt")["Owner"]["ID"])"#));
    let owner = owner.as_str().unwrap().to_string();
    let granted = json!({"bucket": bucket, "key": "k.txt", "grants": [
        {"permission": "FULL_CONTROL", "grantee_type": "canonical_user", "grantee": owner},
        {"permission": "READ", "grantee_type": "group", "grantee": "AllUsers"},
        {"permission": "READ_ACP", "grantee_type": "group", "grantee": "AuthenticatedUsers"},
        {"permission": "WRITE_ACP", "grantee_type": "email", "grantee": "ops@example.com"},
    ]});
    s.ok("put_object_acl", granted).await;
    // moto keeps an e-mail grantee's address (as a URI, where AWS resolves it to a canonical user).
    let mut expected = vec![
        (owner.clone(), "FULL_CONTROL".to_string()),
        (ALL_USERS.to_string(), "READ".to_string()),
        ("http://acs.amazonaws.com/groups/global/AuthenticatedUsers".to_string(), "READ_ACP".to_string()),
        ("ops@example.com".to_string(), "WRITE_ACP".to_string()),
    ];
    expected.sort();
    assert_eq!(grants(&bucket, "k.txt", None), expected);
    // One version's ACL: the request names the version (moto applies a version's ACL to the
    // latest one and reports the default for the others, so the read-back is AWS's to prove).
    let on_v1 = json!({"bucket": bucket, "key": "k.txt", "version_id": v1, "acl": "private"});
    assert_eq!(s.ok("put_object_acl", on_v1).await["version_id"], v1.as_str());
    let unknown = s.call("put_object_acl", json!({"bucket": bucket, "key": "absent.txt", "acl": "private"})).await;
    assert_eq!(unknown.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_read_copied_presigned_and_deleted_by_id() {
    let s = session();
    let bucket = bucket(&s, "versions", true).await;
    let v1 = s.ok("put_object_text", json!({"bucket": bucket, "key": "doc.txt", "content": "one"})).await["version_id"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok("put_object_text", json!({"bucket": bucket, "key": "doc.txt", "content": "two!"})).await;
    let old = json!({"bucket": bucket, "key": "doc.txt", "version_id": v1});
    assert_eq!(s.ok("get_object", old.clone()).await["body"], "one");
    assert_eq!(s.ok("head_object", old.clone()).await["content_length"], 3);
    assert_eq!(s.ok("get_object", json!({"bucket": bucket, "key": "doc.txt"})).await["body"], "two!");
    let copy = json!({"source_bucket": bucket, "source_key": "doc.txt", "source_version_id": v1, "bucket": bucket, "key": "copy.txt"});
    s.ok("copy_object", copy).await;
    assert_eq!(s.ok("get_object", json!({"bucket": bucket, "key": "copy.txt"})).await["body"], "one");

    // Deleting without a version leaves a delete marker; with one, removes that version.
    let marked = s.ok("delete_object", json!({"bucket": bucket, "key": "doc.txt"})).await;
    assert_eq!(marked["delete_marker"], true, "{marked}");
    assert_eq!(
        s.call("get_object", json!({"bucket": bucket, "key": "doc.txt"})).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(s.ok("get_object", old.clone()).await["body"], "one", "old versions survive a delete marker");
    let removed = s.ok("delete_object", old.clone()).await;
    assert_eq!(removed["version_id"], v1.as_str());
    let versions = moto().admin(&format!(
        r#"out([v["VersionId"] for v in s3.list_object_versions(Bucket={bucket:?}, Prefix="doc.txt").get("Versions", [])])"#
    ));
    assert!(!versions.as_array().unwrap().iter().any(|v| v == v1.as_str()), "{versions}");
    // Delete Multiple Objects with version ids, per-key results.
    let c1 =
        s.ok("put_object_text", json!({"bucket": bucket, "key": "c.txt", "content": "c"})).await["version_id"].clone();
    let batch = s
        .ok(
            "delete_objects",
            json!({"bucket": bucket, "objects": [{"key": "c.txt", "version_id": c1}, {"key": "copy.txt"}]}),
        )
        .await;
    let deleted: Vec<Value> = batch["deleted"].as_array().unwrap().clone();
    assert_eq!(deleted.len(), 2, "{batch}");
    assert!(deleted.iter().any(|d| d["key"] == "c.txt" && d["version_id"] == c1), "{batch}");
    assert!(deleted.iter().any(|d| d["key"] == "copy.txt" && d["delete_marker"] == true), "{batch}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_encryption_and_storage_class_are_stored() {
    let s = session();
    let bucket = bucket(&s, "options", false).await;
    let input = json!({"bucket": bucket, "key": "t.txt", "content": "x", "tags": {"team": "data + ml", "stage": "raw"},
                       "server_side_encryption": "AES256", "storage_class": "STANDARD_IA"});
    s.ok("put_object_text", input).await;
    let stored = moto().admin(&format!(
        r#"
head = s3.head_object(Bucket={bucket:?}, Key="t.txt")
tags = s3.get_object_tagging(Bucket={bucket:?}, Key="t.txt")["TagSet"]
out({{"sse": head.get("ServerSideEncryption"), "class": head.get("StorageClass"), "tags": sorted([[t["Key"], t["Value"]] for t in tags])}})
"#
    ));
    assert_eq!(
        stored,
        json!({"sse": "AES256", "class": "STANDARD_IA", "tags": [["stage", "raw"], ["team", "data + ml"]]})
    );
    let key_id = moto().admin(r#"out(kms.create_key()["KeyMetadata"]["KeyId"])"#);
    let key_id = key_id.as_str().unwrap();
    let kms = json!({"bucket": bucket, "key": "k.txt", "content": "secret", "server_side_encryption": "aws:kms", "kms_key_id": key_id});
    s.ok("put_object_text", kms).await;
    let head = moto().admin(&format!(
        r#"h = s3.head_object(Bucket={bucket:?}, Key="k.txt"); out([h.get("ServerSideEncryption"), h.get("SSEKMSKeyId")])"#
    ));
    assert_eq!(head[0], "aws:kms");
    assert!(head[1].as_str().unwrap_or_default().contains(key_id), "{head}");
    // Read back through the connector: its facts, and its integrity check (no false failure: the
    // ETag of an SSE-KMS object is not its MD5).
    let got = s.ok("get_object", json!({"bucket": bucket, "key": "k.txt"})).await;
    assert_eq!(got["body"], "secret");
    let facts = s.ok("head_object", json!({"bucket": bucket, "key": "t.txt"})).await;
    assert_eq!(facts["storage_class"], "STANDARD_IA", "{facts}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presigned_url_names_one_version() {
    // moto answers presigned URLs only without IAM enforcement (see `moto_without_iam`).
    let open = moto_without_iam();
    let s = Session::with_auth(open.auth(&open.admin));
    let bucket = unique_bucket("presign");
    s.ok("create_bucket", json!({"bucket": bucket})).await;
    open.admin(&format!(
        r#"s3.put_bucket_versioning(Bucket={bucket:?}, VersioningConfiguration={{"Status": "Enabled"}})"#
    ));
    let v1 = s.ok("put_object_text", json!({"bucket": bucket, "key": "doc.txt", "content": "one"})).await["version_id"]
        .clone();
    s.ok("put_object_text", json!({"bucket": bucket, "key": "doc.txt", "content": "two!"})).await;
    for (version, expected) in [(Some(v1), "one"), (None, "two!")] {
        let mut input = json!({"bucket": bucket, "key": "doc.txt", "expires_in": 300});
        if let Some(version) = version {
            input["version_id"] = version;
        }
        let url = s.ok("get_object_signed_url", input).await;
        let (status, body) = plain_http("GET", url["url"].as_str().unwrap(), &[], Vec::new()).await;
        assert_eq!((status, String::from_utf8_lossy(&body).into_owned()), (200, expected.to_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_tags_are_read_replaced_and_removed() {
    let s = session();
    let bucket = bucket(&s, "tagging", false).await;
    let input = json!({"bucket": bucket, "key": "t.txt", "content": "x", "tags": {"team": "data"}});
    s.ok("put_object_text", input).await;
    let target = json!({"bucket": bucket, "key": "t.txt"});
    assert_eq!(s.ok("get_object_tagging", target.clone()).await["tags"], json!({"team": "data"}));
    let mut replace = target.clone();
    replace["tags"] = json!({"stage": "clean", "owner": "ann@example.com", "path": "a/b:c"});
    s.ok("put_object_tagging", replace).await;
    let stored = moto().admin(&format!(
        r#"out(sorted([[t["Key"], t["Value"]] for t in s3.get_object_tagging(Bucket={bucket:?}, Key="t.txt")["TagSet"]]))"#
    ));
    assert_eq!(
        stored,
        json!([["owner", "ann@example.com"], ["path", "a/b:c"], ["stage", "clean"]]),
        "read back by boto3"
    );
    let mut bad = target.clone();
    bad["tags"] = json!({"x": "a & b"});
    assert_eq!(s.call("put_object_tagging", bad).await.unwrap_err().field.as_deref(), Some("/tags/x"));
    s.ok("delete_object_tagging", target.clone()).await;
    assert_eq!(s.ok("get_object_tagging", target).await["tags"], json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_on_upload_are_stored() {
    let s = session();
    let bucket = bucket(&s, "grants-up", false).await;
    let input = json!({"bucket": bucket, "key": "g.txt", "content": "g", "grants": [
        {"permission": "READ", "grantee_type": "group", "grantee": "AllUsers"},
        {"permission": "READ_ACP", "grantee_type": "group", "grantee": "AuthenticatedUsers"},
    ]});
    s.ok("put_object_text", input).await;
    let mut expected = vec![
        (ALL_USERS.to_string(), "READ".to_string()),
        ("http://acs.amazonaws.com/groups/global/AuthenticatedUsers".to_string(), "READ_ACP".to_string()),
    ];
    expected.sort();
    assert_eq!(grants(&bucket, "g.txt", None), expected);
    let both = json!({"bucket": bucket, "key": "x", "content": "x", "acl": "private",
                      "grants": [{"permission": "READ", "grantee_type": "group", "grantee": "AllUsers"}]});
    assert_eq!(s.call("put_object_text", both).await.unwrap_err().field.as_deref(), Some("/grants"));
}
