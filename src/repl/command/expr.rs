//! The commands that take an expression: `:tree`, `:python` and `:speedup`. Each parses its
//! argument first ([`parse_expr`]), so that a syntax error gets its caret under the text typed;
//! `:speedup`'s runs and table are `speedup`'s.

use crate::ast::Ast;
use crate::error::{Error, ErrorKind};
use crate::render::{self, text};
use crate::repl::command::{Invocation, Reply};
use crate::repl::error::CommandError;
use crate::repl::speedup::{SpeedupError, run_speedup, speedup_report};
use crate::repl::state::State;
use crate::settings;
use crate::syntax;

/// The error `error` in the expression argument `text`, typed from screen column `column`.
fn expr_error(error: Error, text: &str, column: usize) -> CommandError {
    CommandError::Expr {
        error,
        text: text.to_string(),
        column,
    }
}

/// Parses `text`, typed from screen column `column`, as an expression.
fn parse_expr(text: &str, column: usize) -> Result<Ast, CommandError> {
    match syntax::parse_statement(text) {
        Ok(Some(statement)) if statement.target.is_none() => Ok(statement.expr),
        Ok(Some(_)) => Err(CommandError::Assignment),
        Ok(None) => Err(expr_error(
            Error::unplaced(ErrorKind::ExpectedExpression),
            text,
            column,
        )),
        Err(error) => Err(expr_error(error, text, column)),
    }
}

pub(super) fn tree(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if invocation.arg.is_empty() {
        return Err(CommandError::MissingArgument {
            command: "tree",
            what: "an expression, e.g. :tree (1 + 2) * 3",
        });
    }
    let ast = parse_expr(invocation.arg, invocation.column)?;
    Ok(Reply::Text(render::tree(
        &ast,
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
    // Parse first, so that a syntax error gets its caret under the text typed.
    parse_expr(expr_text, column)?;
    let program = state
        .session
        .python_program(expr_text, form)
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
fn split_speedup_arg(arg: &str) -> (&str, Option<&str>) {
    if let Some((expr, last)) = arg.rsplit_once(char::is_whitespace)
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
        && matches!(syntax::parse_statement(expr), Ok(Some(_)))
    {
        return (expr.trim_end(), Some(last));
    }
    (arg, None)
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
    let (expr_text, max_text) = split_speedup_arg(invocation.arg);
    let max_workers = match max_text {
        Some(text) => settings::parse_speedup_max(text)?,
        None => settings::default_speedup_workers(),
    };
    // Parse first, so that a syntax error gets its caret under the text typed.
    parse_expr(expr_text, invocation.column)?;
    let in_expr = |error| expr_error(error, expr_text, invocation.column);
    let prepared = state
        .session
        .prepare(expr_text)
        .map_err(in_expr)?
        .ok_or(CommandError::Assignment)?;
    let (value, traces) =
        run_speedup(state, prepared, max_workers).map_err(|error| match error {
            SpeedupError::Eval(error) => in_expr(error),
            SpeedupError::Command(error) => error,
        })?;
    Ok(Reply::Text(speedup_report(state, &value, &traces)))
}
