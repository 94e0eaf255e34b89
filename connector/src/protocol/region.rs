//! Region names: which strings are regions, S3's legacy spellings of them, and the region a
//! request without a bucket is signed for. The one place that decides what a region string means.

/// The region of S3's global endpoint, of buckets without a location constraint, and of requests
/// signed before any bucket's region is known.
pub(crate) const DEFAULT_REGION: &str = "us-east-1";

/// The region a `LocationConstraint` (from `GET ?location`) names: empty means us-east-1 and `EU`
/// is the legacy name of eu-west-1; anything else is a region name as is.
pub(crate) fn from_location_constraint(constraint: &str) -> &str {
    match constraint.trim() {
        "" => DEFAULT_REGION,
        "EU" => "eu-west-1",
        other => other,
    }
}

/// Whether a region named by a server (`x-amz-bucket-region`, `<Region>`, `LocationConstraint`)
/// may be used: it goes into a host name (`s3.<region>.amazonaws.com`), so one DNS label of
/// lower-case letters, digits and `-`.
pub(crate) fn is_region_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether a region a user configured may be signed for: S3-compatible stores use their own
/// names (Garage's `garage`, MinIO's anything), so letters of both cases, digits, `-` and `_`.
pub(crate) fn is_configurable_region(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The AWS S3 host for `region`: the global name for us-east-1 (as in AWS's own examples), the
/// regional one elsewhere — in China's partition under `amazonaws.com.cn`.
pub(crate) fn aws_host(region: &str) -> String {
    match region {
        DEFAULT_REGION => "s3.amazonaws.com".to_string(),
        china if china.starts_with("cn-") => format!("s3.{china}.amazonaws.com.cn"),
        other => format!("s3.{other}.amazonaws.com"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_constraints_name_regions() {
        assert_eq!(from_location_constraint(""), "us-east-1");
        assert_eq!(from_location_constraint("EU"), "eu-west-1");
        assert_eq!(from_location_constraint("ap-south-2"), "ap-south-2");
    }

    #[test]
    fn server_named_regions_must_be_one_dns_label() {
        assert!(is_region_label("eu-west-1"));
        for bad in ["", "EU", "eu.west", "-x", "x-", "a/b", &"a".repeat(64)] {
            assert!(!is_region_label(bad), "{bad:?}");
        }
        assert!(is_configurable_region("garage") && is_configurable_region("My_Region"));
        assert!(!is_configurable_region("eu west"));
    }

    #[test]
    fn aws_hosts() {
        assert_eq!(aws_host("us-east-1"), "s3.amazonaws.com");
        assert_eq!(aws_host("eu-west-1"), "s3.eu-west-1.amazonaws.com");
        assert_eq!(aws_host("cn-north-1"), "s3.cn-north-1.amazonaws.com.cn");
        assert_eq!(aws_host("us-gov-west-1"), "s3.us-gov-west-1.amazonaws.com");
    }
}
