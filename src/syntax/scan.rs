//! A fast byte scan run before pest: parentheses matched, newlines placed, depth measured.
//!
//! The scan reads the tokens of [`lex`] once. It finds the errors pest reports poorly or too late (an
//! unmatched `)`, a `(` never closed, a newline outside parentheses) and measures how deep the
//! parse will recurse, so that the parser can refuse absurd nesting with a clear error and give
//! deep but reasonable inputs a thread with enough stack. It does not check anything else: every
//! other mistake is left to the grammar. [`blank`] then turns comments, tabs and newlines into
//! spaces, which is how the grammar, which has no comments and one blank, sees them.

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

/// Sizes of the groups a long line is parsed in, as chunks, in bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chunking {
    pub(crate) min: usize,
    pub(crate) max: usize,
}

/// A group picked to be parsed as a chunk: its byte range in the statement, parentheses
/// included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Scans `source`; an error for unbalanced parentheses, a misplaced newline or too deep a
/// nesting, the first one in the text. When `chunking` is given, it picks in the same pass the
/// groups to parse as chunks: the largest grouping parentheses of a size within it, in text order, none inside another.
/// A `(` right after a name, number or `)` is not a group (it is a call, or an error the
/// skeleton must report itself), nor is one after a character the lexer does not know.
pub(crate) fn scan(source: &str, chunking: Option<Chunking>) -> Result<(Shape, Vec<Group>), Error> {
    scan_emitting(source, chunking, &mut |_, _| {})
}

/// [`scan`], which also gives `emit` each picked group as soon as it is final, in text order,
/// with the shape measured so far: a group is final once the scan is `chunking.max` bytes past
/// its start, since no group that could swallow it can close after that. So the pool can parse
/// the groups while the scan goes on. The groups returned are those emitted, and the last ones
/// (emitted at the end); when the scan fails, some groups may have been emitted.
pub(crate) fn scan_emitting(
    source: &str,
    chunking: Option<Chunking>,
    emit: &mut dyn FnMut(Group, Shape),
) -> Result<(Shape, Vec<Group>), Error> {
    let mut shape = Shape::default();
    let mut picker = chunking.map(|chunking| Picker {
        chunking,
        picked: Vec::new(),
        emitted: 0,
    });
    // The open parentheses, innermost last: offset and whether it opens a group; and the chain
    // of each outer level.
    let mut opens: Vec<(u32, bool)> = Vec::new();
    let mut outer_chains: Vec<usize> = Vec::new();
    let mut chain = 0usize;
    let mut after_operand = false;
    // The last significant token's kind, which tells whether a `(` opens a group.
    let mut previous = TokenKind::Open;
    // Where the last significant token starts (a `:` before a newline ends a `def`'s header).
    let mut previous_start = 0usize;
    // A newline outside parentheses is fine as long as nothing but blanks and comments
    // follows it: the first such newline since the last significant token.
    let mut newline_outside: Option<usize> = None;
    for token in lex::tokens(source) {
        if token.kind.is_significant()
            && let Some(at) = newline_outside.take()
        {
            return Err(Error::new(
                ErrorKind::NewlineOutsideParens,
                Span::new(at, at + 1),
            ));
        }
        match token.kind {
            TokenKind::Blank | TokenKind::Comment => {}
            TokenKind::Newline => {
                // The newline after a `def`'s `:`, before its body.
                let after_colon = previous == TokenKind::Unknown
                    && source.as_bytes().get(previous_start) == Some(&b':');
                if opens.is_empty() && newline_outside.is_none() && !after_colon {
                    newline_outside = Some(token.start);
                }
            }
            TokenKind::Open => {
                let is_group = !(previous.ends_operand() || previous == TokenKind::Unknown);
                opens.push((token.start as u32, is_group));
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
                let Some((start, is_group)) = opens.pop() else {
                    return Err(Error::new(ErrorKind::UnexpectedClose, span_of(token)));
                };
                if let Some(picker) = &mut picker
                    && is_group
                {
                    picker.close(start as usize, token.end, shape, emit);
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
        if token.kind.is_significant() {
            previous = token.kind;
            previous_start = token.start;
        }
    }
    if let Some(&(open, _)) = opens.last() {
        return Err(Error::new(
            ErrorKind::UnclosedParen,
            Span::new(open as usize, open as usize + 1),
        ));
    }
    let groups = picker.map_or_else(Vec::new, |picker| picker.finish(shape, emit));
    Ok((shape, groups))
}

/// The groups picked so far, and how many of them are emitted.
struct Picker {
    chunking: Chunking,
    picked: Vec<Group>,
    emitted: usize,
}

impl Picker {
    /// A grouping parenthesis opened at `start` closes at `end`.
    fn close(
        &mut self,
        start: usize,
        end: usize,
        shape: Shape,
        emit: &mut dyn FnMut(Group, Shape),
    ) {
        if !(self.chunking.min..=self.chunking.max).contains(&(end - start)) {
            return;
        }
        // Groups close inner first: this one swallows those picked inside it.
        while self.picked.last().is_some_and(|group| group.start > start) {
            self.picked.pop();
        }
        self.picked.push(Group { start, end });
        // A group that could still swallow one picked earlier would end after `end` and start
        // less than `chunking.max` before it: those starting earlier than that are final. (And a
        // group this one swallowed started after `start`, after any already emitted.)
        while let Some(&group) = self.picked.get(self.emitted)
            && group.start + self.chunking.max < end
        {
            emit(group, shape);
            self.emitted += 1;
        }
    }

    /// Emits the groups not emitted yet, at the end of the scan, and returns all.
    fn finish(self, shape: Shape, emit: &mut dyn FnMut(Group, Shape)) -> Vec<Group> {
        for &group in &self.picked[self.emitted..] {
            emit(group, shape);
        }
        self.picked
    }
}

fn span_of(token: Token) -> Span {
    Span::new(token.start, token.end)
}

fn too_deep(limit: usize, span: Span) -> Error {
    Error::new(ErrorKind::NestingTooDeep { limit }, span)
}

/// `source` as the grammar reads it: every comment (from `#` to the end of its line) replaced by
/// as many spaces as it has bytes, and every tab, carriage return and newline by a space. The
/// grammar has no comments, and its only blank is the space: pest tries the blank rule after
/// every token, and one alternative there instead of four saves 6% of the parse (BENCHMARKS.md).
/// Positions in the result are those in `source`. Borrowed when there is nothing to replace.
pub(crate) fn blank(source: &str) -> Cow<'_, str> {
    let bytes = source.as_bytes();
    if !bytes
        .iter()
        .any(|&byte| matches!(byte, b'#' | b'\t' | b'\r' | b'\n'))
    {
        return Cow::Borrowed(source);
    }
    let mut blanked = Vec::with_capacity(source.len());
    for token in lex::tokens(source) {
        let bytes = token.bytes(bytes);
        if token.kind == TokenKind::Comment {
            blanked.extend(std::iter::repeat_n(b' ', bytes.len()));
        } else {
            blanked.extend(bytes.iter().map(|&byte| match byte {
                b'\t' | b'\r' | b'\n' => b' ',
                byte => byte,
            }));
        }
    }
    // Only ASCII bytes were replaced, by ASCII bytes: the text is still UTF-8.
    Cow::Owned(String::from_utf8(blanked).unwrap_or_else(|_| source.to_owned()))
}
