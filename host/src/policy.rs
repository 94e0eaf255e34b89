//! What one invocation may do: where it may connect, which files it may touch, and its limits.
//! Deny by default: an empty outbound list allows no request at all.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

/// One allowed destination, `scheme://host:port`, in the spirit of Spin's
/// `allowed_outbound_hosts`: `*` matches any scheme or port, and a host of `*` or `*.suffix`
/// matches any host or any subdomain of `suffix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRule {
    scheme: Pattern,
    host: Pattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Any,
    Exact(String),
    Suffix(String),
}

/// A rule that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid outbound rule {rule:?}: {why} (expected scheme://host:port, e.g. \"https://*.amazonaws.com:443\")")]
pub struct RuleError {
    rule: String,
    why: &'static str,
}

impl FromStr for OutboundRule {
    type Err = RuleError;

    fn from_str(rule: &str) -> Result<Self, RuleError> {
        let fail = |why| RuleError { rule: rule.to_string(), why };
        let (scheme, rest) = rule.split_once("://").ok_or_else(|| fail("no scheme"))?;
        let scheme = match scheme {
            "*" => Pattern::Any,
            "http" | "https" => Pattern::Exact(scheme.to_string()),
            _ => return Err(fail("the scheme must be http, https or *")),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (rest, None),
        };
        let port = match port {
            None => match &scheme {
                Pattern::Exact(s) if s == "https" => Some(443),
                Pattern::Exact(_) => Some(80),
                _ => return Err(fail("a port is required with scheme *")),
            },
            Some("*") => None,
            Some(p) => Some(p.parse().map_err(|_| fail("bad port"))?),
        };
        let host = host.to_ascii_lowercase();
        let host = if host == "*" {
            Pattern::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            Pattern::Suffix(format!(".{suffix}"))
        } else if host.is_empty() || host.contains(['*', '/', '@']) {
            return Err(fail("bad host"));
        } else {
            Pattern::Exact(host)
        };
        Ok(OutboundRule { scheme, host, port })
    }
}

impl OutboundRule {
    /// Whether a request to `scheme://host:port` matches.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        let scheme_ok = match &self.scheme {
            Pattern::Any => true,
            Pattern::Exact(s) => s == scheme,
            Pattern::Suffix(_) => false,
        };
        let host_ok = match &self.host {
            Pattern::Any => true,
            Pattern::Exact(h) => *h == host,
            Pattern::Suffix(suffix) => host.ends_with(suffix.as_str()) && host.len() > suffix.len(),
        };
        scheme_ok && host_ok && self.port.is_none_or(|p| p == port)
    }
}

impl fmt::Display for OutboundRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = |p: &Pattern| match p {
            Pattern::Any => "*".to_string(),
            Pattern::Exact(s) => s.clone(),
            Pattern::Suffix(s) => format!("*{s}"),
        };
        let port = self.port.map(|p| p.to_string()).unwrap_or_else(|| "*".into());
        write!(f, "{}://{}:{}", part(&self.scheme), part(&self.host), port)
    }
}

/// The outbound rules for an S3 endpoint: exactly the endpoint for a custom one, or AWS S3's
/// hosts (`*.amazonaws.com` over HTTPS) when `endpoint` is `None`.
pub fn rules_for_endpoint(endpoint: Option<&str>) -> Result<Vec<OutboundRule>, RuleError> {
    match endpoint.map(str::trim).filter(|e| !e.is_empty()) {
        None => Ok(vec!["https://*.amazonaws.com:443".parse()?, "https://s3.amazonaws.com:443".parse()?]),
        Some(endpoint) => {
            let endpoint = endpoint.strip_suffix('/').unwrap_or(endpoint);
            let (scheme, authority) = endpoint
                .split_once("://")
                .ok_or(RuleError { rule: endpoint.to_string(), why: "the endpoint has no scheme" })?;
            let mut rules = vec![endpoint.parse::<OutboundRule>()?];
            // Virtual-hosted addressing puts the bucket in front of the endpoint's host.
            if !authority.starts_with('[')
                && authority.split(':').next().is_some_and(|h| h.parse::<std::net::Ipv4Addr>().is_err())
            {
                rules.push(format!("{scheme}://*.{authority}").parse()?);
            }
            Ok(rules)
        }
    }
}

/// The rule that allows exactly the origin (scheme, host, port) of `url`, e.g. a source URL the
/// user named on the command line.
pub fn rule_for_url(url: &str) -> Result<OutboundRule, RuleError> {
    let (scheme, rest) =
        url.split_once("://").ok_or(RuleError { rule: url.to_string(), why: "the URL has no scheme" })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{authority}").parse()
}

/// Which host files an invocation may use.
#[derive(Debug, Clone, Default)]
pub struct FileAccess {
    /// The one directory the guest's file names resolve in; `None` grants no files.
    pub root: Option<PathBuf>,
    /// Whether the guest may create files (downloads).
    pub writable: bool,
}

/// The policy for one invocation.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Allowed destinations; `None` derives them from the auth's endpoint.
    pub outbound: Option<Vec<OutboundRule>>,
    /// Host files.
    pub files: FileAccess,
    /// Most linear memory the guest may grow to, in bytes.
    pub memory_limit: usize,
    /// Wall-clock limit of the whole invocation (guest CPU and waiting on the network).
    pub time_limit: Duration,
    /// Most bytes a single HTTP response body may carry.
    pub max_response_bytes: u64,
    /// Pins the wall clock the component sees (reproducible signatures).
    pub pinned_time: Option<SystemTime>,
    /// Do not send: record each signed request and refuse it.
    pub dry_run: bool,
    /// Live byte counters for this invocation (progress bars).
    pub progress: Option<std::sync::Arc<crate::progress::Transfer>>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            outbound: None,
            files: FileAccess::default(),
            memory_limit: 64 * 1024 * 1024,
            time_limit: Duration::from_secs(900),
            max_response_bytes: 6 * 1024 * 1024 * 1024 * 1024,
            pinned_time: None,
            dry_run: false,
            progress: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_scheme_host_and_port() {
        let rule: OutboundRule = "http://127.0.0.1:3900".parse().unwrap();
        assert!(rule.allows("http", "127.0.0.1", 3900));
        assert!(!rule.allows("http", "127.0.0.1", 3901));
        assert!(!rule.allows("https", "127.0.0.1", 3900));
        let aws: OutboundRule = "https://*.amazonaws.com".parse().unwrap();
        assert!(aws.allows("https", "bucket.s3.eu-west-1.amazonaws.com", 443));
        assert!(!aws.allows("https", "amazonaws.com.evil.org", 443));
        assert!(!aws.allows("https", "evilamazonaws.com", 443));
        let any: OutboundRule = "*://*:*".parse().unwrap();
        assert!(any.allows("http", "x", 1));
        assert!("ftp://x".parse::<OutboundRule>().is_err());
        assert!("*://x".parse::<OutboundRule>().is_err());
        assert_eq!(aws.to_string(), "https://*.amazonaws.com:443");
    }

    #[test]
    fn a_url_allows_its_origin_only() {
        let rule = rule_for_url("https://files.example.com/a/b.csv?X-Amz-Signature=s").unwrap();
        assert!(rule.allows("https", "files.example.com", 443));
        assert!(!rule.allows("https", "other.example.com", 443));
        assert!(rule_for_url("http://127.0.0.1:8080/x").unwrap().allows("http", "127.0.0.1", 8080));
        assert!(rule_for_url("no-scheme").is_err());
    }

    #[test]
    fn endpoint_rules() {
        let rules = rules_for_endpoint(Some("http://127.0.0.1:3900")).unwrap();
        assert_eq!(rules.len(), 1);
        assert!(rules[0].allows("http", "127.0.0.1", 3900));
        let rules = rules_for_endpoint(Some("https://minio.local:9000/")).unwrap();
        assert!(rules.iter().any(|r| r.allows("https", "bucket.minio.local", 9000)));
        let rules = rules_for_endpoint(None).unwrap();
        assert!(rules.iter().any(|r| r.allows("https", "s3.amazonaws.com", 443)));
        assert!(!rules.iter().any(|r| r.allows("http", "s3.amazonaws.com", 80)));
    }
}
