//! A chunk of a reduction: elements `lo..hi` of its range, mapped (the body evaluated with the
//! variable bound) and folded into a [`Partial`].
//!
//! The chunk that starts the range folds as Python does, from `sum`'s start. A later chunk of
//! ints keeps its exact fold: sums of machine integers in an `i128`, through the compiled body
//! ([`SmallBody`]) and in batches when it applies; products multiplied until a zero factor is
//! known before or inside the chunk, after which the chunk only evaluates its elements (for
//! their errors and their types: a zero decides the product only while everything is an int).
//! A later chunk that meets a float keeps the values from there on in order, as many as the
//! reduction's [`Budget`] allows, and leaves the rest of its range to be evaluated again when
//! it is folded in order: so the memory of a float reduction is bounded whatever its length.
//!
//! This module maps and folds; the executor decides how the range is cut and who runs what.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::ast::{Ast, NodeId, Reducer, Reduction};
use crate::engine::env::Env;
use crate::engine::failure::Failure;
use crate::engine::interp::reduce::fold::{Exact, Fold, Partial, Refold, better, is_nan};
use crate::engine::interp::reduce::range::Range;
use crate::engine::interp::reduce::small::{BATCH, SmallBody};
use crate::engine::interp::{self, Hooks, Outcome, STOP_CHECK_ELEMENTS, Stretch};
use crate::error::{Error, NumError};
use crate::num::{Int, Limits, Value};

/// Values the later chunks of one reduction may keep at once, all together: 24 bytes each,
/// so a float reduction of any length holds at most 12 MiB of them.
pub(crate) const VALUES_BUDGET: usize = 1 << 19;

/// Elements [`Chunking::refold`] has the pool evaluate at once, when the fold reaches elements
/// the budget left to evaluate again: a few hundred KiB of values.
pub(crate) const REFOLD_WINDOW: u64 = 1 << 14;

/// Values taken from the budget at a time.
const BUDGET_BLOCK: usize = 1024;

/// What the chunks of one reduction share while they run.
#[derive(Debug)]
pub(crate) struct Budget {
    /// Values the chunks may still keep.
    values: AtomicUsize,
    /// The smallest element known to be the int zero (`u64::MAX`: none yet).
    zero_at: AtomicU64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            values: AtomicUsize::new(VALUES_BUDGET),
            zero_at: AtomicU64::new(u64::MAX),
        }
    }
}

impl Budget {
    /// Takes up to `n` values from the budget; how many it got.
    fn take(&self, n: usize) -> usize {
        // Relaxed: a counter, guarding memory, not publishing data.
        let mut available = self.values.load(Ordering::Relaxed);
        loop {
            let taken = available.min(n);
            if taken == 0 {
                return 0;
            }
            match self.values.compare_exchange_weak(
                available,
                available - taken,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return taken,
                Err(now) => available = now,
            }
        }
    }

    /// Gives back the room of `n` values folded and freed.
    pub(crate) fn give_back(&self, n: usize) {
        self.values.fetch_add(n, Ordering::Relaxed);
    }

    fn zero_at(&self) -> u64 {
        self.zero_at.load(Ordering::Relaxed)
    }

    fn saw_zero(&self, element: u64) {
        self.zero_at.fetch_min(element, Ordering::Relaxed);
    }
}

/// Everything a chunk needs to evaluate elements of one reduction.
pub(crate) struct Chunking<'a, E: ?Sized> {
    pub(crate) ast: &'a Ast,
    pub(crate) node: NodeId,
    pub(crate) slot: usize,
    pub(crate) reduction: &'a Reduction,
    pub(crate) range: &'a Range,
    pub(crate) env: &'a E,
    pub(crate) limits: &'a Limits,
    pub(crate) small: Option<&'a SmallBody>,
    /// `sum`'s start, folded in by the chunk that starts the range.
    pub(crate) start: Option<&'a Value>,
    pub(crate) budget: &'a Budget,
    /// The globals of the user functions the body calls.
    pub(crate) globals: Option<&'a crate::engine::interp::call::Globals>,
}

/// The int fold of a run of elements of a later chunk: small sums in an `i128`, the rest exact.
struct IntRun {
    func: Reducer,
    small: i128,
    exact: Option<Exact>,
    /// A product after a known zero: nothing to multiply any more.
    zero: bool,
}

impl IntRun {
    fn new(func: Reducer) -> IntRun {
        IntRun {
            func,
            small: 0,
            exact: None,
            zero: false,
        }
    }

    fn push(&mut self, value: Value, limits: &Limits) -> Result<(), NumError> {
        if self.zero {
            return Ok(());
        }
        if self.func == Reducer::Sum
            && let Value::Int(int) = &value
            && let Ok(small) = i64::try_from(int)
            && let Some(sum) = self.small.checked_add(i128::from(small))
        {
            self.small = sum;
            return Ok(());
        }
        self.join(Exact::Value(value), limits)
    }

    fn join(&mut self, exact: Exact, limits: &Limits) -> Result<(), NumError> {
        self.exact = Some(match self.exact.take() {
            None => exact,
            Some(so_far) => join(so_far, exact, self.func, limits)?,
        });
        Ok(())
    }

    fn finish(mut self, limits: &Limits) -> Result<Exact, NumError> {
        if self.zero {
            return Ok(Exact::Value(Value::Int(Int::ZERO)));
        }
        if self.func == Reducer::Sum && (self.small != 0 || self.exact.is_none()) {
            let small = Exact::Value(Value::Int(Int::from(self.small)));
            self.join(small, limits)?;
        }
        Ok(self.exact.unwrap_or_else(|| {
            Exact::Value(Value::Int(Int::from(u8::from(self.func == Reducer::Prod))))
        }))
    }
}

/// Joins two exact folds (see [`Partial::Exact`]), as a combine of neighbours does.
fn join(a: Exact, b: Exact, func: Reducer, limits: &Limits) -> Result<Exact, NumError> {
    let left = Partial::Exact {
        lo: 0,
        hi: 1,
        exact: a,
    };
    let right = Partial::Exact {
        lo: 1,
        hi: 2,
        exact: b,
    };
    match crate::engine::interp::reduce::fold::combine(
        func,
        left,
        right,
        limits,
        &mut NoRefold,
        &|_, error| error,
    )? {
        Partial::Exact { exact, .. } => Ok(exact),
        _ => Err(NumError::Type("a reduction combined out of order".into())),
    }
}

/// The refold of two exact runs, which never needs one.
struct NoRefold;

impl Refold<NumError> for NoRefold {
    fn refold(&mut self, _fold: &mut Fold, _lo: u64, _hi: u64) -> Result<(), NumError> {
        Err(NumError::Type("a reduction combined out of order".into()))
    }
}

impl<E: Env + ?Sized> Chunking<'_, E> {
    /// The failure of the fold step at `element`, at the reduction's own operator.
    pub(crate) fn fold_failure(&self, element: u64, error: NumError) -> Failure {
        let error = Error::new(error, self.ast.op_span(self.node));
        Failure::in_fold(self.node.0, element, error)
    }

    /// The mapped value of element `i`: the body's value with the variable bound to it, or the
    /// element itself for a plain range. `None` when told to stop inside the body.
    pub(crate) fn element<H: Hooks>(
        &self,
        i: u64,
        locals: &mut [Value],
        hooks: &H,
    ) -> Result<Option<Value>, Failure> {
        if let (Some(small), Some(k)) = (self.small, self.range.small_at(i))
            && let Some(value) = small.eval(k)
        {
            return Ok(Some(Value::Int(Int::from(value))));
        }
        let k = Value::Int(self.range.at(i));
        let Some(body) = self.reduction.body else {
            return Ok(Some(k));
        };
        if let Some(local) = locals.get_mut(self.slot) {
            *local = k;
        }
        let mut stretch = Stretch::body(self.ast, body, self.env, self.limits);
        stretch.globals = self.globals;
        let mut stack = Vec::new();
        match interp::run(&stretch, &[], locals, &BodyHooks(hooks), &mut stack) {
            Ok(Outcome::Value(value)) => Ok(Some(value)),
            Ok(_) => Ok(None),
            Err(failure) => Err(failure.in_element(self.node.0, i)),
        }
    }

    /// Folds elements `lo..hi` into `fold`, in order, evaluating them again. Unless the work
    /// is paced, the pool evaluates them a window of [`REFOLD_WINDOW`] at a time, in as many
    /// pieces as it has workers, and the fold takes the window's values in order: the memory
    /// stays bounded and the first failure in order is the one reported, as one by one.
    pub(crate) fn refold<H: Hooks>(
        &self,
        fold: &mut Fold,
        lo: u64,
        hi: u64,
        locals: &mut [Value],
        hooks: &H,
    ) -> Result<bool, Failure> {
        let n_pieces = rayon::current_num_threads() as u64;
        if !hooks.paced() && n_pieces > 1 && hi - lo > REFOLD_WINDOW {
            let mut at = lo;
            while at < hi {
                if hooks.stop() {
                    return Ok(false);
                }
                let end = (at + REFOLD_WINDOW).min(hi);
                let piece = (end - at).div_ceil(n_pieces);
                let pieces: Vec<Vec<Result<Option<Value>, Failure>>> = (0..n_pieces)
                    .into_par_iter()
                    .map(|k| {
                        let from = (at + k * piece).min(end);
                        let to = (from + piece).min(end);
                        self.evaluate_run(from, to, &mut locals.to_vec(), hooks)
                    })
                    .collect();
                for (i, value) in (at..).zip(pieces.into_iter().flatten()) {
                    let Some(value) = value? else {
                        return Ok(false);
                    };
                    fold.push(value, self.limits)
                        .map_err(|error| self.fold_failure(i, error))?;
                }
                at = end;
            }
            return Ok(true);
        }
        for i in lo..hi {
            if (i - lo).is_multiple_of(STOP_CHECK_ELEMENTS) && hooks.stop() {
                return Ok(false);
            }
            let Some(value) = self.element(i, locals, hooks)? else {
                return Ok(false);
            };
            fold.push(value, self.limits)
                .map_err(|error| self.fold_failure(i, error))?;
        }
        Ok(true)
    }

    /// The values of elements `from..to`, in order, up to the first that fails or is told to
    /// stop (included), for [`Chunking::refold`]'s windows.
    fn evaluate_run<H: Hooks>(
        &self,
        from: u64,
        to: u64,
        locals: &mut [Value],
        hooks: &H,
    ) -> Vec<Result<Option<Value>, Failure>> {
        let mut values = Vec::with_capacity((to - from) as usize);
        for i in from..to {
            if (i - from).is_multiple_of(STOP_CHECK_ELEMENTS) && hooks.stop() {
                values.push(Ok(None));
                break;
            }
            let value = self.element(i, locals, hooks);
            let last = !matches!(value, Ok(Some(_)));
            values.push(value);
            if last {
                break;
            }
        }
        values
    }

    /// Maps and folds elements `lo..hi`. `Ok(None)` when told to stop.
    // The cases of a chunk's fold, in order: a formula, the first chunk, extremes, later chunks.
    #[expect(
        clippy::too_many_lines,
        reason = "the cases of a chunk's fold, in order"
    )]
    pub(crate) fn map_chunk<H: Hooks>(
        &self,
        lo: u64,
        hi: u64,
        locals: &mut [Value],
        hooks: &H,
    ) -> Result<Option<Partial>, Failure> {
        let func = self.reduction.func;
        let paced = hooks.paced();
        let stop_at = |i: u64| {
            if paced {
                !hooks.element()
            } else {
                (i - lo).is_multiple_of(STOP_CHECK_ELEMENTS) && i > lo && hooks.stop()
            }
        };
        if matches!(func, Reducer::Min | Reducer::Max) {
            if self.reduction.body.is_none()
                && !paced
                && let Ok(Some(value)) = self.range.formula(func, lo, hi, self.limits.max_bits)
            {
                return Ok(Some(Partial::extreme(func, [Value::Int(value)])));
            }
            let (mut best, mut first_nan) = (None, None);
            for i in lo..hi {
                if stop_at(i) {
                    return Ok(None);
                }
                let Some(value) = self.element(i, locals, hooks)? else {
                    return Ok(None);
                };
                if is_nan(&value) {
                    if i == lo {
                        first_nan = Some(value);
                    }
                    continue;
                }
                best = Some(match best {
                    None => value,
                    Some(acc) => better(func, acc, value),
                });
            }
            return Ok(Some(Partial::Extreme { best, first_nan }));
        }
        if lo == 0 {
            // The start of the range: Python's own fold.
            let mut fold = Fold::new(func, self.start.cloned());
            let mut from = lo;
            if self.reduction.body.is_none() && !paced && self.start.is_none_or(is_int) {
                match self.range.formula(func, lo, hi, self.limits.max_bits) {
                    Ok(Some(value)) => {
                        fold.push(Value::Int(value), self.limits)
                            .map_err(|error| self.fold_failure(hi - 1, error))?;
                        return Ok(Some(Partial::Acc(fold)));
                    }
                    Ok(None) => {}
                    Err(_) => {
                        fold.push_exact(Exact::OverLimit, self.limits)
                            .map_err(|error| self.fold_failure(hi - 1, error))?;
                        return Ok(Some(Partial::Acc(fold)));
                    }
                }
            }
            if func == Reducer::Sum && !paced && self.start.is_none_or(is_int) {
                let Some((stopped_at, sum)) = self.small_sum(lo, hi, hooks) else {
                    return Ok(None);
                };
                if stopped_at > lo {
                    fold.push(Value::Int(Int::from(sum)), self.limits)
                        .map_err(|error| self.fold_failure(stopped_at - 1, error))?;
                }
                from = stopped_at;
            }
            for i in from..hi {
                if stop_at(i) {
                    return Ok(None);
                }
                let Some(value) = self.element(i, locals, hooks)? else {
                    return Ok(None);
                };
                if func == Reducer::Prod && matches!(&value, Value::Int(int) if int.is_zero()) {
                    self.budget.saw_zero(i);
                }
                fold.push(value, self.limits)
                    .map_err(|error| self.fold_failure(i, error))?;
            }
            return Ok(Some(Partial::Acc(fold)));
        }
        // A later chunk: an exact fold while the elements are ints.
        if self.reduction.body.is_none() && !paced {
            match self.range.formula(func, lo, hi, self.limits.max_bits) {
                Ok(Some(value)) => {
                    let exact = Exact::Value(Value::Int(value));
                    return Ok(Some(Partial::Exact { lo, hi, exact }));
                }
                Ok(None) => {}
                Err(_) => {
                    let exact = Exact::OverLimit;
                    return Ok(Some(Partial::Exact { lo, hi, exact }));
                }
            }
        }
        let mut run = IntRun::new(func);
        let mut from = lo;
        if func == Reducer::Sum && !paced {
            let Some((stopped_at, sum)) = self.small_sum(lo, hi, hooks) else {
                return Ok(None);
            };
            run.small = sum;
            from = stopped_at;
        }
        let mut pieces: Vec<Partial> = Vec::new();
        let mut values: Option<(u64, Vec<Value>, usize)> = None;
        for i in from..hi {
            if stop_at(i) {
                return Ok(None);
            }
            if func == Reducer::Prod
                && !run.zero
                && (i - lo).is_multiple_of(STOP_CHECK_ELEMENTS)
                && self.budget.zero_at() < lo
            {
                // A zero before this chunk decides the product of its ints.
                run.zero = true;
            }
            let Some(value) = self.element(i, locals, hooks)? else {
                return Ok(None);
            };
            if let Some((_, kept, room)) = values.as_mut() {
                if *room == 0 {
                    *room = self.budget.take(BUDGET_BLOCK);
                    if *room == 0 {
                        // The budget is spent: the rest is evaluated again when folded.
                        let (start, kept, _) = values.take().unwrap_or_default();
                        pieces.push(Partial::Values {
                            lo: start,
                            values: kept,
                        });
                        pieces.push(Partial::Pending { lo: i, hi });
                        return Ok(Some(list(pieces)));
                    }
                }
                kept.push(value);
                *room -= 1;
                continue;
            }
            match value {
                Value::Int(ref int) => {
                    if func == Reducer::Prod && int.is_zero() {
                        self.budget.saw_zero(i);
                        run.zero = true;
                    }
                    run.push(value, self.limits)
                        .map_err(|error| self.fold_failure(i, error))?;
                }
                value => {
                    // A float (or a bool): from here on the values are kept, in order.
                    let finished = std::mem::replace(&mut run, IntRun::new(func));
                    if i > lo {
                        let exact = finished
                            .finish(self.limits)
                            .map_err(|error| self.fold_failure(i - 1, error))?;
                        pieces.push(Partial::Exact { lo, hi: i, exact });
                    }
                    let room = self.budget.take(BUDGET_BLOCK);
                    if room == 0 {
                        pieces.push(Partial::Pending { lo: i, hi });
                        return Ok(Some(list(pieces)));
                    }
                    values = Some((i, vec![value], room - 1));
                }
            }
        }
        if let Some((start, kept, room)) = values {
            self.budget.give_back(room);
            pieces.push(Partial::Values {
                lo: start,
                values: kept,
            });
        } else {
            let exact = run
                .finish(self.limits)
                .map_err(|error| self.fold_failure(hi - 1, error))?;
            pieces.push(Partial::Exact { lo, hi, exact });
        }
        Ok(Some(list(pieces)))
    }

    /// The hot loop of a sum: machine integers from the range through the compiled body to an
    /// `i128`, from `lo` for as long as they do. Returns where it stopped and the sum so far;
    /// `None` when told to stop.
    fn small_sum<H: Hooks>(&self, lo: u64, hi: u64, hooks: &H) -> Option<(u64, i128)> {
        let mut sum: i128 = 0;
        let (Some(small), Some((first, stride))) = (self.small, self.range.small) else {
            return Some((lo, sum));
        };
        let mut columns = Vec::new();
        let mut i = lo;
        let mut since_check = 0u64;
        while i < hi {
            if since_check >= STOP_CHECK_ELEMENTS {
                if hooks.stop() {
                    return None;
                }
                since_check = 0;
            }
            let n = (hi - i).min(BATCH as u64);
            since_check += n;
            // A whole batch at once; one that fails somewhere is done element by element.
            if n == BATCH as u64
                && let Some(batch) =
                    small.sum_batch(first + stride * i as i64, stride, BATCH, &mut columns)
                && let Some(next) = sum.checked_add(batch)
            {
                sum = next;
                i += n;
                continue;
            }
            for _ in 0..n {
                let Some(next) = small
                    .eval(first + stride * i as i64)
                    .and_then(|value| sum.checked_add(i128::from(value)))
                else {
                    return Some((i, sum));
                };
                sum = next;
                i += 1;
            }
        }
        Some((hi, sum))
    }
}

fn is_int(value: &Value) -> bool {
    matches!(value, Value::Int(_))
}

/// One piece as itself, several as a list.
fn list(mut pieces: Vec<Partial>) -> Partial {
    if pieces.len() == 1 {
        pieces.pop().unwrap_or(Partial::List(Vec::new()))
    } else {
        Partial::List(pieces)
    }
}

/// The hooks of a body evaluated for one element: its operators are not paced one by one (an
/// element is one operator's worth of simulated work), and it stops when the chunk would.
struct BodyHooks<'h, H>(&'h H);

impl<H: Hooks> Hooks for BodyHooks<'_, H> {
    fn paced(&self) -> bool {
        false
    }
    fn operator(&self, _index: u32) -> bool {
        true
    }
    fn element(&self) -> bool {
        true
    }
    fn stop(&self) -> bool {
        self.0.stop()
    }
}
