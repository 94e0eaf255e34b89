//! Composes the portable connector: the connector component with its `file-store` and
//! `invocation` imports satisfied by the adapter component (`portable/adapter`), leaving only
//! WASI imports.

use crate::build_guest::build_guest;
use std::path::Path;
use wac_graph::types::Package;
use wac_graph::{CompositionGraph, EncodeOptions};

/// The contract's types-only interface: the adapter exports it so nothing outside WASI is
/// imported, and the composition exports it beside `connector`, whose functions use its types.
const TYPES: &str = "workflow:connector/types@0.2.2";

/// Builds the portable connector into `output`: the connector with `copy-streams` (runtimes such
/// as jco's preview2-shim cannot splice request bodies) and the file-store adapter, composed.
pub(crate) fn build_portable(workspace: &Path, output: &Path) {
    let connector = build_guest(workspace, "s3-connector", &["copy-streams"], "component");
    let adapter = build_guest(workspace, "file-store-adapter", &[], "component");
    plug_adapter(&connector, &adapter, output);
}

/// Plugs `adapter`'s exports into `connector`'s imports of the same names and writes the result,
/// which exports what the connector exports, to `output`.
pub(crate) fn plug_adapter(connector: &Path, adapter: &Path, output: &Path) {
    let mut graph = CompositionGraph::new();
    let mut register = |name: &str, path: &Path| {
        let package = Package::from_file(name, None, path, graph.types_mut())
            .unwrap_or_else(|e| panic!("cannot read the component {}: {e:#}", path.display()));
        graph.register_package(package).unwrap_or_else(|e| panic!("cannot register {name}: {e}"))
    };
    let socket = register("workflow:s3-connector", connector);
    let plug = register("workflow:file-store-adapter", adapter);
    let fail = |what: &str, e: &dyn std::fmt::Display| -> ! { panic!("composing the portable connector: {what}: {e}") };
    let connector_instance = graph.instantiate(socket);
    let adapter_instance = graph.instantiate(plug);
    let provided: Vec<String> = graph.types()[graph[plug].ty()].exports.keys().cloned().collect();
    let wanted: Vec<String> = graph.types()[graph[socket].ty()].imports.keys().cloned().collect();
    for name in provided.iter().filter(|name| wanted.contains(name)) {
        let export = graph.alias_instance_export(adapter_instance, name).unwrap_or_else(|e| fail(name, &e));
        graph.set_instantiation_argument(connector_instance, name, export).unwrap_or_else(|e| fail(name, &e));
    }
    let types = graph.alias_instance_export(adapter_instance, TYPES).unwrap_or_else(|e| fail(TYPES, &e));
    graph.export(types, TYPES).unwrap_or_else(|e| fail(TYPES, &e));
    let exports: Vec<String> = graph.types()[graph[socket].ty()].exports.keys().cloned().collect();
    for name in &exports {
        let export = graph.alias_instance_export(connector_instance, name).unwrap_or_else(|e| fail(name, &e));
        graph.export(export, name).unwrap_or_else(|e| fail(name, &e));
    }
    let bytes = graph.encode(EncodeOptions::default()).unwrap_or_else(|e| fail("encoding", &e));
    std::fs::write(output, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", output.display()));
}
