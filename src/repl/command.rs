//! The REPL's `:commands`, defined once in [`COMMANDS`]: name, argument syntax, help, the words
//! Tab completes for the argument, and the function that runs it.
//!
//! `:help`, Tab completion and dispatch all read the same table, so a command cannot exist in one
//! and be missing from another; [`ALIASES`] adds the short names (`:q`, `:h`, `:?`) people type.
//! Commands return their output as text (or a [`CommandError`]) and never print: the loop in
//! `repl` decides where the text goes, which keeps them testable without a terminal. Evaluating
//! expressions is not done here but through the session, on a thread that Ctrl-C can give up on
//! ([`State::wait`]).

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::ast::Ast;
use crate::engine::{CancelFlag, Grain, Policy};
use crate::error::{Error, ErrorKind};
use crate::ops;
use crate::render::text::{self, wrap};
use crate::render::{self, Color};
use crate::repl::wait::{self, Waited};
use crate::repl::{Flags, display, sessions};
use crate::session::Session;
use crate::settings::{self, SettingError};
use crate::syntax;
use crate::trace::Trace;
use crate::units::{self, DurationError, plural};

/// The state a command can read and change: the session and the REPL's own settings.
#[derive(Debug)]
pub(crate) struct State {
    pub session: Session,
    pub color: Color,
    /// Show the schedule after every evaluation (`:trace on`).
    pub show_trace: bool,
    /// Draw the schedule of a long evaluation while it runs (`:trace live on`, the default).
    pub live: bool,
    /// Width of the terminal in columns.
    pub width: usize,
    /// Set by the Ctrl-C handler; cleared when a line is read.
    pub interrupt: CancelFlag,
    /// The command line's flags that apply to every evaluation.
    pub flags: Flags,
}

/// How work run through [`State::wait`] ended.
#[derive(Debug)]
pub(crate) enum Finished<T> {
    Done(T),
    /// Ctrl-C: what the work returned if it stopped in time (only its trace is still of use),
    /// `None` if it was abandoned.
    Cancelled(Option<T>),
}

impl State {
    /// Runs `work`, which uses the session's pool and cancel flag, on a thread of its own, so
    /// that Ctrl-C brings the prompt back at once (see `wait`). Work that does not stop in time
    /// is abandoned, and the session gets a fresh pool for the next evaluation.
    pub(crate) fn wait<T: Send + 'static>(
        &mut self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Finished<T>, CommandError> {
        self.wait_between(work, || {})
    }

    /// [`State::wait`], calling `between` every few milliseconds while the work runs (to draw
    /// the live schedule).
    pub(crate) fn wait_between<T: Send + 'static>(
        &mut self,
        work: impl FnOnce() -> T + Send + 'static,
        between: impl FnMut(),
    ) -> Result<Finished<T>, CommandError> {
        let cancel = self.session.options.cancel.clone();
        // No echo while the work runs: a line typed ahead waits for the next prompt.
        let quiet = super::quiet::Quiet::start();
        let waited = wait::run(&self.interrupt, &cancel, work, between);
        drop(quiet);
        match waited {
            Waited::Done(value) => Ok(Finished::Done(value)),
            Waited::Stopped(value) => Ok(Finished::Cancelled(Some(value))),
            Waited::Abandoned => {
                self.session
                    .abandon_evaluation()
                    .map_err(CommandError::Session)?;
                Ok(Finished::Cancelled(None))
            }
            Waited::NotStarted(reason) => Err(CommandError::NoThread(reason)),
        }
    }
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
    #[error(
        "unknown :help topic '{0}': try :help, :help functions, or :help NAME for a function, \
         a constant or a command"
    )]
    HelpTopic(String),
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
    #[error(
        "unknown :trace argument '{0}': expected on, off, live on|off, json FILE, svg FILE or \
         html FILE"
    )]
    TraceArgument(String),
    #[error(":trace {0} takes no file")]
    TraceTakesNoFile(String),
    #[error(":trace {0} needs a FILE to write")]
    TraceNeedsFile(String),
    #[error(":trace {0} takes one FILE (quote a name that has spaces)")]
    TraceFiles(String),
    #[error("unclosed quote in the FILE of :trace {0}")]
    UnclosedQuote(String),
    #[error(":{0} takes one FILE (quote a name that has spaces)")]
    OneFile(&'static str),
    #[error("unclosed quote in the FILE of :{0}")]
    FileQuote(&'static str),
    #[error("no evaluation yet: type an expression first")]
    NoTrace,
    #[error("no value yet")]
    NoValue,
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
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
    #[error("cannot start a thread for the evaluation: {0}")]
    NoThread(String),
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
        run: super::speedup::speedup,
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

fn help(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    match invocation.arg {
        "" => Ok(Reply::Text(help_text(state.width))),
        "functions" | "function" | "constants" | "fn" => {
            Ok(Reply::Text(functions_text(state.width)))
        }
        topic => crate::repl::topics::topic(topic)
            .or_else(|| command_topic(topic))
            .map(Reply::Text)
            .ok_or_else(|| CommandError::HelpTopic(topic.to_string())),
    }
}

/// The text of `:help COMMAND` (`:help workers`, `:help :q`), or `None` for no command.
fn command_topic(name: &str) -> Option<String> {
    let name = name.trim_start_matches(':');
    let name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, command)| *command);
    COMMANDS
        .iter()
        .find(|command| command.name == name)
        .map(|command| {
            let args = if command.args.is_empty() {
                String::new()
            } else {
                format!(" {}", command.args)
            };
            format!(":{}{args} — {}", command.name, command.help)
        })
}

/// The text of `:help functions`: every function by group, then every constant, from the
/// tables of `ops`, at most `width` columns wide (at least 40); a summary is wrapped at spaces
/// beside its signature, or under it when the column beside it would be too narrow.
pub(crate) fn functions_text(width: usize) -> String {
    /// The narrowest summary column beside the signatures.
    const MIN_SUMMARY: usize = 24;
    let width = text::view_width(width);
    let signature = |function: &ops::Function| format!("{}({})", function.name, function.params);
    let sig_width = ops::FUNCTIONS
        .iter()
        .map(|function| signature(function).chars().count())
        .max()
        .unwrap_or(0);
    let beside = width >= 2 + sig_width + 2 + MIN_SUMMARY;
    let entry = |out: &mut String, name: &str, summary: &str| {
        if beside {
            let indent = " ".repeat(2 + sig_width + 2);
            for (index, line) in wrap(summary, width - indent.len(), "").iter().enumerate() {
                if index == 0 {
                    let _ = writeln!(out, "  {name:sig_width$}  {line}");
                } else {
                    let _ = writeln!(out, "{indent}{line}");
                }
            }
        } else {
            let _ = writeln!(out, "  {}", text::fit(name, width - 2));
            for line in wrap(summary, width - 6, "") {
                let _ = writeln!(out, "      {line}");
            }
        }
    };
    let mut out = String::new();
    let title = "Functions, as Python 3.11's builtins and math module (angles in radians):";
    for line in wrap(title, width, "") {
        let _ = writeln!(out, "{line}");
    }
    for group in ops::Group::ALL {
        for line in wrap(group.title(), width, "  ") {
            let _ = writeln!(out, "{line}");
        }
        for function in ops::FUNCTIONS.iter().filter(|f| f.group == group) {
            entry(&mut out, &signature(function), function.summary);
        }
    }
    for line in wrap(
        "constants (names that an assignment may rebind)",
        width,
        "  ",
    ) {
        let _ = writeln!(out, "{line}");
    }
    for constant in ops::CONSTANTS {
        entry(&mut out, constant.name, constant.summary);
    }
    let operators = "Operators: + - * / // % ^ (or **, the power) & | << >> and unary - + ~.";
    out.push_str(&wrap(operators, width, "").join("\n"));
    out
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
    // The help column starts after the widest usage that fits beside its help; a longer one
    // has its help on the lines below.
    let usage_width = usage
        .iter()
        .zip(COMMANDS)
        .map(|(usage, command)| (usage.chars().count(), command.help.chars().count()))
        .filter(|(usage_columns, help_columns)| 2 + usage_columns + 2 + help_columns <= width)
        .map(|(usage_columns, _)| usage_columns)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for line in wrap(
        "Type an expression (1 + 2, x = 3, sin(pi/4)) or a command:",
        width,
        "",
    ) {
        let _ = writeln!(out, "{line}");
    }
    for (usage, command) in usage.iter().zip(COMMANDS) {
        if usage.chars().count() <= usage_width
            && 2 + usage_width + 2 + command.help.chars().count() <= width
        {
            let _ = writeln!(out, "  {usage:usage_width$}  {}", command.help);
        } else {
            for line in break_usage(usage, width - 2) {
                let _ = writeln!(out, "  {line}");
            }
            for line in wrap(command.help, width - 6, "") {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let keys = "Keys: Tab completes, Ctrl-R searches, Ctrl-C cancels, Ctrl-D quits.";
    out.push_str(&wrap(keys, width, "  ").join("\n"));
    out
}

/// A command's usage on lines of at most `width` columns, broken after a `|` when it is too
/// long for one (`:trace` at 40 columns); the lines after the first are indented by two.
fn break_usage(usage: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = usage;
    let mut indent = "";
    while indent.len() + rest.chars().count() > width {
        let room = width.saturating_sub(indent.len());
        let Some(cut) = rest.get(..room).and_then(|head| head.rfind('|')) else {
            break;
        };
        lines.push(format!("{indent}{}", &rest[..=cut]));
        rest = &rest[cut + 1..];
        indent = "  ";
    }
    lines.push(format!("{indent}{rest}"));
    lines
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

fn max_depth(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        state.session.options.limits.max_depth = settings::parse_max_depth(invocation.arg)?;
    }
    Ok(Reply::Text(format!(
        "recursion limit {} calls (Python's is 1000)",
        state.session.options.limits.max_depth
    )))
}

fn grain(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    if !invocation.arg.is_empty() {
        state.session.options.grain = settings::parse_grain(invocation.arg)?;
    }
    Ok(Reply::Text(match state.session.options.grain {
        Grain::Auto => "grain auto (operators per task chosen by tree size)".to_string(),
        Grain::Fixed(n) => format!("grain {n} (up to {} per task)", plural(n, "operator")),
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
            write_trace(trace, format, &path)?;
            Ok(Reply::Text(format!("wrote {}", path.display())))
        }
        other => Err(CommandError::TraceArgument(other.to_string())),
    }
}

/// The files a schedule can be written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TraceFormat {
    /// Chrome's Trace Event format.
    Json,
    Svg,
    /// One self-contained page, with a replay.
    Html,
}

/// Writes `trace` to `path` in `format`.
pub(crate) fn write_trace(
    trace: &Trace,
    format: TraceFormat,
    path: &std::path::Path,
) -> Result<(), CommandError> {
    let text = match format {
        TraceFormat::Json => render::chrome_json(trace),
        TraceFormat::Svg => render::svg(trace),
        TraceFormat::Html => render::html(trace),
    };
    std::fs::write(path, text).map_err(|source| CommandError::Write {
        path: path.display().to_string(),
        source,
    })
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

/// The FILE argument of `:trace json|svg|html` as a shell reads one word: `'…'` and `"…"` quote
/// (inside double quotes a backslash escapes `"`, `\`, `$` and `` ` ``), a backslash outside quotes escapes the
/// next character (Tab completion writes `my\ file.svg`), and a leading unquoted `~` or `~/` is
/// the home folder. `word` is the subcommand, for the messages.
pub(crate) fn parse_path(text: &str, word: &str) -> Result<PathBuf, CommandError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut path = String::new();
    let mut quote = Quote::None;
    let mut chars = text.trim().chars().peekable();
    let home = match (chars.peek(), text.trim().chars().nth(1)) {
        (Some('~'), None | Some('/')) => std::env::var("HOME").ok(),
        _ => None,
    };
    if let Some(home) = home {
        chars.next();
        path.push_str(home.trim_end_matches('/'));
        if path.is_empty() {
            path.push('/');
        }
    }
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::Single, '\'') | (Quote::Double, '"') => quote = Quote::None,
            (Quote::None, '\\') => path.extend(chars.next()),
            (Quote::Double, '\\') if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                path.extend(chars.next());
            }
            (Quote::None, c) if c.is_whitespace() => {
                return Err(CommandError::TraceFiles(word.to_string()));
            }
            (_, c) => path.push(c),
        }
    }
    if quote != Quote::None {
        return Err(CommandError::UnclosedQuote(word.to_string()));
    }
    Ok(PathBuf::from(path))
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
pub(crate) fn expr_error(error: Error, text: &str, column: usize) -> CommandError {
    CommandError::Expr {
        error,
        text: text.to_string(),
        column,
    }
}

/// Parses `text`, typed from screen column `column`, as an expression.
pub(crate) fn parse_expr(text: &str, column: usize) -> Result<Ast, CommandError> {
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

fn vars(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
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
fn load(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    let path = file_argument("load", invocation)?;
    let printed = sessions::load(&mut state.session, &state.interrupt, &path, state.color)
        .map_err(|source| CommandError::Read {
            path: path.display().to_string(),
            source,
        })?;
    sessions::show(&printed);
    Ok(Reply::Text(String::new()))
}

fn save(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
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

fn clear(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
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

fn show(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("show", invocation)?;
    let value = state
        .session
        .last_value()
        .ok_or(CommandError::NoValue)?
        .clone();
    // A huge integer's digits are computed on the session's pool, as in batch mode, and take
    // seconds for millions of digits: Ctrl-C gives up on them.
    let pool = state.session.pool().clone();
    match state.wait(move || pool.install(|| value.to_string()))? {
        Finished::Done(text) => Ok(Reply::Text(text)),
        Finished::Cancelled(_) => Err(CommandError::Cancelled),
    }
}

fn quit(_state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
    no_argument("quit", invocation)?;
    Ok(Reply::Quit)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn help_of_one_command_or_its_alias() {
        assert_eq!(
            command_topic("workers").as_deref(),
            Some(":workers [N] — show or set the number of workers")
        );
        assert!(command_topic(":q").is_some_and(|text| text.starts_with(":quit —")));
        assert_eq!(command_topic("sqrt"), None);
    }
    use crate::engine::EvalOptions;

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
    fn trace_files_are_read_as_a_shell_reads_a_word() {
        let in_home = std::env::var("HOME").map_or("~/x.svg".to_string(), |home| {
            format!("{}/x.svg", home.trim_end_matches('/'))
        });
        for (text, expected) in [
            ("x.svg", "x.svg".to_string()),
            ("'my file.svg'", "my file.svg".to_string()),
            ("\"my file.svg\"", "my file.svg".to_string()),
            ("my\\ file.svg", "my file.svg".to_string()),
            ("\"a\\\"b\"", "a\"b".to_string()),
            ("'~/x.svg'", "~/x.svg".to_string()),
            ("~/x.svg", in_home),
            ("~x.svg", "~x.svg".to_string()),
        ] {
            let path = parse_path(text, "svg").map(|path| path.display().to_string());
            assert_eq!(path.ok(), Some(expected), "{text}");
        }
        assert_eq!(
            parse_path("a.svg b.svg", "svg").map_err(|e| e.to_string()),
            Err(":trace svg takes one FILE (quote a name that has spaces)".to_string())
        );
        assert_eq!(
            parse_path("'a.svg", "json").map_err(|e| e.to_string()),
            Err("unclosed quote in the FILE of :trace json".to_string())
        );
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
    fn help_functions_lists_every_function_and_constant() {
        let text = functions_text(80);
        // Words as the lines hold them, so that a summary wrapped at spaces still reads whole.
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for function in ops::FUNCTIONS {
            let line = format!("  {}({})", function.name, function.params);
            assert!(text.contains(&line), "{line} missing in\n{text}");
            assert!(words.contains(function.summary), "{text}");
        }
        for constant in ops::CONSTANTS {
            assert!(text.contains(&format!("  {} ", constant.name)), "{text}");
        }
        for group in ops::Group::ALL {
            assert!(words.contains(group.title()), "{text}");
        }
        for width in [40, 60, 80, 90] {
            let text = functions_text(width);
            for line in text.lines() {
                assert!(line.chars().count() <= width, "{width}: {line:?}");
            }
            let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for function in ops::FUNCTIONS {
                assert!(words.contains(function.summary), "{width}: {text}");
            }
        }
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
