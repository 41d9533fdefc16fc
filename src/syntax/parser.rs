//! Parser entry points: lex, run the LALRPOP parser, turn its errors into diagnostics.

use super::ast::{Atom, ColumnType, Ident, Item, Module, Query};
use super::lexer::{lex, Lexed, Token};
use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap, Span};
use lalrpop_util::{ErrorRecovery, ParseError};

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_qualifications, dead_code)]
    grammar,
    "/grantlog.rs"
);

type PError = ParseError<usize, Token, ()>;

/// State shared with the grammar's actions.
pub struct Ctx {
    file: FileId,
    /// Module items, in source order (pushed as they are reduced).
    pub(crate) items: Vec<Item>,
    errors: Vec<PError>,
    /// Non-token errors found by actions (unknown column type).
    diags: Vec<Diagnostic>,
}

/// What the grammar's single entry point produced.
pub enum Parsed {
    Module,
    Query(Query),
    Atom(Atom),
}

impl Ctx {
    pub(crate) fn span(&self, l: usize, r: usize) -> Span {
        Span::new(self.file, l, r)
    }

    pub(crate) fn recovered(&mut self, e: ErrorRecovery<usize, Token, ()>) {
        self.errors.push(e.error);
    }

    pub(crate) fn column_type(&mut self, t: Ident) -> Option<ColumnType> {
        match t.name.as_str() {
            "symbol" => Some(ColumnType::Symbol),
            "number" => Some(ColumnType::Number),
            _ => {
                self.diags.push(
                    Diagnostic::error("E0001", format!("unknown column type `{}`", t.name))
                        .at(t.span)
                        .label("not a type")
                        .help("column types are `symbol` and `number`"),
                );
                None
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Module,
    Query,
    Atom,
}

struct Outcome {
    parsed: Option<Parsed>,
    items: Vec<Item>,
    diags: Vec<Diagnostic>,
    /// Some error was an unexpected end of input (or input ended in a string/comment).
    eof_error: bool,
    /// Some error was not at the end of input.
    other_error: bool,
}

fn run(text: &str, file: FileId, mode: Mode) -> Outcome {
    let Lexed {
        mut tokens,
        errors: lex_errors,
        docs,
        open_at_eof,
    } = lex(text, file);
    let start = match mode {
        Mode::Module => Token::StartModule,
        Mode::Query => Token::StartQuery,
        Mode::Atom => Token::StartAtom,
    };
    // Errors right after a bad token are its echo: it was reported as E0002 already.
    let mut after_bad: std::collections::HashSet<usize> = std::collections::HashSet::new();
    for w in tokens.windows(2) {
        if w[0].1 == Token::Error {
            after_bad.insert(w[1].0);
        }
    }
    let ends_bad = tokens.last().is_some_and(|t| t.1 == Token::Error);
    tokens.insert(0, (0, start, 0));
    let end = tokens.last().map_or(0, |t| t.2);
    let mut ctx = Ctx {
        file,
        items: Vec::new(),
        errors: Vec::new(),
        diags: Vec::new(),
    };
    let result = grammar::InputParser::new().parse(&mut ctx, tokens.into_iter().map(Ok::<_, ()>));
    let parsed = match result {
        Ok(p) => Some(p),
        Err(e) => {
            ctx.errors.push(e);
            None
        }
    };
    let mut out = Outcome {
        parsed,
        items: ctx.items,
        diags: lex_errors,
        eof_error: open_at_eof,
        other_error: false,
    };
    for e in ctx.errors {
        let at_eof = matches!(e, ParseError::UnrecognizedEof { .. });
        out.eof_error |= at_eof;
        out.other_error |= !at_eof;
        // Errors on a bad token, or at the end of an unterminated string, repeat an E0002.
        let repeat = match &e {
            ParseError::UnrecognizedToken { token, .. } => {
                token.1 == Token::Error || after_bad.contains(&token.0)
            }
            ParseError::UnrecognizedEof { .. } => open_at_eof || ends_bad,
            _ => false,
        };
        if !repeat {
            out.diags
                .push(multi_word(syntax_error(e, file, end, mode), text));
        }
    }
    out.other_error |=
        !ctx.diags.is_empty() || out.diags.iter().any(|d| d.code == "E0002") && !open_at_eof;
    out.diags.extend(ctx.diags);
    out.diags.sort_by_key(|d| d.span.map(|s| (s.start, s.end)));
    attach_docs(&mut out.items, &docs);
    out
}

fn attach_docs(items: &mut [Item], docs: &std::collections::HashMap<usize, String>) {
    for item in items {
        let (doc, span) = match item {
            Item::Decl(d) => (&mut d.doc, d.span),
            Item::Rule(r) => (&mut r.doc, r.span),
        };
        *doc = docs.get(&(span.start as usize)).cloned();
    }
}

/// Human name of a token for "expected ..., found ..." messages.
fn describe(tok: &Token) -> String {
    match tok {
        Token::Decl => "`.decl`".into(),
        Token::Lower(s) => format!("name `{s}`"),
        Token::Upper(s) => format!("variable `{s}`"),
        Token::Str(s) => format!("string {s:?}"),
        Token::Int(n) => format!("number `{n}`"),
        other => match grammar_name(other) {
            Some(p) => format!("`{p}`"),
            None => "invalid token".into(),
        },
    }
}

fn grammar_name(tok: &Token) -> Option<&'static str> {
    Some(match tok {
        Token::Underscore => "_",
        Token::LParen => "(",
        Token::RParen => ")",
        Token::Comma => ",",
        Token::Dot => ".",
        Token::If => ":-",
        Token::Bang => "!",
        Token::Eq => "=",
        Token::Ne => "!=",
        Token::Lt => "<",
        Token::Le => "<=",
        Token::Gt => ">",
        Token::Ge => ">=",
        Token::Colon => ":",
        Token::At => "@",
        Token::Question => "?",
        _ => return None,
    })
}

/// Turns LALRPOP's terminal names (`"\"(\""`, `Lower`) into what users read.
fn expected_name(terminal: &str) -> Option<String> {
    Some(match terminal {
        "Lower" => "name".into(),
        "Upper" => "variable".into(),
        "Str" => "string".into(),
        "Int" => "number".into(),
        "LexError" | "StartModule" | "StartQuery" | "StartAtom" => return None,
        t => format!("`{}`", t.trim_matches('"').replace("\\\"", "\"")),
    })
}

fn syntax_error(e: PError, file: FileId, end: usize, mode: Mode) -> Diagnostic {
    let (span, found, expected) = match e {
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => (Span::new(file, l, r), describe(&tok), expected),
        ParseError::UnrecognizedEof { location, expected } => {
            let at = location.max(end);
            (
                Span::new(file, at, at),
                "end of input".to_string(),
                expected,
            )
        }
        ParseError::ExtraToken { token: (l, tok, r) } => {
            (Span::new(file, l, r), describe(&tok), vec![])
        }
        // The token iterator never fails and actions raise no errors.
        ParseError::InvalidToken { location } => (
            Span::new(file, location, location),
            "invalid token".into(),
            vec![],
        ),
        ParseError::User { .. } => (Span::new(file, end, end), "an error".into(), vec![]),
    };
    let names: Vec<String> = expected.iter().filter_map(|t| expected_name(t)).collect();
    let message = match names.as_slice() {
        [] => format!("unexpected {found}"),
        [one] => format!("expected {one}, found {found}"),
        many => format!("expected one of {}, found {found}", many.join(", ")),
    };
    let mut d = Diagnostic::error("E0001", message)
        .at(span)
        .label(if found == "end of input" {
            "input ends here".to_string()
        } else {
            "unexpected here".to_string()
        });
    let has = |t: &str| expected.iter().any(|e| e == t);
    if mode == Mode::Query && has("\".\"") && found != "end of input" {
        // In a question, not a rule: say what a query is.
        d = d.help("a query is literals separated by `,`, such as `can_use(U, engineering, R), !can_edit(U, engineering, R)`; it may end with `.` or `?`");
    } else if has("\".\"") && (found == "end of input" || names.len() <= 4) {
        d = d.help(match mode {
            Mode::Module => "a fact or rule ends with `.`",
            Mode::Query | Mode::Atom => {
                "a question may end with `.` or `?`; separate literals with `,`"
            }
        });
    } else if has("Upper") && has("Lower") && has("Int") {
        d = d.help("variables start with an uppercase letter; constants are lowercase or quoted");
    } else if has("\")\"") {
        d = d.help("is a `)` missing?");
    }
    d
}

/// A word right after another inside parentheses (`holds_role(sam, engineering, Data
/// Developer)`) is a multi-word name written bare: say to quote it, not "is a `)` missing?".
fn multi_word(d: Diagnostic, text: &str) -> Diagnostic {
    let Some(span) = d.span else { return d };
    let found_word =
        text[span.start as usize..].starts_with(|c: char| c.is_alphanumeric() || c == '"');
    let before = text[..span.start as usize].trim_end();
    let after_word = before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-');
    let in_args = before.rfind('(') > before.rfind(')');
    if !(found_word && after_word && in_args && d.message.contains("`,`")) {
        return d;
    }
    let start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == ' '))
        .map_or(0, |i| i + 1);
    let rest = &text[start..];
    let words = rest[..rest.find([',', ')']).unwrap_or(rest.len())].trim();
    // Role names are capitalised words (`Data Developer`); `a X` or `sam engineering` is
    // more likely a forgotten `,`.
    if !words
        .split_whitespace()
        .all(|w| w.starts_with(char::is_uppercase))
    {
        return d;
    }
    let mut d = d;
    d.help = Some(format!(
        "quote multi-word names: `\"{words}\"` (a name is one word; two words in a row are not one value)"
    ));
    d
}

/// Parses a rule or fact file. Returns every item that parsed and every syntax error;
/// on an error the parser skips to the next top-level `.` (or `.decl`) and goes on.
pub fn parse_module(sources: &SourceMap, file: FileId) -> (Module, Vec<Diagnostic>) {
    let out = run(&sources.file(file).text, file, Mode::Module);
    (Module { items: out.items }, out.diags)
}

/// Parses a query: comma-separated literals, optionally ending in `.` or `?`.
pub fn parse_query(sources: &SourceMap, file: FileId) -> Result<Query, Vec<Diagnostic>> {
    match run(&sources.file(file).text, file, Mode::Query) {
        Outcome {
            parsed: Some(Parsed::Query(q)),
            diags,
            ..
        } if diags.is_empty() => Ok(q),
        out => Err(out.diags),
    }
}

/// Parses one atom (e.g. a fact for `:why`), optionally ending in `.`.
pub fn parse_atom(sources: &SourceMap, file: FileId) -> Result<Atom, Vec<Diagnostic>> {
    match run(&sources.file(file).text, file, Mode::Atom) {
        Outcome {
            parsed: Some(Parsed::Atom(a)),
            diags,
            ..
        } if diags.is_empty() => Ok(a),
        out => Err(out.diags),
    }
}

/// For a REPL line validator: true when `text` could become valid input by typing more
/// (it ends inside a string, comment or an unfinished rule/query); false when it is
/// complete or already wrong. A leading REPL command word (`:why`) is skipped.
pub fn is_incomplete(text: &str) -> bool {
    let mut body = text.trim_start();
    if let Some(rest) = body.strip_prefix(':') {
        if rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let word_end = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-');
            body = &rest[word_end.unwrap_or(rest.len())..];
        }
    }
    let file = FileId(0);
    let query = run(body, file, Mode::Query);
    if query.diags.is_empty() {
        return false;
    }
    let module = run(body, file, Mode::Module);
    if module.diags.is_empty() {
        return false;
    }
    // Incomplete when either reading fails only for lack of more input.
    (query.eof_error && !query.other_error) || (module.eof_error && !module.other_error)
}
