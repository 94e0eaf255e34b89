//! The standard library's C runtime (wasi-libc) reaches for the process's environment, exit and
//! standard streams through `wasi:cli@0.2.0` and `wasi:io@0.2.0` imports — to print a panic's
//! message, read `RUST_BACKTRACE` for it, or exit. A connector has no console: the reference host
//! gives it none, and a trap ends the invocation either way. Defining those import symbols here
//! resolves them inside the module, so the component imports no `wasi:cli` interface at all, and
//! every instance skips 17 of its lowerings and trampolines (`bench/NOTES.md`: each costs
//! wasmtime per instance).
//!
//! What a library might reach in normal operation keeps working: the environment reads as empty
//! (what the reference host serves), and a blocking wait (`poll`, a sleep) goes to the
//! connector's own `wasi:io/poll` import. The rest — standard streams, terminals, exit — trap:
//! should the C runtime call one (a panic on its way to print), the invocation ends as the panic
//! would have ended it, without the message.
//!
//! The names are wasi-libc's (`__wasm_import_<interface>_<function>`, as wit-bindgen's C
//! generator writes them); a name that stops matching leaves the import in place, which the
//! sandbox test of the component's imports (`tests/tests/sandbox.rs`) reports.

use super::bindings::wasi::io::poll::Pollable;

/// `wasi:cli/environment.get-environment`: an empty list, written as (pointer, length) into the
/// caller's result area.
#[unsafe(no_mangle)]
extern "C" fn __wasm_import_environment_get_environment(result_area: *mut i32) {
    // SAFETY: the C runtime passes a result area for a list, two aligned `i32`s it owns.
    unsafe {
        result_area.write(0);
        result_area.add(1).write(0);
    }
}

/// `wasi:io/poll@0.2.0` `pollable.block`, on the connector's own (0.2.12) import: the component
/// gives both versions one pollable resource type, so the handle is the same.
#[unsafe(no_mangle)]
extern "C" fn __wasm_import_poll_method_pollable_block(handle: i32) {
    // SAFETY: the handle is a pollable the C runtime owns; it is borrowed here, not dropped.
    let pollable = unsafe { Pollable::from_handle(handle as u32) };
    pollable.block();
    let _ = pollable.take_handle();
}

/// `wasi:io/poll@0.2.0` `[resource-drop]pollable`, on the connector's own import.
#[unsafe(no_mangle)]
extern "C" fn __wasm_import_poll_pollable_drop(handle: i32) {
    // SAFETY: the C runtime gives up a pollable it owns.
    drop(unsafe { Pollable::from_handle(handle as u32) });
}

/// Defines each symbol, with the C signature wasi-libc declares for it (wasm-ld matches them), as
/// a function that traps.
macro_rules! trapping_imports {
    ($(fn $name:ident($($argument:ident),*) $(-> $result:ty)?;)*) => {
        $(
            #[unsafe(no_mangle)]
            extern "C" fn $name($(_: trapping_imports!(@i32 $argument)),*) $(-> $result)? {
                core::arch::wasm32::unreachable()
            }
        )*
    };
    (@i32 $argument:ident) => { i32 };
}

trapping_imports! {
    fn __wasm_import_exit_exit(status);
    fn __wasm_import_stdin_get_stdin() -> i32;
    fn __wasm_import_stdout_get_stdout() -> i32;
    fn __wasm_import_stderr_get_stderr() -> i32;
    fn __wasm_import_terminal_stdin_get_terminal_stdin(result_area);
    fn __wasm_import_terminal_stdout_get_terminal_stdout(result_area);
    fn __wasm_import_terminal_stderr_get_terminal_stderr(result_area);
    fn __wasm_import_terminal_input_terminal_input_drop(handle);
    fn __wasm_import_terminal_output_terminal_output_drop(handle);
    fn __wasm_import_io_error_error_drop(handle);
    fn __wasm_import_streams_input_stream_drop(handle);
    fn __wasm_import_streams_output_stream_drop(handle);
    fn __wasm_import_streams_method_output_stream_check_write(handle, result_area);
    fn __wasm_import_streams_method_output_stream_write(handle, bytes, length, result_area);
    fn __wasm_import_streams_method_output_stream_blocking_flush(handle, result_area);
    fn __wasm_import_streams_method_output_stream_subscribe(handle) -> i32;
}
