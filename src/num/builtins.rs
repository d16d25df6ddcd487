//! The built-in functions, as Python 3.11's `abs`, `min`, `max` and `math.sqrt`, `math.gcd`,
//! `math.lcm`, `math.factorial`.
//!
//! `min` and `max` compare ints and floats by their exact values (never through a rounded
//! float) and keep the first of equal extremes; a nan never replaces the current extreme, so
//! `max(nan, 1)` is `nan` and `max(1, nan)` is `1`, as in Python. The arity has already been
//! checked by the parser.

use std::cmp::Ordering;

use dashu_int::ops::{Gcd, UnsignedAbs};

use crate::error::NumError;
use crate::num::{Int, Limits, Value, factorial, guard, int};
use crate::ops::Builtin;

pub(super) fn call(func: Builtin, args: &[&Value], limits: &Limits) -> Result<Value, NumError> {
    match func {
        Builtin::Abs => Ok(match args.first() {
            Some(Value::Int(i)) => Value::Int(Int::from(i.unsigned_abs())),
            Some(Value::Float(x)) => Value::Float(x.abs()),
            None => return Err(missing_argument()),
        }),
        Builtin::Min => extreme(args, Ordering::Less),
        Builtin::Max => extreme(args, Ordering::Greater),
        Builtin::Sqrt => {
            let x = args.first().ok_or_else(missing_argument)?.to_float()?;
            let root = x.sqrt();
            if root.is_nan() && !x.is_nan() {
                return Err(NumError::Domain("math domain error"));
            }
            Ok(Value::Float(root))
        }
        Builtin::Gcd => {
            let mut result = Int::ZERO;
            for value in ints(args)? {
                result = gcd(&result, value);
            }
            Ok(Value::Int(result))
        }
        Builtin::Lcm => {
            let mut result = Int::ONE;
            for value in ints(args)? {
                if result.is_zero() || value.is_zero() {
                    result = Int::ZERO;
                    continue;
                }
                guard::check(int::bits(&result) + int::bits(value), limits)?;
                let divided = &result / gcd(&result, value);
                result = Int::from((divided * value).unsigned_abs());
            }
            Ok(Value::Int(result))
        }
        Builtin::Factorial => {
            let n = match args.first() {
                Some(Value::Int(n)) => n,
                Some(Value::Float(_)) => return Err(float_not_integer()),
                None => return Err(missing_argument()),
            };
            if n < &Int::ZERO {
                return Err(NumError::Domain(
                    "factorial() not defined for negative values",
                ));
            }
            let n = u64::try_from(n).map_err(|_| guard::beyond_counting(limits))?;
            guard::check_f64(factorial_bits(n), limits)?;
            Ok(Value::Int(factorial::factorial(n)))
        }
    }
}

/// The parser checks every call's arity; this stands in should a call come here without its
/// arguments.
fn missing_argument() -> NumError {
    NumError::Type("a built-in function was called with too few arguments")
}

fn float_not_integer() -> NumError {
    NumError::Type("'float' object cannot be interpreted as an integer")
}

/// The arguments as ints, or Python's `TypeError` for a float.
fn ints<'a>(args: &[&'a Value]) -> Result<Vec<&'a Int>, NumError> {
    args.iter()
        .map(|value| match value {
            Value::Int(i) => Ok(i),
            Value::Float(_) => Err(float_not_integer()),
        })
        .collect()
}

/// The non-negative greatest common divisor; `gcd(0, 0)` is 0.
fn gcd(a: &Int, b: &Int) -> Int {
    if a.is_zero() {
        return Int::from(b.unsigned_abs());
    }
    if b.is_zero() {
        return Int::from(a.unsigned_abs());
    }
    Int::from(a.gcd(b))
}

/// Python's `<` between two numbers; `None` when a nan is involved.
pub(super) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Int(x), Value::Float(y)) => int::cmp_int_float(x, *y),
        (Value::Float(x), Value::Int(y)) => int::cmp_int_float(y, *x).map(Ordering::reverse),
    }
}

/// `min` (`wanted` = Less) or `max` (`wanted` = Greater): an item replaces the current extreme
/// only when strictly beyond it.
fn extreme(args: &[&Value], wanted: Ordering) -> Result<Value, NumError> {
    let (first, rest) = args.split_first().ok_or_else(missing_argument)?;
    let mut best = *first;
    for item in rest {
        if compare(item, best) == Some(wanted) {
            best = item;
        }
    }
    Ok(best.clone())
}

/// An estimate of `log2(n!)` by Stirling's formula, rounded up by a bit.
fn factorial_bits(n: u64) -> f64 {
    if n < 2 {
        return 1.0;
    }
    let n = n as f64;
    let ln = n * n.ln() - n + 0.5 * (std::f64::consts::TAU * n).ln();
    ln / std::f64::consts::LN_2 + 1.0
}
