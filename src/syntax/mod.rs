//! Parsing: text to [`Statement`]. The only module that knows pest.
//!
//! `lex` is the lexical layer every consumer of the text shares (see its own doc). A line goes
//! through three stages: `scan` (a pass over the lexer's tokens that matches parentheses,
//! measures nesting and turns comments into blanks), pest with the grammar of
//! `grammar/parcalc.pest` (see [`grammar`]), and `lower` (pest's token stream to the arena of
//! [`crate::ast`], in post-order, without recursion). Long lines are cut into pieces parsed in
//! parallel (`chunk`, `chain`, `pipeline`). A short line of integer arithmetic skips the scan and
//! pest: `quick` lists the tokens pest would, and `lower` takes them as it takes pest's.
//! Pest itself recurses a few calls deep per level of parentheses; a line deep enough to need
//! more stack than any caller can be assumed to have is parsed on a thread of its own with a
//! stack sized from the scan's measurement, and a line deeper than 100,000 levels is refused
//! with a clear error.
//!
//! This module reports syntax errors and the errors a parser can see (an unknown function, a
//! wrong number of arguments, assigning to a function name); it does not look names up and
//! does not evaluate. `continuation` holds the rule by which a statement goes on over several
//! lines, for the REPL and for files alike.

pub(crate) mod chain;
pub(crate) mod chunk;
pub(crate) mod continuation;
pub(crate) mod function;
pub(crate) mod generator;
pub mod grammar;
pub(crate) mod lex;
pub(crate) mod lower;
pub(crate) mod pipeline;
pub(crate) mod quick;
pub(crate) mod scan;

#[cfg(test)]
mod test;

use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};

use crate::ast::Statement;
use crate::error::{Error, ErrorKind, Expected, Found};
use crate::ops::{self, Builtin};
use crate::span::Span;
use crate::syntax::chunk::Chunked;
use crate::syntax::grammar::{CalcParser, Rule};
use crate::syntax::lex::TokenKind;
use crate::syntax::lower::Lowerer;
use crate::syntax::scan::{Chunking, Shape};

/// Nesting that any caller's stack holds (a test thread has 2 MiB): parsed in place.
const INLINE_NESTING: usize = 64;
/// Stack to give a deep parse per level of parentheses (pest recurses through several rules per
/// level), with room to spare for unoptimised builds. pest is built without its stack guard, so
/// a thread too small would overflow; the deepest shapes measured use under 1 KiB a level.
const STACK_PER_NESTING: usize = 6 << 10;
/// Stack for everything else on the parsing thread.
const STACK_BASE: usize = 1 << 20;

/// Parses one statement: `expr` or `name = expr`. `Ok(None)` for a blank line or a comment.
pub fn parse_statement(source: &str) -> Result<Option<Statement>, Error> {
    if u32::try_from(source.len()).is_err() {
        return Err(Error::unplaced(ErrorKind::InputTooLong {
            length: source.len(),
            limit: u32::MAX as usize,
        }));
    }
    // Fewer bytes than MAX_LAMBDAS short lambdas cannot hold too many.
    if source.len() > function::MAX_LAMBDAS * "lambda:0".len()
        && (source.contains("lambda") || source.contains("def"))
    {
        let count = function::count_definitions(source, function::MAX_LAMBDAS);
        if count > function::MAX_LAMBDAS {
            return Err(Error::unplaced(ErrorKind::NestingTooDeep {
                limit: function::MAX_LAMBDAS,
            }));
        }
    }
    let mut statement = parse_with_chunking(source, CHUNKING)?;
    if let Some(statement) = &mut statement {
        generator::bind(&mut statement.expr)?;
        if let Some(error) = function::closure_over_generators(&statement.expr) {
            return Err(error);
        }
    }
    Ok(statement)
}

/// The statements of a line separated by `;`, as Python separates them, each with its byte
/// offset in `text`: only a `;` outside parentheses and comments separates (one inside
/// parentheses stays, and is the syntax error Python reports). A `;` at the end is allowed; an
/// empty statement before a `;` keeps that `;`, so that it is reported as the error it is
/// (`1;; 2`). The whole text, once, when it holds no `;`.
pub fn split_statements(text: &str) -> Vec<(usize, &str)> {
    if !text.contains(';') {
        return vec![(0, text)];
    }
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    // The first word of the statement being read: after `def … :`, the rest of the line is
    // the function's body, as in Python (`def f(x): return x; f(2)` calls nothing).
    let mut first_word: Option<&str> = None;
    for token in lex::tokens(text) {
        if first_word.is_none() && token.kind.is_significant() {
            first_word = Some(token.text(text));
        }
        match token.kind {
            TokenKind::Open => depth += 1,
            TokenKind::Close => depth = depth.saturating_sub(1),
            TokenKind::Unknown
                if depth == 0 && token.text(text) == ";" && first_word != Some("def") =>
            {
                first_word = None;
                let piece = &text[start..token.start];
                let blank = lex::tokens(piece).all(|token| !token.kind.is_significant());
                if blank {
                    pieces.push((start, &text[start..token.end]));
                } else {
                    pieces.push((start, piece));
                }
                start = token.end;
            }
            _ => {}
        }
    }
    let rest = &text[start..];
    if pieces.is_empty() || lex::tokens(rest).any(|token| token.kind.is_significant()) {
        pieces.push((start, rest));
    }
    pieces
}

/// Lines at least this long and not deep are parsed in parallel chunks.
const PARALLEL_MIN_LEN: usize = 1 << 18;
/// The sizes of the groups parsed as chunks.
const CHUNKING: Chunking = Chunking {
    min: 1 << 11,
    max: 1 << 14,
};

/// [`parse_statement`] with the chunk sizes given; lines of any length are chunked when a
/// group qualifies if `chunking.min` is below `PARALLEL_MIN_LEN`.
pub(crate) fn parse_with_chunking(
    source: &str,
    chunking: Chunking,
) -> Result<Option<Statement>, Error> {
    let long_enough = source.len() >= PARALLEL_MIN_LEN.min(chunking.min);
    if !long_enough && let Some(parsed) = quick::parse(source) {
        return parsed;
    }
    let blanked = scan::blank(source);
    let text: &str = &blanked;
    // A group of a `sum(range(…))` parsed on its own would not know what reduces its range:
    // lines with ranges are not cut into groups (chain segments keep every call whole, so they
    // may).
    // Nor are lines with lazy nodes (`and`, `or`, conditionals, chained comparisons), whose
    // operands the pass after lowering lists for the whole statement.
    let long_enough = long_enough && !may_be_lazy(source);
    let shape = if long_enough && !source.contains("range") {
        match chunk::parse_chunked(source, text, chunking, INLINE_NESTING)? {
            Chunked::Parsed(result) => return *result,
            Chunked::Declined(shape) => shape,
        }
    } else {
        scan::scan(source, None)?.0
    };
    if shape.max_nesting <= INLINE_NESTING {
        if long_enough
            && !text.contains('=')
            && let Some(expr) = chain::parse_chain(text, chunking)
        {
            return Ok(Some(Statement { target: None, expr }));
        }
        return parse_scanned(text);
    }
    let stack_size = STACK_BASE + shape.max_nesting * STACK_PER_NESTING;
    std::thread::scope(|scope| {
        let parser = std::thread::Builder::new()
            .name("parcalc-parse".to_string())
            .stack_size(stack_size)
            .spawn_scoped(scope, || parse_scanned(text));
        match parser {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(deep_failure(shape))),
            Err(_) => Err(deep_failure(shape)),
        }
    })
}

/// Whether `source` may hold a lazy node or a function: the word `and`, `or`, `if`, `lambda`
/// or `def`, or a comparison (`<` or `>` not doubled, `==`, `!=`). Cheap, and never wrong the
/// other way.
fn may_be_lazy(source: &str) -> bool {
    let bytes = source.as_bytes();
    let word = |at: usize, word: &[u8]| {
        bytes[at..].starts_with(word)
            && (at == 0 || !is_word_byte(bytes[at - 1]))
            && bytes
                .get(at + word.len())
                .is_none_or(|&next| !is_word_byte(next))
    };
    (0..bytes.len()).any(|at| match bytes[at] {
        b'<' | b'>' => {
            let c = bytes[at];
            bytes.get(at + 1) != Some(&c) && (at == 0 || bytes[at - 1] != c)
        }
        b'=' | b'!' => bytes.get(at + 1) == Some(&b'='),
        b'a' => word(at, b"and"),
        b'o' => word(at, b"or"),
        b'i' => word(at, b"if"),
        b'l' => word(at, b"lambda"),
        b'd' => word(at, b"def"),
        _ => false,
    })
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The error for a deep line whose parsing thread could not be started or did not finish.
fn deep_failure(shape: Shape) -> Error {
    Error::unplaced(ErrorKind::TooDeepToParse {
        levels: shape.max_nesting,
    })
}

/// Parses a line the scan has accepted.
pub(crate) fn parse_scanned(source: &str) -> Result<Option<Statement>, Error> {
    parse_pairs(source).map_err(|(_, error)| error)
}

/// Parses a line the scan has accepted; an error says whether pest raised it.
fn parse_pairs(source: &str) -> Result<Option<Statement>, (bool, Error)> {
    let mut pairs = CalcParser::parse(Rule::statement, source)
        .map_err(|error| (true, pest_error(&error, source)))?;
    let statement = pairs.next().ok_or_else(|| (false, internal_error()))?;
    let Some(body) = statement.into_inner().next() else {
        return Ok(None);
    };
    match body.as_rule() {
        Rule::EOI => Ok(None),
        Rule::def => parse_def(body, source)
            .map(Some)
            .map_err(|error| (false, error)),
        Rule::assignment => {
            let mut inner = body.into_inner();
            let (Some(name), Some(expr)) = (inner.next(), inner.next()) else {
                return Err((false, internal_error()));
            };
            let name_span = Span::new(name.as_span().start(), name.as_span().end());
            check_target(name.as_str(), name_span).map_err(|error| (false, error))?;
            Ok(Some(Statement {
                target: Some((name.as_str().into(), name_span)),
                expr: Lowerer::default()
                    .lower(expr)
                    .map_err(|error| (false, error))?,
            }))
        }
        _ => Ok(Some(Statement {
            target: None,
            expr: Lowerer::default()
                .lower(body)
                .map_err(|error| (false, error))?,
        })),
    }
}

/// Refuses a keyword or a builtin's name as the target of an assignment.
fn check_target(name: &str, span: Span) -> Result<(), Error> {
    if ops::is_keyword(name) {
        let kind = ErrorKind::Keyword { name: name.into() };
        return Err(Error::new(kind, span));
    }
    if Builtin::from_name(name).is_some() {
        let kind = ErrorKind::ReservedName { name: name.into() };
        return Err(Error::new(kind, span));
    }
    Ok(())
}

/// `def name(params): return expr`: the statement `name = <the function>`.
fn parse_def(pair: pest::iterators::Pair<'_, Rule>, source: &str) -> Result<Statement, Error> {
    let whole = pair.as_span();
    let mut name = None;
    let mut params = Vec::new();
    let mut body = None;
    for inner in pair.into_inner() {
        let range = (inner.as_span().start(), inner.as_span().end());
        match inner.as_rule() {
            Rule::name => name = Some(range),
            Rule::params => {
                params.extend(
                    inner
                        .into_inner()
                        .map(|param| (param.as_span().start(), param.as_span().end())),
                );
            }
            Rule::expr => body = Some(range),
            _ => {}
        }
    }
    let (Some(name), Some(body)) = (name, body) else {
        return Err(internal_error());
    };
    let name_text = &source[name.0..name.1];
    let name_span = Span::new(name.0, name.1);
    if ops::is_keyword(name_text) {
        let kind = ErrorKind::Keyword {
            name: name_text.into(),
        };
        return Err(Error::new(kind, name_span));
    }
    if Builtin::from_name(name_text).is_some() {
        let kind = ErrorKind::ReservedName {
            name: name_text.into(),
        };
        return Err(Error::new(kind, name_span));
    }
    let lambda = function::make_lambda(
        source,
        0,
        Some(name_text),
        &params,
        body,
        (whole.start(), whole.end()),
    )?;
    let mut expr = crate::ast::Ast::default();
    expr.lambdas.push(lambda);
    let span = Span::new(whole.start(), whole.end());
    expr.push(
        crate::ast::Node::Lambda(0),
        span,
        Span::new(whole.start(), whole.start() + "def".len()),
        1,
    );
    Ok(Statement {
        target: Some((name_text.into(), name_span)),
        expr,
    })
}

fn internal_error() -> Error {
    Error::unplaced(ErrorKind::Internal(
        "the parse tree does not have the expected shape".to_string(),
    ))
}

/// Turns pest's error into ours: a readable message and the span of the offending token.
fn pest_error(error: &pest::error::Error<Rule>, source: &str) -> Error {
    let pos = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let (found, span) = token_at(source, pos);
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.as_slice(),
        // pest raises a custom error only for its call limit, which parcalc never sets (and,
        // built without `std`, it has no stack guard): depth is the scan's business.
        ErrorVariant::CustomError { message } => {
            return Error::new(ErrorKind::Internal(message.clone()), span);
        }
    };
    if leading_zeros(found) {
        return Error::new(ErrorKind::LeadingZeros, span);
    }
    if let Some(what) = function_feature(source) {
        return Error::new(ErrorKind::FunctionFeature { what }, span);
    }
    if let Some(kind) = hint(source, found, span) {
        return Error::new(kind, span);
    }
    let mut expected: Vec<Expected> = positives.iter().map(|&rule| describe(rule)).collect();
    expected.sort_unstable();
    expected.dedup();
    let found = if found.is_empty() {
        Found::End
    } else {
        Found::Token(found.into())
    };
    Error::new(ErrorKind::Expected { expected, found }, span)
}

/// The part of Python's functions that parcalc does not have, when a line that failed to
/// parse shows one: a default or keyword argument, `*args`, or a `def` whose body is not
/// `return EXPR`.
fn function_feature(source: &str) -> Option<&'static str> {
    let tokens: Vec<(TokenKind, &str)> = lex::tokens(source)
        .filter(|token| token.kind.is_significant())
        .map(|token| (token.kind, token.text(source)))
        .collect();
    let defining = tokens.first().map(|&(_, text)| text) == Some("def");
    let mut depth = 0usize;
    // Inside a definition's parameters: the parenthesis depth they close at.
    let mut params: Option<usize> = None;
    for (at, &(kind, text)) in tokens.iter().enumerate() {
        match (kind, text) {
            // `(lambda x: x)(3)`: a lambda in a group, not a call's argument.
            (TokenKind::Name, "lambda")
                if at > 0
                    && tokens[at - 1].0 == TokenKind::Open
                    && (at < 2 || tokens[at - 2].0 != TokenKind::Name) =>
            {
                return Some("a lambda in parentheses (name it: f = lambda …, then f(…))");
            }
            (TokenKind::Name, "lambda") => params = Some(depth),
            (TokenKind::Open, _) => {
                if defining && at == 2 {
                    params = Some(depth);
                }
                depth += 1;
            }
            (TokenKind::Close, _) => {
                depth = depth.saturating_sub(1);
                if defining && params == Some(depth) && depth == 0 {
                    params = None;
                }
            }
            (TokenKind::Unknown, ":") if params == Some(depth) => params = None,
            (TokenKind::Unknown, ":")
                if defining
                    && depth == 0
                    && tokens.get(at + 1).map(|&(_, text)| text) != Some("return") =>
            {
                return Some("a function body other than 'return EXPR'");
            }
            (TokenKind::Equals, _) if params.is_some() => return Some("default arguments"),
            (TokenKind::Operator, "*" | "**") if params.is_some() => {
                let after_separator = at > 0
                    && matches!(
                        tokens[at - 1],
                        (TokenKind::Comma | TokenKind::Open, _) | (TokenKind::Name, "lambda")
                    );
                if after_separator {
                    return Some("*args and **kwargs");
                }
            }
            (TokenKind::Equals, _) if depth > 0 => return Some("keyword arguments"),
            (TokenKind::Unknown, ";") if defining => {
                return Some("a function body of several statements");
            }
            _ => {}
        }
    }
    None
}

/// What a rule is, in the words of an error message (pest's renamed rules).
fn describe(rule: Rule) -> Expected {
    match rule {
        // `if` and `else` are where an operator could be.
        Rule::op | Rule::kw_if | Rule::kw_else => Expected::Operator,
        Rule::EOI => Expected::EndOfInput,
        _ => Expected::Operand,
    }
}

/// The token at byte `pos` and its span, as an error quotes it: a whole number, name or
/// operator, else one character; empty at the end of the text or of a line.
fn token_at(source: &str, pos: usize) -> (&str, Span) {
    let pos = pos.min(source.len());
    let len = match lex::Lexer::at(source.as_bytes(), pos).next() {
        None => 0,
        Some(token) => match token.kind {
            TokenKind::Number | TokenKind::Name | TokenKind::Operator => token.end - token.start,
            TokenKind::Newline => 0,
            _ => source[pos..].chars().next().map_or(0, char::len_utf8),
        },
    };
    (&source[pos..pos + len], Span::new(pos, pos + len))
}

/// Characters copied from typeset text that look like an operator, and the operator to type.
const LOOKALIKES: [(char, &str); 4] = [('\u{2212}', "-"), ('×', "*"), ('÷', "/"), ('·', "*")];

/// A more helpful error than "expected …" for a few mistakes people make: a typographic minus
/// or times sign, a factorial written `5!`, a digit outside the base of a `0x`, `0o` or `0b`
/// literal.
fn hint(source: &str, found: &str, span: Span) -> Option<ErrorKind> {
    let mut chars = found.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if let Some(&(found, write)) = LOOKALIKES.iter().find(|(lookalike, _)| *lookalike == c) {
            return Some(ErrorKind::Lookalike { found, write });
        }
        if c == '!' {
            // The operand before the `!`, if it is a number, a name or a group.
            let before = lex::tokens(&source[..span.start as usize])
                .filter(|token| token.kind.is_significant())
                .last();
            let operand = match before {
                Some(token) if matches!(token.kind, TokenKind::Number | TokenKind::Name) => {
                    token.text(source)
                }
                Some(token) if token.kind == TokenKind::Close => "…",
                _ => return None,
            };
            return Some(ErrorKind::Factorial {
                operand: operand.into(),
            });
        }
    }
    radix_error(found)
}

/// Python's error for a malformed `0x`, `0o` or `0b` literal: a digit outside the base, or no
/// digits, or a misplaced `_`.
fn radix_error(token: &str) -> Option<ErrorKind> {
    let bytes = token.as_bytes();
    if bytes.len() < 2 || bytes[0] != b'0' {
        return None;
    }
    let (radix, base) = match bytes[1] {
        b'x' | b'X' => (16, "hexadecimal"),
        b'o' | b'O' => (8, "octal"),
        b'b' | b'B' => (2, "binary"),
        _ => return None,
    };
    let digits = &token[2..];
    let well_formed = digits.split('_').enumerate().all(|(index, group)| {
        (index == 0 || !group.is_empty()) && group.chars().all(|c| c.is_digit(radix))
    }) && digits.chars().any(|c| c.is_digit(radix));
    if well_formed {
        // A literal that is fine: the error is about what surrounds it.
        return None;
    }
    if radix != 16
        && let Some(digit) = digits
            .chars()
            .find(|c| c.is_ascii_digit() && c.to_digit(radix).is_none())
    {
        return Some(ErrorKind::InvalidDigit { digit, base });
    }
    Some(ErrorKind::InvalidLiteral { base })
}

/// Is `token` an integer written with leading zeros, such as `007`?
fn leading_zeros(token: &str) -> bool {
    let bytes = token.as_bytes();
    bytes.len() > 1
        && bytes[0] == b'0'
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && bytes.iter().any(|b| (b'1'..=b'9').contains(b))
}
