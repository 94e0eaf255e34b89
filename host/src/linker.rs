//! The interfaces a connector may import, and a linker that serves exactly those: the
//! `http-connector` world (wasi:http, wasi:io, clocks, random, the file store, the invocation's
//! cancel and progress) plus the `wasi:cli` interfaces Rust's std links, served empty (no
//! environment, no stdin, no exit code that matters). No sockets, no filesystem, no name lookup: a component that imports anything
//! else is refused when it is loaded, with the import named.

use crate::error::HostError;
use crate::state::HostState;
use wasmtime::component::{HasData, HasSelf, Linker, ResourceTable};
use wasmtime_wasi::cli::WasiCli;
use wasmtime_wasi::clocks::WasiClocks;
use wasmtime_wasi::p2::bindings::{cli, clocks, io, random};
use wasmtime_wasi::random::WasiRandom;

/// Interfaces a component may import, by name without version.
pub const ALLOWED_IMPORTS: &[&str] = &[
    "wasi:http/outgoing-handler",
    "wasi:http/types",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/wall-clock",
    "wasi:clocks/monotonic-clock",
    "wasi:random/random",
    "wasi:random/insecure",
    "wasi:random/insecure-seed",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
    "workflow:connector/types",
    "workflow:connector/file-store",
    "workflow:connector/invocation",
];

/// Refuses a component whose imports leave [`ALLOWED_IMPORTS`], naming every such import.
pub fn check_imports<'a>(imports: impl IntoIterator<Item = &'a str>) -> Result<(), HostError> {
    let refused: Vec<&str> = imports
        .into_iter()
        .filter(|import| !ALLOWED_IMPORTS.contains(&import.split('@').next().unwrap_or(import)))
        .collect();
    match refused.is_empty() {
        true => Ok(()),
        false => Err(HostError::ImportNotAllowed(refused.join(", "))),
    }
}

struct Io;

impl HasData for Io {
    type Data<'a> = &'a mut ResourceTable;
}

/// A linker with exactly the allowed interfaces.
pub fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut l: Linker<HostState> = Linker::new(engine);
    io::error::add_to_linker::<HostState, Io>(&mut l, |s| &mut s.table)?;
    io::poll::add_to_linker::<HostState, Io>(&mut l, |s| &mut s.table)?;
    io::streams::add_to_linker::<HostState, Io>(&mut l, |s| &mut s.table)?;
    clocks::wall_clock::add_to_linker::<HostState, WasiClocks>(&mut l, wasmtime_wasi::clocks::WasiClocksView::clocks)?;
    clocks::monotonic_clock::add_to_linker::<HostState, WasiClocks>(
        &mut l,
        wasmtime_wasi::clocks::WasiClocksView::clocks,
    )?;
    random::random::add_to_linker::<HostState, WasiRandom>(&mut l, wasmtime_wasi::random::WasiRandomView::random)?;
    random::insecure::add_to_linker::<HostState, WasiRandom>(&mut l, wasmtime_wasi::random::WasiRandomView::random)?;
    random::insecure_seed::add_to_linker::<HostState, WasiRandom>(
        &mut l,
        wasmtime_wasi::random::WasiRandomView::random,
    )?;
    let view = wasmtime_wasi::cli::WasiCliView::cli;
    cli::exit::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::environment::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::stdin::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::stdout::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::stderr::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::terminal_input::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::terminal_output::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::terminal_stdin::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::terminal_stdout::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    cli::terminal_stderr::add_to_linker::<HostState, WasiCli>(&mut l, view)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut l)?;
    crate::bindings::file_store::add_to_linker::<HostState, HasSelf<HostState>>(&mut l, |s| s)?;
    crate::bindings::invocation::add_to_linker::<HostState, HasSelf<HostState>>(&mut l, |s| s)?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_outside_the_world_are_named() {
        assert!(check_imports(["wasi:http/outgoing-handler@0.2.12", "workflow:connector/file-store@0.2.2"]).is_ok());
        for forbidden in ["wasi:sockets/tcp@0.2.12", "wasi:filesystem/preopens@0.2.12", "evil:host/escape"] {
            let error = check_imports(["wasi:io/poll@0.2.12", forbidden]).unwrap_err();
            assert!(error.to_string().contains(forbidden), "{error}");
        }
    }
}
