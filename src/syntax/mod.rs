//! Tokens, the parser entry points and the AST printer.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod print;
pub mod scan;

pub use lexer::{highlight_tokens, TokenClass, KEYWORDS};
pub use parser::{is_incomplete, parse_atom, parse_module, parse_query};

use crate::source::Span;
use ast::{Atom, Item, Literal, Module, Query, Term};

/// Resets every span to `Span::default()`. The AST's derived `PartialEq` compares spans
/// (only `Ident` ignores them), so round-trip tests compare trees after this pass rather
/// than changing the shared AST types.
pub trait StripSpans {
    fn strip_spans(&mut self);
}

impl StripSpans for Term {
    fn strip_spans(&mut self) {
        match self {
            Term::Var(v) => v.span = Span::default(),
            Term::Anonymous(s) | Term::Const(_, s) => *s = Span::default(),
        }
    }
}

impl StripSpans for Atom {
    fn strip_spans(&mut self) {
        self.span = Span::default();
        self.relation.span = Span::default();
        self.args.iter_mut().for_each(Term::strip_spans);
    }
}

impl StripSpans for Literal {
    fn strip_spans(&mut self) {
        match self {
            Literal::Positive(a) => a.strip_spans(),
            Literal::Negative(a, s) => {
                a.strip_spans();
                *s = Span::default();
            }
            Literal::Compare(c) => {
                c.span = Span::default();
                c.left.strip_spans();
                c.right.strip_spans();
            }
        }
    }
}

impl StripSpans for Query {
    fn strip_spans(&mut self) {
        self.span = Span::default();
        self.literals.iter_mut().for_each(Literal::strip_spans);
    }
}

impl StripSpans for Module {
    fn strip_spans(&mut self) {
        for item in &mut self.items {
            match item {
                Item::Decl(d) => {
                    d.span = Span::default();
                    d.name.span = Span::default();
                    for c in &mut d.columns {
                        c.name.span = Span::default();
                    }
                }
                Item::Rule(r) => {
                    r.span = Span::default();
                    if let Some(n) = &mut r.name {
                        n.span = Span::default();
                    }
                    r.head.strip_spans();
                    r.body.iter_mut().for_each(Literal::strip_spans);
                }
            }
        }
    }
}
