//! The interactive REPL: read a line, evaluate it through the session, print, repeat.
//!
//! [`run`] owns the terminal: the rustyline editor (with the helper of [`helper`]), the history
//! file of [`history`], the Ctrl-C handler that cancels a running evaluation, and the printing of
//! values, errors and schedules. `:commands` live in [`command`]; arithmetic, parsing and drawing
//! are not done here but by the session and `render`.
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
pub(crate) mod helper;
pub(crate) mod history;
pub(crate) mod live;
pub(crate) mod quiet;
pub(crate) mod sessions;
pub(crate) mod speedup;
pub(crate) mod topics;

pub(crate) use sessions::First;
pub(crate) mod wait;

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustyline::Editor;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use crate::engine::CancelFlag;
use crate::error::{Error, ErrorKind};
use crate::render::{self, Color, diagnostic};
use crate::repl::caret::{Screen, render_error, render_failure};
use crate::repl::command::{CommandError, Finished, Reply, State, TraceFormat};
use crate::repl::helper::ReplHelper;
use crate::repl::live::Live;
use crate::session::{Prepared, Session};
use crate::syntax::continuation::{Continuation, continuation};
use crate::syntax::lex::{self, TokenKind};

/// The prompt of a new statement.
pub(crate) const PROMPT: &str = "» ";
/// The prompt of a statement's next line while parentheses are open.
pub(crate) const CONTINUATION: &str = "… ";
/// Width of both prompts, in columns.
pub(crate) const PROMPT_WIDTH: usize = 2;

/// Width assumed when the terminal does not tell its own.
const DEFAULT_WIDTH: usize = 80;

/// A signal that comes after the prompt has waited this long is not a Ctrl-C typed at the
/// terminal (the line editor, once it reads, takes Ctrl-C as a key), so it ends the REPL.
const OUTSIDE_SIGNAL_MS: u64 = 100;

/// Since when the line editor has waited at the prompt, for the signal handler.
struct PromptClock {
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
    fn waits(&self, waiting: bool) {
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
fn on_interrupt(interrupt: &CancelFlag) -> PromptClock {
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

/// The message of the last panic, recorded by the REPL's panic hook instead of printed.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

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
    /// `--trace-json FILE`: `:trace json FILE` after each evaluation, so the file always holds
    /// the last schedule.
    pub trace_json: Option<PathBuf>,
    /// `--trace-svg FILE`: `:trace svg FILE` after each evaluation.
    pub trace_svg: Option<PathBuf>,
    /// `--trace-html FILE`: `:trace html FILE` after each evaluation.
    pub trace_html: Option<PathBuf>,
    /// `--speedup[=MAX]`: each expression is run as `:speedup EXPR MAX` (and its value becomes
    /// `_`); assignments run once.
    pub speedup: Option<usize>,
    /// What runs before the first prompt, in order: the startup file, then (`-i`) the FILE
    /// and the `-e`s.
    pub first: Vec<First>,
    /// Most lines the history keeps (`history` in config.toml).
    pub history: Option<usize>,
}

/// Runs the REPL on the terminal until `:quit` or Ctrl-D.
pub(crate) fn run(session: Session, color: Color, flags: Flags) -> ExitCode {
    let mut editor = match new_editor(color, flags.history) {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("error: cannot start the line editor: {error}");
            return ExitCode::from(1);
        }
    };
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
                    diagnostic::headline(
                        "invalid UTF-8: the terminal sent a byte that is not part of a \
                         character, and the line was dropped",
                        color
                    )
                );
                continue;
            }
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
    ExitCode::SUCCESS
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

/// Evaluates the statements of a paste as one program (see `Session::eval_program`) and prints
/// each value or error in order, then, with `:trace on`, the program's schedule; `:trace` shows
/// it afterwards. Ctrl-C stops the program's tasks at their next check: the handler's flag is
/// the program's cancel flag while it runs. (Unlike a single statement, a program is not
/// given up on while one long operation runs: the prompt comes back when it ends.)
fn evaluate_program(state: &mut State, statements: &[String]) {
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
            println!("{}", command::schedule_text(state, trace));
        }
        write_trace_files(state);
    }
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

/// Finds and loads the history file; any problem is a warning and the REPL runs without it.
fn open_history(editor: &mut Editor<ReplHelper, FileHistory>) -> Option<PathBuf> {
    let path = match history::path() {
        Ok(path) => path,
        Err(message) => {
            eprintln!("warning: no history: {message}");
            return None;
        }
    };
    if path.exists() {
        match history::load(editor, &path) {
            Ok(0) => {}
            Ok(dropped) => eprintln!(
                "warning: the history {} had lines that were not UTF-8: {dropped} dropped",
                path.display()
            ),
            Err(message) => eprintln!("warning: {message}"),
        }
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
        && let Err(message) = history::append(editor, path)
    {
        eprintln!("warning: {message}");
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

/// The screen an error is drawn on: the terminal's width, and whether the text it is about
/// is the line just above, as typed.
fn screen(state: &State, typed_above: bool) -> Screen {
    Screen {
        width: state.width,
        typed_above,
    }
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

/// Evaluates the statement `text` on a thread the loop waits on, and prints its value (with
/// what the flags of the command line ask for) or its error. Ctrl-C prints `cancelled`, and
/// the value of an evaluation given up on is never printed.
fn evaluate(state: &mut State, text: &str, typed_above: bool) {
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
                println!("{}", command::schedule_text(state, trace));
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
fn report_error(state: &State, error: &Error, text: &str, typed_above: bool) {
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
    let files = [
        (&state.flags.trace_json, TraceFormat::Json),
        (&state.flags.trace_svg, TraceFormat::Svg),
        (&state.flags.trace_html, TraceFormat::Html),
    ];
    for (path, format) in files {
        if let Some(path) = path
            && let Err(error) = command::write_trace(trace, format, path)
        {
            eprintln!(
                "{}",
                render_failure(&error, state.color, screen(state, false))
            );
        }
    }
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

/// Records the message of a panic in [`LAST_PANIC`] instead of printing it over the prompt.
fn record_panics() {
    panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(info.to_string());
        }
    }));
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

#[cfg(test)]
mod test {
    use super::*;

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
