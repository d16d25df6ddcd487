//! Reductions: `sum`, `prod`, `min` and `max` of a generator or a `range`, as Python folds
//! them, cut into chunks that can be folded apart and combined afterwards.
//!
//! `range` computes a range's length and elements (and folds a plain range by formula where
//! one applies); `fold` is Python's fold with the size guard's rule for reductions, and the
//! partial results of chunks with how two neighbours combine; `small` compiles an integer body
//! to a loop on machine integers; `chunk` maps and folds one chunk. The schedule (which chunk
//! runs where, the tree of combines) is the executor's: nothing here knows threads.

pub(crate) mod chunk;
pub(crate) mod fold;
pub(crate) mod range;
pub(crate) mod small;
