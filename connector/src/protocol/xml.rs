//! S3's XML: response documents read from an element tree ([`Element`]), request documents
//! written with escaping. Pure functions only.

use super::xml_tree::{Element, TreeError};
use crate::error::{ConnectorError, Result};
use quick_xml::escape::escape;
use quick_xml::events::Event;

/// The S3 XML namespace for request documents.
const S3_NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// A response document read from its root element.
pub trait FromXml: Sized {
    /// Reads the document whose root is `root`.
    fn from_xml(root: &Element) -> std::result::Result<Self, TreeError>;
}

/// Parses an S3 response document into `T`.
pub fn parse<T: FromXml>(what: &str, body: &[u8]) -> Result<T> {
    std::str::from_utf8(body).map_err(|_| ConnectorError::internal(format!("the {what} response is not UTF-8")))?;
    Element::parse(body)
        .and_then(|root| T::from_xml(&root))
        .map_err(|e| ConnectorError::internal(format!("cannot parse the {what} response: {e}")))
}

/// Reads every child `name` of `parent` with `read`.
fn each<T>(
    parent: &Element,
    name: &str,
    read: impl Fn(&Element) -> std::result::Result<T, TreeError>,
) -> std::result::Result<Vec<T>, TreeError> {
    parent.children_named(name).map(read).collect()
}

impl FromXml for ListAllMyBuckets {
    fn from_xml(root: &Element) -> std::result::Result<Self, TreeError> {
        let owner = root.child("Owner").map(|o| Owner { id: o.text_of("ID"), display_name: o.text_of("DisplayName") });
        let items = match root.child("Buckets") {
            Some(buckets) => each(buckets, "Bucket", |b| {
                Ok(BucketEntry {
                    name: b.required("Name")?,
                    creation_date: b.text_of("CreationDate"),
                    bucket_region: b.text_of("BucketRegion"),
                })
            })?,
            None => Vec::new(),
        };
        Ok(ListAllMyBuckets { owner, buckets: BucketList { items } })
    }
}

impl FromXml for ListObjectsV2 {
    fn from_xml(root: &Element) -> std::result::Result<Self, TreeError> {
        Ok(ListObjectsV2 {
            is_truncated: root.flag_of("IsTruncated")?.unwrap_or(false),
            next_continuation_token: root.text_of("NextContinuationToken"),
            key_count: root.number_of("KeyCount")?,
            contents: each(root, "Contents", |c| {
                Ok(ObjectEntry {
                    key: c.required("Key")?,
                    last_modified: c.text_of("LastModified"),
                    etag: c.text_of("ETag"),
                    size: c.number_of("Size")?.unwrap_or(0),
                    storage_class: c.text_of("StorageClass"),
                })
            })?,
            common_prefixes: each(root, "CommonPrefixes", |p| Ok(CommonPrefix { prefix: p.required("Prefix")? }))?,
        })
    }
}

impl FromXml for DeleteResult {
    fn from_xml(root: &Element) -> std::result::Result<Self, TreeError> {
        Ok(DeleteResult {
            deleted: each(root, "Deleted", |d| {
                Ok(DeletedEntry {
                    key: d.required("Key")?,
                    version_id: d.text_of("VersionId"),
                    delete_marker: d.flag_of("DeleteMarker")?,
                })
            })?,
            errors: each(root, "Error", |e| {
                Ok(DeleteErrorEntry {
                    key: e.required("Key")?,
                    version_id: e.text_of("VersionId"),
                    code: e.text_of("Code").unwrap_or_default(),
                    message: e.text_of("Message").unwrap_or_default(),
                })
            })?,
        })
    }
}

impl FromXml for Tagging {
    fn from_xml(root: &Element) -> std::result::Result<Self, TreeError> {
        let tags = match root.child("TagSet") {
            Some(set) => each(set, "Tag", |t| {
                Ok(Tag { key: t.required("Key")?, value: t.text_of("Value").unwrap_or_default() })
            })?,
            None => Vec::new(),
        };
        Ok(Tagging { tag_set: TagSet { tags } })
    }
}

impl FromXml for ListMultipartUploads {
    fn from_xml(root: &Element) -> std::result::Result<Self, TreeError> {
        Ok(ListMultipartUploads {
            is_truncated: root.flag_of("IsTruncated")?.unwrap_or(false),
            next_key_marker: root.text_of("NextKeyMarker"),
            next_upload_id_marker: root.text_of("NextUploadIdMarker"),
            uploads: each(root, "Upload", |u| {
                Ok(UploadEntry {
                    key: u.required("Key")?,
                    upload_id: u.required("UploadId")?,
                    initiated: u.text_of("Initiated"),
                })
            })?,
        })
    }
}

/// The unescaped text of the first `<tag>` element anywhere in `body`, if present.
/// Self-closing or empty elements give `Some("")`.
pub fn element_text(body: &[u8], tag: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut inside = false;
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == tag.as_bytes() => inside = true,
            Ok(Event::Empty(e)) if e.local_name().as_ref() == tag.as_bytes() => {
                return Some(String::new());
            }
            Ok(Event::Text(t)) if inside => text.push_str(&t.decode().ok()?),
            Ok(Event::GeneralRef(r)) if inside => {
                let name = r.decode().ok()?;
                let resolved = quick_xml::escape::unescape(&format!("&{name};")).ok()?.into_owned();
                text.push_str(&resolved);
            }
            Ok(Event::CData(c)) if inside => text.push_str(std::str::from_utf8(&c).ok()?),
            Ok(Event::End(e)) if inside && e.local_name().as_ref() == tag.as_bytes() => {
                return Some(text);
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// The root element's local name, e.g. `Error` for an error document.
pub fn root_name(body: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return Some(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// `ListAllMyBucketsResult`.
#[derive(Debug)]
pub struct ListAllMyBuckets {
    /// The owner.
    pub owner: Option<Owner>,
    /// The buckets.
    pub buckets: BucketList,
}

/// `<Buckets>`.
#[derive(Debug, Default)]
pub struct BucketList {
    /// `<Bucket>` elements.
    pub items: Vec<BucketEntry>,
}

/// One `<Bucket>`.
#[derive(Debug)]
pub struct BucketEntry {
    /// Bucket name.
    pub name: String,
    /// Creation time (ISO 8601).
    pub creation_date: Option<String>,
    /// Region, where the service reports it.
    pub bucket_region: Option<String>,
}

/// `<Owner>`.
#[derive(Debug)]
pub struct Owner {
    /// Canonical user id.
    pub id: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
}

/// `ListBucketResult` of ListObjectsV2.
#[derive(Debug)]
pub struct ListObjectsV2 {
    /// Whether more keys follow.
    pub is_truncated: bool,
    /// Token for the next page.
    pub next_continuation_token: Option<String>,
    /// Keys returned in this page.
    pub key_count: Option<u64>,
    /// Objects.
    pub contents: Vec<ObjectEntry>,
    /// Folders (common prefixes).
    pub common_prefixes: Vec<CommonPrefix>,
}

/// One `<Contents>`.
#[derive(Debug)]
pub struct ObjectEntry {
    /// Object key.
    pub key: String,
    /// Last modified (ISO 8601).
    pub last_modified: Option<String>,
    /// Entity tag, quotes removed by the caller.
    pub etag: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Storage class.
    pub storage_class: Option<String>,
}

/// One `<CommonPrefixes>`.
#[derive(Debug)]
pub struct CommonPrefix {
    /// The prefix.
    pub prefix: String,
}

/// `DeleteResult` of DeleteObjects.
#[derive(Debug, Default)]
pub struct DeleteResult {
    /// Keys deleted.
    pub deleted: Vec<DeletedEntry>,
    /// Keys that failed.
    pub errors: Vec<DeleteErrorEntry>,
}

/// One `<Deleted>`.
#[derive(Debug)]
pub struct DeletedEntry {
    /// Key.
    pub key: String,
    /// Version deleted.
    pub version_id: Option<String>,
    /// Whether a delete marker was created or deleted.
    pub delete_marker: Option<bool>,
}

/// One `<Error>` inside `DeleteResult`.
#[derive(Debug)]
pub struct DeleteErrorEntry {
    /// Key.
    pub key: String,
    /// Version.
    pub version_id: Option<String>,
    /// S3 error code.
    pub code: String,
    /// S3 message.
    pub message: String,
}

/// An object (and optional version) to delete.
#[derive(Debug, Clone)]
pub struct ObjectIdentifier {
    /// Key.
    pub key: String,
    /// Version.
    pub version_id: Option<String>,
}

/// The `Delete` request document.
pub fn delete_document(objects: &[ObjectIdentifier], quiet: bool) -> String {
    let mut xml = format!(r#"<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="{S3_NS}"><Quiet>{quiet}</Quiet>"#);
    for object in objects {
        xml.push_str("<Object><Key>");
        xml.push_str(&escape(&object.key));
        xml.push_str("</Key>");
        if let Some(v) = &object.version_id {
            xml.push_str("<VersionId>");
            xml.push_str(&escape(v));
            xml.push_str("</VersionId>");
        }
        xml.push_str("</Object>");
    }
    xml.push_str("</Delete>");
    xml
}

/// The `Tagging` document of a GetObjectTagging answer.
#[derive(Debug)]
pub struct Tagging {
    /// The tags.
    pub tag_set: TagSet,
}

/// A `TagSet`.
#[derive(Debug, Default)]
pub struct TagSet {
    /// Its tags.
    pub tags: Vec<Tag>,
}

/// One tag.
#[derive(Debug)]
pub struct Tag {
    /// Its key.
    pub key: String,
    /// Its value.
    pub value: String,
}

/// The `Tagging` request document for `tags`.
pub fn tagging_document<'a>(tags: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    let mut xml = format!(r#"<?xml version="1.0" encoding="UTF-8"?><Tagging xmlns="{S3_NS}"><TagSet>"#);
    for (key, value) in tags {
        xml.push_str(&format!("<Tag><Key>{}</Key><Value>{}</Value></Tag>", escape(key), escape(value)));
    }
    xml.push_str("</TagSet></Tagging>");
    xml
}

/// The `CreateBucketConfiguration` request document for `location`.
pub fn create_bucket_document(location: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><CreateBucketConfiguration xmlns="{S3_NS}"><LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>"#,
        escape(location)
    )
}

/// One uploaded part, for the `CompleteMultipartUpload` document.
#[derive(Debug, Clone)]
pub struct CompletedPart {
    /// 1-based part number.
    pub number: u32,
    /// The part's ETag as S3 returned it (quotes included).
    pub etag: String,
    /// The part's checksum element (`ChecksumCRC32C`, ...) and base64 value, when one was sent.
    pub checksum: Option<(&'static str, String)>,
}

/// The `CompleteMultipartUpload` request document.
pub fn complete_document(parts: &[CompletedPart]) -> String {
    let mut xml = format!(r#"<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="{S3_NS}">"#);
    for part in parts {
        xml.push_str(&format!("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag>", part.number, escape(&part.etag)));
        if let Some((element, value)) = &part.checksum {
            xml.push_str(&format!("<{element}>{}</{element}>", escape(value)));
        }
        xml.push_str("</Part>");
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml
}

/// `ListMultipartUploadsResult`.
#[derive(Debug)]
pub struct ListMultipartUploads {
    /// Whether more uploads follow.
    pub is_truncated: bool,
    /// Key marker for the next page.
    pub next_key_marker: Option<String>,
    /// Upload-id marker for the next page.
    pub next_upload_id_marker: Option<String>,
    /// The uploads in progress.
    pub uploads: Vec<UploadEntry>,
}

/// One `<Upload>`.
#[derive(Debug)]
pub struct UploadEntry {
    /// Key being uploaded.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// When it started.
    pub initiated: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_list_objects_v2_with_folders_and_escapes() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
<NextContinuationToken>tok==</NextContinuationToken>
<Contents><Key>p/a&amp;b.txt</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>
<CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes></ListBucketResult>"#;
        let parsed: ListObjectsV2 = parse("ListObjectsV2", body).unwrap();
        assert!(parsed.is_truncated);
        assert_eq!(parsed.next_continuation_token.as_deref(), Some("tok=="));
        assert_eq!(parsed.contents[0].key, "p/a&b.txt");
        assert_eq!(parsed.contents[0].etag.as_deref(), Some("\"abc\""));
        assert_eq!(parsed.contents[0].size, 12);
        assert_eq!(parsed.common_prefixes[0].prefix, "p/sub/");
    }

    #[test]
    fn parses_empty_listings_and_buckets() {
        let parsed: ListObjectsV2 =
            parse("x", b"<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>").unwrap();
        assert!(parsed.contents.is_empty() && !parsed.is_truncated);
        let buckets: ListAllMyBuckets = parse("x", b"<ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>a</Name><CreationDate>2024</CreationDate></Bucket><Bucket><Name>b</Name></Bucket></Buckets></ListAllMyBucketsResult>").unwrap();
        assert_eq!(buckets.buckets.items.len(), 2);
        let none: ListAllMyBuckets =
            parse("x", b"<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>").unwrap();
        assert!(none.buckets.items.is_empty());
    }

    #[test]
    fn element_text_and_root() {
        let body = b"<Error><Code>NoSuchKey</Code><Message>a &lt; b</Message><Region/></Error>";
        assert_eq!(element_text(body, "Code").as_deref(), Some("NoSuchKey"));
        assert_eq!(element_text(body, "Message").as_deref(), Some("a < b"));
        assert_eq!(element_text(body, "Region").as_deref(), Some(""));
        assert_eq!(element_text(body, "Missing"), None);
        assert_eq!(root_name(b"<?xml version=\"1.0\"?><Error/>").as_deref(), Some("Error"));
        assert_eq!(element_text(b"not xml at all", "Code"), None);
    }

    #[test]
    fn complete_document_lists_parts_in_order() {
        let doc = complete_document(&[
            CompletedPart { number: 1, etag: "\"a\"".into(), checksum: Some(("ChecksumCRC32C", "AAAA".into())) },
            CompletedPart { number: 2, etag: "\"b\"".into(), checksum: None },
        ]);
        assert!(doc.contains("<Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag><ChecksumCRC32C>AAAA</ChecksumCRC32C></Part><Part><PartNumber>2</PartNumber>"), "{doc}");
        let uploads: ListMultipartUploads = parse("x", b"<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>k</Key><UploadId>u1</UploadId><Initiated>2024</Initiated></Upload></ListMultipartUploadsResult>").unwrap();
        assert_eq!((uploads.uploads[0].key.as_str(), uploads.uploads[0].upload_id.as_str()), ("k", "u1"));
    }

    #[test]
    fn delete_document_escapes_keys() {
        let doc = delete_document(&[ObjectIdentifier { key: "a<&>b".into(), version_id: Some("v1".into()) }], true);
        assert!(doc.contains("<Key>a&lt;&amp;&gt;b</Key><VersionId>v1</VersionId>"), "{doc}");
        assert!(doc.contains("<Quiet>true</Quiet>"));
    }

    #[test]
    fn tagging_documents_round_trip() {
        let tags: std::collections::BTreeMap<String, String> =
            [("team".to_string(), "data & <ml>".to_string()), ("empty".to_string(), String::new())].into();
        let document = tagging_document(tags.iter());
        assert!(document.contains("<Tag><Key>team</Key><Value>data &amp; &lt;ml&gt;</Value></Tag>"), "{document}");
        let parsed: Tagging = parse("Tagging", document.as_bytes()).unwrap();
        let back: Vec<(String, String)> = parsed.tag_set.tags.into_iter().map(|t| (t.key, t.value)).collect();
        assert_eq!(back, vec![("empty".to_string(), String::new()), ("team".to_string(), "data & <ml>".to_string())]);
        let none: Tagging = parse("Tagging", b"<Tagging><TagSet></TagSet></Tagging>").unwrap();
        assert!(none.tag_set.tags.is_empty());
    }
}
