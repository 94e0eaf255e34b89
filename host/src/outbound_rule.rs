//! Outbound rules: which `scheme://host:port` a request may go to. Pure parsing and matching,
//! no I/O (fuzzed by `fuzz/fuzz_targets/outbound_rule.rs`, which includes this file).

use std::fmt;
use std::str::FromStr;

/// One allowed destination, `scheme://host:port`, in the spirit of Spin's
/// `allowed_outbound_hosts`. In rules the operator writes, `*` matches any scheme or port; a host
/// label `*` matches exactly one DNS label, a leading `*.` one or more (`*.s3.*.example.com`),
/// and a host of `*` any host. Rules derived from a tenant's endpoint or a source URL are exact
/// origins ([`OutboundRule::exact_origin`]): a `*` there is an error, never a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRule {
    scheme: Option<Scheme>,
    host: HostPattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// A host pattern: labels (`None` = `*`, one label), optionally after one or more labels.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Labels { leading_any: bool, labels: Vec<Option<String>> },
}

impl HostPattern {
    fn matches(&self, host: &str) -> bool {
        let Self::Labels { leading_any, labels } = self else { return true };
        let host = host.to_ascii_lowercase();
        let parts: Vec<&str> = host.split('.').collect();
        let enough = if *leading_any { parts.len() > labels.len() } else { parts.len() == labels.len() };
        enough
            && !parts.iter().any(|p| p.is_empty())
            && parts[parts.len() - labels.len()..]
                .iter()
                .zip(labels)
                .all(|(part, label)| label.as_deref().is_none_or(|l| l == *part))
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self::Labels { leading_any, labels } = self else { return f.write_str("*") };
        let labels: Vec<&str> = labels.iter().map(|l| l.as_deref().unwrap_or("*")).collect();
        write!(f, "{}{}", if *leading_any { "*." } else { "" }, labels.join("."))
    }
}

/// A rule that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid outbound rule {rule:?}: {why} (expected scheme://host:port, e.g. \"https://*.example.com:443\")")]
pub struct RuleError {
    rule: String,
    why: &'static str,
}

impl RuleError {
    /// A connector's outbound declaration (its auth schema's `x-outbound`) that is malformed.
    pub fn declaration(why: &'static str) -> Self {
        Self { rule: "x-outbound".to_string(), why }
    }
}

/// `scheme://authority` of `text` without user information, path, query or fragment: what an
/// error may show of a URL.
fn shown_origin(text: &str) -> String {
    let Some((scheme, rest)) = text.trim().split_once("://") else { return "(no scheme)".into() };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://{authority}")
}

/// `scheme://host[:port]` split into its parts; a trailing path, query or fragment is ignored.
fn split_origin(text: &str) -> Result<(&str, &str, Option<&str>), &'static str> {
    let (scheme, rest) = text.split_once("://").ok_or("no scheme")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("user information (`user@`) is not allowed");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (authority, None),
    };
    if host.is_empty() {
        return Err("no host");
    }
    Ok((scheme, host, port))
}

/// The labels of a lower-case host pattern (`None` for a `*` label).
fn host_labels(host: &str) -> Result<Vec<Option<String>>, &'static str> {
    host.split('.')
        .map(|label| match label {
            "*" => Ok(None),
            "" => Err("empty host label"),
            l if l.contains(['*', '/', '\\', ' ']) => Err("bad host"),
            l => Ok(Some(l.to_string())),
        })
        .collect()
}

impl FromStr for OutboundRule {
    type Err = RuleError;

    fn from_str(rule: &str) -> Result<Self, RuleError> {
        let fail = |why| RuleError { rule: rule.to_string(), why };
        let (scheme, host, port) = split_origin(rule).map_err(fail)?;
        let scheme = match scheme {
            "*" => None,
            "http" => Some(Scheme::Http),
            "https" => Some(Scheme::Https),
            _ => return Err(fail("the scheme must be http, https or *")),
        };
        let port = match (port, scheme) {
            (Some("*"), _) => None,
            (Some(p), _) => Some(p.parse().map_err(|_| fail("bad port"))?),
            (None, Some(scheme)) => Some(scheme.default_port()),
            (None, None) => return Err(fail("a port is required with scheme *")),
        };
        let host = host.to_ascii_lowercase();
        let host = if host == "*" {
            HostPattern::Any
        } else {
            let (leading_any, rest) = match host.strip_prefix("*.") {
                Some(rest) => (true, rest),
                None => (false, host.as_str()),
            };
            HostPattern::Labels { leading_any, labels: host_labels(rest).map_err(fail)? }
        };
        Ok(OutboundRule { scheme, host, port })
    }
}

impl OutboundRule {
    /// The rule that allows exactly the origin (scheme, host, port) of `url`: a tenant's
    /// endpoint or a source URL. Wildcards are refused, not interpreted.
    pub fn exact_origin(url: &str) -> Result<Self, RuleError> {
        // A URL's path and query may carry credentials (a presigned source): errors show the origin.
        let fail = |why| RuleError { rule: shown_origin(url), why };
        let (scheme, host, port) = split_origin(url.trim()).map_err(fail)?;
        if host.contains('*') || port.is_some_and(|p| p.contains('*')) || scheme.contains('*') {
            return Err(fail("an endpoint or URL names one origin; `*` is not allowed in it"));
        }
        // A URL's scheme is case-insensitive (RFC 3986), as the connectors read it.
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(fail("the scheme must be http or https")),
        };
        // Built directly rather than written out and parsed again: the host does this for
        // every invocation whose auth names its own endpoint.
        let port = match port {
            Some(port) => port.parse().map_err(|_| fail("not a valid origin: bad port"))?,
            None => scheme.default_port(),
        };
        let labels = host_labels(&host.to_ascii_lowercase()).map_err(fail)?;
        Ok(OutboundRule {
            scheme: Some(scheme),
            host: HostPattern::Labels { leading_any: false, labels },
            port: Some(port),
        })
    }

    /// Whether the rule names its scheme, its port and a domain of at least two literal labels
    /// (`https://*.s3.*.amazonaws.com:443` does; `https://*:443`, `*://h.example.com:*` and
    /// `https://*.com:443` do not): what a component may declare for itself.
    pub fn is_bounded(&self) -> bool {
        let domain = match &self.host {
            HostPattern::Any => false,
            HostPattern::Labels { labels, .. } => {
                labels.len() >= 2 && labels[labels.len() - 2..].iter().all(Option::is_some)
            }
        };
        self.scheme.is_some() && self.port.is_some() && domain
    }

    /// Whether the rule's port is its scheme's own (443 for https, 80 for http): a component's
    /// declaration may not reach the other services a host runs.
    pub fn is_on_the_web_port(&self) -> bool {
        self.scheme.zip(self.port).is_some_and(|(scheme, port)| scheme.default_port() == port)
    }

    /// Whether the host is an address rather than a name (`169.254.169.254`, `[::1]`, a numeric
    /// last label): a component declares names, never addresses.
    pub fn names_an_address(&self) -> bool {
        let HostPattern::Labels { labels, .. } = &self.host else { return false };
        let last_is_numeric =
            labels.last().and_then(Option::as_deref).is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()));
        let literal = labels.iter().all(Option::is_some) && {
            let host: Vec<&str> = labels.iter().filter_map(Option::as_deref).collect();
            let host = host.join(".");
            let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(&host);
            host.parse::<std::net::IpAddr>().is_ok()
        };
        last_is_numeric || literal
    }

    /// Whether a request to `scheme://host:port` matches.
    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        self.scheme.is_none_or(|s| s.name() == scheme) && self.host.matches(host) && self.port.is_none_or(|p| p == port)
    }
}

impl fmt::Display for OutboundRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.scheme.map_or("*", Scheme::name);
        let port = self.port.map_or_else(|| "*".into(), |p| p.to_string());
        write!(f, "{scheme}://{}:{port}", self.host)
    }
}

/// The rule that allows exactly the origin of `url`, e.g. a source URL the user named on the
/// command line.
pub fn rule_for_url(url: &str) -> Result<OutboundRule, RuleError> {
    OutboundRule::exact_origin(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(url: &str) -> Result<Vec<OutboundRule>, RuleError> {
        OutboundRule::exact_origin(url).map(|rule| vec![rule])
    }

    #[test]
    fn endpoints_are_exact_origins_never_patterns() {
        let rules = exact("http://127.0.0.1:3900").unwrap();
        assert!(rules[0].allows("http", "127.0.0.1", 3900));
        let rules = exact("https://minio.local:9000/").unwrap();
        assert!(rules[0].allows("https", "minio.local", 9000));
        assert!(!rules[0].allows("https", "bucket.minio.local", 9000));
        for hostile in ["*://*:*", "https://*.com", "http://*:80", "https://*", "ftp://x"] {
            assert!(exact(hostile).is_err(), "{hostile} must be refused");
        }
        // Built directly, an exact origin is the rule its origin's text parses to.
        for (url, origin) in [
            ("http://S3.Example.COM", "http://s3.example.com:80"),
            ("HTTPS://s3.example.com", "https://s3.example.com:443"),
            ("https://s3.example.com/b/k?x=1", "https://s3.example.com:443"),
            ("http://[::1]:9000", "http://[::1]:9000"),
            (" https://h.example:8443#f ", "https://h.example:8443"),
        ] {
            assert_eq!(OutboundRule::exact_origin(url).unwrap(), origin.parse().unwrap(), "{url}");
        }
        for bad in ["http://h:", "http://h:99999", "http://a..b", "http://h.", "http://a b"] {
            assert!(exact(bad).is_err(), "{bad} must be refused");
        }
    }

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
        assert!(!aws.allows("https", "amazonaws.com", 443));
        let any: OutboundRule = "*://*:*".parse().unwrap();
        assert!(any.allows("http", "x", 1));
        assert!("ftp://x".parse::<OutboundRule>().is_err());
        assert!("*://x".parse::<OutboundRule>().is_err());
        assert!("https://a..b".parse::<OutboundRule>().is_err());
        assert_eq!(aws.to_string(), "https://*.amazonaws.com:443");
        let ipv6: OutboundRule = "http://[::1]:9000".parse().unwrap();
        assert!(ipv6.allows("http", "[::1]", 9000));
    }

    #[test]
    fn web_ports_and_addresses_are_told_apart() {
        let rule = |text: &str| text.parse::<OutboundRule>().unwrap();
        assert!(rule("https://*.example.com:443").is_on_the_web_port());
        assert!(rule("http://h.example.com:80").is_on_the_web_port());
        for other in ["https://h.example.com:80", "http://h.example.com:8080", "*://h.example.com:443", "https://h:*"] {
            assert!(!rule(other).is_on_the_web_port(), "{other}");
        }
        for address in ["http://169.254.169.254:80", "https://[fd00:ec2::254]:443", "http://a.b.0:80"] {
            assert!(rule(address).names_an_address(), "{address}");
        }
        for name in ["https://*.s3.*.amazonaws.com:443", "https://*:443", "https://3com.example.com:443"] {
            assert!(!rule(name).names_an_address(), "{name}");
        }
    }

    #[test]
    fn a_middle_star_is_one_label() {
        let regional: OutboundRule = "https://*.s3.*.amazonaws.com".parse().unwrap();
        assert!(regional.allows("https", "bucket.s3.eu-west-1.amazonaws.com", 443));
        assert!(!regional.allows("https", "bucket.s3.evil.example.amazonaws.com", 443));
        assert!(!regional.allows("https", "s3.eu-west-1.amazonaws.com", 443));
        assert_eq!(regional.to_string(), "https://*.s3.*.amazonaws.com:443");
    }

    #[test]
    fn a_url_allows_its_origin_only() {
        let rule = rule_for_url("https://files.example.com/a/b.csv?X-Amz-Signature=s").unwrap();
        assert!(rule.allows("https", "files.example.com", 443));
        assert!(!rule.allows("https", "other.example.com", 443));
        assert!(!rule.allows("https", "a.files.example.com", 443));
        assert!(rule_for_url("http://127.0.0.1:8080/x").unwrap().allows("http", "127.0.0.1", 8080));
        assert!(rule_for_url("no-scheme").is_err());
        let error = rule_for_url("https://user:pw-secret@files.example.com/").unwrap_err().to_string();
        assert!(!error.contains("pw-secret"), "{error}");
        // A `*` in a presigned URL's key or query is not a wildcard, and never printed.
        let presigned = "https://files.example.com/a*b.csv?X-Amz-Signature=sig-secret";
        assert!(rule_for_url(presigned).unwrap().allows("https", "files.example.com", 443));
        let error = rule_for_url("https://*.example.com/x?X-Amz-Signature=sig-secret").unwrap_err().to_string();
        assert!(error.contains("not allowed") && !error.contains("sig-secret"), "{error}");
    }
}
