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

/// The number of decimal digits of `x` (without sign), and its first and last `k` digits,
/// computed without converting the whole number: a few powers of ten and one division, so a
/// summary of an 18-million-digit integer takes a fraction of the time its full conversion
/// does. `None` when `x` has at most `max(min_digits, 2 * k)` digits (print it whole instead).
pub fn digit_summary(x: &Int, k: usize, min_digits: usize) -> Option<(usize, String, String)> {
    use dashu_int::UBig;
    use dashu_int::ops::{BitTest, UnsignedAbs};
    let magnitude: UBig = x.clone().unsigned_abs();
    let bits = magnitude.bit_len();
    let min_digits = min_digits.max(2 * k);
    // x < 2^bits has at most bits·log10(2) + 1 digits: too few to abbreviate.
    if bits <= 64 || (bits as f64 * std::f64::consts::LOG10_2) < min_digits as f64 - 1.0 {
        return None;
    }
    let pow10 = |exp: usize| UBig::from(10u8).pow(exp);
    // 2^(bits-1) <= x < 2^bits: the estimate is off by at most one either way.
    let mut digits = ((bits - 1) as f64 * std::f64::consts::LOG10_2).floor() as usize + 1;
    if magnitude < pow10(digits - 1) {
        digits -= 1;
    } else if magnitude >= pow10(digits) {
        digits += 1;
    }
    if digits <= min_digits {
        return None;
    }
    let head = (&magnitude / pow10(digits - k)).to_string();
    let tail = format!("{:0>k$}", (&magnitude % pow10(k)).to_string());
    Some((digits, head, tail))
}

#[cfg(test)]
mod test {
    use super::*;
    use dashu_int::ops::{BitTest, UnsignedAbs};

    #[track_caller]
    fn check(x: Int) {
        let text = x.clone().unsigned_abs().to_string();
        match digit_summary(&x, 4, 0) {
            Some((digits, head, tail)) => {
                assert_eq!(digits, text.len());
                assert_eq!(head, text[..4]);
                assert_eq!(tail, text[text.len() - 4..]);
            }
            None => assert!(text.len() <= 8 || x.clone().unsigned_abs().bit_len() <= 64),
        }
    }

    #[test]
    fn summary_matches_the_full_conversion() {
        let ten = Int::from(10);
        for exp in [1usize, 8, 9, 19, 20, 21, 100, 1000, 4321] {
            let power = ten.pow(exp);
            check(power.clone());
            check(&power - Int::ONE);
            check(&power + Int::ONE);
            check(-power);
        }
        check(Int::from(2).pow(100_000));
        check(Int::from(3).pow(54_321) * Int::from(10_000));
    }
}
