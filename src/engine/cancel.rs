//! The cancel flag: a shared switch that asks a running evaluation to stop.
//!
//! The REPL sets it from its Ctrl-C handler; the engine reads it before every task and between
//! the nodes and delay slices of a task, so tasks not yet started are skipped and running ones
//! stop at their next check. The flag does not reset itself: whoever starts an evaluation
//! decides when to clear it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The longest single sleep of a simulated delay: the cancel flag is checked at least this
/// often, so Ctrl-C stops a slow evaluation well within 100 ms.
const DELAY_SLICE: Duration = Duration::from_millis(10);

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

/// Sleeps `delay` (an operator's simulated work) in slices, checking `cancel` before and
/// between them, and `wanted` between them. `false` as soon as the flag is set or the work is no
/// longer `wanted`; `true` once the whole delay has been slept.
pub(crate) fn sleep_delay(delay: Duration, cancel: &CancelFlag, wanted: impl Fn() -> bool) -> bool {
    if cancel.is_cancelled() {
        return false;
    }
    if delay.is_zero() {
        return true;
    }
    let deadline = Instant::now() + delay;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(DELAY_SLICE));
        if cancel.is_cancelled() || !wanted() {
            return false;
        }
    }
}
