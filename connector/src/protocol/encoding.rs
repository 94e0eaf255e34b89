//! Percent-encoding by S3's rules: each byte outside the unreserved set is encoded exactly once.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but `A-Z a-z 0-9 - _ . ~` is encoded (RFC 3986 unreserved), as SigV4 requires.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Like [`QUERY_COMPONENT`] but keeps `/`, which separates path segments.
const PATH: &AsciiSet = &QUERY_COMPONENT.remove(b'/');

/// Encodes an object key for the URI path. `/` is kept; `//`, `.` and `..` segments are kept as
/// they are (S3 does no path normalization).
pub(crate) fn encode_key(key: &str) -> String {
    utf8_percent_encode(key, PATH).to_string()
}

/// Encodes a query-string name or value, or any single URI component.
pub(crate) fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, QUERY_COMPONENT).to_string()
}

/// Builds `a=1&b=2` from pairs, encoding both sides, sorted by name then value so the string is
/// canonical. An empty value still gets `=` (`?acl=`), as S3 canonical requests expect.
pub(crate) fn query_string(pairs: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> =
        pairs.iter().map(|(k, v)| (encode_component(k), encode_component(v))).collect();
    encoded.sort();
    encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_keeps_slashes_and_dots_and_encodes_the_rest_once() {
        assert_eq!(encode_key("a b/+=:()&$@,;?%"), "a%20b/%2B%3D%3A%28%29%26%24%40%2C%3B%3F%25");
        assert_eq!(encode_key("x//../y/./z"), "x//../y/./z");
        assert_eq!(encode_key("über/日本"), "%C3%BCber/%E6%97%A5%E6%9C%AC");
        assert_eq!(encode_key("a~b-c_d.e"), "a~b-c_d.e");
    }

    #[test]
    fn query_is_sorted_and_encoded() {
        let pairs = vec![
            ("prefix".to_string(), "a b/c".to_string()),
            ("list-type".to_string(), "2".to_string()),
            ("acl".to_string(), String::new()),
        ];
        assert_eq!(query_string(&pairs), "acl=&list-type=2&prefix=a%20b%2Fc");
    }
}
