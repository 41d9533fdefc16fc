//! Diagnostics: what is wrong, where, and how to fix it.
//!
//! Every check collects all of its diagnostics before stopping, so one run of
//! `grantlog check` reports every problem in a program, not the first one.

use crate::source::{SourceMap, Span};
use crate::style::{self, paint, Role};
use serde::Serialize;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem, located. `code` is stable so tests and tools can match on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub span: Option<Span>,
    /// Short text shown under the caret.
    pub label: Option<String>,
    /// Other places that matter (e.g. the earlier definition of a duplicate).
    pub related: Vec<(Span, String)>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            related: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn related(mut self, span: Span, text: impl Into<String>) -> Self {
        self.related.push((span, text.into()));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Render as a terminal report:
    ///
    /// ```text
    /// error[E0102]: unknown relation `edg`
    ///  --> prog.dl:3:12
    ///   |
    /// 3 | path(X, Y) :- edg(X, Y).
    ///   |               ^^^ not declared
    ///   = help: did you mean `edge`?
    /// ```
    pub fn render(&self, sources: &SourceMap) -> String {
        self.render_styled(sources, false)
    }

    /// [`Diagnostic::render`], coloured when `color` (see [`crate::style`]).
    pub fn render_styled(&self, sources: &SourceMap, color: bool) -> String {
        let mut out = String::new();
        let (kind, role) = match self.severity {
            Severity::Error => ("error", Role::Error),
            Severity::Warning => ("warning", Role::Warning),
        };
        let head = paint(&format!("{kind}[{}]", self.code), role, color);
        let _ = writeln!(out, "{head}: {}", paint(&self.message, Role::Strong, color));
        let look = Look { color, caret: role };
        if let Some(span) = self.span.filter(|s| sources.get(s.file).is_some()) {
            render_snippet(&mut out, sources, span, self.label.as_deref(), "-->", look);
        }
        for (span, text) in &self.related {
            if sources.get(span.file).is_some() {
                let look = Look {
                    color,
                    caret: Role::Frame,
                };
                render_snippet(&mut out, sources, *span, Some(text), ":::", look);
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = {}: {help}", paint("help", Role::Help, color));
        }
        for note in &self.notes {
            let _ = writeln!(out, "  = note: {note}");
        }
        out
    }

    /// A JSON object for `--format json`: the location is resolved to file/line/column.
    pub fn to_json(&self, sources: &SourceMap) -> serde_json::Value {
        let loc = self
            .span
            .filter(|s| sources.get(s.file).is_some())
            .map(|s| {
                let l = sources.locate(s);
                serde_json::json!({"file": l.file, "line": l.line, "column": l.col})
            });
        serde_json::json!({
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "location": loc,
            "label": self.label,
            "help": self.help,
            "notes": self.notes,
        })
    }
}

/// How a snippet is drawn: in colour or not, and the colour of its caret line.
#[derive(Clone, Copy)]
struct Look {
    color: bool,
    caret: Role,
}

fn render_snippet(
    out: &mut String,
    sources: &SourceMap,
    span: Span,
    label: Option<&str>,
    arrow: &str,
    look: Look,
) {
    let loc = sources.locate(span);
    let file = sources.file(span.file);
    let line_text = file.line_text(loc.line);
    let gutter = loc.line.to_string().len();
    let pad = " ".repeat(gutter);
    let frame = |s: &str| paint(s, Role::Frame, look.color);
    let _ = writeln!(out, "{}{} {loc}", pad, frame(arrow));
    let _ = writeln!(out, "{pad} {}", frame("|"));
    let shown = line_text.replace('\t', " ");
    let _ = writeln!(out, "{} {shown}", frame(&format!("{} |", loc.line)));
    // Underline to the end of the span or the end of the line, whichever is first.
    let (end_line, end_col) = file.line_col(span.end as usize);
    let line_chars = line_text.chars().count();
    let last = if end_line == loc.line {
        end_col
    } else {
        line_chars + 1
    };
    // Columns are characters; the caret goes under them in display columns, so that
    // wide characters before or inside the span keep it aligned.
    let before: String = shown.chars().take(loc.col - 1).collect();
    let under: String = shown
        .chars()
        .skip(loc.col - 1)
        .take(last.saturating_sub(loc.col))
        .collect();
    let width = style::width(&under).max(1);
    let mut carets = "^".repeat(width);
    if let Some(l) = label {
        carets.push(' ');
        carets.push_str(l);
    }
    let _ = writeln!(
        out,
        "{pad} {} {}{}",
        frame("|"),
        " ".repeat(style::width(&before)),
        paint(&carets, look.caret, look.color)
    );
}

/// Render many diagnostics, errors and warnings in source order, with a closing count.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
    sorted.sort_by_key(|d| d.span.map(|s| (s.file, s.start)));
    let mut out = String::new();
    for d in &sorted {
        out.push_str(&d.render(sources));
        out.push('\n');
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if errors > 0 {
        let _ = writeln!(out, "{}", error_count(errors, warnings));
    }
    out
}

/// `1 error, 2 warnings`: the closing line of a report.
pub fn error_count(errors: usize, warnings: usize) -> String {
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Closest candidate by edit distance, for "did you mean" help; `None` when nothing is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_caret_and_help() {
        let mut sm = SourceMap::new();
        let f = sm.add("prog.dl", "edge(a, b).\npath(X, Y) :- edg(X, Y).\n");
        let d = Diagnostic::error("E0102", "unknown relation `edg`")
            .at(Span::new(f, 26, 29))
            .label("not declared")
            .help("did you mean `edge`?");
        let text = d.render(&sm);
        assert!(text.contains("--> prog.dl:2:15"), "{text}");
        assert!(text.contains("2 | path(X, Y) :- edg(X, Y)."), "{text}");
        assert!(
            text.contains("  |               ^^^ not declared"),
            "{text}"
        );
        assert!(text.contains("= help: did you mean `edge`?"), "{text}");
    }

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(did_you_mean("edg", ["edge", "path"]), Some("edge"));
        assert_eq!(did_you_mean("xyz", ["edge", "path"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
