//! The integration tests, in one binary: the real `parcalc` executable driven as people use
//! it (batch and REPL), and the library checked against `python3`.

mod browser;
mod cli;
mod functions;
mod layers;
mod oracle;
mod parses;
mod policy;
mod program;
mod python;
mod readme;
mod repl;
mod robust;
mod sessions;
mod util;
mod views;
