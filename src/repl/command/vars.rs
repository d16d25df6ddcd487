//! The commands on the session's variables and files: `:vars`, `:show` (the last value whole),
//! and `:load`, `:save` and `:clear`, which `sessions` carries out.

use std::path::PathBuf;

use crate::repl::command::{Invocation, Reply, no_argument};
use crate::repl::display;
use crate::repl::error::CommandError;
use crate::repl::files::parse_path;
use crate::repl::sessions;
use crate::repl::state::{Finished, State};
use crate::units::plural;

pub(super) fn vars(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("vars", invocation)?;
    let lines: Vec<String> = state
        .session
        .vars()
        .map(|(name, value)| match value {
            crate::num::Value::Func(function) => function.definition_as(name),
            _ => format!("{name} = {}", display::abbreviate_value(value)),
        })
        .collect();
    if lines.is_empty() {
        Ok(Reply::Text("no variables yet: x = 3 makes one".to_string()))
    } else {
        Ok(Reply::Text(lines.join("\n")))
    }
}

/// `:load FILE`: values and errors are printed as the file ends, in order, each on its stream.
pub(super) fn load(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    let path = file_argument("load", invocation)?;
    let printed = sessions::load(&mut state.session, &state.interrupt, &path, state.color)
        .map_err(|source| CommandError::Read {
            path: path.display().to_string(),
            source,
        })?;
    sessions::show(&printed);
    Ok(Reply::Text(String::new()))
}

pub(super) fn save(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    let path = file_argument("save", invocation)?;
    let n_saved = sessions::save(&state.session, &path).map_err(|source| CommandError::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(Reply::Text(format!(
        "saved {} to {}",
        plural(n_saved, "variable"),
        path.display()
    )))
}

pub(super) fn clear(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("clear", invocation)?;
    let n_forgotten = sessions::clear(&mut state.session);
    Ok(Reply::Text(format!(
        "forgot {}",
        plural(n_forgotten, "variable")
    )))
}

/// The FILE argument of `:load` or `:save`, read as a shell reads one word (see [`parse_path`]).
fn file_argument(
    command: &'static str,
    invocation: Invocation<'_>,
) -> Result<PathBuf, CommandError> {
    if invocation.arg.is_empty() {
        return Err(CommandError::MissingArgument {
            command,
            what: "a FILE",
        });
    }
    parse_path(invocation.arg, command).map_err(|error| match error {
        CommandError::TraceFiles(_) => CommandError::OneFile(command),
        CommandError::UnclosedQuote(_) => CommandError::FileQuote(command),
        other => other,
    })
}

pub(super) fn show(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("show", invocation)?;
    let value = state
        .session
        .last_value()
        .ok_or(CommandError::NoValue)?
        .clone();
    // A huge integer's digits are computed on the session's pool, as in batch mode, and take
    // seconds for millions of digits: Ctrl-C gives up on them.
    let pool = state.session.pool().clone();
    match state.wait(move || crate::session::digits(&pool, &value))? {
        Finished::Done(text) => Ok(Reply::Text(text)),
        Finished::Cancelled(_) => Err(CommandError::Cancelled),
    }
}
