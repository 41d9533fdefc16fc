//! Test helper: a tiny hand-written reader for the rule language (enough for tests, with
//! real spans), standing in for the LALRPOP parser, plus shortcuts around `Model`.
#![allow(dead_code)]

use grantlog::diag::Diagnostic;
use grantlog::engine::{Limits, Model};
use grantlog::program::Program;
use grantlog::source::{FileId, SourceMap, Span};
use grantlog::syntax::ast::*;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Num(i64),
    Str(String),
    Doc(String),
    Punct(&'static str),
}

fn lex(file: FileId, text: &str) -> Vec<(Tok, Span)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if text[i..].starts_with("///") {
            let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
            out.push((
                Tok::Doc(text[i + 3..end].trim().to_string()),
                Span::new(file, i, end),
            ));
            i = end;
            continue;
        }
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(text.len(), |e| i + e);
            continue;
        }
        let tok = if c.is_ascii_alphabetic() || c == '_' {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'_'
                    || (b[i] == b'-' && i + 1 < b.len() && b[i + 1].is_ascii_alphanumeric()))
            {
                i += 1;
            }
            Tok::Ident(text[start..i].to_string())
        } else if c.is_ascii_digit() || (c == '-' && i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            Tok::Num(text[start..i].parse().unwrap())
        } else if c == '"' {
            i += 1;
            while b[i] != b'"' {
                i += 1;
            }
            i += 1;
            Tok::Str(text[start + 1..i - 1].to_string())
        } else {
            let p = [
                ":-", "!=", "<=", ">=", ".decl", "(", ")", ",", ".", "!", "=", "<", ">", ":", "@",
                "?",
            ]
            .into_iter()
            .find(|p| text[i..].starts_with(p))
            .unwrap_or_else(|| panic!("unexpected {c:?} at {i}"));
            i += p.len();
            Tok::Punct(p)
        };
        out.push((tok, Span::new(file, start, i)));
    }
    out
}

struct Reader {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    file: FileId,
    end: usize,
}

impl Reader {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn peek2(&self) -> Option<&Tok> {
        self.toks.get(self.pos + 1).map(|t| &t.0)
    }
    fn span(&self) -> Span {
        self.toks
            .get(self.pos)
            .map_or(Span::new(self.file, self.end, self.end), |t| t.1)
    }
    fn prev_end(&self) -> Span {
        self.toks[self.pos - 1].1
    }
    fn next(&mut self) -> (Tok, Span) {
        self.pos += 1;
        self.toks[self.pos - 1].clone()
    }
    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(q)) if *q == p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Ident {
        match self.next() {
            (Tok::Ident(s), span) => Ident::new(s, span),
            t => panic!("expected a name, got {t:?}"),
        }
    }

    fn term(&mut self) -> Term {
        match self.next() {
            (Tok::Ident(s), span) if s == "_" => Term::Anonymous(span),
            (Tok::Ident(s), span) if s.starts_with(|c: char| c.is_uppercase() || c == '_') => {
                Term::Var(Ident::new(s, span))
            }
            (Tok::Ident(s), span) | (Tok::Str(s), span) => Term::Const(Const::Sym(s), span),
            (Tok::Num(n), span) => Term::Const(Const::Num(n), span),
            t => panic!("expected a term, got {t:?}"),
        }
    }

    fn atom(&mut self) -> Atom {
        let relation = self.ident();
        let mut args = Vec::new();
        if self.eat("(") && !self.eat(")") {
            loop {
                args.push(self.term());
                if self.eat(")") {
                    break;
                }
                assert!(self.eat(","), "expected `,` at {:?}", self.span());
            }
        }
        let span = relation.span.to(self.prev_end());
        Atom {
            relation,
            args,
            span,
        }
    }

    fn literal(&mut self) -> Literal {
        let start = self.span();
        if self.eat("!") {
            let a = self.atom();
            let span = start.to(a.span);
            return Literal::Negative(a, span);
        }
        let is_atom = matches!(self.peek(), Some(Tok::Ident(_)))
            && !matches!(
                self.peek2(),
                Some(Tok::Punct("=" | "!=" | "<" | "<=" | ">" | ">="))
            );
        if is_atom {
            return Literal::Positive(self.atom());
        }
        let left = self.term();
        let op = match self.next().0 {
            Tok::Punct("=") => CompareOp::Eq,
            Tok::Punct("!=") => CompareOp::Ne,
            Tok::Punct("<") => CompareOp::Lt,
            Tok::Punct("<=") => CompareOp::Le,
            Tok::Punct(">") => CompareOp::Gt,
            Tok::Punct(">=") => CompareOp::Ge,
            t => panic!("expected a comparison, got {t:?}"),
        };
        let right = self.term();
        let span = start.to(self.prev_end());
        Literal::Compare(Comparison {
            left,
            op,
            right,
            span,
        })
    }

    fn literals(&mut self) -> Vec<Literal> {
        let mut out = vec![self.literal()];
        while self.eat(",") {
            out.push(self.literal());
        }
        out
    }

    fn module(&mut self) -> Module {
        let mut items = Vec::new();
        while self.peek().is_some() {
            let start = self.span();
            let mut doc: Option<String> = None;
            while let Some(Tok::Doc(d)) = self.peek().cloned() {
                self.pos += 1;
                doc = Some(match doc {
                    Some(prev) => format!("{prev}\n{d}"),
                    None => d,
                });
            }
            if self.eat(".decl") {
                let name = self.ident();
                let mut columns = Vec::new();
                if self.eat("(") && !self.eat(")") {
                    loop {
                        let name = self.ident();
                        let ty = self.eat(":").then(|| match self.ident().name.as_str() {
                            "symbol" => ColumnType::Symbol,
                            "number" => ColumnType::Number,
                            t => panic!("unknown type {t}"),
                        });
                        columns.push(Column { name, ty });
                        if self.eat(")") {
                            break;
                        }
                        assert!(self.eat(","));
                    }
                }
                let span = start.to(self.prev_end());
                items.push(Item::Decl(Decl {
                    doc,
                    name,
                    columns,
                    span,
                }));
                continue;
            }
            let name = self.eat("@").then(|| self.ident());
            let head = self.atom();
            let body = if self.eat(":-") {
                self.literals()
            } else {
                Vec::new()
            };
            assert!(self.eat("."), "expected `.` at {:?}", self.span());
            let span = head.span.to(self.prev_end());
            items.push(Item::Rule(Rule {
                doc,
                name,
                head,
                body,
                span,
            }));
        }
        Module { items }
    }
}

fn reader(file: FileId, text: &str) -> Reader {
    Reader {
        toks: lex(file, text),
        pos: 0,
        file,
        end: text.len(),
    }
}

/// Reads one rule file into `sources`.
pub fn parse(sources: &mut SourceMap, name: &str, text: &str) -> Module {
    let file = sources.add(name, text);
    reader(file, text).module()
}

pub fn parse_query(sources: &mut SourceMap, text: &str) -> Query {
    let file = sources.add("<query>", text);
    let mut r = reader(file, text);
    let literals = r.literals();
    let _ = r.eat(".") || r.eat("?");
    assert!(r.peek().is_none(), "trailing input in query");
    Query {
        literals,
        span: Span::new(file, 0, text.len()),
    }
}

/// Compiles one file; panics with rendered diagnostics on error.
pub fn program(sources: &mut SourceMap, text: &str) -> (Arc<Program>, Vec<Diagnostic>) {
    let m = parse(sources, "rules.dl", text);
    match Program::compile(sources, &[m]) {
        Ok((p, warnings)) => (Arc::new(p), warnings),
        Err(d) => panic!("{}", grantlog::diag::render_all(&d, sources)),
    }
}

/// Compiles one file expecting errors; returns the diagnostics.
pub fn errors(text: &str) -> Vec<Diagnostic> {
    let mut sources = SourceMap::new();
    let m = parse(&mut sources, "rules.dl", text);
    match Program::compile(&sources, &[m]) {
        Ok(_) => panic!("expected errors"),
        Err(d) => d,
    }
}

pub fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    let mut c: Vec<_> = diags.iter().map(|d| d.code).collect();
    c.sort_unstable();
    c
}

/// Compiles and evaluates one file.
pub fn evaluated(text: &str) -> (Model, SourceMap) {
    let mut sources = SourceMap::new();
    let (p, _) = program(&mut sources, text);
    let mut model = Model::new(p);
    model.evaluate(&Limits::default()).expect("evaluates");
    (model, sources)
}

/// The tuples of `rel`, rendered and sorted: `["a,b", ...]`.
pub fn rows(model: &Model, rel: &str) -> Vec<String> {
    let r = model
        .program()
        .relation(rel)
        .unwrap_or_else(|| panic!("no relation {rel}"));
    let mut out: Vec<String> = model
        .tuples(r)
        .map(|t| {
            t.iter()
                .map(|v| show(model.constant(*v)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    out.sort();
    out
}

pub fn show(c: &Const) -> String {
    match c {
        Const::Sym(s) => s.clone(),
        Const::Num(n) => n.to_string(),
    }
}

/// Answers a query, rows rendered like [`rows`] (in the answer's order).
pub fn ask(model: &Model, sources: &mut SourceMap, text: &str) -> Vec<String> {
    let q = parse_query(sources, text);
    let a = model
        .query(sources, &q)
        .unwrap_or_else(|d| panic!("{}", grantlog::diag::render_all(&d, sources)));
    a.rows
        .iter()
        .map(|r| r.iter().map(show).collect::<Vec<_>>().join(","))
        .collect()
}
