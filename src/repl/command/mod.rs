//! The REPL's `:commands`, defined once in [`COMMANDS`]: name, argument syntax, help, the words
//! Tab completes for the argument, and the function that runs it.
//!
//! `:help`, Tab completion and dispatch all read the same table, so a command cannot exist in one
//! and be missing from another; [`ALIASES`] adds the short names (`:q`, `:h`, `:?`) people type.
//! Commands return their output as text (or a [`CommandError`]) and never print: the loop in
//! `repl` decides where the text goes, which keeps them testable without a terminal. Evaluating
//! expressions is not done here but through the session, on a thread that Ctrl-C can give up on
//! ([`State::wait`]).
//!
//! This file holds the table, its lookup and dispatch; the commands are in the files beside
//! it by theme: `help`, `settings` (with `:trace`), `expr` (the commands that take an
//! expression) and `vars` (the variables and files).

mod expr;
mod help;
mod settings;
mod vars;

use crate::repl::error::CommandError;
use crate::repl::state::State;

use expr::{python, speedup, tree};
use help::help;
use settings::{delay, grain, max_depth, policy, trace, workers};
use vars::{clear, load, save, show, vars};

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
        args: "[functions|NAME]",
        help: "list commands or functions, or show one (also :h, :?)",
        completions: &["functions"],
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
        args: "[D|off]",
        help: "show or set the work slept per operator",
        completions: &["off", "10ms", "100ms", "1s"],
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
        name: "max-depth",
        args: "[N]",
        help: "show or set the recursion limit",
        completions: &["1000", "100000"],
        takes_expr: false,
        run: max_depth,
    },
    Command {
        name: "trace",
        args: "[on|off|live on|off|json|svg|html FILE]",
        help: "show the last schedule, or write it",
        completions: &["on", "off", "live", "json", "svg", "html"],
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
        args: "[dataflow|dask] EXPR",
        help: "print EXPR as a Python futures program",
        completions: &["dataflow", "dask"],
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
        name: "load",
        args: "FILE",
        help: "run a file here, keeping its variables",
        completions: &[],
        takes_expr: false,
        run: load,
    },
    Command {
        name: "save",
        args: "FILE",
        help: "write the variables as a file :load reads",
        completions: &[],
        takes_expr: false,
        run: save,
    },
    Command {
        name: "clear",
        args: "",
        help: "forget every variable",
        completions: &[],
        takes_expr: false,
        run: clear,
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
        help: "leave (also :q, quit, exit, Ctrl-D)",
        completions: &[],
        takes_expr: false,
        run: quit,
    },
];

/// Other names of commands, as people type them: `(alias, command)`.
pub(crate) const ALIASES: &[(&str, &str)] = &[
    ("q", "quit"),
    ("exit", "quit"),
    ("h", "help"),
    ("?", "help"),
];

/// Finds a command by its exact name or an alias; otherwise an error suggesting the nearest
/// one: a command the name begins (`:sp` → `:speedup`), else one a couple of typos away.
pub(crate) fn find(name: &str) -> Result<&'static Command, CommandError> {
    let name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, command)| command);
    if let Some(command) = COMMANDS.iter().find(|c| c.name == name) {
        return Ok(command);
    }
    let by_prefix = COMMANDS
        .iter()
        .find(|c| !name.is_empty() && c.name.starts_with(name))
        .map(|c| (0, c.name));
    let nearest = by_prefix.or_else(|| {
        COMMANDS
            .iter()
            .filter_map(|c| {
                let max = 2.max(c.name.len() / 3);
                crate::suggest::distance_within(name, c.name, max)
                    .map(|distance| (distance, c.name))
            })
            .min()
    });
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

fn no_argument(name: &'static str, invocation: Invocation<'_>) -> Result<(), CommandError> {
    if invocation.arg.is_empty() {
        Ok(())
    } else {
        Err(CommandError::NoArgument(name))
    }
}

/// Whether Tab completes file names after `:command word` (`:trace json`, `:trace svg`,
/// `:trace html`).
pub(crate) fn takes_file(command: &str, word: &str) -> bool {
    command == "trace" && matches!(word, "json" | "svg" | "html")
}

/// Whether the first argument of `command` is a FILE (`:load`, `:save`).
pub(crate) fn first_is_file(command: &str) -> bool {
    matches!(command, "load" | "save")
}

fn quit(_state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("quit", invocation)?;
    Ok(Reply::Quit)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::{CancelFlag, EvalOptions};
    use crate::render::Color;
    use crate::repl::state::Flags;
    use crate::session::Session;
    use crate::settings::SettingError;
    use help::help_text;

    fn state() -> State {
        State {
            session: Session::new(2, EvalOptions::default()).unwrap(),
            color: Color::Never,
            show_trace: false,
            live: true,
            width: 80,
            interrupt: CancelFlag::default(),
            flags: Flags::default(),
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
                let screen = crate::repl::caret::Screen {
                    width: 80,
                    typed_above: true,
                };
                Err(crate::repl::caret::render_failure(
                    error,
                    Color::Never,
                    screen,
                ))
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
        check(
            &[":grain"],
            Ok("grain auto (operators per task chosen by tree size)"),
        );
        check(&[":grain 1"], Ok("grain 1 (up to 1 operator per task)"));
        check(&[":grain 3"], Ok("grain 3 (up to 3 operators per task)"));
        check(
            &[":grain 3", ":grain auto"],
            Ok("grain auto (operators per task chosen by tree size)"),
        );
        check(&[":delay 100MS"], Ok("delay 100 ms per operator"));
        check(&[":delay 100ms", ":delay off"], Ok("no delay"));
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
        check(
            &[":trace live off"],
            Ok("the schedule of an evaluation over 300 ms is not drawn while it runs"),
        );
        check(
            &[":trace live on"],
            Ok("the schedule of an evaluation over 300 ms is drawn while it runs"),
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
            Err("grain must be 'auto' or a positive number of operators per task, not '0'"),
        );
        check(
            &[":trace sideways"],
            Err(
                "unknown :trace argument 'sideways': expected on, off, live on|off, json FILE, svg \
                 FILE or html FILE",
            ),
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
    fn short_names_and_aliases() {
        check(&[":q"], Ok("<quit>"));
        check(&[":exit"], Ok("<quit>"));
        for name in [":h", ":?"] {
            let mut state = state();
            let reply = dispatch(&mut state, name, 2);
            assert!(
                matches!(&reply, Ok(Reply::Text(text)) if *text == help_text(state.width)),
                "{name}: {reply:?}"
            );
        }
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
            &[":sp"],
            Err("unknown command ':sp', did you mean ':speedup'?"),
        );
        check(
            &[":qiut"],
            Err("unknown command ':qiut', did you mean ':quit'?"),
        );
        check(
            &[":zzzzzzzz"],
            Err("unknown command ':zzzzzzzz' (:help lists the commands)"),
        );
        // A name far longer than any command is not measured against them.
        let long = format!(":{}", "w".repeat(100_000));
        let expected = format!("unknown command '{long}' (:help lists the commands)");
        check(&[long.as_str()], Err(expected.as_str()));
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
            Err(CommandError::Setting(SettingError::SpeedupMax(text))) if text == "0"
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
            program.contains("f4 = e.submit(mul, f2.result(), 4)"),
            "{program}"
        );
        // The first word may name the form; the expression's caret stays under its text.
        let reply = dispatch(&mut state, ":python dataflow (1 + 2) * x", 2);
        let Ok(Reply::Text(program)) = reply else {
            panic!("{reply:?}");
        };
        assert!(
            program.contains("(4, \"(1 + 2) * x\", operator.mul, [Task(0), 4]),"),
            "{program}"
        );
        let reply = dispatch(&mut state, ":python dask (1 + 2) * x", 2);
        let Ok(Reply::Text(program)) = reply else {
            panic!("{reply:?}");
        };
        assert!(
            program.contains("client.submit(mul, f2, 4, key=\"node-4\")"),
            "{program}"
        );
        // A variable named like a form is still a variable when nothing follows it.
        state.session.eval_line("dask = 7").unwrap();
        let reply = dispatch(&mut state, ":python dask", 2);
        let Ok(Reply::Text(program)) = reply else {
            panic!("{reply:?}");
        };
        assert!(program.contains("return 7"), "{program}");
        match dispatch(&mut state, ":python dataflow (1 +", 2) {
            Err(CommandError::Expr { text, column, .. }) => {
                assert_eq!(
                    (text.as_str(), column),
                    ("(1 +", 2 + ":python dataflow ".len())
                );
            }
            other => panic!("{other:?}"),
        }
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
