//! Per-invocation resource limits that also record the guest's peak linear memory.

use wasmtime::{ResourceLimiter, StoreLimits};

/// Wraps [`StoreLimits`] (which enforces the caps) and remembers the largest memory granted.
pub struct MeteredLimits {
    inner: StoreLimits,
    peak_memory: usize,
}

impl MeteredLimits {
    /// Enforces `inner`.
    pub fn new(inner: StoreLimits) -> Self {
        Self { inner, peak_memory: 0 }
    }

    /// The largest linear memory the guest was granted, in bytes.
    pub fn peak_memory(&self) -> usize {
        self.peak_memory
    }
}

impl ResourceLimiter for MeteredLimits {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.inner.memory_growing(current, desired, maximum)?;
        if allowed {
            self.peak_memory = self.peak_memory.max(desired);
        }
        Ok(allowed)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.memory_grow_failed(error)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.inner.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}
