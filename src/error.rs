//! Errors as data: an [`ErrorKind`] saying what went wrong and the [`Span`] it points at.
//!
//! Evaluation errors point at the operator that failed (`1 / 0` puts its caret under `/`), parse
//! errors at the offending token. Nothing here knows about carets, colours or terminals: the
//! caret is drawn by `render::diagnostic`.

use crate::span::Span;

/// What went wrong in arithmetic, without a position. Raised by `num`, which knows no spans.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NumError {
    /// Python's `ZeroDivisionError`; the string names the operation.
    #[error("{0}")]
    ZeroDivision(&'static str),
    /// Python's `OverflowError`.
    #[error("{0}")]
    Overflow(&'static str),
    /// Python's `ValueError` (math domain errors and the like).
    #[error("{0}")]
    Domain(&'static str),
    /// Python's `TypeError` (a float given to `gcd`, say).
    #[error("{0}")]
    Type(String),
    /// The result would be larger than the configured limit; refused before computing it.
    #[error(
        "result too large: about {estimated_bits} bits, over the limit of {limit_bits} bits (raise it with --max-bits)"
    )]
    TooLarge {
        estimated_bits: u64,
        limit_bits: u64,
    },
}

/// Every way a statement can fail.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error("syntax error: {0}")]
    Syntax(String),
    #[error("{0}")]
    Num(#[from] NumError),
    #[error("name '{0}' is not defined")]
    UnknownName(String),
    #[error("unknown function '{0}'")]
    UnknownFunction(String),
    #[error("{0}")]
    Arity(String),
    #[error("'{0}' is a function name and cannot be assigned")]
    ReservedName(String),
    #[error("{0}")]
    Limit(String),
    #[error("evaluation cancelled")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

/// An error with the span it points at, in the text of the statement that raised it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{kind}")]
pub struct Error {
    pub kind: ErrorKind,
    pub span: Span,
}

impl Error {
    pub fn new(kind: impl Into<ErrorKind>, span: Span) -> Error {
        Error {
            kind: kind.into(),
            span,
        }
    }
}
