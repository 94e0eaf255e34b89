//! Integrity checksums, all in one place: which checksum each mode sends and under which names
//! (headers, trailers, multipart elements), digests computed over streamed bytes, the checksums
//! S3 states for stored objects, and the composite values of multipart uploads.

use crate::names::named_enum;
use base64::Engine as _;
use connector_contract::DigestAlgorithm;

named_enum! {
    /// The integrity checksum sent with each uploaded file or part (computed by the host,
    /// natively). The default is `crc32c` (fastest, see bench/RESULTS.md); stores that reject
    /// newer checksum headers work with `md5` (`Content-MD5`, understood by all).
    pub enum ChecksumMode {
        /// `Content-MD5`; also lets the final multipart ETag be verified.
        Md5 = "md5",
        /// `x-amz-checksum-crc32c`; the cheapest to compute.
        Crc32c = "crc32c",
        /// `x-amz-checksum-crc32`.
        Crc32 = "crc32",
        /// `x-amz-checksum-sha256`.
        Sha256 = "sha256",
        /// No checksum header (the final size is still verified).
        None = "none",
    }
}

/// What a checksum mode sends with each upload: the digest, the header that carries it, and —
/// for S3's flexible checksums (not MD5) — the names multipart uploads use for it. The one table
/// of these names; uploads from files and from URLs, and the multipart checks, all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecksumSpec {
    /// The digest algorithm.
    pub digest: DigestAlgorithm,
    /// The request header (or, for streamed bodies, the trailer) carrying it in base64.
    pub header: &'static str,
    /// `x-amz-checksum-algorithm` on CreateMultipartUpload and the CompleteMultipartUpload
    /// element; `None` for MD5, which is checked through ETags instead.
    pub flexible: Option<FlexibleNames>,
}

/// The names of a flexible checksum in multipart uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlexibleNames {
    /// The `x-amz-checksum-algorithm` value (`CRC32C`, ...).
    pub algorithm: &'static str,
    /// The part and result element (`ChecksumCRC32C`, ...).
    pub element: &'static str,
}

/// The flexible checksums S3 stores with objects, by response header; MD5 is not among them.
const FLEXIBLE: [(DigestAlgorithm, &str, FlexibleNames); 3] = [
    (
        DigestAlgorithm::Sha256,
        "x-amz-checksum-sha256",
        FlexibleNames { algorithm: "SHA256", element: "ChecksumSHA256" },
    ),
    (
        DigestAlgorithm::Crc32c,
        "x-amz-checksum-crc32c",
        FlexibleNames { algorithm: "CRC32C", element: "ChecksumCRC32C" },
    ),
    (DigestAlgorithm::Crc32, "x-amz-checksum-crc32", FlexibleNames { algorithm: "CRC32", element: "ChecksumCRC32" }),
];

impl ChecksumMode {
    /// The mode used when the auth names none.
    pub const DEFAULT: ChecksumMode = ChecksumMode::Crc32c;

    /// What this mode sends; `None` for [`ChecksumMode::None`].
    pub fn spec(self) -> Option<ChecksumSpec> {
        let digest = match self {
            ChecksumMode::None => return None,
            ChecksumMode::Md5 => {
                return Some(ChecksumSpec { digest: DigestAlgorithm::Md5, header: "content-md5", flexible: None });
            }
            ChecksumMode::Crc32c => DigestAlgorithm::Crc32c,
            ChecksumMode::Crc32 => DigestAlgorithm::Crc32,
            ChecksumMode::Sha256 => DigestAlgorithm::Sha256,
        };
        let (_, header, names) = FLEXIBLE.into_iter().find(|(algorithm, ..)| *algorithm == digest)?;
        Some(ChecksumSpec { digest, header, flexible: Some(names) })
    }

    /// The multipart names of this mode's checksum, when it is a flexible checksum.
    pub fn flexible_names(self) -> Option<FlexibleNames> {
        self.spec().and_then(|spec| spec.flexible)
    }
}

/// A checksum to send: the header that carries it, its base64 value and the raw digest (kept for
/// verifying multipart results).
#[derive(Debug, Clone)]
pub struct SentChecksum {
    /// Header name (`content-md5`, `x-amz-checksum-crc32c`, ...).
    pub header: &'static str,
    /// Base64 header value.
    pub value: String,
    /// Raw digest bytes.
    pub digest: Vec<u8>,
}

impl SentChecksum {
    /// The checksum `spec` sends for `digest`.
    pub fn new(spec: ChecksumSpec, digest: Vec<u8>) -> Self {
        Self { header: spec.header, value: base64_of(&digest), digest }
    }
}

/// A digest a server states for a whole object: the algorithm and the raw bytes.
pub type StatedDigest = (DigestAlgorithm, Vec<u8>);

/// The full-object checksum an answer states (read through `header`): an `x-amz-checksum-*`
/// header (sent when the request asked with `x-amz-checksum-mode: ENABLED`), else the MD5 an
/// unencrypted single-part object's ETag is. A composite value (`…-N`, the checksum of part
/// checksums) is not a checksum of the bytes and is skipped, as is a value that is not base64. An
/// ETag is trusted as an MD5 only without any server-side encryption header: with SSE-KMS, SSE-C
/// (and, on some stores, SSE-S3) it is not one, and a false integrity failure is worse than none.
pub fn stated_full_object<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Option<StatedDigest> {
    // A multipart object has a full-object checksum only when the store says so
    // (`x-amz-checksum-type: FULL_OBJECT`); an unsuffixed value beside a multipart ETag without
    // it is a composite written short (moto's HEAD does this), not the object's checksum.
    let multipart = header("etag").is_some_and(|etag| etag.trim().trim_matches('"').contains('-'));
    let full_object = header("x-amz-checksum-type").is_some_and(|kind| kind.trim().eq_ignore_ascii_case("FULL_OBJECT"));
    let flexible = FLEXIBLE.into_iter().find_map(|(algorithm, name, _)| {
        let value = header(name)?.trim();
        if value.contains('-') || (multipart && !full_object) {
            return None;
        }
        let raw = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
        Some((algorithm, raw))
    });
    flexible.or_else(|| {
        let encrypted = ["x-amz-server-side-encryption", "x-amz-server-side-encryption-customer-algorithm"]
            .into_iter()
            .any(|name| header(name).is_some());
        let etag = header("etag")?.trim().trim_matches('"');
        let is_md5 = etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit());
        (is_md5 && !encrypted).then(|| (DigestAlgorithm::Md5, hex::decode(etag).unwrap_or_default()))
    })
}

/// The composite value an answer states for a multipart object: the digest of its parts'
/// digests, concatenated (a flexible checksum `…-N` with `x-amz-checksum-mode: ENABLED`, else
/// an unencrypted object's multipart ETag `<hex MD5>-N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatedComposite {
    /// The digest of each part, and of their concatenation.
    pub algorithm: DigestAlgorithm,
    /// The raw digest of the concatenated part digests.
    pub value: Vec<u8>,
    /// How many parts the object has.
    pub parts: u32,
}

impl StatedComposite {
    /// Whether `part_digests` (in part order) combine to the stated value.
    pub fn matches(&self, part_digests: &[Vec<u8>]) -> bool {
        part_digests.len() == self.parts as usize && digest_of_digests(self.algorithm, part_digests) == self.value
    }
}

/// The composite checksum an answer states (read through `header`), if any; values that do not
/// parse are no statement at all (see [`stated_full_object`] for when an ETag is an MD5).
pub fn stated_composite<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Option<StatedComposite> {
    let parts = |count: &str| count.parse::<u32>().ok().filter(|&n| n >= 1);
    let flexible = FLEXIBLE.into_iter().find_map(|(algorithm, name, _)| {
        let (value, count) = header(name)?.trim().split_once('-')?;
        let value = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
        Some(StatedComposite { algorithm, value, parts: parts(count)? })
    });
    flexible.or_else(|| {
        if header("x-amz-server-side-encryption").is_some()
            || header("x-amz-server-side-encryption-customer-algorithm").is_some()
        {
            return None;
        }
        let (hex_md5, count) = header("etag")?.trim().trim_matches('"').split_once('-')?;
        let value = hex::decode(hex_md5).ok().filter(|raw| raw.len() == 16)?;
        Some(StatedComposite { algorithm: DigestAlgorithm::Md5, value, parts: parts(count)? })
    })
}

/// The digest of the concatenation of `digests`: how S3 combines part checksums.
pub fn digest_of_digests(algorithm: DigestAlgorithm, digests: &[Vec<u8>]) -> Vec<u8> {
    let mut digest = StreamDigest::new(algorithm);
    digests.iter().for_each(|part| digest.update(part));
    digest.finish()
}

/// The raw digest of `bytes`.
pub fn digest(algorithm: DigestAlgorithm, bytes: &[u8]) -> Vec<u8> {
    let mut digest = StreamDigest::new(algorithm);
    digest.update(bytes);
    digest.finish()
}

/// Checks `body` against the digest an answer stated for it; the error names what differs.
pub fn verify(stated: &StatedDigest, body: &[u8]) -> Result<(), String> {
    let (algorithm, expected) = stated;
    let actual = digest(*algorithm, body);
    if &actual == expected {
        Ok(())
    } else {
        Err(format!(
            "the {algorithm} of the bytes received is {}, the server stated {}",
            base64_of(&actual),
            base64_of(expected)
        ))
    }
}

/// The composite value S3 derives for a multipart upload from its parts' digests: the digest of
/// their concatenation — hex for the MD5 ETag, base64 for flexible checksums — with `-<parts>`
/// appended. `None` without a checksum or without parts.
pub fn composite(mode: ChecksumMode, digests: &[Vec<u8>]) -> Option<String> {
    let spec = mode.spec().filter(|_| !digests.is_empty())?;
    let raw = digest_of_digests(spec.digest, digests);
    let value = match spec.flexible {
        Some(_) => base64_of(&raw),
        None => hex::encode(raw),
    };
    Some(format!("{value}-{}", digests.len()))
}

/// The `Content-MD5` value of `bytes` (base64 of their MD5), which some requests must carry.
pub fn content_md5(bytes: &[u8]) -> String {
    let mut digest = StreamDigest::new(DigestAlgorithm::Md5);
    digest.update(bytes);
    base64_of(&digest.finish())
}

/// Standard base64, as S3's checksum headers carry digests.
pub fn base64_of(raw: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// An incremental digest of one of the [`DigestAlgorithm`]s (the contract's, which the host's
/// file store computes natively too).
pub use connector_contract::Hasher as StreamDigest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composites_are_read_from_flexible_checksums_and_multipart_etags() {
        let parts: Vec<Vec<u8>> =
            [&b"first part"[..], b"second"].iter().map(|bytes| digest(DigestAlgorithm::Crc32c, bytes)).collect();
        let value = composite(ChecksumMode::Crc32c, &parts).unwrap();
        let headers = [("x-amz-checksum-crc32c", value.as_str()), ("etag", "\"0123-2\"")];
        let header = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let stated = stated_composite(header).unwrap();
        assert_eq!((stated.algorithm, stated.parts), (DigestAlgorithm::Crc32c, 2));
        assert!(stated.matches(&parts));
        assert!(!stated.matches(&[parts[1].clone(), parts[0].clone()]), "order matters");
        assert!(!stated.matches(&parts[..1]), "so does the count");
        assert_eq!(stated_full_object(header), None, "a composite is not a full-object checksum");

        let etag = format!("\"{}-3\"", "ab".repeat(16));
        let md5 = [("etag", etag.as_str())];
        let header = |name: &str| md5.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(stated_composite(header).map(|c| (c.algorithm, c.parts)), Some((DigestAlgorithm::Md5, 3)));
        let encrypted = [("etag", etag.as_str()), ("x-amz-server-side-encryption", "aws:kms")];
        let header = |name: &str| encrypted.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(stated_composite(header), None, "an encrypted object's ETag is no MD5");
        for bad in ["\"abc-2\"", "\"0123456789abcdef0123456789abcdef\"", "\"0123456789abcdef0123456789abcdef-0\""] {
            let headers = [("etag", bad)];
            assert_eq!(stated_composite(|name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)), None);
        }
    }

    fn streamed(algorithm: DigestAlgorithm, data: &[u8], piece: usize) -> String {
        let mut digest = StreamDigest::new(algorithm);
        data.chunks(piece).for_each(|chunk| digest.update(chunk));
        base64_of(&digest.finish())
    }

    #[test]
    fn crc32c_matches_the_s3_trailer_example() {
        // S3 API reference, "Signature calculations for trailing headers": 66,560 bytes of 'a'.
        let data = vec![b'a'; 66_560];
        assert_eq!(streamed(DigestAlgorithm::Crc32c, &data, 65_536), "sOO8/Q==");
        assert_eq!(streamed(DigestAlgorithm::Crc32c, &data, 7), "sOO8/Q==");
    }

    #[test]
    fn every_algorithm_is_independent_of_how_the_bytes_are_cut() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for algorithm in DigestAlgorithm::ALL {
            assert_eq!(streamed(algorithm, &data, 100_000), streamed(algorithm, &data, 333));
        }
        assert_eq!(streamed(DigestAlgorithm::Md5, b"", 1), "1B2M2Y8AsgTpgAmY7PhCfg==");
        assert_eq!(streamed(DigestAlgorithm::Crc32, b"123456789", 4), base64_of(&0xCBF4_3926u32.to_be_bytes()));
    }

    #[test]
    fn stated_checksums_are_full_object_values() {
        let stated =
            |name: &'static str, value: &'static str| stated_full_object(move |asked| (asked == name).then_some(value));
        assert_eq!(
            stated("x-amz-checksum-crc32c", "4waSgw=="),
            Some((DigestAlgorithm::Crc32c, vec![0xe3, 0x06, 0x92, 0x83]))
        );
        assert_eq!(stated("x-amz-checksum-crc32c", "4waSgw==-3"), None);
        assert_eq!(stated("x-amz-checksum-crc32", "not base64"), None);
        assert_eq!(stated("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="), None);
    }

    #[test]
    fn an_unencrypted_single_part_etag_is_an_md5_and_nothing_else_is() {
        let md5 = "9e107d9d372bb6826bd81d3542a419d6";
        let quoted = format!("\"{md5}\"");
        let stated = |headers: &[(&str, &str)]| {
            stated_full_object(|asked| headers.iter().find(|(name, _)| *name == asked).map(|(_, value)| *value))
        };
        assert_eq!(stated(&[("etag", &quoted)]), Some((DigestAlgorithm::Md5, hex::decode(md5).unwrap())));
        assert_eq!(stated(&[("etag", "\"9e107d9d372bb6826bd81d3542a419d6-2\"")]), None, "multipart");
        for encryption in [("x-amz-server-side-encryption", "aws:kms"), ("x-amz-server-side-encryption", "AES256")] {
            assert_eq!(stated(&[("etag", &quoted), encryption]), None, "{encryption:?}");
        }
        assert_eq!(stated(&[("etag", &quoted), ("x-amz-server-side-encryption-customer-algorithm", "AES256")]), None);
        let crc = stated(&[("etag", &quoted), ("x-amz-checksum-crc32c", "4waSgw==")]).unwrap();
        assert_eq!(crc.0, DigestAlgorithm::Crc32c, "a stated checksum comes first");
        let body = b"The quick brown fox jumps over the lazy dog";
        assert!(verify(&(DigestAlgorithm::Md5, hex::decode(md5).unwrap()), body).is_ok());
        assert!(
            verify(&(DigestAlgorithm::Md5, hex::decode(md5).unwrap()), b"The quick brown fox jumps over the lazy cog")
                .is_err()
        );
    }

    #[test]
    fn every_mode_names_its_header_and_only_flexible_ones_have_multipart_names() {
        assert_eq!(ChecksumMode::None.spec(), None);
        let md5 = ChecksumMode::Md5.spec().unwrap();
        assert_eq!((md5.digest, md5.header, md5.flexible), (DigestAlgorithm::Md5, "content-md5", None));
        for (mode, header, element) in [
            (ChecksumMode::Crc32c, "x-amz-checksum-crc32c", "ChecksumCRC32C"),
            (ChecksumMode::Crc32, "x-amz-checksum-crc32", "ChecksumCRC32"),
            (ChecksumMode::Sha256, "x-amz-checksum-sha256", "ChecksumSHA256"),
        ] {
            let spec = mode.spec().unwrap();
            assert_eq!((spec.header, spec.flexible.unwrap().element), (header, element));
        }
    }
}
