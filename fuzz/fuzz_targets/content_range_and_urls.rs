//! The small parsers of server and tenant text: `Content-Range` headers, source URLs (validated,
//! redacted, named) and endpoints. Each answers or refuses; none panics, and a parsed range is
//! consistent.

#![no_main]

use libfuzzer_sys::fuzz_target;
use s3_connector::auth::Endpoint;
use s3_connector::transport::HttpResponse;
use s3_connector::url_source;

fuzz_target!(|text: &str| {
    let response = HttpResponse {
        status: 206,
        headers: vec![("content-range".into(), text.into())],
        ..Default::default()
    };
    if let Some((first, last, total)) = response.content_range() {
        assert!(first <= last, "{text:?}");
        if let Some(total) = total {
            assert!(last < total, "{text:?}");
        }
    }
    if url_source::validate(text).is_ok() {
        let _ = url_source::file_name(text);
    }
    // Messages show a source URL without its query and fragment, where presigned credentials are.
    let redacted = url_source::redact(text);
    match text.find(['?', '#']) {
        Some(at) => assert_eq!(redacted, format!("{}?…", &text[..at])),
        None => assert_eq!(redacted, text),
    }
    let _ = Endpoint::parse(text);
});
