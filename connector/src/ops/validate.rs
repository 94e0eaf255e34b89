//! Checks of S3's naming rules, done before any request is sent.

use crate::error::{ConnectorError, Result};
use crate::protocol::signing::MAX_PRESIGN_EXPIRY;
use std::time::Duration;

/// A bucket name usable for existing buckets: 1-255 of `a-z A-Z 0-9 . - _` (legacy names
/// included). New buckets are held to [`new_bucket_name`].
pub(crate) fn bucket_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 255 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
        return Err(ConnectorError::invalid_input(
            "/bucket",
            format!(
                "bucket {name:?} is not a bucket name: use lowercase letters, digits, '.' and '-' (e.g. \"my-bucket\"), without \"s3://\" or a key"
            ),
        ));
    }
    Ok(())
}

/// The rules for creating a bucket: 3-63 characters, lowercase letters, digits, `.` and `-`,
/// starting and ending with a letter or digit, no `..`, not an IP address.
pub(super) fn new_bucket_name(name: &str) -> Result<()> {
    let fail = |why: &str| {
        Err(ConnectorError::invalid_input("/bucket", format!("bucket name {name:?} {why} (S3 bucket naming rules)")))
    };
    if name.len() < 3 || name.len() > 63 {
        return fail("must be 3 to 63 characters long");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-') {
        return fail("may contain only lowercase letters, digits, '.' and '-'");
    }
    let first = name.as_bytes()[0];
    let last = name.as_bytes()[name.len() - 1];
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return fail("must start and end with a letter or digit");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return fail("must not contain '..', '.-' or '-.'");
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return fail("must not look like an IP address");
    }
    if name.starts_with("xn--") || name.ends_with("-s3alias") {
        return fail("must not start with 'xn--' or end with '-s3alias'");
    }
    Ok(())
}

/// An object key: 1 to 1024 bytes of UTF-8 (any characters, including `/`, spaces and `..`).
pub(super) fn object_key(field: &str, key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(ConnectorError::invalid_input(
            field,
            "the object key is empty; give the full key, e.g. \"folder/file.txt\"",
        ));
    }
    if key.len() > 1024 {
        return Err(ConnectorError::invalid_input(
            field,
            format!("the object key is {} bytes long; S3 allows at most 1024 bytes", key.len()),
        ));
    }
    Ok(())
}

/// A user-metadata or tag name: non-empty printable ASCII without spaces or `:`.
pub(super) fn header_token(field: &str, name: &str) -> Result<()> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)) {
        return Err(ConnectorError::invalid_input(
            field,
            format!("{name:?} is not a valid metadata name: use ASCII letters, digits and '-'"),
        ));
    }
    Ok(())
}

/// Most tags an object may carry.
const MAX_TAGS: usize = 10;
/// Longest tag key, in characters.
const MAX_TAG_KEY: usize = 128;
/// Longest tag value, in characters.
const MAX_TAG_VALUE: usize = 256;

/// Checks object tags against S3's rules: at most 10; keys of 1 to 128 and values of up to 256
/// characters; letters, digits, spaces and `+ - = . _ : / @` only; no key in the reserved `aws:`
/// prefix.
pub(super) fn tags<'a>(tags: impl ExactSizeIterator<Item = (&'a String, &'a String)>) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(ConnectorError::invalid_input(
            "/tags",
            format!("{} tags given; S3 keeps at most {MAX_TAGS} per object", tags.len()),
        ));
    }
    let allowed = |c: char| c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c);
    for (key, value) in tags {
        let field = format!("/tags/{key}");
        let problem = if key.is_empty() || key.chars().count() > MAX_TAG_KEY {
            Some(format!("a tag key has 1 to {MAX_TAG_KEY} characters"))
        } else if value.chars().count() > MAX_TAG_VALUE {
            Some(format!("a tag value has at most {MAX_TAG_VALUE} characters"))
        } else if key.to_ascii_lowercase().starts_with("aws:") {
            Some("keys starting with \"aws:\" are reserved by AWS".to_string())
        } else {
            key.chars()
                .chain(value.chars())
                .find(|c| !allowed(*c))
                .map(|bad| format!("{bad:?} is not allowed in tags (letters, digits, spaces and + - = . _ : / @ are)"))
        };
        if let Some(problem) = problem {
            return Err(ConnectorError::invalid_input(field, format!("tag {key:?}: {problem}")));
        }
    }
    Ok(())
}

/// How long a presigned URL lives unless the input says.
pub(super) const DEFAULT_EXPIRY_SECONDS: u64 = 3600;

/// The expiry `seconds` asks for (the default when `None`), within what S3 accepts; errors name
/// input `field`.
pub(super) fn presign_expiry(field: &str, seconds: Option<i64>) -> Result<Duration> {
    let seconds = seconds.unwrap_or(DEFAULT_EXPIRY_SECONDS as i64);
    let max = MAX_PRESIGN_EXPIRY.as_secs() as i64;
    if !(1..=max).contains(&seconds) {
        return Err(ConnectorError::invalid_input(
            field,
            format!("{} is {seconds} seconds; a presigned URL lives 1 to {max} seconds (7 days)", &field[1..]),
        ));
    }
    Ok(Duration::from_secs(seconds as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_rules() {
        assert!(new_bucket_name("my-bucket.logs").is_ok());
        for bad in ["ab", "My-Bucket", "-abc", "abc-", "a..b", "192.168.1.1", "xn--abc", "a_b"] {
            assert!(new_bucket_name(bad).is_err(), "{bad}");
        }
        assert!(bucket_name("Legacy_Bucket").is_ok());
        assert!(bucket_name("s3://bucket").is_err());
        assert!(bucket_name("bucket/key").is_err());
    }

    #[test]
    fn key_rules() {
        assert!(object_key("/key", "a b/../c//d?").is_ok());
        assert!(object_key("/key", "").is_err());
        assert!(object_key("/key", &"k".repeat(1025)).is_err());
        assert!(object_key("/key", &"é".repeat(512)).is_ok());
    }

    #[test]
    fn tags_follow_s3s_rules() {
        let check = |pairs: &[(&str, &str)]| {
            let map: std::collections::BTreeMap<String, String> =
                pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            tags(map.iter())
        };
        assert!(check(&[("team", "data + ml"), ("path", "a/b:c@d=e_f.g-h"), ("grüße", "ünïcode")]).is_ok());
        assert!(check(&[("empty-value", "")]).is_ok());
        let error = check(&[("team", "data & ml")]).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("/tags/team"));
        assert!(error.message.contains("'&'"), "{}", error.message);
        assert!(check(&[("", "x")]).is_err());
        assert!(check(&[("aws:owner", "x")]).is_err());
        assert!(check(&[(&"k".repeat(129), "x")]).is_err());
        assert!(check(&[("k", &"v".repeat(257))]).is_err());
        let many: Vec<(String, String)> = (0..11).map(|i| (format!("k{i}"), "v".to_string())).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(check(&many).unwrap_err().field.as_deref(), Some("/tags"));
    }
}
