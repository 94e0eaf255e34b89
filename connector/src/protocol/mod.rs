//! S3's wire format: everything about a request or an answer that does not need to send one.

pub(crate) mod actions;
pub mod aws_chunked;
pub mod checksum;
pub(crate) mod credentials;
pub mod customer_key;
pub(crate) mod encoding;
pub(crate) mod error_response;
pub mod http;
pub(crate) mod region;
pub(crate) mod signing;
pub(crate) mod time_format;
pub mod url;
pub mod values;
pub mod xml;
pub mod xml_tree;
