//! Errors for people: the message, the source line and a caret under the offending text.
//!
//! The one place carets are drawn. A line longer than [`WINDOW`] columns is cut to a window
//! around the caret with `…` at the cut ends, so an error in a multi-megabyte line stays a few
//! lines of text. Columns are counted in characters (every character taken as one column).

use std::fmt::Write as _;

use crate::error::{Error, ErrorKind};
use crate::render::Color;
use crate::render::paint::{Hue, Style, paint};
use crate::span::Span;

/// Widest stretch of the source an error quotes.
pub const WINDOW: usize = 80;

/// `error: message`, then the source line and a caret line, each indented by two columns.
pub fn render_error(error: &Error, source: &str, color: Color) -> String {
    render_error_with_hint(error, source, None, color)
}

/// [`render_error`] with a hint after the message in parentheses, such as the flag that
/// raises a limit: `error: … (raise it with --max-bits)`. Only a front door knows its flags,
/// so it gives the hint.
pub fn render_error_with_hint(
    error: &Error,
    source: &str,
    hint: Option<&str>,
    color: Color,
) -> String {
    let source = source_of(error, source);
    let mut out = headline(&message(error, source, hint), color);
    if let Some((line, carets)) = quote_error(error, source) {
        let _ = write!(out, "\n  {line}\n  {}", paint_caret(&carets, color));
    }
    out
}

/// The source line and the caret line, each indented by two columns, then `error: message`:
/// the order of the REPL, where the caret usually comes under the line just typed and the
/// message after it, kept for an error in an earlier line of a statement.
pub fn render_error_caret_first(error: &Error, source: &str, color: Color) -> String {
    render_error_caret_first_within(error, source, WINDOW + 5, color)
}

/// [`render_error_caret_first`] on a screen `width` columns wide: the quoted line, its
/// indent and its `…` marks included, is at most `width - 1` columns wide, windowed around
/// the caret as a long line is (never narrower than 20 columns of source).
pub fn render_error_caret_first_within(
    error: &Error,
    source: &str,
    width: usize,
    color: Color,
) -> String {
    let source = source_of(error, source);
    let window = width.saturating_sub(5).clamp(20, WINDOW);
    let quoted = if error.placed {
        quote_within(source, error.span, window)
    } else {
        None
    };
    let mut out = String::new();
    if let Some((line, carets)) = quoted {
        let _ = writeln!(out, "  {line}\n  {}", paint_caret(&carets, color));
    }
    out.push_str(&headline_within(
        &message(error, source, None),
        width,
        color,
    ));
    out
}

/// Only the caret line, shifted right by `prompt_width` columns: in the REPL the line the user
/// typed is still on screen just above, after the prompt.
/// The message is wrapped to a screen `width` columns wide.
pub fn render_error_under_prompt(
    error: &Error,
    source: &str,
    prompt_width: usize,
    width: usize,
    color: Color,
) -> String {
    if error.within.is_some() {
        return render_error_caret_first_within(error, source, width, color);
    }
    let mut out = String::new();
    if let Some((line, carets)) = quote_error(error, source) {
        // A cut line no longer lines up with the screen: quote it in full then.
        if line.chars().count() != source.lines().next().unwrap_or("").chars().count() {
            return render_error_caret_first_within(error, source, width, color);
        }
        out.push_str(&" ".repeat(prompt_width));
        out.push_str(&paint_caret(&carets, color));
        out.push('\n');
    }
    out.push_str(&headline_within(
        &message(error, source, None),
        width,
        color,
    ));
    out
}

/// The text `error`'s span indexes: the definition of the function that raised it, if a
/// function did, else the statement's `source`.
fn source_of<'a>(error: &'a Error, source: &'a str) -> &'a str {
    error
        .within
        .as_ref()
        .map_or(source, |within| &within.source)
}

/// The message of `error` in `source`, with the front door's `hint`, what another
/// calculator's habit explains (`render::habits`) and the function that raised it in
/// parentheses.
fn message(error: &Error, source: &str, hint: Option<&str>) -> String {
    let habit = super::habits::hint(error, source);
    // A habit explained says what was meant: a nearest name beside it would only mislead
    // (`ans` is not `abs`).
    let shown = match (&error.kind, &habit) {
        (ErrorKind::UnknownName { name, .. }, Some(_)) => ErrorKind::UnknownName {
            name: name.clone(),
            suggestion: None,
        }
        .to_string(),
        _ => error.to_string(),
    };
    let within = error
        .within
        .as_ref()
        .map(|within| format!("in function {}", within.function));
    let habit = match (habit, within) {
        (Some(habit), Some(within)) => Some(format!("{habit}; {within}")),
        (habit, within) => habit.or(within),
    };
    match (hint, habit) {
        (Some(hint), Some(habit)) => format!("{shown} ({hint}; {habit})"),
        (Some(hint), None) => format!("{shown} ({hint})"),
        (None, Some(habit)) => format!("{shown} ({habit})"),
        (None, None) => shown,
    }
}

/// The style of `error:` and of the carets.
const ERROR_STYLE: Style = Style::fg(Hue::Red).bold();

/// `error: message`, `error:` in red when colour is on. Every error parcalc prints starts so.
pub fn headline(message: &str, color: Color) -> String {
    format!("{} {message}", paint("error:", ERROR_STYLE, color))
}

/// [`headline`] on a screen `width` columns wide: the message broken at spaces into lines
/// shorter than the screen, the lines after the first indented under the message. A word
/// longer than a line is never cut: it has a line of its own.
pub fn headline_within(message: &str, width: usize, color: Color) -> String {
    const INDENT: &str = "       ";
    let room = width.saturating_sub(1).max(24);
    let mut out = paint("error:", ERROR_STYLE, color);
    let mut column = "error:".len();
    let mut need_space = true;
    for (index, line) in message.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
            out.push_str(INDENT);
            (column, need_space) = (INDENT.len(), false);
        }
        for word in line.split(' ') {
            let length = crate::render::text::columns(word);
            if need_space && column > INDENT.len() && column + 1 + length > room {
                out.push('\n');
                out.push_str(INDENT);
                (column, need_space) = (INDENT.len(), false);
            }
            if need_space {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += length;
            need_space = true;
        }
    }
    out
}

fn paint_caret(carets: &str, color: Color) -> String {
    let trimmed = carets.trim_start();
    let pad = carets.len() - trimmed.len();
    format!("{}{}", " ".repeat(pad), paint(trimmed, ERROR_STYLE, color))
}

/// [`quote`] of the error's span, or `None` for an error with no position: it gets no caret.
fn quote_error(error: &Error, source: &str) -> Option<(String, String)> {
    if error.placed {
        quote(source, error.span)
    } else {
        None
    }
}

/// The (windowed) line holding `span.start` and the caret line under it; `None` for an empty
/// source.
pub fn quote(source: &str, span: Span) -> Option<(String, String)> {
    quote_within(source, span, WINDOW)
}

/// [`quote`] with a window of `window` columns of source (plus a `…` at each cut end).
pub fn quote_within(source: &str, span: Span, window: usize) -> Option<(String, String)> {
    let window = window.max(3);
    if source.is_empty() {
        return None;
    }
    let start = floor_char_boundary(source, (span.start as usize).min(source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line = source[line_start..line_end].trim_end_matches('\r');
    // The span may start past the trimmed line, on the `\r` or `\n` ending it.
    let end = floor_char_boundary(
        source,
        (span.end as usize).clamp(start, (line_start + line.len()).max(start)),
    );

    let caret_len = source[start..end].chars().count().max(1);
    let line_chars: Vec<char> = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    // A span past the trimmed `\r` is shown just after the line's last character.
    let caret_col = source[line_start..start]
        .chars()
        .count()
        .min(line_chars.len());

    if line_chars.len() <= window {
        let carets = format!("{}{}", " ".repeat(caret_col), "^".repeat(caret_len));
        return Some((line_chars.into_iter().collect(), carets));
    }
    // Cut a window of `window` columns, the caret about a third of the way in.
    let from = caret_col.saturating_sub(window / 3);
    let to = (from + window).min(line_chars.len());
    let from = to.saturating_sub(window).min(from);
    let mut shown = String::new();
    let mut offset = 0;
    if from > 0 {
        shown.push('…');
        offset = 1;
    }
    shown.extend(&line_chars[from..to]);
    if to < line_chars.len() {
        shown.push('…');
    }
    let caret_len = caret_len.min(to.saturating_sub(caret_col).max(1));
    let carets = format!(
        "{}{}",
        " ".repeat(caret_col - from + offset),
        "^".repeat(caret_len)
    );
    Some((shown, carets))
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::error::ErrorKind;

    #[track_caller]
    fn check(source: &str, span: (usize, usize), expected: &str) {
        let error = Error::new(ErrorKind::UnexpectedClose, Span::new(span.0, span.1));
        assert_eq!(render_error(&error, source, Color::Never), expected);
    }

    #[test]
    fn caret_under_the_span() {
        check(
            "1 +* 2",
            (3, 4),
            "error: syntax error: unexpected ')'\n  1 +* 2\n     ^",
        );
        check(
            "7 // 0",
            (2, 4),
            "error: syntax error: unexpected ')'\n  7 // 0\n    ^^",
        );
    }

    /// Regression: `--max-input 3 -e 1+2+3` drew a caret under column 0.
    #[test]
    fn an_error_with_no_position_has_no_caret() {
        let error = Error::unplaced(ErrorKind::InputTooLong {
            length: 5,
            limit: 3,
        });
        let text = render_error(&error, "1+2+3", Color::Never);
        assert!(!text.contains('^'), "{text}");
        assert!(!text.contains('\n'), "{text}");
        let text = render_error_under_prompt(&error, "1+2+3", 2, 80, Color::Never);
        assert!(!text.contains('^'), "{text}");
        let text = render_error_caret_first(&error, "1+2+3", Color::Never);
        assert!(!text.contains('^'), "{text}");
    }

    #[test]
    fn caret_past_the_end() {
        check(
            "(1 + 2",
            (6, 6),
            "error: syntax error: unexpected ')'\n  (1 + 2\n        ^",
        );
    }

    /// Regression: a span on the `\n` after a `\r` (`-e $'1\r\n+'`) panicked in `clamp`, and
    /// on a long line its caret fell outside the window.
    #[test]
    fn caret_on_the_newline_after_a_carriage_return() {
        check(
            "1\r\n+",
            (2, 3),
            "error: syntax error: unexpected ')'\n  1\n   ^",
        );
        check(
            "1\r\r\n+",
            (3, 4),
            "error: syntax error: unexpected ')'\n  1\n   ^",
        );
        let source = format!("{}\r\n+", "7".repeat(100));
        let error = Error::new(ErrorKind::UnexpectedClose, Span::new(101, 102));
        let text = render_error(&error, &source, Color::Never);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], format!("  …{}", "7".repeat(WINDOW)));
        assert_eq!(lines[2], format!("  {}^", " ".repeat(WINDOW + 1)));
    }

    #[test]
    fn long_line_is_windowed() {
        let source = format!("{}1 / 0{}", "1 + ".repeat(100_000), " + 1".repeat(100_000));
        let at = 400_002;
        let error = Error::new(ErrorKind::UnexpectedClose, Span::new(at, at + 1));
        let text = render_error(&error, &source, Color::Never);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].chars().count() <= WINDOW + 4, "{}", lines[1]);
        let caret_col = lines[2].find('^').unwrap();
        let quoted: Vec<char> = lines[1].chars().collect();
        assert_eq!(quoted[caret_col], '/');
    }

    #[test]
    fn a_long_message_is_wrapped_to_the_screen_and_keeps_every_word() {
        let message = "name 'velocity_of_the_train' is not defined (did you mean \
                       'velocity_of_the_trains'? a name is bound by an assignment such as x = 1)";
        let wrapped = headline_within(message, 40, Color::Never);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(lines.len() >= 3, "{wrapped}");
        assert!(
            lines.iter().all(|line| line.chars().count() < 40),
            "{wrapped}"
        );
        assert!(lines[0].starts_with("error: name"), "{wrapped}");
        assert!(
            lines[1..]
                .iter()
                .all(|line| line.starts_with("       ") && !line.starts_with("        ")),
            "{wrapped}"
        );
        let words: Vec<&str> = wrapped.split_whitespace().collect();
        let whole = format!("error: {message}");
        let expected: Vec<&str> = whole.split_whitespace().collect();
        assert_eq!(words, expected);
        // A short message is one line, as `headline` writes it.
        assert_eq!(
            headline_within("division by zero", 80, Color::Never),
            headline("division by zero", Color::Never)
        );
        // A word longer than the screen is not cut.
        let long = "x".repeat(100);
        assert!(headline_within(&long, 40, Color::Never).contains(&long));
    }
}
