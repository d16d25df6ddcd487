//! The REPL's `:commands`, defined once in [`COMMANDS`]: name, argument syntax, help, the words
//! Tab completes for the argument, and the function that runs it.
//!
//! `:help`, Tab completion and dispatch all read the same table, so a command cannot exist in one
//! and be missing from another. Commands return their output as text (or a [`CommandError`])
//! and never print: the loop in `repl` decides where the text goes, which keeps them testable without
//! a terminal. Evaluating expressions is not done here but through the session.

use std::fmt::Write as _;

use crate::ast::Ast;
use crate::engine::{Grain, Policy};
use crate::error::{Error, ErrorKind};
use crate::render::text::{self, wrap};
use crate::render::{self, Color, SpeedupRow};
use crate::repl::display;
use crate::session::Session;
use crate::settings::{self, SettingError};
use crate::syntax;
use crate::units::{self, DurationError};

/// The state a command can read and change: the session and the REPL's own settings.
#[derive(Debug)]
pub(crate) struct State {
    pub session: Session,
    pub color: Color,
    /// Show the schedule after every evaluation (`:trace on`).
    pub show_trace: bool,
    /// Width of the terminal in columns.
    pub width: usize,
}

/// Why a command failed. The loop prints it: an error in an expression argument with its
/// caret under the argument, anything else after `error:`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommandError {
    #[error("unknown command ':{name}', did you mean ':{suggestion}'?")]
    Misspelt {
        name: String,
        suggestion: &'static str,
    },
    #[error("unknown command ':{0}' (:help lists the commands)")]
    Unknown(String),
    #[error(":{0} takes no argument")]
    NoArgument(&'static str),
    /// A command that needs an argument got none; the text shows how to call it.
    #[error(":{command} needs {what}")]
    MissingArgument {
        command: &'static str,
        what: &'static str,
    },
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error("unknown :trace argument '{0}': expected on, off, json FILE or svg FILE")]
    TraceArgument(String),
    #[error(":trace {0} takes no file")]
    TraceTakesNoFile(String),
    #[error(":trace {0} needs a FILE to write")]
    TraceNeedsFile(String),
    #[error("no evaluation yet: type an expression first")]
    NoTrace,
    #[error("no value yet")]
    NoValue,
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("MAX must be between 1 and {max}, not {text}", max = crate::engine::MAX_WORKERS)]
    SpeedupMax { text: String },
    #[error("expected an expression, not an assignment")]
    Assignment,
    /// The session refused (a pool that cannot start, say).
    #[error(transparent)]
    Session(Error),
    /// An error in the expression argument, which starts at screen column `column`.
    #[error("{error}")]
    Expr {
        error: Error,
        text: String,
        column: usize,
    },
    #[error("cancelled")]
    Cancelled,
}

/// What a command asks the loop to do after it ran.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// Print this text (nothing when empty).
    Text(String),
    /// Leave the REPL.
    Quit,
}

/// Where a command's argument sits on the screen, so that errors can put a caret under it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Invocation<'a> {
    /// The argument text, trimmed.
    pub arg: &'a str,
    /// Screen column of the argument's first character (the prompt's width included).
    pub column: usize,
}

/// One `:command`.
pub(crate) struct Command {
    pub name: &'static str,
    /// The argument syntax, as shown by `:help`.
    pub args: &'static str,
    pub help: &'static str,
    /// Words Tab offers for the first argument.
    pub completions: &'static [&'static str],
    /// Whether the argument is an expression (Tab then completes names).
    pub takes_expr: bool,
    pub run: fn(&mut State, Invocation<'_>) -> Result<Reply, CommandError>,
}

/// Every command, in the order `:help` lists them.
pub(crate) const COMMANDS: &[Command] = &[
    Command {
        name: "help",
        args: "",
        help: "list the commands",
        completions: &[],
        takes_expr: false,
        run: help,
    },
    Command {
        name: "workers",
        args: "[N]",
        help: "show or set the number of workers",
        completions: &[],
        takes_expr: false,
        run: workers,
    },
    Command {
        name: "delay",
        args: "[D]",
        help: "show or set the work slept per operator",
        completions: &["0", "10ms", "100ms", "1s"],
        takes_expr: false,
        run: delay,
    },
    Command {
        name: "grain",
        args: "[N|auto]",
        help: "show or set the operators per task",
        completions: &["auto", "1"],
        takes_expr: false,
        run: grain,
    },
    Command {
        name: "policy",
        args: "[lifo|fifo|critical-path]",
        help: "show or set the order ready tasks run in",
        completions: &["lifo", "fifo", "critical-path"],
        takes_expr: false,
        run: policy,
    },
    Command {
        name: "trace",
        args: "[on|off|json FILE|svg FILE]",
        help: "show the last schedule, or write it",
        completions: &["on", "off", "json", "svg"],
        takes_expr: false,
        run: trace,
    },
    Command {
        name: "speedup",
        args: "EXPR [MAX]",
        help: "time EXPR on 1 to MAX workers",
        completions: &[],
        takes_expr: true,
        run: speedup,
    },
    Command {
        name: "python",
        args: "EXPR",
        help: "print EXPR as Python concurrent.futures",
        completions: &[],
        takes_expr: true,
        run: python,
    },
    Command {
        name: "tree",
        args: "EXPR",
        help: "show the tree of EXPR with node ids",
        completions: &[],
        takes_expr: true,
        run: tree,
    },
    Command {
        name: "vars",
        args: "",
        help: "list the variables",
        completions: &[],
        takes_expr: false,
        run: vars,
    },
    Command {
        name: "show",
        args: "",
        help: "print the last value whole",
        completions: &[],
        takes_expr: false,
        run: show,
    },
    Command {
        name: "quit",
        args: "",
        help: "leave (also Ctrl-D)",
        completions: &[],
        takes_expr: false,
        run: quit,
    },
];

/// Finds a command by its exact name; otherwise an error suggesting the nearest one.
pub(crate) fn find(name: &str) -> Result<&'static Command, CommandError> {
    if let Some(command) = COMMANDS.iter().find(|c| c.name == name) {
        return Ok(command);
    }
    let nearest = COMMANDS
        .iter()
        .map(|c| (edit_distance(name, c.name), c.name))
        .min()
        .filter(|&(distance, candidate)| distance <= 2.max(candidate.len() / 3));
    Err(match nearest {
        Some((_, suggestion)) => CommandError::Misspelt {
            name: name.to_string(),
            suggestion,
        },
        None => CommandError::Unknown(name.to_string()),
    })
}

/// Runs the `:command` line `line` (which starts with `:`); `prompt_width` is the width of the
/// prompt it was typed after.
pub(crate) fn dispatch(
    state: &mut State,
    line: &str,
    prompt_width: usize,
) -> Result<Reply, CommandError> {
    let body = line.trim_start().strip_prefix(':').unwrap_or(line);
    let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let (name, rest) = body.split_at(name_end);
    let command = find(name)?;
    let arg = rest.trim();
    let leading = line.len() - line.trim_start().len();
    let rest_leading = rest.len() - rest.trim_start().len();
    let column = prompt_width
        + line[..leading + 1 + name_end + rest_leading]
            .chars()
            .count();
    (command.run)(state, Invocation { arg, column })
}

/// Levenshtein distance, in characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

fn no_argument(name: &'static str, invocation: Invocation<'_>) -> Result<(), CommandError> {
    if invocation.arg.is_empty() {
        Ok(())
    } else {
        Err(CommandError::NoArgument(name))
    }
}

fn help(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("help", invocation)?;
    Ok(Reply::Text(help_text(state.width)))
}

/// The text of `:help`, built from [`COMMANDS`], at most `width` columns wide (at least 40): a
/// command's help goes under its usage, wrapped at spaces, when the two do not fit on a line.
pub(crate) fn help_text(width: usize) -> String {
    let width = text::view_width(width);
    let usage: Vec<String> = COMMANDS
        .iter()
        .map(|c| match c.args {
            "" => format!(":{}", c.name),
            args => format!(":{} {args}", c.name),
        })
        .collect();
    let usage_width = usage.iter().map(|u| u.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for line in wrap(
        "Type an expression (1 + 2, x = 3, sqrt(2)) or a command:",
        width,
        "",
    ) {
        let _ = writeln!(out, "{line}");
    }
    for (usage, command) in usage.iter().zip(COMMANDS) {
        if 2 + usage_width + 2 + command.help.chars().count() <= width {
            let _ = writeln!(out, "  {usage:usage_width$}  {}", command.help);
        } else {
            let _ = writeln!(out, "  {usage}");
            for line in wrap(command.help, width - 6, "") {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let keys = "Keys: Tab completes, Ctrl-R searches, Ctrl-C cancels, Ctrl-D quits.";
    out.push_str(&wrap(keys, width, "  ").join("\n"));
    out
}

fn workers(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        let n = settings::parse_workers(invocation.arg)?;
        state
            .session
            .set_workers(n)
            .map_err(CommandError::Session)?;
    }
    Ok(Reply::Text(plural(state.session.n_workers(), "worker")))
}

fn delay(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
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

fn grain(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        state.session.options.grain = settings::parse_grain(invocation.arg)?;
    }
    Ok(Reply::Text(match state.session.options.grain {
        Grain::Auto => "grain auto".to_string(),
        Grain::Fixed(n) => format!("grain {n} ({} per task)", plural(n as usize, "node")),
    }))
}

fn policy(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
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

fn trace(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    let mut words = invocation.arg.splitn(2, char::is_whitespace);
    let word = words.next().unwrap_or("");
    let file = words.next().map_or("", str::trim);
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
        "json" | "svg" => {
            if file.is_empty() {
                return Err(CommandError::TraceNeedsFile(word.to_string()));
            }
            let trace = state.session.last_trace().ok_or(CommandError::NoTrace)?;
            let text = if word == "json" {
                render::chrome_json(trace)
            } else {
                render::svg(trace)
            };
            std::fs::write(file, text).map_err(|source| CommandError::Write {
                path: file.to_string(),
                source,
            })?;
            Ok(Reply::Text(format!("wrote {file}")))
        }
        other => Err(CommandError::TraceArgument(other.to_string())),
    }
}

/// The schedule view of `trace` as the REPL shows it: at the terminal's width, saying which
/// settings have changed since it ran, with `:delay` in hints.
pub(crate) fn schedule_text(state: &State, trace: &crate::trace::Trace) -> String {
    let options = &state.session.options;
    let view = render::View {
        width: state.width,
        color: state.color,
        current: Some(render::Settings {
            n_workers: state.session.n_workers(),
            delay: options.delay,
            grain: options.grain,
            policy: options.policy,
        }),
        delay_hint: ":delay",
    };
    render::schedule_view(trace, &view)
}

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

fn tree(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
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

fn python(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if invocation.arg.is_empty() {
        return Err(CommandError::MissingArgument {
            command: "python",
            what: "an expression, e.g. :python (3 + 7) * (2 + 8)",
        });
    }
    // Parse first, so that a syntax error gets its caret under the text typed.
    parse_expr(invocation.arg, invocation.column)?;
    let program = state
        .session
        .python_program(invocation.arg)
        .map_err(|error| expr_error(error, invocation.arg, invocation.column))?;
    Ok(Reply::Text(program.trim_end().to_string()))
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

fn speedup(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if invocation.arg.is_empty() {
        return Err(CommandError::MissingArgument {
            command: "speedup",
            what: "an expression, e.g. :speedup (1 + 2) * (3 + 4) 4",
        });
    }
    let (expr_text, max_text) = split_speedup_arg(invocation.arg);
    let max_workers = match max_text {
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=crate::engine::MAX_WORKERS).contains(n))
            .ok_or_else(|| CommandError::SpeedupMax {
                text: text.to_string(),
            })?,
        None => settings::default_speedup_workers(),
    };
    // Parse first, so that a syntax error gets its caret under the text typed.
    parse_expr(expr_text, invocation.column)?;
    let (value, traces) = match state.session.speedup_runs(expr_text, max_workers) {
        Ok(traces) => traces,
        Err(Error {
            kind: ErrorKind::Cancelled,
            ..
        }) => return Err(CommandError::Cancelled),
        Err(error) => return Err(expr_error(error, expr_text, invocation.column)),
    };
    let rows: Vec<SpeedupRow> = traces.iter().map(SpeedupRow::from_trace).collect();
    let table = render::speedup(&rows, state.width, state.color);
    Ok(Reply::Text(format!(
        "{value}\n{}\n{}",
        table.trim_end(),
        delay_note(state.session.options.delay)
    )))
}

/// The note under `:speedup`'s table.
fn delay_note(delay: std::time::Duration) -> String {
    if delay.is_zero() {
        "(no delay set: the times are mostly overhead; try :delay 100ms)".to_string()
    } else {
        format!("(delay {} per operator)", units::format_duration(delay))
    }
}

fn vars(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("vars", invocation)?;
    let lines: Vec<String> = state
        .session
        .vars()
        .map(|(name, value)| format!("{name} = {}", display::abbreviate_value(value)))
        .collect();
    if lines.is_empty() {
        Ok(Reply::Text("no variables yet: x = 3 makes one".to_string()))
    } else {
        Ok(Reply::Text(lines.join("\n")))
    }
}

fn show(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("show", invocation)?;
    let value = state.session.last_value().ok_or(CommandError::NoValue)?;
    // A huge integer's digits are computed on the session's pool, as in batch mode.
    let text = state.session.pool().install(|| value.to_string());
    Ok(Reply::Text(text))
}

fn quit(_state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("quit", invocation)?;
    Ok(Reply::Quit)
}

/// `1 worker`, `4 workers`.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::EvalOptions;

    fn state() -> State {
        State {
            session: Session::new(2, EvalOptions::default()).unwrap(),
            color: Color::Never,
            show_trace: false,
            width: 80,
        }
    }

    #[track_caller]
    fn check(lines: &[&str], expected: Result<&str, &str>) {
        let mut state = state();
        let mut last = None;
        for line in lines {
            last = Some(dispatch(&mut state, line, 2));
        }
        let last = last.unwrap();
        let last = match &last {
            Ok(Reply::Text(text)) => Ok(text.clone()),
            Ok(Reply::Quit) => Ok("<quit>".to_string()),
            // An error in an expression is shown with its caret; others by their message.
            Err(error @ CommandError::Expr { .. }) => {
                Err(crate::repl::render_failure(error, Color::Never))
            }
            Err(error) => Err(error.to_string()),
        };
        assert_eq!(last.as_deref(), expected.map_err(str::to_string).as_deref());
    }

    #[test]
    fn settings_are_shown_and_set() {
        check(&[":workers"], Ok("2 workers"));
        check(&[":workers 4", ":workers"], Ok("4 workers"));
        check(&[":workers 1"], Ok("1 worker"));
        check(&[":delay"], Ok("no delay"));
        check(&[":grain"], Ok("grain auto"));
        check(&[":grain 1"], Ok("grain 1 (1 node per task)"));
        check(&[":grain 3", ":grain auto"], Ok("grain auto"));
        check(
            &[":policy"],
            Ok("policy lifo: a worker runs the task it made ready next (rayon's order)"),
        );
        check(
            &[":policy critical-path"],
            Ok("policy critical-path: one queue, the task furthest from the end first (Hu)"),
        );
        check(
            &[":trace on"],
            Ok("the schedule is shown after every evaluation"),
        );
        check(&[":quit"], Ok("<quit>"));
        check(&["  :quit  "], Ok("<quit>"));
    }

    #[test]
    fn bad_arguments_are_clear_errors() {
        check(&[":workers x"], Err("'x' is not a number of workers"));
        check(
            &[":workers 0"],
            Err("the number of workers must be between 1 and 1024, not 0"),
        );
        check(
            &[":grain 0"],
            Err("grain must be 'auto' or a positive number of nodes, not '0'"),
        );
        check(
            &[":trace sideways"],
            Err("unknown :trace argument 'sideways': expected on, off, json FILE or svg FILE"),
        );
        check(&[":trace json"], Err(":trace json needs a FILE to write"));
        check(&[":quit now"], Err(":quit takes no argument"));
        check(
            &[":policy random"],
            Err("policy must be lifo, fifo or critical-path, not 'random'"),
        );
        check(&[":show"], Err("no value yet"));
        check(
            &[":trace"],
            Err("no evaluation yet: type an expression first"),
        );
        assert!(dispatch(&mut state(), ":delay 3 weeks", 2).is_err());
    }

    #[test]
    fn misspelt_commands_get_a_suggestion() {
        check(
            &[":wokers"],
            Err("unknown command ':wokers', did you mean ':workers'?"),
        );
        check(
            &[":hlep"],
            Err("unknown command ':hlep', did you mean ':help'?"),
        );
        check(
            &[":zzzzzzzz"],
            Err("unknown command ':zzzzzzzz' (:help lists the commands)"),
        );
    }

    #[test]
    fn help_lists_every_command_within_the_width() {
        for width in [40, 60, 80] {
            let text = help_text(width);
            for command in COMMANDS {
                assert!(text.contains(&format!(":{}", command.name)), "{text}");
            }
            for line in text.lines() {
                assert!(line.chars().count() <= width, "{line}");
            }
        }
        insta::assert_snapshot!("help_40_columns", help_text(40));
        insta::assert_snapshot!("help_80_columns", help_text(80));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("wokers", "workers"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn tree_errors_point_under_the_argument() {
        // `:tree 1 +* 2` after a two-column prompt: the `*` is in column 11.
        check(
            &[":tree 1 +* 2"],
            Err(&format!(
                "{}^\nerror: syntax error: expected an operand, found '*'",
                " ".repeat(11)
            )),
        );
        check(
            &[":tree"],
            Err(":tree needs an expression, e.g. :tree (1 + 2) * 3"),
        );
    }

    #[test]
    fn speedup_prints_the_value_and_a_row_per_pool_size() {
        let mut state = state();
        let reply = dispatch(&mut state, ":speedup (1 + 2) * (3 + 4) 2", 2);
        let Ok(Reply::Text(text)) = reply else {
            panic!("{reply:?}");
        };
        assert!(text.starts_with("21\n"), "{text}");
        assert!(text.ends_with("try :delay 100ms)"), "{text}");
        assert!(matches!(
            dispatch(&mut state, ":speedup 1 + 2 0", 2),
            Err(CommandError::SpeedupMax { text }) if text == "0"
        ));
    }

    #[test]
    fn python_prints_a_program_with_the_session_settings() {
        let mut state = state();
        state.session.eval_line("x = 4").unwrap();
        let reply = dispatch(&mut state, ":python (1 + 2) * x", 2);
        let Ok(Reply::Text(program)) = reply else {
            panic!("{reply:?}");
        };
        assert!(program.starts_with("#!/usr/bin/env python3\n"), "{program}");
        assert!(program.contains("\nWORKERS = 2\n"), "{program}");
        assert!(
            program.contains("(4, \"(1 + 2) * x\", operator.mul, [Task(0), 4]),"),
            "{program}"
        );
        check(
            &[":python"],
            Err(":python needs an expression, e.g. :python (3 + 7) * (2 + 8)"),
        );
    }

    #[test]
    fn vars_lists_the_variables() {
        let mut state = state();
        state.session.eval_line("x = 3").unwrap();
        state.session.eval_line("x * 2").unwrap();
        let reply = dispatch(&mut state, ":vars", 2);
        assert!(
            matches!(&reply, Ok(Reply::Text(text)) if text == "_ = 6\nx = 3"),
            "{reply:?}"
        );
    }
}
