//! The destinations a connector declares for itself. The host knows no service: a connector
//! names its default destinations, and the auth field that replaces them with a tenant's own
//! endpoint, in its auth schema's `x-outbound` annotation:
//!
//! ```json
//! "x-outbound": {"default": ["https://*.example.com:443"], "origin-field": "endpoint"}
//! ```
//!
//! An invocation whose auth sets the origin field may reach exactly that origin; one that does
//! not may reach the default destinations. A connector that declares nothing may reach nothing
//! unless the operator's policy says otherwise.

use crate::outbound_rule::{OutboundRule, RuleError};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// The most default destinations a component may declare.
const MAX_DECLARED: usize = 64;

/// What a connector's auth schema declares about where it connects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclaredOutbound {
    default: Vec<OutboundRule>,
    origin_field: Option<String>,
}

impl DeclaredOutbound {
    /// Reads the `x-outbound` annotation of an auth schema (JSON text). No annotation declares
    /// nothing; a malformed one is an error, not silently nothing.
    pub fn from_auth_schema(schema: &str) -> Result<Self, RuleError> {
        let schema: Value = serde_json::from_str(schema).map_err(|_| RuleError::declaration("not JSON"))?;
        let Some(declared) = schema.get("x-outbound") else { return Ok(Self::default()) };
        if !declared.is_object() {
            return Err(RuleError::declaration("`x-outbound` is not an object"));
        }
        let default = match declared.get("default") {
            None => Vec::new(),
            Some(Value::Array(rules)) if rules.len() > MAX_DECLARED => {
                return Err(RuleError::declaration("more than 64 default destinations"));
            }
            Some(Value::Array(rules)) => rules
                .iter()
                .map(|rule| {
                    let rule: OutboundRule =
                        rule.as_str().ok_or(RuleError::declaration("a default rule is not a string"))?.parse()?;
                    // A component is not trusted to open the world to itself: only the operator's
                    // policy may name any host, any port, an address or a whole top-level domain.
                    if rule.is_bounded() && rule.is_on_the_web_port() && !rule.names_an_address() {
                        Ok(rule)
                    } else {
                        Err(RuleError::declaration(
                            "a declared destination must name its scheme, the scheme's own port and a domain name (e.g. https://*.example.com:443)",
                        ))
                    }
                })
                .collect::<Result<_, RuleError>>()?,
            Some(_) => return Err(RuleError::declaration("`default` is not a list")),
        };
        let origin_field = match declared.get("origin-field") {
            None => None,
            Some(Value::String(field)) => Some(field.clone()),
            Some(_) => return Err(RuleError::declaration("`origin-field` is not a string")),
        };
        Ok(Self { default, origin_field })
    }

    /// The rules for one invocation with `auth` (JSON text): the exact origin of the auth's
    /// origin field when it is set, else the default destinations.
    pub fn rules_for(&self, auth: &str) -> Result<Vec<OutboundRule>, RuleError> {
        let origin = self.origin_field.as_deref().and_then(|field| string_member(auth, field));
        match origin.as_deref().map(str::trim).filter(|origin| !origin.is_empty()) {
            Some(origin) => Ok(vec![OutboundRule::exact_origin(origin)?]),
            None => Ok(self.default.clone()),
        }
    }
}

/// The string member `field` of the JSON object `text`, read without building the document
/// (the host does this for every invocation's auth). The last of repeated members counts; text
/// that is not a JSON object, or a member that is not a string, gives none. Other members are
/// skipped unparsed, so one the guest would refuse (a lone surrogate, deep nesting) does not
/// change the answer: the guest refuses that auth before any request.
fn string_member(text: &str, field: &str) -> Option<String> {
    let mut document = serde_json::Deserializer::from_str(text);
    let member = (&mut document).deserialize_map(Member(field)).ok()?;
    document.end().ok()?;
    member
}

/// Visits an object's members for one of them ([`string_member`]).
struct Member<'f>(&'f str);

impl<'de> Visitor<'de> for Member<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Option<String>, A::Error> {
        let mut found = None;
        while let Some(is_field) = members.next_key_seed(KeyIs(self.0))? {
            if is_field {
                found = members.next_value::<Value>()?.as_str().map(str::to_string);
            } else {
                members.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Reads an object key as whether it is the one wanted, without keeping it.
struct KeyIs<'f>(&'f str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, key: D) -> Result<bool, D::Error> {
        key.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str =
        r#"{"type":"object","x-outbound":{"default":["https://*.example.com:443"],"origin-field":"endpoint"}}"#;

    #[test]
    fn the_origin_field_replaces_the_defaults() {
        let declared = DeclaredOutbound::from_auth_schema(SCHEMA).unwrap();
        let defaults = declared.rules_for(r#"{"key":"k"}"#).unwrap();
        assert_eq!(defaults.len(), 1);
        assert!(defaults[0].allows("https", "a.example.com", 443));
        let own = declared.rules_for(r#"{"endpoint":"http://10.0.0.5:9000"}"#).unwrap();
        assert!(own[0].allows("http", "10.0.0.5", 9000) && !own[0].allows("https", "a.example.com", 443));
        assert_eq!(declared.rules_for(r#"{"endpoint":"  "}"#).unwrap(), defaults);
        // Read as a parsed document would be: escapes, the last of repeated members, and
        // anything that is not a string member of an object leaves the defaults.
        let escaped = declared.rules_for(r#"{"key":{"endpoint":"x"},"end\u0070oint":"http://h.example:81"}"#).unwrap();
        assert!(escaped[0].allows("http", "h.example", 81));
        let last = declared.rules_for(r#"{"endpoint":"http://a.example","endpoint":"http://b.example"}"#).unwrap();
        assert!(last[0].allows("http", "b.example", 80) && !last[0].allows("http", "a.example", 80));
        for other in [
            r#"{"endpoint":5}"#,
            r#"{"endpoint":"http://a.example","endpoint":null}"#,
            "[1]",
            "{",
            r#"{"endpoint":"http://a.example"} x"#,
        ] {
            assert_eq!(declared.rules_for(other).unwrap(), defaults, "{other}");
        }
        assert!(declared.rules_for(r#"{"endpoint":"http://*.evil"}"#).is_err(), "an endpoint is one origin");
    }

    #[test]
    fn nothing_declared_allows_nothing_and_bad_declarations_are_errors() {
        let none = DeclaredOutbound::from_auth_schema(r#"{"type":"object"}"#).unwrap();
        assert!(none.rules_for(r#"{"endpoint":"http://h"}"#).unwrap().is_empty());
        for bad in [
            r#"{"x-outbound":{"default":"https://h:443"}}"#,
            r#"{"x-outbound":{"default":[7]}}"#,
            r#"{"x-outbound":{"default":["ftp://h"]}}"#,
            // A hostile component may not declare the world (or a whole TLD, or any port) for itself.
            r#"{"x-outbound":{"default":["https://*:443"]}}"#,
            r#"{"x-outbound":{"default":["https://*.com:443"]}}"#,
            r#"{"x-outbound":{"default":["*://h.example.com:443"]}}"#,
            r#"{"x-outbound":{"default":["https://h.example.com:*"]}}"#,
            r#"{"x-outbound":{"origin-field":1}}"#,
            r#"{"x-outbound":"https://h.example.com:443"}"#,
            // Addresses and other services' ports are the operator's to open, not the component's.
            r#"{"x-outbound":{"default":["http://169.254.169.254:80"]}}"#,
            r#"{"x-outbound":{"default":["http://metadata.internal.1:80"]}}"#,
            r#"{"x-outbound":{"default":["https://h.example.com:8443"]}}"#,
            r#"{"x-outbound":{"default":["http://h.example.com:443"]}}"#,
            "not json",
        ] {
            assert!(DeclaredOutbound::from_auth_schema(bad).is_err(), "{bad}");
        }
        let many: Vec<String> = (0..65).map(|i| format!("https://h{i}.example.com:443")).collect();
        let schema = serde_json::json!({"x-outbound": {"default": many}}).to_string();
        assert!(DeclaredOutbound::from_auth_schema(&schema).is_err(), "65 destinations");
        let schema = serde_json::json!({"x-outbound": {"default": many[..64]}}).to_string();
        assert_eq!(DeclaredOutbound::from_auth_schema(&schema).unwrap().rules_for("{}").unwrap().len(), 64);
    }
}
