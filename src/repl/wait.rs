//! Waiting for an evaluation with the ability to give up on it, so that Ctrl-C always brings
//! the prompt back at once.
//!
//! [`run`] hands the work to a thread of its own and waits for its result in slices of
//! [`POLL`], looking between slices at the interrupt flag the Ctrl-C handler sets and calling
//! the caller's `between` (the REPL draws the live schedule there). On Ctrl-C it sets the
//! evaluation's cancel flag, which stops an evaluation at its next check (between
//! nodes, and between the slices of a delay), and gives the work [`GRACE`] to come back. A
//! single big-integer operation cannot be interrupted (one multiplication inside
//! `factorial(3000000)` takes seconds), so work still running after the grace period is
//! abandoned: its thread goes on until that operation ends, then sends its result to nobody
//! and frees what it held. The caller never sees an abandoned result; it is the caller's job to
//! retire the pool the work was using (`Session::abandon_evaluation`).
//!
//! This module knows nothing of what is evaluated or printed.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::engine::CancelFlag;

/// How often the waiting thread looks at the interrupt flag.
const POLL: Duration = Duration::from_millis(10);

/// How long cancelled work may take to stop by itself before it is abandoned. With [`POLL`]
/// and a fresh pool to start, the prompt is back within about 130 ms of the Ctrl-C.
const GRACE: Duration = Duration::from_millis(100);

/// How a wait ended.
#[derive(Debug)]
pub(crate) enum Waited<T> {
    /// The work finished and nobody pressed Ctrl-C.
    Done(T),
    /// Ctrl-C was pressed and the work stopped within the grace period; this is what it
    /// returned (a cancellation error, or a result finished just too late to be wanted).
    Stopped(T),
    /// Ctrl-C was pressed and the work did not stop in time: it runs on, unseen.
    Abandoned,
    /// No thread could be started for the work, for this reason.
    NotStarted(String),
}

/// Runs `work` on a thread of its own and waits for it, until it ends or Ctrl-C is pressed
/// (`interrupt` is set); then it sets `cancel` and waits [`GRACE`] more at most. `between` is
/// called on the waiting thread every [`POLL`] while the work runs; it should take no longer
/// than a few milliseconds, as Ctrl-C is looked at only between its calls.
///
/// # Panic handling
///
/// A panic in `work` is resumed on the calling thread, as if `work` had run there.
pub(crate) fn run<T: Send + 'static>(
    interrupt: &CancelFlag,
    cancel: &CancelFlag,
    work: impl FnOnce() -> T + Send + 'static,
    mut between: impl FnMut(),
) -> Waited<T> {
    // Room for the one result, so that an abandoned thread's send never blocks.
    let (sender, receiver) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name("parcalc-eval".to_string())
        .spawn(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(work));
            // Fails when the wait was given up: the result is dropped here, on this thread.
            let _ = sender.send(outcome);
        });
    if let Err(error) = spawned {
        return Waited::NotStarted(error.to_string());
    }
    let mut deadline: Option<Instant> = None;
    loop {
        match receiver.recv_timeout(POLL) {
            Ok(Ok(value)) if deadline.is_some() => return Waited::Stopped(value),
            Ok(Ok(value)) => return Waited::Done(value),
            Ok(Err(payload)) => panic::resume_unwind(payload),
            // The thread always sends before it ends; without a result it was killed.
            Err(RecvTimeoutError::Disconnected) => return Waited::Abandoned,
            Err(RecvTimeoutError::Timeout) => between(),
        }
        match deadline {
            None if interrupt.is_cancelled() => {
                cancel.cancel();
                deadline = Some(Instant::now() + GRACE);
            }
            Some(deadline) if Instant::now() >= deadline => return Waited::Abandoned,
            _ => {}
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn work_that_ends_is_done() {
        let interrupt = CancelFlag::default();
        let cancel = CancelFlag::default();
        assert!(matches!(
            run(&interrupt, &cancel, || 6 * 7, || {}),
            Waited::Done(42)
        ));
        assert!(!cancel.is_cancelled());
    }

    #[test]
    fn work_that_heeds_the_cancel_flag_is_stopped() {
        let interrupt = CancelFlag::default();
        let cancel = CancelFlag::default();
        interrupt.cancel();
        let flag = cancel.clone();
        let waited = run(
            &interrupt,
            &cancel,
            move || {
                while !flag.is_cancelled() {
                    thread::sleep(Duration::from_millis(1));
                }
                "stopped"
            },
            || {},
        );
        assert!(matches!(waited, Waited::Stopped("stopped")), "{waited:?}");
    }

    #[test]
    fn work_that_ignores_the_cancel_flag_is_abandoned() {
        let interrupt = CancelFlag::default();
        let cancel = CancelFlag::default();
        interrupt.cancel();
        // The work waits for a message that is sent only once the wait has given up on it.
        let (release, released) = mpsc::channel::<()>();
        let (ended, has_ended) = mpsc::channel();
        let waited = run(
            &interrupt,
            &cancel,
            move || {
                let _ = released.recv();
                let _ = ended.send(());
            },
            || {},
        );
        assert!(matches!(waited, Waited::Abandoned), "{waited:?}");
        assert!(cancel.is_cancelled());
        // The abandoned work then ends on its own.
        release.send(()).unwrap();
        assert_eq!(has_ended.recv_timeout(Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn between_is_called_while_the_work_runs() {
        let interrupt = CancelFlag::default();
        let cancel = CancelFlag::default();
        let (release, released) = mpsc::channel::<()>();
        let mut calls = 0;
        let waited = run(
            &interrupt,
            &cancel,
            move || released.recv().is_ok(),
            || {
                calls += 1;
                // The work ends only once `between` has been called.
                let _ = release.send(());
            },
        );
        assert!(matches!(waited, Waited::Done(true)), "{waited:?}");
        assert!(calls >= 1);
    }

    #[test]
    fn a_panic_reaches_the_caller() {
        let interrupt = CancelFlag::default();
        let cancel = CancelFlag::default();
        let caught =
            panic::catch_unwind(|| run(&interrupt, &cancel, || -> u32 { panic!("boom") }, || {}));
        let payload = caught.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    }
}
