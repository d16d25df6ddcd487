//! The integration tests, in one binary driving the real `parcalc` executable.

mod oracle;
mod repl;
