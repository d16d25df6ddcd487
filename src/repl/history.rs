//! Where the REPL's history lives: `$XDG_STATE_HOME/parcalc/history`, by default
//! `~/.local/state/parcalc/history`, and how it is kept readable.
//!
//! This module finds (and creates) the file's folder, and loads and appends the entries through
//! rustyline. rustyline reads the file as UTF-8 and gives up on it at the first byte that is
//! not (also when it appends, which reads the file back first): one bad byte would stop the
//! history from ever being saved again. So an entry that is not UTF-8 is dropped from the file,
//! which is written back without it, before loading and whenever appending meets one. A
//! history that cannot be found, read or written is a warning, never a failure: the REPL works
//! without one.

use std::io;
use std::path::{Path, PathBuf};

use rustyline::Editor;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use crate::repl::helper::ReplHelper;

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

#[cfg(test)]
mod test {
    use super::*;

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
