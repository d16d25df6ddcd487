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
//!
//! The pieces need not be known at the start: [`streamed`] lets the joining code add them as it
//! finds them ([`Feed::push`]), with a wider window meanwhile, so the chunk parser's scan of a
//! line and the parsing of the groups it has found so far run at the same time.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// The results parsed but not yet taken, by piece index; a job that panicked leaves its panic.
struct Slots<T> {
    results: Mutex<Vec<Option<thread::Result<T>>>>,
    ready: Condvar,
}

/// The pieces' results in order, and more pieces as the caller finds them: what [`streamed`]
/// gives its `join`.
pub(crate) trait Feed<P, T>: Iterator<Item = T> {
    /// Adds a piece after those given so far. It is parsed as soon as it is at most `ahead`
    /// pieces past the next one to hand over: while the caller is still finding pieces and
    /// takes none, a window wider than the join's keeps the other workers busy.
    fn push(&mut self, piece: P, ahead: usize);
}

/// See [`Feed`] and [`in_order`].
struct Ordered<'a, 'scope, P, T, W> {
    scope: &'a rayon::ScopeFifo<'scope>,
    slots: &'scope Slots<T>,
    work: &'scope W,
    pieces: Vec<P>,
    /// The next piece to hand over.
    next: usize,
    /// Pieces submitted so far.
    submitted: usize,
    window: usize,
}

impl<'scope, P, T, W> Ordered<'_, 'scope, P, T, W>
where
    P: Copy + Send + 'scope,
    T: Send + 'scope,
    W: Fn(P) -> T + Sync + 'scope,
{
    /// Submits pieces until `window` of them are ahead of the next one to hand over.
    fn fill(&mut self, window: usize) {
        while self.submitted < self.pieces.len() && self.submitted < self.next + window {
            let (index, piece) = (self.submitted, self.pieces[self.submitted]);
            let (slots, work) = (self.slots, self.work);
            self.scope.spawn_fifo(move |_| {
                let result = catch_unwind(AssertUnwindSafe(|| work(piece)));
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

impl<'scope, P, T, W> Iterator for Ordered<'_, 'scope, P, T, W>
where
    P: Copy + Send + 'scope,
    T: Send + 'scope,
    W: Fn(P) -> T + Sync + 'scope,
{
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if self.next >= self.pieces.len() {
            return None;
        }
        let result = self.wait(self.next);
        self.next += 1;
        self.fill(self.window);
        match result {
            Ok(value) => Some(value),
            // A job's panic is the caller's: it surfaces where the parse was called.
            Err(payload) => resume_unwind(payload),
        }
    }
}

impl<'scope, P, T, W> Feed<P, T> for Ordered<'_, 'scope, P, T, W>
where
    P: Copy + Send + 'scope,
    T: Send + 'scope,
    W: Fn(P) -> T + Sync + 'scope,
{
    fn push(&mut self, piece: P, ahead: usize) {
        self.slots
            .results
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(None);
        self.pieces.push(piece);
        self.fill(ahead.max(self.window));
    }
}

/// Parses pieces `0..n` with `work` on the current rayon pool and lets `join` take their
/// results in order through the iterator it is given; see [`streamed`].
pub(crate) fn in_order<T, W, R>(
    n: usize,
    work: W,
    join: impl FnOnce(&mut dyn Iterator<Item = T>) -> R,
) -> R
where
    T: Send,
    W: Fn(usize) -> T + Sync,
{
    streamed((0..n).collect(), work, |feed| join(feed))
}

/// Parses `pieces`, and those `join` adds with [`Feed::push`], with `work` on the current
/// rayon pool, and lets `join` take their results in order through the same [`Feed`]. The
/// first pieces are submitted before `join` is called, so it can do work of its own (find more
/// pieces, parse the skeleton) before it takes any. Pieces `join` does not take are not
/// parsed, except those already submitted, which finish (and are dropped) before this returns.
pub(crate) fn streamed<P, T, W, R>(
    pieces: Vec<P>,
    work: W,
    join: impl FnOnce(&mut dyn Feed<P, T>) -> R,
) -> R
where
    P: Copy + Send,
    T: Send,
    W: Fn(P) -> T + Sync,
{
    let slots = Slots {
        results: Mutex::new((0..pieces.len()).map(|_| None).collect()),
        ready: Condvar::new(),
    };
    let window = 2 * rayon::current_num_threads() + 2;
    rayon::in_place_scope_fifo(|scope| {
        let mut ordered = Ordered {
            scope,
            slots: &slots,
            work: &work,
            pieces,
            next: 0,
            submitted: 0,
            window,
        };
        ordered.fill(window);
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

    fn pool(n_threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n_threads)
            .build()
            .expect("a pool")
    }

    #[test]
    fn results_come_in_order_on_any_pool() {
        for n_threads in [1, 2, 4] {
            let got = pool(n_threads)
                .install(|| in_order(200, work, |results| results.collect::<Vec<_>>()));
            assert_eq!(got, (0..200).collect::<Vec<_>>(), "{n_threads} threads");
        }
        // Outside any pool: the global one.
        let got = in_order(50, work, |results| results.collect::<Vec<_>>());
        assert_eq!(got, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn pieces_pushed_by_the_join_come_in_order_after_the_first() {
        for n_threads in [1, 2, 4] {
            let got = pool(n_threads).install(|| {
                super::streamed(vec![0, 1], work, |feed| {
                    // Some pushed far ahead of what the join takes, some within its window.
                    for piece in 2..100 {
                        feed.push(piece, 1 + piece % 40);
                    }
                    let mut taken: Vec<usize> = feed.take(50).collect();
                    for piece in 100..150 {
                        feed.push(piece, 0);
                    }
                    taken.extend(feed);
                    taken
                })
            });
            assert_eq!(got, (0..150).collect::<Vec<_>>(), "{n_threads} threads");
        }
    }

    #[test]
    fn the_join_may_stop_early_and_never_waits_for_unsubmitted_pieces() {
        let first =
            pool(1).install(|| in_order(1_000_000, work, |results| results.take(3).sum::<usize>()));
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
