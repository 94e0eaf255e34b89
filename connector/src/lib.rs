//! The AWS S3 connector. The S3 logic (addressing, signing, XML, operations) is plain Rust that
//! compiles and is tested natively; [`component`] adapts it to the WIT world on `wasm32`.

pub mod auth;
pub mod aws_chunked;
pub mod client;
pub mod encoding;
pub mod error;
pub mod format;
pub mod input;
pub mod ops;
pub mod request;
pub mod s3_error;
pub mod schema;
pub mod signing;
pub mod stream_digest;
pub mod time_format;
pub mod transport;
pub mod url_source;
pub mod validate;
pub mod xml;

#[cfg(target_arch = "wasm32")]
mod component;

/// The connector's machine name.
pub const NAME: &str = "aws-s3";
/// The connector's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
