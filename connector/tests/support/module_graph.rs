//! The module graph of a crate, read from its sources: every `crate::`, `super::` and child path
//! a module names, resolved to the module it lands in. Shared by the connector's and the host's
//! cycle tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of the crate rooted at `src` (`client::request`, `protocol`, ...) with its source
/// text; `include` picks the files of this crate (a package's library and binary share `src/`).
fn modules(src: &Path, include: &dyn Fn(&Path) -> bool) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(src).unwrap().to_path_buf();
            if !include(&relative) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = relative.with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|last| last == "mod" || last == "lib" || last == "main") {
                parts.pop();
            }
            let name = if parts.is_empty() { "crate".to_string() } else { parts.join("::") };
            found.insert(name, strip_tests(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    found
}

/// The code of a source: without its `#[cfg(test)]` module (tests may reach across layers) and
/// without comments (a doc link is no dependency).
fn strip_tests(source: &str) -> String {
    let code = source.find("#[cfg(test)]\nmod tests").map_or(source, |at| &source[..at]);
    code.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The paths a source names: `crate::a::b`, `super::c`, braces expanded, and in a parent module
/// its children by name (`request::Body`).
fn named_paths(module: &str, source: &str, children: &BTreeSet<String>) -> Vec<Vec<String>> {
    let parent: Vec<String> = if module == "crate" {
        Vec::new()
    } else {
        let mut parts: Vec<String> = module.split("::").map(str::to_string).collect();
        parts.pop();
        parts
    };
    let own: Vec<String> =
        if module == "crate" { Vec::new() } else { module.split("::").map(str::to_string).collect() };
    let mut paths = Vec::new();
    let bytes = source.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &source[at..];
        let boundary =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_' || bytes[at - 1] == b':');
        let start = if !boundary {
            None
        } else if let Some(tail) = rest.strip_prefix("crate::") {
            Some((Vec::new(), tail))
        } else if let Some(tail) = rest.strip_prefix("super::") {
            Some((parent.clone(), tail))
        } else {
            children.iter().find(|child| rest.starts_with(&format!("{child}::"))).map(|_| (own.clone(), rest))
        };
        match start {
            Some((base, tail)) => {
                expand(&base, tail, &mut paths);
                at += 1;
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    paths
}

/// Adds `base` + the path at the start of `text` (with `{a, b::c}` groups expanded).
fn expand(base: &[String], text: &str, out: &mut Vec<Vec<String>>) {
    let mut path = base.to_vec();
    let mut rest = text;
    if let Some(group) = rest.strip_prefix('{') {
        for item in split_top_level(&group[..matching_brace(group)]) {
            expand(&path, item.trim(), out);
        }
        return;
    }
    loop {
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let segment = &rest[..end];
        if !segment.is_empty() {
            path.push(segment.to_string());
        }
        rest = &rest[end..];
        if let Some(tail) = rest.strip_prefix("::{") {
            let close = matching_brace(tail);
            for item in split_top_level(&tail[..close]) {
                expand(&path, item.trim(), out);
            }
            return;
        }
        match rest.strip_prefix("::") {
            Some(tail) => rest = tail,
            None => break,
        }
    }
    out.push(path);
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top_level(text: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

/// The module graph of the crate rooted at `src` (files chosen by `include`): which modules each
/// module uses, parent and children included (the longest module prefix of each path it names).
pub(crate) fn graph(src: &Path, include: &dyn Fn(&Path) -> bool) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src, include);
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let mut edges = BTreeMap::new();
    for (module, source) in &modules {
        let prefix = if module == "crate" { String::new() } else { format!("{module}::") };
        let children: BTreeSet<String> = names
            .iter()
            .filter_map(|name| name.strip_prefix(&prefix).filter(|rest| !rest.contains("::")).map(str::to_string))
            .filter(|child| module != "crate" || !child.is_empty())
            .collect();
        let used: BTreeSet<String> = named_paths(module, source, &children)
            .into_iter()
            .filter_map(|path| {
                (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|candidate| names.contains(candidate))
            })
            .filter(|target| target != module)
            .collect();
        edges.insert(module.clone(), used);
    }
    edges
}

/// Panics with the first cycle found in `graph`.
pub(crate) fn assert_no_cycles(graph: &BTreeMap<String, BTreeSet<String>>) {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        trail: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = trail.iter().position(|n| n == node) {
            panic!("module cycle: {} -> {node}", trail[at..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        trail.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, trail, done);
        }
        trail.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done);
    }
}
