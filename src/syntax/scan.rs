//! A fast byte scan run before pest: parentheses matched, newlines placed, depth measured.
//!
//! The scan reads the tokens of [`lex`] once. It finds the errors pest reports poorly or too late (an
//! unmatched `)`, a `(` never closed, a newline outside parentheses) and measures how deep the
//! parse will recurse, so that the parser can refuse absurd nesting with a clear error and give
//! deep but reasonable inputs a thread with enough stack. It does not check anything else: every
//! other mistake is left to the grammar. [`blank_comments`] then turns comments into blanks,
//! which is how the grammar, which has no comments, sees them.

use std::borrow::Cow;

use crate::error::{Error, ErrorKind};
use crate::span::Span;
use crate::syntax::lex::{self, Token, TokenKind};

/// Deepest nesting of parentheses accepted.
pub(crate) const MAX_NESTING: usize = 100_000;

/// Longest run of prefix and `^` operators accepted within one level of parentheses, such as
/// `- - - x` or `2 ^ 2 ^ 2 ^ x`. Parsing such a run does not recurse, but its tree is as deep as
/// the run is long, like that of nested parentheses, and gets the same limit.
pub(crate) const MAX_CHAIN: usize = 100_000;

/// What the scan measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Deepest nesting of parentheses (grouping and call parentheses alike).
    pub max_nesting: usize,
    /// Longest run of prefix and `^` operators without a looser operator in between, within one
    /// level of parentheses.
    pub max_chain: usize,
}

/// Scans `source`; an error for unbalanced parentheses, a misplaced newline or too deep a
/// nesting, the first one in the text.
pub(crate) fn scan(source: &str) -> Result<Shape, Error> {
    let mut shape = Shape::default();
    // Byte offsets of the open parentheses, innermost last, and the chain of each outer level.
    let mut opens: Vec<u32> = Vec::new();
    let mut outer_chains: Vec<usize> = Vec::new();
    let mut chain = 0usize;
    let mut after_operand = false;
    // A newline outside parentheses is fine as long as nothing but blanks and comments
    // follows it: the first such newline since the last significant token.
    let mut newline_outside: Option<usize> = None;
    for token in lex::tokens(source) {
        if token.kind.is_significant() {
            if let Some(at) = newline_outside.take() {
                return Err(Error::new(
                    ErrorKind::NewlineOutsideParens,
                    Span::new(at, at + 1),
                ));
            }
        }
        match token.kind {
            TokenKind::Blank | TokenKind::Comment => {}
            TokenKind::Newline => {
                if opens.is_empty() && newline_outside.is_none() {
                    newline_outside = Some(token.start);
                }
            }
            TokenKind::Open => {
                opens.push(token.start as u32);
                outer_chains.push(chain);
                chain = 0;
                after_operand = false;
                if opens.len() > shape.max_nesting {
                    shape.max_nesting = opens.len();
                    if shape.max_nesting > MAX_NESTING {
                        return Err(too_deep(MAX_NESTING, span_of(token)));
                    }
                }
            }
            TokenKind::Close => {
                if opens.pop().is_none() {
                    return Err(Error::new(ErrorKind::UnexpectedClose, span_of(token)));
                }
                chain = outer_chains.pop().unwrap_or(0);
                after_operand = true;
            }
            // Operands do not end a chain: `2 ^ 2 ^ x` is one run.
            TokenKind::Number | TokenKind::Name => after_operand = true,
            TokenKind::Operator => {
                let text = token.bytes(source.as_bytes());
                let is_pow = text == b"^" || text == b"**";
                let is_prefix = text == b"~" || (matches!(text, b"+" | b"-") && !after_operand);
                if is_pow || is_prefix {
                    chain += 1;
                    if chain > shape.max_chain {
                        shape.max_chain = chain;
                        if chain > MAX_CHAIN {
                            return Err(too_deep(MAX_CHAIN, span_of(token)));
                        }
                    }
                } else {
                    chain = 0;
                }
                after_operand = false;
            }
            // `,`, `=` and anything else end a chain; what they mean is left to the grammar.
            TokenKind::Comma | TokenKind::Equals | TokenKind::Unknown => {
                chain = 0;
                after_operand = false;
            }
        }
    }
    match opens.last() {
        Some(&open) => Err(Error::new(
            ErrorKind::UnclosedParen,
            Span::new(open as usize, open as usize + 1),
        )),
        None => Ok(shape),
    }
}

fn span_of(token: Token) -> Span {
    Span::new(token.start, token.end)
}

fn too_deep(limit: usize, span: Span) -> Error {
    Error::new(ErrorKind::NestingTooDeep { limit }, span)
}

/// `source` with every comment (from `#` to the end of its line) replaced by as many spaces as
/// it has bytes. The grammar has no comments: this is how they become blanks, and positions in
/// the result are those in `source`. Borrowed when there is no comment.
pub(crate) fn blank_comments(source: &str) -> Cow<'_, str> {
    if !source.contains('#') {
        return Cow::Borrowed(source);
    }
    let mut blanked = String::with_capacity(source.len());
    for token in lex::tokens(source) {
        if token.kind == TokenKind::Comment {
            blanked.extend(std::iter::repeat_n(' ', token.end - token.start));
        } else {
            blanked.push_str(token.text(source));
        }
    }
    Cow::Owned(blanked)
}
