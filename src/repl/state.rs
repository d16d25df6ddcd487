//! The REPL's state, which the loop and the commands read and change: the session, the REPL's
//! own settings and the command line's [`Flags`]; waiting on work so that Ctrl-C can give up on
//! it ([`State::wait`]); and the schedule view as the REPL shows it ([`schedule_text`]).

use crate::engine::CancelFlag;
use crate::render::{self, Color};
use crate::repl::error::CommandError;
use crate::repl::sessions::First;
use crate::repl::wait::{self, Waited};
use crate::session::Session;

/// The flags of the command line that the REPL applies to every evaluation, as batch mode
/// does: each acts as the REPL setting of the same meaning.
#[derive(Clone, Debug, Default)]
pub(crate) struct Flags {
    /// `--trace`: `:trace on` from the start.
    pub trace: bool,
    /// `--tree`: the tree with node ids before each value.
    pub tree: bool,
    /// `--stats`: one line of figures on stderr after each evaluation.
    pub stats: bool,
    /// `--trace-json FILE`, `--trace-svg FILE`, `--trace-html FILE`: `:trace json|svg|html
    /// FILE` after each evaluation, so the files always hold the last schedule.
    pub trace_files: crate::present::TraceFiles,
    /// `--speedup[=MAX]`: each expression is run as `:speedup EXPR MAX` (and its value becomes
    /// `_`); assignments run once.
    pub speedup: Option<usize>,
    /// What runs before the first prompt, in order: the startup file, then (`-i`) the FILE
    /// and the `-e`s.
    pub first: Vec<First>,
    /// Most lines the history keeps (`history` in config.toml).
    pub history: Option<usize>,
}

/// The state a command can read and change: the session and the REPL's own settings.
#[derive(Debug)]
pub(crate) struct State {
    pub session: Session,
    pub color: Color,
    /// Show the schedule after every evaluation (`:trace on`).
    pub show_trace: bool,
    /// Draw the schedule of a long evaluation while it runs (`:trace live on`, the default).
    pub live: bool,
    /// Width of the terminal in columns.
    pub width: usize,
    /// Set by the Ctrl-C handler; cleared when a line is read.
    pub interrupt: CancelFlag,
    /// The command line's flags that apply to every evaluation.
    pub flags: Flags,
}

/// How work run through [`State::wait`] ended.
#[derive(Debug)]
pub(crate) enum Finished<T> {
    Done(T),
    /// Ctrl-C: what the work returned if it stopped in time (only its trace is still of use),
    /// `None` if it was abandoned.
    Cancelled(Option<T>),
}

impl State {
    /// Runs `work`, which uses the session's pool and cancel flag, on a thread of its own, so
    /// that Ctrl-C brings the prompt back at once (see `wait`). Work that does not stop in time
    /// is abandoned, and the session gets a fresh pool for the next evaluation.
    pub(crate) fn wait<T: Send + 'static>(
        &mut self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Finished<T>, CommandError> {
        self.wait_between(work, || {})
    }

    /// [`State::wait`], calling `between` every few milliseconds while the work runs (to draw
    /// the live schedule).
    pub(crate) fn wait_between<T: Send + 'static>(
        &mut self,
        work: impl FnOnce() -> T + Send + 'static,
        between: impl FnMut(),
    ) -> Result<Finished<T>, CommandError> {
        let cancel = self.session.options.cancel.clone();
        // No echo while the work runs: a line typed ahead waits for the next prompt.
        let quiet = super::quiet::Quiet::start();
        let waited = wait::run(&self.interrupt, &cancel, work, between);
        drop(quiet);
        match waited {
            Waited::Done(value) => Ok(Finished::Done(value)),
            Waited::Stopped(value) => Ok(Finished::Cancelled(Some(value))),
            Waited::Abandoned => {
                self.session
                    .abandon_evaluation()
                    .map_err(CommandError::Session)?;
                Ok(Finished::Cancelled(None))
            }
            Waited::NotStarted(reason) => Err(CommandError::NoThread(reason)),
        }
    }
}

/// The schedule view of `trace` as the REPL shows it: at the terminal's width, saying which
/// settings have changed since it ran, with `:delay` in hints.
pub(crate) fn schedule_text(state: &State, trace: &crate::trace::Trace) -> String {
    let options = &state.session.options;
    let view = render::View {
        width: state.width,
        color: state.color,
        current: Some(render::Settings {
            n_workers: state.session.n_workers(),
            delay: options.delay,
            grain: options.grain,
            policy: options.policy,
        }),
        delay_hint: ":delay",
    };
    render::schedule_view(trace, &view)
}
