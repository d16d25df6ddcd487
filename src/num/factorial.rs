//! `n!` as the product of its odd part and a power of two, with the products on the pool.
//!
//! Of the factors `2..=n`, the even ones are `2^(n/2) · (n/2)!`, so the odd part of `n!` is
//! the product over `i >= 0` of `P(n >> i)`, where `P(m)` multiplies the odd numbers up to
//! `m`; the power of two, `2^(n - popcount(n))`, is applied at the end as one shift. Going
//! from the smallest bound up, each `P` is the previous one times the odd numbers of one more
//! range, and each range is a balanced product tree whose halves run as parallel jobs; the
//! large products spread over the pool themselves (`num::mul`). No factor is ever even, so
//! the tree multiplies about half the bits a plain product of `2..=n` would. This module
//! computes and checks nothing else: the size guard has run before.

use dashu_int::UBig;

use crate::num::Int;
use crate::num::mul::mul_magnitudes;

/// Products of fewer words than this are computed on one thread.
const PARALLEL_MIN_FACTORS: usize = 64;

/// `n!`.
pub(crate) fn factorial(n: u64) -> Int {
    // P(n >> i) for the current i, and the product of those found so far.
    let mut odd_up_to = UBig::ONE;
    let mut odd_part = UBig::ONE;
    for i in (0..u64::BITS - n.leading_zeros()).rev() {
        let (low, high) = (n >> (i + 1), n >> i);
        let range = odd_product(low + 1, high);
        odd_up_to = mul_magnitudes(&odd_up_to, &range);
        odd_part = mul_magnitudes(&odd_part, &odd_up_to);
    }
    let twos = n - u64::from(n.count_ones());
    Int::from(odd_part << twos as usize)
}

/// The product of the odd numbers in `from..=to`.
fn odd_product(from: u64, to: u64) -> UBig {
    let first = from | 1;
    if first > to {
        return UBig::ONE;
    }
    // Consecutive factors packed into words while their product fits.
    let mut words = Vec::new();
    let mut word: u64 = 1;
    for factor in (first..=to).step_by(2) {
        if let Some(product) = word.checked_mul(factor) {
            word = product;
        } else {
            words.push(word);
            word = factor;
        }
    }
    words.push(word);
    product_tree(&words)
}

/// The product of `factors`, halves in parallel.
fn product_tree(factors: &[u64]) -> UBig {
    if factors.len() <= PARALLEL_MIN_FACTORS {
        return balanced(factors);
    }
    let (left, right) = factors.split_at(factors.len() / 2);
    let (left, right) = rayon::join(|| product_tree(left), || product_tree(right));
    mul_magnitudes(&left, &right)
}

/// The product of a few factors, pairwise so that the operands stay balanced.
fn balanced(factors: &[u64]) -> UBig {
    let mut level: Vec<UBig> = factors.iter().map(|&factor| UBig::from(factor)).collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => a * b,
                [a] => a.clone(),
                _ => UBig::ONE,
            })
            .collect();
    }
    level.pop().unwrap_or(UBig::ONE)
}

#[cfg(test)]
mod test {
    use super::*;

    /// `n!` the long way: one factor after another.
    fn plain(n: u64) -> Int {
        (2..=n).fold(Int::ONE, |product, k| product * Int::from(k))
    }

    #[test]
    fn matches_the_plain_product() {
        for n in [
            0, 1, 2, 3, 4, 5, 7, 8, 20, 21, 63, 64, 65, 100, 255, 256, 1000, 4097,
        ] {
            assert_eq!(factorial(n), plain(n), "{n}!");
        }
    }

    #[test]
    fn large_factorials_have_the_right_size_and_ends() {
        // Through the transform: dividing back by n gives (n - 1)!, and the number of digits
        // is the one the sum of the factors' logarithms predicts.
        let n = 30_000;
        let big = factorial(n);
        assert_eq!(&big / Int::from(n), factorial(n - 1));
        let log10: f64 = (2..=n).map(|k| (k as f64).log10()).sum();
        assert_eq!(big.to_string().len(), log10.floor() as usize + 1);
        assert_eq!(factorial(5000), plain(5000));
    }
}
