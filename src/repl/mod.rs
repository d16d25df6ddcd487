//! The interactive REPL: read a line, evaluate it through the session, print, repeat.
//!
//! [`run`] owns the terminal: the rustyline editor (with the helper of [`helper`]), the history
//! file of [`history`], the Ctrl-C handler that cancels a running evaluation, and the printing of
//! values, errors and schedules. `:commands` live in [`command`]; arithmetic, parsing and drawing
//! are not done here but by the session and `render`.
//!
//! A statement with open parentheses continues on the next line after a `… ` prompt, as in
//! Python. A panic while one line is handled is caught and reported with the input that caused
//! it; the REPL goes on.

pub(crate) mod command;
pub(crate) mod display;
pub(crate) mod helper;
pub(crate) mod history;

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use rustyline::Editor;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use crate::error::{Error, ErrorKind};
use crate::render::{Color, diagnostic};
use crate::repl::command::{CommandError, Reply, State};
use crate::repl::helper::ReplHelper;
use crate::session::Session;
use crate::span::Span;
use crate::syntax::lex::{self, TokenKind};

/// The prompt of a new statement.
pub(crate) const PROMPT: &str = "» ";
/// The prompt of a statement's next line while parentheses are open.
pub(crate) const CONTINUATION: &str = "… ";
/// Width of both prompts, in columns.
pub(crate) const PROMPT_WIDTH: usize = 2;

/// Width assumed when the terminal does not tell its own.
const DEFAULT_WIDTH: usize = 80;

/// The message of the last panic, recorded by the REPL's panic hook instead of printed.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs the REPL on the terminal until `:quit` or Ctrl-D.
pub(crate) fn run(session: Session, color: Color) -> ExitCode {
    let mut editor = match new_editor(color) {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("error: cannot start the line editor: {error}");
            return ExitCode::from(1);
        }
    };
    let history = open_history(&mut editor);
    let cancel = session.options.cancel.clone();
    if let Err(error) = ctrlc::set_handler(move || cancel.cancel()) {
        eprintln!("warning: Ctrl-C will not cancel evaluations: {error}");
    }
    panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(info.to_string());
        }
    }));

    println!("{}", banner(session.n_workers()));
    let mut state = State {
        session,
        color,
        show_trace: false,
        width: DEFAULT_WIDTH,
    };
    let mut pending: Option<String> = None;
    loop {
        if let Some(helper) = editor.helper_mut() {
            helper.set_vars(state.session.vars());
            helper.preview = state.session.options.delay.is_zero();
        }
        let prompt = if pending.is_some() {
            CONTINUATION
        } else {
            PROMPT
        };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            // Ctrl-C while editing clears the line (and any statement being continued).
            Err(ReadlineError::Interrupted) => {
                pending = None;
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(error) => {
                eprintln!("error: cannot read the terminal: {error}");
                return ExitCode::from(1);
            }
        };
        let text = match pending.take() {
            Some(mut previous) => {
                previous.push('\n');
                previous.push_str(&line);
                previous
            }
            None => line,
        };
        if !is_command(&text) && lex::continues(&text) {
            pending = Some(text);
            continue;
        }
        remember(&mut editor, history.as_ref(), &text);
        state.width = editor
            .dimensions()
            .map_or(DEFAULT_WIDTH, |(width, _)| usize::from(width));
        let flow = panic::catch_unwind(AssertUnwindSafe(|| handle(&mut state, &text)));
        match flow {
            Ok(Reply::Quit) => break,
            Ok(Reply::Text(_)) => {}
            Err(_) => {
                let message = LAST_PANIC
                    .lock()
                    .ok()
                    .and_then(|mut last| last.take())
                    .unwrap_or_else(|| "a panic".to_string());
                eprintln!("internal error: {message}\n  while handling: {text:?}");
            }
        }
    }
    ExitCode::SUCCESS
}

fn new_editor(color: Color) -> rustyline::Result<Editor<ReplHelper, FileHistory>> {
    let config = Config::builder()
        .max_history_size(history::MAX_ENTRIES)?
        .history_ignore_dups(true)?
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .color_mode(if color.enabled() {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .build();
    let mut editor = Editor::with_config(config)?;
    editor.set_helper(Some(ReplHelper::new(color)));
    Ok(editor)
}

/// Finds and loads the history file; any problem is a warning and the REPL runs without it.
fn open_history(editor: &mut Editor<ReplHelper, FileHistory>) -> Option<PathBuf> {
    let path = match history::path() {
        Ok(path) => path,
        Err(message) => {
            eprintln!("warning: no history: {message}");
            return None;
        }
    };
    if path.exists()
        && let Err(error) = editor.load_history(&path)
    {
        eprintln!(
            "warning: cannot read the history {}: {error}",
            path.display()
        );
    }
    Some(path)
}

/// Adds a statement to the history and appends it to the file at once, so a crash loses
/// nothing. A statement typed on several lines is kept as one entry (see [`history_entry`]).
fn remember(editor: &mut Editor<ReplHelper, FileHistory>, path: Option<&PathBuf>, text: &str) {
    let entry = history_entry(text);
    if entry.trim().is_empty() {
        return;
    }
    if editor.add_history_entry(entry).is_err() {
        return;
    }
    if let Some(path) = path
        && let Err(error) = editor.append_history(path)
    {
        eprintln!(
            "warning: cannot write the history {}: {error}",
            path.display()
        );
    }
}

/// The history entry of a statement typed on several lines: its lines joined by spaces, so it
/// is recalled as one line, except after a line that ends in a comment, which keeps its
/// newline (a comment runs to the end of its line, so a space would comment out the rest).
pub(crate) fn history_entry(text: &str) -> String {
    let mut entry = String::with_capacity(text.len());
    let mut after_comment = false;
    for token in lex::tokens(text) {
        match token.kind {
            TokenKind::Newline if !after_comment => entry.push(' '),
            _ => entry.push_str(token.text(text)),
        }
        if token.kind != TokenKind::Blank {
            after_comment = token.kind == TokenKind::Comment;
        }
    }
    entry
}

/// The one line printed at start-up.
pub(crate) fn banner(n_workers: usize) -> String {
    format!(
        "parcalc {} · {} · :help lists the commands, Ctrl-D quits",
        env!("CARGO_PKG_VERSION"),
        command::plural(n_workers, "worker")
    )
}

fn is_command(text: &str) -> bool {
    text.trim_start().starts_with(':')
}

/// Handles one complete statement or command, printing what it produced.
fn handle(state: &mut State, text: &str) -> Reply {
    if is_command(text) {
        return match command::dispatch(state, text, PROMPT_WIDTH) {
            Ok(Reply::Text(output)) => {
                if !output.is_empty() {
                    println!("{output}");
                }
                Reply::Text(String::new())
            }
            Ok(Reply::Quit) => Reply::Quit,
            Err(error) => {
                eprintln!("{}", render_failure(&error, state.color));
                Reply::Text(String::new())
            }
        };
    }
    let evaluations_before = state.session.n_evaluations();
    match state.session.eval_line(text) {
        Ok(None) => {}
        Ok(Some(outcome)) => {
            let shown = display::abbreviate_value(&outcome.value);
            match &outcome.assigned {
                Some(name) => println!("{name} = {shown}"),
                None => println!("{shown}"),
            }
            if state.show_trace
                && let Some(trace) = state.session.last_trace()
            {
                println!("{}", command::schedule_text(state, trace));
            }
        }
        Err(Error {
            kind: ErrorKind::Cancelled,
            ..
        }) => {
            // The terminal has just echoed `^C`: start a line of our own.
            eprintln!("\ncancelled");
            show_failed_trace(state, evaluations_before);
        }
        Err(error) => {
            eprintln!("{}", render_error(&error, text, state.color));
            show_failed_trace(state, evaluations_before);
        }
    }
    Reply::Text(String::new())
}

/// With `:trace on`, the schedule of an evaluation that failed or was cancelled: which task
/// failed, which never ran. Nothing when the line failed before evaluating.
fn show_failed_trace(state: &State, evaluations_before: u64) {
    if state.show_trace
        && state.session.n_evaluations() != evaluations_before
        && let Some(trace) = state.session.last_trace()
    {
        println!("{}", command::schedule_text(state, trace));
    }
}

/// A command's error as the REPL prints it: an error in an expression argument with its caret
/// under the argument, `cancelled` on a line of its own (after the terminal's `^C`), anything
/// else after `error:`.
pub(crate) fn render_failure(error: &CommandError, color: Color) -> String {
    match error {
        CommandError::Expr {
            error,
            text,
            column,
        } => diagnostic::render_error_under_prompt(error, text, *column, color),
        CommandError::Cancelled => "\ncancelled".to_string(),
        other => diagnostic::headline(&other.to_string(), color),
    }
}

/// The error of the statement `text` with its caret under the text typed: under the last line
/// on screen when the error is in it, else under a quote of the line it is in.
pub(crate) fn render_error(error: &Error, text: &str, color: Color) -> String {
    let last_line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let start = error.span.start as usize;
    if start >= last_line_start {
        let shifted = Error::new(
            error.kind.clone(),
            Span::new(
                start - last_line_start,
                (error.span.end as usize).max(start) - last_line_start,
            ),
        );
        diagnostic::render_error_under_prompt(
            &shifted,
            &text[last_line_start..],
            PROMPT_WIDTH,
            color,
        )
    } else {
        diagnostic::render_error(error, text, color)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check_error(text: &str, span: (usize, usize), expected: &str) {
        let error = Error::new(ErrorKind::UnexpectedClose, Span::new(span.0, span.1));
        assert_eq!(render_error(&error, text, Color::Never), expected);
    }

    #[test]
    fn caret_under_the_text_typed() {
        check_error(
            "1 +* 2",
            (3, 4),
            "     ^\nerror: syntax error: unexpected ')'",
        );
        check_error(
            "(1 +\n* 5)",
            (5, 6),
            "  ^\nerror: syntax error: unexpected ')'",
        );
        check_error(
            "(1 +) *\n(5)",
            (4, 5),
            "error: syntax error: unexpected ')'\n  (1 +) *\n      ^",
        );
    }

    #[test]
    fn history_entries_are_one_line_unless_a_comment_ends_one() {
        assert_eq!(history_entry("(1 + 2\n) * 5"), "(1 + 2 ) * 5");
        assert_eq!(history_entry("(1 + # one\n 2)"), "(1 + # one\n 2)");
        assert_eq!(history_entry("(1 + # one  \n\n 2)"), "(1 + # one  \n  2)");
    }

    #[test]
    fn banner_is_one_line() {
        let banner = banner(4);
        assert!(banner.contains("4 workers"), "{banner}");
        assert!(banner.contains(":help"), "{banner}");
        assert!(!banner.contains('\n'));
    }
}
