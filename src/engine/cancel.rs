//! The cancel flag: a shared switch that asks a running evaluation to stop.
//!
//! The REPL sets it from its Ctrl-C handler; the engine reads it before every task and between
//! the nodes and delay slices of a task, so tasks not yet started are skipped and running ones
//! stop at their next check. The flag does not reset itself: whoever starts an evaluation
//! decides when to clear it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A shared flag that asks a running evaluation to stop. Clones share the same flag.
#[derive(Clone, Debug, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// Asks every evaluation using this flag to stop.
    pub fn cancel(&self) {
        // Relaxed: the flag carries no data with it; readers only need to see it eventually,
        // and every read is a fresh load.
        self.0.store(true, Ordering::Relaxed);
    }

    /// Clears the flag before the next evaluation.
    pub fn reset(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    /// Has [`CancelFlag::cancel`] been called since the last reset?
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
