//! The canonical layout, computed from the token stream alone.
//!
//! Formatting only ever changes whitespace: every token (comments included) is copied
//! from the source byte for byte, so formatted text lexes to the same tokens and means
//! the same. What changes:
//! - horizontal space: one space between tokens, none before `,` `)` `.` `:` or after
//!   `(` `!` `@`, none between a name and its `(`; trailing whitespace removed;
//! - line breaks: each statement starts on a new line; inside a statement the author's
//!   line breaks are kept (blank lines inside are dropped) with a fixed continuation
//!   indent; at most one blank line between statements, none at the start or end;
//! - indentation: statements of a `.test` body by two spaces; a comment takes the
//!   indentation of what follows it;
//! - alignment (fact and test files): consecutive one-line statements of the same shape
//!   (same first word, same number of words) are aligned in columns, and trailing
//!   comments of consecutive lines start in one column.
//!
//! Every choice depends on tokens and line breaks, never on the spaces found, so
//! formatting twice gives the same text.

use super::Lang;
use crate::syntax::lexer::Token;
use logos::Logos;

/// A token with its source text and how many line breaks precede it.
struct Tok<'a> {
    text: &'a str,
    kind: Kind,
    breaks: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Comment,
    Name,
    Open,
    Close,
    Comma,
    Dot,
    Colon,
    Bang,
    At,
    Other,
}

fn kind(t: &Token) -> Kind {
    match t {
        Token::Comment | Token::DocComment(_) => Kind::Comment,
        Token::Lower(_) | Token::Upper(_) | Token::Underscore => Kind::Name,
        Token::LParen => Kind::Open,
        Token::RParen => Kind::Close,
        Token::Comma => Kind::Comma,
        Token::Dot => Kind::Dot,
        Token::Colon => Kind::Colon,
        Token::Bang => Kind::Bang,
        Token::At => Kind::At,
        _ => Kind::Other,
    }
}

fn tokens(text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut lexer = Token::lexer(text);
    let mut last_end = 0;
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        let gap = &text[last_end..span.start];
        last_end = span.end;
        // The caller formats only text that parsed, so no token fails to lex.
        let Ok(tok) = result else { continue };
        out.push(Tok {
            text: text[span].trim_end(),
            kind: kind(&tok),
            breaks: gap.matches('\n').count(),
        });
    }
    out
}

/// One output line: indentation, words (tokens glued without spaces), trailing comment.
#[derive(Default)]
struct Line {
    indent: usize,
    words: Vec<String>,
    comment: Option<String>,
    blank_before: bool,
    /// A line holding only a comment.
    comment_line: bool,
    /// A whole statement on this one line (candidate for column alignment).
    whole: bool,
}

impl Line {
    fn code_width(&self) -> usize {
        let words: usize = self.words.iter().map(|w| w.chars().count()).sum();
        self.indent + words + self.words.len().saturating_sub(1)
    }
}

/// No space between `prev` and `next` on one line.
fn glued(prev: &Tok, next: &Tok, lang: Lang) -> bool {
    match next.kind {
        Kind::Comma | Kind::Close | Kind::Dot | Kind::Colon => return true,
        // `p(X)`, but `yields (a, b)` in tests.
        Kind::Open => {
            return prev.kind == Kind::Name && !(lang == Lang::Test && prev.text == "yields")
        }
        _ => {}
    }
    matches!(prev.kind, Kind::Open | Kind::Bang | Kind::At)
}

/// Where the layout is in the token stream.
struct State<'a> {
    lines: Vec<Line>,
    /// The first token of the statement being laid out (`None` between statements).
    statement: Option<&'a str>,
    colons: usize,
    depth: usize,
    in_test_body: bool,
    indent: usize,
}

/// Format `text` (already known to parse in `lang`).
pub fn layout(text: &str, lang: Lang) -> String {
    let toks = tokens(text);
    let continuation = match lang {
        Lang::Rules => 4,
        Lang::Facts | Lang::Test => 2,
    };
    let mut st = State {
        lines: Vec::new(),
        statement: None,
        colons: 0,
        depth: 0,
        in_test_body: false,
        indent: 0,
    };
    for (i, t) in toks.iter().enumerate() {
        let first = st.lines.is_empty();
        if t.kind == Kind::Comment {
            let trailing = t.breaks == 0
                && st
                    .lines
                    .last()
                    .is_some_and(|l| !l.comment_line && l.comment.is_none());
            if trailing {
                st.lines.last_mut().expect("a line").comment = Some(t.text.to_string());
                continue;
            }
            let indent = match st.statement {
                None => indent_of_next(&toks[i + 1..], lang, st.in_test_body),
                Some(_) => st.indent + continuation,
            };
            st.lines.push(Line {
                indent,
                words: vec![t.text.to_string()],
                blank_before: !first && t.breaks >= 2 && st.statement.is_none(),
                comment_line: true,
                ..Line::default()
            });
            continue;
        }
        match st.statement {
            None => {
                if lang == Lang::Test && t.text == "test" {
                    st.in_test_body = true;
                    st.indent = 0;
                } else {
                    st.indent = if st.in_test_body { 2 } else { 0 };
                }
                st.lines.push(Line {
                    indent: st.indent,
                    words: vec![t.text.to_string()],
                    blank_before: !first && t.breaks >= 2,
                    whole: true,
                    ..Line::default()
                });
                st.statement = Some(t.text);
                st.colons = 0;
            }
            Some(_) => {
                let prev = &toks[i - 1];
                let open_line = st
                    .lines
                    .last()
                    .is_some_and(|l| !l.comment_line && l.comment.is_none());
                if t.breaks > 0 || !open_line {
                    mark_partial(&mut st.lines);
                    st.lines.push(Line {
                        indent: st.indent + continuation,
                        words: vec![t.text.to_string()],
                        ..Line::default()
                    });
                } else {
                    let line = st.lines.last_mut().expect("a line");
                    if glued(prev, t, lang) {
                        line.words.last_mut().expect("a word").push_str(t.text);
                    } else {
                        line.words.push(t.text.to_string());
                    }
                }
            }
        }
        match t.kind {
            Kind::Open => st.depth += 1,
            Kind::Close => st.depth = st.depth.saturating_sub(1),
            _ => {}
        }
        // A test header `test NAME "description":` ends at its first colon.
        let header_end = lang == Lang::Test
            && t.kind == Kind::Colon
            && st.statement == Some("test")
            && st.colons == 0;
        if t.kind == Kind::Colon {
            st.colons += 1;
        }
        // `@name` stands on its own line before its rule.
        let rule_name = st.statement == Some("@") && t.kind == Kind::Name;
        // `.decl name(columns)` and `.decl name` have no closing `.` (one is allowed).
        let next = toks[i + 1..]
            .iter()
            .find(|n| n.kind != Kind::Comment)
            .map(|n| n.kind);
        let decl_end = st.statement == Some(".decl")
            && next != Some(Kind::Dot)
            && match t.kind {
                Kind::Close => true,
                Kind::Name => {
                    st.lines.last().is_some_and(|l| l.words.len() == 2) && next != Some(Kind::Open)
                }
                _ => false,
            };
        if st.depth == 0 && (t.kind == Kind::Dot || header_end || rule_name || decl_end) {
            st.statement = None;
        }
    }
    if st.statement.is_some() {
        // An unfinished last statement (the parser accepted it): never aligned.
        mark_partial(&mut st.lines);
    }
    let mut lines = st.lines;
    if lang != Lang::Rules {
        align_statements(&mut lines);
    }
    align_comments(&mut lines);
    render(&lines)
}

/// The statement of the last code line spans more than one line.
fn mark_partial(lines: &mut [Line]) {
    if let Some(l) = lines.iter_mut().rev().find(|l| !l.comment_line) {
        l.whole = false;
    }
}

/// Indentation of the next code token's statement (for a comment standing before it).
fn indent_of_next(rest: &[Tok], lang: Lang, in_test_body: bool) -> usize {
    match rest.iter().find(|t| t.kind != Kind::Comment) {
        Some(t) if lang == Lang::Test && t.text == "test" => 0,
        _ if in_test_body => 2,
        _ => 0,
    }
}

/// The facts-language statements whose runs are aligned (not raw facts or `expect`s,
/// whose words are atoms rather than keyword-separated fields).
const ALIGNED: &[&str] = &[
    "user", "tenant", "invite", "role", "resource", "grant", "revoke",
];

/// Columns for runs of one-line statements that start with the same keyword: a word is
/// padded when the word after it is the same in every line of the run (a keyword such
/// as `on`, `to`, `type:`), so that those keywords line up.
fn align_statements(lines: &mut [Line]) {
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        if lines[i].whole && ALIGNED.contains(&lines[i].words[0].as_str()) {
            while j < lines.len()
                && lines[j].whole
                && !lines[j].blank_before
                && lines[j].indent == lines[i].indent
                && lines[j].words[0] == lines[i].words[0]
            {
                j += 1;
            }
        }
        if j - i > 1 {
            let shortest = lines[i..j].iter().map(|l| l.words.len()).min().unwrap_or(0);
            let pad_columns: Vec<usize> = (0..shortest.saturating_sub(1))
                .filter(|&k| {
                    lines[i..j]
                        .iter()
                        .all(|l| l.words[k + 1] == lines[i].words[k + 1])
                })
                .collect();
            for k in pad_columns {
                let width = lines[i..j]
                    .iter()
                    .map(|l| l.words[k].chars().count())
                    .max()
                    .unwrap_or(0);
                for l in &mut lines[i..j] {
                    let pad = width - l.words[k].chars().count();
                    l.words[k].extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        i = j;
    }
}

/// Trailing comments of consecutive lines start in one column, two spaces after the
/// longest code among them.
fn align_comments(lines: &mut [Line]) {
    let mut i = 0;
    while i < lines.len() {
        if lines[i].comment.is_none() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < lines.len() && lines[j].comment.is_some() && !lines[j].blank_before {
            j += 1;
        }
        let column = lines[i..j].iter().map(Line::code_width).max().unwrap_or(0) + 2;
        for l in &mut lines[i..j] {
            let pad = column - l.code_width();
            let c = l.comment.take().expect("a comment");
            l.comment = Some(format!("{}{c}", " ".repeat(pad)));
        }
        i = j;
    }
}

fn render(lines: &[Line]) -> String {
    let mut out = String::new();
    for l in lines {
        if l.blank_before && !out.is_empty() {
            out.push('\n');
        }
        out.extend(std::iter::repeat_n(' ', l.indent));
        out.push_str(&l.words.join(" "));
        if let Some(c) = &l.comment {
            out.push_str(c);
        }
        out.push('\n');
    }
    out
}
