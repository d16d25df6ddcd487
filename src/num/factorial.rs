//! `n!` by prime swing: its odd part from the odd part of `(n/2)!` squared, the power of two
//! as one shift.
//!
//! The swing of `n` is `n! / ((n/2)!)^2`; its prime factors are known without dividing
//! anything (Luschny): the exponent of a prime `p` is the number of odd quotients among
//! `n / p`, `n / p^2`, … (each term `floor(n / p^k) - 2 floor(n / (2 p^k))` is that quotient's
//! parity). So the odd part of `n!` is `oddfac(n/2)^2 · oddswing(n)`, where `oddswing` is the
//! product of the odd primes' powers: every step is a squaring (two transforms instead of
//! three, `num::mul`) and a product by a number of about `n` bits, and the swings of all the
//! levels, each a balanced product tree of its prime powers packed into words, are computed
//! as parallel jobs before the squarings start. The power of two in `n!` is
//! `2^(n - popcount(n))`, applied at the end as one shift. This module computes and checks
//! nothing else: the size guard has run before.

use dashu_int::UBig;
use rayon::prelude::*;

use crate::num::Int;
use crate::num::mul::{mul_magnitudes, square_magnitude};

/// Products of fewer words than this are computed on one thread.
const PARALLEL_MIN_FACTORS: usize = 64;

/// Below this, the odd part of `n!` is the product of its factors' odd parts, one by one.
const SMALL_FACTORIAL: u64 = 32;

/// `n!`.
pub(crate) fn factorial(n: u64) -> Int {
    let twos = n - u64::from(n.count_ones());
    Int::from(odd_factorial(n) << twos as usize)
}

/// The odd part of `n!`.
fn odd_factorial(n: u64) -> UBig {
    // The arguments of the squaring steps, largest first: n, n/2, n/4, … down to the first
    // below SMALL_FACTORIAL, whose odd factorial is found directly.
    let levels: Vec<u64> = std::iter::successors(Some(n), |&m| Some(m / 2))
        .take_while(|&m| m >= SMALL_FACTORIAL)
        .collect();
    let bottom = levels.last().map_or(n, |&m| m / 2);
    let primes = odd_primes_up_to(levels.first().copied().unwrap_or(0));
    let swings: Vec<UBig> = levels.par_iter().map(|&m| odd_swing(m, &primes)).collect();
    let mut result = small_odd_factorial(bottom);
    for swing in swings.iter().rev() {
        result = mul_magnitudes(&square_magnitude(&result), swing);
    }
    result
}

/// The odd part of `n!` for a small `n`, factor after factor.
fn small_odd_factorial(n: u64) -> UBig {
    (2..=n).fold(UBig::ONE, |product, k| {
        product * UBig::from(k >> k.trailing_zeros())
    })
}

/// The odd primes up to `n`, by the sieve of Eratosthenes over the odd numbers.
fn odd_primes_up_to(n: u64) -> Vec<u64> {
    if n < 3 {
        return Vec::new();
    }
    // composite[i] stands for 2i + 1.
    let len = (n as usize - 1) / 2 + 1;
    let mut composite = vec![false; len];
    let mut i = 1;
    while (2 * i + 1) * (2 * i + 1) < 2 * len {
        if !composite[i] {
            let p = 2 * i + 1;
            for multiple in (p * p / 2..len).step_by(p) {
                composite[multiple] = true;
            }
        }
        i += 1;
    }
    (1..len)
        .filter(|&i| !composite[i])
        .map(|i| 2 * i as u64 + 1)
        .collect()
}

/// The odd part of the swing `m! / ((m/2)!)^2`: each odd prime `p <= m` to the number of
/// odd quotients `m / p^k`, `k >= 1`. (`primes` holds at least the odd primes up to `m`.)
fn odd_swing(m: u64, primes: &[u64]) -> UBig {
    let mut words = Vec::new();
    let mut word: u64 = 1;
    for &p in primes.iter().take_while(|&&p| p <= m) {
        // p^e, with e at most the number of powers of p up to m: at most m, so one word.
        let mut power: u64 = 1;
        let mut quotient = m / p;
        while quotient > 0 {
            if quotient % 2 == 1 {
                power *= p;
            }
            quotient /= p;
        }
        if power == 1 {
            continue;
        }
        if let Some(product) = word.checked_mul(power) {
            word = product;
        } else {
            words.push(word);
            word = power;
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
    let level: Vec<UBig> = factors.iter().map(|&factor| UBig::from(factor)).collect();
    crate::num::mul::pairwise_product(level, UBig::ONE)
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
        for n in (0..=200).chain([255, 256, 1000, 1023, 1024, 4097]) {
            assert_eq!(factorial(n), plain(n), "{n}!");
        }
    }

    #[test]
    fn swings_are_quotients_of_factorials() {
        let primes = odd_primes_up_to(500);
        for m in 0..=500 {
            let swing = plain(m) / plain(m / 2).pow(2);
            let odd = &swing >> swing.trailing_zeros().unwrap_or(0);
            assert_eq!(Int::from(odd_swing(m, &primes)), odd, "swing of {m}");
        }
    }

    #[test]
    fn the_sieve_finds_the_primes() {
        let primes = odd_primes_up_to(10_000);
        let by_division: Vec<u64> = (3..=10_000)
            .step_by(2)
            .filter(|&k| {
                (3..k)
                    .step_by(2)
                    .take_while(|d| d * d <= k)
                    .all(|d| k % d != 0)
            })
            .collect();
        assert_eq!(primes, by_division);
        assert_eq!(odd_primes_up_to(9), [3, 5, 7]);
        assert_eq!(odd_primes_up_to(2), Vec::<u64>::new());
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
