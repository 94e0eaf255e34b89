//! The module graphs of the host library and of the `s3c` binary, read from their sources: no two
//! modules use each other, directly or through others (parents and their children included).

#[path = "../../connector/tests/support/module_graph.rs"]
mod module_graph;

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn in_binary(path: &Path) -> bool {
    path.starts_with("cli") || path == Path::new("main.rs")
}

#[test]
fn the_library_has_no_module_cycles() {
    let graph = module_graph::graph(&src(), &|path| !in_binary(path));
    assert!(graph.contains_key("runtime") && !graph.contains_key("cli"), "{:?}", graph.keys());
    assert!(graph["runtime"].contains("policy"), "the scan follows `use` paths: {:?}", graph["runtime"]);
    module_graph::assert_no_cycles(&graph);
}

#[test]
fn the_cli_has_no_module_cycles() {
    let graph = module_graph::graph(&src(), &|path| in_binary(path));
    assert!(graph.contains_key("cli::invocation"), "{:?}", graph.keys());
    module_graph::assert_no_cycles(&graph);
}
