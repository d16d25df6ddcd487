//! `:help`: the commands, from [`COMMANDS`]; `:help functions`, from the tables of `ops`; and
//! `:help NAME` for a command, or for a function or a constant (from `topics`).

use std::fmt::Write as _;

use crate::ops;
use crate::render::text::{self, wrap};
use crate::repl::command::{ALIASES, COMMANDS, Invocation, Reply};
use crate::repl::error::CommandError;
use crate::repl::state::State;

pub(super) fn help(state: &mut State, invocation: Invocation<'_>) -> Result<Reply, CommandError> {
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
}
