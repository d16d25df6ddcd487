//! Errors as the REPL prints them, with the caret under the token they name.
//!
//! Right after a line is typed, the line is still on the screen just above, after the prompt:
//! the caret line alone goes under it. That holds only if nothing was drawn in between (a live
//! chart, a tree, the values of a paste) and the line did not wrap at the terminal's edge;
//! otherwise the source line is reprinted, windowed around the caret to fit the terminal as
//! batch mode windows a long line, and the caret goes under the reprint. An error with no
//! position (a limit on the input as a whole) gets no caret at all. The drawing itself is
//! `render::diagnostic`'s; this module only decides which of its forms fits the screen.

use crate::error::Error;
use crate::render::Color;
use crate::render::diagnostic;
use crate::render::text;
use crate::repl::error::CommandError;
use crate::repl::prompt::PROMPT_WIDTH;
use crate::span::Span;

/// Where the text an error is about stands on the screen.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Screen {
    /// The terminal's width in columns.
    pub width: usize,
    /// Whether the text's last line is the line just above the cursor, as typed: nothing has
    /// been drawn since it was entered.
    pub typed_above: bool,
}

/// A command's error: an error in an expression argument with its caret under the argument
/// (which starts at screen column `column`), `cancelled` on a line of its own, anything else
/// after `error:`.
pub(crate) fn render_failure(error: &CommandError, color: Color, screen: Screen) -> String {
    match error {
        CommandError::Expr {
            error,
            text,
            column,
        } => {
            if !error.placed {
                diagnostic::headline_within(&error.to_string(), screen.width, color)
            } else if screen.typed_above && fits(*column, text, screen) {
                diagnostic::render_error_under_prompt(error, text, *column, screen.width, color)
            } else {
                diagnostic::render_error_caret_first_within(error, text, screen.width, color)
            }
        }
        CommandError::Cancelled => "cancelled".to_string(),
        other => diagnostic::headline_within(&other.to_string(), screen.width, color),
    }
}

/// The error of the statement `text`: the caret under the last line on screen when the error
/// is in it and that line is still there as typed, else under a reprint of the line it is in.
/// Either way the caret comes first and the message after it.
pub(crate) fn render_error(error: &Error, text: &str, color: Color, screen: Screen) -> String {
    if !error.placed {
        return diagnostic::headline_within(&error.to_string(), screen.width, color);
    }
    let last_line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let last_line = &text[last_line_start..];
    let start = error.span.start as usize;
    if screen.typed_above && start >= last_line_start && fits(PROMPT_WIDTH, last_line, screen) {
        let shifted = Error::new(
            error.kind.clone(),
            Span::new(
                start - last_line_start,
                (error.span.end as usize).max(start) - last_line_start,
            ),
        );
        diagnostic::render_error_under_prompt(
            &shifted,
            last_line,
            PROMPT_WIDTH,
            screen.width,
            color,
        )
    } else {
        diagnostic::render_error_caret_first_within(error, text, screen.width, color)
    }
}

/// Does `line`, starting at screen column `column`, end before the terminal's edge (so that
/// it did not wrap)?
fn fits(column: usize, line: &str, screen: Screen) -> bool {
    column + text::columns(line) < screen.width
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::error::ErrorKind;

    const WIDE: Screen = Screen {
        width: 80,
        typed_above: true,
    };

    #[track_caller]
    fn check_error(text: &str, span: (usize, usize), screen: Screen, expected: &str) {
        let error = Error::new(ErrorKind::UnexpectedClose, Span::new(span.0, span.1));
        assert_eq!(render_error(&error, text, Color::Never, screen), expected);
    }

    #[test]
    fn caret_under_the_text_typed() {
        check_error(
            "1 +* 2",
            (3, 4),
            WIDE,
            "     ^\nerror: syntax error: unexpected ')'",
        );
        check_error(
            "(1 +\n* 5)",
            (5, 6),
            WIDE,
            "  ^\nerror: syntax error: unexpected ')'",
        );
        // An error in an earlier line: its quote, the caret, then the message, as for the
        // line just typed.
        check_error(
            "(1 +) *\n(5)",
            (4, 5),
            WIDE,
            "  (1 +) *\n      ^\nerror: syntax error: unexpected ')'",
        );
    }

    /// After a live chart the line typed is no longer above: it is reprinted.
    #[test]
    fn caret_under_a_reprint_when_something_was_drawn() {
        check_error(
            "(1 + 2) * (3 / 0) + (4 * 5)",
            (13, 14),
            Screen {
                typed_above: false,
                ..WIDE
            },
            "  (1 + 2) * (3 / 0) + (4 * 5)\n               ^\nerror: syntax error: unexpected ')'",
        );
    }

    /// A line that wrapped is reprinted, windowed to the terminal, the caret under its token.
    #[test]
    fn caret_under_a_windowed_reprint_when_the_line_wrapped() {
        let text = format!("{} + 1 / 0 + {}", "x".repeat(50), "y".repeat(50));
        let at = text.find('/').unwrap();
        let error = Error::new(ErrorKind::UnexpectedClose, Span::new(at, at + 1));
        let screen = Screen {
            width: 40,
            typed_above: true,
        };
        let shown = render_error(&error, &text, Color::Never, screen);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 3, "{shown}");
        assert!(lines[0].chars().count() < 40, "{shown}");
        let caret = lines[1].find('^').unwrap();
        assert_eq!(lines[0].chars().nth(caret), Some('/'), "{shown}");
    }

    #[test]
    fn no_caret_without_a_position() {
        let error = Error::unplaced(ErrorKind::InputTooLong {
            length: 5,
            limit: 3,
        });
        let shown = render_error(&error, "1+2+3", Color::Never, WIDE);
        assert_eq!(
            shown,
            "error: input of 5 bytes is over the limit of 3 bytes"
        );
    }
}
