//! The pest parser generated from `grammar/parcalc.pest`, and the precedence table.
//!
//! This file only binds the grammar to Rust: it declares [`CalcParser`] and [`PRATT`], the
//! operator table that gives `expr`'s flat sequence of operands and operators its tree shape.
//! It does not build nodes; `lower` does.

use pest::pratt_parser::{Assoc, ConstPrattParser, Op};
use pest_derive::Parser;

/// The parser generated from the grammar file.
#[derive(Parser)]
#[grammar = "../grammar/parcalc.pest"]
pub struct CalcParser;

/// Operator precedence and associativity, exactly Python's, from lowest to highest:
/// `+ -` · `* / // %` · prefix `- +` · `^`/`**` (right-associative).
///
/// The prefix level sits between `*` and `^`, so `-2 ^ 2` is `-(2 ^ 2)` while `-2 * 3` is
/// `(-2) * 3`; the right operand of `^` may itself start with a prefix operator (`2 ^ -1`), as in
/// Python's `power := primary ['**' u_expr]`.
pub static PRATT: ConstPrattParser<Rule, 9> = ConstPrattParser::new_const(pest::pratt_precedence![
    // Lowest to highest.
    Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left),
    Op::infix(Rule::mul, Assoc::Left)
        | Op::infix(Rule::div, Assoc::Left)
        | Op::infix(Rule::floor_div, Assoc::Left)
        | Op::infix(Rule::modulo, Assoc::Left),
    Op::prefix(Rule::neg) | Op::prefix(Rule::plus),
    Op::infix(Rule::pow, Assoc::Right),
]);
