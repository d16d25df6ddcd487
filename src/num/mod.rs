//! Numbers with `CPython` 3's semantics: arbitrary-size integers and IEEE f64 floats.
//!
//! Every operator and built-in function gives the value `python3` gives, or an error exactly
//! where Python raises one (with Python's own message where it has one). Python is the oracle:
//! `tests/it/oracle.rs` compares thousands of random expressions with it. The one deliberate
//! difference: where Python would return a complex number (`(-8) ^ (1/3)`), this module raises
//! a domain error. Integer results larger than [`Limits::max_bits`] are refused before they are
//! computed (see `guard`). This module knows nothing of spans, trees or tasks: the evaluator
//! calls [`binary`], [`unary`] and [`call`] on values it already has.
//!
//! Files: `int.rs` (integer helpers, int/float conversion and comparison), `divide.rs`
//! (correctly rounded int/int true division), `factorial.rs` (`n!` by prime swing),
//! `float.rs` (float operators and `repr`), `mul.rs` (products and powers, choosing the
//! algorithm by size), `ntt.rs` (the parallel transform behind huge products), `print.rs`
//! (decimal printing of integers), `builtins.rs` (the functions, by name), `math.rs`
//! (`math`'s float functions and their errors, as `mathmodule.c`), `libm.rs` (the C library
//! they call), `guard.rs` (size limits).

mod builtins;
mod divide;
mod factorial;
mod float;
mod guard;
mod int;
mod libm;
mod math;
mod mul;
mod ntt;
pub(crate) mod print;
#[cfg(test)]
mod test;

use crate::error::NumError;
use crate::ops::{BinaryOp, Builtin, UnaryOp};

pub(crate) use builtins::range_product;
pub use float::repr as float_repr;
pub use print::to_decimal;

/// The arbitrary-size integer type. A type alias, so that the choice of crate is one line
/// (ARCHITECTURE.md records why it is dashu).
pub type Int = dashu_int::IBig;

/// A value: Python's `int` or `float`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(Int),
    Float(f64),
}

/// Bounds checked before a result is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest integer result, in bits.
    pub max_bits: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_bits: 64 << 20 }
    }
}

/// Python's `repr()`: all the digits of an int, the shortest round-trip form of a float.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => f.write_str(&print::to_decimal(i)),
            Value::Float(x) => f.write_str(&float::repr(*x)),
        }
    }
}

impl Value {
    /// The value as a float, as Python converts an int operand of a float operation.
    fn to_float(&self) -> Result<f64, NumError> {
        match self {
            Value::Int(i) => int::to_f64(i),
            Value::Float(x) => Ok(*x),
        }
    }
}

/// Applies a binary operator as Python does.
pub fn binary(op: BinaryOp, lhs: &Value, rhs: &Value, limits: &Limits) -> Result<Value, NumError> {
    if let (Value::Int(a), Value::Int(b)) = (lhs, rhs) {
        return int_binary(op, a, b, limits);
    }
    // A bit operation is not defined on floats: Python's `TypeError` comes before any
    // conversion, so an int too large for a float does not change the error.
    let float_op: fn(f64, f64) -> Result<f64, NumError> = match op {
        BinaryOp::Add => |a, b| Ok(a + b),
        BinaryOp::Sub => |a, b| Ok(a - b),
        BinaryOp::Mul => |a, b| Ok(a * b),
        BinaryOp::Div => float::div,
        BinaryOp::FloorDiv => float::floor_div,
        BinaryOp::Mod => float::modulo,
        BinaryOp::Pow => float::pow,
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::Shl | BinaryOp::Shr => {
            return Err(NumError::Type(bit_operand_error(op, lhs, rhs)));
        }
    };
    float_op(lhs.to_float()?, rhs.to_float()?).map(Value::Float)
}

/// Results below this many bits are never refused, whatever the operands.
const SMALL_RESULT_BITS: u64 = 128;

/// Both operands are ints: the result is an int except for `/` and a negative exponent.
fn int_binary(op: BinaryOp, a: &Int, b: &Int, limits: &Limits) -> Result<Value, NumError> {
    // Machine integers first: `+ - *` of two `i64` have fewer than 128 bits, under any limit of
    // at least that, so the size guard cannot object and the big-integer path is not needed.
    if limits.max_bits >= SMALL_RESULT_BITS
        && let (Ok(x), Ok(y)) = (i64::try_from(a), i64::try_from(b))
    {
        let small = match op {
            BinaryOp::Add => x.checked_add(y),
            BinaryOp::Sub => x.checked_sub(y),
            BinaryOp::Mul => x.checked_mul(y),
            // Python rounds the quotient towards -inf and gives the remainder the divisor's sign.
            BinaryOp::FloorDiv if y != 0 => x.checked_div(y).map(|q| {
                if x % y != 0 && (x < 0) != (y < 0) {
                    q - 1
                } else {
                    q
                }
            }),
            BinaryOp::Mod if y != 0 => x.checked_rem(y).map(|r| {
                if r != 0 && (r < 0) != (y < 0) {
                    r + y
                } else {
                    r
                }
            }),
            BinaryOp::BitAnd => Some(x & y),
            BinaryOp::BitOr => Some(x | y),
            BinaryOp::Shr if y >= 0 => Some(x >> y.min(63)),
            _ => None,
        };
        if let Some(result) = small {
            return Ok(Value::Int(Int::from(result)));
        }
    }
    let result = match op {
        BinaryOp::Add | BinaryOp::Sub => {
            // At most one bit more than the larger operand: measured, not estimated.
            let result = if op == BinaryOp::Add { a + b } else { a - b };
            guard::exact(result, limits)?
        }
        BinaryOp::Mul => {
            // `bits(a) + bits(b)` or one less: refused at once only when certainly too big.
            guard::check((int::bits(a) + int::bits(b)).saturating_sub(1), limits)?;
            guard::exact(mul::mul(a, b), limits)?
        }
        BinaryOp::BitAnd => a & b,
        BinaryOp::BitOr => a | b,
        BinaryOp::Shl => int::shift_left(a, b, limits)?,
        BinaryOp::Shr => int::shift_right(a, b)?,
        BinaryOp::Div => return divide::true_divide(a, b).map(Value::Float),
        BinaryOp::FloorDiv => int::floor_div_mod(a, b, "integer division or modulo by zero")?.0,
        BinaryOp::Mod => int::floor_div_mod(a, b, "integer modulo by zero")?.1,
        BinaryOp::Pow => {
            if b < &Int::ZERO {
                // Python hands a negative exponent to float's `**`.
                return float::pow(int::to_f64(a)?, int::to_f64(b)?).map(Value::Float);
            }
            int::pow(a, b, limits)?
        }
    };
    Ok(Value::Int(result))
}

/// Applies a unary operator as Python does.
pub fn unary(op: UnaryOp, operand: &Value) -> Result<Value, NumError> {
    Ok(match (op, operand) {
        (UnaryOp::Neg, Value::Int(a)) => Value::Int(-a),
        (UnaryOp::Neg, Value::Float(x)) => Value::Float(-x),
        (UnaryOp::Plus, value) => value.clone(),
        (UnaryOp::Invert, Value::Int(a)) => Value::Int(!a),
        (UnaryOp::Invert, Value::Float(_)) => {
            return Err(NumError::Type("bad operand type for unary ~: 'float'"));
        }
    })
}

/// Python's `TypeError` for a bit operation with a float operand.
fn bit_operand_error(op: BinaryOp, lhs: &Value, rhs: &Value) -> &'static str {
    let float_lhs = matches!(lhs, Value::Float(_));
    let float_rhs = matches!(rhs, Value::Float(_));
    macro_rules! message {
        ($symbol:literal) => {
            match (float_lhs, float_rhs) {
                (true, true) => concat!(
                    "unsupported operand type(s) for ",
                    $symbol,
                    ": 'float' and 'float'"
                ),
                (true, false) => concat!(
                    "unsupported operand type(s) for ",
                    $symbol,
                    ": 'float' and 'int'"
                ),
                _ => concat!(
                    "unsupported operand type(s) for ",
                    $symbol,
                    ": 'int' and 'float'"
                ),
            }
        };
    }
    match op {
        BinaryOp::BitAnd => message!("&"),
        BinaryOp::BitOr => message!("|"),
        BinaryOp::Shl => message!("<<"),
        _ => message!(">>"),
    }
}

/// Python's `<` between two numbers, by their exact values; `None` when a nan is involved.
pub fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    builtins::compare(a, b)
}

/// Calls a built-in function as Python 3.11 does (arity already checked by the parser).
pub fn call(func: Builtin, args: &[&Value], limits: &Limits) -> Result<Value, NumError> {
    builtins::call(func, args, limits)
}

/// The radix of an integer literal and its digits: 16, 8 or 2 after a `0x`, `0o` or `0b`
/// prefix (either case), else 10 and the whole text.
pub fn int_radix(text: &str) -> (u32, &str) {
    let bytes = text.as_bytes();
    if bytes.len() > 2 && bytes[0] == b'0' {
        let radix = match bytes[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => return (10, text),
        };
        return (radix, &text[2..]);
    }
    (10, text)
}

/// Parses an integer literal, in any base the grammar accepts; underscores (already placed by
/// the grammar) are skipped.
pub fn parse_int(text: &str) -> Value {
    let (radix, digits) = int_radix(text);
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    Value::Int(Int::from_str_radix(&digits, radix).unwrap_or_default())
}

/// Parses a float literal in any of Python's forms (`1.5`, `.5`, `5.`, `1e3`, `2.5E-3`),
/// correctly rounded; a literal too large for a float is `inf`, as in Python.
pub fn parse_float(text: &str) -> f64 {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    cleaned.parse().unwrap_or(f64::NAN)
}
