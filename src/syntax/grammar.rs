//! The pest parser generated from `grammar/parcalc.pest`.
//!
//! This file only binds the grammar to Rust. It does not build nodes or give operators their
//! precedence; `lower` does both.

use pest_derive::Parser;

/// The parser generated from the grammar file.
#[derive(Parser)]
#[grammar = "../grammar/parcalc.pest"]
pub struct CalcParser;
