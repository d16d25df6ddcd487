//! The runs of `:speedup EXPR [MAX]` (the command itself is `command`'s) and of `--speedup` at
//! the REPL: the expression run on each pool size from 1 to MAX, with a progress line while it
//! runs, and its table.
//!
//! The runs are the session's (`Prepared::run_speedup`); this module waits for them as any
//! evaluation is waited for, so that Ctrl-C gives up on them, and says which pool size is
//! running on a line of its own that the table then replaces. It draws no chart and leaves the
//! session's last trace alone: `:trace` still shows the user's last evaluation.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind};
use crate::num::Value;
use crate::render::{self, SpeedupRow};
use crate::repl::display;
use crate::repl::error::CommandError;
use crate::repl::state::{Finished, State};
use crate::trace::Trace;
use crate::units;

/// The progress line appears once the runs have taken this long.
const PROGRESS_AFTER: Duration = Duration::from_millis(300);

/// Why [`run_speedup`] failed: an error of the expression, or of the command.
#[derive(Debug)]
pub(crate) enum SpeedupError {
    Eval(Error),
    Command(CommandError),
}

/// Runs `prepared` once on each pool size from 1 to `max_workers`, so that Ctrl-C can give up
/// on it; returns the value and the traces.
pub(crate) fn run_speedup(
    state: &mut State,
    prepared: crate::session::Prepared,
    max_workers: usize,
) -> Result<(Value, Vec<Trace>), SpeedupError> {
    let size = Arc::new(AtomicUsize::new(0));
    let running = Arc::clone(&size);
    let mut progress = Progress::new(max_workers);
    let waited = state.wait_between(
        // Relaxed: the number is only shown.
        move || prepared.run_speedup_with(max_workers, |n| running.store(n, Ordering::Relaxed)),
        || progress.tick(size.load(Ordering::Relaxed)),
    );
    progress.clear();
    match waited {
        Ok(Finished::Done(runs)) => match state.session.finish_speedup(runs) {
            Ok(done) => Ok(done),
            Err(Error {
                kind: ErrorKind::Cancelled,
                ..
            }) => Err(SpeedupError::Command(CommandError::Cancelled)),
            Err(error) => Err(SpeedupError::Eval(error)),
        },
        Ok(Finished::Cancelled(_)) => Err(SpeedupError::Command(CommandError::Cancelled)),
        Err(error) => Err(SpeedupError::Command(error)),
    }
}

/// The value and table of a speedup run, as `:speedup` (and `--speedup` in the REPL) print it.
pub(crate) fn speedup_report(state: &State, value: &Value, traces: &[Trace]) -> String {
    let rows: Vec<SpeedupRow> = traces.iter().map(SpeedupRow::from_trace).collect();
    let table = render::speedup(&rows, state.width, state.color);
    let value = display::abbreviate_value(value);
    // Nothing was scheduled: no time to say anything of.
    if rows.iter().all(|row| row.n_tasks == 0) {
        return format!("{value}\n{}", table.trim_end());
    }
    format!(
        "{value}\n{}\n{}",
        table.trim_end(),
        delay_note(state.session.options.delay)
    )
}

/// The note under `:speedup`'s table.
fn delay_note(delay: std::time::Duration) -> String {
    if delay.is_zero() {
        "(no delay set: the times are mostly overhead; try :delay 100ms)".to_string()
    } else {
        format!("(delay {} per operator)", units::format_duration(delay))
    }
}

/// The line `running on 2 of 4 workers…` while the runs go on, on a terminal.
struct Progress {
    max_workers: usize,
    started: Instant,
    /// The pool size last shown (0: nothing on the screen).
    shown: usize,
    on_terminal: bool,
}

impl Progress {
    fn new(max_workers: usize) -> Progress {
        Progress {
            max_workers,
            started: Instant::now(),
            shown: 0,
            on_terminal: io::stdout().is_terminal(),
        }
    }

    /// Shows the pool size running now, if it changed and the runs are not quick.
    fn tick(&mut self, n_workers: usize) {
        if !self.on_terminal
            || n_workers == 0
            || n_workers == self.shown
            || self.started.elapsed() < PROGRESS_AFTER
        {
            return;
        }
        self.shown = n_workers;
        let mut out = io::stdout().lock();
        let _ = write!(
            out,
            "\r\x1b[Krunning on {n_workers} of {} workers… (Ctrl-C cancels)",
            self.max_workers
        );
        let _ = out.flush();
    }

    /// Removes the line, so that the value and the table take its place.
    fn clear(&self) {
        if self.shown > 0 {
            let mut out = io::stdout().lock();
            let _ = write!(out, "\r\x1b[K");
            let _ = out.flush();
        }
    }
}
