//! The lexical layer: one pass over the text that never fails and tells where things are.
//!
//! [`tokens`] cuts any text (valid or not, half-typed or not) into [`Token`]s that cover it
//! exactly, each a kind and a byte range: numbers, names, operators, parentheses, commas, `=`,
//! comments, blanks, newlines, and anything else as `Unknown`, one character at a time. Every
//! part of parcalc that needs to know where something is without parsing reads this one
//! lexer: the byte scan before pest (depth, runs of prefix operators, the newline rule),
//! comment blanking, the picking of chunks and chain segments in long lines, the statement
//! splitter of files, the REPL's highlighter, continuation and bracket matching, and the token
//! quoted in a syntax error. So the lexical rules (what a number is, where a comment ends) are
//! written once, and those consumers cannot disagree.
//!
//! The lexer does not judge validity: `1__0`, `0xz` or `1e` are still one number token (or a
//! number and a name) here, and pest, the judge, refuses them. Its rules only have to agree with
//! the grammar on where tokens start and end for text the grammar accepts.
//!
//! It works on bytes, so the splitter can run over a file that is not valid UTF-8; on valid
//! UTF-8 every token ends on a character boundary.

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TokenKind {
    /// A numeric literal in any form the lexer recognises: `42`, `1_000`, `1.5`, `.5`, `5.`,
    /// `1e3`, `2.5E-3`, `0x1f`, `0o17`, `0b101`.
    Number,
    /// A name: a letter or `_`, then letters, digits and `_` (ASCII).
    Name,
    /// An operator: `+ - * / // % ^ ** & | << >> ~` and the comparisons `< <= > >= == !=`.
    Operator,
    Open,
    Close,
    Comma,
    /// `=`.
    Equals,
    /// `#` up to the end of its line (the newline excluded).
    Comment,
    /// A run of spaces, tabs and carriage returns.
    Blank,
    /// One `\n`.
    Newline,
    /// Any other character (or a byte that is not UTF-8), one at a time.
    Unknown,
}

impl TokenKind {
    /// Does the token carry meaning (not a blank, comment or newline)?
    pub(crate) fn is_significant(self) -> bool {
        !matches!(
            self,
            TokenKind::Blank | TokenKind::Comment | TokenKind::Newline
        )
    }

    /// Can the token end an operand, so that a `+` or `-` after it is infix?
    pub(crate) fn ends_operand(self) -> bool {
        matches!(self, TokenKind::Number | TokenKind::Name | TokenKind::Close)
    }
}

/// A token: its kind and its byte range `start..end` in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub(crate) fn range(self) -> std::ops::Range<usize> {
        self.start..self.end
    }

    /// The token's bytes in `text` (the text it was cut from).
    pub(crate) fn bytes(self, text: &[u8]) -> &[u8] {
        &text[self.start..self.end]
    }

    /// The token's text in `text` (the text it was cut from).
    pub(crate) fn text(self, text: &str) -> &str {
        &text[self.start..self.end]
    }
}

/// The tokens of `text`, in order, covering it exactly.
pub(crate) fn tokens(text: &str) -> Lexer<'_> {
    Lexer::new(text.as_bytes())
}

/// The tokens of `bytes`, which need not be UTF-8.
#[cfg(test)]
pub(crate) fn byte_tokens(bytes: &[u8]) -> Lexer<'_> {
    Lexer::new(bytes)
}

/// The iterator [`tokens`] returns.
#[derive(Clone, Debug)]
pub(crate) struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(bytes: &'a [u8]) -> Lexer<'a> {
        Lexer { bytes, pos: 0 }
    }

    /// A lexer that starts at byte `pos` of `bytes` (a token boundary, or wherever a caller
    /// wants to know what comes next).
    pub(crate) fn at(bytes: &'a [u8], pos: usize) -> Lexer<'a> {
        Lexer {
            bytes,
            pos: pos.min(bytes.len()),
        }
    }

    /// The end of the run of bytes from `i` on that satisfy `keep`.
    #[expect(
        clippy::inline_always,
        reason = "inlined into each consumer's loop (measured)"
    )]
    #[inline(always)]
    fn run(&self, mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
        while i < self.bytes.len() && keep(self.bytes[i]) {
            i += 1;
        }
        i
    }

    /// The end of the number starting at `start` (a digit, or `.` before a digit).
    #[inline]
    fn number_end(&self, start: usize) -> usize {
        let bytes = self.bytes;
        let digits = |i| self.run(i, |b| b.is_ascii_digit() || b == b'_');
        if bytes[start] == b'0'
            && matches!(
                bytes.get(start + 1),
                Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')
            )
        {
            return self.run(start + 2, |b| b.is_ascii_alphanumeric() || b == b'_');
        }
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

    /// The length of the character starting at `i`: its UTF-8 length when the bytes there are
    /// a well-formed sequence, else 1.
    fn char_len(&self, i: usize) -> usize {
        let lead = self.bytes[i];
        let len = match lead {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return 1,
        };
        let end = i + len;
        if end <= self.bytes.len() && std::str::from_utf8(&self.bytes[i..end]).is_ok() {
            len
        } else {
            1
        }
    }
}

/// What a byte starts, as the lexer dispatches on it: one table lookup and one jump per token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Blank,
    Newline,
    Hash,
    Digit,
    Dot,
    Letter,
    Open,
    Close,
    Comma,
    Equals,
    /// `+ - % ^ & | ~`: an operator of one byte.
    Operator,
    /// `*` or `/`: an operator of one byte, or of two when doubled (`**`, `//`).
    MaybeDouble,
    /// `<` or `>`: a shift when doubled (`<<`, `>>`), else a comparison (`<`, `<=`, `>`,
    /// `>=`).
    Shift,
    /// `!`: an operator in `!=`, else unknown.
    Bang,
    /// Any other ASCII byte.
    Other,
    /// A byte of a multi-byte character (or not UTF-8).
    High,
}

const CLASSES: [Class; 256] = {
    let mut table = [Class::Other; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b' ' | b'\t' | b'\r' => Class::Blank,
            b'\n' => Class::Newline,
            b'#' => Class::Hash,
            b'0'..=b'9' => Class::Digit,
            b'.' => Class::Dot,
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => Class::Letter,
            b'(' => Class::Open,
            b')' => Class::Close,
            b',' => Class::Comma,
            b'=' => Class::Equals,
            b'+' | b'-' | b'%' | b'^' | b'&' | b'|' | b'~' => Class::Operator,
            b'*' | b'/' => Class::MaybeDouble,
            b'<' | b'>' => Class::Shift,
            b'!' => Class::Bang,
            0x80..=0xff => Class::High,
            _ => Class::Other,
        };
        byte += 1;
    }
    table
};

impl Iterator for Lexer<'_> {
    type Item = Token;

    // Inlined into each consumer's loop, where the token's kind meets the consumer's match:
    // measured with callgrind, a call per token cost half of the scan's instructions.
    #[expect(
        clippy::inline_always,
        reason = "a call per token cost half of the scan's instructions (measured)"
    )]
    #[inline(always)]
    fn next(&mut self) -> Option<Token> {
        let bytes = self.bytes;
        let start = self.pos;
        let &byte = bytes.get(start)?;
        let doubled = || bytes.get(start + 1) == Some(&byte);
        let (kind, end) = match CLASSES[usize::from(byte)] {
            Class::Blank => (
                TokenKind::Blank,
                self.run(start + 1, |b| matches!(b, b' ' | b'\t' | b'\r')),
            ),
            Class::Newline => (TokenKind::Newline, start + 1),
            Class::Hash => (TokenKind::Comment, self.run(start + 1, |b| b != b'\n')),
            Class::Digit => (TokenKind::Number, self.number_end(start)),
            Class::Dot if bytes.get(start + 1).is_some_and(u8::is_ascii_digit) => {
                (TokenKind::Number, self.number_end(start))
            }
            Class::Letter => (
                TokenKind::Name,
                self.run(start + 1, |b| b.is_ascii_alphanumeric() || b == b'_'),
            ),
            Class::Open => (TokenKind::Open, start + 1),
            Class::Close => (TokenKind::Close, start + 1),
            Class::Comma => (TokenKind::Comma, start + 1),
            // `==`, `<<`, `>>`, `<=`, `>=`, `!=`.
            Class::Equals | Class::Shift if doubled() => (TokenKind::Operator, start + 2),
            Class::Shift | Class::Bang if bytes.get(start + 1) == Some(&b'=') => {
                (TokenKind::Operator, start + 2)
            }
            Class::Equals => (TokenKind::Equals, start + 1),
            Class::Operator | Class::Shift => (TokenKind::Operator, start + 1),
            Class::MaybeDouble => (TokenKind::Operator, start + 1 + usize::from(doubled())),
            Class::High => (TokenKind::Unknown, start + self.char_len(start)),
            Class::Dot | Class::Bang | Class::Other => (TokenKind::Unknown, start + 1),
        };
        self.pos = end;
        Some(Token { kind, start, end })
    }
}

/// The tokens that shape statements (parentheses, newlines and comments) and none of the others:
/// the tokens of those four kinds [`tokens`] yields, found by looking at four bytes only. No
/// other token holds a `(`, `)`, `\n` or `#` byte, so outside comments each of them is a token
/// of its own, and a comment runs from its `#` to the next newline. The statement splitter of
/// files reads this, which keeps it a plain pass over bytes on inputs of any size.
pub(crate) fn structure(bytes: &[u8]) -> Structure<'_> {
    Structure { bytes, pos: 0 }
}

/// The iterator [`structure`] returns.
#[derive(Clone, Debug)]
pub(crate) struct Structure<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// Whether a byte starts a token [`structure`] yields.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = matches!(
            CLASSES[byte],
            Class::Open | Class::Close | Class::Newline | Class::Hash
        );
        byte += 1;
    }
    table
};

impl Iterator for Structure<'_> {
    type Item = Token;

    #[inline]
    fn next(&mut self) -> Option<Token> {
        let offset = self.bytes[self.pos..]
            .iter()
            .position(|&byte| STRUCTURAL[usize::from(byte)])?;
        let start = self.pos + offset;
        let (kind, end) = match self.bytes[start] {
            b'(' => (TokenKind::Open, start + 1),
            b')' => (TokenKind::Close, start + 1),
            b'\n' => (TokenKind::Newline, start + 1),
            _ => {
                let line = self.bytes[start..].iter().position(|&byte| byte == b'\n');
                (
                    TokenKind::Comment,
                    line.map_or(self.bytes.len(), |n| start + n),
                )
            }
        };
        self.pos = end;
        Some(Token { kind, start, end })
    }
}

/// How the parentheses of a statement stand so far, fed one token at a time (comments and
/// everything else are ignored).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Parens {
    /// `(` not yet closed.
    pub depth: usize,
    /// Whether some `)` closed nothing.
    pub stray_close: bool,
}

impl Parens {
    pub(crate) fn feed(&mut self, token: Token) {
        match token.kind {
            TokenKind::Open => self.depth += 1,
            TokenKind::Close => match self.depth.checked_sub(1) {
                Some(depth) => self.depth = depth,
                None => self.stray_close = true,
            },
            _ => {}
        }
    }

    /// Whether the statement continues on the next line: a `(` is still open and no `)`
    /// closed nothing (a stray `)` is an error to report at once, not a reason to wait).
    pub(crate) fn continues(self) -> bool {
        self.depth > 0 && !self.stray_close
    }
}

/// Whether a statement whose text so far is `text` continues on the next line (see
/// [`Parens::continues`]). The REPL and the statement splitter of files both decide so.
pub(crate) fn continues(text: &str) -> bool {
    let mut parens = Parens::default();
    tokens(text).for_each(|token| parens.feed(token));
    parens.continues() || def_header(text)
}

/// Whether `text` is the first line of a function whose body is on the next line, as a
/// student writes it in a file: `def f(x):`, nothing after the `:` but a comment.
pub(crate) fn def_header(text: &str) -> bool {
    let mut significant = tokens(text).filter(|token| token.kind.is_significant());
    let starts_def = significant
        .next()
        .is_some_and(|token| token.kind == TokenKind::Name && token.text(text) == "def");
    starts_def
        && significant
            .last()
            .is_some_and(|token| token.text(text) == ":")
}

/// The byte offsets of the parenthesis at `pos` or just before it and of its match; `None`
/// when there is none there or it is unmatched.
pub(crate) fn matching_paren(text: &str, pos: usize) -> Option<(usize, usize)> {
    let parens: Vec<Token> = tokens(text)
        .filter(|token| matches!(token.kind, TokenKind::Open | TokenKind::Close))
        .collect();
    let at = parens
        .iter()
        .position(|token| token.start == pos)
        .or_else(|| parens.iter().position(|token| token.end == pos))?;
    let mut depth = 0i64;
    let step = |token: &Token| if token.kind == TokenKind::Open { 1 } else { -1 };
    if parens[at].kind == TokenKind::Open {
        for token in &parens[at..] {
            depth += step(token);
            if depth == 0 {
                return Some((parens[at].start, token.start));
            }
        }
    } else {
        for token in parens[..=at].iter().rev() {
            depth -= step(token);
            if depth == 0 {
                return Some((token.start, parens[at].start));
            }
        }
    }
    None
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check(text: &str, expected: &[(TokenKind, &str)]) {
        let got: Vec<(TokenKind, &str)> = tokens(text)
            .filter(|token| token.kind != TokenKind::Blank)
            .map(|token| (token.kind, token.text(text)))
            .collect();
        assert_eq!(got, expected, "{text:?}");
    }

    #[test]
    fn kinds() {
        use TokenKind::*;
        check(
            "x = sqrt(2.5e-3) ** 10 // 3 # note",
            &[
                (Name, "x"),
                (Equals, "="),
                (Name, "sqrt"),
                (Open, "("),
                (Number, "2.5e-3"),
                (Close, ")"),
                (Operator, "**"),
                (Number, "10"),
                (Operator, "//"),
                (Number, "3"),
                (Comment, "# note"),
            ],
        );
        check(
            "1_000 - .5 + 5. * 1e3",
            &[
                (Number, "1_000"),
                (Operator, "-"),
                (Number, ".5"),
                (Operator, "+"),
                (Number, "5."),
                (Operator, "*"),
                (Number, "1e3"),
            ],
        );
        check(
            "0xff & ~0b1_0 | 0o7 << 2 >> 1",
            &[
                (Number, "0xff"),
                (Operator, "&"),
                (Operator, "~"),
                (Number, "0b1_0"),
                (Operator, "|"),
                (Number, "0o7"),
                (Operator, "<<"),
                (Number, "2"),
                (Operator, ">>"),
                (Number, "1"),
            ],
        );
        // An `e` that starts no exponent is a name of its own.
        check(
            "1e + 2",
            &[(Number, "1"), (Name, "e"), (Operator, "+"), (Number, "2")],
        );
        check(
            "é€1 !",
            &[
                (Unknown, "é"),
                (Unknown, "€"),
                (Number, "1"),
                (Unknown, "!"),
            ],
        );
        check(
            "1 < 2 <= 3 == 3 != 4 >= x > y = z",
            &[
                (Number, "1"),
                (Operator, "<"),
                (Number, "2"),
                (Operator, "<="),
                (Number, "3"),
                (Operator, "=="),
                (Number, "3"),
                (Operator, "!="),
                (Number, "4"),
                (Operator, ">="),
                (Name, "x"),
                (Operator, ">"),
                (Name, "y"),
                (Equals, "="),
                (Name, "z"),
            ],
        );
        check(
            "(1 # a (\n)",
            &[
                (Open, "("),
                (Number, "1"),
                (Comment, "# a ("),
                (Newline, "\n"),
                (Close, ")"),
            ],
        );
    }

    #[test]
    fn tokens_cover_any_input() {
        let inputs: [&[u8]; 10] = [
            b"",
            b"(((",
            b"1e",
            b"1e+",
            b"#",
            b"\x00x\x7f",
            b"\xff\xfe 1",
            b"\xc3",
            "é\u{202e}😀".as_bytes(),
            b"0x",
        ];
        for bytes in inputs {
            let mut end = 0;
            for token in byte_tokens(bytes) {
                assert_eq!(token.start, end, "{bytes:?}");
                assert!(token.end > token.start, "{bytes:?}");
                end = token.end;
            }
            assert_eq!(end, bytes.len(), "{bytes:?}");
        }
    }

    #[test]
    fn structure_is_the_structural_tokens() {
        let inputs: [&[u8]; 5] = [
            b"(1 + # a (\n) * f(2)\n\n#",
            b"((\xff)\n)",
            b"",
            b"x # (((",
            "é(#é\n)".as_bytes(),
        ];
        for bytes in inputs {
            let structural: Vec<Token> = byte_tokens(bytes)
                .filter(|token| {
                    matches!(
                        token.kind,
                        TokenKind::Open
                            | TokenKind::Close
                            | TokenKind::Newline
                            | TokenKind::Comment
                    )
                })
                .collect();
            assert_eq!(
                structure(bytes).collect::<Vec<_>>(),
                structural,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn balance_and_continuation() {
        assert!(continues("(1 + 2"));
        assert!(continues("((1) + 2"));
        assert!(!continues("(1 + 2)"));
        assert!(
            !continues("1 + 2) * ("),
            "a stray ) is an error, not a continuation"
        );
        assert!(!continues("1 # ("));
        assert!(!continues("(1 + # one\n 2)"));
        assert!(continues("(1 + # one )\n 2"));
        assert!(!continues(") ("));
        assert!(continues("(a(b"));
    }

    #[test]
    fn matching_brackets() {
        assert_eq!(matching_paren("(1 + (2))", 0), Some((0, 8)));
        assert_eq!(matching_paren("(1 + (2))", 9), Some((0, 8)));
        assert_eq!(matching_paren("(1 + (2))", 7), Some((5, 7)));
        assert_eq!(matching_paren("(1 + 2", 0), None);
        assert_eq!(matching_paren("1 + 2", 2), None);
        assert_eq!(matching_paren("(1 # )\n)", 0), Some((0, 7)));
    }
}
