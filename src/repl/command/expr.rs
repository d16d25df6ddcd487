//! The commands that take an expression: `:tree`, `:python` and `:speedup`. Each parses its
//! argument first ([`parse_expr`]), so that a syntax error gets its caret under the text typed;
//! `:speedup`'s runs and table are `speedup`'s.

use crate::error::{Error, ErrorKind};
use crate::render::{self, text};
use crate::repl::command::{Invocation, Reply};
use crate::repl::error::CommandError;
use crate::repl::speedup::{SpeedupError, run_speedup, speedup_report};
use crate::repl::state::State;
use crate::session::Parsed;
use crate::settings;

/// The error `error` in the expression argument `text`, typed from screen column `column`.
fn expr_error(error: Error, text: &str, column: usize) -> CommandError {
    CommandError::Expr {
        error,
        text: text.to_string(),
        column,
    }
}

/// Parses `text`, typed from screen column `column`, as an expression: the statement the
/// command then works on, parsed once.
fn parse_expr(state: &mut State, text: &str, column: usize) -> Result<Parsed, CommandError> {
    let parsed = state.session.parse(text);
    if let Some(error) = parsed.error() {
        return Err(expr_error(error.clone(), text, column));
    }
    if parsed.is_assignment() {
        return Err(CommandError::Assignment);
    }
    if parsed.statement().is_none() {
        let error = Error::unplaced(ErrorKind::ExpectedExpression);
        return Err(expr_error(error, text, column));
    }
    Ok(parsed)
}

pub(super) fn tree(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if invocation.arg.is_empty() {
        return Err(CommandError::MissingArgument {
            command: "tree",
            what: "an expression, e.g. :tree (1 + 2) * 3",
        });
    }
    let parsed = parse_expr(state, invocation.arg, invocation.column)?;
    let Some(statement) = parsed.statement() else {
        return Err(CommandError::Assignment);
    };
    Ok(Reply::Text(render::tree(
        &statement.expr,
        invocation.arg,
        state.width,
        state.color,
    )))
}

pub(super) fn python(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if invocation.arg.is_empty() {
        return Err(CommandError::MissingArgument {
            command: "python",
            what: "an expression, e.g. :python (3 + 7) * (2 + 8)",
        });
    }
    let (form, expr_text, column) = split_python_arg(invocation);
    let parsed = parse_expr(state, expr_text, column)?;
    let program = state
        .session
        .python_program_parsed(expr_text, &parsed, form)
        .map_err(|error| expr_error(error, expr_text, column))?;
    Ok(Reply::Text(program.trim_end().to_string()))
}

/// Splits `[FORM] EXPR`: a first word that names a form of the program (`futures`, `dataflow`,
/// `dask`) is one when an expression follows it; otherwise the whole argument is the
/// expression (a variable may be called `dask`). Returns the form, the expression and the
/// screen column it starts at.
fn split_python_arg(invocation: Invocation<'_>) -> (render::PythonForm, &str, usize) {
    let arg = invocation.arg;
    if let Some((word, rest)) = arg.split_once(char::is_whitespace)
        && let Ok(form) = word.parse::<render::PythonForm>()
        && !rest.trim().is_empty()
    {
        let rest_trimmed = rest.trim_start();
        let offset = arg.len() - rest_trimmed.len();
        let column = invocation.column + text::columns(&arg[..offset]);
        return (form, rest_trimmed, column);
    }
    (render::PythonForm::default(), arg, invocation.column)
}

/// Splits `EXPR [MAX]`: a last word that is a number is MAX when the rest is an expression.
/// Returns the expression, MAX, and the expression parsed: the argument is parsed once, unless
/// it ends with a number that belongs to the expression (`3 * 4`), which takes a second parse.
fn split_speedup_arg<'a>(
    state: &mut State,
    arg: &'a str,
    column: usize,
) -> Result<(&'a str, Option<&'a str>, Parsed), CommandError> {
    if let Some((expr, last)) = arg.rsplit_once(char::is_whitespace)
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
    {
        let expr = expr.trim_end();
        let parsed = state.session.parse(expr);
        if parsed.statement().is_some() {
            if parsed.is_assignment() {
                return Err(CommandError::Assignment);
            }
            return Ok((expr, Some(last), parsed));
        }
    }
    let parsed = parse_expr(state, arg, column)?;
    Ok((arg, None, parsed))
}

pub(super) fn speedup(
    state: &mut State,
    invocation: Invocation<'_>,
) -> Result<Reply, CommandError> {
    if invocation.arg.is_empty() {
        return Err(CommandError::MissingArgument {
            command: "speedup",
            what: "an expression, e.g. :speedup (1 + 2) * (3 + 4) 4",
        });
    }
    let (expr_text, max_text, parsed) =
        split_speedup_arg(state, invocation.arg, invocation.column)?;
    let max_workers = match max_text {
        Some(text) => settings::parse_speedup_max(text)?,
        None => settings::default_speedup_workers(),
    };
    let in_expr = |error| expr_error(error, expr_text, invocation.column);
    let prepared = state
        .session
        .prepare_parsed_line(expr_text, parsed)
        .map_err(in_expr)?
        .ok_or(CommandError::Assignment)?;
    let (value, traces) =
        run_speedup(state, prepared, max_workers).map_err(|error| match error {
            SpeedupError::Eval(error) => in_expr(error),
            SpeedupError::Command(error) => error,
        })?;
    Ok(Reply::Text(speedup_report(state, &value, &traces)))
}
