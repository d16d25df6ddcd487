//! Pieces of a line parsed on the pool and handed over in text order, a bounded window ahead.
//!
//! Both parallel parsers ([`super::chunk`] and [`super::chain`]) cut a line into pieces, parse
//! each piece on its own and join the results in order. [`in_order`] runs the pieces as jobs on
//! the current rayon pool, never more than a window ahead of the piece being joined, and gives
//! them to the joining code in order while later pieces are still being parsed. The joining
//! thread does not sit idle: while the piece it needs is not ready, it runs queued jobs itself
//! (oldest first, so usually the very piece it waits for), and only when none is left does it
//! sleep until a job finishes. So every worker parses, the join overlaps the parsing, and the
//! results waiting to be joined hold at most a window of pieces in memory.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// The results parsed but not yet taken, by piece index; a job that panicked leaves its panic.
struct Slots<T> {
    results: Mutex<Vec<Option<thread::Result<T>>>>,
    ready: Condvar,
}

/// The pieces' results in order; see [`in_order`].
pub(crate) struct Ordered<'a, 'scope, T, W> {
    scope: &'a rayon::ScopeFifo<'scope>,
    slots: &'scope Slots<T>,
    work: &'scope W,
    n: usize,
    /// The next piece to hand over.
    next: usize,
    /// Pieces submitted so far.
    submitted: usize,
    window: usize,
}

impl<'scope, T, W> Ordered<'_, 'scope, T, W>
where
    T: Send + 'scope,
    W: Fn(usize) -> T + Sync + 'scope,
{
    /// Submits pieces until `window` of them are ahead of the next one to hand over.
    fn fill(&mut self) {
        while self.submitted < self.n && self.submitted < self.next + self.window {
            let index = self.submitted;
            let (slots, work) = (self.slots, self.work);
            self.scope.spawn_fifo(move |_| {
                let result = catch_unwind(AssertUnwindSafe(|| work(index)));
                let mut results = slots.results.lock().unwrap_or_else(PoisonError::into_inner);
                results[index] = Some(result);
                slots.ready.notify_all();
            });
            self.submitted += 1;
        }
    }

    /// Waits for piece `index`, running queued jobs meanwhile.
    fn wait(&self, index: usize) -> thread::Result<T> {
        loop {
            let mut results = self
                .slots
                .results
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(result) = results[index].take() {
                return result;
            }
            drop(results);
            if let Some(rayon::Yield::Executed) = rayon::yield_now() {
                continue;
            }
            // Nothing to run here: sleep until some job finishes. The timeout only bounds the
            // wait should a job be queued again meanwhile (it is then run on the next turn).
            let results = self
                .slots
                .results
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if results[index].is_none() {
                let _ = self
                    .slots
                    .ready
                    .wait_timeout(results, Duration::from_millis(1));
            }
        }
    }
}

impl<'scope, T, W> Iterator for Ordered<'_, 'scope, T, W>
where
    T: Send + 'scope,
    W: Fn(usize) -> T + Sync + 'scope,
{
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.next >= self.n {
            return None;
        }
        let result = self.wait(self.next);
        self.next += 1;
        self.fill();
        match result {
            Ok(value) => Some(value),
            // A job's panic is the caller's: it surfaces where the parse was called.
            Err(payload) => resume_unwind(payload),
        }
    }
}

/// Parses pieces `0..n` with `work` on the current rayon pool and lets `join` take their
/// results in order through the iterator it is given. The first pieces are submitted before
/// `join` is called, so it can do work of its own (parse the skeleton) before it takes any.
/// Pieces `join` does not take are not parsed, except those already submitted, which finish
/// (and are dropped) before this returns.
pub(crate) fn in_order<T, W, R>(
    n: usize,
    work: W,
    join: impl FnOnce(&mut dyn Iterator<Item = T>) -> R,
) -> R
where
    T: Send,
    W: Fn(usize) -> T + Sync,
{
    let slots = Slots {
        results: Mutex::new((0..n).map(|_| None).collect()),
        ready: Condvar::new(),
    };
    let window = 2 * rayon::current_num_threads() + 2;
    rayon::in_place_scope_fifo(|scope| {
        let mut ordered = Ordered {
            scope,
            slots: &slots,
            work: &work,
            n,
            next: 0,
            submitted: 0,
            window,
        };
        ordered.fill();
        join(&mut ordered)
    })
}

#[cfg(test)]
mod test {
    use super::in_order;

    /// Piece `index` itself, after work of uneven length, so that pieces finish out of order.
    fn work(index: usize) -> usize {
        for spin in 0..(index * 7919) % 13 * 1000 {
            std::hint::black_box(spin);
        }
        index
    }

    #[test]
    fn results_come_in_order_on_any_pool() {
        for n_threads in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n_threads)
                .build()
                .expect("a pool");
            let got = pool.install(|| in_order(200, work, |results| results.collect::<Vec<_>>()));
            assert_eq!(got, (0..200).collect::<Vec<_>>(), "{n_threads} threads");
        }
        // Outside any pool: the global one.
        let got = in_order(50, work, |results| results.collect::<Vec<_>>());
        assert_eq!(got, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn the_join_may_stop_early_and_never_waits_for_unsubmitted_pieces() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a pool");
        let first =
            pool.install(|| in_order(1_000_000, work, |results| results.take(3).sum::<usize>()));
        assert_eq!(first, 3);
    }

    #[test]
    fn a_panicking_piece_panics_in_the_join() {
        let outcome = std::panic::catch_unwind(|| {
            in_order(
                10,
                |index| {
                    assert!(index != 4, "piece 4 fails");
                    index
                },
                |results| results.collect::<Vec<_>>(),
            )
        });
        assert!(outcome.is_err());
    }
}
