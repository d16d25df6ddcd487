//! Decimal printing of integers.
//!
//! dashu's own conversion is subquadratic (it splits by powers of the radix), so the 1,240,516
//! digits of `3 ^ 2600000` print in well under a second where `CPython`'s quadratic `str()` takes
//! about 20 s. On top of it, [`to_decimal`] splits a large number once more by a power of ten
//! and converts the two halves in parallel on the current rayon pool, down to pieces of
//! [`PARALLEL_MIN_BITS`]. This module is the one place that turns an int into digits.

use dashu_int::UBig;
use dashu_int::ops::{BitTest, DivRem, UnsignedAbs};

use crate::num::Int;

/// Numbers smaller than this many bits (about 316,000 digits) are converted by dashu alone:
/// below it, a split costs more than the parallel halves save.
pub(crate) const PARALLEL_MIN_BITS: usize = 1 << 20;

/// All the decimal digits of `x`, with a leading `-` when negative (Python's `repr(int)`).
pub fn to_decimal(x: &Int) -> String {
    if int_bits(x) < PARALLEL_MIN_BITS {
        return x.to_string();
    }
    let digits = magnitude_digits(&x.clone().unsigned_abs(), None);
    if x < &Int::ZERO {
        format!("-{digits}")
    } else {
        digits
    }
}

fn int_bits(x: &Int) -> usize {
    x.clone().unsigned_abs().bit_len()
}

/// The digits of `x`, left-padded with zeros to `width` digits when given: `x = hi · 10^m + lo`
/// with `m` about half the digits, `hi` and `lo` converted in parallel, `lo` padded to `m`.
fn magnitude_digits(x: &UBig, width: Option<usize>) -> String {
    let bits = x.bit_len();
    if bits < PARALLEL_MIN_BITS {
        let digits = x.to_string();
        return match width {
            // Padded by hand: `format!` refuses widths above 65,535.
            Some(width) if digits.len() < width => "0".repeat(width - digits.len()) + &digits,
            _ => digits,
        };
    }
    // x has about bits · log10(2) digits; the split needs no exact count.
    let m = (bits as f64 * std::f64::consts::LOG10_2 / 2.0) as usize;
    let (hi, lo) = x.div_rem(UBig::from(10u8).pow(m));
    let (hi, lo) = rayon::join(
        || magnitude_digits(&hi, width.map(|width| width.saturating_sub(m))),
        || magnitude_digits(&lo, Some(m)),
    );
    hi + &lo
}

/// The number of decimal digits of `x` (without sign), and its first and last `k` digits,
/// computed without converting the whole number: a few powers of ten and one division, so a
/// summary of an 18-million-digit integer takes a fraction of the time its full conversion
/// does. `None` when `x` has at most `max(min_digits, 2 * k)` digits (print it whole instead).
pub(crate) fn digit_summary(
    x: &Int,
    k: usize,
    min_digits: usize,
) -> Option<(usize, String, String)> {
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

    #[track_caller]
    #[allow(clippy::needless_pass_by_value)]
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

    #[test]
    fn parallel_conversion_matches_dashu() {
        // Large enough to be split twice; powers of ten and their neighbours exercise the
        // zero padding of the low halves, negative numbers the sign.
        let ten = Int::from(10);
        let big = Int::from(3).pow(1_500_000);
        assert!(int_bits(&big) >= 2 * PARALLEL_MIN_BITS);
        let digits = 700_000;
        for x in [
            big.clone(),
            -big.clone(),
            ten.pow(digits),
            ten.pow(digits) - Int::ONE,
            ten.pow(digits) + Int::ONE,
            ten.pow(digits) * Int::from(7) + Int::from(42),
        ] {
            assert_eq!(to_decimal(&x), x.to_string());
        }
    }
}
