//! The terminal while an evaluation runs: what is typed then is not echoed, and is kept.
//!
//! Between two prompts the line editor is not reading, and the terminal is in its ordinary
//! (cooked) mode: it would echo a line typed ahead where the cursor is, in the middle of the
//! live chart, which then erases one line too few at every frame and leaves a stale frame in
//! the scrollback; and it would echo Ctrl-C as a raw `^C`. [`Quiet`] turns the echo off for
//! the time of an evaluation and puts it back after, so the chart and `cancelled` are the only
//! things drawn. The line typed ahead stays in the terminal's buffer: the editor reads it at
//! the next prompt, where it is shown and run in turn.
//!
//! It also sets `NOFLSH`: Ctrl-C cancels the evaluation but does not discard the lines typed
//! ahead of it, which then run, each shown after its prompt. (Without it the terminal would
//! drop them silently.) This module does nothing when stdin is not a terminal, nor on a
//! system without termios.

/// The terminal's settings to put back when the evaluation ends; `None` when nothing was
/// changed.
#[derive(Debug)]
pub(crate) struct Quiet {
    #[cfg(unix)]
    saved: Option<rustix::termios::Termios>,
}

#[cfg(unix)]
impl Quiet {
    /// Turns the echo off (and flushing on an interrupt) until the value is dropped.
    pub(crate) fn start() -> Quiet {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        use std::io::IsTerminal;
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Quiet { saved: None };
        }
        let Ok(saved) = tcgetattr(&stdin) else {
            return Quiet { saved: None };
        };
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::NOFLSH);
        match tcsetattr(&stdin, OptionalActions::Now, &quiet) {
            Ok(()) => Quiet { saved: Some(saved) },
            Err(_) => Quiet { saved: None },
        }
    }
}

#[cfg(unix)]
impl Drop for Quiet {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = rustix::termios::tcsetattr(
                std::io::stdin(),
                rustix::termios::OptionalActions::Now,
                saved,
            );
        }
    }
}

#[cfg(not(unix))]
impl Quiet {
    /// Nothing to do without termios.
    pub(crate) fn start() -> Quiet {
        Quiet {}
    }
}
