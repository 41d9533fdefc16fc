//! Colour in terminal output, done once: `--color auto|always|never`, `NO_COLOR` and
//! `CLICOLOR_FORCE` honoured (via `anstyle-query`), and a terminal check per stream.
//! Everything that colours asks [`enabled`] and paints with [`paint`]; nothing else
//! writes escape codes.

use anstyle::{AnsiColor, Effects, Style};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    Always,
    Never,
}

static CHOICE: AtomicU8 = AtomicU8::new(0);

/// Set once, from the command line.
pub fn set(choice: ColorChoice) {
    CHOICE.store(choice as u8, Ordering::Relaxed);
}

fn choice() -> ColorChoice {
    match CHOICE.load(Ordering::Relaxed) {
        1 => ColorChoice::Always,
        2 => ColorChoice::Never,
        _ => ColorChoice::Auto,
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Should output to `stream` be coloured?
pub fn enabled(stream: Stream) -> bool {
    match choice() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if anstyle_query::no_color() {
                return false;
            }
            if anstyle_query::clicolor_force() {
                return true;
            }
            let terminal = match stream {
                Stream::Stdout => std::io::stdout().is_terminal(),
                Stream::Stderr => std::io::stderr().is_terminal(),
            };
            terminal && anstyle_query::term_supports_color()
        }
    }
}

/// What a piece of text is, for its colour.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Error,
    Warning,
    /// Gutters, arrows and line numbers of a snippet.
    Frame,
    Help,
    Strong,
    Prompt,
    Keyword,
    Relation,
    Variable,
    String,
    Number,
    Comment,
}

fn style(role: Role) -> Style {
    let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match role {
        Role::Error => fg(AnsiColor::Red).effects(Effects::BOLD),
        Role::Warning => fg(AnsiColor::Yellow).effects(Effects::BOLD),
        Role::Frame => fg(AnsiColor::Blue).effects(Effects::BOLD),
        Role::Help => fg(AnsiColor::Cyan),
        Role::Strong => Style::new().effects(Effects::BOLD),
        Role::Prompt => fg(AnsiColor::Green).effects(Effects::BOLD),
        Role::Keyword => fg(AnsiColor::Magenta).effects(Effects::BOLD),
        Role::Relation => fg(AnsiColor::Cyan),
        Role::Variable => fg(AnsiColor::Yellow),
        Role::String => fg(AnsiColor::Green),
        Role::Number => fg(AnsiColor::Blue),
        Role::Comment => Style::new().effects(Effects::DIMMED),
    }
}

/// `text` in the colour of `role` when `on`, else unchanged.
pub fn paint(text: &str, role: Role, on: bool) -> String {
    if !on || text.is_empty() {
        return text.to_string();
    }
    let s = style(role);
    format!("{}{text}{}", s.render(), s.render_reset())
}

/// Display width of `text` in terminal columns (wide CJK characters count two,
/// combining marks none), so that carets and table columns line up.
pub fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` without the escape sequences [`paint`] adds: what a terminal shows, as text.
pub fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // An SGR sequence ends at its `m`.
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
