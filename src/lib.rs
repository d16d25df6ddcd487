//! parcalc: a calculator in which every evaluation is a small parallel program.
//!
//! The pipeline, one module per stage: `syntax` (the only module that knows pest) parses a line
//! into a [`ast::Statement`], an arena of nodes in post-order; `engine` evaluates that arena on a
//! rayon-backed [`engine::Pool`], submitting each operator as a task once its operands are
//! ready, with `num` doing `CPython`'s arithmetic on arbitrary-size integers and floats; every
//! evaluation leaves a [`trace::Trace`]; `render` draws traces, trees and errors; `session`
//! holds variables and settings between lines; `repl` and `cli` are the two front doors.
//!
//! The library never prints: it returns values, traces and errors, and the front doors decide
//! where text goes.

// The parser that pest derives without its `std` feature refers to `::alloc::boxed::Box`.
extern crate alloc;

pub mod ast;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod input;
pub mod num;
pub mod ops;
pub mod plan;
pub mod present;
pub mod render;
pub(crate) mod repl;
pub mod session;
pub(crate) mod settings;
pub mod span;
pub(crate) mod suggest;
pub mod syntax;
pub mod trace;
pub(crate) mod units;
