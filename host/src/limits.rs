//! The guest's own resources: its linear memories (capped as a sum, however many it declares),
//! tables, and instance counts, with the peak memory recorded for reporting.

use crate::budget::{Budget, BudgetExceeded, Budgets};
use wasmtime::ResourceLimiter;

/// Caps what one invocation's instance may allocate inside the engine.
pub struct GuestLimits {
    memory_limit: usize,
    memory_total: usize,
    peak_memory: usize,
    table_elements: usize,
    instances: usize,
    memories: usize,
    tables: usize,
}

impl GuestLimits {
    /// At most `memory_limit` bytes over all linear memories, and the counts in `budgets`.
    pub fn new(memory_limit: usize, budgets: &Budgets) -> Self {
        Self {
            memory_limit,
            memory_total: 0,
            peak_memory: 0,
            table_elements: budgets.table_elements,
            instances: budgets.instances,
            memories: budgets.memories,
            tables: budgets.tables,
        }
    }

    /// The most linear memory (summed over memories) the guest held at once, in bytes.
    pub fn peak_memory(&self) -> usize {
        self.peak_memory
    }
}

impl ResourceLimiter for GuestLimits {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        let total = self.memory_total.saturating_sub(current).saturating_add(desired);
        if total > self.memory_limit {
            return Err(BudgetExceeded { budget: Budget::Memory, limit: self.memory_limit as u64 }.into());
        }
        self.memory_total = total;
        self.peak_memory = self.peak_memory.max(total);
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        if maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        if desired > self.table_elements {
            return Err(BudgetExceeded { budget: Budget::TableElements, limit: self.table_elements as u64 }.into());
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.instances
    }

    fn tables(&self) -> usize {
        self.tables
    }

    fn memories(&self) -> usize {
        self.memories
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memories_are_capped_as_a_sum() {
        let mut limits = GuestLimits::new(100, &Budgets::default());
        assert!(limits.memory_growing(0, 60, None).unwrap());
        // A second memory of 60 would bring the sum to 120.
        let error = limits.memory_growing(0, 60, None).unwrap_err();
        assert_eq!(error.downcast_ref::<BudgetExceeded>().unwrap().budget, Budget::Memory);
        assert!(limits.memory_growing(0, 30, None).unwrap());
        assert!(limits.memory_growing(60, 70, None).unwrap());
        assert!(limits.memory_growing(70, 71, None).is_err());
        assert_eq!(limits.peak_memory(), 100);
        assert!(!limits.memory_growing(0, 10, Some(5)).unwrap(), "past its own maximum, the grow just fails");
    }

    #[test]
    fn tables_are_capped_per_table() {
        let mut limits = GuestLimits::new(100, &Budgets { table_elements: 10, ..Budgets::default() });
        assert!(limits.table_growing(0, 10, None).unwrap());
        assert!(limits.table_growing(10, 11, None).is_err());
    }
}
