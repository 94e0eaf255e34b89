//! Choices for input fields (WIT `connector.options`): the values a form's dropdown offers.
//! A property's schema says where its choices come from (`x-choices`): the account's buckets,
//! the keys and folders of a bucket, or its folders only — one level at a time, paged.

use crate::client::Client;
use crate::client::connection::Connection;
use crate::client::transport::Transport;
use crate::error::{ConnectorError, Result};
use crate::ops::{self, PageQuery};
pub use connector_contract::{Choice, Choices};
use serde_json::Value;

/// Keys and folders per page.
const PAGE_SIZE: u32 = 200;

/// Where a field's choices come from, read from its schema's `x-choices`.
#[derive(Debug, PartialEq, Eq)]
enum Source {
    Buckets,
    /// Keys and folders (`folders_only` false) or folders of the bucket in this input field.
    Listing {
        bucket_field: String,
        folders_only: bool,
    },
}

/// The choices for `field` of `operation`, given `partial_input` (the form so far, JSON text),
/// continuing at `cursor`.
pub fn options(
    transport: &mut dyn Transport,
    operation: &str,
    field: &str,
    auth: &str,
    partial_input: &str,
    cursor: Option<&str>,
) -> Result<Choices> {
    let op =
        ops::find(operation).ok_or_else(|| ConnectorError::invalid_input("", ops::unknown_operation(operation)))?;
    let source = source_of(&op.input_schema(), field)
        .map_err(|message| ConnectorError::invalid_input(format!("/{field}"), format!("{}: {message}", op.id)))?;
    let input: Value = if partial_input.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_str(partial_input)
            .map_err(|e| ConnectorError::invalid_input("", format!("partial input is not valid JSON: {e}")))?
    };
    let text = |name: &str| input.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let mut client = Client::new(Connection::from_json(auth)?, transport);
    match source {
        Source::Buckets => {
            let buckets = ops::all_buckets(&mut client)?;
            let items = buckets
                .buckets
                .items
                .into_iter()
                .map(|b| {
                    let label = match &b.bucket_region {
                        Some(region) => format!("{} ({region})", b.name),
                        None => b.name.clone(),
                    };
                    Choice { value: b.name, label, is_group: false }
                })
                .collect();
            Ok(Choices { items, next_cursor: None })
        }
        Source::Listing { bucket_field, folders_only } => {
            let bucket = text(&bucket_field);
            if bucket.is_empty() {
                return Err(ConnectorError::invalid_input(
                    format!("/{bucket_field}"),
                    format!("choose `{bucket_field}` first: the choices for `{field}` are what that bucket holds"),
                ));
            }
            ops::validate_bucket_name(&bucket)?;
            list_level(&mut client, &bucket, &folder_of(&text(field)), folders_only, cursor)
        }
    }
}

/// One page of the keys (unless `folders_only`) and folders directly under `folder`.
fn list_level(
    client: &mut Client<'_>,
    bucket: &str,
    folder: &str,
    folders_only: bool,
    cursor: Option<&str>,
) -> Result<Choices> {
    let query = PageQuery {
        prefix: Some(folder).filter(|f| !f.is_empty()),
        delimiter: Some("/"),
        max_keys: Some(PAGE_SIZE),
        start_after: None,
        continuation_token: cursor,
    };
    let page = ops::list_page(client, bucket, &query)?;
    let relative = |full: &str| full.strip_prefix(folder).unwrap_or(full).to_string();
    let mut items: Vec<Choice> = page
        .common_prefixes
        .into_iter()
        .map(|p| Choice { label: relative(&p.prefix), value: p.prefix, is_group: true })
        .collect();
    if !folders_only {
        // The folder's own marker object (`reports/`) is the folder, not a choice inside it.
        items.extend(page.contents.into_iter().filter(|o| o.key != folder).map(|o| Choice {
            label: relative(&o.key),
            value: o.key,
            is_group: false,
        }));
    }
    let next_cursor = page.next_continuation_token.filter(|_| page.is_truncated);
    Ok(Choices { items, next_cursor })
}

/// The folder a partly typed key or prefix is in: everything up to its last `/`.
fn folder_of(typed: &str) -> String {
    typed.rfind('/').map_or_else(String::new, |end| typed[..=end].to_string())
}

/// Where `field`'s choices come from, per `schema` (an input schema).
fn source_of(schema: &Value, field: &str) -> std::result::Result<Source, String> {
    let properties = schema["properties"].as_object().cloned().unwrap_or_default();
    let with_choices: Vec<&str> =
        properties.iter().filter(|(_, p)| p.get("x-choices").is_some()).map(|(name, _)| name.as_str()).collect();
    let no_choices = || format!("`{field}` has no choices; fields with choices: {}", with_choices.join(", "));
    let spec = properties.get(field).and_then(|p| p.get("x-choices")).ok_or_else(no_choices)?;
    let bucket_field = spec["bucket"].as_str().unwrap_or("bucket").to_string();
    match spec["source"].as_str() {
        Some("buckets") => Ok(Source::Buckets),
        Some("keys") => Ok(Source::Listing { bucket_field, folders_only: false }),
        Some("folders") => Ok(Source::Listing { bucket_field, folders_only: true }),
        _ => Err(no_choices()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_key_lists_its_folder() {
        assert_eq!(folder_of(""), "");
        assert_eq!(folder_of("rep"), "");
        assert_eq!(folder_of("reports/2024/ja"), "reports/2024/");
        assert_eq!(folder_of("reports/"), "reports/");
    }

    #[test]
    fn every_bucket_and_key_field_names_its_choices() {
        // A bucket to create has no choices: it is a new name.
        for op in ops::OPERATIONS.iter().filter(|op| op.id != "create_bucket") {
            let schema = op.input_schema();
            for (name, property) in schema["properties"].as_object().unwrap() {
                let expected = match name.as_str() {
                    "bucket" | "source_bucket" => Some(Source::Buckets),
                    "key" => Some(Source::Listing { bucket_field: "bucket".into(), folders_only: false }),
                    "source_key" => Some(Source::Listing { bucket_field: "source_bucket".into(), folders_only: false }),
                    _ => None,
                };
                if let Some(expected) = expected {
                    assert_eq!(source_of(&schema, name), Ok(expected), "{}.{name}", op.id);
                    let bucket_field = property["x-choices"]["bucket"].as_str().unwrap_or("bucket");
                    assert!(schema["properties"].get(bucket_field).is_some(), "{}.{name}", op.id);
                }
            }
        }
    }

    #[test]
    fn a_field_without_choices_names_those_with() {
        let schema = ops::find("get_object").unwrap().input_schema();
        let message = source_of(&schema, "range").unwrap_err();
        assert!(message.contains("`range` has no choices") && message.contains("bucket") && message.contains("key"));
    }
}
