//! The guest's own resources: its linear memories (capped as a sum, however many it declares),
//! tables, and instance counts, with the peak memory recorded for reporting.

use crate::budget::{Budget, BudgetExceeded, Budgets};
use wasmtime::ResourceLimiter;

/// Caps what one invocation's instance may allocate inside the engine.
pub(crate) struct GuestLimits {
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
    pub(crate) fn new(memory_limit: usize, budgets: &Budgets) -> Self {
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
    pub(crate) fn peak_memory(&self) -> usize {
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

    /// Instantiates a core module under the limits, the way the runtime does for a component.
    fn instantiate(
        wat: &str,
        memory_limit: usize,
        budgets: &Budgets,
    ) -> (wasmtime::Store<GuestLimits>, wasmtime::Result<wasmtime::Instance>) {
        let engine = wasmtime::Engine::default();
        let module = wasmtime::Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let mut store = wasmtime::Store::new(&engine, GuestLimits::new(memory_limit, budgets));
        store.limiter(|limits| limits);
        let instance = wasmtime::Instance::new(&mut store, &module, &[]);
        (store, instance)
    }

    fn budget(error: &wasmtime::Error) -> Option<Budget> {
        error.chain().find_map(|cause| cause.downcast_ref::<BudgetExceeded>()).map(|e| e.budget)
    }

    #[test]
    fn several_memories_cannot_pass_the_cap_together() {
        // Three memories of 25 MiB each: any two fit in 64 MiB, all three do not.
        let wat = "(module (memory 400) (memory 400) (memory 400))";
        let (_, outcome) = instantiate(wat, 64 << 20, &Budgets::default());
        assert_eq!(budget(&outcome.unwrap_err()), Some(Budget::Memory));
        // Growing a second memory past the sum traps the same way.
        let wat = r#"(module (memory 400) (memory $b 400)
            (func (export "grow") (result i32) (memory.grow $b (i32.const 300))))"#;
        let (mut store, instance) = instantiate(wat, 64 << 20, &Budgets::default());
        let grow = instance.unwrap().get_typed_func::<(), i32>(&mut store, "grow").unwrap();
        assert_eq!(budget(&grow.call(&mut store, ()).unwrap_err()), Some(Budget::Memory));
        assert!(store.data().peak_memory() <= 64 << 20);
        // More memories than the budget's count fail to instantiate.
        let wat = "(module (memory 1) (memory 1) (memory 1) (memory 1) (memory 1))";
        assert!(instantiate(wat, 64 << 20, &Budgets::default()).1.is_err());
    }

    #[test]
    fn a_growing_table_stops_at_its_budget() {
        let wat = r#"(module (table $t 1 funcref)
            (func (export "grow") (result i32) (table.grow $t (ref.null func) (i32.const 1000000))))"#;
        let (mut store, instance) = instantiate(wat, 64 << 20, &Budgets::default());
        let grow = instance.unwrap().get_typed_func::<(), i32>(&mut store, "grow").unwrap();
        assert_eq!(budget(&grow.call(&mut store, ()).unwrap_err()), Some(Budget::TableElements));
    }

    #[test]
    fn tables_are_capped_per_table() {
        let mut limits = GuestLimits::new(100, &Budgets { table_elements: 10, ..Budgets::default() });
        assert!(limits.table_growing(0, 10, None).unwrap());
        assert!(limits.table_growing(10, 11, None).is_err());
    }
}
