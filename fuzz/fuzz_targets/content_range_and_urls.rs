//! The small parsers of server and tenant text: `Content-Range` headers, URLs (parsed, redacted,
//! named) and endpoints. Each answers or refuses; none panics, a parsed range is consistent, a
//! parsed URL prints back to itself, and a redacted one shows no query.

#![no_main]

use libfuzzer_sys::fuzz_target;
use s3_connector::client::connection::Endpoint;
use s3_connector::protocol::http::HttpResponse;
use s3_connector::protocol::url::{HttpUrl, redact_text};

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
    if let Ok(url) = HttpUrl::parse(text) {
        let _ = url.file_name();
        assert_eq!(HttpUrl::parse(&url.full()).as_ref(), Ok(&url), "{text:?}");
        assert!(!url.redacted().contains('@') || url.path().contains('@'), "{text:?}");
    }
    // Messages show a URL without its query and fragment, where presigned credentials are.
    let redacted = redact_text(text);
    let marks = redacted.matches('?').count();
    assert!(marks == 0 || (marks == 1 && redacted.ends_with("?…")), "{text:?} -> {redacted:?}");
    assert!(!redacted.contains('#'), "{text:?} -> {redacted:?}");
    let _ = Endpoint::parse(text);
});
