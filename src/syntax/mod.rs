//! Parsing: text to [`Statement`]. The only module that knows pest.
//!
//! (Placeholder interface; the grammar and lowering land with the syntax module.)

use crate::ast::Statement;
use crate::error::{Error, ErrorKind};
use crate::span::Span;

/// Parses one statement: `expr` or `name = expr`. `Ok(None)` for a blank line or a comment.
pub fn parse_statement(source: &str) -> Result<Option<Statement>, Error> {
    Err(Error::new(
        ErrorKind::Syntax(format!("cannot parse {source:?} yet")),
        Span::default(),
    ))
}
