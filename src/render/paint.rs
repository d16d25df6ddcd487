//! Colour as a value: text wrapped in ANSI escapes when [`Color::Always`], left plain otherwise.
//!
//! `colored`'s own `ColoredString` decides at display time from a process-wide switch (set from
//! whether stdout is a terminal and from `NO_COLOR` / `CLICOLOR_FORCE`), so the same renderer
//! would draw differently in a test, in a pipe and in a terminal. parcalc decides colour once
//! and passes it down, so this module takes only `colored`'s table of colours (the SGR codes of
//! [`colored::Color`]) and writes the escapes itself. It never reads or sets the global switch.

use std::fmt::Write;

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
    if !color.enabled() || text.is_empty() {
        out.push_str(text);
        return;
    }
    let mut codes: Vec<String> = Vec::with_capacity(5);
    for (on, code) in [
        (style.bold, "1"),
        (style.dimmed, "2"),
        (style.underline, "4"),
    ] {
        if on {
            codes.push(code.to_string());
        }
    }
    if let Some(bg) = style.bg {
        codes.push(bg.to_bg_str().into_owned());
    }
    if let Some(fg) = style.fg {
        codes.push(fg.to_fg_str().into_owned());
    }
    if codes.is_empty() {
        out.push_str(text);
        return;
    }
    let _ = write!(out, "\x1b[{}m{text}\x1b[0m", codes.join(";"));
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
