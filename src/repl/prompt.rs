//! The prompts, and the Ctrl-C handler, which tells a Ctrl-C typed at the terminal from a
//! signal sent from outside by how long the prompt has waited ([`on_interrupt`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::engine::CancelFlag;

/// The prompt of a new statement.
pub(crate) const PROMPT: &str = "» ";
/// The prompt of a statement's next line while parentheses are open.
pub(crate) const CONTINUATION: &str = "… ";
/// Width of both prompts, in columns.
pub(crate) const PROMPT_WIDTH: usize = 2;

/// A signal that comes after the prompt has waited this long is not a Ctrl-C typed at the
/// terminal (the line editor, once it reads, takes Ctrl-C as a key), so it ends the REPL.
const OUTSIDE_SIGNAL_MS: u64 = 100;

/// Since when the line editor has waited at the prompt, for the signal handler.
pub(crate) struct PromptClock {
    /// Milliseconds from `epoch` to when the prompt began to wait, from 1; 0 when it does not.
    since: Arc<AtomicU64>,
    epoch: Instant,
}

impl PromptClock {
    /// Milliseconds from the epoch to now, from 1.
    fn now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    /// Records that the prompt begins (`true`) or ends (`false`) to wait.
    pub(crate) fn waits(&self, waiting: bool) {
        let since = if waiting { self.now() } else { 0 };
        self.since.store(since, Ordering::Relaxed);
    }

    /// Whether the prompt has waited at least [`OUTSIDE_SIGNAL_MS`].
    fn waited_long(&self) -> bool {
        let since = self.since.load(Ordering::Relaxed);
        since != 0 && self.now().saturating_sub(since) >= OUTSIDE_SIGNAL_MS
    }
}

/// Sets the handler of Ctrl-C, which only raises `interrupt`: the loop, waiting on the
/// evaluation, passes it on to the evaluation's own cancel flag (see `wait`). SIGTERM and
/// SIGHUP reach the same handler (batch mode needs them there). At the prompt the line editor
/// reads Ctrl-C as a key, so a signal that comes once the prompt has waited a while was sent
/// from outside (`kill`, a closed terminal): it ends the REPL, as it would without a handler.
/// Returns the clock the loop keeps the prompt's waiting on.
pub(crate) fn on_interrupt(interrupt: &CancelFlag) -> PromptClock {
    let prompt = PromptClock {
        since: Arc::new(AtomicU64::new(0)),
        epoch: Instant::now(),
    };
    let seen_by_handler = PromptClock {
        since: Arc::clone(&prompt.since),
        epoch: prompt.epoch,
    };
    let raised = interrupt.clone();
    let handler = move || {
        if seen_by_handler.waited_long() {
            std::process::exit(130);
        }
        raised.cancel();
    };
    if let Err(error) = ctrlc::set_handler(handler) {
        eprintln!("warning: Ctrl-C will not cancel evaluations: {error}");
    }
    prompt
}
