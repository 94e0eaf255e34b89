//! The names the connector, the host and the CLI share across the WIT boundary, defined once.
//!
//! The WIT package (`wit/`) is the contract; `wit-bindgen` (guest) and `wasmtime` (host) each
//! generate their own types from it. This crate holds what both sides need beyond those generated
//! types: the stable kebab-case names of the error kinds (what JSON output and logs print), the
//! digest algorithms the host computes for the guest, and the JSON shape of a field's choices. Each generated enum converts to and from
//! these, so a new case is added in one place and the compiler finds every other. It also holds
//! what every implementation of the file store shares (the native one in the host and the portable
//! adapter over `wasi:filesystem`): which names are valid and how digests are computed.

mod choices;
mod digest_algorithm;
mod error_kind;
pub mod file_names;
mod hasher;

pub use choices::{Choice, Choices};
pub use digest_algorithm::DigestAlgorithm;
pub use error_kind::ErrorKind;
pub use hasher::Hasher;
