//! The minimal IAM policy for chosen operations and buckets, from the permissions each operation
//! declares in the connector's manifest.

use connector_host::bindings::ConnectorInfo;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Builds an IAM policy document granting exactly what `operations` need on `buckets`
/// (objects: every key, or keys under `key_prefix`) for calls with `input`: each operation's own
/// permissions, plus those its input schema declares (`x-permissions`) for the fields `input`
/// gives (a version id, an ACL, tags, a KMS key, a presigned PUT).
pub(crate) fn minimal_policy(
    info: &ConnectorInfo,
    operations: &[String],
    buckets: &[String],
    key_prefix: Option<&str>,
    input: &Value,
) -> Result<Value, String> {
    if operations.is_empty() {
        return Err("name at least one operation".into());
    }
    let mut actions_by_resource: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for id in operations {
        let wanted = id.replace('-', "_");
        let op = info.operations.iter().find(|o| o.id == wanted).ok_or_else(|| {
            let known: Vec<&str> = info.operations.iter().map(|o| o.id.as_str()).collect();
            format!("unknown operation {id:?}; known: {}", known.join(", "))
        })?;
        let declared = op.permissions.iter().map(|p| (p.actions.clone(), p.resource.clone()));
        for (actions, pattern) in declared.chain(input_permissions(&op.input_schema, input)) {
            for resource in expand(&pattern, buckets, key_prefix)? {
                actions_by_resource.entry(resource).or_default().extend(actions.iter().cloned());
            }
        }
    }
    // With a key prefix, listing is narrowed by an `s3:prefix` condition: in a statement of its
    // own, since the condition key exists for s3:ListBucket only.
    let mut listing: Vec<String> = Vec::new();
    if key_prefix.is_some() {
        for (resource, actions) in &mut actions_by_resource {
            if actions.remove("s3:ListBucket") {
                listing.push(resource.clone());
            }
        }
        actions_by_resource.retain(|_, actions| !actions.is_empty());
    }
    let mut by_actions: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (resource, actions) in actions_by_resource {
        by_actions.entry(actions.into_iter().collect()).or_default().push(resource);
    }
    let mut statements: Vec<Value> = by_actions
        .into_iter()
        .map(|(actions, resources)| json!({"Effect": "Allow", "Action": actions, "Resource": resources}))
        .collect();
    if let (Some(prefix), false) = (key_prefix, listing.is_empty()) {
        statements.push(json!({"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": listing,
                               "Condition": {"StringLike": {"s3:prefix": [format!("{prefix}*")]}}}));
    }
    for (i, statement) in statements.iter_mut().enumerate() {
        statement["Sid"] = json!(format!("S3Connector{}", i + 1));
    }
    Ok(json!({"Version": "2012-10-17", "Statement": statements}))
}

/// `policy` with its ARNs in `partition` (`aws`, `aws-cn`, `aws-us-gov`).
pub(crate) fn in_partition(mut policy: Value, partition: &str) -> Value {
    for statement in policy["Statement"].as_array_mut().into_iter().flatten() {
        for resource in statement["Resource"].as_array_mut().into_iter().flatten() {
            if let Some(rest) = resource.as_str().and_then(|r| r.strip_prefix("arn:aws:")) {
                *resource = json!(format!("arn:{partition}:{rest}"));
            }
        }
    }
    policy
}

/// The partition of `region`: China and GovCloud regions have their own.
pub(crate) fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// `policy` as a bucket policy for `principal`: each statement names it, and what a bucket policy
/// cannot grant (actions on `*`, such as s3:ListAllMyBuckets) is left out and returned.
pub(crate) fn as_bucket_policy(mut policy: Value, principal: &str) -> (Value, Vec<String>) {
    let mut left_out = Vec::new();
    let statements = policy["Statement"].as_array_mut().expect("statements");
    statements.retain(|statement| {
        let everywhere = statement["Resource"].as_array().is_some_and(|r| r.iter().any(|r| r == "*"));
        if everywhere {
            left_out.extend(
                statement["Action"].as_array().into_iter().flatten().filter_map(|a| a.as_str().map(str::to_string)),
            );
        }
        !everywhere
    });
    for statement in statements.iter_mut() {
        statement["Principal"] = json!({"AWS": principal});
    }
    (policy, left_out)
}

/// The permissions an input schema declares (`x-permissions`) for the fields `input` gives: a
/// list for any value, or lists by value (`{"PUT": [...]}`).
fn input_permissions(input_schema: &str, input: &Value) -> Vec<(Vec<String>, String)> {
    let Ok(schema) = serde_json::from_str::<Value>(input_schema) else { return Vec::new() };
    let Some(given) = input.as_object() else { return Vec::new() };
    let mut found = Vec::new();
    for (field, value) in given {
        let declared = &schema["properties"][field]["x-permissions"];
        let list = match (declared, value) {
            (Value::Array(_), _) => declared,
            (Value::Object(by_value), Value::String(value)) => {
                by_value.iter().find(|(k, _)| k.eq_ignore_ascii_case(value)).map_or(&Value::Null, |(_, v)| v)
            }
            _ => &Value::Null,
        };
        for permission in list.as_array().into_iter().flatten() {
            let actions =
                permission["actions"].as_array().into_iter().flatten().filter_map(|a| a.as_str().map(str::to_string));
            let resource = permission["resource"].as_str().unwrap_or("*").to_string();
            found.push((actions.collect(), resource));
        }
    }
    found
}

fn expand(pattern: &str, buckets: &[String], key_prefix: Option<&str>) -> Result<Vec<String>, String> {
    if !pattern.contains('{') {
        return Ok(vec![pattern.to_string()]);
    }
    if buckets.is_empty() {
        return Err("name at least one bucket (--bucket)".into());
    }
    let key = format!("{}*", key_prefix.unwrap_or(""));
    Ok(buckets
        .iter()
        .map(|bucket| {
            pattern
                .replace("{source_bucket}", bucket)
                .replace("{source_key}", &key)
                .replace("{bucket}", bucket)
                .replace("{key}", &key)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_host::bindings::{Annotations, Operation, Permission};

    fn info() -> ConnectorInfo {
        let op = |id: &str, actions: &[&str], resource: &str| Operation {
            id: id.into(),
            title: String::new(),
            description: String::new(),
            input_schema: "{}".into(),
            output_schema: "{}".into(),
            permissions: vec![Permission {
                actions: actions.iter().map(ToString::to_string).collect(),
                resource: resource.into(),
            }],
            annotations: Annotations { read_only: false, destructive: false, idempotent: true },
        };
        ConnectorInfo {
            name: "aws-s3".into(),
            title: String::new(),
            version: String::new(),
            description: String::new(),
            auth_schema: "{}".into(),
            operations: vec![
                op("list_buckets", &["s3:ListAllMyBuckets"], "*"),
                op("list_objects", &["s3:ListBucket"], "arn:aws:s3:::{bucket}"),
                op("get_object", &["s3:GetObject"], "arn:aws:s3:::{bucket}/{key}"),
            ],
            triggers: Vec::new(),
        }
    }

    #[test]
    fn groups_resources_and_expands_buckets() {
        let ops = vec!["list-objects".to_string(), "get_object".to_string(), "list_buckets".to_string()];
        let policy = minimal_policy(&info(), &ops, &["a".into(), "b".into()], None, &Value::Null).unwrap();
        let owned = |items: &[&str]| items.iter().map(ToString::to_string).collect::<Vec<_>>();
        let statement = |actions: &[&str], resources: &[&str]| (owned(actions), owned(resources));
        let mut statements: Vec<(Vec<String>, Vec<String>)> = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                assert_eq!(s["Effect"], "Allow");
                let strings = |v: &Value| {
                    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>()
                };
                (strings(&s["Action"]), strings(&s["Resource"]))
            })
            .collect();
        statements.sort();
        assert_eq!(
            statements,
            vec![
                statement(&["s3:GetObject"], &["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]),
                statement(&["s3:ListAllMyBuckets"], &["*"]),
                statement(&["s3:ListBucket"], &["arn:aws:s3:::a", "arn:aws:s3:::b"]),
            ]
        );
        assert_eq!(policy["Version"], "2012-10-17");
    }

    #[test]
    fn key_prefixes_narrow_object_resources_and_mistakes_are_named() {
        let policy =
            minimal_policy(&info(), &["get_object".into()], &["a".into()], Some("reports/"), &Value::Null).unwrap();
        assert_eq!(policy["Statement"][0]["Resource"], serde_json::json!(["arn:aws:s3:::a/reports/*"]));
        let unknown = minimal_policy(&info(), &["nope".into()], &[], None, &Value::Null).unwrap_err();
        assert!(unknown.contains("unknown operation \"nope\"") && unknown.contains("list_objects"), "{unknown}");
        let no_bucket = minimal_policy(&info(), &["get_object".into()], &[], None, &Value::Null).unwrap_err();
        assert!(no_bucket.contains("--bucket"), "{no_bucket}");
        assert!(
            minimal_policy(&info(), &[], &["a".into()], None, &Value::Null)
                .unwrap_err()
                .contains("at least one operation")
        );
        assert!(
            minimal_policy(&info(), &["list_buckets".into()], &[], None, &Value::Null).is_ok(),
            "no bucket needed for *"
        );
    }

    #[test]
    fn the_input_adds_what_its_fields_declare() {
        let mut info = info();
        info.operations[2].input_schema = serde_json::json!({"properties": {
            "version_id": {"x-permissions": [{"actions": ["s3:GetObjectVersion"], "resource": "arn:aws:s3:::{bucket}/{key}"}]},
            "method": {"x-permissions": {"PUT": [{"actions": ["s3:PutObject"], "resource": "arn:aws:s3:::{bucket}/{key}"}]}}
        }})
        .to_string();
        let actions = |input: Value| {
            let policy = minimal_policy(&info, &["get_object".into()], &["a".into()], None, &input).unwrap();
            policy["Statement"][0]["Action"].clone()
        };
        assert_eq!(actions(Value::Null), serde_json::json!(["s3:GetObject"]));
        assert_eq!(
            actions(serde_json::json!({"version_id": "v1"})),
            serde_json::json!(["s3:GetObject", "s3:GetObjectVersion"])
        );
        assert_eq!(actions(serde_json::json!({"method": "put"})), serde_json::json!(["s3:GetObject", "s3:PutObject"]));
        assert_eq!(actions(serde_json::json!({"method": "GET"})), serde_json::json!(["s3:GetObject"]));
    }

    #[test]
    fn prefixes_partitions_and_bucket_policies() {
        let ops = vec!["list_objects".to_string(), "get_object".to_string(), "list_buckets".to_string()];
        let policy = minimal_policy(&info(), &ops, &["a".into()], Some("reports/"), &Value::Null).unwrap();
        let listing =
            policy["Statement"].as_array().unwrap().iter().find(|s| s["Action"] == json!(["s3:ListBucket"])).unwrap();
        assert_eq!(listing["Condition"], json!({"StringLike": {"s3:prefix": ["reports/*"]}}));
        assert_eq!(listing["Resource"], json!(["arn:aws:s3:::a"]));
        let china = in_partition(policy.clone(), partition_of("cn-north-1"));
        assert!(china.to_string().contains("arn:aws-cn:s3:::a/reports/*"), "{china}");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        let (bucket_policy, left_out) = as_bucket_policy(policy, "arn:aws:iam::123456789012:user/ann");
        assert_eq!(left_out, ["s3:ListAllMyBuckets"]);
        assert!(
            bucket_policy["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["Principal"]["AWS"] == "arn:aws:iam::123456789012:user/ann")
        );
        assert!(!bucket_policy.to_string().contains("\"*\""), "{bucket_policy}");
    }
}
