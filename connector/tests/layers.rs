//! The module graph of the connector, read from its sources: layers only point down (`protocol`
//! names no `client`, `ops` or `component`; `client` names no `ops` or `component`; `ops` names no
//! `platform`; only `component` names `component`) and no two modules use each other, directly or
//! through others (parents and their children included).

#[path = "support/module_graph.rs"]
mod module_graph;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    module_graph::graph(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"), &|_| true)
}

#[test]
fn layers_only_point_down() {
    let rank = |module: &str| match module.split("::").next().unwrap() {
        "error" | "input" | "names" | "schemas" => 0,
        "protocol" => 1,
        "client" => 2,
        "ops" => 3,
        "platform" => 4,
        "component" => 5,
        _ => 6,
    };
    for (module, used) in graph() {
        for target in used {
            assert!(rank(&target) <= rank(&module), "{module} (a lower layer) uses {target}");
        }
    }
}

#[test]
fn no_module_cycles() {
    let graph = graph();
    assert!(graph.len() > 30, "the scan found the modules: {:?}", graph.keys());
    assert!(graph["client"].contains("protocol::signing"), "the scan follows `use` paths: {:?}", graph["client"]);
    assert!(graph["client"].contains("client::retry"), "and a parent's use of its children: {:?}", graph["client"]);
    module_graph::assert_no_cycles(&graph);
}
