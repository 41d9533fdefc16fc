//! Diagnostics: what is wrong, where, and how to fix it.
//!
//! Every check collects all of its diagnostics before stopping, so one run of
//! `grantlog check` reports every problem in a program, not the first one.

use crate::source::{SourceMap, Span};
use crate::style::{self, paint, Role};
use serde::Serialize;
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

/// `--allow CODE` / `--allow warnings` and `--deny warnings`, for the whole process (every
/// command and the REPL report through [`apply_policy`]).
static ALLOWED: RwLock<Vec<String>> = RwLock::new(Vec::new());
static DENY_WARNINGS: AtomicBool = AtomicBool::new(false);
/// A warning was reported as an error under `--deny warnings`: the command fails.
static DENIED: AtomicBool = AtomicBool::new(false);

/// Sets what happens to warnings: codes (or `warnings`, all of them) not reported, and
/// whether the others are errors.
pub fn set_warning_policy(allow: &[String], deny_warnings: bool) {
    *ALLOWED.write().unwrap_or_else(|e| e.into_inner()) = allow.to_vec();
    DENY_WARNINGS.store(deny_warnings, Ordering::Relaxed);
}

/// A diagnostic as the policy reports it: `None` when it is an allowed warning, an error
/// when warnings are denied, else itself.
pub fn apply_policy(d: &Diagnostic) -> Option<std::borrow::Cow<'_, Diagnostic>> {
    if d.is_error() {
        return Some(std::borrow::Cow::Borrowed(d));
    }
    let allowed = ALLOWED.read().unwrap_or_else(|e| e.into_inner());
    if allowed.iter().any(|a| a == "warnings" || a == d.code) {
        return None;
    }
    if DENY_WARNINGS.load(Ordering::Relaxed) {
        DENIED.store(true, Ordering::Relaxed);
        let mut e = d.clone();
        e.severity = Severity::Error;
        e.notes
            .push("a warning, denied by --deny warnings (allow it with --allow CODE)".into());
        return Some(std::borrow::Cow::Owned(e));
    }
    Some(std::borrow::Cow::Borrowed(d))
}

/// Whether a warning was reported as an error under `--deny warnings`.
pub fn denied() -> bool {
    DENIED.load(Ordering::Relaxed)
}

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
    /// A place given as file, line and column, for a file that is in no source map
    /// (one that could not be read as text); used only when `span` is `None`.
    pub place: Option<(String, usize, usize)>,
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
            place: None,
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

    /// Located at `file:line:col` of a file not in the source map (see `place`).
    pub fn at_place(mut self, file: impl Into<String>, line: usize, col: usize) -> Self {
        self.place = Some((file.into(), line, col));
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
        let message = one_line(&self.message);
        let _ = writeln!(out, "{head}: {}", paint(&message, Role::Strong, color));
        let look = Look { color, caret: role };
        let label = self.label.as_deref().map(one_line);
        if let Some(span) = self.span.filter(|s| sources.get(s.file).is_some()) {
            render_snippet(&mut out, sources, span, label.as_deref(), "-->", look);
        } else if let (None, Some((file, line, col))) = (self.span, &self.place) {
            let _ = writeln!(
                out,
                " {} {file}:{line}:{col}",
                paint("-->", Role::Frame, color)
            );
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
        let loc = match (self.span, &self.place) {
            (None, Some((file, line, col))) => {
                Some(serde_json::json!({"file": file, "line": line, "column": col}))
            }
            _ => self
                .span
                .filter(|s| sources.get(s.file).is_some())
                .map(|s| {
                    let l = sources.locate(s);
                    serde_json::json!({"file": l.file, "line": l.line, "column": l.col})
                }),
        };
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

/// A message or label on one line: a name holding a line break (a YAML block scalar) or
/// another control character is shown escaped, as in a quoted string, so that it cannot
/// split the report's header.
fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// How a snippet is drawn: in colour or not, and the colour of its caret line.
#[derive(Clone, Copy)]
struct Look {
    color: bool,
    caret: Role,
}
/// Source lines longer than this are shown as a window around the caret: a line of
/// 30,000 characters, once per diagnostic, made `grantlog check` need gigabytes.
pub const MAX_SNIPPET_CHARS: usize = 100;

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
    let _ = writeln!(out, "{pad}{} {loc}", frame(arrow));
    let _ = writeln!(out, "{pad} {}", frame("|"));
    // Underline to the end of the span or the end of the line, whichever is first.
    let (end_line, end_col) = file.line_col(span.end as usize);
    let line_chars = line_text.chars().count();
    let last = if end_line == loc.line {
        end_col
    } else {
        line_chars + 1
    };
    let width = last.saturating_sub(loc.col).max(1);
    let w = Window::around(line_chars, loc.col - 1, width);
    let shown: String = line_text
        .chars()
        .skip(w.from)
        .take(w.to - w.from)
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let (open, close) = (
        if w.from > 0 { "…" } else { "" },
        if w.to < line_chars { "…" } else { "" },
    );
    let _ = writeln!(
        out,
        "{} {open}{shown}{close}",
        frame(&format!("{} |", loc.line))
    );
    // Columns are characters; the caret goes under them in display columns, so that
    // wide characters before or inside the span keep it aligned.
    let before: String = shown.chars().take(loc.col - 1 - w.from).collect();
    let under: String = shown
        .chars()
        .skip(loc.col - 1 - w.from)
        .take(w.caret)
        .collect();
    let mut carets = "^".repeat(style::width(&under).max(1).min(w.caret.max(1) * 2));
    if let Some(l) = label {
        carets.push(' ');
        carets.push_str(l);
    }
    let _ = writeln!(
        out,
        "{pad} {} {}{}",
        frame("|"),
        " ".repeat(style::width(open) + style::width(&before)),
        paint(&carets, look.caret, look.color)
    );
}

/// The characters `[from, to)` of a line shown in a snippet, and the caret's width.
#[derive(Debug, PartialEq, Eq)]
struct Window {
    from: usize,
    to: usize,
    caret: usize,
}

impl Window {
    /// A window of at most [`MAX_SNIPPET_CHARS`] of a line of `len` characters, holding
    /// the caret's start `col` (0-based) and as much of its `width` as fits.
    fn around(len: usize, col: usize, width: usize) -> Window {
        if len <= MAX_SNIPPET_CHARS {
            return Window {
                from: 0,
                to: len,
                caret: width,
            };
        }
        let context = MAX_SNIPPET_CHARS / 4;
        let from = col.saturating_sub(context);
        let to = (from + MAX_SNIPPET_CHARS).min(len).max(col);
        // The caret may point one past the end (a missing `.`): keep it one column wide.
        let caret = width.min(to.saturating_sub(col)).max(1);
        Window { from, to, caret }
    }
}

/// At most [`MAX_PER_FILE`] errors and as many warnings are shown per file; the rest are
/// counted and summed up in one line per file, so a file with thousands of errors is
/// reported in bounded time and memory.
pub const MAX_PER_FILE: usize = 50;

/// Which diagnostics to show under the per-file cap, and what was left out.
#[derive(Default)]
pub struct Cap {
    /// (file name, errors shown, warnings shown, errors left out, warnings left out)
    files: Vec<(String, [usize; 2], [usize; 2])>,
}

impl Cap {
    /// Whether `d` is shown; when not, it is counted as left out.
    pub fn admit(&mut self, d: &Diagnostic, sources: &SourceMap) -> bool {
        let name = d
            .span
            .and_then(|s| sources.get(s.file))
            .map_or("", |f| f.name.as_str());
        let i = match self.files.iter().position(|f| f.0 == name) {
            Some(i) => i,
            None => {
                self.files.push((name.to_string(), [0; 2], [0; 2]));
                self.files.len() - 1
            }
        };
        let k = usize::from(d.is_error());
        let (_, shown, left) = &mut self.files[i];
        if shown[k] < MAX_PER_FILE {
            shown[k] += 1;
            true
        } else {
            left[k] += 1;
            false
        }
    }

    /// How many were left out in all.
    pub fn omitted(&self) -> usize {
        self.files.iter().map(|f| f.2[0] + f.2[1]).sum()
    }

    /// `... and 29950 more errors in t.dl (the first 50 are shown)`, one per file.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (name, _, left) in &self.files {
            for (n, word) in [(left[1], "error"), (left[0], "warning")] {
                if n > 0 {
                    let place = if name.is_empty() {
                        String::new()
                    } else {
                        format!(" in {name}")
                    };
                    let word = if n == 1 {
                        word.to_string()
                    } else {
                        format!("{word}s")
                    };
                    notes.push(format!(
                        "... and {n} more {word}{place} (only the first {MAX_PER_FILE} of each kind are shown per file)"
                    ));
                }
            }
        }
        notes
    }
}

/// Diagnostics in source order under the per-file cap, each rendered and handed to
/// `sink` as soon as it is (no one giant string); returns the cap's notes.
pub fn render_capped(
    diags: &[Diagnostic],
    sources: &SourceMap,
    sink: &mut dyn FnMut(&str),
) -> Vec<String> {
    render_capped_styled(diags, sources, false, sink)
}

/// [`render_capped`], coloured when `color` (the REPL's diagnostics, as `eval`'s).
pub fn render_capped_styled(
    diags: &[Diagnostic],
    sources: &SourceMap,
    color: bool,
    sink: &mut dyn FnMut(&str),
) -> Vec<String> {
    let mut sorted: Vec<std::borrow::Cow<'_, Diagnostic>> =
        diags.iter().filter_map(apply_policy).collect();
    sorted.sort_by_key(|d| d.span.map(|s| (s.file, s.start)));
    let mut cap = Cap::default();
    for d in sorted {
        if cap.admit(&d, sources) {
            sink(&d.render_styled(sources, color));
        }
    }
    cap.notes()
}

/// Render many diagnostics, errors and warnings in source order (at most
/// [`MAX_PER_FILE`] of each kind per file), with a closing count of all of them.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    let notes = render_capped(diags, sources, &mut |text| {
        out.push_str(text);
        out.push('\n');
    });
    for note in notes {
        let _ = writeln!(out, "{note}");
    }
    let kept: Vec<_> = diags.iter().filter_map(apply_policy).collect();
    let errors = kept.iter().filter(|d| d.is_error()).count();
    let warnings = kept.len() - errors;
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

/// Names longer than this get no "did you mean": nothing declared is that long, and
/// comparing a megabyte-long name against every candidate took seconds.
pub const MAX_SUGGEST_CHARS: usize = 256;

/// Closest candidate by edit distance, for "did you mean" help; `None` when nothing is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    closest_within(word, candidates, limit)
}

/// The candidate nearest to `word` at edit distance at most `limit` (ties: the smallest
/// distance, then the first in order of the candidates' text). Bounded work: a word or
/// candidate over [`MAX_SUGGEST_CHARS`] is never matched, and a candidate whose length
/// differs by more than `limit` is skipped without computing its distance.
pub fn closest_within<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Option<&'a str> {
    let w: Vec<char> = word.chars().take(MAX_SUGGEST_CHARS + 1).collect();
    if w.len() > MAX_SUGGEST_CHARS {
        return None;
    }
    candidates
        .into_iter()
        .filter_map(|c| distance_within(&w, c, limit).map(|d| (d, c)))
        .min()
        .map(|(_, c)| c)
}

/// The edit distance of `a` and `b` when it is at most `limit`, else `None`; stops as
/// soon as the length difference or a whole row of the table exceeds the limit.
fn distance_within(a: &[char], b: &str, limit: usize) -> Option<usize> {
    // Most candidates fail on length: reject them before allocating anything (a name has
    // at most as many chars as bytes, and at least a quarter as many). A check naming an
    // unknown constant scans every symbol; with an allocation per symbol, 8 connections
    // of such checks took half the server's CPU.
    if b.len() + limit < a.len() || b.len().div_ceil(4) > a.len() + limit {
        return None;
    }
    let n = b.chars().count();
    if n > MAX_SUGGEST_CHARS || a.len().abs_diff(n) > limit {
        return None;
    }
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        if cur.iter().all(|&d| d > limit) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
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
    fn a_long_line_is_windowed_with_the_caret_under_its_character() {
        let mut sm = SourceMap::new();
        let line = format!("{}edg(X){}", "a".repeat(5_000), "b".repeat(5_000));
        let f = sm.add("long.dl", line);
        let d = Diagnostic::error("E0102", "unknown relation `edg`")
            .at(Span::new(f, 5_000, 5_003))
            .label("not declared");
        let text = d.render(&sm);
        let lines: Vec<&str> = text.lines().collect();
        let (src, caret) = (lines[3], lines[4]);
        assert!(src.chars().count() < MAX_SNIPPET_CHARS + 20, "{src}");
        assert!(src.starts_with("1 | …a") && src.ends_with("b…"), "{src}");
        let at = caret.find('^').expect("caret");
        assert_eq!(
            &src[src.char_indices().nth(at).expect("column").0..][..3],
            "edg",
            "{text}"
        );
        assert!(caret.ends_with("^^^ not declared"), "{caret}");
    }

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(did_you_mean("edg", ["edge", "path"]), Some("edge"));
        assert_eq!(did_you_mean("xyz", ["edge", "path"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn did_you_mean_over_a_megabyte_name_is_quick_and_finds_nothing() {
        let huge = "e".repeat(1 << 20);
        let long_candidate = "e".repeat(1 << 20);
        let started = std::time::Instant::now();
        assert_eq!(did_you_mean(&huge, ["edge", &long_candidate]), None);
        assert_eq!(closest_within(&huge, ["edge", "path"], 2), None);
        assert!(
            started.elapsed().as_millis() < 500,
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn bounded_distance_agrees_with_the_full_one() {
        let words = [
            "",
            "a",
            "edge",
            "edg",
            "egde",
            "path",
            "paths",
            "kitten",
            "sitting",
            // Multi-byte names: the length check before allocating counts bytes.
            "é",
            "ée",
            "édge",
            "日本",
            "日本語",
            "𝔢dge",
            "𝔢𝔡𝔤𝔢",
            "edgé",
        ];
        for a in words {
            for b in words {
                let full = edit_distance(a, b);
                let a: Vec<char> = a.chars().collect();
                for limit in 0..4 {
                    let want = Some(full).filter(|&d| d <= limit);
                    assert_eq!(distance_within(&a, b, limit), want, "{a:?} {b} {limit}");
                }
            }
        }
    }
}
