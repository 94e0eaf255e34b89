//! Absolute `http`/`https` URLs, split once: the endpoint of a store, the URL of every request
//! sent, and source URLs to copy from. The only URL parser in the connector.
//!
//! A URL's query may be a credential (a presigned URL's signature), so `Debug` and
//! [`HttpUrl::redacted`] show scheme, authority and path only.

use std::fmt;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

impl Scheme {
    /// The scheme's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Why a string is not an absolute http(s) URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    /// No `scheme://`.
    NoScheme,
    /// A scheme other than http or https.
    UnsupportedScheme,
    /// Nothing between `://` and the path.
    NoHost,
    /// A `user:password@` part (never used, never printed).
    UserInfo,
    /// A port that is not a number from 0 to 65535.
    BadPort,
    /// Spaces or control characters.
    BadCharacter,
}

impl UrlError {
    /// What is wrong, for a message that goes on with how to fix it.
    pub const fn explain(self) -> &'static str {
        match self {
            UrlError::NoScheme => "has no scheme (it must start with https:// or http://)",
            UrlError::UnsupportedScheme => "must use http or https",
            UrlError::NoHost => "has no host",
            UrlError::UserInfo => "has a user:password part, which is not allowed",
            UrlError::BadPort => "has an invalid port",
            UrlError::BadCharacter => "contains spaces or control characters",
        }
    }
}

/// An absolute http(s) URL: scheme, lower-case host (IPv6 literals in brackets), optional port,
/// and the path with its query (at least `/`). Fragments are dropped: they never reach a server.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpUrl {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
    path_and_query: String,
}

impl HttpUrl {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        if text.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
            return Err(UrlError::BadCharacter);
        }
        let (scheme, rest) = text.split_once("://").ok_or(UrlError::NoScheme)?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            _ => return Err(UrlError::UnsupportedScheme),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err(UrlError::UserInfo);
        }
        let (host, port) = split_port(authority)?;
        if host.is_empty() || host == "[]" {
            return Err(UrlError::NoHost);
        }
        let path_and_query = match path_and_query {
            "" => "/".to_string(),
            query if query.starts_with('?') => format!("/{query}"),
            path => path.to_string(),
        };
        Ok(Self { scheme, host: host.to_ascii_lowercase(), port, path_and_query })
    }

    /// The URL of `path_and_query` (which starts with `/`) on `scheme://host[:port]`.
    pub fn from_parts(scheme: Scheme, host: &str, port: Option<u16>, path_and_query: String) -> Self {
        debug_assert!(path_and_query.starts_with('/'));
        Self { scheme, host: host.to_string(), port, path_and_query }
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host, lower case; IPv6 literals keep their brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// `host[:port]`.
    pub fn authority(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}", self.host),
            None => self.host.clone(),
        }
    }

    /// The path and query, starting with `/`.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The path alone.
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or("/")
    }

    /// Whether there is more than the root path (`/`, no query).
    pub fn has_path_or_query(&self) -> bool {
        self.path_and_query != "/"
    }

    /// The last path segment (a file name, for guessing a content type).
    pub fn file_name(&self) -> &str {
        self.path().rsplit('/').next().unwrap_or_default()
    }

    /// The URL without its query, for messages and logs (`…` marks a removed query).
    pub fn redacted(&self) -> String {
        let path = self.path();
        let elided = if path.len() < self.path_and_query.len() { "?…" } else { "" };
        format!("{}://{}{path}{elided}", self.scheme.as_str(), self.authority())
    }

    /// The whole URL, query included: for sending and signing only, never for printing.
    pub fn full(&self) -> String {
        format!("{}://{}{}", self.scheme.as_str(), self.authority(), self.path_and_query)
    }
}

impl fmt::Debug for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// `text` without its query, fragment and user information, for messages about a string that
/// may not be a URL.
pub fn redact_text(text: &str) -> String {
    if let Ok(url) = HttpUrl::parse(text) {
        return url.redacted();
    }
    let end = text.find(['?', '#']).unwrap_or(text.len());
    let mut shown = text[..end].to_string();
    if let Some(scheme_end) = shown.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = shown[authority_start..].find('/').map_or(shown.len(), |i| authority_start + i);
        if let Some(at) = shown[authority_start..authority_end].rfind('@') {
            shown.replace_range(authority_start..=authority_start + at, "…@");
        }
    }
    if end < text.len() {
        shown.push_str("?…");
    }
    shown
}

/// Splits `host[:port]`, minding IPv6 literals (`[::1]:9000`).
fn split_port(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    let port_start = match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => colon,
        _ => return Ok((authority, None)),
    };
    let (host, port) = (&authority[..port_start], &authority[port_start + 1..]);
    if host.starts_with('[') != host.ends_with(']') || (host.contains(':') && !host.starts_with('[')) {
        return Err(UrlError::BadPort);
    }
    if port.is_empty() {
        return Ok((host, None));
    }
    port.parse::<u16>().map(|port| (host, Some(port))).map_err(|_| UrlError::BadPort)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_parts_once() {
        let url = HttpUrl::parse("HTTPS://Files.Example.com:8443/a/b.csv?X-Amz-Signature=s#frag").unwrap();
        assert_eq!((url.scheme(), url.host(), url.port()), (Scheme::Https, "files.example.com", Some(8443)));
        assert_eq!(url.path_and_query(), "/a/b.csv?X-Amz-Signature=s");
        assert_eq!((url.path(), url.file_name()), ("/a/b.csv", "b.csv"));
        assert_eq!(url.redacted(), "https://files.example.com:8443/a/b.csv?…");
        assert_eq!(format!("{url:?}"), url.redacted());
        assert_eq!(url.full(), "https://files.example.com:8443/a/b.csv?X-Amz-Signature=s");
        let ipv6 = HttpUrl::parse("http://[::1]:9000").unwrap();
        assert_eq!((ipv6.host(), ipv6.port(), ipv6.path_and_query()), ("[::1]", Some(9000), "/"));
        assert!(!ipv6.has_path_or_query());
        assert_eq!(HttpUrl::parse("http://h?x=1").unwrap().path_and_query(), "/?x=1");
        assert_eq!(HttpUrl::parse("http://[::1]/").unwrap().port(), None);
    }

    #[test]
    fn refuses_what_is_not_an_http_url() {
        for (text, error) in [
            ("s3.amazonaws.com", UrlError::NoScheme),
            ("ftp://x", UrlError::UnsupportedScheme),
            ("http:///path", UrlError::NoHost),
            ("https://user:pw@host/", UrlError::UserInfo),
            ("http://h:99999", UrlError::BadPort),
            ("http://h:x", UrlError::BadPort),
            ("http://::1:80/", UrlError::BadPort),
            ("http://h /x", UrlError::BadCharacter),
        ] {
            assert_eq!(HttpUrl::parse(text), Err(error), "{text}");
        }
    }

    #[test]
    fn redaction_never_shows_the_query() {
        assert_eq!(redact_text("https://h/f.bin?sig=x"), "https://h/f.bin?…");
        assert_eq!(redact_text("not a url?secret"), "not a url?…");
        assert_eq!(redact_text("https://h/f.bin"), "https://h/f.bin");
        assert_eq!(redact_text("https://user:pw@h/x?q"), "https://…@h/x?…");
        // Found by fuzzing: an `@` before the scheme is not user information.
        assert_eq!(redact_text("@ttp://:6249-"), "@ttp://:6249-");
    }
}
