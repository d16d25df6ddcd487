//! Where the REPL's history lives: `$XDG_STATE_HOME/parcalc/history`, by default
//! `~/.local/state/parcalc/history`, and how it is kept readable.
//!
//! This module finds (and creates) the file's folder, and loads and appends the entries through
//! rustyline; a statement typed on several lines is one entry ([`history_entry`]). rustyline
//! reads the file as UTF-8 and gives up on it at the first byte that is not (also when it
//! appends, which reads the file back first): one bad byte would stop the history from ever
//! being saved again. So an entry that is not UTF-8 is dropped from the file, which is written
//! back without it, before loading and whenever appending meets one. A history that cannot be
//! found, read or written is a warning, never a failure: the REPL works without one.

use std::io;
use std::path::{Path, PathBuf};

use rustyline::Editor;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use crate::repl::helper::ReplHelper;
use crate::syntax::lex::{self, TokenKind};

/// Most entries kept.
pub(crate) const MAX_ENTRIES: usize = 1000;

/// The history file for the given `XDG_STATE_HOME` and `HOME` values, or `None` when neither
/// gives an absolute folder.
pub(crate) fn path_from(xdg_state_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    // The XDG specification says relative paths are to be ignored.
    let state = match xdg_state_home {
        Some(dir) if dir.is_absolute() => dir.to_path_buf(),
        _ => home
            .filter(|home| home.is_absolute())?
            .join(".local")
            .join("state"),
    };
    Some(state.join("parcalc").join("history"))
}

/// The history file of this user, its folder created if missing.
pub(crate) fn path() -> Result<PathBuf, String> {
    let xdg = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty());
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty());
    let path = path_from(
        xdg.as_deref().map(Path::new),
        home.as_deref().map(Path::new),
    )
    .ok_or("neither XDG_STATE_HOME nor HOME is set")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    }
    Ok(path)
}

/// Loads the history file at `path` into `editor`, after dropping the entries that are not
/// UTF-8 from it; returns how many were dropped.
pub(crate) fn load(
    editor: &mut Editor<ReplHelper, FileHistory>,
    path: &Path,
) -> Result<usize, String> {
    let dropped = repair(path)
        .map_err(|error| format!("cannot repair the history {}: {error}", path.display()))?;
    editor
        .load_history(path)
        .map_err(|error| format!("cannot read the history {}: {error}", path.display()))?;
    Ok(dropped)
}

/// Appends the entries added since the last save to the history file at `path`; when the file
/// holds an entry that is not UTF-8 (written meanwhile by something else), drops it and tries
/// again.
pub(crate) fn append(
    editor: &mut Editor<ReplHelper, FileHistory>,
    path: &Path,
) -> Result<(), String> {
    let failed = |error: &dyn std::fmt::Display| {
        format!("cannot write the history {}: {error}", path.display())
    };
    match editor.append_history(path) {
        Err(ReadlineError::Io(error)) if error.kind() == io::ErrorKind::InvalidData => {
            repair(path).map_err(|error| failed(&error))?;
            editor.append_history(path).map_err(|error| failed(&error))
        }
        result => result.map_err(|error| failed(&error)),
    }
}

/// Rewrites the history file at `path` without its lines that are not UTF-8, if it has any;
/// returns how many were dropped (0 for a missing file). The new text is written beside the
/// file, with its permissions, and renamed over it, so the history is never half written.
pub(crate) fn repair(path: &Path) -> io::Result<usize> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    if std::str::from_utf8(&bytes).is_ok() {
        return Ok(0);
    }
    let (kept, dropped) = without_invalid_lines(&bytes);
    let mut repaired = path.as_os_str().to_owned();
    repaired.push(".repaired");
    let repaired = PathBuf::from(repaired);
    std::fs::write(&repaired, kept)?;
    std::fs::set_permissions(&repaired, std::fs::metadata(path)?.permissions())?;
    std::fs::rename(&repaired, path)?;
    Ok(dropped)
}

/// The lines of `bytes` that are UTF-8, each with its newline, and how many were not.
fn without_invalid_lines(bytes: &[u8]) -> (Vec<u8>, usize) {
    let mut kept = Vec::with_capacity(bytes.len());
    let mut dropped = 0;
    for line in bytes.split_inclusive(|&byte| byte == b'\n') {
        if std::str::from_utf8(line).is_ok() {
            kept.extend_from_slice(line);
        } else {
            dropped += 1;
        }
    }
    (kept, dropped)
}

/// Finds and loads the history file; any problem is a warning and the REPL runs without it.
pub(crate) fn open_history(editor: &mut Editor<ReplHelper, FileHistory>) -> Option<PathBuf> {
    let path = match path() {
        Ok(path) => path,
        Err(message) => {
            eprintln!("warning: no history: {message}");
            return None;
        }
    };
    if path.exists() {
        match load(editor, &path) {
            Ok(0) => {}
            Ok(dropped) => eprintln!(
                "warning: the history {} had lines that were not UTF-8: {dropped} dropped",
                path.display()
            ),
            Err(message) => eprintln!("warning: {message}"),
        }
    }
    Some(path)
}

/// Adds a statement to the history and appends it to the file at once, so a crash loses
/// nothing. A statement typed on several lines is kept as one entry (see [`history_entry`]).
pub(crate) fn remember(
    editor: &mut Editor<ReplHelper, FileHistory>,
    path: Option<&PathBuf>,
    text: &str,
) {
    let entry = history_entry(text);
    if entry.trim().is_empty() {
        return;
    }
    if editor.add_history_entry(entry).is_err() {
        return;
    }
    if let Some(path) = path
        && let Err(message) = append(editor, path)
    {
        eprintln!("warning: {message}");
    }
}

/// The history entry of a statement typed on several lines: its lines joined by spaces, so it
/// is recalled as one line, except after a line that ends in a comment, which keeps its
/// newline (a comment runs to the end of its line, so a space would comment out the rest).
pub(crate) fn history_entry(text: &str) -> String {
    let mut entry = String::with_capacity(text.len());
    let mut after_comment = false;
    for token in lex::tokens(text) {
        match token.kind {
            TokenKind::Newline if !after_comment => entry.push(' '),
            _ => entry.push_str(token.text(text)),
        }
        if token.kind != TokenKind::Blank {
            after_comment = token.kind == TokenKind::Comment;
        }
    }
    entry
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn history_entries_are_one_line_unless_a_comment_ends_one() {
        assert_eq!(history_entry("(1 + 2\n) * 5"), "(1 + 2 ) * 5");
        assert_eq!(history_entry("(1 + # one\n 2)"), "(1 + # one\n 2)");
        assert_eq!(history_entry("(1 + # one  \n\n 2)"), "(1 + # one  \n  2)");
    }

    #[test]
    fn lines_that_are_not_utf8_are_dropped() {
        let (kept, dropped) = without_invalid_lines(b"#V2\n1 + 1\nbad \xff\n2 + 2\n\xfe");
        assert_eq!(
            (kept.as_slice(), dropped),
            (b"#V2\n1 + 1\n2 + 2\n".as_slice(), 2)
        );
        let (kept, dropped) = without_invalid_lines("é\n".as_bytes());
        assert_eq!((kept.as_slice(), dropped), ("é\n".as_bytes(), 0));
    }

    #[track_caller]
    fn check(xdg: Option<&str>, home: Option<&str>, expected: Option<&str>) {
        assert_eq!(
            path_from(xdg.map(Path::new), home.map(Path::new)),
            expected.map(PathBuf::from)
        );
    }

    #[test]
    fn xdg_first_then_home() {
        check(
            Some("/state"),
            Some("/home/a"),
            Some("/state/parcalc/history"),
        );
        check(
            None,
            Some("/home/a"),
            Some("/home/a/.local/state/parcalc/history"),
        );
        check(
            Some("relative"),
            Some("/home/a"),
            Some("/home/a/.local/state/parcalc/history"),
        );
        check(None, None, None);
        check(None, Some("relative"), None);
    }
}
