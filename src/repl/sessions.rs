//! The session as a whole, and files: what `:load FILE` runs (a file as a program in the
//! session, so that its variables stay, as `python -i FILE` and numbat's `use`), what `:save
//! FILE` writes (the variables, as a file `:load` reads back), what `:clear` forgets, and what
//! `parcalc -i` runs before the first prompt. The commands themselves are in `command`, which
//! calls these; this module knows nothing of commands.
//!
//! A loaded file runs as batch mode runs a FILE: one program, its values printed in order (as
//! the prompt shows values: abbreviated past 10,000 digits), each error named by its line
//! (`calc.txt:3: error: …`). Its values and errors are printed as the
//! run ends, in order, each on its stream (stdout, stderr).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::engine::CancelFlag;
use crate::input;
use crate::render::{Color, diagnostic};
use crate::repl::display::abbreviate_value;
use crate::session::Session;

/// What a file's statement printed: a value (stdout) or an error (stderr).
pub(crate) enum Printed {
    Value(String),
    Error(String),
}

/// Prints what a file's statements printed, in their order, each on its stream.
pub(crate) fn show(printed: &[Printed]) {
    for line in printed {
        match line {
            Printed::Value(text) => println!("{text}"),
            Printed::Error(text) => eprintln!("{text}"),
        }
    }
}

/// Runs the file at `path` in `session` as one program, `interrupt` (the REPL's Ctrl-C flag)
/// standing for the session's cancel flag while it runs, as for a paste.
pub(crate) fn load(
    session: &mut Session,
    interrupt: &CancelFlag,
    path: &Path,
    color: Color,
) -> std::io::Result<Vec<Printed>> {
    let bytes = std::fs::read(path)?;
    let name = path.display().to_string();
    let cancel = std::mem::replace(&mut session.options.cancel, interrupt.clone());
    let printed = run_file(session, &|line| format!("{name}:{line}"), &bytes, color);
    session.options.cancel = cancel;
    Ok(printed)
}

/// Runs the statements of `bytes` in `session` as one program: the values of its expression
/// statements and its errors, in order, each error prefixed by where it is (`origin` gives it
/// for a line number: `calc.txt:3`).
pub(crate) fn run_file(
    session: &mut Session,
    origin: &dyn Fn(usize) -> String,
    bytes: &[u8],
    color: Color,
) -> Vec<Printed> {
    let pieces = input::statements(bytes);
    let mut printed = Vec::new();
    let mut texts: Vec<(usize, &str)> = Vec::new();
    // A statement that is not UTF-8 is an error in its place; the others run as one program.
    let mut unreadable = Vec::new();
    for piece in &pieces {
        match &piece.text {
            // Statements separated by `;` are several, each from the line it starts on.
            Ok(text) => texts.extend(crate::syntax::split_statements(text).into_iter().map(
                |(offset, statement)| {
                    (
                        piece.line_no + text[..offset].matches('\n').count(),
                        statement,
                    )
                },
            )),
            Err(not_utf8) => {
                let rendered = diagnostic::render_error(&not_utf8.error, &not_utf8.text, color);
                unreadable.push((
                    piece.line_no,
                    format!("{}: {rendered}", origin(piece.line_no)),
                ));
            }
        }
    }
    let results = session.eval_program(&texts.iter().map(|(_, text)| *text).collect::<Vec<_>>());
    let mut unreadable = unreadable.into_iter().peekable();
    for ((line_no, text), result) in texts.iter().zip(results) {
        while let Some((_, error)) = unreadable.next_if(|(at, _)| at < line_no) {
            printed.push(Printed::Error(error));
        }
        match result {
            Ok(Some(outcome)) if outcome.assigned.is_none() => {
                printed.push(Printed::Value(abbreviate_value(&outcome.value)));
            }
            Ok(_) => {}
            Err(error) => {
                let rendered = diagnostic::render_error(&error, text, color);
                printed.push(Printed::Error(format!("{}: {rendered}", origin(*line_no))));
            }
        }
    }
    printed.extend(unreadable.map(|(_, error)| Printed::Error(error)));
    printed
}

/// Writes every variable of `session` but `_` to `path`, one `name = value` line each, in name
/// order (values print as Python's `repr`, so they read back exact). A string (from `hex`,
/// `oct` or `bin`) is left out: parcalc reads no string literal back. How many it wrote.
pub(crate) fn save(session: &Session, path: &Path) -> std::io::Result<usize> {
    let mut text = String::from("# parcalc session: :load this file to get these variables back\n");
    let mut n_saved = 0;
    for (name, value) in session.vars() {
        if name == "_" || matches!(value, crate::num::Value::Str(_)) {
            continue;
        }
        match value {
            crate::num::Value::Func(function) => {
                let _ = writeln!(text, "{}", function.definition_as(name));
            }
            _ => {
                let _ = writeln!(text, "{name} = {value}");
            }
        }
        n_saved += 1;
    }
    std::fs::write(path, text)?;
    Ok(n_saved)
}

/// Forgets every variable of `session`, `_` included. How many it forgot, `_` not counted.
pub(crate) fn clear(session: &mut Session) -> usize {
    let n_vars = session.vars().filter(|(name, _)| *name != "_").count();
    session.clear();
    n_vars
}

/// What `parcalc -i` runs before the first prompt.
#[derive(Clone, Debug)]
pub(crate) enum First {
    /// The startup file: run as `:load` runs a file, showing only its errors.
    Init(PathBuf),
    /// The FILE, run as `:load FILE`.
    File(PathBuf),
    /// One `-e` expression.
    Expr(String),
}

/// Runs what `-i` asks for before the first prompt, printing values and errors as `:load`
/// does; a FILE that cannot be read is an error, and the REPL starts all the same.
pub(crate) fn run_first(
    session: &mut Session,
    interrupt: &CancelFlag,
    first: &[First],
    color: Color,
) {
    let mut n_exprs = 0;
    for item in first {
        let printed = match item {
            First::File(path) => match load(session, interrupt, path, color) {
                Ok(printed) => printed,
                Err(error) => {
                    eprintln!("error: cannot read {}: {error}", path.display());
                    continue;
                }
            },
            First::Init(path) => match load(session, interrupt, path, color) {
                // What a startup file defines is its point; its values would be noise.
                Ok(printed) => printed
                    .into_iter()
                    .filter(|line| matches!(line, Printed::Error(_)))
                    .collect(),
                Err(error) => {
                    eprintln!("error: cannot read {}: {error}", path.display());
                    continue;
                }
            },
            First::Expr(text) => {
                n_exprs += 1;
                let origin = |_| format!("-e {n_exprs}");
                let cancel = std::mem::replace(&mut session.options.cancel, interrupt.clone());
                let printed = run_file(session, &origin, text.as_bytes(), color);
                session.options.cancel = cancel;
                printed
            }
        };
        show(&printed);
    }
}
