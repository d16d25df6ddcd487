//! The interactive REPL. (Placeholder: lands with the REPL.)

use std::process::ExitCode;

use crate::render::Color;
use crate::session::Session;

/// Runs the REPL on the terminal until `:quit` or Ctrl-D.
pub fn run(session: Session, color: Color) -> ExitCode {
    let _ = (session, color);
    eprintln!("error: the interactive REPL is not available yet; use -e EXPR or a FILE");
    ExitCode::from(2)
}
