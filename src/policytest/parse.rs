//! Reading a `*.test` file: `test` headers, `include`s, `.facts` statements and `expect`s.
//!
//! The file is lexed with the project's lexer ([`lex`]) and cut into statements at `.`
//! (a `test NAME "description":` header ends at its `:` instead). Statements that are not
//! `include` or `expect` are `.facts` statements: they are not parsed here but handed to
//! the facts reader as a copy of the test file with everything else blanked (see
//! [`blank_except`]), so that its diagnostics point at the right line and column.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::Const;
use crate::syntax::lexer::{lex, Token};

/// One `*.test` file, parsed.
#[derive(Clone, Debug)]
pub struct TestFile {
    /// The path as given (used in every location printed).
    pub path: String,
    pub text: String,
    /// Statements before the first `test`: shared by every test of the file.
    pub prelude: Vec<Item>,
    pub tests: Vec<TestCase>,
    /// Errors outside any test (in the prelude, or a file that cannot be read).
    pub errors: Vec<Diagnostic>,
}

/// `test NAME "description": ...`
#[derive(Clone, Debug)]
pub struct TestCase {
    pub name: String,
    pub description: Option<String>,
    /// The header `test NAME ...:`.
    pub span: Span,
    pub items: Vec<Item>,
    pub errors: Vec<Diagnostic>,
}

/// One statement of a test body, in file order.
#[derive(Clone, Debug)]
pub enum Item {
    /// `include "path".`, relative to the test file's directory.
    Include {
        path: String,
        span: Span,
    },
    /// A `.facts` statement (or raw fact), byte range `[start, end)` including its `.`.
    Facts {
        start: usize,
        end: usize,
    },
    Expect(Expect),
}

/// `expect [no] QUERY [yields ROWS | yields nothing].`
#[derive(Clone, Debug)]
pub struct Expect {
    /// The whole statement.
    pub span: Span,
    /// The query's byte range in the file.
    pub query: (usize, usize),
    pub expectation: Expectation,
}

/// What an `expect` asks of its query's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// `expect Q.`: at least one answer.
    Holds,
    /// `expect no Q.`: no answer.
    None,
    /// `expect Q yields ROWS.`: exactly these rows (columns: Q's named variables in order
    /// of first appearance). `yields nothing` is the empty set.
    Yields(Vec<(Vec<Const>, Span)>),
}

type Tok = (usize, Token, usize);

fn is_word(t: &Token, w: &str) -> bool {
    matches!(t, Token::Lower(s) if s == w)
}

/// A copy of `text` with every byte outside `ranges` turned into a space (line breaks
/// kept), so that offsets, lines and columns stay those of the original.
pub fn blank_except(text: &str, ranges: &[(usize, usize)]) -> String {
    // One sweep over the text and the sorted ranges: a test of 20,000 statements (one
    // range each) took seconds when every character was checked against every range.
    let mut sorted = ranges.to_vec();
    sorted.sort_unstable();
    let mut next = sorted.iter().peekable();
    let mut kept_until = 0;
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        while let Some(&&(s, e)) = next.peek() {
            if s > i {
                break;
            }
            kept_until = kept_until.max(e);
            next.next();
        }
        if c == '\n' || c == '\r' || i < kept_until {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    out
}

/// Parse a test file's text. `file` is the id its spans are made in.
pub fn parse(path: &str, text: &str, file: FileId) -> TestFile {
    let lexed = lex(text, file);
    let toks: Vec<Tok> = lexed.tokens;
    let mut out = TestFile {
        path: path.to_string(),
        text: text.to_string(),
        prelude: Vec::new(),
        tests: Vec::new(),
        errors: Vec::new(),
    };
    let span = |s: usize, e: usize| Span::new(file, s, e);
    // A `test` header starts where `test` is the first token on its line and a name follows.
    let line_start = |pos: usize| text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let is_header = |i: usize| -> bool {
        is_word(&toks[i].1, "test")
            && text[line_start(toks[i].0)..toks[i].0].trim().is_empty()
            && matches!(
                toks.get(i + 1),
                Some((_, Token::Lower(_) | Token::Str(_), _))
            )
            && !matches!(toks.get(i + 1), Some((_, Token::LParen, _)))
    };
    let mut i = 0;
    while i < toks.len() {
        if is_header(i) {
            let (s, _, _) = toks[i];
            let name = match &toks[i + 1].1 {
                Token::Lower(n) | Token::Str(n) => n.clone(),
                _ => unreachable!(),
            };
            let mut j = i + 2;
            let mut description = None;
            let mut errors = Vec::new();
            if let Some((_, Token::Str(d), _)) = toks.get(j) {
                description = Some(d.clone());
                j += 1;
            }
            let end;
            match toks.get(j) {
                Some((_, Token::Colon, e)) => {
                    end = *e;
                    j += 1;
                }
                other => {
                    let at = other.map_or(text.len(), |t| t.0);
                    end = toks[j - 1].2;
                    errors.push(
                        Diagnostic::error(
                            "T0001",
                            format!("expected `:` after the test name `{name}`"),
                        )
                        .at(other.map_or(span(at, at), |t| span(t.0, t.2)))
                        .label("expected `:` here")
                        .help("a test starts with `test NAME \"description\":`"),
                    );
                    // Resume at the next statement boundary.
                    while j < toks.len() && !is_header(j) && toks[j].1 != Token::Dot {
                        j += 1;
                    }
                    if j < toks.len() && toks[j].1 == Token::Dot {
                        j += 1;
                    }
                }
            }
            out.tests.push(TestCase {
                name,
                description,
                span: span(s, end),
                items: Vec::new(),
                errors,
            });
            i = j;
            continue;
        }
        // A statement: up to the next `.` (or, if there is none, the next test header).
        let mut j = i;
        while j < toks.len() && toks[j].1 != Token::Dot && !(j > i && is_header(j)) {
            j += 1;
        }
        let stmt = &toks[i..j.min(toks.len())];
        let (item, errs) = if j >= toks.len() || toks[j].1 != Token::Dot {
            let last = stmt.last().map_or(toks[i].2, |t| t.2);
            (
                None,
                vec![
                    Diagnostic::error("T0002", "statement does not end with `.`")
                        .at(span(toks[i].0, last))
                        .label("this statement")
                        .help("every include, expect and facts statement ends with `.`"),
                ],
            )
        } else {
            statement(stmt, toks[j].2, file)
        };
        if out.tests.is_empty() {
            if let Some(Item::Expect(e)) = &item {
                out.errors.push(
                    Diagnostic::error("T0003", "`expect` outside a test")
                        .at(e.span)
                        .help("statements before the first `test` are shared facts; start a test with `test NAME:`"),
                );
                i = j + 1;
                continue;
            }
        }
        let (items, errors) = match out.tests.last_mut() {
            Some(t) => (&mut t.items, &mut t.errors),
            None => (&mut out.prelude, &mut out.errors),
        };
        items.extend(item);
        errors.extend(errs);
        i = if j < toks.len() && toks[j].1 == Token::Dot {
            j + 1
        } else {
            j
        };
    }
    // Lexical errors go to the test they are in.
    for d in lexed.errors {
        let at = d.span.map_or(0, |s| s.start as usize);
        match out
            .tests
            .iter_mut()
            .rev()
            .find(|t| (t.span.start as usize) <= at)
        {
            Some(t) => t.errors.push(d),
            None => out.errors.push(d),
        }
    }
    out
}

/// One statement (`stmt` excludes its `.`, which ends at `end`).
fn statement(stmt: &[Tok], end: usize, file: FileId) -> (Option<Item>, Vec<Diagnostic>) {
    let span = |s: usize, e: usize| Span::new(file, s, e);
    let Some(first) = stmt.first() else {
        let dot = span(end.saturating_sub(1), end);
        return (
            None,
            vec![
                Diagnostic::error("T0008", "a `.` with no statement before it")
                    .at(dot)
                    .label("an extra `.`")
                    .help("remove it: every statement ends with one `.`"),
            ],
        );
    };
    let whole = span(first.0, end);
    let not_fact = !matches!(stmt.get(1), Some((_, Token::LParen, _)));
    if is_word(&first.1, "include") && not_fact {
        return match stmt {
            [_, (_, Token::Str(p), _)] => (
                Some(Item::Include {
                    path: p.clone(),
                    span: whole,
                }),
                vec![],
            ),
            _ => (
                None,
                vec![Diagnostic::error("T0004", "expected `include \"PATH\".`")
                    .at(whole)
                    .help("the path is a string, relative to the test file's directory")],
            ),
        };
    }
    if !(is_word(&first.1, "expect") && not_fact) {
        return (
            Some(Item::Facts {
                start: first.0,
                end,
            }),
            vec![],
        );
    }
    let mut k = 1;
    let negated = matches!(stmt.get(1), Some((_, t, _)) if is_word(t, "no"))
        && !matches!(stmt.get(2), Some((_, Token::LParen, _)));
    if negated {
        k = 2;
    }
    // The query runs to `yields` at parenthesis depth 0.
    let mut depth = 0i32;
    let mut q_end = k;
    while q_end < stmt.len() {
        match &stmt[q_end].1 {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            t if depth == 0 && is_word(t, "yields") => break,
            _ => {}
        }
        q_end += 1;
    }
    if q_end == k {
        return (
            None,
            vec![Diagnostic::error("T0005", "`expect` needs a query")
                .at(whole)
                .help("write `expect can_run(engineering, sales-360).`")],
        );
    }
    let query = (stmt[k].0, stmt[q_end - 1].2);
    let expectation = if q_end == stmt.len() {
        if negated {
            Expectation::None
        } else {
            Expectation::Holds
        }
    } else if negated {
        return (
            None,
            vec![
                Diagnostic::error("T0006", "`expect no ...` takes no `yields`")
                    .at(span(stmt[q_end].0, end))
                    .help("use `expect QUERY yields nothing.` or `expect no QUERY.`"),
            ],
        );
    } else {
        match rows(&stmt[q_end + 1..], file) {
            Ok(r) => Expectation::Yields(r),
            Err(d) => return (None, vec![d.at(span(stmt[q_end].0, end))]),
        }
    };
    (
        Some(Item::Expect(Expect {
            span: whole,
            query,
            expectation,
        })),
        vec![],
    )
}

/// `nothing` | ROW (`,` ROW)* where ROW is `(v, ...)` or a single value.
fn rows(toks: &[Tok], file: FileId) -> Result<Vec<(Vec<Const>, Span)>, Diagnostic> {
    let bad = |msg: String| {
        Diagnostic::error("T0007", msg).help(
            "write `yields (a, b), (c, d).` (one tuple per answer, in the order of the query's variables) or `yields nothing.`",
        )
    };
    if let [(_, t, _)] = toks {
        if is_word(t, "nothing") {
            return Ok(Vec::new());
        }
    }
    if toks.is_empty() {
        return Err(bad("`yields` needs rows or `nothing`".into()));
    }
    let value = |t: &Tok| -> Result<Const, Diagnostic> {
        match &t.1 {
            Token::Lower(s) | Token::Str(s) => Ok(Const::Sym(s.clone())),
            Token::Int(n) => Ok(Const::Num(*n)),
            other => Err(bad(format!("expected a value, found {}", describe(other)))
                .at(Span::new(file, t.0, t.2))),
        }
    };
    let mut out = Vec::new();
    let mut k = 0;
    loop {
        let start = toks[k].0;
        let row = if toks[k].1 == Token::LParen {
            k += 1;
            let mut row = Vec::new();
            loop {
                let t = toks
                    .get(k)
                    .ok_or_else(|| bad("unclosed `(` in a row".into()))?;
                row.push(value(t)?);
                k += 1;
                match toks.get(k) {
                    Some((_, Token::Comma, _)) => k += 1,
                    Some((_, Token::RParen, _)) => {
                        k += 1;
                        break;
                    }
                    _ => return Err(bad("expected `,` or `)` in a row".into())),
                }
            }
            row
        } else {
            let v = value(&toks[k])?;
            k += 1;
            vec![v]
        };
        out.push((row, Span::new(file, start, toks[k - 1].2)));
        match toks.get(k) {
            None => return Ok(out),
            Some((_, Token::Comma, _)) if k + 1 < toks.len() => k += 1,
            Some(t) => {
                return Err(bad(format!(
                    "expected `,` between rows, found {}",
                    describe(&t.1)
                )))
            }
        }
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Lower(s) => format!("`{s}`"),
        Token::Upper(s) => format!("the variable `{s}` (rows hold constants)"),
        Token::Str(s) => format!("\"{s}\""),
        Token::Int(n) => n.to_string(),
        Token::Underscore => "`_` (rows hold constants)".into(),
        other => format!("{other:?}"),
    }
}
