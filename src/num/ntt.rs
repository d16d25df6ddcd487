//! Products of large integers by number-theoretic transforms, run on the current rayon pool.
//!
//! An operand's 64-bit words are the coefficients of a polynomial; the product's coefficients
//! (each below `2^128 · n`) are found modulo three primes `p < 2^62` by cyclic convolutions of
//! power-of-two length, and put back together by the Chinese remainder theorem. The transforms
//! use Harvey's lazy butterflies (values kept below `4p`, reduced once at the end), Shoup's
//! multiplication by a twiddle (with `floor(w · 2^64 / p)` stored beside it: one wide multiply
//! and two low ones, against Montgomery's two wide ones, which the pointwise products keep),
//! and one universal twiddle sequence: block `s` of any level uses the same root, so the
//! forward transform takes natural order to bit-reversed order and the inverse takes it back
//! without a permutation. Levels go two at a time (radix-4 butterflies: each value loaded and
//! stored once per pair of levels). The three primes, the two operands and the quarters of
//! every large transform are independent jobs (`rayon::join`), so one product uses every
//! worker of the pool it runs on.
//!
//! This module multiplies word slices and nothing else: the choice of when to use it (and
//! dashu's own product below that size) is `num::mul`'s.

use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;

/// Transforms of at most this many words run on one thread, level after level; larger ones
/// split into two halves run as parallel jobs. (128 KiB: a block fits in the L2 cache.)
const SERIAL_LEN: usize = 1 << 14;

/// Butterfly passes over at least this many pairs are split into parallel chunks.
const PARALLEL_PASS_LEN: usize = 1 << 15;

/// Output words assembled by one job of the Chinese-remainder pass.
const CRT_CHUNK: usize = 1 << 14;

/// Largest transform length: every prime is `c · 2^36 + 1`.
const MAX_LOG_LEN: u32 = 36;

/// A prime modulus below `2^62` with its constants for Montgomery arithmetic (`R = 2^64`).
/// The modulus is a constant of each implementation, so that `% P` compiles to a multiply.
trait Prime: Send + Sync {
    const P: u64;
    /// The prime's place in [`Transformed::values`].
    const INDEX: usize;
    /// A quadratic non-residue: its `(P - 1) / 2^36`-th power has order `2^36`.
    const NON_RESIDUE: u64;
    /// `P^-1 mod 2^64`.
    const P_INV: u64 = inverse_mod_word(Self::P);
    /// `R^2 mod P`, to bring a value into Montgomery form.
    const R2: u64 = {
        let r = ((1u128 << 64) % Self::P as u128) as u64;
        mul_mod(r, r, Self::P)
    };
    /// A root of unity of order `2^36`, as a plain residue.
    const ROOT: u64 = pow_mod(Self::NON_RESIDUE, (Self::P - 1) >> MAX_LOG_LEN, Self::P);

    /// `t · R^-1 mod P`, in `(0, 2P)`, for any `t < P · 2^64`.
    #[inline]
    fn redc(t: u128) -> u64 {
        let m = (t as u64).wrapping_mul(Self::P_INV);
        let mp_high = ((u128::from(m) * u128::from(Self::P)) >> 64) as u64;
        // t - m·P is a multiple of 2^64 whose low words cancel exactly; its high word is
        // t_high - mp_high, in (-P, P), so adding P keeps it positive.
        (t >> 64) as u64 + Self::P - mp_high
    }

    /// `a · b · R^-1 mod P` in `(0, 2P)`, for `a < 4P` and `b < P` (so `a · b < P · 2^64`).
    #[inline]
    fn mont_mul(a: u64, b: u64) -> u64 {
        Self::redc(u128::from(a) * u128::from(b))
    }

    /// `x mod P` for `x < 4P`.
    #[inline]
    fn reduce(x: u64) -> u64 {
        let x = if x >= 2 * Self::P { x - 2 * Self::P } else { x };
        if x >= Self::P { x - Self::P } else { x }
    }

    /// `x · R mod P` for `x < 4P`: the Montgomery form of `x`.
    fn to_mont(x: u64) -> u64 {
        Self::reduce(Self::mont_mul(x, Self::R2))
    }
}

struct P0;
struct P1;
struct P2;

impl Prime for P0 {
    const INDEX: usize = 0;
    const P: u64 = 0x3fff_ff30_0000_0001;
    const NON_RESIDUE: u64 = 5;
}
impl Prime for P1 {
    const INDEX: usize = 1;
    const P: u64 = 0x3fff_fa30_0000_0001;
    const NON_RESIDUE: u64 = 3;
}
impl Prime for P2 {
    const INDEX: usize = 2;
    const P: u64 = 0x3fff_f730_0000_0001;
    const NON_RESIDUE: u64 = 3;
}

const fn mul_mod(a: u64, b: u64, p: u64) -> u64 {
    ((a as u128 * b as u128) % p as u128) as u64
}

const fn pow_mod(mut base: u64, mut exponent: u64, p: u64) -> u64 {
    let mut result = 1;
    base %= p;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = mul_mod(result, base, p);
        }
        base = mul_mod(base, base, p);
        exponent >>= 1;
    }
    result
}

/// The inverse of an odd `x` modulo `2^64`, by Newton's iteration (each step doubles the
/// number of correct low bits, starting from 3 for `x` itself).
const fn inverse_mod_word(x: u64) -> u64 {
    let mut inverse = x;
    let mut step = 0;
    while step < 5 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(inverse)));
        step += 1;
    }
    inverse
}

/// A twiddle factor `w < P` with `floor(w · 2^64 / P)`, for Shoup's multiplication by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Twiddle {
    w: u64,
    quotient: u64,
}

impl Twiddle {
    /// The twiddle of the residue whose Montgomery form is `mont` (`w · 2^64 mod P`, reduced).
    /// `w · 2^64 - mont` is a multiple of `P` by the quotient, which is below `2^64`: that
    /// multiple's low word times `P^-1` modulo `2^64` is the quotient, without a division.
    fn from_mont<M: Prime>(mont: u64) -> Twiddle {
        Twiddle {
            w: M::reduce(M::mont_mul(mont, 1)),
            quotient: mont.wrapping_neg().wrapping_mul(M::P_INV),
        }
    }

    /// `v · w mod P` in `[0, 2P)` for any `v < 2^64` (Shoup): the quotient estimate is at
    /// most one short, and the wrapping difference is exact because it is below `2^64`.
    #[inline]
    fn mul<M: Prime>(self, v: u64) -> u64 {
        let q = ((u128::from(v) * u128::from(self.quotient)) >> 64) as u64;
        v.wrapping_mul(self.w).wrapping_sub(q.wrapping_mul(M::P))
    }
}

/// The twiddle sequence `T_s`, for `s < len`: `T_0 = 1` and `T_(2^l + s) = T_s · w_l` with
/// `w_l` a root of order `2^(l+2)` (its inverse for the inverse transform). Block `s` of every
/// level multiplies its upper half by `T_s`.
fn twiddles<M: Prime>(len: usize, inverse: bool) -> Vec<Twiddle> {
    // In Montgomery form while the sequence is built.
    let mut table = Vec::with_capacity(len);
    table.push(M::to_mont(1));
    let mut level = 0;
    while table.len() < len {
        let order_log = level + 2;
        let mut root = pow_mod(M::ROOT, 1 << (MAX_LOG_LEN - order_log), M::P);
        if inverse {
            root = pow_mod(root, M::P - 2, M::P);
        }
        let root = M::to_mont(root);
        let filled = table.len();
        for s in 0..filled.min(len - filled) {
            let next = M::reduce(M::mont_mul(table[s], root));
            table.push(next);
        }
        level += 1;
    }
    table.into_iter().map(Twiddle::from_mont::<M>).collect()
}

/// The longest twiddle sequence made so far for each prime and direction (index
/// `2 · INDEX + inverse`). `T_s` does not depend on the length asked for, so a sequence serves
/// every shorter transform too, and a process that multiplies many large numbers (printing,
/// a product tree) makes each sequence once per doubling of the length instead of once per
/// product. The lock is held only to read or replace the pointer, never while a table is
/// computed.
static SHARED_TWIDDLES: [Mutex<Option<Arc<Vec<Twiddle>>>>; 6] = [const { Mutex::new(None) }; 6];

/// `twiddles::<M>(len, inverse)`, or a longer sequence it is a prefix of.
fn shared_twiddles<M: Prime>(len: usize, inverse: bool) -> Arc<Vec<Twiddle>> {
    let slot = &SHARED_TWIDDLES[2 * M::INDEX + usize::from(inverse)];
    let known = slot.lock().unwrap_or_else(PoisonError::into_inner).clone();
    if let Some(table) = known
        && table.len() >= len
    {
        return table;
    }
    let table = Arc::new(twiddles::<M>(len, inverse));
    let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
    if guard.as_ref().is_none_or(|known| known.len() < len) {
        *guard = Some(Arc::clone(&table));
    }
    table
}

/// One forward butterfly pass: `(u, v) -> (u + w·v, u - w·v)`, inputs below `4P`, outputs
/// below `4P`.
fn forward_pass<M: Prime>(lo: &mut [u64], hi: &mut [u64], w: Twiddle) {
    for (u, v) in lo.iter_mut().zip(hi.iter_mut()) {
        let x = if *u >= 2 * M::P { *u - 2 * M::P } else { *u };
        let y = w.mul::<M>(*v);
        *u = x + y;
        *v = x + 2 * M::P - y;
    }
}

/// One inverse butterfly pass: `(u, v) -> (u + v, (u - v)·w)`, inputs and outputs below `2P`.
fn inverse_pass<M: Prime>(lo: &mut [u64], hi: &mut [u64], w: Twiddle) {
    for (u, v) in lo.iter_mut().zip(hi.iter_mut()) {
        let sum = *u + *v;
        let difference = *u + 2 * M::P - *v;
        *u = if sum >= 2 * M::P { sum - 2 * M::P } else { sum };
        *v = w.mul::<M>(difference);
    }
}

/// Two forward levels at once over four quarters `q0 .. q3` of blocks (a radix-4 butterfly):
/// the outer level pairs `(q0, q2)` and `(q1, q3)` by `w1`, the inner one `(q0, q1)` by `w2`
/// and `(q2, q3)` by `w3`. The same arithmetic as two [`forward_pass`]es, with each value
/// loaded and stored once instead of twice. Inputs and outputs below `4P`.
#[inline]
fn forward_quarters<M: Prime>([q0, q1, q2, q3]: [&mut [u64]; 4], [w1, w2, w3]: [Twiddle; 3]) {
    let butterfly = |u: u64, v: u64, w: Twiddle| {
        let x = if u >= 2 * M::P { u - 2 * M::P } else { u };
        let y = w.mul::<M>(v);
        (x + y, x + 2 * M::P - y)
    };
    for (((a0, a1), a2), a3) in q0
        .iter_mut()
        .zip(q1.iter_mut())
        .zip(q2.iter_mut())
        .zip(q3.iter_mut())
    {
        let (b0, b2) = butterfly(*a0, *a2, w1);
        let (b1, b3) = butterfly(*a1, *a3, w1);
        (*a0, *a1) = butterfly(b0, b1, w2);
        (*a2, *a3) = butterfly(b2, b3, w3);
    }
}

/// The inverse of [`forward_quarters`]: the inner level by `w2` and `w3`, then the outer one
/// by `w1` (twiddles of the inverse sequence). Inputs and outputs below `2P`.
#[inline]
fn inverse_quarters<M: Prime>([q0, q1, q2, q3]: [&mut [u64]; 4], [w1, w2, w3]: [Twiddle; 3]) {
    let butterfly = |u: u64, v: u64, w: Twiddle| {
        let sum = u + v;
        let sum = if sum >= 2 * M::P { sum - 2 * M::P } else { sum };
        (sum, w.mul::<M>(u + 2 * M::P - v))
    };
    for (((a0, a1), a2), a3) in q0
        .iter_mut()
        .zip(q1.iter_mut())
        .zip(q2.iter_mut())
        .zip(q3.iter_mut())
    {
        let (b0, b1) = butterfly(*a0, *a1, w2);
        let (b2, b3) = butterfly(*a2, *a3, w3);
        (*a0, *a2) = butterfly(b0, b2, w1);
        (*a1, *a3) = butterfly(b1, b3, w1);
    }
}

/// A block's four quarters.
fn quarters(block: &mut [u64]) -> [&mut [u64]; 4] {
    let quarter = block.len() / 4;
    let (low, high) = block.split_at_mut(2 * quarter);
    let (q0, q1) = low.split_at_mut(quarter);
    let (q2, q3) = high.split_at_mut(quarter);
    [q0, q1, q2, q3]
}

/// A radix-4 pass over four long quarters, split into parallel chunks when long.
fn pass<M: Prime>(q: [&mut [u64]; 4], w: [Twiddle; 3], inverse: bool) {
    if q[0].len() >= PARALLEL_PASS_LEN / 2 {
        let mid = q[0].len() / 2;
        let [q0, q1, q2, q3] = q;
        let (a0, b0) = q0.split_at_mut(mid);
        let (a1, b1) = q1.split_at_mut(mid);
        let (a2, b2) = q2.split_at_mut(mid);
        let (a3, b3) = q3.split_at_mut(mid);
        rayon::join(
            || pass::<M>([a0, a1, a2, a3], w, inverse),
            || pass::<M>([b0, b1, b2, b3], w, inverse),
        );
    } else if inverse {
        inverse_quarters::<M>(q, w);
    } else {
        forward_quarters::<M>(q, w);
    }
}

/// The forward radix-4 passes over blocks of `4 · QUARTER` values, block `k` by `outer[k]`
/// and `inner[2k], inner[2k + 1]`: a constant `QUARTER` lets the compiler unroll the short
/// blocks of the last levels, so that the loop's cost is not paid for one or two butterflies.
#[inline]
fn forward_blocks<M: Prime, const QUARTER: usize>(
    a: &mut [u64],
    outer: &[Twiddle],
    inner: &[Twiddle],
) {
    blocks_of(a, QUARTER, outer, inner, forward_quarters::<M>);
}

/// The inverse radix-4 passes over blocks of `4 · QUARTER` values (see [`forward_blocks`]).
#[inline]
fn inverse_blocks<M: Prime, const QUARTER: usize>(
    a: &mut [u64],
    outer: &[Twiddle],
    inner: &[Twiddle],
) {
    blocks_of(a, QUARTER, outer, inner, inverse_quarters::<M>);
}

/// The radix-4 passes of `butterfly` (forward or inverse) over blocks of `4 · quarter` values.
#[inline]
fn blocks_of(
    a: &mut [u64],
    quarter: usize,
    outer: &[Twiddle],
    inner: &[Twiddle],
    butterfly: impl Fn([&mut [u64]; 4], [Twiddle; 3]),
) {
    for ((block, &w1), w23) in a
        .chunks_exact_mut(4 * quarter)
        .zip(outer)
        .zip(inner.chunks_exact(2))
    {
        butterfly(quarters(block), [w1, w23[0], w23[1]]);
    }
}

/// The forward transform of `a`, block `s` of its level: natural order in, bit-reversed out.
/// Levels go two at a time (radix 4); an odd one out is the last, of blocks of two.
fn forward<M: Prime>(a: &mut [u64], s: usize, table: &[Twiddle]) {
    let len = a.len();
    if len <= SERIAL_LEN {
        // Levels `half` and `half / 2` together; block `k` of level `half` uses
        // `table[first + k]`, and its halves those of `2 · first` on.
        let mut half = len / 2;
        let mut first = s;
        while half >= 2 {
            let n_blocks = len / (2 * half);
            let outer = &table[first..first + n_blocks];
            let inner = &table[2 * first..2 * first + 2 * n_blocks];
            match half / 2 {
                1 => forward_blocks::<M, 1>(a, outer, inner),
                2 => forward_blocks::<M, 2>(a, outer, inner),
                4 => forward_blocks::<M, 4>(a, outer, inner),
                quarter => blocks_of(a, quarter, outer, inner, forward_quarters::<M>),
            }
            first *= 4;
            half /= 4;
        }
        if half == 1 {
            for (pair, &w) in a.chunks_exact_mut(2).zip(&table[first..first + len / 2]) {
                let (lo, hi) = pair.split_at_mut(1);
                forward_pass::<M>(lo, hi, w);
            }
        }
        return;
    }
    pass::<M>(
        quarters(a),
        [table[s], table[2 * s], table[2 * s + 1]],
        false,
    );
    let [q0, q1, q2, q3] = quarters(a);
    rayon::join(
        || {
            rayon::join(
                || forward::<M>(q0, 4 * s, table),
                || forward::<M>(q1, 4 * s + 1, table),
            )
        },
        || {
            rayon::join(
                || forward::<M>(q2, 4 * s + 2, table),
                || forward::<M>(q3, 4 * s + 3, table),
            )
        },
    );
}

/// The inverse of [`forward`] (without the division by the length).
fn inverse<M: Prime>(a: &mut [u64], s: usize, table: &[Twiddle]) {
    let len = a.len();
    if len <= SERIAL_LEN {
        // Levels `half` and `2 · half` together; block `k` of level `half` uses
        // `table[first + k]`, the blocks of the level above those of `first / 2` on.
        let mut half = 1;
        let mut first = s * (len / 2);
        if len.trailing_zeros() % 2 == 1 {
            for (pair, &w) in a.chunks_exact_mut(2).zip(&table[first..first + len / 2]) {
                let (lo, hi) = pair.split_at_mut(1);
                inverse_pass::<M>(lo, hi, w);
            }
            first /= 2;
            half = 2;
        }
        while half < len {
            let n_blocks = len / (4 * half);
            let inner = &table[first..first + 2 * n_blocks];
            let outer = &table[first / 2..first / 2 + n_blocks];
            match half {
                1 => inverse_blocks::<M, 1>(a, outer, inner),
                2 => inverse_blocks::<M, 2>(a, outer, inner),
                4 => inverse_blocks::<M, 4>(a, outer, inner),
                quarter => blocks_of(a, quarter, outer, inner, inverse_quarters::<M>),
            }
            first /= 4;
            half *= 4;
        }
        return;
    }
    {
        let [q0, q1, q2, q3] = quarters(a);
        rayon::join(
            || {
                rayon::join(
                    || inverse::<M>(q0, 4 * s, table),
                    || inverse::<M>(q1, 4 * s + 1, table),
                )
            },
            || {
                rayon::join(
                    || inverse::<M>(q2, 4 * s + 2, table),
                    || inverse::<M>(q3, 4 * s + 3, table),
                )
            },
        );
    }
    pass::<M>(
        quarters(a),
        [table[s], table[2 * s], table[2 * s + 1]],
        true,
    );
}

/// Spare buffers of transform values, at most [`SPARE_WORDS`] words in all: a product's
/// buffers go back here when it is done and serve the next products. Big buffers fresh from
/// the allocator are mapped pages, each faulted in and zeroed on first use and unmapped
/// again on release (an unmapping stops the other cores to flush their address caches);
/// printing or a product tree makes thousands of such buffers of a few sizes.
static SPARE: Mutex<Vec<Vec<u64>>> = Mutex::new(Vec::new());

/// The most words [`SPARE`] keeps (32 MiB): the buffers of a few products of a million words.
const SPARE_WORDS: usize = 1 << 22;

/// An empty buffer with room for `len` words: the smallest spare one that has it, or a new
/// one.
fn buffer(len: usize) -> Vec<u64> {
    let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
    let best = spare
        .iter()
        .enumerate()
        .filter(|(_, buffer)| buffer.capacity() >= len)
        .min_by_key(|(_, buffer)| buffer.capacity())
        .map(|(index, _)| index);
    match best {
        Some(index) => {
            let mut buffer = spare.swap_remove(index);
            buffer.clear();
            buffer
        }
        None => Vec::with_capacity(len),
    }
}

/// Gives a buffer back to [`SPARE`], which drops its smallest ones beyond [`SPARE_WORDS`].
pub(crate) fn recycle(buffer: Vec<u64>) {
    if buffer.capacity() < SERIAL_LEN || buffer.capacity() > SPARE_WORDS / 4 {
        return;
    }
    let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
    spare.push(buffer);
    let mut total: usize = spare.iter().map(Vec::capacity).sum();
    while total > SPARE_WORDS {
        let smallest = (0..spare.len())
            .min_by_key(|&index| spare[index].capacity())
            .unwrap_or_default();
        total -= spare.swap_remove(smallest).capacity();
    }
}

/// The words of `x` modulo `M`, zero-padded to `len`; each times `scale · R^-1` when a scale
/// is given (in `(0, 2P)` then, which the forward transform takes).
fn residues<M: Prime>(x: &[u64], len: usize, scale: Option<u64>) -> Vec<u64> {
    let mut out = buffer(len);
    match scale {
        // word · scale < 2^64 · P, which Montgomery's reduction takes.
        Some(scale) => out.extend(x.iter().map(|&word| M::mont_mul(word, scale))),
        None => out.extend(x.iter().map(|&word| word % M::P)),
    }
    out.resize(len, 0);
    out
}

/// `len^-1 · R^2 mod P`: an operand's residues multiplied by it (times `R^-1`) make the
/// product's inverse transform come out divided by the length, and the pointwise product's
/// `R^-1` undone.
fn scale<M: Prime>(len: usize) -> u64 {
    let len_inverse = M::P - (M::P - 1) / len as u64;
    M::to_mont(M::to_mont(len_inverse))
}

/// An operand's forward transforms modulo the three primes at one length, made once to
/// multiply it into several others of that length (a power of ten into every node of a level
/// when printing). Its residues carry the length's [`scale`], so that products by it need no
/// pass of their own for it.
pub(crate) struct Transformed {
    len: usize,
    n_words: usize,
    values: [Vec<u64>; 3],
}

impl Transformed {
    /// The transform's length.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

impl Drop for Transformed {
    fn drop(&mut self) {
        for values in &mut self.values {
            recycle(std::mem::take(values));
        }
    }
}

/// The transforms of `x` at length `len` (a power of two, at least `x.len()`).
pub(crate) fn transform(x: &[u64], len: usize) -> Transformed {
    assert!(len.is_power_of_two() && len >= x.len().max(2) && len.trailing_zeros() <= MAX_LOG_LEN);
    let (v0, (v1, v2)) = rayon::join(
        || forward_of::<P0>(x, len, None, true),
        || {
            rayon::join(
                || forward_of::<P1>(x, len, None, true),
                || forward_of::<P2>(x, len, None, true),
            )
        },
    );
    Transformed {
        len,
        n_words: x.len(),
        values: [v0, v1, v2],
    }
}

/// The forward transform of `x` modulo `M` at length `len`, its residues multiplied by the
/// length's [`scale`] when `scaled`.
fn forward_of<M: Prime>(
    x: &[u64],
    len: usize,
    table: Option<&[Twiddle]>,
    scaled: bool,
) -> Vec<u64> {
    let own_table;
    let table = if let Some(table) = table {
        table
    } else {
        own_table = shared_twiddles::<M>(len / 2, false);
        &own_table
    };
    let mut values = residues::<M>(x, len, scaled.then(|| scale::<M>(len)));
    forward::<M>(&mut values, 0, table);
    values
}

/// The second operand of a product.
#[derive(Clone, Copy)]
enum Operand<'a> {
    /// The first operand again: a square.
    Same,
    Words(&'a [u64]),
    Transformed(&'a Transformed),
}

/// The cyclic convolution of `a` and `b` modulo `M`, of length `len`, each coefficient
/// below `2 · M::P`. The length's [`scale`] rides on the second operand's residues, or for a
/// square on the pointwise product. For a square when `keep`, also the operand's forward
/// transform with the scale, as [`Transformed`] holds it.
fn convolution<M: Prime>(
    a: &[u64],
    b: Operand<'_>,
    len: usize,
    keep: bool,
) -> (Vec<u64>, Option<Vec<u64>>) {
    let mut kept = None;
    let (forward_table, inverse_table) = rayon::join(
        || shared_twiddles::<M>(len / 2, false),
        || shared_twiddles::<M>(len / 2, true),
    );
    let mut values = match b {
        Operand::Words(b) => {
            let (mut x, y) = rayon::join(
                || forward_of::<M>(a, len, Some(&forward_table), false),
                || forward_of::<M>(b, len, Some(&forward_table), true),
            );
            pointwise::<M>(&mut x, Pointwise::By(&y));
            recycle(y);
            x
        }
        Operand::Transformed(b) => {
            let mut x = forward_of::<M>(a, len, Some(&forward_table), false);
            pointwise::<M>(&mut x, Pointwise::By(&b.values[M::INDEX]));
            x
        }
        Operand::Same => {
            let mut x = forward_of::<M>(a, len, Some(&forward_table), false);
            let scale = scale::<M>(len);
            if keep {
                let mut copy = buffer(len);
                copy.extend(x.iter().map(|&value| M::mont_mul(value, scale)));
                kept = Some(copy);
            }
            pointwise::<M>(&mut x, Pointwise::Square(scale));
            x
        }
    };
    inverse::<M>(&mut values, 0, &inverse_table);
    (values, kept)
}

/// The other factor of a pointwise product.
#[derive(Clone, Copy)]
enum Pointwise<'a> {
    /// Another transform.
    By(&'a [u64]),
    /// The values themselves, and the product times this `scale · R^-1`.
    Square(u64),
}

/// `x <- x · y · R^-1` (or `x · x · R^-1 · scale · R^-1`), inputs below `4P`, outputs below
/// `2P`.
fn pointwise<M: Prime>(x: &mut [u64], y: Pointwise<'_>) {
    match y {
        Pointwise::By(y) => x
            .par_chunks_mut(CRT_CHUNK)
            .zip(y.par_chunks(CRT_CHUNK))
            .for_each(|(x, y)| {
                for (a, &b) in x.iter_mut().zip(y) {
                    *a = M::redc(u128::from(M::reduce(*a)) * u128::from(M::reduce(b)));
                }
            }),
        Pointwise::Square(scale) => x.par_chunks_mut(CRT_CHUNK).for_each(|x| {
            for a in x {
                let r = M::reduce(*a);
                *a = M::mont_mul(M::redc(u128::from(r) * u128::from(r)), scale);
            }
        }),
    }
}

/// `P0 · P1`, below `2^124`.
const P01: u128 = P0::P as u128 * P1::P as u128;
/// `P0^-1 mod P1`, `P0 mod P2` and `(P0 · P1)^-1 mod P2`, in Montgomery form.
const P0_INV_MOD_P1: u64 = pow_mod(P0::P % P1::P, P1::P - 2, P1::P);
const P0_MOD_P2: u64 = P0::P % P2::P;
const P01_INV_MOD_P2: u64 = pow_mod(((P01 % P2::P as u128) as u64) % P2::P, P2::P - 2, P2::P);

/// The coefficient `c < P0 · P1 · P2` with the given residues, as `(low 128 bits, high 64)`.
#[inline]
fn combine(r0: u64, r1: u64, r2: u64, k1: u64, k20: u64, k21: u64) -> (u128, u64) {
    // Garner: c = y0 + P0 · y1 + P0 · P1 · y2.
    let y0 = r0;
    let y0_mod_p1 = if y0 >= P1::P { y0 - P1::P } else { y0 };
    let y1 = P1::reduce(P1::mont_mul(r1 + P1::P - y0_mod_p1, k1));
    let y0_mod_p2 = if y0 >= P2::P { y0 - P2::P } else { y0 };
    let partial = P2::reduce(y0_mod_p2 + P2::mont_mul(y1, k20));
    let y2 = P2::reduce(P2::mont_mul(r2 + P2::P - partial, k21));
    let low = u128::from(y0) + u128::from(P0::P) * u128::from(y1);
    let by_low = u128::from(P01 as u64) * u128::from(y2);
    let by_high = u128::from((P01 >> 64) as u64) * u128::from(y2);
    let sum = low + by_low;
    let (value_low, carry) = sum.overflowing_add(by_high << 64);
    (value_low, (by_high >> 64) as u64 + u64::from(carry))
}

/// Adds `value` to the integer whose little-endian words are `words`, from word `at` on.
fn add_at(words: &mut [u64], at: usize, value: u128) {
    let mut carry = value;
    for word in &mut words[at..] {
        if carry == 0 {
            return;
        }
        let sum = u128::from(*word) + (carry & u128::from(u64::MAX));
        *word = sum as u64;
        carry = (carry >> 64) + (sum >> 64);
    }
    debug_assert_eq!(carry, 0, "the product fits its words");
}

/// Adds `value` to the integer `words` taken modulo `2^(64 · words.len()) - 1`, from word
/// `at` on: a carry out of the top word comes back in at the bottom.
fn add_cyclic(words: &mut [u64], at: usize, value: u128) {
    let mut carry = value;
    let mut index = at % words.len();
    while carry != 0 {
        let sum = u128::from(words[index]) + (carry & u128::from(u64::MAX));
        words[index] = sum as u64;
        carry = (carry >> 64) + (sum >> 64);
        index = (index + 1) % words.len();
    }
}

/// The words of `a · b`: all `a.len() + b.len()` of them when `cyclic_len` is
/// `None`, else the product modulo `2^(64 · cyclic_len) - 1` in `cyclic_len` words (a power of
/// two, at least each operand's length).
fn product(a: &[u64], b: Operand<'_>, cyclic_len: Option<usize>) -> Vec<u64> {
    product_keeping(a, b, cyclic_len, false).0
}

/// [`product`], and for a square when `keep`, the operand transformed at the product's length.
fn product_keeping(
    a: &[u64],
    b: Operand<'_>,
    cyclic_len: Option<usize>,
    keep: bool,
) -> (Vec<u64>, Option<Transformed>) {
    let b_len = match b {
        Operand::Same => a.len(),
        Operand::Words(b) => b.len(),
        Operand::Transformed(b) => b.n_words,
    };
    let (len, n_words, n_coefficients) = if let Some(len) = cyclic_len {
        (len, len, len)
    } else {
        let n_words = a.len() + b_len;
        let len = (n_words - 1).next_power_of_two().max(2);
        (len, n_words, n_words - 1)
    };
    assert!(
        len.is_power_of_two() && len.trailing_zeros() <= MAX_LOG_LEN && a.len().max(b_len) <= len,
        "product too large for the transform"
    );
    let ((c0, k0), ((c1, k1), (c2, k2))) = rayon::join(
        || convolution::<P0>(a, b, len, keep),
        || {
            rayon::join(
                || convolution::<P1>(a, b, len, keep),
                || convolution::<P2>(a, b, len, keep),
            )
        },
    );
    let kept = match (k0, k1, k2) {
        (Some(v0), Some(v1), Some(v2)) => Some(Transformed {
            len,
            n_words: a.len(),
            values: [v0, v1, v2],
        }),
        _ => None,
    };
    let k1 = P1::to_mont(P0_INV_MOD_P1);
    let k20 = P2::to_mont(P0_MOD_P2);
    let k21 = P2::to_mont(P01_INV_MOD_P2);
    let mut out = buffer(n_words);
    out.resize(n_words, 0);
    let carries: Vec<u128> = out
        .par_chunks_mut(CRT_CHUNK)
        .enumerate()
        .map(|(chunk_index, chunk)| {
            let start = chunk_index * CRT_CHUNK;
            // Below 2^123 after every step: the carry out of a coefficient under 2^186.
            let mut carry = 0u128;
            for (offset, word) in chunk.iter_mut().enumerate() {
                let i = start + offset;
                let (low, high) = if i < n_coefficients {
                    let (r0, r1, r2) = (P0::reduce(c0[i]), P1::reduce(c1[i]), P2::reduce(c2[i]));
                    combine(r0, r1, r2, k1, k20, k21)
                } else {
                    (0, 0)
                };
                let (sum, overflow) = carry.overflowing_add(low);
                *word = sum as u64;
                carry = (sum >> 64) | (u128::from(high + u64::from(overflow)) << 64);
            }
            carry
        })
        .collect();
    for values in [c0, c1, c2] {
        recycle(values);
    }
    for (chunk_index, carry) in carries.into_iter().enumerate() {
        let at = (chunk_index + 1) * CRT_CHUNK;
        if carry != 0 {
            if cyclic_len.is_some() {
                add_cyclic(&mut out, at, carry);
            } else {
                add_at(&mut out, at, carry);
            }
        }
    }
    (out, kept)
}

/// The words of `a · b`, `a.len() + b.len()` of them.
pub(crate) fn mul(a: &[u64], b: &[u64]) -> Vec<u64> {
    product(a, Operand::Words(b), None)
}

/// The words of `a · b mod (2^(64 · len) - 1)`, `len` of them (possibly `2^(64 · len) - 1`
/// itself for 0): the wrapped product, for callers that need only a window of its bits. `len`
/// is a power of two, at least each operand's length.
pub(crate) fn mul_cyclic(a: &[u64], b: &[u64], len: usize) -> Vec<u64> {
    product(a, Operand::Words(b), Some(len))
}

/// As [`mul_cyclic`], by an operand transformed beforehand at the length of the wrap.
pub(crate) fn mul_cyclic_transformed(a: &[u64], b: &Transformed) -> Vec<u64> {
    product(a, Operand::Transformed(b), Some(b.len))
}

/// The words of `a²`, `2 · a.len()` of them.
pub(crate) fn square(a: &[u64]) -> Vec<u64> {
    product(a, Operand::Same, None)
}

/// [`square`], and `a` transformed at the square's length: the forward transforms the square
/// makes anyway, kept to multiply `a` into other numbers later.
pub(crate) fn square_keeping(a: &[u64]) -> (Vec<u64>, Transformed) {
    let (words, kept) = product_keeping(a, Operand::Same, None, true);
    (
        words,
        kept.expect("a square keeps its transforms when asked"),
    )
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn a_shared_twiddle_sequence_serves_shorter_transforms() {
        let long = shared_twiddles::<P1>(1 << 12, true);
        assert!(long.len() >= 1 << 12);
        for len in [2, 64, 1 << 10] {
            let shared = shared_twiddles::<P1>(len, true);
            assert_eq!(shared[..len], twiddles::<P1>(len, true)[..], "length {len}");
        }
    }

    #[test]
    fn shoup_products_by_twiddles_are_exact() {
        fn check<M: Prime>() {
            for (i, w) in [1, 2, M::P - 1, M::P / 3]
                .into_iter()
                .chain(words(20, 7))
                .enumerate()
            {
                let w = w % M::P;
                let twiddle = Twiddle::from_mont::<M>(M::to_mont(w));
                assert_eq!(twiddle.w, w);
                assert_eq!(
                    u128::from(twiddle.quotient),
                    (u128::from(w) << 64) / u128::from(M::P)
                );
                for v in [0, 1, M::P, 4 * M::P - 1, u64::MAX, (i as u64) << 40] {
                    let got = twiddle.mul::<M>(v);
                    assert!(got < 2 * M::P);
                    assert_eq!(got % M::P, mul_mod(v, w, M::P), "{v} · {w}");
                }
            }
        }
        check::<P0>();
        check::<P1>();
        check::<P2>();
    }

    #[test]
    fn roots_have_the_order_the_transforms_need() {
        fn check<M: Prime>() {
            assert_eq!(M::P % (1 << MAX_LOG_LEN), 1);
            assert!(M::P < 1 << 62);
            let half = pow_mod(M::ROOT, 1 << (MAX_LOG_LEN - 1), M::P);
            assert_eq!(half, M::P - 1, "the root has order 2^36 exactly");
            assert_eq!(M::P.wrapping_mul(M::P_INV), 1);
            assert_eq!(M::reduce(M::mont_mul(M::to_mont(12345), 1)), 12345);
        }
        check::<P0>();
        check::<P1>();
        check::<P2>();
    }

    #[test]
    fn small_products_match_schoolbook() {
        let a = [u64::MAX, u64::MAX, 7];
        let b = [u64::MAX, 3];
        let got = mul(&a, &b);
        let mut expected = [0u64; 5];
        for (i, &x) in a.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &y) in b.iter().enumerate() {
                let t = u128::from(x) * u128::from(y) + u128::from(expected[i + j]) + carry;
                expected[i + j] = t as u64;
                carry = t >> 64;
            }
            expected[i + b.len()] = carry as u64;
        }
        assert_eq!(got, expected);
        assert_eq!(square(&[u64::MAX]), [1, u64::MAX - 1]);
    }

    /// Pseudo-random words (xorshift) from a seed.
    fn words(n: usize, seed: u64) -> Vec<u64> {
        let mut state = seed | 1;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            })
            .collect()
    }

    #[test]
    fn every_transform_length_multiplies_exactly() {
        // Each power of two up to past the serial length and the parallel passes (odd and
        // even numbers of levels, so that the radix-4 passes end on either kind), with
        // operands filling the length and all-ones operands for the largest coefficients.
        for log_len in 1..=17 {
            let len = 1usize << log_len;
            let (a, b) = (words(len / 2 + 1, log_len), words(len / 2 - 1, 3 * log_len));
            let b = if b.is_empty() { vec![5] } else { b };
            let expected = dashu_int::UBig::from_words(&a) * dashu_int::UBig::from_words(&b);
            let got = dashu_int::UBig::from_words(&mul(&a, &b));
            assert_eq!(got, expected, "length {len}");
            let ones = vec![u64::MAX; len / 2];
            let ones_big = dashu_int::UBig::from_words(&ones);
            let got = dashu_int::UBig::from_words(&square(&ones));
            assert_eq!(got, &ones_big * &ones_big, "length {len}, square");
        }
    }

    #[test]
    fn recycled_buffers_carry_nothing_over() {
        // A long product leaves its buffers spare; shorter ones then write into them.
        let expect =
            |a: &[u64], b: &[u64]| dashu_int::UBig::from_words(a) * dashu_int::UBig::from_words(b);
        for (a_len, b_len) in [
            (40_000, 30_000),
            (9000, 100),
            (20_000, 20_000),
            (3000, 2999),
        ] {
            let (a, b) = (vec![u64::MAX; a_len], words(b_len, a_len as u64));
            let got = mul(&a, &b);
            assert_eq!(dashu_int::UBig::from_words(&got), expect(&a, &b));
            recycle(got);
            let got = square(&b);
            assert_eq!(dashu_int::UBig::from_words(&got), expect(&b, &b));
            recycle(got);
        }
    }

    #[test]
    fn wrapped_products_are_products_modulo_a_mersenne_number() {
        // (2^128 - 1) · (2^64 + 3) modulo 2^128 - 1 is 0 (either representation), and
        // modulo 2^256 - 1 the product itself.
        let got = mul_cyclic(&[u64::MAX, u64::MAX], &[3, 1], 2);
        assert!(got == [0, 0] || got == [u64::MAX, u64::MAX], "{got:?}");
        // 2^192 · 2^64 wraps to 1 modulo 2^256 - 1.
        assert_eq!(mul_cyclic(&[0, 0, 0, 1], &[0, 1], 4), [1, 0, 0, 0]);
        let a: Vec<u64> = (1..=8).map(|k| k * 0x0123_4567_89ab_cdef).collect();
        let full = mul(&a, &a[..5]);
        let mut folded = vec![0u64; 8];
        for (i, &word) in full.iter().enumerate() {
            add_cyclic(&mut folded, i, u128::from(word));
        }
        assert_eq!(mul_cyclic(&a, &a[..5], 8), folded);
    }
}
