//! S3's enumerated values — canned ACLs, ACL permissions, grantee kinds, storage classes,
//! server-side encryption, metadata directives — as types: each parses from exactly S3's
//! spelling (an unknown value is an `invalid-input` error listing the known ones) and prints back
//! as it.

use serde::Deserialize;

/// Defines an enum of S3 names: `Deserialize` from the names, `as_str()` back, `NAMES` in order.
macro_rules! s3_names {
    ($(#[$doc:meta])* $name:ident { $($(#[$variant_doc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
        pub enum $name {
            $($(#[$variant_doc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every name, in S3's documentation order.
            pub const NAMES: &[&str] = &[$($text,)+];

            /// The name as S3 spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }
    };
}

s3_names! {
    /// A canned ACL (`x-amz-acl`).
    CannedAcl {
        /// Owner only.
        Private = "private",
        /// Everyone may read.
        PublicRead = "public-read",
        /// Everyone may read and write.
        PublicReadWrite = "public-read-write",
        /// Authenticated AWS users may read.
        AuthenticatedRead = "authenticated-read",
        /// EC2 may read AMI bundles.
        AwsExecRead = "aws-exec-read",
        /// The bucket owner may read.
        BucketOwnerRead = "bucket-owner-read",
        /// The bucket owner has full control.
        BucketOwnerFullControl = "bucket-owner-full-control",
    }
}

s3_names! {
    /// A canned ACL a bucket can be created with.
    BucketAcl {
        /// Owner only.
        Private = "private",
        /// Everyone may list.
        PublicRead = "public-read",
        /// Everyone may list and write.
        PublicReadWrite = "public-read-write",
        /// Authenticated AWS users may list.
        AuthenticatedRead = "authenticated-read",
    }
}

s3_names! {
    /// A permission in an explicit ACL grant.
    AclPermission {
        /// Read the object.
        Read = "READ",
        /// Write (buckets only).
        Write = "WRITE",
        /// Read the ACL.
        ReadAcp = "READ_ACP",
        /// Write the ACL.
        WriteAcp = "WRITE_ACP",
        /// All of the above.
        FullControl = "FULL_CONTROL",
    }
}

impl AclPermission {
    /// The `x-amz-grant-*` header that carries grants of this permission.
    pub const fn header(self) -> &'static str {
        match self {
            AclPermission::Read => "x-amz-grant-read",
            AclPermission::Write => "x-amz-grant-write",
            AclPermission::ReadAcp => "x-amz-grant-read-acp",
            AclPermission::WriteAcp => "x-amz-grant-write-acp",
            AclPermission::FullControl => "x-amz-grant-full-control",
        }
    }
}

s3_names! {
    /// Who a grant names.
    GranteeType {
        /// A canonical user id (`id="..."`).
        CanonicalUser = "canonical_user",
        /// An e-mail address (`emailAddress="..."`; some regions only).
        Email = "email",
        /// A predefined group (`uri="http://acs.amazonaws.com/groups/..."`).
        Group = "group",
    }
}

s3_names! {
    /// A storage class (`x-amz-storage-class`).
    StorageClass {
        /// The default.
        Standard = "STANDARD",
        /// Legacy reduced redundancy.
        ReducedRedundancy = "REDUCED_REDUNDANCY",
        /// Infrequent access.
        StandardIa = "STANDARD_IA",
        /// Infrequent access in one zone.
        OnezoneIa = "ONEZONE_IA",
        /// Automatic tiering.
        IntelligentTiering = "INTELLIGENT_TIERING",
        /// Glacier Flexible Retrieval.
        Glacier = "GLACIER",
        /// Glacier Deep Archive.
        DeepArchive = "DEEP_ARCHIVE",
        /// Glacier Instant Retrieval.
        GlacierIr = "GLACIER_IR",
        /// S3 Express One Zone.
        ExpressOnezone = "EXPRESS_ONEZONE",
    }
}

s3_names! {
    /// Server-side encryption (`x-amz-server-side-encryption`).
    ServerSideEncryption {
        /// SSE-S3.
        Aes256 = "AES256",
        /// SSE-KMS (with `kms_key_id`, or the account's default key).
        AwsKms = "aws:kms",
    }
}

s3_names! {
    /// What a copy does with the source's metadata (`x-amz-metadata-directive`).
    MetadataDirective {
        /// Keep the source's metadata and content headers.
        Copy = "COPY",
        /// Use the ones the request gives.
        Replace = "REPLACE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for name in CannedAcl::NAMES {
            let parsed: CannedAcl = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(parsed.as_str(), *name);
        }
        let unknown = serde_json::from_value::<CannedAcl>(serde_json::json!("publc-read")).unwrap_err().to_string();
        assert!(unknown.contains("public-read"), "the error lists the known names: {unknown}");
        assert_eq!(AclPermission::ReadAcp.header(), "x-amz-grant-read-acp");
        assert_eq!(ServerSideEncryption::AwsKms.as_str(), "aws:kms");
        assert_eq!(StorageClass::NAMES.len(), 9);
    }
}
