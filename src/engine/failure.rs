//! Failures and the order they are reported in.
//!
//! A sequential evaluation meets at most one error: the first, in its order. A parallel one may
//! meet several at once, and must report the same one whatever the schedule. Every failure
//! therefore carries a [`Path`], its position in the sequential order: the node that failed,
//! preceded by what encloses it (a statement's index, a reduction's node and the index of the
//! element being reduced, and so on), compared lexicographically. The smallest path wins.
//!
//! Why ids order a sequential evaluation: the arena is in post-order, so outside the bodies a
//! reduction evaluates once per element (which sit under the reduction's own node in a path),
//! the nodes a sequential evaluation meets earlier have smaller ids. A fold's own error (an
//! intermediate result refused) comes after its element's evaluation, [`FOLD`] after every
//! node id; an error known only once the whole range is folded comes after every element.
//!
//! This module only orders failures; the executor decides which tasks still run.

use crate::error::Error;

/// The last component of the path of a fold step's error: after every node of the element.
pub(crate) const FOLD: u64 = u64::MAX;

/// A position in the order of a sequential evaluation (see the module's doc).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Path(Vec<u64>);

impl Path {
    pub(crate) fn node(node: u32) -> Path {
        Path(vec![u64::from(node)])
    }

    #[cfg(test)]
    pub(crate) fn from_parts(parts: &[u64]) -> Path {
        Path(parts.to_vec())
    }

    /// This path below `prefix`.
    pub(crate) fn under(mut self, prefix: &[u64]) -> Path {
        if !prefix.is_empty() {
            self.0.splice(0..0, prefix.iter().copied());
        }
        self
    }

    pub(crate) fn parts(&self) -> &[u64] {
        &self.0
    }

    /// The first component: the statement's index, once the executor has put it there.
    pub(crate) fn head(&self) -> u64 {
        self.0.first().copied().unwrap_or(0)
    }
}

/// An error and where, in the sequential order, it was raised. The error is boxed: a failure
/// travels in the `Err` of every evaluation step, which then stays small on the common path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Failure {
    pub(crate) path: Path,
    pub(crate) error: Box<Error>,
}

impl Failure {
    /// An error raised at `node`.
    pub(crate) fn at(node: u32, error: Error) -> Failure {
        Failure {
            path: Path::node(node),
            error: Box::new(error),
        }
    }

    /// An error raised by the fold of element `element` of the reduction at `node`.
    pub(crate) fn in_fold(node: u32, element: u64, error: Error) -> Failure {
        Failure {
            path: Path(vec![u64::from(node), element, FOLD]),
            error: Box::new(error),
        }
    }

    /// An error raised once every element of the reduction at `node` has been folded.
    pub(crate) fn after_elements(node: u32, error: Error) -> Failure {
        Failure {
            path: Path(vec![u64::from(node), FOLD]),
            error: Box::new(error),
        }
    }

    /// This failure, inside element `element` of the reduction at `node`.
    pub(crate) fn in_element(self, node: u32, element: u64) -> Failure {
        Failure {
            path: self.path.under(&[u64::from(node), element]),
            error: self.error,
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn paths_order_as_a_sequential_evaluation() {
        // A node before a reduction, the reduction's third element, its fourth, the fold after
        // the fourth element, the end of the reduction, a node after it.
        let ordered = [
            Path::node(3),
            Path::from_parts(&[7, 2, 5]),
            Path::from_parts(&[7, 3, 1]),
            Path::from_parts(&[7, 3, FOLD]),
            Path::from_parts(&[7, FOLD]),
            Path::node(8),
        ];
        for pair in ordered.windows(2) {
            assert!(pair[0] < pair[1], "{:?} < {:?}", pair[0], pair[1]);
        }
        assert_eq!(Path::node(2).under(&[1]), Path::from_parts(&[1, 2]));
    }
}
