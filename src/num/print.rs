//! Decimal printing of integers.
//!
//! dashu's own conversion is already subquadratic (it splits by powers of the radix), so the
//! 1,240,516 digits of `3 ^ 2600000` print in about 0.4 s where CPython's quadratic `str()`
//! takes about 18 s. This module is the one place that turns an int into digits, so a faster
//! conversion can replace it without touching callers.

use crate::num::Int;

/// All the decimal digits of `x`, with a leading `-` when negative (Python's `repr(int)`).
pub fn to_decimal(x: &Int) -> String {
    x.to_string()
}
