//! The AWS S3 connector. The S3 logic is plain Rust that compiles and is tested natively; the
//! `component` module adapts it to the WIT world on `wasm32`. Layers, from the bottom (a layer
//! uses only the ones below it):
//!
//! - [`error`], [`input`], `names`: the typed error, JSON input parsing, named enum values.
//! - [`protocol`]: S3's wire format — URLs and addressing, regions, encoding, signing, checksums,
//!   XML, error documents. Pure functions over values.
//! - [`client`]: sending requests over a [`client::transport::Transport`] — connection settings,
//!   retries, region discovery, URL sources.
//! - [`ops`]: the operations, their schemas and permissions.
//! - [`platform`]: what a workflow platform asks besides operations — the connection check,
//!   choices for input fields, triggers.
//! - `component` (wasm32 only): the `Transport` on `wasi:http` and the host's file store, and the
//!   WIT exports.

pub mod client;
pub mod error;
pub mod input;
mod names;
pub mod ops;
pub mod platform;
pub mod protocol;
pub mod schemas;
// Natively only: the component reads the catalogue this writes.
#[cfg(not(target_arch = "wasm32"))]
pub mod schema_catalogue;

#[cfg(target_arch = "wasm32")]
mod component;

/// The connector's machine name.
pub const NAME: &str = "aws-s3";
/// The connector's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
