//! The values of a tree's names, as an evaluation reads them.
//!
//! A tree lists its names once (`Ast::names`); a `Node::Name` is an index into that list. An
//! [`Env`] gives the value of each, or nothing for a name without one, which is an error only
//! where the name is read (as in Python: `x if True else undefined` is `x`). Three shapes
//! implement it: a plain slice when every name is known before the evaluation starts, a slice
//! of options, and a slice of cells that a program fills as the statements binding the names
//! end (a task reads a cell only after the statement it waits for has resolved it).

use std::sync::OnceLock;

use crate::num::Value;

/// The values of a tree's names, by index.
pub(crate) trait Env: Sync {
    /// The value of name `index`; `None` when it has none.
    fn get(&self, index: u32) -> Option<&Value>;

    /// How many user-function calls are open where these names are read: 0 in a statement.
    fn call_depth(&self) -> u32 {
        0
    }
}

impl Env for [Value] {
    #[inline]
    fn get(&self, index: u32) -> Option<&Value> {
        <[Value]>::get(self, index as usize)
    }
}

impl Env for [Option<Value>] {
    #[inline]
    fn get(&self, index: u32) -> Option<&Value> {
        <[Option<Value>]>::get(self, index as usize)?.as_ref()
    }
}

impl Env for [OnceLock<Option<Value>>] {
    #[inline]
    fn get(&self, index: u32) -> Option<&Value> {
        <[OnceLock<Option<Value>>]>::get(self, index as usize)?
            .get()?
            .as_ref()
    }
}
