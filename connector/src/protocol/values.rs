//! S3's enumerated values — canned ACLs, ACL permissions, grantee kinds, storage classes,
//! server-side encryption, metadata directives — as types (see [`crate::names`]).

use crate::names::named_enum;

named_enum! {
    /// A canned ACL (`x-amz-acl`).
    pub enum CannedAcl {
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

named_enum! {
    /// A canned ACL a bucket can be created with.
    pub enum BucketAcl {
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

named_enum! {
    /// A permission in an explicit ACL grant.
    pub enum AclPermission {
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
    pub(crate) const fn header(self) -> &'static str {
        match self {
            AclPermission::Read => "x-amz-grant-read",
            AclPermission::Write => "x-amz-grant-write",
            AclPermission::ReadAcp => "x-amz-grant-read-acp",
            AclPermission::WriteAcp => "x-amz-grant-write-acp",
            AclPermission::FullControl => "x-amz-grant-full-control",
        }
    }
}

named_enum! {
    /// Who a grant names.
    pub enum GranteeType {
        /// A canonical user id (`id="..."`).
        CanonicalUser = "canonical_user",
        /// An e-mail address (`emailAddress="..."`; some regions only).
        Email = "email",
        /// A predefined group (`uri="http://acs.amazonaws.com/groups/..."`).
        Group = "group",
    }
}

named_enum! {
    /// A storage class (`x-amz-storage-class`).
    pub enum StorageClass {
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

named_enum! {
    /// Server-side encryption (`x-amz-server-side-encryption`).
    pub enum ServerSideEncryption {
        /// SSE-S3.
        Aes256 = "AES256",
        /// SSE-KMS (with `kms_key_id`, or the account's default key).
        AwsKms = "aws:kms",
    }
}

named_enum! {
    /// What a copy does with the source's metadata (`x-amz-metadata-directive`).
    pub enum MetadataDirective {
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
