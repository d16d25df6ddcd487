//! The live schedule in the REPL: once an evaluation has run for [`START_AFTER`], its Gantt
//! chart is drawn and redrawn in place every [`FRAME_EVERY`], and when it ends the final chart
//! is left in place of the last frame.
//!
//! The REPL's thread draws, from the engine's [`Watch`], while it waits on the evaluation (the
//! `between` of `wait::run`): no thread of its own, and Ctrl-C is looked at between two frames
//! as between two slices of waiting. A frame is redrawn by moving the cursor up over the
//! previous one and clearing to the end of the screen, so frames are kept narrower than the
//! terminal (no line wraps) and shorter than it (none scrolls away). Nothing is drawn when
//! stdout is not a terminal or after `:trace live off`.
//!
//! The clock never stops while the REPL is busy: once the evaluation has ended and its value is
//! being converted to digits (seconds for millions of them), the frame's first line says so,
//! `printing ~18,128,484 digits… · 2.41 s`, and keeps counting until the value is printed.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::engine::Watch;
use crate::render::text::{self, thousands};
use crate::render::{self, Color};
use crate::repl::state::State;
use crate::trace::Trace;
use crate::units::format_ns;

/// Evaluations shorter than this are never drawn live.
pub(crate) const START_AFTER: Duration = Duration::from_millis(300);

/// Time between two frames: more than ten frames a second.
pub(crate) const FRAME_EVERY: Duration = Duration::from_millis(80);

/// Height assumed when the terminal does not tell its own.
const DEFAULT_HEIGHT: usize = 24;

/// The live schedule of one evaluation: the watch handed to it, and what is on the screen.
#[derive(Debug)]
pub(crate) struct Live {
    watch: Watch,
    /// When the next frame is due (the first one [`START_AFTER`] after the start).
    next_frame: Instant,
    /// Lines of the frame on the screen (0: none drawn yet).
    lines: usize,
    width: usize,
    height: usize,
    color: Color,
    /// When the evaluation started.
    started: Instant,
    /// The last frame drawn from a snapshot of the evaluation.
    last_frame: Option<String>,
    /// The digits of the value being converted, about, once the evaluation has ended (0
    /// before); the evaluation's thread sets it.
    printing: Arc<AtomicU64>,
}

impl Live {
    /// The live schedule of the evaluation about to start, if it is on (`:trace live on`) and
    /// stdout is a terminal; hand [`Live::watch`] to the evaluation.
    pub(crate) fn start(state: &State) -> Option<Live> {
        if !state.live || !io::stdout().is_terminal() {
            return None;
        }
        let height = terminal_size::terminal_size()
            .map_or(DEFAULT_HEIGHT, |(_, height)| usize::from(height.0))
            .max(8);
        Some(Live {
            watch: Watch::default(),
            next_frame: Instant::now() + START_AFTER,
            lines: 0,
            width: state.width,
            height,
            color: state.color,
            started: Instant::now(),
            last_frame: None,
            printing: Arc::default(),
        })
    }

    /// The handle through which the evaluation's thread says how many digits it is converting
    /// the value to.
    pub(crate) fn printing(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.printing)
    }

    /// The handle the evaluation fills while it runs.
    pub(crate) fn watch(&self) -> Watch {
        self.watch.clone()
    }

    /// Draws a frame if one is due; called while waiting on the evaluation.
    pub(crate) fn tick(&mut self) {
        let now = Instant::now();
        if now < self.next_frame {
            return;
        }
        self.next_frame = now + FRAME_EVERY;
        // A plan of no tasks after frames of some: the evaluation has just handed its tasks
        // over to be assembled into its trace, and has ended.
        let snapshot = self
            .watch
            .snapshot()
            .filter(|snapshot| snapshot.n_tasks > 0 || self.last_frame.is_none());
        let frame = match snapshot {
            Some(snapshot) => {
                // A column and a line less than the screen, so that no line wraps and the
                // frame never scrolls its own top away.
                let frame = render::live_frame(
                    &snapshot,
                    self.width.saturating_sub(1),
                    self.height - 1,
                    self.color,
                );
                self.last_frame = Some(frame.clone());
                frame
            }
            // The evaluation has ended: its value is being converted to digits.
            None => match self.printing.load(Ordering::Relaxed) {
                0 => return,
                digits => self.printing_frame(digits),
            },
        };
        let mut out = io::stdout().lock();
        let _ = write!(out, "{}{frame}", erase(self.lines));
        let _ = out.flush();
        self.lines = frame.lines().count();
    }

    /// The last frame with its first line saying that `digits` digits are being printed, and
    /// for how long the REPL has been busy; that line alone if no frame was drawn.
    fn printing_frame(&self, digits: u64) -> String {
        let elapsed = format_ns(self.started.elapsed().as_nanos() as f64);
        let status = text::fit(
            &format!(
                "printing ~{} digits… · {elapsed} · Ctrl-C cancels",
                thousands(digits as usize)
            ),
            self.width.saturating_sub(1),
        );
        let chart = self
            .last_frame
            .as_deref()
            .and_then(|frame| frame.split_once('\n'))
            .map_or("", |(_, chart)| chart);
        format!("{status}\n{chart}")
    }

    /// Ends the live schedule: if a frame is on the screen, replaces it with `last`, the
    /// final chart of the evaluation (`None`: with nothing, when the evaluation left no trace
    /// or the whole schedule view follows). Returns whether a frame had been drawn.
    pub(crate) fn finish(self, last: Option<&Trace>) -> bool {
        if self.lines == 0 {
            return false;
        }
        let mut out = io::stdout().lock();
        let _ = out.write_all(erase(self.lines).as_bytes());
        if let Some(trace) = last {
            let _ = out.write_all(render::final_chart(trace, self.width, self.color).as_bytes());
        }
        let _ = out.flush();
        true
    }
}

/// Moves the cursor to the start of the frame `lines` lines up and clears from there down.
fn erase(lines: usize) -> String {
    if lines == 0 {
        "\r".to_string()
    } else {
        format!("\r\x1b[{lines}A\x1b[J")
    }
}
