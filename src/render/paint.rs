//! Colour as a value: text wrapped in ANSI escapes when [`Color::Always`], left plain otherwise.
//!
//! The escapes are `colored`'s: a [`Style`] becomes a `ColoredString`. `colored` decides at
//! display time from a process-wide switch (set from whether stdout is a terminal and from
//! `NO_COLOR` / `CLICOLOR_FORCE`), so the same renderer would draw differently in a test, in a
//! pipe and in a terminal; parcalc decides colour once and passes it down. So a `ColoredString`
//! is made only when the [`Color`] passed says colour, with the switch forced on: plain text
//! never goes through `colored`, and coloured text always comes out coloured.

use std::fmt::Write;

use colored::Colorize;

use super::Color;

pub(crate) use colored::Color as Hue;

/// An optional foreground and background, and the attributes bold, dimmed and underlined.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Style {
    pub(crate) fg: Option<Hue>,
    pub(crate) bg: Option<Hue>,
    pub(crate) bold: bool,
    pub(crate) dimmed: bool,
    pub(crate) underline: bool,
}

impl Style {
    /// No colour and no attribute: the text as it is.
    pub(crate) const PLAIN: Style = Style {
        fg: None,
        bg: None,
        bold: false,
        dimmed: false,
        underline: false,
    };

    pub(crate) const fn fg(hue: Hue) -> Style {
        Style {
            fg: Some(hue),
            ..Style::PLAIN
        }
    }

    pub(crate) const fn on(fg: Hue, bg: Hue) -> Style {
        Style {
            fg: Some(fg),
            bg: Some(bg),
            ..Style::PLAIN
        }
    }

    pub(crate) const fn bold(self) -> Style {
        Style { bold: true, ..self }
    }

    pub(crate) const fn dimmed(self) -> Style {
        Style {
            dimmed: true,
            ..self
        }
    }

    pub(crate) const fn underline(self) -> Style {
        Style {
            underline: true,
            ..self
        }
    }
}

/// Appends `text` to `out`, in `style` when `color` is enabled.
pub(crate) fn push(out: &mut String, text: &str, style: Style, color: Color) {
    if !color.enabled() || text.is_empty() || style == Style::PLAIN {
        out.push_str(text);
        return;
    }
    // Only coloured text reaches `colored`: its switch says yes, whatever it guessed.
    colored::control::set_override(true);
    let mut painted = text.normal();
    if let Some(fg) = style.fg {
        painted = painted.color(fg);
    }
    if let Some(bg) = style.bg {
        painted = painted.on_color(bg);
    }
    if style.bold {
        painted = painted.bold();
    }
    if style.dimmed {
        painted = painted.dimmed();
    }
    if style.underline {
        painted = painted.underline();
    }
    let _ = write!(out, "{painted}");
}

/// `text` in `style` when `color` is enabled.
pub(crate) fn paint(text: &str, style: Style, color: Color) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    push(&mut out, text, style, color);
    out
}

/// Removes ANSI escape sequences: what a reader without colour sees.
#[cfg(test)]
pub(crate) fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn colour_only_when_asked() {
        let style = Style::on(Hue::Black, Hue::Red).bold();
        let paint = |text: &str, color: Color| {
            let mut out = String::new();
            push(&mut out, text, style, color);
            out
        };
        assert_eq!(paint("#7", Color::Never), "#7");
        let coloured = paint("#7", Color::Always);
        assert_eq!(coloured, "\x1b[1;41;30m#7\x1b[0m");
        assert_eq!(strip_ansi(&coloured), "#7");
        assert_eq!(paint("", Color::Always), "");
    }
}
