//! The continuation rule: whether a statement read so far goes on on the next line. The REPL
//! (a `… ` prompt) and the reader of files and piped stdin (`input::Reader`) both ask here.
//!
//! A statement continues while a `(` is open (as in Python), unless it already has an error
//! that no later line can mend: `(1 +` waits for more, `(1 $` is an error now. The parser
//! decides, on the text with the missing `)` added on a line of their own (so that a comment
//! cannot swallow them): an error before the end of the text is one no next line can mend,
//! except a wrong number of arguments, since the next line may bring them (`abs(` then `-3)`,
//! `pow(2,` then `10)`). This module does not read lines; its callers do, and the lexical half
//! of the rule (`lex::continues`) is all that `input::statements` needs to cut a whole text.

use crate::error::{Error, ErrorKind};
use crate::span::Span;
use crate::syntax::lex::{self, Parens};

/// What a statement read so far asks for.
#[derive(Debug, PartialEq)]
pub(crate) enum Continuation {
    /// It is whole: evaluate it (or report its errors).
    Complete,
    /// Read its next line: a `(` is open.
    Continues,
    /// Report this error at once: the statement has an error that no next line can mend.
    Failed(Error),
}

/// What the statement `text`, read so far, asks for.
pub(crate) fn continuation(text: &str) -> Continuation {
    let mut parens = Parens::default();
    lex::tokens(text).for_each(|token| parens.feed(token));
    if !parens.continues() {
        if lex::def_header(text) {
            return Continuation::Continues;
        }
        return Continuation::Complete;
    }
    open_continuation(text, parens.depth)
}

/// [`continuation`] for a statement whose parentheses the caller has counted: `depth` of them
/// are open, and no `)` closed nothing.
pub(crate) fn open_continuation(text: &str, depth: usize) -> Continuation {
    // Only the last of several statements on the line (`x = 1; f(`) is open; the others are
    // whole, and report their own errors when they run.
    let (offset, text) = crate::syntax::split_statements(text)
        .last()
        .copied()
        .unwrap_or((0, text));
    let closed = format!("{text}\n{}", ")".repeat(depth));
    match crate::syntax::parse_statement(&closed) {
        Err(mut error)
            if (error.span.start as usize) < text.len() && !lines_may_mend(&error.kind) =>
        {
            error.span = Span::new(
                error.span.start as usize + offset,
                error.span.end as usize + offset,
            );
            Continuation::Failed(error)
        }
        _ => Continuation::Continues,
    }
}

/// Whether an error may be gone once more lines come: a wrong number of arguments, since a
/// call's arguments may be on them. A statement read over several lines whose error is such
/// was rightly read whole: its error is the whole statement's (`abs(` then `1, 2)`), where any
/// other error after several lines is reported at the first line alone.
pub(crate) fn lines_may_mend(kind: &ErrorKind) -> bool {
    matches!(kind, ErrorKind::Arity { .. })
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: &str) {
        let got = match continuation(text) {
            Continuation::Complete => "complete".to_string(),
            Continuation::Continues => "continues".to_string(),
            Continuation::Failed(error) => format!("failed: {error}"),
        };
        assert_eq!(got, expected, "{text:?}");
    }

    #[test]
    fn open_parentheses_continue_unless_an_error_is_already_there() {
        check("1 + 2", "complete");
        check("(1 +", "continues");
        check("(1 +\n2", "continues");
        check("(", "continues");
        check("1 # (", "complete");
        check("(1 + 2))", "complete");
        check(
            "(1 $",
            "failed: syntax error: expected an operator, found '$'",
        );
    }

    #[test]
    fn an_open_call_waits_for_its_arguments() {
        check("abs(", "continues");
        check("pow(2,", "continues");
        check("pow(2,\n", "continues");
        check("max(1, 2,", "continues");
        check("abs(1, 2) + (", "continues");
        // A user function's name: known only when the statement runs.
        check("nosuch(", "continues");
    }
}
