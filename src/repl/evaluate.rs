//! A statement evaluated at the prompt, and what it prints: its value (abbreviated), its error
//! with the caret that fits the screen, or `cancelled`; then what `:trace on` and the command
//! line's flags ask for (the tree, the figures, the schedule, the trace files, the speedup
//! table). A paste is evaluated here as one program.

use std::sync::atomic::Ordering;

use crate::error::{Error, ErrorKind};
use crate::render;
use crate::repl::caret::{Screen, render_error, render_failure};
use crate::repl::display;
use crate::repl::error::CommandError;
use crate::repl::live::Live;
use crate::repl::speedup;
use crate::repl::state::{Finished, State, schedule_text};
use crate::session::Prepared;

/// Evaluates the statements of a paste as one program (see `Session::eval_program`) and prints
/// each value or error in order, then, with `:trace on`, the program's schedule; `:trace` shows
/// it afterwards. Ctrl-C stops the program's tasks at their next check: the handler's flag is
/// the program's cancel flag while it runs. (Unlike a single statement, a program is not
/// given up on while one long operation runs: the prompt comes back when it ends.)
pub(crate) fn evaluate_program(state: &mut State, statements: &[String]) {
    let texts: Vec<&str> = statements.iter().map(String::as_str).collect();
    let evaluations_before = state.session.n_evaluations();
    let cancel = std::mem::replace(&mut state.session.options.cancel, state.interrupt.clone());
    let results = state.session.eval_program(&texts);
    state.session.options.cancel = cancel;
    for (text, result) in texts.iter().zip(results) {
        match result {
            Ok(Some(outcome)) => {
                let shown = display::abbreviate_value(&outcome.value);
                print_outcome(outcome.assigned.as_deref(), &shown);
            }
            Ok(None) => {}
            Err(Error {
                kind: ErrorKind::Cancelled,
                ..
            }) => report_cancelled(state),
            // The statements of a paste are not each just above: each error quotes its line.
            Err(error) => report_error(state, &error, text, false),
        }
    }
    if state.session.n_evaluations() != evaluations_before {
        if state.show_trace
            && let Some(trace) = state.session.last_trace()
        {
            println!("{}", schedule_text(state, trace));
        }
        write_trace_files(state);
    }
}

/// The screen an error is drawn on: the terminal's width, and whether the text it is about
/// is the line just above, as typed.
pub(crate) fn screen(state: &State, typed_above: bool) -> Screen {
    Screen {
        width: state.width,
        typed_above,
    }
}

/// Evaluates the statement `text` on a thread the loop waits on, and prints its value (with
/// what the flags of the command line ask for) or its error. Ctrl-C prints `cancelled`, and
/// the value of an evaluation given up on is never printed.
pub(crate) fn evaluate(state: &mut State, text: &str, typed_above: bool) {
    let evaluations_before = state.session.n_evaluations();
    let mut prepared = match state.session.prepare(text) {
        Ok(Some(prepared)) => prepared,
        Ok(None) => return,
        Err(error) => {
            return report_error(state, &error, text, typed_above);
        }
    };
    // The tree is drawn under the line typed: an error is then quoted with its line.
    let typed_above = typed_above && !state.flags.tree;
    if state.flags.tree {
        print!(
            "{}",
            render::tree(prepared.ast(), text, state.width, state.color)
        );
    }
    if let Some(max_workers) = state.flags.speedup
        && !prepared.is_assignment()
    {
        evaluate_speedup(state, prepared, max_workers, text, typed_above);
        return;
    }
    let mut live = Live::start(state);
    if let Some(live) = &live {
        prepared.watch(live.watch());
    }
    let cancel = prepared.cancel_flag().clone();
    let printing = live.as_ref().map(Live::printing);
    let drawing = || {
        if let Some(live) = live.as_mut() {
            live.tick();
        }
    };
    let waited = state.wait_between(
        move || {
            let ran = prepared.run();
            if let (Some(printing), Some(value)) = (printing, ran.value()) {
                // Relaxed: the number is only shown.
                printing.store(display::digits_about(value), Ordering::Relaxed);
            }
            // Not wanted once cancelled; skipping it lets an abandoned evaluation end sooner.
            let shown = if cancel.is_cancelled() {
                None
            } else {
                ran.value().map(display::abbreviate_value)
            };
            (ran, shown)
        },
        drawing,
    );
    let (ran, shown) = match waited {
        Ok(Finished::Done(done)) => done,
        Ok(Finished::Cancelled(stopped)) => {
            // A cancelled evaluation's trace still shows what ran; its value is not wanted.
            if let Some((ran, _)) = stopped {
                state.session.keep_trace(ran);
            }
            finish_live(state, live, evaluations_before);
            report_cancelled(state);
            show_failed_trace(state, evaluations_before);
            return;
        }
        Err(error) => {
            finish_live(state, live, evaluations_before);
            eprintln!(
                "{}",
                render_failure(&error, state.color, screen(state, false))
            );
            return;
        }
    };
    let finished = state.session.finish(ran);
    // After a live chart, the line typed is no longer just above.
    let typed_above = !finish_live(state, live, evaluations_before) && typed_above;
    match finished {
        Ok(outcome) => {
            let shown = shown.unwrap_or_else(|| display::abbreviate_value(&outcome.value));
            print_outcome(outcome.assigned.as_deref(), &shown);
            if state.show_trace
                && let Some(trace) = state.session.last_trace()
            {
                println!("{}", schedule_text(state, trace));
            }
            if state.flags.stats {
                eprintln!("{}", outcome.stats);
            }
            write_trace_files(state);
        }
        Err(Error {
            kind: ErrorKind::Cancelled,
            ..
        }) => {
            report_cancelled(state);
            show_failed_trace(state, evaluations_before);
        }
        Err(error) => {
            report_error(state, &error, text, typed_above);
            show_failed_trace(state, evaluations_before);
        }
    }
}

/// Prints the error of `text`, its caret under the token it names.
pub(crate) fn report_error(state: &State, error: &Error, text: &str, typed_above: bool) {
    let screen = screen(state, typed_above);
    eprintln!("{}", render_error(error, text, state.color, screen));
}

/// `cancelled`, on a line of its own.
fn report_cancelled(state: &State) {
    let screen = screen(state, false);
    eprintln!(
        "{}",
        render_failure(&CommandError::Cancelled, state.color, screen)
    );
}

/// `--speedup`: the expression `prepared` (whose text is `text`) on 1 to `max_workers`
/// workers, and its speedup table.
fn evaluate_speedup(
    state: &mut State,
    prepared: Prepared,
    max_workers: usize,
    text: &str,
    typed_above: bool,
) {
    let screen = |state: &State| screen(state, typed_above);
    match speedup::run_speedup(state, prepared, max_workers) {
        Ok((value, traces)) => {
            state.session.bind_last(value.clone());
            println!("{}", speedup::speedup_report(state, &value, &traces));
            write_trace_files(state);
        }
        Err(speedup::SpeedupError::Eval(error)) => {
            eprintln!("{}", render_error(&error, text, state.color, screen(state)));
        }
        Err(speedup::SpeedupError::Command(error)) => {
            eprintln!("{}", render_failure(&error, state.color, screen(state)));
        }
    }
}

/// Ends the live schedule, if one was drawn: the final chart of the evaluation takes the place
/// of the last frame, unless the whole schedule view follows (`:trace on`) or the evaluation
/// left no trace (it was given up on).
/// Returns whether anything was drawn.
fn finish_live(state: &State, live: Option<Live>, evaluations_before: u64) -> bool {
    let Some(live) = live else {
        return false;
    };
    let last = state
        .session
        .last_trace()
        .filter(|_| !state.show_trace && state.session.n_evaluations() != evaluations_before);
    live.finish(last)
}

/// `--trace-json FILE`, `--trace-svg FILE` and `--trace-html FILE`: the last schedule, written
/// after every evaluation.
fn write_trace_files(state: &State) {
    let Some(trace) = state.session.last_trace() else {
        return;
    };
    for error in state.flags.trace_files.write(trace) {
        let error = CommandError::Write {
            path: error.path,
            source: error.source,
        };
        eprintln!(
            "{}",
            render_failure(&error, state.color, screen(state, false))
        );
    }
}

/// With `:trace on`, the schedule of an evaluation that failed or was cancelled: which task
/// failed, which never ran. Nothing when the line failed before evaluating.
fn show_failed_trace(state: &State, evaluations_before: u64) {
    if state.show_trace
        && state.session.n_evaluations() != evaluations_before
        && let Some(trace) = state.session.last_trace()
    {
        println!("{}", schedule_text(state, trace));
    }
}

/// Prints a value as the REPL shows it, `name = value` for an assignment, and after assigning
/// a name another calculator takes for a setting (`scale`), the note saying what to do here.
fn print_outcome(assigned: Option<&str>, shown: &str) {
    match assigned {
        Some(name) => {
            println!("{name} = {shown}");
            if let Some(note) = crate::render::habits::note(name) {
                eprintln!("{note}");
            }
        }
        None => println!("{shown}"),
    }
}
