//! Products, squares and powers of integers, choosing the algorithm by size.
//!
//! Below [`NTT_MIN_WORDS`] words in the smaller operand, dashu multiplies (schoolbook,
//! Karatsuba, Toom-3); from there on, `ntt` does, with its work spread over the current rayon
//! pool. An operand much longer than the other is cut into pieces, each multiplied by the
//! shorter one transformed once, when that takes fewer transform steps than one transform of
//! the whole product's length (the transform lengths are powers of two, so a product of a
//! quarter-million words by a few thousand would otherwise pay for a length of half a
//! million); the pieces are parallel jobs. Printing, `^`, `factorial` and the `*` operator all
//! multiply through here. This module does no size checks: the size guard has run before.

use dashu_int::ops::{BitTest, PowerOfTwo};
use dashu_int::{Sign, UBig};
use rayon::prelude::*;

use crate::num::{Int, ntt};

/// Products whose smaller operand has at least this many 64-bit words (128,000 bits)
/// go through the transform; below it dashu's Toom-3 is as fast on one core, and a product
/// this small is not worth splitting over the pool.
pub(crate) const NTT_MIN_WORDS: usize = 2000;

/// `a · b` of two magnitudes.
pub(crate) fn mul_magnitudes(a: &UBig, b: &UBig) -> UBig {
    let (a_words, b_words) = (a.as_words(), b.as_words());
    if a_words.len().min(b_words.len()) < NTT_MIN_WORDS {
        return a * b;
    }
    from_product(mul_large(a_words, b_words))
}

/// The number whose words a transform's product gives, the words' buffer going back for the
/// next products.
fn from_product(words: Vec<u64>) -> UBig {
    let number = UBig::from_words(&words);
    ntt::recycle(words);
    number
}

/// The words of `a · b` by the transform, whole or in pieces of the longer operand.
fn mul_large(a: &[u64], b: &[u64]) -> Vec<u64> {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    match piece_len(long.len(), short.len()) {
        Some(len) => mul_in_pieces(long, short, len),
        None => ntt::mul(a, b),
    }
}

/// The work of transforms of length `len` (a power of two): `len · log2(len)` butterflies'
/// worth, up to a constant factor.
fn transform_cost(len: usize) -> usize {
    len * len.trailing_zeros() as usize
}

/// The transform length at which to cut a `long`-word operand into pieces multiplied by a
/// `short`-word one, when that costs less than the three transforms of the whole product;
/// `None` when it does not. Each piece is at most `len - short - 1` words, so that its product
/// by the short operand stays below `2^(64 · (len - 1))` and the cyclic product of length `len`
/// is the product itself; a piece costs two transforms, the short operand one.
fn piece_len(long: usize, short: usize) -> Option<usize> {
    let whole_len = (long + short - 1).next_power_of_two();
    let mut best = (3 * transform_cost(whole_len), None);
    let mut len = (2 * short + 2).next_power_of_two();
    while len < whole_len {
        let n_pieces = long.div_ceil(len - short - 1);
        let cost = (2 * n_pieces + 1) * transform_cost(len);
        if cost < best.0 {
            best = (cost, Some(len));
        }
        len *= 2;
    }
    best.1
}

/// `long · short`, `long` cut into pieces multiplied by `short` transformed once at length
/// `len` (see [`piece_len`]), the pieces' products as parallel jobs, added at their offsets.
fn mul_in_pieces(long: &[u64], short: &[u64], len: usize) -> Vec<u64> {
    let piece = len - short.len() - 1;
    let transformed = ntt::transform(short, len);
    let products: Vec<Option<Vec<u64>>> = long
        .par_chunks(piece)
        .map(|chunk| {
            // A piece of zero words has the product zero, which a cyclic product may give as
            // `2^(64 · len) - 1`: it is left out.
            (!chunk.iter().all(|&word| word == 0))
                .then(|| ntt::mul_cyclic_transformed(chunk, &transformed))
        })
        .collect();
    let mut out = vec![0u64; long.len() + short.len()];
    for (index, product) in products.into_iter().enumerate() {
        if let Some(product) = product {
            add_words(&mut out[index * piece..], &product);
            ntt::recycle(product);
        }
    }
    out
}

/// Adds the integer `addend` (little-endian words) to the integer `sum`, which has room for
/// the result: words of `addend` beyond `sum`'s length are zero, and no carry leaves the top.
fn add_words(sum: &mut [u64], addend: &[u64]) {
    let overlap = addend.len().min(sum.len());
    debug_assert!(addend[overlap..].iter().all(|&word| word == 0));
    let mut carry = false;
    for (word, &add) in sum.iter_mut().zip(&addend[..overlap]) {
        let (partial, first) = word.overflowing_add(add);
        let (total, second) = partial.overflowing_add(u64::from(carry));
        *word = total;
        carry = first || second;
    }
    for word in &mut sum[overlap..] {
        if !carry {
            break;
        }
        let (total, overflow) = word.overflowing_add(1);
        *word = total;
        carry = overflow;
    }
    debug_assert!(!carry, "the sum fits its words");
}

/// Wrapped products need a transform of about half the length, so it pays from smaller
/// operands on.
const WRAPPED_NTT_MIN_WORDS: usize = 400;

/// A number multiplied into many others of at most one size, where only the product's bits
/// below some `min_bits` are read and a wrapped top can be absorbed as a carry: each product
/// is `a · b` modulo `2^W - 1` for some `W >= min_bits`, or `a · b` itself when the operands
/// are small. Transformed once, so each product costs two transforms instead of three, and
/// the wrap halves their length. With `min_bits` at least both operands' bits together
/// nothing wraps: the products are exact, and from [`NTT_MIN_WORDS`] on they still share the
/// transform.
pub(crate) struct WrappedMultiplier {
    factor: UBig,
    transformed: Option<ntt::Transformed>,
}

impl WrappedMultiplier {
    /// A multiplier by `factor` for operands of at most `other_bits` bits.
    pub(crate) fn new(factor: UBig, other_bits: usize, min_bits: usize) -> WrappedMultiplier {
        WrappedMultiplier::reusing(factor, None, other_bits, min_bits)
    }

    /// As [`WrappedMultiplier::new`], taking `known`, the factor transformed already, when it
    /// has the length the multiplier would give it.
    pub(crate) fn reusing(
        factor: UBig,
        known: Option<ntt::Transformed>,
        other_bits: usize,
        min_bits: usize,
    ) -> WrappedMultiplier {
        let factor_words = factor.as_words().len();
        let other_words = other_bits.div_ceil(64);
        let len = min_bits
            .div_ceil(64)
            .max(factor_words)
            .max(other_words)
            .next_power_of_two();
        let min_words = if len < factor_words + other_words {
            WRAPPED_NTT_MIN_WORDS
        } else {
            NTT_MIN_WORDS
        };
        let transformed = (factor_words.min(other_words) >= min_words).then(|| match known {
            Some(known) if known.len() == len => known,
            _ => ntt::transform(factor.as_words(), len),
        });
        WrappedMultiplier {
            factor,
            transformed,
        }
    }

    /// The number multiplied by.
    pub(crate) fn factor(&self) -> &UBig {
        &self.factor
    }

    /// The `W` of the products modulo `2^W - 1` (exact when shorter than `W` bits), or `None`
    /// when they are computed whole.
    pub(crate) fn wrap_bits(&self) -> Option<usize> {
        self.transformed
            .as_ref()
            .map(|transformed| 64 * transformed.len())
    }

    /// `a · factor`, possibly wrapped; `a` has at most the `other_bits` given to `new`.
    pub(crate) fn mul(&self, a: &UBig) -> UBig {
        match &self.transformed {
            Some(transformed) => {
                from_product(ntt::mul_cyclic_transformed(a.as_words(), transformed))
            }
            None => mul_magnitudes(a, &self.factor),
        }
    }
}

/// `a · b mod (2^(64 · len) - 1)` of two magnitudes, for callers that know the product's top
/// bits ahead (a Newton step, whose product is close to a power of two) or read only a window
/// of them. `len` is a power of two, at least each operand's length; the result is reduced
/// (0, never `2^(64 · len) - 1`).
pub(crate) fn mul_wrapped(a: &UBig, b: &UBig, len: usize) -> UBig {
    let product = from_product(ntt::mul_cyclic(a.as_words(), b.as_words(), len));
    if product.as_words().len() == len && product.as_words().iter().all(|&word| word == u64::MAX) {
        UBig::ZERO
    } else {
        product
    }
}

/// `a²` of a magnitude, and `a` transformed at the square's length when the square went
/// through the transform (for [`WrappedMultiplier::reusing`]).
pub(crate) fn square_keeping_transform(a: &UBig) -> (UBig, Option<ntt::Transformed>) {
    let words = a.as_words();
    if words.len() < NTT_MIN_WORDS {
        return (a.sqr(), None);
    }
    let (square, transformed) = ntt::square_keeping(words);
    (from_product(square), Some(transformed))
}

/// `a²` of a magnitude.
pub(crate) fn square_magnitude(a: &UBig) -> UBig {
    let words = a.as_words();
    if words.len() < NTT_MIN_WORDS {
        return a.sqr();
    }
    from_product(ntt::square(words))
}

/// `a · b`, the `*` of two ints.
pub(crate) fn mul(a: &Int, b: &Int) -> Int {
    let (a_sign, a_words) = a.as_sign_words();
    let (b_sign, b_words) = b.as_sign_words();
    if a_words.len().min(b_words.len()) < NTT_MIN_WORDS {
        return a * b;
    }
    Int::from_parts(a_sign * b_sign, from_product(mul_large(a_words, b_words)))
}

/// `base ^ exponent`. Squarings of numbers past [`NTT_MIN_WORDS`] use the transform; a power
/// of two is a shift, and small results are dashu's.
pub(crate) fn pow(base: &Int, exponent: usize) -> Int {
    let (sign, words) = base.as_sign_words();
    let magnitude = UBig::from_words(words);
    let sign = if sign == Sign::Negative && exponent % 2 == 1 {
        Sign::Negative
    } else {
        Sign::Positive
    };
    Int::from_parts(sign, pow_magnitude(&magnitude, exponent))
}

fn pow_magnitude(base: &UBig, exponent: usize) -> UBig {
    let result_bits = base.bit_len().saturating_mul(exponent);
    if result_bits < 2 * 64 * NTT_MIN_WORDS || base.is_power_of_two() {
        return base.pow(exponent);
    }
    // Binary powering from the top bit: `exponent` has at most 64 bits, so at most 64 steps.
    let mut result = base.clone();
    for bit in (0..exponent.ilog2()).rev() {
        result = square_magnitude(&result);
        if exponent >> bit & 1 == 1 {
            result = mul_magnitudes(&result, base);
        }
    }
    result
}

/// The product of `level`, multiplied pairwise, level after level, so that the operands of each
/// product stay about the same size; `one` for an empty list.
pub(crate) fn pairwise_product<T: Clone>(mut level: Vec<T>, one: T) -> T
where
    for<'a> &'a T: std::ops::Mul<&'a T, Output = T>,
{
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => a * b,
                [a] => a.clone(),
                _ => one.clone(),
            })
            .collect();
    }
    level.pop().unwrap_or(one)
}

#[cfg(test)]
mod test {
    use super::*;
    use proptest::prelude::*;

    /// A pseudo-random number of `words` words from a seed (xorshift), top word nonzero.
    fn number(words: usize, seed: u64) -> UBig {
        let mut state = seed | 1;
        let mut out: Vec<u64> = (0..words)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            })
            .collect();
        if let Some(top) = out.last_mut() {
            *top |= 1 << 63;
        }
        UBig::from_words(&out)
    }

    #[test]
    fn transform_products_match_dashu_at_the_edges() {
        // All-ones words give the largest coefficients the transform must hold exactly.
        let ones = UBig::from_words(&vec![u64::MAX; 5000]);
        assert_eq!(mul_magnitudes(&ones, &ones), &ones * &ones);
        assert_eq!(square_magnitude(&ones), ones.sqr());
        // Lengths at, just below and just above powers of two, unbalanced and balanced.
        for (a_len, b_len) in [
            (2000, 2000),
            (2048, 2048),
            (2049, 2047),
            (2000, 9000),
            (4096, 4097),
        ] {
            let (a, b) = (number(a_len, a_len as u64), number(b_len, b_len as u64 * 7));
            assert_eq!(mul_magnitudes(&a, &b), &a * &b, "{a_len} × {b_len} words");
        }
        let zero_words = UBig::from_words(&[vec![0; 3000], vec![5]].concat());
        assert_eq!(square_magnitude(&zero_words), zero_words.sqr());
    }

    #[test]
    fn unbalanced_products_in_pieces_match_dashu() {
        // Long enough that cutting pays, with zero words filling a whole piece and more, and
        // all-ones words for the largest carries.
        let short = number(2100, 11);
        let long = number(60_000, 13);
        assert!(
            piece_len(60_000, 2100).is_some(),
            "this product is cut into pieces"
        );
        assert_eq!(mul_magnitudes(&long, &short), &long * &short);
        assert_eq!(mul_magnitudes(&short, &long), &long * &short);
        let holes =
            UBig::from_words(&[vec![0; 20_000], number(30_000, 17).as_words().to_vec()].concat())
                + (UBig::ONE << 64);
        assert_eq!(mul_magnitudes(&holes, &short), &holes * &short);
        let ones = UBig::from_words(&vec![u64::MAX; 40_000]);
        let short_ones = UBig::from_words(&vec![u64::MAX; 3000]);
        assert_eq!(mul_magnitudes(&ones, &short_ones), &ones * &short_ones);
        // Balanced operands are never cut; a product just past a power of two is, when two
        // pieces at half the length cost less than the whole at the next length.
        assert_eq!(piece_len(4000, 4000), None);
        assert_eq!(piece_len(5000, 4000), Some(8192));
        let (a, b) = (number(5000, 19), number(4000, 23));
        assert_eq!(mul_magnitudes(&a, &b), &a * &b);
    }

    #[test]
    fn wrapped_products_are_the_products_modulo_the_wrap() {
        let (a, b) = (number(3000, 29), number(2500, 31));
        let len = 4096;
        let modulus = (UBig::ONE << (64 * len)) - UBig::ONE;
        assert_eq!(mul_wrapped(&a, &b, len), (&a * &b) % &modulus);
        assert_eq!(mul_wrapped(&UBig::ZERO, &b, len), UBig::ZERO);
    }

    #[test]
    fn a_square_keeps_the_transform_a_multiplier_reuses() {
        let a = number(3000, 37);
        let (square, known) = square_keeping_transform(&a);
        assert_eq!(square, a.sqr());
        let known = known.expect("a square of 3000 words goes through the transform");
        assert_eq!(known.len(), 8192);
        // Operands of up to 5000 words, products read below 8192 words: the same length.
        let by_a = WrappedMultiplier::reusing(a.clone(), Some(known), 5000 * 64, 8000 * 64);
        assert_eq!(by_a.wrap_bits(), Some(8192 * 64));
        let modulus = (UBig::ONE << (64 * 8192)) - UBig::ONE;
        for b in [number(5000, 41), number(2500, 43)] {
            let got = by_a.mul(&b) % &modulus;
            assert_eq!(got, (&a * &b) % &modulus);
        }
        // A transform of another length is not taken.
        let (_, known) = square_keeping_transform(&a);
        let by_a = WrappedMultiplier::reusing(a.clone(), known, 9000 * 64, 16_000 * 64);
        assert_eq!(by_a.wrap_bits(), Some(16_384 * 64));
        let modulus = (UBig::ONE << (64 * 16_384)) - UBig::ONE;
        let b = number(9000, 53);
        assert_eq!(by_a.mul(&b) % &modulus, (&a * &b) % &modulus);
    }

    #[test]
    fn signs_and_powers() {
        let a = Int::from(number(2500, 3));
        let b = -Int::from(number(2100, 5));
        assert_eq!(mul(&a, &b), &a * &b);
        assert_eq!(mul(&b, &b), &b * &b);
        for (base, exponent) in [
            (3, 400_000),
            (-7, 150_001),
            (-7, 150_000),
            (1024, 100_000),
            (10, 3),
        ] {
            let base = Int::from(base);
            assert_eq!(
                pow(&base, exponent),
                base.pow(exponent),
                "{base} ^ {exponent}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        #[test]
        fn transform_equals_dashus_product(a_len in 2000usize..6000, b_len in 2000usize..6000, seed: u64) {
            let (a, b) = (number(a_len, seed), number(b_len, seed ^ 0x9e37_79b9));
            prop_assert_eq!(mul_magnitudes(&a, &b), &a * &b);
        }
    }
}
