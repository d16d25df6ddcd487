//! The integration tests: one binary driving the real `parcalc` executable.

mod repl;
