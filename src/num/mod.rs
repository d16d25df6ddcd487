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
mod function;
mod guard;
mod int;
mod libm;
mod math;
mod mul;
mod ntt;
pub(crate) mod print;
#[cfg(test)]
mod test;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write;
use std::sync::Arc;

use crate::error::NumError;
use crate::ops::{BinaryOp, Builtin, UnaryOp};

pub(crate) use builtins::range_product;
pub use float::repr as float_repr;
pub use function::Function;
pub use print::to_decimal;

/// The arbitrary-size integer type. A type alias, so that the choice of crate is one line
/// (ARCHITECTURE.md records why it is dashu).
pub type Int = dashu_int::IBig;

/// A value: Python's `int`, `float`, `bool` or `str`.
#[derive(Clone, Debug)]
pub enum Value {
    Int(Int),
    Float(f64),
    /// Python's `bool`, a kind of int: `True + True` is `2`; printed `True` or `False`.
    Bool(bool),
    /// Python's `str`, which only `hex`, `oct` and `bin` make; printed as Python's `repr`.
    Str(Arc<str>),
    /// A user function, from `def` or `lambda`; equal only to itself.
    Func(Arc<Function>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Func(a), Value::Func(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Bounds checked before a result is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest integer result, in bits.
    pub max_bits: u64,
    /// Most user-function calls open at once; one more is Python's `RecursionError`.
    pub max_depth: u32,
}

/// The default of [`Limits::max_depth`]: a hundred times Python's 1,000.
pub const DEFAULT_MAX_DEPTH: u32 = 100_000;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bits: 64 << 20,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// Python's `repr()`: all the digits of an int, the shortest round-trip form of a float.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => f.write_str(&print::to_decimal(i)),
            Value::Float(x) => f.write_str(&float::repr(*x)),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Str(text) => f.write_str(&str_repr(text)),
            Value::Func(function) => write!(f, "<function {}>", function.name),
        }
    }
}

/// Python's `repr` of a string: in single quotes unless it holds one and no double quote.
pub(crate) fn str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

impl Value {
    /// The value as a float, as Python converts an int operand of a float operation.
    fn to_float(&self) -> Result<f64, NumError> {
        match self {
            Value::Int(i) => int::to_f64(i),
            Value::Float(x) => Ok(*x),
            Value::Bool(b) => Ok(f64::from(u8::from(*b))),
            Value::Str(_) => Err(NumError::Type("must be real number, not str".into())),
            Value::Func(_) => Err(NumError::Type("must be real number, not function".into())),
        }
    }

    /// The name of the value's Python type, as error messages say it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::Str(_) => "str",
            Value::Func(_) => "function",
        }
    }

    /// Python's truth: a number is true unless it is zero (`nan` is true, `-0.0` false), a
    /// string unless it is empty.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Int(i) => !i.is_zero(),
            Value::Float(x) => *x != 0.0,
            Value::Bool(b) => *b,
            Value::Str(text) => !text.is_empty(),
            Value::Func(_) => true,
        }
    }

    /// A `bool` as the int it is in arithmetic; any other value as it is.
    pub fn numeric(&self) -> Cow<'_, Value> {
        match self {
            Value::Bool(b) => Cow::Owned(Value::Int(Int::from(u8::from(*b)))),
            other => Cow::Borrowed(other),
        }
    }
}

/// Applies a binary operator as Python does.
pub fn binary(op: BinaryOp, lhs: &Value, rhs: &Value, limits: &Limits) -> Result<Value, NumError> {
    if let (Value::Int(a), Value::Int(b)) = (lhs, rhs)
        && !op.is_comparison()
    {
        return int_binary(op, a, b, limits);
    }
    if op.is_comparison() {
        return compare_op(op, lhs, rhs).map(Value::Bool);
    }
    if matches!(lhs, Value::Func(_)) || matches!(rhs, Value::Func(_)) {
        return Err(unsupported(op, lhs, rhs));
    }
    if matches!(lhs, Value::Str(_)) || matches!(rhs, Value::Str(_)) {
        return str_binary(op, lhs, rhs, limits);
    }
    if let (Value::Bool(a), Value::Bool(b)) = (lhs, rhs) {
        match op {
            BinaryOp::BitAnd => return Ok(Value::Bool(*a && *b)),
            BinaryOp::BitOr => return Ok(Value::Bool(*a || *b)),
            _ => {}
        }
    }
    // A bit operation is not defined on floats: Python's `TypeError` comes before any
    // conversion, so an int too large for a float does not change the error.
    if (matches!(lhs, Value::Float(_)) || matches!(rhs, Value::Float(_)))
        && matches!(
            op,
            BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::Shl | BinaryOp::Shr
        )
    {
        return Err(unsupported(op, lhs, rhs));
    }
    let (lhs, rhs) = (lhs.numeric(), rhs.numeric());
    if let (Value::Int(a), Value::Int(b)) = (&*lhs, &*rhs) {
        return int_binary(op, a, b, limits);
    }
    let float_op: fn(f64, f64) -> Result<f64, NumError> = match op {
        BinaryOp::Add => |a, b| Ok(a + b),
        BinaryOp::Sub => |a, b| Ok(a - b),
        BinaryOp::Mul => |a, b| Ok(a * b),
        BinaryOp::Div => float::div,
        BinaryOp::FloorDiv => float::floor_div,
        BinaryOp::Mod => float::modulo,
        BinaryOp::Pow => float::pow,
        _ => return Err(unsupported(op, &lhs, &rhs)),
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
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne => {
            return compare_op(op, &Value::Int(a.clone()), &Value::Int(b.clone())).map(Value::Bool);
        }
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
        (UnaryOp::Not, value) => Value::Bool(!value.is_true()),
        (UnaryOp::Neg, Value::Int(a)) => Value::Int(-a),
        (UnaryOp::Neg, Value::Float(x)) => Value::Float(-x),
        (UnaryOp::Plus, Value::Int(_) | Value::Float(_)) => operand.clone(),
        (UnaryOp::Invert, Value::Int(a)) => Value::Int(!a),
        (_, Value::Bool(_)) => return unary(op, &operand.numeric()),
        (_, Value::Float(_) | Value::Str(_) | Value::Func(_)) => {
            return Err(NumError::Type(
                format!(
                    "bad operand type for unary {}: '{}'",
                    op.symbol(),
                    operand.type_name()
                )
                .into(),
            ));
        }
    })
}

/// Python's `TypeError` for an operator its operands do not support.
fn unsupported(op: BinaryOp, lhs: &Value, rhs: &Value) -> NumError {
    let symbol = if op == BinaryOp::Pow {
        "** or pow()"
    } else {
        op.symbol()
    };
    NumError::Type(
        format!(
            "unsupported operand type(s) for {symbol}: '{}' and '{}'",
            lhs.type_name(),
            rhs.type_name()
        )
        .into(),
    )
}

/// An operator with a string operand: `+` joins two strings, `*` repeats one an int number of
/// times (within the size limit, at 8 bits a character); anything else is Python's
/// `TypeError`.
fn str_binary(op: BinaryOp, lhs: &Value, rhs: &Value, limits: &Limits) -> Result<Value, NumError> {
    let type_error = |message: String| Err(NumError::Type(message.into()));
    match (op, lhs, rhs) {
        (BinaryOp::Add, Value::Str(a), Value::Str(b)) => {
            guard::check((a.len() as u64 + b.len() as u64).saturating_mul(8), limits)?;
            Ok(Value::Str(format!("{a}{b}").into()))
        }
        (BinaryOp::Add, Value::Str(_), other) => type_error(format!(
            "can only concatenate str (not \"{}\") to str",
            other.type_name()
        )),
        (BinaryOp::Mul, Value::Str(text), count) | (BinaryOp::Mul, count, Value::Str(text))
            if matches!(count, Value::Int(_) | Value::Bool(_)) =>
        {
            let Value::Int(count) = &*count.numeric() else {
                return type_error(String::new());
            };
            let count = if count <= &Int::ZERO {
                0
            } else {
                u64::try_from(count).unwrap_or(u64::MAX)
            };
            let bits = (text.len() as u64)
                .checked_mul(count)
                .and_then(|chars| chars.checked_mul(8))
                .ok_or_else(|| guard::beyond_counting(limits))?;
            guard::check(bits, limits)?;
            Ok(Value::Str(text.repeat(count as usize).into()))
        }
        (BinaryOp::Mul, Value::Str(_), other) | (BinaryOp::Mul, other, Value::Str(_)) => {
            type_error(format!(
                "can't multiply sequence by non-int of type '{}'",
                other.type_name()
            ))
        }
        (BinaryOp::Mod, Value::Str(_), _) => {
            type_error("not all arguments converted during string formatting".to_owned())
        }
        _ => Err(unsupported(op, lhs, rhs)),
    }
}

/// A comparison as Python makes it: numbers (`bool` among them) by their exact values, where
/// a nan is neither less, nor equal, nor greater; strings by their characters; a string and
/// a number are unequal, and not ordered (`TypeError`).
pub fn compare_op(op: BinaryOp, lhs: &Value, rhs: &Value) -> Result<bool, NumError> {
    let order = match (lhs, rhs) {
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        (Value::Func(a), Value::Func(b)) if matches!(op, BinaryOp::Eq | BinaryOp::Ne) => {
            return Ok(Arc::ptr_eq(a, b) == (op == BinaryOp::Eq));
        }
        (Value::Str(_) | Value::Func(_), _) | (_, Value::Str(_) | Value::Func(_)) => match op {
            BinaryOp::Eq => return Ok(false),
            BinaryOp::Ne => return Ok(true),
            _ => {
                return Err(NumError::Type(
                    format!(
                        "'{}' not supported between instances of '{}' and '{}'",
                        op.symbol(),
                        lhs.type_name(),
                        rhs.type_name()
                    )
                    .into(),
                ));
            }
        },
        _ => builtins::compare(&lhs.numeric(), &rhs.numeric()),
    };
    Ok(match op {
        BinaryOp::Lt => order == Some(Ordering::Less),
        BinaryOp::Le => matches!(order, Some(Ordering::Less | Ordering::Equal)),
        BinaryOp::Gt => order == Some(Ordering::Greater),
        BinaryOp::Ge => matches!(order, Some(Ordering::Greater | Ordering::Equal)),
        BinaryOp::Eq => order == Some(Ordering::Equal),
        BinaryOp::Ne => order != Some(Ordering::Equal),
        _ => return Err(unsupported(op, lhs, rhs)),
    })
}

/// Python's `<` between two numbers, by their exact values; `None` when a nan is involved
/// (or when a string is compared with a number).
pub fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Str(_) | Value::Func(_), _) | (_, Value::Str(_) | Value::Func(_)) => None,
        _ => builtins::compare(&a.numeric(), &b.numeric()),
    }
}

/// Calls a built-in function as Python 3.11 does (arity already checked by the parser). A
/// `bool` argument is the int it stands for, except that `min` and `max` return their
/// argument itself.
pub fn call(func: Builtin, args: &[&Value], limits: &Limits) -> Result<Value, NumError> {
    if args
        .iter()
        .all(|arg| matches!(arg, Value::Int(_) | Value::Float(_)))
        || matches!(func, Builtin::Min | Builtin::Max)
    {
        return builtins::call(func, args, limits);
    }
    if let Some(text) = args.iter().find_map(|arg| match arg {
        Value::Str(text) => Some(text),
        _ => None,
    }) {
        return Err(builtins::str_argument(func, text));
    }
    let numeric: Vec<Cow<'_, Value>> = args.iter().map(|arg| arg.numeric()).collect();
    let numeric: Vec<&Value> = numeric.iter().map(|arg| &**arg).collect();
    builtins::call(func, &numeric, limits)
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
