//! Errors as data: an [`ErrorKind`] saying what went wrong and the [`Span`] it points at.
//!
//! Evaluation errors point at the operator that failed (`1 / 0` puts its caret under `/`), parse
//! errors at the offending token. Each kind carries the facts of the failure (the name, the
//! counts, the limit), never a sentence: the messages are written once, by `Display` here.
//! Nothing here knows about carets, colours, terminals or command-line flags: the caret is
//! drawn by `render::diagnostic`, and a hint naming a flag (`--max-bits`) is added by the front
//! door that has that flag.

use std::fmt;

use crate::ops::{Arity, Builtin};
use crate::span::Span;
use crate::units::plural;

/// What went wrong in arithmetic, without a position. Raised by `num`, which knows no spans.
/// The messages of Python's exceptions are Python 3.11's own.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NumError {
    /// Python's `ZeroDivisionError`, with its message.
    #[error("{0}")]
    ZeroDivision(&'static str),
    /// Python's `OverflowError`, with its message.
    #[error("{0}")]
    Overflow(&'static str),
    /// Python's `ValueError` (math domain errors and the like), with its message.
    #[error("{0}")]
    Domain(std::borrow::Cow<'static, str>),
    /// Python's `TypeError` (a float given to `gcd`, say), with its message.
    #[error("{0}")]
    Type(std::borrow::Cow<'static, str>),
    /// The result would have more than `limit` bits; refused before computing it.
    /// `estimated_bits` is `None` when the estimate itself is beyond counting.
    #[error("result too large: {}over the limit of {}", about(*estimated_bits), plural(limit, "bit"))]
    TooLarge {
        estimated_bits: Option<u64>,
        limit: u64,
    },
    /// The result is within the limit, but the memory to compute it (about `bytes`) cannot be
    /// had: Python's `MemoryError`, raised before computing it.
    #[error("out of memory: a result of about {} needs about {} of memory to compute, more than can be had", plural(bits, "bit"), gib(*bytes))]
    OutOfMemory { bits: u64, bytes: u64 },
}

/// A number of bytes in GiB, as a message says it.
fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
}

fn about(estimated_bits: Option<u64>) -> String {
    estimated_bits.map_or_else(String::new, |bits| format!("about {bits} bits, "))
}

/// What a syntax error expected to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Expected {
    Operand,
    Operator,
    EndOfInput,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Operand => "an operand",
            Expected::Operator => "an operator",
            Expected::EndOfInput => "end of input",
        })
    }
}

/// What a syntax error found instead: the end of the input, or a token's text (control
/// characters are shown escaped, so that a message never hands them to the terminal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    End,
    Token(Box<str>),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::End => f.write_str("end of input"),
            Found::Token(text) => {
                f.write_str("'")?;
                for c in text.chars() {
                    if c.is_control() {
                        write!(f, "{}", c.escape_unicode())?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                f.write_str("'")
            }
        }
    }
}

/// Every way a statement can fail.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    /// The grammar expected one of `expected` where it found `found`.
    #[error("syntax error: expected {}, found {found}", one_of(expected))]
    Expected {
        expected: Vec<Expected>,
        found: Found,
    },
    /// An integer written with leading zeros, such as `007`, as Python refuses it.
    #[error("syntax error: leading zeros in decimal integer literals are not permitted")]
    LeadingZeros,
    #[error("syntax error: unexpected ')'")]
    UnexpectedClose,
    #[error("syntax error: unclosed '('")]
    UnclosedParen,
    #[error("syntax error: a newline is allowed only inside parentheses")]
    NewlineOutsideParens,
    /// A command that needs an expression got nothing (or only a comment).
    #[error("syntax error: expected an expression")]
    ExpectedExpression,
    #[error("{0}")]
    Num(#[from] NumError),
    /// A name that is neither a variable nor a constant; `suggestion` is the nearest known
    /// name, if one is near.
    #[error("name '{name}' is not defined{}", did_you_mean(suggestion.as_deref().into_iter()))]
    UnknownName {
        name: Box<str>,
        suggestion: Option<Box<str>>,
    },
    /// One of Python's keywords where a name should be.
    #[error("'{name}' is a keyword and cannot be used as a name")]
    Keyword { name: Box<str> },
    /// A character that looks like an operator but is not the ASCII one (`−`, U+2212, for `-`).
    #[error(
        "syntax error: '{found}' (U+{:04X}) is not an operator here: write '{write}'",
        u32::from(*found)
    )]
    Lookalike { found: char, write: &'static str },
    /// `5!`: Python has no postfix factorial.
    #[error("syntax error: there is no '!' operator: write factorial({operand})")]
    Factorial { operand: Box<str> },
    /// A digit outside the base of a `0x`, `0o` or `0b` literal, as Python words it.
    #[error("syntax error: invalid digit '{digit}' in {base} literal")]
    InvalidDigit { digit: char, base: &'static str },
    /// A `0x`, `0o` or `0b` literal without digits, or with a misplaced `_`.
    #[error("syntax error: invalid {base} literal")]
    InvalidLiteral { base: &'static str },
    /// `range(…)` anywhere but as what `sum`, `prod`, `min` or `max` reduce.
    #[error("range() can only be reduced: write sum(range(…)), or prod, min or max")]
    RangeOutsideReduction,
    /// A generator given to a function that does not reduce one.
    #[error("{function}() does not take a generator: only sum, prod, min and max reduce one")]
    GeneratorArgument { function: &'static str },
    /// A generator over something other than `range(…)`.
    #[error("a generator can only iterate over range(…)")]
    IterableNotRange,
    /// A function called with a number of arguments it does not take.
    #[error("{}", arity_message(*function, *given, *wanted))]
    Arity {
        function: Builtin,
        given: usize,
        wanted: Arity,
    },
    /// A part of Python's functions parcalc does not have (default and keyword arguments,
    /// `*args`, a body of statements), by what it is.
    #[error("{what} {} not supported: a function is def f(x, y): return EXPR or lambda x, y: EXPR", if what.starts_with("a ") { "is" } else { "are" })]
    FunctionFeature { what: &'static str },
    /// A lambda that reads a variable of the function or generator around it: a closure.
    #[error(
        "closures are not supported: this lambda reads '{name}', a variable of the function or generator around it (pass it as an argument)"
    )]
    Closure { name: Box<str> },
    /// Two parameters of one function with the same name, as Python words it.
    #[error("duplicate argument '{name}' in function definition")]
    DuplicateParameter { name: Box<str> },
    /// More user-function calls open at once than `--max-depth`: Python's `RecursionError`.
    #[error(
        "maximum recursion depth exceeded (the limit is {limit}: --max-depth or :max-depth changes it)"
    )]
    Recursion { limit: u32 },
    /// A view parcalc cannot give of this statement yet.
    #[error("{what} not supported yet")]
    NotYet { what: &'static str },
    /// A call of a value that is not a function, as Python words it.
    #[error("'{type_name}' object is not callable")]
    NotCallable { type_name: &'static str },
    #[error("'{name}' is a function name and cannot be assigned")]
    ReservedName { name: Box<str> },
    /// Parentheses, or runs of prefix and `^` operators, nested deeper than `limit`.
    #[error("nesting too deep (limit {limit})")]
    NestingTooDeep { limit: usize },
    /// A deep line whose parsing thread could not be started or ran out of stack.
    #[error("nesting too deep to parse here ({levels} levels of parentheses)")]
    TooDeepToParse { levels: usize },
    /// A byte of the input that is not part of a UTF-8 character.
    #[error("invalid UTF-8: cannot decode byte {byte:#04x}")]
    InvalidUtf8 { byte: u8 },
    /// A statement longer than the accepted input size.
    #[error(
        "input of {} is over the limit of {}",
        plural(length, "byte"),
        plural(limit, "byte")
    )]
    InputTooLong { length: usize, limit: usize },
    /// A pool size out of range.
    #[error("the number of workers must be between 1 and {max}, not {requested}")]
    Workers { requested: usize, max: usize },
    /// The system refused the threads of a pool.
    #[error("cannot start {}: {reason}", plural(n_workers, "worker"))]
    PoolStart { n_workers: usize, reason: String },
    #[error("evaluation cancelled")]
    Cancelled,
    /// A bug, never an input error: what went wrong, for the report.
    #[error("internal error: {0}")]
    Internal(String),
}

/// ` (did you mean 'a'?)`, ` (did you mean 'a' or 'b'?)`, or nothing without a suggestion.
fn did_you_mean<'a>(suggestions: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = suggestions.map(|name| format!("'{name}'")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [init @ .., last] if !init.is_empty() => {
            format!(" (did you mean {} or {last}?)", init.join(", "))
        }
        [only, ..] => format!(" (did you mean {only}?)"),
    }
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(expected: &[Expected]) -> String {
    match expected {
        [] => Expected::Operand.to_string(),
        [only] => only.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(ToString::to_string).collect();
            format!("{} or {last}", init.join(", "))
        }
    }
}

/// Python's wording for a call with the wrong number of arguments.
fn arity_message(function: Builtin, given: usize, wanted: Arity) -> String {
    let name = function.name();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match wanted {
        Arity {
            min: 1,
            max: Some(1),
        } => {
            format!("{name}() takes exactly one argument ({given} given)")
        }
        Arity {
            min,
            max: Some(max),
        } if min == max => {
            format!("{name} expected {min} argument{}, got {given}", plural(min))
        }
        Arity { max: Some(max), .. } if given > max => {
            format!(
                "{name} expected at most {max} argument{}, got {given}",
                plural(max)
            )
        }
        Arity { min, .. } => {
            format!(
                "{name} expected at least {min} argument{}, got {given}",
                plural(min)
            )
        }
    }
}

/// An error with the span it points at, in the text of the statement that raised it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{kind}")]
pub struct Error {
    pub kind: ErrorKind,
    pub span: Span,
    /// Whether `span` names the text the error is about; `false` for an error about the input
    /// as a whole (its size, a limit) or none at all, which is quoted with no caret.
    pub placed: bool,
    /// The function whose body raised the error, when it is not the statement's own text:
    /// then `span` is a position in that function's definition.
    pub within: Option<std::sync::Arc<Within>>,
}

/// The user function an error was raised in: its name and its definition as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Within {
    pub function: std::sync::Arc<str>,
    pub source: std::sync::Arc<str>,
}

impl Error {
    pub fn new(kind: impl Into<ErrorKind>, span: Span) -> Error {
        Error {
            kind: kind.into(),
            span,
            placed: true,
            within: None,
        }
    }

    /// An error that points at no text in particular (a limit, a bug): it is drawn with no
    /// caret.
    pub fn unplaced(kind: impl Into<ErrorKind>) -> Error {
        Error {
            placed: false,
            ..Error::new(kind, Span::default())
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[track_caller]
    fn check(kind: impl Into<ErrorKind>, expected: &str) {
        assert_eq!(kind.into().to_string(), expected);
    }

    #[test]
    fn messages() {
        check(
            ErrorKind::Expected {
                expected: vec![Expected::Operand],
                found: Found::Token("*".into()),
            },
            "syntax error: expected an operand, found '*'",
        );
        check(
            ErrorKind::Expected {
                expected: vec![Expected::Operator, Expected::EndOfInput],
                found: Found::Token("\u{1b}".into()),
            },
            "syntax error: expected an operator or end of input, found '\\u{1b}'",
        );
        check(
            NumError::TooLarge {
                estimated_bits: None,
                limit: 64,
            },
            "result too large: over the limit of 64 bits",
        );
        check(
            NumError::TooLarge {
                estimated_bits: Some(100),
                limit: 64,
            },
            "result too large: about 100 bits, over the limit of 64 bits",
        );
        check(
            NumError::OutOfMemory {
                bits: 1 << 40,
                bytes: 1 << 41,
            },
            "out of memory: a result of about 1099511627776 bits needs about 2048.0 GiB of \
             memory to compute, more than can be had",
        );
        let arity = |function, given, min, max| ErrorKind::Arity {
            function,
            given,
            wanted: Arity { min, max },
        };
        check(
            arity(Builtin::Abs, 2, 1, Some(1)),
            "abs() takes exactly one argument (2 given)",
        );
        check(
            arity(Builtin::Min, 0, 1, None),
            "min expected at least 1 argument, got 0",
        );
        check(
            ErrorKind::UnknownName {
                name: "pii".into(),
                suggestion: Some("pi".into()),
            },
            "name 'pii' is not defined (did you mean 'pi'?)",
        );
        check(
            ErrorKind::Lookalike {
                found: '\u{2212}',
                write: "-",
            },
            "syntax error: '\u{2212}' (U+2212) is not an operator here: write '-'",
        );
    }
}
