//! Names for temporary files that no other writer, process or thread, uses at the same time.

use std::sync::atomic::{AtomicU64, Ordering};

/// `<pid>-<counter>`, unique within this machine while the process lives.
pub(crate) fn unique_suffix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}
