//! Bucket-level operations: List Buckets, Create / Delete Bucket, Get Bucket Location.

use super::operation::{BUCKET_ARN, Effects, Operation, Permission, parse};
use super::schema::{self, object};
use super::validate;
use crate::client::Client;
use crate::client::connection::Region;
use crate::client::request::{Body, S3Request};
use crate::error::{ErrorKind, Result};
use crate::protocol::http::Method;
use crate::protocol::region;
use crate::protocol::values::BucketAcl;
use crate::protocol::xml::{self, ListAllMyBuckets};
use crate::schemas::SchemaBuilder;
use serde::Deserialize;
use serde_json::{Value, json};

/// List Buckets.
pub(super) const LIST_BUCKETS: Operation = Operation {
    id: "list_buckets",
    input_fields: &[],
    title: "List Buckets",
    description: "Lists the buckets the credentials own, with their creation dates.",
    input_schema: SchemaBuilder::new(|| object("List Buckets input", &[], json!({}))),
    output_schema: SchemaBuilder::new(|| {
        object(
            "List Buckets output",
            &["buckets"],
            json!({
                "buckets": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "creation_date": {"type": ["string", "null"]}, "region": {"type": ["string", "null"]}
                }}},
                "owner": {"type": ["object", "null"], "properties": {"id": {"type": ["string", "null"]}, "display_name": {"type": ["string", "null"]}}}
            }),
        )
    }),
    permissions: &[Permission { actions: &["s3:ListAllMyBuckets"], resource: "*" }],
    effects: Effects::READ_ONLY,
    run: list_buckets,
};

/// The account's buckets (ListBuckets).
pub(crate) fn all_buckets(client: &mut Client<'_>) -> Result<ListAllMyBuckets> {
    let response = client.send(&S3Request::new(Method::Get))?;
    xml::parse("ListBuckets", &response.body)
}

fn list_buckets(client: &mut Client<'_>, _input: Value) -> Result<Value> {
    let parsed = all_buckets(client)?;
    let buckets: Vec<Value> = parsed
        .buckets
        .items
        .into_iter()
        .map(|b| json!({"name": b.name, "creation_date": b.creation_date, "region": b.bucket_region}))
        .collect();
    let owner = parsed.owner.map(|o| json!({"id": o.id, "display_name": o.display_name}));
    Ok(json!({"buckets": buckets, "owner": owner}))
}

#[derive(Deserialize)]
struct BucketInput {
    bucket: String,
}

fn bucket_only_schema(title: &str) -> Value {
    object(title, &["bucket"], json!({"bucket": schema::bucket()}))
}

/// Head Bucket.
pub(super) const HEAD_BUCKET: Operation = Operation {
    id: "head_bucket",
    input_fields: &["bucket"],
    title: "Head Bucket",
    description: "Says whether a bucket exists (and the credentials may use it) and which region it is in.",
    input_schema: SchemaBuilder::new(|| bucket_only_schema("Head Bucket input")),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Head Bucket output",
            &["bucket", "exists"],
            json!({"bucket": {"type": "string"}, "exists": {"type": "boolean"}, "region": {"type": ["string", "null"]}}),
        )
    }),
    permissions: &[Permission { actions: &["s3:ListBucket"], resource: BUCKET_ARN }],
    effects: Effects::READ_ONLY,
    run: head_bucket,
};

/// A missing bucket is an answer (`exists: false`), not an error; a forbidden one is an error.
fn head_bucket(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: BucketInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    match client.send(&S3Request::new(Method::Head).bucket(&input.bucket)) {
        Ok(response) => {
            // S3 names the region; other stores answer where they were asked.
            let region = response
                .header("x-amz-bucket-region")
                .filter(|named| region::is_region_label(named))
                .map_or_else(|| client.region_for(Some(&input.bucket)), str::to_string);
            Ok(json!({"bucket": input.bucket, "exists": true, "region": region}))
        }
        Err(error) if error.kind == ErrorKind::NotFound => {
            Ok(json!({"bucket": input.bucket, "exists": false, "region": null}))
        }
        Err(error) => Err(error),
    }
}

/// Get Bucket Location.
pub(super) const GET_BUCKET_LOCATION: Operation = Operation {
    id: "get_bucket_location",
    input_fields: &["bucket"],
    title: "Get Bucket Location",
    description: "Returns the region a bucket lives in.",
    input_schema: SchemaBuilder::new(|| bucket_only_schema("Get Bucket Location input")),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Get Bucket Location output",
            &["bucket", "region"],
            json!({"bucket": {"type": "string"}, "region": {"type": "string"}}),
        )
    }),
    permissions: &[Permission { actions: &["s3:GetBucketLocation"], resource: BUCKET_ARN }],
    effects: Effects::READ_ONLY,
    run: get_bucket_location,
};

fn get_bucket_location(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: BucketInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    let response = client.send(&S3Request::new(Method::Get).bucket(&input.bucket).query("location", ""))?;
    let constraint = xml::element_text(&response.body, "LocationConstraint").unwrap_or_default();
    let region = region::from_location_constraint(&constraint);
    Ok(json!({"bucket": input.bucket, "region": region}))
}

#[derive(Deserialize)]
struct CreateBucketInput {
    bucket: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    acl: Option<BucketAcl>,
}

/// Create Bucket.
pub(super) const CREATE_BUCKET: Operation = Operation {
    id: "create_bucket",
    input_fields: &["acl", "bucket", "region"],
    title: "Create Bucket",
    description: "Creates a bucket, in `region` if given, else in the connection's region.",
    input_schema: SchemaBuilder::new(|| {
        object(
            "Create Bucket input",
            &["bucket"],
            json!({
                "bucket": {"type": "string", "title": "Bucket", "minLength": 3, "maxLength": 63, "pattern": "^[a-z0-9][a-z0-9.-]*[a-z0-9]$"},
                "region": {"type": "string", "title": "Region", "description": "Location constraint; defaults to the connection's region."},
                "acl": {"title": "Canned ACL", "enum": BucketAcl::NAMES, "x-group": "advanced"}
            }),
        )
    }),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Create Bucket output",
            &["bucket", "region"],
            json!({"bucket": {"type": "string"}, "region": {"type": "string"}, "location": {"type": ["string", "null"]}}),
        )
    }),
    permissions: &[Permission { actions: &["s3:CreateBucket"], resource: BUCKET_ARN }],
    effects: Effects::CREATES,
    run: create_bucket,
};

fn create_bucket(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: CreateBucketInput = parse(input)?;
    validate::new_bucket_name(&input.bucket)?;
    let region = match (&input.region, &client.conn.region) {
        (Some(region), _) => region.clone(),
        (None, Region::Named(region)) => region.clone(),
        (None, Region::Auto) => region::DEFAULT_REGION.to_string(),
    };
    let mut request =
        S3Request::new(Method::Put).bucket(&input.bucket).header_opt("x-amz-acl", input.acl.map(BucketAcl::as_str));
    if region != region::DEFAULT_REGION {
        request = request.body(Body::Bytes(xml::create_bucket_document(&region).into_bytes()));
    }
    let response = client.send(&request)?;
    Ok(json!({"bucket": input.bucket, "region": region, "location": response.header("location")}))
}

/// Delete Bucket.
pub(super) const DELETE_BUCKET: Operation = Operation {
    id: "delete_bucket",
    input_fields: &["bucket"],
    title: "Delete Bucket",
    description: "Deletes an empty bucket.",
    input_schema: SchemaBuilder::new(|| bucket_only_schema("Delete Bucket input")),
    output_schema: SchemaBuilder::new(|| {
        object(
            "Delete Bucket output",
            &["bucket", "deleted"],
            json!({"bucket": {"type": "string"}, "deleted": {"type": "boolean"}}),
        )
    }),
    permissions: &[Permission { actions: &["s3:DeleteBucket"], resource: BUCKET_ARN }],
    effects: Effects::DELETES,
    run: delete_bucket,
};

fn delete_bucket(client: &mut Client<'_>, input: Value) -> Result<Value> {
    let input: BucketInput = parse(input)?;
    validate::bucket_name(&input.bucket)?;
    client.send(&S3Request::new(Method::Delete).bucket(&input.bucket))?;
    Ok(json!({"bucket": input.bucket, "deleted": true}))
}
