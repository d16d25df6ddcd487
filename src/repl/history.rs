//! Where the REPL's history lives: `$XDG_STATE_HOME/parcalc/history`, by default
//! `~/.local/state/parcalc/history`.
//!
//! This module only finds (and creates) the file's folder; rustyline reads and appends the
//! entries. A history that cannot be found, read or written is a warning, never a failure: the
//! REPL works without one.

use std::path::{Path, PathBuf};

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

#[cfg(test)]
mod test {
    use super::*;

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
