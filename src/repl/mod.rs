//! The interactive REPL: read a line, evaluate it through the session, print, repeat.
//!
//! [`run`] is the loop. It owns the terminal: the rustyline editor (with the helper of
//! [`helper`]) and the history file of [`history`]. It hands a `:command` to [`command`] and a
//! statement to [`evaluate`](mod@evaluate), which prints what it produced; the REPL's
//! [`state`], the prompts and the Ctrl-C handler ([`prompt`]) are rooms of their own.
//! Arithmetic, parsing and drawing are not done here but by the session and `render`.
//!
//! A statement with open parentheses continues on the next line after a `… ` prompt, as in
//! Python, unless it already has an error of its own (`(1 $`), which is reported at once.
//! `quit`, `exit` and `help` (also `quit()`, …) are the commands they name unless a variable
//! has that name. Every evaluation runs on a thread the loop waits on (`wait`), so Ctrl-C
//! brings the prompt back at once even inside one long big-integer operation. A panic while
//! one line is handled is caught and reported with the input that caused it; the REPL goes on.

pub(crate) mod caret;
pub(crate) mod command;
pub(crate) mod display;
pub(crate) mod error;
pub(crate) mod evaluate;
pub(crate) mod files;
pub(crate) mod helper;
pub(crate) mod history;
pub(crate) mod live;
pub(crate) mod prompt;
pub(crate) mod quiet;
pub(crate) mod sessions;
pub(crate) mod speedup;
pub(crate) mod state;
pub(crate) mod topics;
pub(crate) mod wait;

pub(crate) use sessions::First;
pub(crate) use state::Flags;

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Mutex;

use rustyline::Editor;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use crate::engine::CancelFlag;
use crate::render::{Color, diagnostic};
use crate::repl::caret::render_failure;
use crate::repl::command::Reply;
use crate::repl::evaluate::{evaluate, evaluate_program, report_error, screen};
use crate::repl::helper::ReplHelper;
use crate::repl::history::{open_history, remember};
use crate::repl::prompt::{CONTINUATION, PROMPT, PROMPT_WIDTH, on_interrupt};
use crate::repl::state::State;
use crate::session::Session;
use crate::syntax::continuation::{Continuation, continuation};
use crate::syntax::lex::{self, TokenKind};

/// Width assumed when the terminal does not tell its own.
const DEFAULT_WIDTH: usize = 80;

/// The message of the last panic, recorded by the REPL's panic hook instead of printed.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Why the REPL could not go on: the terminal failed it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error("cannot start the line editor: {0}")]
    Editor(ReadlineError),
    #[error("cannot read the terminal: {0}")]
    Terminal(ReadlineError),
}

/// Runs the REPL on the terminal until `:quit` or Ctrl-D. Returns the session, for what the
/// caller reports at the end.
pub(crate) fn run(session: Session, color: Color, flags: Flags) -> Result<Session, Failure> {
    let mut editor = new_editor(color, flags.history).map_err(Failure::Editor)?;
    let history = open_history(&mut editor);
    let interrupt = CancelFlag::default();
    let prompt = on_interrupt(&interrupt);
    record_panics();
    println!("{}", banner(session.n_workers()));
    let mut state = State {
        session,
        color,
        show_trace: flags.trace,
        live: true,
        width: DEFAULT_WIDTH,
        interrupt,
        flags,
    };
    let first = std::mem::take(&mut state.flags.first);
    sessions::run_first(&mut state.session, &state.interrupt, &first, state.color);
    let mut pending: Option<String> = None;
    loop {
        if let Some(helper) = editor.helper_mut() {
            helper.set_vars(state.session.vars());
            helper.preview = state.session.options.delay.is_zero();
        }
        let prompt_text = if pending.is_some() {
            CONTINUATION
        } else {
            PROMPT
        };
        prompt.waits(true);
        let line = editor.readline(prompt_text);
        prompt.waits(false);
        let line = match line {
            Ok(line) => line,
            // Ctrl-C while editing clears the line (and any statement being continued).
            Err(ReadlineError::Interrupted) => {
                pending = None;
                continue;
            }
            Err(ReadlineError::Eof) => break,
            // A byte that is not UTF-8 (a terminal not set to UTF-8): the line is lost, the
            // REPL is not.
            Err(ReadlineError::Io(error)) if error.kind() == std::io::ErrorKind::InvalidData => {
                pending = None;
                eprintln!(
                    "{}",
                    diagnostic::headline_within(
                        "invalid UTF-8: the terminal sent a byte that is not part of a \
                         character, and the line was dropped",
                        terminal_width(&mut editor),
                        color
                    )
                );
                continue;
            }
            Err(error) => return Err(Failure::Terminal(error)),
        };
        let text = match pending.take() {
            Some(mut previous) => {
                previous.push('\n');
                previous.push_str(&line);
                previous
            }
            None => line,
        };
        let typed = typed(&state.session, &text);
        if typed == Continuation::Continues {
            pending = Some(text);
            continue;
        }
        // A paste, or lines typed ahead while an evaluation ran: each statement is a history
        // entry of its own and is evaluated in turn.
        let statements = pasted_statements(&text);
        if statements.len() > 1 {
            if run_pasted(&mut state, &mut editor, history.as_ref(), &statements) {
                break;
            }
            continue;
        }
        remember(&mut editor, history.as_ref(), &text);
        state.width = terminal_width(&mut editor);
        if let Continuation::Failed(error) = typed {
            report_error(&state, &error, &text, true);
            continue;
        }
        // A Ctrl-C pressed before this line was read is not meant for it.
        state.interrupt.reset();
        let flow = panic::catch_unwind(AssertUnwindSafe(|| handle(&mut state, &text, true)));
        match flow {
            Ok(Reply::Quit) => break,
            Ok(Reply::Text(_)) => {}
            Err(_) => report_panic(&text),
        }
    }
    Ok(state.session)
}

/// Remembers and handles each statement of a paste, in order; `true` when one of them quits.
fn run_pasted(
    state: &mut State,
    editor: &mut Editor<ReplHelper, FileHistory>,
    history: Option<&PathBuf>,
    statements: &[String],
) -> bool {
    for statement in statements {
        remember(editor, history, statement);
    }
    let flags = &state.flags;
    let plain = !flags.tree && !flags.stats && flags.speedup.is_none();
    if plain
        && !statements
            .iter()
            .any(|text| is_command(word_command(&state.session, text).unwrap_or(text)))
    {
        evaluate_program(state, statements);
        return false;
    }
    statements.iter().any(|statement| {
        state.width = terminal_width(editor);
        state.interrupt.reset();
        match panic::catch_unwind(AssertUnwindSafe(|| handle(state, statement, false))) {
            Ok(Reply::Quit) => true,
            Ok(Reply::Text(_)) => false,
            Err(_) => {
                report_panic(statement);
                false
            }
        }
    })
}

/// The statements of a text of several lines, cut as a FILE's are (a line with a `(` open
/// continues on the next); blank lines are left out. One statement (or none) when the text is
/// a single statement.
fn pasted_statements(text: &str) -> Vec<String> {
    if !text.contains('\n') && crate::syntax::split_statements(text).len() < 2 {
        return Vec::new();
    }
    crate::input::statements(text.as_bytes())
        .into_iter()
        .filter_map(|piece| piece.text.ok())
        .flat_map(crate::syntax::split_statements)
        .map(|(_, statement)| statement)
        .filter(|statement| !statement.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Reports the panic caught while `text` was handled, with the message the hook recorded.
fn report_panic(text: &str) {
    let message = LAST_PANIC
        .lock()
        .ok()
        .and_then(|mut last| last.take())
        .unwrap_or_else(|| "a panic".to_string());
    eprintln!("internal error: {message}\n  while handling: {text:?}");
}

fn new_editor(
    color: Color,
    history_size: Option<usize>,
) -> rustyline::Result<Editor<ReplHelper, FileHistory>> {
    let config = Config::builder()
        .max_history_size(history_size.unwrap_or(history::MAX_ENTRIES))?
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

/// The one line printed at start-up.
pub(crate) fn banner(n_workers: usize) -> String {
    format!(
        "parcalc {} · {} · :help lists the commands, Ctrl-D quits",
        env!("CARGO_PKG_VERSION"),
        crate::units::plural(n_workers, "worker")
    )
}

fn is_command(text: &str) -> bool {
    text.trim_start().starts_with(':')
}

/// Whether the statement (or command) typed so far, `text`, is complete, continues on the next
/// line, or has an error to report at once: `syntax::continuation`'s rule, on the session's
/// pool (where a long text is parsed in chunks). A command is always complete, and so is a
/// text over the input limit, which evaluating it reports.
fn typed(session: &Session, text: &str) -> Continuation {
    if is_command(text) || text.len() > session.max_input_bytes {
        return Continuation::Complete;
    }
    session.pool().install(|| continuation(text))
}

/// The command that `quit`, `exit` or `help` typed as a statement names, alone or called with
/// no argument (`quit()`, as in Python), unless a variable has that name.
fn word_command(session: &Session, text: &str) -> Option<&'static str> {
    let tokens: Vec<lex::Token> = lex::tokens(text)
        .filter(|token| token.kind.is_significant())
        .collect();
    let name = match tokens.as_slice() {
        [name] if name.kind == TokenKind::Name => name.text(text),
        [name, open, close]
            if name.kind == TokenKind::Name
                && open.kind == TokenKind::Open
                && close.kind == TokenKind::Close =>
        {
            name.text(text)
        }
        _ => return None,
    };
    let command = match name {
        "quit" | "exit" => ":quit",
        "help" => ":help",
        _ => return None,
    };
    session.var(name).is_none().then_some(command)
}

/// The terminal's width in columns, as the line editor knows it.
fn terminal_width(editor: &mut Editor<ReplHelper, FileHistory>) -> usize {
    editor
        .dimensions()
        .map_or(DEFAULT_WIDTH, |(width, _)| usize::from(width))
}

/// Handles one complete statement or command, printing what it produced; `typed_above` when
/// the text is the line just typed (not one of a paste).
fn handle(state: &mut State, text: &str, typed_above: bool) -> Reply {
    let command = word_command(&state.session, text).unwrap_or(text);
    if is_command(command) {
        return match command::dispatch(state, command, PROMPT_WIDTH) {
            Ok(Reply::Text(output)) => {
                if !output.is_empty() {
                    println!("{output}");
                }
                Reply::Text(String::new())
            }
            Ok(Reply::Quit) => Reply::Quit,
            Err(error) => {
                let screen = screen(state, typed_above);
                eprintln!("{}", render_failure(&error, state.color, screen));
                Reply::Text(String::new())
            }
        };
    }
    evaluate(state, text, typed_above);
    Reply::Text(String::new())
}

/// Records the message of a panic in [`LAST_PANIC`] instead of printing it over the prompt.
fn record_panics() {
    panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(info.to_string());
        }
    }));
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn banner_is_one_line() {
        let banner = banner(4);
        assert!(banner.contains("4 workers"), "{banner}");
        assert!(banner.contains(":help"), "{banner}");
        assert!(!banner.contains('\n'));
    }
}
