//! S3's wire format: everything about a request or an answer that does not need to send one.

pub mod aws_chunked;
pub mod checksum;
pub mod credentials;
pub mod encoding;
pub mod error_response;
pub mod http;
pub mod region;
pub mod signing;
pub mod time_format;
pub mod url;
pub mod values;
pub mod xml;
