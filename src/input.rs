//! Splitting a file or piped stdin into statements.
//!
//! One statement per line, except that a line with unclosed parentheses continues on the next
//! (as in Python), decided as the REPL decides it (`syntax::continuation`). Lines end with `\n` or
//! `\r\n`; a last line without a newline counts. Bytes that are not UTF-8 make their statement
//! an error ([`NotUtf8`], which says where, so that it is drawn with a caret like any other);
//! they never stop the others.
//!
//! [`statements`] splits a whole text; [`Reader`] reads a stream statement by statement, so
//! that batch mode writes each value before it waits for the next line and its memory does
//! not grow with the input. A statement that continued over several lines and then fails to
//! parse (or is not UTF-8) is cut by the caller ([`Reader::split_first_line`]): its first line is
//! reported alone and reading resumes at its second, so one stray `(` costs one line's answer.

use std::io::{self, BufRead, BufReader, Read};

use crate::error::{Error, ErrorKind};
use crate::span::Span;
use crate::syntax::continuation::{self, Continuation};
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
        if !parens.continues() && !def_header(&input[start..token.start]) {
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

/// Whether `text` is a `def`'s first line whose body follows on the next (`lex::def_header`);
/// only a line starting with `def` is lexed.
fn def_header(text: &[u8]) -> bool {
    text.trim_ascii_start().starts_with(b"def")
        && std::str::from_utf8(text).is_ok_and(lex::def_header)
}

/// A statement of `n_lines` lines from line `line_no`, from its bytes.
fn owned(raw: Vec<u8>, line_no: usize, n_lines: usize) -> ReadStatement {
    let text = match String::from_utf8(raw) {
        Ok(text) => Ok(text),
        Err(error) => match piece(error.as_bytes(), line_no).text {
            Err(not_utf8) => Err(not_utf8),
            Ok(text) => Ok(text.to_string()),
        },
    };
    ReadStatement {
        line_no,
        text,
        n_lines,
    }
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

/// A statement read by a [`Reader`]: owned, since the stream's buffer moves on.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadStatement {
    /// 1-based number of the line the statement starts on.
    pub line_no: usize,
    /// The statement's text (several lines joined by `\n` when parentheses were open), or why
    /// it cannot be read.
    pub text: Result<String, NotUtf8>,
    /// How many lines it spans.
    pub n_lines: usize,
}

/// Reads statements from a stream as they come, by the rules of [`statements`].
#[derive(Debug)]
pub struct Reader<R> {
    inner: BufReader<R>,
    /// Lines given back by [`Reader::split_first_line`], read again before `inner`.
    replay: Vec<u8>,
    replay_at: usize,
    /// The number of the next line to be read.
    line_no: usize,
    /// The bytes of the last statement read, when it spans several lines (for
    /// [`Reader::split_first_line`]).
    last_raw: Vec<u8>,
    last_line_no: usize,
}

/// A statement continuing over lines is checked after each of its first this many lines: once
/// it has an error no later line can mend, it ends there.
const CHECKED_LINES: usize = 64;

/// Whether the statement `text`, with `depth` parentheses open, has an error no later line can
/// mend (`syntax::continuation`'s rule, the REPL's): `(1 +` may go on, `(1 $` may not. So a
/// stray `(` in a file of garbage does not swallow the lines after it up to the end of the
/// file, only to be cut after its first line there.
fn cannot_continue(text: &[u8], depth: usize) -> bool {
    let Ok(text) = std::str::from_utf8(text) else {
        return false;
    };
    matches!(
        continuation::open_continuation(text, depth),
        Continuation::Failed(_)
    )
}

/// Feeds the parentheses of `line` to `parens`. A line without comments that has at least as
/// many `)` as the `(` it opens and those open before it leaves none open at its end, whatever
/// their order: two counts tell, without lexing it (a generated line of megabytes is one).
fn feed_line(parens: &mut Parens, line: &[u8]) {
    // One pass, three counts, in byte-sized counters over blocks of 255 bytes: the compiler
    // turns it into vector compares (0.8 ms for 6 MB, against 7 ms with word-sized counters).
    let (mut opens, mut closes, mut hashes) = (0usize, 0usize, 0usize);
    for block in line.chunks(255) {
        let (mut open, mut close, mut hash) = (0u8, 0u8, 0u8);
        for &byte in block {
            open += u8::from(byte == b'(');
            close += u8::from(byte == b')');
            hash += u8::from(byte == b'#');
        }
        opens += usize::from(open);
        closes += usize::from(close);
        hashes += usize::from(hash);
    }
    if hashes == 0 && parens.depth + opens <= closes {
        // More `)` than that means one closed nothing.
        parens.stray_close |= parens.depth + opens < closes;
        parens.depth = 0;
        return;
    }
    for token in lex::structure(line) {
        if token.kind != TokenKind::Newline {
            parens.feed(token);
        }
    }
}

/// Bytes read from the stream at a time.
const READ_BUFFER: usize = 64 << 10;

impl<R: Read> Reader<R> {
    pub fn new(inner: R) -> Reader<R> {
        Reader {
            inner: BufReader::with_capacity(READ_BUFFER, inner),
            replay: Vec::new(),
            replay_at: 0,
            line_no: 1,
            last_raw: Vec::new(),
            last_line_no: 0,
        }
    }

    /// Whether reading the next line may wait for the stream: nothing is buffered. Batch mode
    /// flushes its output then, so that piped input streams.
    pub fn would_block(&self) -> bool {
        self.replay_at >= self.replay.len() && self.inner.buffer().is_empty()
    }

    /// Appends the next line, with its `\n` if it has one, to `raw`; `false` at the end.
    fn read_line(&mut self, raw: &mut Vec<u8>) -> io::Result<bool> {
        if self.replay_at < self.replay.len() {
            let rest = &self.replay[self.replay_at..];
            let len = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |at| at + 1);
            raw.extend_from_slice(&rest[..len]);
            self.replay_at += len;
            if self.replay_at == self.replay.len() {
                self.replay.clear();
                self.replay_at = 0;
            }
            return Ok(true);
        }
        Ok(self.inner.read_until(b'\n', raw)? > 0)
    }

    /// The next statement, `None` at the end of the stream.
    ///
    /// # Blocking
    ///
    /// Waits for the stream until the statement's last line has come.
    pub fn next_statement(&mut self) -> io::Result<Option<ReadStatement>> {
        let line_no = self.line_no;
        let mut raw = Vec::new();
        let mut parens = Parens::default();
        let mut n_lines = 0;
        loop {
            let before = raw.len();
            if !self.read_line(&mut raw)? {
                break;
            }
            n_lines += 1;
            self.line_no += 1;
            let has_newline = raw.last() == Some(&b'\n');
            let end = raw.len() - usize::from(has_newline);
            // A line that opens no parenthesis, outside a statement already continuing, cannot
            // continue: most lines are not lexed here at all.
            let line = &raw[before..end];
            if parens.depth > 0 || line.contains(&b'(') {
                feed_line(&mut parens, line);
            }
            if !has_newline || !(parens.continues() || def_header(&raw[..end])) {
                break;
            }
            if n_lines <= CHECKED_LINES && cannot_continue(&raw[..end], parens.depth) {
                break;
            }
        }
        if n_lines == 0 {
            return Ok(None);
        }
        if raw.last() == Some(&b'\n') {
            raw.pop();
        }
        if raw.last() == Some(&b'\r') {
            raw.pop();
        }
        if n_lines > 1 {
            self.last_raw.clone_from(&raw);
            self.last_line_no = line_no;
        } else {
            self.last_raw.clear();
        }
        Ok(Some(owned(raw, line_no, n_lines)))
    }

    /// Cuts the last statement read, if it spans several lines, after its first line: returns
    /// that line as a statement of its own, and the lines after it will be read again (the next
    /// statement starts on the second line).
    pub fn split_first_line(&mut self) -> Option<ReadStatement> {
        let raw = std::mem::take(&mut self.last_raw);
        let newline = raw.iter().position(|&b| b == b'\n')?;
        let mut replay = raw[newline + 1..].to_vec();
        replay.push(b'\n');
        replay.extend_from_slice(&self.replay[self.replay_at..]);
        self.replay = replay;
        self.replay_at = 0;
        self.line_no = self.last_line_no + 1;
        let mut first = raw;
        first.truncate(newline);
        if first.last() == Some(&b'\r') {
            first.pop();
        }
        Some(owned(first, self.last_line_no, 1))
    }
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

    fn read_all(input: &str) -> Vec<(usize, String)> {
        let mut reader = Reader::new(input.as_bytes());
        let mut read = Vec::new();
        while let Some(statement) = reader.next_statement().unwrap() {
            read.push((statement.line_no, statement.text.unwrap()));
        }
        read
    }

    #[test]
    fn the_reader_cuts_what_statements_cuts() {
        for input in [
            "1\n2\n",
            "1\r\n2",
            "",
            "\n\n3\n",
            "(1 +\n 2)\n3\n",
            "1 # (\n2\n",
            "(1 +\r\n 2)\r\n3",
            "((\n1\n)\n)\n",
            // Lines whose parentheses two counts settle, and lines they do not.
            ")(\n1\n",
            "(1) + (\n2)\n3\n",
            "((1)\n)\n",
            "(1 # )\n)\n",
            "(1\n) + (\n2)\n4",
            "())(\n1",
        ] {
            let split: Vec<(usize, String)> = statements(input.as_bytes())
                .into_iter()
                .map(|p| (p.line_no, p.text.unwrap().to_string()))
                .collect();
            assert_eq!(read_all(input), split, "{input:?}");
        }
    }

    #[test]
    fn the_lines_after_a_first_line_are_read_again() {
        let mut reader = Reader::new("(1 +\n2\n3)\n4\n".as_bytes());
        let whole = reader.next_statement().unwrap().unwrap();
        assert_eq!(whole.text.as_deref(), Ok("(1 +\n2\n3)"));
        assert_eq!(whole.n_lines, 3);
        let first = reader.split_first_line().unwrap();
        assert_eq!((first.line_no, first.text.as_deref()), (1, Ok("(1 +")));
        let mut rest = Vec::new();
        while let Some(statement) = reader.next_statement().unwrap() {
            rest.push((statement.line_no, statement.text.unwrap()));
        }
        let expected = [(2, "2"), (3, "3)"), (4, "4")];
        assert_eq!(rest, expected.map(|(line, text)| (line, text.to_string())));
    }

    #[test]
    fn an_open_call_continues_until_its_arguments_come() {
        assert_eq!(
            read_all("abs(\n-3)\npow(2,\n10)\n4\n"),
            [(1, "abs(\n-3)"), (3, "pow(2,\n10)"), (5, "4")]
                .map(|(line, text)| (line, text.to_string()))
        );
    }

    #[test]
    fn a_statement_ends_at_an_error_no_line_can_mend() {
        assert_eq!(
            read_all("(1 +\n2 $\n3)\n4\n"),
            [(1, "(1 +\n2 $"), (3, "3)"), (4, "4")].map(|(line, text)| (line, text.to_string()))
        );
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
