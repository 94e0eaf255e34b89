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
use serde_json::Value;

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
        let origin = self.origin_field.as_deref().and_then(|field| {
            let auth: Value = serde_json::from_str(auth).ok()?;
            auth.get(field)?.as_str().map(str::trim).filter(|origin| !origin.is_empty()).map(str::to_string)
        });
        match origin {
            Some(origin) => Ok(vec![OutboundRule::exact_origin(&origin)?]),
            None => Ok(self.default.clone()),
        }
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
