//! Numbers with CPython 3's semantics: arbitrary-size integers and IEEE f64 floats.
//!
//! (Placeholder interface; the arithmetic lands with the numbers module.)

use crate::ast::{BinaryOp, Builtin, UnaryOp};
use crate::error::NumError;

/// The arbitrary-size integer type.
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

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
        }
    }
}

/// Applies a binary operator as Python does.
pub fn binary(op: BinaryOp, lhs: &Value, rhs: &Value, limits: &Limits) -> Result<Value, NumError> {
    let _ = limits;
    match (op, lhs, rhs) {
        (BinaryOp::Add, Value::Int(a), Value::Int(b)) => Ok(Value::Int(a + b)),
        (BinaryOp::Sub, Value::Int(a), Value::Int(b)) => Ok(Value::Int(a - b)),
        (BinaryOp::Mul, Value::Int(a), Value::Int(b)) => Ok(Value::Int(a * b)),
        _ => Err(NumError::Domain("not implemented")),
    }
}

/// Applies a unary operator as Python does.
pub fn unary(op: UnaryOp, operand: &Value) -> Result<Value, NumError> {
    match (op, operand) {
        (UnaryOp::Neg, Value::Int(a)) => Ok(Value::Int(-a)),
        (UnaryOp::Plus, value) => Ok(value.clone()),
        _ => Err(NumError::Domain("not implemented")),
    }
}

/// Calls a built-in function as Python does (arity already checked by the parser).
pub fn call(func: Builtin, args: &[&Value], limits: &Limits) -> Result<Value, NumError> {
    let _ = (func, args, limits);
    Err(NumError::Domain("not implemented"))
}

/// Parses an integer literal's digits (underscores already allowed by the grammar).
pub fn parse_int(text: &str) -> Value {
    let digits: String = text.chars().filter(|&c| c != '_').collect();
    Value::Int(digits.parse().unwrap_or_default())
}

/// Parses a float literal in any of Python's forms.
pub fn parse_float(text: &str) -> f64 {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    cleaned.parse().unwrap_or(f64::NAN)
}
