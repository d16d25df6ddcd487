//! Byte ranges into the source text (the window of a line an error quotes is drawn by
//! `render::diagnostic`).
//!
//! A [`Span`] is two `u32` offsets: inputs are capped far below 4 GiB, and the spans of a
//! 2M-node tree stay small. This module does not draw carets; `render::diagnostic` does.

/// A half-open byte range `start..end` into the text of one statement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}
