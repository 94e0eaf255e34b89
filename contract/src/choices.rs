//! The answer of `connector.options`: a page of choices for an input field. It crosses the WIT
//! boundary as one JSON text (a host copies one bounded string, never a guest-chosen number of
//! them), in this shape.

use serde::{Deserialize, Serialize};

/// One choice for a field, e.g. a bucket in a dropdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The value to put in the field.
    pub value: String,
    /// What to show for it.
    pub label: String,
    /// A group to open (a folder): ask again with it as the field's value.
    #[serde(default)]
    pub is_group: bool,
}

/// A page of choices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Choices {
    /// The choices, in presentation order.
    pub items: Vec<Choice>,
    /// Pass back as `cursor` for the next page; none on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_shape_is_stable() {
        let page = Choices {
            items: vec![Choice { value: "in/".into(), label: "in/".into(), is_group: true }],
            next_cursor: Some("T".into()),
        };
        let text = serde_json::to_string(&page).unwrap();
        assert_eq!(text, r#"{"items":[{"value":"in/","label":"in/","is_group":true}],"next_cursor":"T"}"#);
        assert_eq!(serde_json::from_str::<Choices>(&text).unwrap(), page);
        assert_eq!(serde_json::from_str::<Choices>(r#"{"items":[]}"#).unwrap(), Choices::default());
    }
}
