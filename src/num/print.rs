//! Decimal printing of integers: a scaled remainder tree on the current rayon pool.
//!
//! A number below [`FAST_MIN_BITS`] is printed by dashu. A larger `x` of at most `N` digits
//! becomes the binary fraction `x / 10^N`, computed once by a division by `5^N`
//! (`10^N = 5^N · 2^N`) with a Newton reciprocal of half the precision. From then on only
//! products are needed: a node holding the fraction
//! whose first `n` digits are its own multiplies it by `10^(n/2)` (by `5^(n/2)` and a move of
//! the binary point), and the fractional part of that product, truncated, is its lower half;
//! its upper half is its own fraction, truncated. The powers `5^(L · 2^k)` form one table,
//! built by squaring and shared by every node of a level and both halves; each level's
//! halves run as parallel jobs (`rayon::join`), and products of large halves spread over the
//! pool themselves (`num::mul`). A leaf of `L` digits takes its digits 19 at a time, each
//! the word carried out of multiplying its fraction by `10^19` (no division, no conversion of
//! an integer). Every fraction carries [`GUARD_BITS`] extra bits, so each leaf knows its
//! block to within a millionth of a unit; the one ambiguity left (a block ending in ...999 or
//! ...000 sits next to an integer) is settled by one pass from the lowest leaf up, in which
//! each leaf rounds `block + fraction of the blocks below` using its lower neighbour's
//! leading digits. This module is the one place that turns an int into digits; it does not
//! parse.

use dashu_int::UBig;
use dashu_int::ops::{BitTest, UnsignedAbs};

use crate::num::Int;
use crate::num::mul::{WrappedMultiplier, mul_magnitudes, mul_wrapped, square_keeping_transform};

/// Numbers smaller than this many bits (about 237,000 digits) are converted by dashu alone:
/// below it, on one worker, the reciprocal costs more than the tree saves.
pub(crate) const FAST_MIN_BITS: usize = 3 << 18;

/// Leaves have from this many digits to twice as many.
const LEAF_MIN_DIGITS: usize = 4000;

/// Bits kept in every fraction beyond its digits' worth: a truncation then moves a leaf's
/// value by at most `2^-GUARD_BITS` of a unit, and a tree has fewer than 64 levels.
const GUARD_BITS: usize = 64;

/// Reciprocals of at most this precision are found by one division.
const RECIPROCAL_DIRECT_BITS: usize = 1 << 14;

/// All the decimal digits of `x`, with a leading `-` when negative (Python's `repr(int)`).
pub fn to_decimal(x: &Int) -> String {
    let (sign, words) = x.as_sign_words();
    if words.len() * 64 < FAST_MIN_BITS {
        return x.to_string();
    }
    let mut digits = magnitude_digits(words);
    if sign == dashu_int::Sign::Negative {
        digits.insert(0, b'-');
    }
    String::from_utf8(digits).expect("digits are ASCII")
}

/// The bits of a fraction for `digits` decimal digits: `digits · log2(10)`, rounded up, and
/// the guard bits.
fn precision(digits: usize) -> usize {
    (digits as f64 * std::f64::consts::LOG2_10).ceil() as usize + GUARD_BITS
}

/// Bits `from .. from + len` of `x`, as a number.
fn bit_field(x: &UBig, from: usize, len: usize) -> UBig {
    let words = x.as_words();
    let first = (from / 64).min(words.len());
    let last = (from + len).div_ceil(64).min(words.len());
    let mut field = UBig::from_words(&words[first..last]) >> (from % 64);
    field.clear_high_bits(len);
    field
}

/// The shared powers of one conversion.
struct Powers {
    leaf_digits: usize,
    /// Multipliers by `5^(L · 2^k)`: a node of `L · 2^(k+1)` digits multiplies by `five[k]`.
    five: Vec<WrappedMultiplier>,
}

/// The digits of a magnitude (little-endian words) of at least [`FAST_MIN_BITS`] bits.
fn magnitude_digits(words: &[u64]) -> Vec<u8> {
    let bits = (words.len() - 1) * 64 + (64 - words[words.len() - 1].leading_zeros() as usize);
    // x < 2^bits, so it has at most this many digits.
    let max_digits = (bits as f64 * std::f64::consts::LOG10_2).floor() as usize + 2;
    let levels = (max_digits / LEAF_MIN_DIGITS).max(1).ilog2() as usize;
    let leaf_digits = max_digits.div_ceil(1 << levels);
    let n_digits = leaf_digits << levels;
    let mut five = vec![UBig::from(5u8).pow(leaf_digits)];
    // Each power's transform from the square that makes the next, for its multiplier.
    let mut transformed = Vec::with_capacity(levels);
    for level in 0..levels {
        let (next, known) = square_keeping_transform(&five[level]);
        five.push(next);
        transformed.push(known);
    }
    // five[levels] = 5^N, needed once for the root's reciprocal.
    let five_to_n = five.pop().unwrap_or_default();
    let root_precision = precision(n_digits);
    let root = root_fraction(words, &five_to_n, n_digits, root_precision);
    drop(five_to_n);
    // Each level's multiplier reads the window `start .. precision - half` of its products,
    // the lower half's fraction; the product may wrap modulo `2^W - 1` once `W` exceeds its
    // length less `start`: the wrapped top lands below `start` and carries at most one unit
    // into the window, an error the guard bits absorb (the fraction is read modulo 1).
    let five = five
        .into_iter()
        .zip(transformed)
        .enumerate()
        .map(|(k, (power, known))| {
            let digits = leaf_digits << (k + 1);
            let half = digits / 2;
            let (precision_bits, half_precision) = (precision(digits), precision(half));
            let start = precision_bits - half - half_precision;
            let min_bits =
                (precision_bits + power.bit_len() - start + 1).max(precision_bits - half);
            WrappedMultiplier::reusing(power, known, precision_bits, min_bits)
        })
        .collect();
    let powers = Powers { leaf_digits, five };
    let mut out = vec![b'0'; n_digits];
    let mut fractions = vec![0u64; 1 << levels];
    convert(
        &root,
        root_precision,
        levels,
        &powers,
        &mut out,
        &mut fractions,
    );
    settle_blocks(&mut out, &fractions, leaf_digits);
    let first_nonzero = out
        .iter()
        .position(|&digit| digit != b'0')
        .unwrap_or(n_digits - 1);
    out.drain(..first_nonzero);
    out
}

/// Writes the `L · 2^level` digits of the fraction `phi / 2^precision` into `out`, and each
/// leaf's fractional remainder (64 bits) into `fractions`, the most significant first.
fn convert(
    phi: &UBig,
    precision_bits: usize,
    level: usize,
    powers: &Powers,
    out: &mut [u8],
    fractions: &mut [u64],
) {
    if level == 0 {
        fractions[0] = leaf_digits(phi, precision_bits, out);
        return;
    }
    let digits = powers.leaf_digits << level;
    let half = digits / 2;
    let half_precision = precision(half);
    // phi · 10^half = phi · 5^half / 2^(precision - half): its fraction is the lower half.
    let (upper, lower) = {
        let scaled = powers.five[level - 1].mul(phi);
        let start = precision_bits - half - half_precision;
        let lower = bit_field(&scaled, start, half_precision);
        let upper = phi >> (precision_bits - half_precision);
        (upper, lower)
    };
    let (out_upper, out_lower) = out.split_at_mut(half);
    let (fractions_upper, fractions_lower) = fractions.split_at_mut(fractions.len() / 2);
    rayon::join(
        || {
            convert(
                &upper,
                half_precision,
                level - 1,
                powers,
                out_upper,
                fractions_upper,
            );
        },
        || {
            convert(
                &lower,
                half_precision,
                level - 1,
                powers,
                out_lower,
                fractions_lower,
            );
        },
    );
}

/// Digits found by one multiplication of a leaf's fraction: `10^19` is the largest power of
/// ten below `2^64`.
const CHUNK_DIGITS: usize = 19;

/// Writes the first `out.len()` digits of the fraction `phi / 2^precision_bits` (below 1)
/// into `out`, and returns the 64 bits of fraction left below them. The fraction, as whole
/// words below the point, is multiplied by `10^19` again and again (by a smaller power first
/// when the digits are not a multiple of 19): each time the word carried out of the top is
/// the next 19 digits. The low words stop mattering as the digits left get fewer: a word is
/// dropped once the ones above it carry all the bits the remaining digits need and 64 more,
/// so the truncation moves the final value by less than `2^-64` of a unit each time, and the
/// work is half that of keeping the whole fraction.
fn leaf_digits(phi: &UBig, precision_bits: usize, out: &mut [u8]) -> u64 {
    let n_words = precision_bits.div_ceil(64);
    let aligned = phi << (64 * n_words - precision_bits);
    let mut fraction = aligned.as_words().to_vec();
    debug_assert!(fraction.len() <= n_words, "the fraction is below 1");
    fraction.resize(n_words.max(1), 0);
    let mut low = 0;
    let mut done = 0;
    while done < out.len() {
        let remaining = out.len() - done;
        let needed = (precision(remaining) + 64).div_ceil(64);
        low = low.max(fraction.len().saturating_sub(needed));
        let chunk = match remaining % CHUNK_DIGITS {
            0 => CHUNK_DIGITS,
            first => first,
        };
        let multiplier = 10u64.pow(chunk as u32);
        let mut carry = 0u64;
        for word in &mut fraction[low..] {
            let product = u128::from(*word) * u128::from(multiplier) + u128::from(carry);
            *word = product as u64;
            carry = (product >> 64) as u64;
        }
        write_chunk(carry, &mut out[done..done + chunk]);
        done += chunk;
    }
    fraction[fraction.len() - 1]
}

/// Writes `value` (below `10^out.len()`) into `out` as decimal digits, with leading zeros.
fn write_chunk(mut value: u64, out: &mut [u8]) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Settles each leaf's block from the lowest up. A leaf's digits `I` and remainder `f` give
/// `I + f`, within a tiny error of `block + F`, where `F` in `[0, 1)` is the fraction of
/// all the digits below it, whose leading digits are its lower neighbour's (already
/// settled). `block = I + round(f - F)`, modulo `10^L`.
fn settle_blocks(out: &mut [u8], fractions: &[u64], leaf_digits: usize) {
    const HALF: i128 = 1 << 63;
    // F for the lowest leaf: nothing below it.
    let mut below: u64 = 0;
    for (block, &fraction) in out.chunks_exact_mut(leaf_digits).zip(fractions).rev() {
        let difference = i128::from(fraction) - i128::from(below);
        if difference >= HALF {
            increment(block);
        } else if difference < -HALF {
            decrement(block);
        }
        // The block's first 19 digits as a fraction of 10^19, to 64 bits.
        let leading = block[..19]
            .iter()
            .fold(0u64, |value, &digit| value * 10 + u64::from(digit - b'0'));
        below = ((u128::from(leading) << 64) / 10_000_000_000_000_000_000u128) as u64;
    }
}

/// Adds one to a block of digits, modulo `10^len`.
fn increment(block: &mut [u8]) {
    for digit in block.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            return;
        }
    }
}

/// Subtracts one from a block of digits, modulo `10^len`.
fn decrement(block: &mut [u8]) {
    for digit in block.iter_mut().rev() {
        if *digit == b'0' {
            *digit = b'9';
        } else {
            *digit -= 1;
            return;
        }
    }
}

/// `x · 2^s` for a signed `s`, truncated.
fn shift(x: &UBig, s: isize) -> UBig {
    if s >= 0 {
        x << s.unsigned_abs()
    } else {
        x >> s.unsigned_abs()
    }
}

/// `x / 10^N` for `x < 10^N` given by its words and `d = 5^N`, as a fraction of
/// `precision_bits` bits, within a few units of its last place: Karp and Markstein's
/// division, with a reciprocal `r` of half the precision. A quotient `q` to about half the
/// bits, from the leading bits of `x` times `r`; the remainder `x · 2^k - d · q`, small though
/// both terms are large, so computed modulo `2^W - 1` for a `W` just above its size; and `q`
/// corrected by the remainder's leading bits times `r`. The two products by `r` have the same
/// length and share its transform. Compared with a reciprocal to the full precision and a
/// whole product by it, this saves the reciprocal's last Newton step (two products) and the
/// whole product, of twice `x`'s length, for three products of `x`'s length, each two or
/// three transforms long. Small fractions are one division.
fn root_fraction(words: &[u64], d: &UBig, n_digits: usize, precision_bits: usize) -> UBig {
    let x = UBig::from_words(words);
    if precision_bits <= 2 * RECIPROCAL_DIRECT_BITS {
        return (x << (precision_bits - n_digits)) / d;
    }
    // `inverse` is 2^exponent / d within 2^-half; `quotient · 2^unit` is the fraction within
    // 2^(unit + 17).
    let half = precision_bits / 2 + 64;
    let (inverse, exponent) = reciprocal(d, half);
    let unit = precision_bits - half - 16;
    let x_cut = x.bit_len().saturating_sub(half + 32);
    let inverse_bits = inverse.bit_len();
    let by_inverse = WrappedMultiplier::new(inverse, half + 32, inverse_bits + half + 32);
    // x · 2^(precision - N) / d = (x >> x_cut) · inverse · 2^(x_cut + precision - N - exponent).
    let quotient = shift(
        &by_inverse.mul(&(&x >> x_cut)),
        (x_cut + precision_bits) as isize - (n_digits + exponent + unit) as isize,
    );
    // The remainder in units of 2^unit, below d · 2^18 in magnitude.
    let (negative, remainder) = remainder(&x, precision_bits - n_digits - unit, d, &quotient);
    // The correction remainder · 2^unit / d, to the inverse's precision.
    let cut = remainder.bit_len().saturating_sub(half + 32);
    let correction = shift(
        &by_inverse.mul(&(remainder >> cut)),
        (cut + unit) as isize - exponent as isize,
    );
    let quotient = quotient << unit;
    if !negative {
        quotient + correction
    } else if quotient >= correction {
        quotient - correction
    } else {
        UBig::ZERO
    }
}

/// `x · 2^k - d · q` as a sign (whether negative) and a magnitude, for a difference known to be
/// below `d · 2^20` in magnitude: from operands of [`WRAPPED_ERROR_MIN_WORDS`] on, modulo
/// `2^W - 1` with `W` at least 64 bits beyond `d`, where of the differences in the residue class
/// only one is that small.
fn remainder(x: &UBig, k: usize, d: &UBig, q: &UBig) -> (bool, UBig) {
    let (d_words, q_words) = (d.as_words().len(), q.as_words().len());
    let len = (d_words + 1).max(q_words).next_power_of_two();
    let wrap_bits = 64 * len;
    let scaled = x << k;
    if d_words.min(q_words) >= WRAPPED_ERROR_MIN_WORDS && wrap_bits < d.bit_len() + q.bit_len() {
        let modulus = (UBig::ONE << wrap_bits) - UBig::ONE;
        let mut folded = scaled;
        while folded.bit_len() > wrap_bits {
            let high = &folded >> wrap_bits;
            folded.clear_high_bits(wrap_bits);
            folded += high;
        }
        if folded == modulus {
            folded = UBig::ZERO;
        }
        let product = mul_wrapped(d, q, len);
        let difference = if folded >= product {
            folded - product
        } else {
            folded + &modulus - product
        };
        return if difference.bit_len() < wrap_bits - 1 {
            (false, difference)
        } else {
            (true, modulus - difference)
        };
    }
    let product = mul_magnitudes(d, q);
    if scaled >= product {
        (false, scaled - product)
    } else {
        (true, product - scaled)
    }
}

/// `(r, e)` with `r` within `2^-precision` (relative) of `2^e / d`, and
/// `e = bit_len(d) + precision` or near it: Newton's iteration `r + r · (1 - d · r)`, each
/// step doubling the precision, on the leading bits of `d` alone.
fn reciprocal(d: &UBig, precision_bits: usize) -> (UBig, usize) {
    let keep = precision_bits + 32;
    let d_bits = d.bit_len();
    let (top, dropped) = if d_bits > keep {
        (d >> (d_bits - keep), d_bits - keep)
    } else {
        (d.clone(), 0)
    };
    let top_bits = top.bit_len();
    if precision_bits <= RECIPROCAL_DIRECT_BITS {
        let exponent = top_bits + precision_bits;
        return ((UBig::ONE << exponent) / &top, exponent + dropped);
    }
    let half = precision_bits / 2 + 32;
    let (r0, e0) = reciprocal(&top, half);
    let by_r0 = newton_multiplier(r0, top_bits, e0, half);
    // top · r0 = 2^e0 · (1 - delta); the correction r0 · delta, scaled to the new precision.
    let extra = precision_bits - half;
    let (negative, error) = newton_error(&top, &by_r0, e0, half);
    let error_bits = error.bit_len();
    let cut = error_bits.saturating_sub(half + 64);
    let correction = by_r0.mul(&(error >> cut));
    // r0 · delta · 2^extra = r0 · error · 2^(extra - e0) = (r0 · (error >> cut)) · 2^(cut + extra - e0).
    let shift = cut + extra;
    let correction = if shift >= e0 {
        correction << (shift - e0)
    } else {
        correction >> (e0 - shift)
    };
    let scaled = by_r0.factor() << extra;
    let r1 = if negative {
        scaled - correction
    } else {
        scaled + correction
    };
    (r1, e0 + extra + dropped)
}

/// Wrapped products pay from operands of this many words on.
const WRAPPED_ERROR_MIN_WORDS: usize = 400;

/// A multiplier by the `half`-bit reciprocal `r0` of a `top_bits`-bit `top` (`2^e0 / top`),
/// for both products of a Newton step, which have about the same length and share its
/// transform: `top · r0` read modulo `2^W - 1` for a `W` a few bits beyond `e0 - half` (see
/// [`newton_error`]), and `r0` times the error's leading `half + 64` bits, exact.
fn newton_multiplier(r0: UBig, top_bits: usize, e0: usize, half: usize) -> WrappedMultiplier {
    let min_bits = (e0.saturating_sub(half) + 8).max(r0.bit_len() + half + 64);
    WrappedMultiplier::new(r0, top_bits.max(half + 64), min_bits)
}

/// `top · r0` against `2^e0`, where `r0` (the factor of `by_r0`, from [`newton_multiplier`])
/// approximates `2^e0 / top` to `half` bits: whether the product is the larger, and the
/// difference. The difference is below `2^(e0 - half + 2)`, so the product's top bits are
/// known ahead and it is computed modulo `2^W - 1` for a `W` a few bits beyond `e0 - half`
/// (about two thirds of the whole product's bits): there `2^e0` is `2^(e0 mod W)`, and of the
/// differences in the residue class only one is below `2^(W - 2)`. Exact, as the whole product
/// is; small operands take the whole product.
fn newton_error(top: &UBig, by_r0: &WrappedMultiplier, e0: usize, half: usize) -> (bool, UBig) {
    let r0 = by_r0.factor();
    if let Some(wrap_bits) = by_r0.wrap_bits()
        && wrap_bits < top.bit_len() + r0.bit_len()
        && wrap_bits >= e0.saturating_sub(half) + 8
    {
        let modulus = (UBig::ONE << wrap_bits) - UBig::ONE;
        let mut residue = by_r0.mul(top);
        if residue == modulus {
            residue = UBig::ZERO;
        }
        let power = UBig::ONE << (e0 % wrap_bits);
        // (top · r0 - 2^e0) mod (2^W - 1).
        let difference = if residue >= power {
            residue - power
        } else {
            residue + &modulus - power
        };
        let (negative, error) = if difference.bit_len() <= wrap_bits - 2 {
            (true, difference)
        } else {
            (false, &modulus - difference)
        };
        if error.bit_len() + 6 <= wrap_bits {
            return (negative, error);
        }
    }
    let product = if by_r0
        .wrap_bits()
        .is_none_or(|wrap_bits| wrap_bits >= top.bit_len() + r0.bit_len())
    {
        by_r0.mul(top)
    } else {
        mul_magnitudes(top, r0)
    };
    let power = UBig::ONE << e0;
    if product > power {
        (true, product - power)
    } else {
        (false, power - product)
    }
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
    #[expect(
        clippy::needless_pass_by_value,
        reason = "a test helper takes its expected text by value, as written at each call"
    )]
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

    #[track_caller]
    fn check_digits(x: &UBig) {
        let expected = x.to_string();
        let got = String::from_utf8(magnitude_digits(x.as_words())).unwrap_or_default();
        if got != expected {
            let first = got.bytes().zip(expected.bytes()).position(|(a, b)| a != b);
            panic!("{} digits: wrong from digit {first:?}", expected.len());
        }
    }

    #[test]
    fn tree_conversion_matches_dashu() {
        // Powers of ten and their neighbours: every block of zeros or nines sits next to an
        // integer, the case the settling pass is for. Sizes around the leaf size and its
        // doublings, and past the reciprocal's direct division.
        let ten = UBig::from(10u8);
        for digits in [30, 1199, 2400, 2401, 4801, 9600, 19_203, 40_000, 100_001] {
            let power = ten.pow(digits);
            check_digits(&power);
            check_digits(&(&power - UBig::ONE));
            check_digits(&(&power + UBig::ONE));
            check_digits(&(&power * UBig::from(7u8) + UBig::from(42u8)));
            // A run of nines in the middle, then zeros, then a tail.
            let nines = (ten.pow(digits / 2) - UBig::ONE) * ten.pow(digits / 3) + UBig::from(5u8);
            check_digits(&nines);
        }
        for exponent in [20_000, 77_777, 250_000] {
            check_digits(&UBig::from(3u8).pow(exponent));
        }
    }

    #[test]
    fn the_wrapped_newton_error_is_the_exact_one() {
        // Both signs of the difference, through the wrapped product and the whole one.
        for (d, precision) in [
            (UBig::from(5u8).pow(200_000), 300_000),
            (UBig::from(7u8).pow(90_000) + UBig::ONE, 260_000),
            (UBig::from(3u8).pow(40_000), 70_000),
        ] {
            let half = precision / 2 + 32;
            let (r0, e0) = reciprocal(&d, half);
            for r in [r0.clone(), &r0 + UBig::from(3u8), &r0 - UBig::from(3u8)] {
                let by_r = newton_multiplier(r.clone(), d.bit_len(), e0, half);
                let product = &d * &r;
                let power = UBig::ONE << e0;
                let expected = if product > power {
                    (true, product - power)
                } else {
                    (false, power - product)
                };
                assert_eq!(newton_error(&d, &by_r, e0, half), expected);
            }
        }
    }

    #[test]
    fn the_root_fraction_is_within_a_few_units() {
        // floor(x · 2^precision / 10^N) exactly, against the division by a half-precision
        // reciprocal, for the largest x, a small one and a power of three; sizes on both sides
        // of the wrapped remainder's threshold.
        let ten = UBig::from(10u8);
        for n_digits in [40, 3000, 20_000, 90_001] {
            let precision_bits = precision(n_digits);
            let power = ten.pow(n_digits);
            let d = UBig::from(5u8).pow(n_digits);
            for x in [
                &power - UBig::ONE,
                ten.pow(n_digits - 7) + UBig::from(3u8),
                UBig::from(3u8).pow(n_digits * 2),
            ] {
                let got = root_fraction(x.as_words(), &d, n_digits, precision_bits);
                let expected = (&x << precision_bits) / &power;
                let error = if got > expected {
                    &got - &expected
                } else {
                    &expected - &got
                };
                assert!(
                    error <= UBig::from(4u8),
                    "{n_digits} digits: off by {error}"
                );
            }
        }
    }

    #[test]
    fn leaves_read_the_digits_of_their_fraction() {
        // phi / 2^precision against floor(phi · 10^L / 2^precision) and the bits below it,
        // for digit counts around multiples of 19 and fractions with all bits set or few.
        let ten = UBig::from(10u8);
        for digits in [1, 18, 19, 20, 37, 38, 39, 400, 4000] {
            let precision_bits = precision(digits);
            let one = UBig::ONE << precision_bits;
            for phi in [
                &one - UBig::ONE,
                UBig::ONE,
                UBig::ZERO,
                UBig::from(3u8).pow(precision_bits * 5 / 8),
                (&one - UBig::ONE) / UBig::from(7u8),
            ] {
                let mut out = vec![b'?'; digits];
                let fraction = leaf_digits(&phi, precision_bits, &mut out);
                let text = String::from_utf8(out).unwrap_or_default();
                assert_eq!(text.len(), digits);
                let got = (UBig::from_str_radix(&text, 10).unwrap_or_default() << 64)
                    + UBig::from(fraction);
                // The same number exactly, to 64 bits below the digits: the dropped words may
                // make the leaf's a few units of 2^-64 smaller, never larger.
                let expected = (&phi * ten.pow(digits)) >> (precision_bits - 64);
                assert!(got <= expected, "{digits} digits");
                assert!(expected - got < UBig::from(1u32 << 16), "{digits} digits");
            }
        }
    }

    #[test]
    fn settling_rounds_each_block_against_the_one_below() {
        let block = |text: &str| format!("{text:0>20}").into_bytes();
        // The upper leaf read one too many (1235 for 1234.99..., the lower block being all
        // nines): its small remainder is less than the fraction below by more than a half.
        let mut out = [block("1235"), block("99999999999999999999")].concat();
        settle_blocks(&mut out, &[1 << 20, 5 << 60], 20);
        assert_eq!(out, [block("1234"), block("99999999999999999999")].concat());
        // One too few (1233.99... for 1234 followed by zeros), across a carry.
        let mut out = [block("99"), block("99999999999999999999")].concat();
        settle_blocks(&mut out, &[u64::MAX - 5, u64::MAX - 3], 20);
        assert_eq!(out, [block("100"), block("00000000000000000000")].concat());
        // Nothing to settle.
        let mut out = [block("42"), block("7")].concat();
        settle_blocks(&mut out, &[0, 1 << 62], 20);
        assert_eq!(out, [block("42"), block("7")].concat());
    }

    #[test]
    fn large_numbers_print_as_dashu_prints_them() {
        let big = Int::from(3).pow(FAST_MIN_BITS * 2 / 3);
        assert!(big.bit_len() >= FAST_MIN_BITS);
        for x in [
            big.clone(),
            -big,
            -Int::from(10).pow(FAST_MIN_BITS * 3 / 10),
        ] {
            assert_eq!(to_decimal(&x), x.to_string());
        }
    }
}
