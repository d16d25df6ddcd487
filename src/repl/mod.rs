//! The interactive REPL. (Placeholder: lands with the REPL.)
