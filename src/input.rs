//! Splitting a file or piped stdin into statements.
//!
//! One statement per line, except that a line with unclosed parentheses continues on the next
//! (as in Python), decided as the REPL decides it (`lex::continues`). Lines end with `\n` or
//! `\r\n`; a last line without a newline counts. Bytes that are not UTF-8 make their statement
//! an error ([`NotUtf8`], which says where, so that it is drawn with a caret like any other);
//! they never stop the others.

use crate::error::{Error, ErrorKind};
use crate::span::Span;
use crate::syntax::lex::{self, Parens, TokenKind};

/// One statement of a batch input.
#[derive(Clone, Debug, PartialEq)]
pub struct Piece<'a> {
    /// 1-based number of the line the statement starts on.
    pub line_no: usize,
    /// The statement's text (several lines joined by `\n` when parentheses were open), or why
    /// it cannot be read.
    pub text: Result<&'a str, NotUtf8>,
}

/// A statement that is not valid UTF-8.
#[derive(Clone, Debug, PartialEq)]
pub struct NotUtf8 {
    /// The statement with every invalid sequence replaced by `\u{fffd}`, to quote.
    pub text: String,
    /// The error, pointing at the first replacement character in `text`.
    pub error: Error,
}

/// Splits `input` into statements.
pub fn statements(input: &[u8]) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut line_no = 1;
    let mut start = 0;
    let mut start_line = 1;
    let mut parens = Parens::default();
    for token in lex::structure(input) {
        if token.kind != TokenKind::Newline {
            parens.feed(token);
            continue;
        }
        line_no += 1;
        if !parens.continues() {
            pieces.push(piece(&input[start..token.start], start_line));
            start = token.end;
            start_line = line_no;
            parens = Parens::default();
        }
    }
    if start < input.len() {
        pieces.push(piece(&input[start..], start_line));
    }
    pieces
}

fn piece(bytes: &[u8], line_no: usize) -> Piece<'_> {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(error) => {
            // The valid prefix is copied as it is, so the first replacement starts there.
            let at = error.valid_up_to();
            let kind = ErrorKind::InvalidUtf8 { byte: bytes[at] };
            Err(NotUtf8 {
                text: String::from_utf8_lossy(bytes).into_owned(),
                error: Error::new(kind, Span::new(at, at + '\u{fffd}'.len_utf8())),
            })
        }
    };
    Piece { line_no, text }
}

#[cfg(test)]
mod test {
    use super::*;

    fn texts(input: &str) -> Vec<(usize, &str)> {
        statements(input.as_bytes())
            .into_iter()
            .map(|p| (p.line_no, p.text.unwrap()))
            .collect()
    }

    #[test]
    fn one_per_line() {
        assert_eq!(texts("1\n2\n"), vec![(1, "1"), (2, "2")]);
        assert_eq!(texts("1\r\n2"), vec![(1, "1"), (2, "2")]);
        assert_eq!(texts(""), vec![]);
    }

    #[test]
    fn open_parentheses_continue() {
        assert_eq!(texts("(1 +\n 2)\n3\n"), vec![(1, "(1 +\n 2)"), (3, "3")]);
        assert_eq!(texts("1 # (\n2\n"), vec![(1, "1 # ("), (2, "2")]);
    }

    #[test]
    fn invalid_utf8_is_one_error() {
        let pieces = statements(b"1\n\xff\xfe\n3\n");
        assert_eq!(pieces.len(), 3);
        let Err(not_utf8) = &pieces[1].text else {
            panic!("{:?}", pieces[1]);
        };
        assert_eq!(not_utf8.text, "\u{fffd}\u{fffd}");
        assert_eq!(not_utf8.error.span, Span::new(0, 3));
        assert_eq!(
            not_utf8.error.to_string(),
            "invalid UTF-8: cannot decode byte 0xff"
        );
        assert_eq!(pieces[2].text, Ok("3"));
    }
}
