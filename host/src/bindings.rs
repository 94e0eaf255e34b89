//! Host bindings for the `workflow:connector/http-connector` world. WASI interfaces map onto
//! `wasmtime-wasi` and `wasmtime-wasi-http`; only the file store is implemented here.

#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "workflow:connector/http-connector",
        imports: {
            // Everything that touches the disk is async: it runs on blocking threads.
            "workflow:connector/file-store.stat": async | trappable,
            "workflow:connector/file-store.open-read": async | trappable,
            "workflow:connector/file-store.digest": async | trappable,
            "workflow:connector/file-store.create": async | trappable,
            "workflow:connector/file-store.[method]file-writer.truncate": async | trappable,
            "workflow:connector/file-store.[method]file-writer.fill": async | trappable,
            "workflow:connector/file-store.[method]file-writer.commit": async | trappable,
            default: trappable,
        },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "wasi:random": wasmtime_wasi::p2::bindings::random,
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "workflow:connector/file-store.file-writer": crate::file_store::FileWriter,
        },
    });
}

pub use generated::workflow::connector::file_store;
pub use generated::workflow::connector::file_store::DigestAlgorithm;
pub use generated::workflow::connector::types::{ConnectorError, ConnectorInfo, ErrorKind, Operation, Permission};
pub use generated::{HttpConnector, HttpConnectorPre};
