//! A fast byte scan run before pest: parentheses matched, newlines placed, depth measured.
//!
//! The scan is a small lexer over bytes. It finds the errors pest reports poorly or too late (an
//! unmatched `)`, a `(` never closed, a newline outside parentheses) and measures how deep the
//! parse will recurse, so that the parser can refuse absurd nesting with a clear error and give
//! deep but reasonable inputs a thread with enough stack. It does not check anything else: every
//! other mistake is left to the grammar. [`blank_comments`] then turns comments into blanks,
//! which is how the grammar, which has no comments, sees them.

use std::borrow::Cow;

use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// Deepest nesting of parentheses accepted.
pub const MAX_NESTING: usize = 100_000;

/// Longest run of prefix and `^` operators accepted within one level of parentheses, such as
/// `- - - x` or `2 ^ 2 ^ 2 ^ x`. Parsing such a run does not recurse, but its tree is as deep as
/// the run is long, like that of nested parentheses, and gets the same limit.
pub const MAX_CHAIN: usize = 100_000;

/// What the scan measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Deepest nesting of parentheses (grouping and call parentheses alike).
    pub max_nesting: usize,
    /// Longest run of prefix and `^` operators without a looser operator in between, within one
    /// level of parentheses.
    pub max_chain: usize,
}

/// Scans `source`; an error for unbalanced parentheses, a misplaced newline or too deep a
/// nesting, the first one in the text.
pub fn scan(source: &str) -> Result<Shape, Error> {
    let bytes = source.as_bytes();
    let mut shape = Shape::default();
    // Byte offsets of the open parentheses, innermost last, and the chain of each outer level.
    let mut opens: Vec<u32> = Vec::new();
    let mut outer_chains: Vec<usize> = Vec::new();
    let mut chain = 0usize;
    let mut after_operand = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                if opens.is_empty() && !blank_from(bytes, i) {
                    return Err(syntax(
                        "a newline is allowed only inside parentheses",
                        Span::new(i, i + 1),
                    ));
                }
                i += 1;
            }
            b'#' => i = line_end(bytes, i),
            b'(' => {
                opens.push(i as u32);
                outer_chains.push(chain);
                chain = 0;
                after_operand = false;
                if opens.len() > shape.max_nesting {
                    shape.max_nesting = opens.len();
                    if shape.max_nesting > MAX_NESTING {
                        return Err(too_deep(MAX_NESTING, Span::new(i, i + 1)));
                    }
                }
                i += 1;
            }
            b')' => {
                if opens.pop().is_none() {
                    return Err(syntax("unexpected ')'", Span::new(i, i + 1)));
                }
                chain = outer_chains.pop().unwrap_or(0);
                after_operand = true;
                i += 1;
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                after_operand = true;
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(bytes, i);
                after_operand = true;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                after_operand = true;
            }
            b'+' | b'-' | b'^' | b'*' => {
                let is_pow = byte == b'^' || (byte == b'*' && bytes.get(i + 1) == Some(&b'*'));
                let is_prefix = (byte == b'+' || byte == b'-') && !after_operand;
                if is_pow || is_prefix {
                    chain += 1;
                    if chain > shape.max_chain {
                        shape.max_chain = chain;
                        if chain > MAX_CHAIN {
                            return Err(too_deep(MAX_CHAIN, Span::new(i, i + 1)));
                        }
                    }
                } else {
                    chain = 0;
                }
                i += if byte == b'*' && is_pow { 2 } else { 1 };
                after_operand = false;
            }
            _ => {
                // `/`, `//`, `%`, `,`, `=` end a chain; anything else is left to the grammar.
                chain = 0;
                after_operand = false;
                i += 1;
            }
        }
    }
    match opens.last() {
        Some(&open) => Err(syntax(
            "unclosed '('",
            Span::new(open as usize, open as usize + 1),
        )),
        None => Ok(shape),
    }
}

fn syntax(message: &str, span: Span) -> Error {
    Error::new(ErrorKind::Syntax(message.to_string()), span)
}

fn too_deep(limit: usize, span: Span) -> Error {
    Error::new(
        ErrorKind::Limit(format!("nesting too deep (limit {limit})")),
        span,
    )
}

/// The offset of the `\n` ending the line that holds `start`, or the end of the text.
fn line_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |offset| start + offset)
}

/// `source` with every comment (from `#` to the end of its line) replaced by as many spaces as
/// it has bytes. The grammar has no comments: this is how they become blanks, and positions in
/// the result are those in `source`. Borrowed when there is no comment.
pub fn blank_comments(source: &str) -> Cow<'_, str> {
    if !source.contains('#') {
        return Cow::Borrowed(source);
    }
    let mut bytes = source.as_bytes().to_vec();
    let mut from = 0;
    while let Some(offset) = bytes[from..].iter().position(|&b| b == b'#') {
        let start = from + offset;
        let end = line_end(&bytes, start);
        bytes[start..end].fill(b' ');
        from = end;
    }
    // A comment is whole characters (it ends before a `\n` or at the end), so this is UTF-8.
    Cow::Owned(
        String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()),
    )
}

/// Is everything from `start` on blank or a comment?
fn blank_from(bytes: &[u8], start: usize) -> bool {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => i = line_end(bytes, i),
            _ => return false,
        }
    }
    true
}

/// The end of the number starting at `start`: digits and `_`, a fraction, an exponent. The
/// scan only needs to step over the number (so that the sign of an exponent is not taken for
/// an operator); the grammar checks its form.
pub(super) fn number_end(bytes: &[u8], start: usize) -> usize {
    let digits = |mut i: usize| {
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    if bytes.get(i) == Some(&b'.') {
        i = digits(i + 1);
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if bytes.get(j).is_some_and(u8::is_ascii_digit) {
            i = digits(j);
        }
    }
    i
}
