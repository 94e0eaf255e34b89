//! The per-invocation store data: WASI context (empty environment, no stdin, no preopens),
//! wasi:http context with the egress hooks, the file store grant and the resource limits.

use crate::budget::Usage;
use crate::cancellation::Cancellation;
use crate::egress::EgressHooks;
use crate::fairness::GuestClock;
use crate::limits::GuestLimits;
use crate::policy::FileAccess;
use crate::progress::Transfer;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Everything one guest instance may reach.
pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) table: ResourceTable,
    pub(crate) hooks: EgressHooks,
    pub(crate) files: FileAccess,
    /// What the invocation has spent of its budgets.
    pub(crate) usage: Arc<Usage>,
    /// Set when the invocation ends (its store is dropped): host work still running on a
    /// blocking thread for it (hashing a file) checks it and stops.
    pub(crate) cancelled: Arc<AtomicBool>,
    pub(crate) limits: GuestLimits,
    /// The embedder's cancel handle and progress counters (`invocation` import).
    pub(crate) control: InvocationControl,
    /// The guest's CPU use so far, for fair scheduling.
    pub(crate) clock: GuestClock,
}

/// What the guest's `invocation` calls reach (`invocation_control`): the embedder's cancel
/// handle and progress counters.
#[derive(Debug, Default, Clone)]
pub(crate) struct InvocationControl {
    pub(crate) cancellation: Option<Arc<Cancellation>>,
    pub(crate) progress: Option<Arc<Transfer>>,
}

impl Drop for HostState {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}
