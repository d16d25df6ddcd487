//! Parsing: text to [`Statement`]. The only module that knows pest.
//!
//! A line goes through three stages: [`scan`] (a byte scan that matches parentheses, measures
//! nesting and turns comments into blanks), pest with the grammar of `grammar/parcalc.pest`
//! (see [`grammar`]), and [`lower`] (pest's token stream to the arena of [`crate::ast`], in
//! post-order, without recursion). Long lines are cut into pieces parsed in parallel
//! ([`chunk`], [`chain`], [`pipeline`]).
//! Pest itself recurses a few calls deep per level of parentheses; a line deep enough to need
//! more stack than any caller can be assumed to have is parsed on a thread of its own with a
//! stack sized from the scan's measurement, and a line deeper than [`scan::MAX_NESTING`] is
//! refused with a clear error.
//!
//! This module reports syntax errors and the errors a parser can see (an unknown function, a
//! wrong number of arguments, assigning to a function name); it does not look names up and
//! does not evaluate.

pub mod chain;
pub mod chunk;
pub mod grammar;
pub mod lower;
pub mod pipeline;
pub mod scan;

#[cfg(test)]
mod test;

use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};

use crate::ast::{Builtin, Statement};
use crate::error::{Error, ErrorKind};
use crate::span::Span;
use crate::syntax::chunk::Chunking;
use crate::syntax::grammar::{CalcParser, Rule};
use crate::syntax::lower::Lowerer;
use crate::syntax::scan::Shape;

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
        return Err(Error::new(
            ErrorKind::Limit("input too long (limit 4 GiB)".to_string()),
            Span::default(),
        ));
    }
    parse_with_chunking(source, CHUNKING)
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
pub fn parse_with_chunking(source: &str, chunking: Chunking) -> Result<Option<Statement>, Error> {
    let shape = scan::scan(source)?;
    let blanked = scan::blank_comments(source);
    let source: &str = &blanked;
    if shape.max_nesting <= INLINE_NESTING {
        let long_enough = source.len() >= PARALLEL_MIN_LEN.min(chunking.min);
        if long_enough {
            if let Some(result) = chunk::parse_chunked(source, chunking) {
                return result;
            }
            if !source.contains('=') {
                if let Some(expr) = chain::parse_chain(source, chunking) {
                    return Ok(Some(Statement { target: None, expr }));
                }
            }
        }
        return parse_scanned(source);
    }
    let stack_size = STACK_BASE + shape.max_nesting * STACK_PER_NESTING;
    std::thread::scope(|scope| {
        let parser = std::thread::Builder::new()
            .name("parcalc-parse".to_string())
            .stack_size(stack_size)
            .spawn_scoped(scope, || parse_scanned(source));
        match parser {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(deep_failure(shape))),
            Err(_) => Err(deep_failure(shape)),
        }
    })
}

/// The error for a deep line whose parsing thread could not be started or did not finish.
fn deep_failure(shape: Shape) -> Error {
    Error::new(
        ErrorKind::Limit(format!(
            "nesting too deep to parse here ({} levels of parentheses)",
            shape.max_nesting
        )),
        Span::default(),
    )
}

/// Parses a line the scan has accepted.
fn parse_scanned(source: &str) -> Result<Option<Statement>, Error> {
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
        Rule::assignment => {
            let mut inner = body.into_inner();
            let (Some(name), Some(expr)) = (inner.next(), inner.next()) else {
                return Err((false, internal_error()));
            };
            let name_span = Span::new(name.as_span().start(), name.as_span().end());
            if Builtin::from_name(name.as_str()).is_some() {
                return Err((
                    false,
                    Error::new(
                        ErrorKind::ReservedName(name.as_str().to_string()),
                        name_span,
                    ),
                ));
            }
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

fn internal_error() -> Error {
    Error::new(
        ErrorKind::Internal("the parse tree does not have the expected shape".to_string()),
        Span::default(),
    )
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
        return Error::new(
            ErrorKind::Syntax(
                "leading zeros in decimal integer literals are not permitted".to_string(),
            ),
            span,
        );
    }
    let mut expected: Vec<&str> = Vec::new();
    for rule in positives {
        let description = describe(*rule);
        if !expected.contains(&description) {
            expected.push(description);
        }
    }
    expected.sort_by_key(|description| EXPECTED_ORDER.iter().position(|d| d == description));
    let expected = match expected.as_slice() {
        [] => "an operand".to_string(),
        [only] => (*only).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    let found = if found.is_empty() {
        "end of input".to_string()
    } else {
        format!("'{}'", escape_controls(found))
    };
    Error::new(
        ErrorKind::Syntax(format!("expected {expected}, found {found}")),
        span,
    )
}

/// The order in which expected things are listed.
const EXPECTED_ORDER: [&str; 3] = ["an operand", "an operator", "end of input"];

/// What a rule is, in the words of an error message (pest's renamed rules).
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::op => "an operator",
        Rule::EOI => "end of input",
        _ => "an operand",
    }
}

/// The token at byte `pos` (a number or name, or one character) and its span; empty at the end.
fn token_at(source: &str, pos: usize) -> (&str, Span) {
    let pos = pos.min(source.len());
    let rest = source.get(pos..).unwrap_or("");
    let word_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')
        .count();
    let len = if word_len > 0 {
        word_len
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    let len = if rest.as_bytes().first() == Some(&b'\n') {
        0
    } else {
        len
    };
    (&rest[..len], Span::new(pos, pos + len))
}

/// `text` with each control character written as `\u{1b}`: a message quoting a stray NUL or
/// escape byte must not hand it to the terminal, which would obey it.
fn escape_controls(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_unicode());
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// Is `token` an integer written with leading zeros, such as `007`?
fn leading_zeros(token: &str) -> bool {
    let bytes = token.as_bytes();
    bytes.len() > 1
        && bytes[0] == b'0'
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && bytes.iter().any(|b| (b'1'..=b'9').contains(b))
}
