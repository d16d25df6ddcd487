//! The commands that show or set a setting: `:workers`, `:delay`, `:grain`, `:policy`,
//! `:max-depth`, and `:trace` (the schedule shown after every evaluation or drawn live; the last
//! one shown, or written to a file).

use crate::engine::{Grain, Policy};
use crate::present::{TraceFormat, write_trace};
use crate::repl::command::{Invocation, Reply};
use crate::repl::error::CommandError;
use crate::repl::files::parse_path;
use crate::repl::state::{State, schedule_text};
use crate::settings;
use crate::units::{self, plural};

pub(super) fn workers(
    state: &mut State,
    invocation: Invocation<'_>,
) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        let n = settings::parse_workers(invocation.arg)?;
        state
            .session
            .set_workers(n)
            .map_err(CommandError::Session)?;
    }
    Ok(Reply::Text(plural(state.session.n_workers(), "worker")))
}

pub(super) fn delay(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        state.session.options.delay = units::parse_duration(invocation.arg)?;
    }
    let delay = state.session.options.delay;
    Ok(Reply::Text(if delay.is_zero() {
        "no delay".to_string()
    } else {
        format!("delay {} per operator", units::format_duration(delay))
    }))
}

pub(super) fn max_depth(
    state: &mut State,
    invocation: Invocation<'_>,
) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        state.session.options.limits.max_depth = settings::parse_max_depth(invocation.arg)?;
    }
    Ok(Reply::Text(format!(
        "recursion limit {} calls (Python's is 1000)",
        state.session.options.limits.max_depth
    )))
}

pub(super) fn grain(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        state.session.options.grain = settings::parse_grain(invocation.arg)?;
    }
    Ok(Reply::Text(match state.session.options.grain {
        Grain::Auto => "grain auto (operators per task chosen by tree size)".to_string(),
        Grain::Fixed(n) => format!("grain {n} (up to {} per task)", plural(n, "operator")),
    }))
}

pub(super) fn policy(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        state.session.options.policy = settings::parse_policy(invocation.arg)?;
    }
    Ok(Reply::Text(format!(
        "policy {}: {}",
        state.session.options.policy.name(),
        match state.session.options.policy {
            Policy::Lifo => "a worker runs the task it made ready next (rayon's order)",
            Policy::Fifo => "one queue, oldest ready task first (Python's executor)",
            Policy::CriticalPath => "one queue, the task furthest from the end first (Hu)",
        }
    )))
}

pub(super) fn trace(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    let mut words = invocation.arg.splitn(2, char::is_whitespace);
    let word = words.next().unwrap_or("");
    let file = words.next().map_or("", str::trim);
    let format = match word {
        "json" => TraceFormat::Json,
        "html" => TraceFormat::Html,
        _ => TraceFormat::Svg,
    };
    match word {
        "" => match state.session.last_trace() {
            Some(trace) => Ok(Reply::Text(schedule_text(state, trace))),
            None => Err(CommandError::NoTrace),
        },
        "on" | "off" => {
            if !file.is_empty() {
                return Err(CommandError::TraceTakesNoFile(word.to_string()));
            }
            state.show_trace = word == "on";
            Ok(Reply::Text(format!(
                "the schedule is {} after every evaluation",
                if state.show_trace {
                    "shown"
                } else {
                    "not shown"
                }
            )))
        }
        "live" => {
            match file {
                "on" | "off" => state.live = file == "on",
                "" => {}
                other => return Err(CommandError::TraceArgument(format!("live {other}"))),
            }
            Ok(Reply::Text(format!(
                "the schedule of an evaluation over {} ms is {}",
                crate::repl::live::START_AFTER.as_millis(),
                if state.live {
                    "drawn while it runs"
                } else {
                    "not drawn while it runs"
                }
            )))
        }
        "json" | "svg" | "html" => {
            if file.is_empty() {
                return Err(CommandError::TraceNeedsFile(word.to_string()));
            }
            let path = parse_path(file, word)?;
            let trace = state.session.last_trace().ok_or(CommandError::NoTrace)?;
            write_trace(trace, format, &path).map_err(|error| CommandError::Write {
                path: error.path,
                source: error.source,
            })?;
            Ok(Reply::Text(format!("wrote {}", path.display())))
        }
        other => Err(CommandError::TraceArgument(other.to_string())),
    }
}
