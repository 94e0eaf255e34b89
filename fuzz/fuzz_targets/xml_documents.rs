//! Every S3 XML document the connector parses, from arbitrary bytes: parsing either succeeds or
//! returns a typed error, never panics; the error-document helpers never panic either.

#![no_main]

use libfuzzer_sys::fuzz_target;
use s3_connector::protocol::xml;

fuzz_target!(|body: &[u8]| {
    let _ = xml::parse::<xml::ListAllMyBuckets>("list", body);
    let _ = xml::parse::<xml::ListObjectsV2>("list", body);
    let _ = xml::parse::<xml::DeleteResult>("delete", body);
    let _ = xml::parse::<xml::ListMultipartUploads>("uploads", body);
    let _ = xml::root_name(body);
    let _ = xml::element_text(body, "Region");
    let _ = xml::element_text(body, "Code");
});
