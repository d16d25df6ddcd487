//! Drawing: errors with carets, Gantt charts, trees, figures. The only module that makes text
//! for people out of data.

pub mod diagnostic;

/// Whether output may use colour: decided once at start-up, passed down as a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Always,
    Never,
}

impl Color {
    pub fn enabled(self) -> bool {
        self == Color::Always
    }

    /// Colour when the stream is a terminal, `NO_COLOR` is unset and `--no-color` not given.
    pub fn detect(is_terminal: bool, no_color_flag: bool) -> Color {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if is_terminal && !no_color_flag && !no_color_env {
            Color::Always
        } else {
            Color::Never
        }
    }
}
