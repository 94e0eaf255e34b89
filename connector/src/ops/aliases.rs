//! The field names and shapes of the product this connector reproduces, accepted beside ours so
//! that workflows written for it keep working: each alias is renamed to our field (and the keys
//! of its list items to ours) before the input is read. The schemas list the aliases too, marked
//! `x-alias-of`, so a platform that validates inputs against them accepts both.

use crate::error::{ConnectorError, Result};
use serde_json::Value;

/// One alias of an operation's field.
struct Alias {
    operation: &'static str,
    /// The product's name.
    name: &'static str,
    /// Ours.
    field: &'static str,
    /// For a list of objects: the product's item keys and ours.
    item_keys: &'static [(&'static str, &'static str)],
}

const ALIASES: &[Alias] = &[
    Alias { operation: "get_object_signed_url", name: "expires_seconds", field: "expires_in", item_keys: &[] },
    Alias {
        operation: "delete_objects",
        name: "object_keys",
        field: "objects",
        item_keys: &[("Key", "key"), ("VersionId", "version_id")],
    },
];

/// Renames `operation`'s aliased fields in `input` to ours; giving both names is an error.
pub(super) fn normalize(operation: &str, input: &mut Value) -> Result<()> {
    let Some(fields) = input.as_object_mut() else { return Ok(()) };
    for alias in ALIASES.iter().filter(|alias| alias.operation == operation) {
        let Some(mut value) = fields.remove(alias.name) else { continue };
        if fields.contains_key(alias.field) {
            return Err(ConnectorError::invalid_input(
                format!("/{}", alias.name),
                format!("`{}` is another name for `{}`; give only one of them", alias.name, alias.field),
            ));
        }
        if let Value::Array(items) = &mut value {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                for (theirs, ours) in alias.item_keys {
                    if let Some(value) = item.remove(*theirs) {
                        item.insert((*ours).to_string(), value);
                    }
                }
            }
        }
        fields.insert(alias.field.to_string(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aliases_become_our_fields_and_both_names_are_refused() {
        let mut input = json!({"bucket": "b", "key": "k", "expires_seconds": 60});
        normalize("get_object_signed_url", &mut input).unwrap();
        assert_eq!(input, json!({"bucket": "b", "key": "k", "expires_in": 60}));
        let mut input = json!({"bucket": "b", "object_keys": [{"Key": "a", "VersionId": "v"}, {"Key": "b"}]});
        normalize("delete_objects", &mut input).unwrap();
        assert_eq!(input["objects"], json!([{"key": "a", "version_id": "v"}, {"key": "b"}]));
        let mut both = json!({"bucket": "b", "key": "k", "expires_seconds": 60, "expires_in": 5});
        assert_eq!(
            normalize("get_object_signed_url", &mut both).unwrap_err().field.as_deref(),
            Some("/expires_seconds")
        );
        let mut other = json!({"expires_seconds": 60});
        normalize("head_object", &mut other).unwrap();
        assert_eq!(other, json!({"expires_seconds": 60}), "an alias belongs to its operation");
    }
}
