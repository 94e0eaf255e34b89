//! Secrets out of everything the host prints or formats: credentials in URL queries (presigned
//! URLs, session tokens) and in headers. By name, for any service: a query parameter or header
//! whose name says token, secret, password, key, credential, signature, cookie, session or auth. An
//! `Authorization` that carries a request signature (`…Signature=…`: valid for that one request,
//! shown by dry runs so it can be compared) is kept; any other (a bearer token, basic
//! credentials) is not.

/// Shown in place of a secret.
pub const REDACTED: &str = "******";

/// Query parameters whose values are credentials (compared case-insensitively, by substring).
const SECRET_QUERY_NAMES: &[&str] =
    &["signature", "token", "credential", "secret", "password", "sig", "key", "session", "auth"];

/// Header names (substrings, lower case) whose values are credentials.
const SECRET_HEADER_NAMES: &[&str] =
    &["token", "secret", "password", "key", "credential", "cookie", "session", "proxy-authorization"];

/// `url` with user information and the values of credential-like query parameters replaced by
/// [`REDACTED`].
pub fn url(url: &str) -> String {
    let url = &without_userinfo(url);
    let Some((base, rest)) = url.split_once('?') else { return url.clone() };
    let (query, fragment) = match rest.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (rest, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_query_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect();
    let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    format!("{base}?{}{fragment}", pairs.join("&"))
}

/// `scheme://user:password@host/...` as `scheme://******@host/...`.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{REDACTED}@{host}{}", &rest[authority_end..]),
        None => url.to_string(),
    }
}

fn is_secret_query_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    // Algorithm, date, expiry and the list of signed headers say how, not what: keep them readable.
    !name.ends_with("signedheaders") && SECRET_QUERY_NAMES.iter().any(|secret| name.contains(secret))
}

/// A header's value as it may be printed.
pub fn header_value<'a>(name: &str, value: &'a str) -> &'a str {
    let name = name.to_ascii_lowercase();
    // A request signature in the form `<ALGORITHM> Credential=…, SignedHeaders=…, Signature=…`:
    // valid for one request, shown so dry runs can be compared. Anything else is a credential.
    let signature_only = value.trim_start().split_once(' ').is_some_and(|(scheme, rest)| {
        let scheme = scheme.to_ascii_lowercase();
        !matches!(scheme.as_str(), "bearer" | "basic" | "digest" | "token" | "negotiate")
            && rest.trim_start().starts_with("Credential=")
            && rest.contains("Signature=")
    });
    let secret = SECRET_HEADER_NAMES.iter().any(|secret| name.contains(secret))
        // `X-Auth`, `X-Api-Auth`: credentials by name; `Authorization` itself unless a signature.
        || (name.contains("auth") && name != "authorization")
        || (name == "authorization" && !signature_only);
    if secret { REDACTED } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presigned_queries_lose_their_credentials() {
        let printed = url(
            "https://h/f?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F1&X-Amz-Security-Token=tok&X-Amz-SignedHeaders=host&X-Amz-Signature=abc#frag",
        );
        assert_eq!(
            printed,
            "https://h/f?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=******&X-Amz-Security-Token=******&X-Amz-SignedHeaders=host&X-Amz-Signature=******#frag"
        );
        assert_eq!(
            url("https://files.example.com/a?sig=s3cr3t&name=x"),
            "https://files.example.com/a?sig=******&name=x"
        );
        assert_eq!(url("https://h/no-query"), "https://h/no-query");
        assert_eq!(url("https://h/a?session=s&auth=t&page=2"), "https://h/a?session=******&auth=******&page=2");
        assert_eq!(url("https://user:pw@h/a?b=1"), "https://******@h/a?b=1");
    }

    #[test]
    fn secret_headers_are_hidden_but_request_signatures_are_shown() {
        assert_eq!(header_value("X-Amz-Security-Token", "tok"), REDACTED);
        assert_eq!(header_value("x-amz-server-side-encryption-customer-key", "k"), REDACTED);
        assert_eq!(header_value("Cookie", "session=1"), REDACTED);
        assert_eq!(header_value("authorization", "Bearer abc"), REDACTED);
        assert_eq!(header_value("authorization", "Bearer Signature=x"), REDACTED);
        assert_eq!(header_value("authorization", "Basic eHl6, Signature=1"), REDACTED);
        assert_eq!(header_value("authorization", "Token Credential=a, Signature=b"), REDACTED);
        assert_eq!(header_value("authorization", "Basic dXNlcjpwdw=="), REDACTED);
        assert_eq!(header_value("X-Auth", "abc"), REDACTED);
        assert_eq!(header_value("X-SFDC-Session", "abc"), REDACTED);
        let sigv4 = "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, Signature=f0";
        assert_eq!(header_value("Authorization", sigv4), sigv4);
        assert_eq!(header_value("range", "bytes=0-9"), "bytes=0-9");
    }
}
